# xxhash's release through xship (upstream's Makefile builds in its source tree; xship gives
# each target a copy). CC, AR and CFLAGS come from the environment, which xxhash's
# Makefile honours; `make check` runs ./xxhsum directly, which the kernel hands to qemu or
# wine (xship registers them with binfmt_misc).
XSHIP_NAME := xxhash
XSHIP_PROGRAMS := xxhsum
XSHIP_FILES := README.md LICENSE
XSHIP_TARGETS ?= linux/amd64 linux/arm64 linux/s390x windows/amd64
# xship vendored as a git submodule in xship/ (the tests point XSHIP_MK at this tree).
XSHIP_MK ?= xship/make-include/xship.mk
include $(XSHIP_MK)

# xxhash adds .exe only when it believes it runs on Windows.
__xxh_vars = $(if $(filter windows,$(XSHIP_OS)),OS=Windows_NT)
xship-target:
	$(MAKE) xxhsum $(__xxh_vars)
xship-target-test:
	$(MAKE) check $(__xxh_vars) $(if $(filter linux,$(XSHIP_OS)),test-xxhsum-c)
