# libzarr: build, test, install. The README's two commands are `make example`
# and `make test`; .ci/run calls `make test`.

PREFIX ?= /usr/local
CARGO ?= cargo
CC ?= cc
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))

# Cargo features of libzarr: `cloud` (s3://, az://, gs://, http(s)://
# stores) and `java` (the JNI entry points), both on by default.
# `make lib FEATURES=` builds a lean library with neither, `FEATURES=java`
# one without cloud stores (README, "Building a lean library"). Any other
# set than the default builds in its own target directory (target/lean,
# target/java, ...) and Fortran build directory, so it never overwrites the
# default build or makes it rebuild.
DEFAULT_FEATURES := cloud java
FEATURES ?= $(DEFAULT_FEATURES)
empty :=
space := $(empty) $(empty)
ifeq ($(sort $(FEATURES)),$(sort $(DEFAULT_FEATURES)))
VARIANT :=
# The default build makes the library and zarrtool in one cargo invocation,
# and lint and test-rust select the same two packages: cargo unifies
# dependency features over the selected packages (zarrtool's clap and
# indicatif add features to crates libzarr also uses), so building them
# apart gave two libzarr builds that overwrote each other's deps/libzarr.so,
# and every `make lib` after a zarrtool build recompiled libzarr.
WITH_TOOL := -p libzarr -p zarrtool
CARGO_LIB := $(CARGO) build --release $(WITH_TOOL)
TARGET_DIR := target
else
VARIANT := $(or $(subst $(space),-,$(sort $(FEATURES))),lean)
TARGET_DIR := target/$(VARIANT)
CARGO_LIB := $(CARGO) build --release --no-default-features $(if $(strip $(FEATURES)),--features "$(FEATURES)") \
	--target-dir $(TARGET_DIR)
endif
LIBDIR := $(TARGET_DIR)/release
# The plugins (netcdf/, netcdf/h5filter/) embed their own engine, each with
# other libzarr features than the library, and each builds in its own target
# directory: cargo names a cdylib's file in deps/ without a hash, so builds
# sharing one made each overwrite the other's deps/libzarr.so and rebuild
# libzarr, back and forth.
PLUGIN_TARGET := target/plugins
PLUGIN_LIBDIR := $(PLUGIN_TARGET)/release
PLUGIN_CARGO_FLAGS := --release --target-dir $(PLUGIN_TARGET)
H5_TARGET := target/h5filter
H5_CARGO_FLAGS := --release --target-dir $(H5_TARGET)
HAS_S3 := $(if $(filter cloud,$(FEATURES)),yes,no)
HAS_JAVA := $(if $(filter java,$(FEATURES)),yes,no)
# Installed libraries are stripped; DEBUGINFO=1 keeps their debug info in
# lib/.debug/NAME.debug (scripts/install-stripped.sh).
DEBUGINFO ?= 0
export DEBUGINFO
INSTALL_SO := sh scripts/install-stripped.sh

.PHONY: all lib header example test test-rust test-c test-interop test-install lint install clean \
	netcdf test-netcdf install-netcdf h5filters install-lib test-header lean test-lean

all: lib

# The library's SONAME is libzarr.so.$(MAJOR): link it beside the build so
# programs linked against the build tree find it at run time.
lib:
	$(CARGO_LIB)
	ln -sf libzarr.so $(LIBDIR)/libzarr.so.$(MAJOR)

# Refresh the committed header after changing src/ffi.
header:
	ZARR_UPDATE_HEADER=1 $(CARGO) build --release $(WITH_TOOL)

example: lib
	mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -O2 -Iinclude examples/c/example.c -o build/example \
	    -L$(LIBDIR) -lzarr -lm -Wl,-rpath,$(CURDIR)/$(LIBDIR)
	rm -rf build/example.zarr
	./build/example build/example.zarr

# Every test: Rust unit + integration, lint, C tests (also under Valgrind and ASan+UBSan),
# zarr-python interop, the netCDF-C plugin, and an install + pkg-config
# link check.
test: lint test-rust test-header test-c test-interop test-netcdf test-install test-lean
	@echo "all test suites passed"

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --all-targets -p libzarr -p zarrtool -- -D warnings

test-rust:
	$(CARGO) test --release -p libzarr -p zarrtool

test-c: lib
	ZARR_LIBDIR=$(CURDIR)/$(LIBDIR) bash tests/c/run.sh

# The public header: only the library's names, clean as C and C++ in both
# include orders, every 1.0 constant with its 1.0 value (tests/header/run.sh).
test-header: lib
	@command -v clang >/dev/null || (apt-get update && apt-get install -y clang) || \
	    echo "note: clang could not be installed; the header is checked with gcc and g++ only"
	ZARR_LIBDIR=$(CURDIR)/$(LIBDIR) bash tests/header/run.sh

# The lean library (no cloud stores, no Java) in target/lean: the whole C
# test-suite (without Valgrind: the default build has that pass) and
# tests/lean/run.sh (object store URLs are ZARR_EUNSUPPORTED naming the
# feature; no JNI or object store code inside; an install whose zarr-config
# says so and builds the example).
lean:
	$(MAKE) --no-print-directory lib FEATURES=

test-lean: lean
	$(CARGO) clippy --release --no-default-features --lib --target-dir target/lean -- -D warnings
	ZARR_LIBDIR=$(CURDIR)/target/lean/release ZARR_NO_VALGRIND=1 bash tests/c/run.sh
	rm -rf build/install-lean && $(MAKE) --no-print-directory install-lib FEATURES= PREFIX=$(CURDIR)/build/install-lean
	ZARR_LIBDIR=$(CURDIR)/target/lean/release bash tests/lean/run.sh $(CURDIR)/build/install-lean

test-interop: lib
	ZARR_LIB=$(CURDIR)/$(LIBDIR)/libzarr.so bash tests/interop/run.sh

test-install: lib
	command -v pkg-config >/dev/null || (apt-get update && apt-get install -y pkg-config)
	rm -rf build/install-test && $(MAKE) --no-print-directory install PREFIX=$(CURDIR)/build/install-test
	PKG_CONFIG_PATH=$(CURDIR)/build/install-test/lib/pkgconfig sh -c \
	    '$(CC) -std=c11 examples/c/example.c -o build/install-test/example $$(pkg-config --cflags --libs zarr) -lm -Wl,-rpath,$$(pkg-config --variable=libdir zarr)'
	rm -rf build/install-test/ex.zarr && build/install-test/example build/install-test/ex.zarr
	@if [ -f build/install-test/lib/libzarr_netcdf.so ] && command -v ncdump >/dev/null; then \
	    LD_PRELOAD=$(CURDIR)/build/install-test/lib/libzarr_netcdf.so \
	        ncdump -h "file://$(CURDIR)/build/install-test/ex.zarr#mode=udf0" | grep -q "float temp(time, lat, lon)" \
	        && echo "installed netCDF plugin reads the example"; \
	fi
	bash tests/install/run.sh $(CURDIR)/build/install-test
	rm -rf build/install-debug && $(MAKE) --no-print-directory install-lib DEBUGINFO=1 PREFIX=$(CURDIR)/build/install-debug
	bash tests/install/debuginfo.sh $(CURDIR)/build/install-debug $(CURDIR)/$(LIBDIR)/libzarr.so
	@echo "install check passed"

install: install-lib
	@if [ -f /usr/include/netcdf_dispatch.h ] || pkg-config --exists netcdf 2>/dev/null; then \
	    $(MAKE) --no-print-directory install-netcdf; \
	else echo "note: netCDF-C headers not found: libzarr_netcdf not built or installed"; fi

# The C library alone: libzarr.so (stripped), libzarr.a, zarr.h, zarr.pc, zarr-config.
install-lib: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	$(INSTALL_SO) 755 $(LIBDIR)/libzarr.so $(DESTDIR)$(PREFIX)/lib/libzarr.so.$(VERSION)
	ln -sf libzarr.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libzarr.so.$(MAJOR)
	ln -sf libzarr.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libzarr.so
	$(INSTALL_SO) 644 $(LIBDIR)/libzarr.a $(DESTDIR)$(PREFIX)/lib/libzarr.a
	install -m 644 include/zarr.h $(DESTDIR)$(PREFIX)/include/zarr.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' zarr.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zarr.pc
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@HAS_S3@|$(HAS_S3)|g' -e 's|@HAS_JAVA@|$(HAS_JAVA)|g' zarr-config.in \
	    > $(DESTDIR)$(PREFIX)/bin/zarr-config
	chmod 755 $(DESTDIR)$(PREFIX)/bin/zarr-config

# ---- netCDF-C plugin: libzarr_netcdf.so (netcdf/), a user-defined format
# that lets netCDF programs read and write Zarr. Needs libnetcdf-dev.
# The plugin is copied beside libzarr.so (target/release), where the tests
# and programs linked with the build tree look for it.
netcdf:
	bash scripts/netcdf-deps.sh
	$(CARGO) build $(PLUGIN_CARGO_FLAGS) -p zarr_netcdf
	mkdir -p target/release && cp $(PLUGIN_LIBDIR)/libzarr_netcdf.so target/release/libzarr_netcdf.so

test-netcdf: lib h5filters
	for f in zstd blosc; do \
	    $(CARGO) clippy $(H5_CARGO_FLAGS) --all-targets -p zarr_h5filter --features $$f -- -D warnings && \
	    $(CARGO) test $(H5_CARGO_FLAGS) -p zarr_h5filter --features $$f || exit 1; \
	done
	ZARR_PLUGIN_TARGET=$(CURDIR)/$(PLUGIN_TARGET) bash tests/netcdf/run.sh

install-netcdf: netcdf h5filters
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/zarr-hdf5-plugins
	$(INSTALL_SO) 755 $(PLUGIN_LIBDIR)/libzarr_netcdf.so $(DESTDIR)$(PREFIX)/lib/libzarr_netcdf.so
	install -m 644 netcdf/include/zarr_netcdf.h $(DESTDIR)$(PREFIX)/include/zarr_netcdf.h
	for f in zstd blosc; do \
	    $(INSTALL_SO) 755 build/plugins/lib__nch5$$f.so $(DESTDIR)$(PREFIX)/lib/zarr-hdf5-plugins/lib__nch5$$f.so || exit 1; \
	done

# HDF5 / NCZarr filter plugins on libzarr's codecs (one library per filter,
# as HDF5 wants): build/plugins/lib__nch5zstd.so and lib__nch5blosc.so.
h5filters:
	mkdir -p build/plugins
	for f in zstd blosc; do \
	    $(CARGO) build $(H5_CARGO_FLAGS) -p zarr_h5filter --features $$f && \
	    cp $(H5_TARGET)/release/libzarr_h5filter.so build/plugins/lib__nch5$$f.so || exit 1; \
	done

# Coverage-guided fuzzing of every target (fuzz/targets.rs) for FUZZ_SECONDS
# each, with libFuzzer on the stable toolchain (fuzz/run.sh). Not part of
# `make test`, which replays the committed corpora deterministically.
.PHONY: fuzz
FUZZ_SECONDS ?= 30
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh

clean:
	$(CARGO) clean
	rm -rf build

# ---------------------------------------------------------------- Fortran
# The Fortran bindings (bindings/fortran): module zarr (zarr.mod) and
# libzarr_fortran.so / .a in build/fortran, linked with -lzarr (RUNPATH $ORIGIN:
# installed beside libzarr.so.1 it finds it without LD_LIBRARY_PATH). `make test`
# runs test-fortran and test-install-fortran; `make install` also installs
# them (when gfortran is present): lib/libzarr_fortran.*, include/zarr.mod
# and lib/pkgconfig/zarr-fortran.pc.

ifeq ($(origin FC),default)
FC := gfortran
endif
FFLAGS ?= -O2 -g -Wall -Wno-maybe-uninitialized -fPIC
FBUILD := build/$(if $(VARIANT),$(VARIANT)/)fortran
FSRC := bindings/fortran/zarr.f90 $(wildcard bindings/fortran/zarr_*.inc)

.PHONY: fortran fortran-deps fortran-generate test-fortran install-fortran test-install-fortran

test: test-fortran test-install-fortran
install: install-fortran

# gfortran and Open MPI (for the MPI test) from Debian packages when missing.
fortran-deps:
	@command -v $(FC) >/dev/null && command -v mpif90 >/dev/null && command -v mpirun >/dev/null || \
	    (apt-get update && apt-get install -y gfortran openmpi-bin libopenmpi-dev)

# Regenerate the per-kind procedures and constants (committed) from the templates and the header.
fortran-generate:
	python3 bindings/fortran/generate.py

fortran: lib
	@command -v $(FC) >/dev/null || $(MAKE) --no-print-directory fortran-deps
	$(MAKE) --no-print-directory $(FBUILD)/libzarr_fortran.so

$(FBUILD)/zarr.o: $(FSRC)
	mkdir -p $(FBUILD)
	$(FC) $(FFLAGS) -Ibindings/fortran -J$(FBUILD) -c bindings/fortran/zarr.f90 -o $@

$(FBUILD)/libzarr_fortran.so: $(FBUILD)/zarr.o $(LIBDIR)/libzarr.so
	$(FC) -shared -o $(FBUILD)/libzarr_fortran.so.$(MAJOR) -Wl,-soname,libzarr_fortran.so.$(MAJOR) -Wl,-rpath,'$$ORIGIN' \
	    $(FBUILD)/zarr.o -L$(LIBDIR) -lzarr
	ln -sf libzarr_fortran.so.$(MAJOR) $@
	# $$ORIGIN finds libzarr.so.$(MAJOR) beside it in the build tree too.
	ln -sf $(CURDIR)/$(LIBDIR)/libzarr.so $(FBUILD)/libzarr.so.$(MAJOR)
	rm -f $(FBUILD)/libzarr_fortran.a && ar rcs $(FBUILD)/libzarr_fortran.a $(FBUILD)/zarr.o

test-fortran: fortran-deps fortran
	ZARR_LIBDIR=$(CURDIR)/$(LIBDIR) ZARR_FORTRAN_BUILD=$(CURDIR)/$(FBUILD) FC=$(FC) bash tests/fortran/run.sh

install-fortran:
	@if command -v $(FC) >/dev/null; then \
	    $(MAKE) --no-print-directory fortran && \
	    install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig && \
	    $(INSTALL_SO) 755 $(FBUILD)/libzarr_fortran.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libzarr_fortran.so.$(MAJOR) && \
	    ln -sf libzarr_fortran.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libzarr_fortran.so && \
	    install -m 644 $(FBUILD)/libzarr_fortran.a $(DESTDIR)$(PREFIX)/lib/libzarr_fortran.a && \
	    install -m 644 $(FBUILD)/zarr.mod $(DESTDIR)$(PREFIX)/include/zarr.mod && \
	    sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' bindings/fortran/zarr-fortran.pc.in \
	        > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zarr-fortran.pc; \
	else echo "install: $(FC) not found, Fortran bindings not installed"; fi

# Install into build/install-fortran and build examples/fortran with pkg-config only.
test-install-fortran: fortran-deps lib
	command -v pkg-config >/dev/null || (apt-get update && apt-get install -y pkg-config)
	rm -rf build/install-fortran && $(MAKE) --no-print-directory install PREFIX=$(CURDIR)/build/install-fortran
	cd build/install-fortran && PKG_CONFIG_PATH=$(CURDIR)/build/install-fortran/lib/pkgconfig sh -c \
	    '$(FC) $(CURDIR)/examples/fortran/model_output.f90 -o model_output $$(pkg-config --cflags --libs zarr-fortran) -Wl,-rpath,$$(pkg-config --variable=libdir zarr-fortran)'
	rm -rf build/install-fortran/out.zarr && build/install-fortran/model_output build/install-fortran/out.zarr
	@echo "Fortran install check passed"

# ---------------------------------------------------------------------------
# Java bindings (issue 5): bindings/java, JNI entry points in src/jni (cargo
# feature `java`, on by default, so libzarr.so carries them). Only the JDK's
# javac and jar are used; nothing is fetched from a Maven repository.
#   make java          build/java/libzarr.jar (classes + /native/OS-ARCH/libzarr.so)
#   make test-java     Java test-suite, zarr-python and C API interop, example, installed jar
#   make example-java  examples/java/ReadExample.java on what `make example` writes
JAVAC ?= javac
JAR ?= jar
JAVA ?= java
JAVA_BUILD := build/java
JAVA_SRC := $(shell find bindings/java/src/main/java -name '*.java')
JAVA_PLATFORM := linux-$(shell uname -m)

.PHONY: java java-generate test-java example-java install-java

# Regenerate the Java copy of the header's constants (committed; test-java checks it).
java-generate:
	python3 bindings/java/generate.py

java: lib
	rm -rf $(JAVA_BUILD)/classes && mkdir -p $(JAVA_BUILD)/classes/native/$(JAVA_PLATFORM)
	$(JAVAC) -Xlint:all -Werror --release 11 -d $(JAVA_BUILD)/classes $(JAVA_SRC)
	strip --strip-debug -o $(JAVA_BUILD)/classes/native/$(JAVA_PLATFORM)/libzarr.so $(LIBDIR)/libzarr.so \
	    || cp $(LIBDIR)/libzarr.so $(JAVA_BUILD)/classes/native/$(JAVA_PLATFORM)/libzarr.so
	$(JAR) --create --file $(JAVA_BUILD)/libzarr.jar -C $(JAVA_BUILD)/classes .

test-java: java example
	bash bindings/java/run-tests.sh

example-java: java example
	$(JAVAC) -cp $(JAVA_BUILD)/libzarr.jar -d $(JAVA_BUILD)/example examples/java/ReadExample.java
	$(JAVA) -Djava.library.path=$(LIBDIR) -cp $(JAVA_BUILD)/libzarr.jar:$(JAVA_BUILD)/example \
	    ReadExample build/example.zarr

# A library built without the `java` feature has no JNI entry points: no jar then.
ifeq ($(HAS_JAVA),yes)
install-java: java
	install -d $(DESTDIR)$(PREFIX)/share/java
	install -m 644 $(JAVA_BUILD)/libzarr.jar $(DESTDIR)$(PREFIX)/share/java/libzarr.jar
else
install-java:
	@echo "install: built without the java feature: the Java bindings are not installed"
endif

test: test-java
install: install-java

# ---- Reliability: writers in several processes, durability, crashes -------
# tests/reliability: 4 processes x 50 appends and 2 processes updating
# attributes (filesystem and S3 on a local moto), two Java processes writing one
# chunk on S3, the durable option under
# strace, SIGKILL crash trials, MPI ranks appending; bench-durable measures
# what {"durable": true} costs. make test runs a short budget of crash trials
# (CRASH_TRIALS_FS / CRASH_TRIALS_S3 kills, each trial seeded by its number);
# test-reliability-long runs the long one.
.PHONY: test-reliability test-reliability-long bench-durable
test: test-reliability

CRASH_TRIALS_FS ?= 40
CRASH_TRIALS_S3 ?= 8

test-reliability: lib fortran-deps fortran java
	ZARR_LIB=$(CURDIR)/$(LIBDIR)/libzarr.so ZARR_FORTRAN_BUILD=$(CURDIR)/$(FBUILD) \
	    ZARR_CRASH_TRIALS_FS=$(CRASH_TRIALS_FS) ZARR_CRASH_TRIALS_S3=$(CRASH_TRIALS_S3) \
	    bash tests/reliability/run.sh

test-reliability-long:
	$(MAKE) --no-print-directory test-reliability CRASH_TRIALS_FS=500 CRASH_TRIALS_S3=60

bench-durable: lib
	ZARR_LIB=$(CURDIR)/$(LIBDIR)/libzarr.so bash tests/reliability/bench_durable.sh

# ---- Cloud object stores (issue 6) -------------------------------------------
# S3 (moto), Azure Blob (Azurite), HTTP and GCS-parsing tests plus fault
# injection and latency overlap; the tests start and stop their own servers.
# bench-cloud: the S3 read benchmark against zarr-python and tensorstore.
.PHONY: test-cloud bench-cloud

# `make test` runs these too (an extra prerequisite of `test`).
test: test-cloud

test-cloud: lib netcdf
	ZARR_LIB=$(CURDIR)/$(LIBDIR)/libzarr.so bash tests/cloud/run.sh

bench-cloud: lib
	ZARR_LIB=$(CURDIR)/$(LIBDIR)/libzarr.so bash scripts/bench-cloud.sh
# ---- end cloud object stores -------------------------------------------------

# ---- zarrtool (tools/zarrtool): the command-line tool --------------------------
# `make zarrtool` builds target/release/zarrtool and generates its man pages and
# shell completions into build/zarrtool (from the same clap definitions as
# --help); `make install` installs all three; `make test` runs test-zarrtool.
.PHONY: zarrtool test-zarrtool install-zarrtool

ZTBUILD := build/zarrtool

zarrtool:
	$(CARGO) build --release -p libzarr -p zarrtool
	rm -rf $(ZTBUILD) && $(LIBDIR)/zarrtool generate $(ZTBUILD)

test: test-zarrtool
install: install-zarrtool

test-zarrtool: zarrtool netcdf
	bash tests/zarrtool/run.sh
	rm -rf build/zarrtool-install && $(MAKE) --no-print-directory install-zarrtool PREFIX=$(CURDIR)/build/zarrtool-install
	build/zarrtool-install/bin/zarrtool --version | grep -q "^zarrtool $(VERSION)$$"
	grep -q "^.TH zarrtool 1" build/zarrtool-install/share/man/man1/zarrtool.1
	bash -n build/zarrtool-install/share/bash-completion/completions/zarrtool
	@echo "zarrtool install check passed"

install-zarrtool: zarrtool
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(LIBDIR)/zarrtool $(DESTDIR)$(PREFIX)/bin/zarrtool
	install -m 644 $(ZTBUILD)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(ZTBUILD)/completions/zarrtool.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/zarrtool
	install -m 644 $(ZTBUILD)/completions/_zarrtool $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_zarrtool
	install -m 644 $(ZTBUILD)/completions/zarrtool.fish \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/zarrtool.fish
# ---- end zarrtool --------------------------------------------------------------

# bench-peers: libzarr against the zarrs crate and libzstd alone
# (benches/peers, a workspace member outside default-members, so plain
# cargo commands and `make test` never build zarrs). Not part of `make test`.
# PEERS_ARGS="--size 512 --repeat 3" for a quicker run.
.PHONY: bench-peers
PEERS_ARGS ?= --size 1024 --repeat 3
bench-peers:
	$(CARGO) run --release -p zarr_peers_bench -- $(PEERS_ARGS)
