# make-hello's CI: `make -f ci.mk deps test build publish`, the same four steps a Go
# project's ci.mk runs (go get; go test; GOOS=... go build -ldflags "-X main.version=...";
# gzip -f and upload), for a C program and a matrix of targets. The Makefile stays the
# developers' own; this file only tells xship how to build and test one target.
#
#   make -f ci.mk deps test build publish                 # every target below
#   make -f ci.mk build XSHIP_TARGETS=linux/arm64          # one target (one CI job)
#   make -f ci.mk help

XSHIP_NAME := hello
XSHIP_TARGETS ?= linux/amd64 linux/arm64 windows/amd64
# A project vendoring xship as a git submodule writes: include xship/make-include/xship.mk
XSHIP_MK ?= ../../make-include/xship.mk
include $(XSHIP_MK)

# Called once per target by `xship build` and `xship test`, with CC, CPPFLAGS (the
# XSHIP_VERSION/XSHIP_COMMIT/XSHIP_OS/XSHIP_ARCH string definitions), EXE_SUFFIX and
# XSHIP_OUT (this target's build directory) in the environment; the Makefile reads them.
.PHONY: xship-target xship-target-test
xship-target: ## build one target (called by xship with CC, XSHIP_OUT... set)
	$(MAKE) -f Makefile all
xship-target-test: ## test one target under $XSHIP_EMULATOR (called by xship)
	$(MAKE) -f Makefile test
