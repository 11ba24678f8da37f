# libzarr: build, test, install. The README's two commands are `make example`
# and `make test`; .ci/run calls `make test`.

PREFIX ?= /usr/local
CARGO ?= cargo
CC ?= cc
LIBDIR := target/release
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))

.PHONY: all lib header example test test-rust test-c test-interop test-install lint install clean

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
# zarr-python interop, and an install + pkg-config link check.
test: lint test-rust test-c test-interop test-install
	@echo "all test suites passed"

lint:
	$(CARGO) fmt --check
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

clean:
	$(CARGO) clean
	rm -rf build

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
