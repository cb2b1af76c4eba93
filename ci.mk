# xship's own CI, through its own Make fragment (the project dogfoods it).
#   make -f ci.mk deps    install every Debian package the build, tests and demo need
#   make -f ci.mk test    build and run every test (unit + integration against Ceph RGW)
#   make -f ci.mk demo    build an example, publish it to a local S3 server, verify, print URLs
#   make -f ci.mk publish publish dist/ (the fragment's target)

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
XSHIP_BIN ?= $(abspath $(BUILD_DIR))/tool/xship

# What the build, the tests and the demo need, all from Debian 12's archive.
__deps := g++ cmake ninja-build make pkg-config git jq python3 ca-certificates \
  libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev libpugixml-dev nlohmann-json3-dev \
  libcli11-dev libfmt-dev libgtest-dev libgmock-dev \
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime faketime

.PHONY: deps build test demo clean

deps: ## install the Debian packages (idempotent, non-interactive)
	@bash tool/scripts/install-deps.sh $(__deps)

build: deps ## build xship and its tests
	cmake -S . -B $(BUILD_DIR) -G Ninja && cmake --build $(BUILD_DIR) -j $(JOBS)

test: build ## run every test (unit, integration against a local Ceph RGW)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j 2

demo: build ## the main job end to end against a local S3 server
	bash examples/demo.sh $(XSHIP_BIN)

clean: ## remove the build tree
	rm -rf $(BUILD_DIR) dist

include make-include/xship.mk

$(XSHIP_BIN):
	$(MAKE) -f ci.mk build
