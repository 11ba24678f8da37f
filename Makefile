# libzarr: build, test, install. The README's two commands are `make example`
# and `make test`; .ci/run calls `make test`.

PREFIX ?= /usr/local
CARGO ?= cargo
CC ?= cc
LIBDIR := target/release
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))

.PHONY: all lib header example test test-rust test-c test-interop test-install lint install clean \
	netcdf test-netcdf install-netcdf h5filters

all: lib

# The library's SONAME is libzarr.so.$(MAJOR): link it beside the build so
# programs linked against the build tree find it at run time.
lib:
	$(CARGO) build --release
	ln -sf libzarr.so $(LIBDIR)/libzarr.so.$(MAJOR)

# Refresh the committed header after changing src/ffi.
header:
	ZARR_UPDATE_HEADER=1 $(CARGO) build --release

example: lib
	mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -O2 -Iinclude examples/c/example.c -o build/example \
	    -L$(LIBDIR) -lzarr -lm -Wl,-rpath,$(CURDIR)/$(LIBDIR)
	rm -rf build/example.zarr
	./build/example build/example.zarr

# Every test: Rust unit + integration, lint, C tests (also under Valgrind),
# zarr-python interop, the netCDF-C plugin, and an install + pkg-config
# link check.
test: lint test-rust test-c test-interop test-netcdf test-install
	@echo "all test suites passed"

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --all-targets -- -D warnings

test-rust:
	$(CARGO) test --release

test-c: lib
	ZARR_LIBDIR=$(CURDIR)/$(LIBDIR) bash tests/c/run.sh

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
	@echo "install check passed"

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(LIBDIR)/libzarr.so $(DESTDIR)$(PREFIX)/lib/libzarr.so.$(VERSION)
	ln -sf libzarr.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libzarr.so.$(MAJOR)
	ln -sf libzarr.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libzarr.so
	install -m 644 $(LIBDIR)/libzarr.a $(DESTDIR)$(PREFIX)/lib/libzarr.a
	install -m 644 include/zarr.h $(DESTDIR)$(PREFIX)/include/zarr.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' zarr.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zarr.pc
	@if [ -f /usr/include/netcdf_dispatch.h ] || pkg-config --exists netcdf 2>/dev/null; then \
	    $(MAKE) --no-print-directory install-netcdf; \
	else echo "note: netCDF-C headers not found: libzarr_netcdf not built or installed"; fi

# ---- netCDF-C plugin: libzarr_netcdf.so (netcdf/), a user-defined format
# that lets netCDF programs read and write Zarr. Needs libnetcdf-dev.
netcdf:
	bash scripts/netcdf-deps.sh
	$(CARGO) build --release -p zarr_netcdf

test-netcdf: lib h5filters
	for f in zstd blosc; do \
	    $(CARGO) clippy --release --all-targets -p zarr_h5filter --features $$f -- -D warnings && \
	    $(CARGO) test --release -p zarr_h5filter --features $$f || exit 1; \
	done
	bash tests/netcdf/run.sh

install-netcdf: netcdf h5filters
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/zarr-hdf5-plugins
	install -m 755 $(LIBDIR)/libzarr_netcdf.so $(DESTDIR)$(PREFIX)/lib/libzarr_netcdf.so
	install -m 644 netcdf/include/zarr_netcdf.h $(DESTDIR)$(PREFIX)/include/zarr_netcdf.h
	install -m 755 build/plugins/lib__nch5zstd.so build/plugins/lib__nch5blosc.so \
	    $(DESTDIR)$(PREFIX)/lib/zarr-hdf5-plugins/

# HDF5 / NCZarr filter plugins on libzarr's codecs (one library per filter,
# as HDF5 wants): build/plugins/lib__nch5zstd.so and lib__nch5blosc.so.
h5filters:
	mkdir -p build/plugins
	for f in zstd blosc; do \
	    $(CARGO) build --release -p zarr_h5filter --features $$f && \
	    cp $(LIBDIR)/libzarr_h5filter.so build/plugins/lib__nch5$$f.so || exit 1; \
	done

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
FBUILD := build/fortran
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
	    install -m 755 $(FBUILD)/libzarr_fortran.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libzarr_fortran.so.$(MAJOR) && \
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

.PHONY: java test-java example-java install-java

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

install-java: java
	install -d $(DESTDIR)$(PREFIX)/share/java
	install -m 644 $(JAVA_BUILD)/libzarr.jar $(DESTDIR)$(PREFIX)/share/java/libzarr.jar

test: test-java
install: install-java

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

# bench-peers: libzarr against the zarrs crate and libzstd alone
# (benches/peers, a workspace member outside default-members, so plain
# cargo commands and `make test` never build zarrs). Not part of `make test`.
# PEERS_ARGS="--size 512 --repeat 3" for a quicker run.
.PHONY: bench-peers
PEERS_ARGS ?= --size 1024 --repeat 3
bench-peers:
	$(CARGO) run --release -p zarr_peers_bench -- $(PEERS_ARGS)
