# xship's own CI, through its own Make fragment (the project dogfoods it).
#   make -f ci.mk deps    install every Debian package the build, tests and demo need
#   make -f ci.mk test    build and run every test (unit + integration against Ceph RGW),
#                         then again under ASan + UBSan, then the fuzzers
#   make -f ci.mk check   the contributor's loop: build, unit tests and the fast integration
#                         tests (label check), a few minutes from a warm build
#   make -f ci.mk test-sanitize  the whole suite under ASan + UBSan (build dir build-asan)
#   make -f ci.mk fuzz    build the libFuzzer targets with clang, run each FUZZ_SECONDS
#   make -f ci.mk demo    cross-build examples/make-hello through the Make fragment, compress,
#                         publish to a local S3 server it starts, verify, print the URLs
#   make -f ci.mk xship-build xship-publish   the fragment's targets, dogfooded: xship builds,
#                         compresses and publishes itself (prefixed: this file has its own test)

BUILD_DIR ?= build
# -O2 as a bare configure's RelWithDebInfo, without its -g: a third of the compile time (one
# test file: 24.6 s of CPU with -g, 16.5 s without, 20.4 s at Release's -O3), never read here.
BUILD_TYPE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release '-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG'
JOBS ?= $(shell nproc)
XSHIP_BIN ?= $(abspath $(BUILD_DIR))/tool/xship
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20
# `test` fuzzes each target for less: it is CI's smoke run, bounded by CI's 45 minutes.
TEST_FUZZ_SECONDS ?= 10

# What the build, the tests and the demo need, all from Debian 12's archive.
__deps := g++ cmake ninja-build make pkg-config git jq python3 ca-certificates \
  libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev libpugixml-dev nlohmann-json3-dev \
  libcli11-dev libfmt-dev libgtest-dev libgmock-dev libarchive-dev libdeflate-dev pigz zstd gzip \
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime faketime openssl clang libclang-rt-14-dev dpkg-dev unzip \
  minisign python3-cryptography python3-jsonschema chromium

# Cross-build: Debian's cross compilers, qemu-user and wine for the target matrix
# (about 3 GB, 3 min), and arm64 zlib from multiarch for the cmake-hello example.
__cross_deps := g++-aarch64-linux-gnu g++-arm-linux-gnueabihf g++-i686-linux-gnu g++-riscv64-linux-gnu \
  g++-powerpc64le-linux-gnu g++-s390x-linux-gnu g++-mingw-w64-x86-64 g++-mingw-w64-i686 qemu-user wine wine64 \
  qemu-user-binfmt wine-binfmt

.PHONY: deps build check test test-sanitize fuzz demo clean help

deps: ## install the Debian packages (idempotent, non-interactive)
	@XSHIP_NEED_AWSCLI=1 bash tool/scripts/install-deps.sh $(__deps) $(__cross_deps)
	@bash tool/scripts/install-multiarch.sh arm64 zlib1g-dev:arm64

build: deps ## build xship and its tests
	cmake -S . -B $(BUILD_DIR) -G Ninja $(BUILD_TYPE_FLAGS) && cmake --build $(BUILD_DIR) -j $(JOBS)

check: build ## build, then the unit tests and the fast integration tests (a few minutes)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j 2 -L 'unit|check'

test: build ## run every test (unit, integration against a local Ceph RGW), sanitized, fuzzed
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j 2
	$(MAKE) -f ci.mk test-sanitize fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# A test that expects xship to fail could take a sanitizer's exit for the failure it
# wanted, so every report is also looked for afterwards (sanitizer_reports.sh): any fails.
# Exit codes 86/87 are none of xship's. verify_asan_link_order=0: faketime preloads itself
# ahead of the ASan runtime.
__asan_logs = $(abspath $(ASAN_BUILD_DIR))/sanitizer-logs
__asan_env = ASAN_OPTIONS=detect_leaks=1:exitcode=86:verify_asan_link_order=0:log_path=$(__asan_logs)/asan \
  UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=1

# Debug (-O0 -g, asserts on): with the sanitizers, -O2 compiles about 4x slower (measured).
test-sanitize: deps ## the whole suite again, built with -fsanitize=address,undefined
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DXSHIP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DXSHIP_UNITY=ON && cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	rm -rf $(__asan_logs) && mkdir -p $(__asan_logs)
	$(__asan_env) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j 2 -LE heavy; rc=$$?; \
	  bash tests/sanitizer_reports.sh $(ASAN_BUILD_DIR) $(__asan_logs) || rc=1; exit $$rc

fuzz: deps ## build the libFuzzer targets (clang), run each for FUZZ_SECONDS on its seed corpus
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DXSHIP_FUZZ=ON -DXSHIP_BUILD_TESTS=OFF -DXSHIP_UNITY=ON
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers
	bash tests/fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

demo: build ## the main job end to end against a local S3 server
	bash examples/demo.sh $(XSHIP_BIN)

clean: ## remove the build trees
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR) dist

# The fragment, dogfooded: xship is built by `xship build` from its own CMake tree.
XSHIP_PREFIX := xship-
XSHIP_NAME := xship
XSHIP_CMAKE := .
XSHIP_BUILD_FLAGS := --cmake-arg=-DXSHIP_BUILD_TESTS=OFF
include make-include/xship.mk

help: xship-help
xship-deps xship-test xship-build xship-publish xship-merge xship-clean: $(XSHIP_BIN)

$(XSHIP_BIN):
	$(MAKE) -f ci.mk build
