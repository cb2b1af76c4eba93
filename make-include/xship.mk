# xship.mk -- cross-build, test, compress and publish a program from any Makefile project.
#
# Include it from your ci.mk, after setting at least XSHIP_NAME:
#
#     XSHIP_NAME := hello
#     XSHIP_TARGETS ?= linux/amd64 linux/arm64 windows/amd64
#     include xship/make-include/xship.mk          # e.g. xship vendored as a git submodule
#
#     # The contract: build ONE target. The fragment runs this rule once per target with
#     # CC CXX AR RANLIB STRIP CPPFLAGS EXE_SUFFIX XSHIP_OS XSHIP_ARCH XSHIP_OUT in the
#     # environment; it must leave the program at $(XSHIP_OUT)/$(XSHIP_NAME)$(EXE_SUFFIX).
#     xship-target:
#     	$(MAKE) -f Makefile all
#     # How to test one target: the same environment plus XSHIP_EMULATOR (empty on the
#     # host, qemu-aarch64 ... or wine otherwise): run the test programs through it.
#     xship-target-test:
#     	$(MAKE) -f Makefile test
#
# then `make -f ci.mk deps test build publish`. examples/make-hello is the complete example.
# A CMake project can skip the two rules and set XSHIP_CMAKE := . instead.
#
# Targets (`make -f ci.mk help` lists them with the includer's own):
#   deps      install the cross toolchains, emulators and target libraries (xship deps)
#   test      build every target and run its tests under its emulator   (xship test)
#   build     build every target into XSHIP_DIST, compressed              (xship build)
#   publish   check credentials + XSHIP_TO first, test + build, then upload XSHIP_DIST, MD5-verified
#             (xship publish --check, then xship publish)
#   merge     matrix CI: merge the jobs' manifests (xship publish --merge-manifests)
#   prune     keep the newest XSHIP_KEEP releases beside XSHIP_TO (xship prune); publish and
#             merge run it last when XSHIP_KEEP is set
#   clean     remove the per-target builds and the collected programs     (xship clean)
#   help      this list
# A project whose ci.mk has its own `test` or `build` sets XSHIP_PREFIX := xship- and gets
# xship-deps, xship-test, ... instead.
#
# User variables, all `?=` (set them before the include, on the command line or in the
# environment). `help` prints them with their values.
# Credentials come from the environment: ARTIFACTS_KEY/ARTIFACTS_SECRET (Travis) or
# AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws (see `xship publish --help`).
#
# Exit codes are xship's (`xship help`): 1 runtime, 2 usage, 3 integrity, 4 credentials.

ifndef __xship_included
__xship_included := 1

# Before any other include: MAKEFILE_LIST ends with this file now.
__xship_dir := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
__xship_root := $(patsubst %/,%,$(dir $(__xship_dir)))
# The includer (the -f file): the per-target rules are run from it.
__xship_includer := $(abspath $(firstword $(MAKEFILE_LIST)))

## XSHIP_NAME        the release's name, and its program unless XSHIP_PROGRAMS says otherwise (required)
XSHIP_NAME ?=
## XSHIP_PROGRAMS    the programs to ship: names found in the build tree, or paths in it (src/lua)
XSHIP_PROGRAMS ?= $(XSHIP_NAME)
## XSHIP_FILES       files and directories shipped beside the programs in every archive (README LICENSE)
XSHIP_FILES ?=
## XSHIP_TARGETS     OS/ARCH list (spaces or commas), 'host', 'linux/*' or 'all'
XSHIP_TARGETS ?= host
## XSHIP_ARCHIVE     per-target archive: tar.gz, tar.zst, zip (windows: zip), none, auto (several files)
XSHIP_ARCHIVE ?= auto
## XSHIP_ARCHIVE_NAME archive name template (default {name}_{version}_{os}_{arch})
XSHIP_ARCHIVE_NAME ?=
## XSHIP_FORMAT      compress programs shipped alone (no archive): gz, zst or none
XSHIP_FORMAT ?= gz
## XSHIP_MAX_GLIBC   fail a Linux target whose programs need a newer glibc (e.g. 2.31)
XSHIP_MAX_GLIBC ?=
## XSHIP_SHARED_RUNTIME 1: the toolchain's runtime linking (default: libstdc++ linked in; windows: all static)
XSHIP_SHARED_RUNTIME ?=
## XSHIP_MAKE_OUT_OF_TREE 1: the build writes only below $XSHIP_OUT (no per-target copy of the tree)
XSHIP_MAKE_OUT_OF_TREE ?=
## XSHIP_DIST        where releases are written (archives, or NAME.OS.ARCH[.exe].gz), and what publish uploads
XSHIP_DIST ?= dist
## XSHIP_TO          destination; placeholders {repo} {branch} {commit} {short_commit} {tag} {version} {date}
XSHIP_TO ?= s3://$$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}
## XSHIP_ENDPOINT    S3-compatible endpoint URL (empty: AWS, or $AWS_ENDPOINT_URL)
XSHIP_ENDPOINT ?=
## XSHIP_JOBS        targets built at once (empty: one per CPU)
XSHIP_JOBS ?=
## XSHIP_BIN         the xship program (empty: on PATH, else built from this source tree)
XSHIP_BIN ?=
## XSHIP_HELPER_BUILD_TYPE CMAKE_BUILD_TYPE of the xship built from this source tree (None: compiles faster, unoptimised)
XSHIP_HELPER_BUILD_TYPE ?= Release
## XSHIP_BUILD_RULE  the includer's rule that builds one target
XSHIP_BUILD_RULE ?= xship-target
## XSHIP_TEST_RULE   the includer's rule that tests one target
XSHIP_TEST_RULE ?= xship-target-test
## XSHIP_CMAKE       a CMake source directory: build with CMake instead of the two rules
XSHIP_CMAKE ?=
## XSHIP_LIBS        target libraries deps installs: zlib,zstd,openssl,... or Debian -dev names
XSHIP_LIBS ?=
## XSHIP_BUILD_DIR   per-target build directories go below this
XSHIP_BUILD_DIR ?= build/xship
## XSHIP_PREFIX      prefix for this fragment's target names (e.g. xship-), when yours clash
XSHIP_PREFIX ?=
## XSHIP_DEPS_FLAGS  flags for `xship deps` (empty: only check and print the apt-get line)
XSHIP_DEPS_FLAGS ?= --install
## XSHIP_BUILD_FLAGS extra flags for `xship build` and `xship test` (--static, -k, --cmake-arg ...)
XSHIP_BUILD_FLAGS ?=
## XSHIP_PUBLISH_FLAGS extra flags for `xship publish` (--no-overwrite, --job-manifest ...)
XSHIP_PUBLISH_FLAGS ?=
## XSHIP_ALIAS       after a complete release, mirror it beside XSHIP_TO under these names (e.g. latest) or s3:// prefixes
XSHIP_ALIAS ?=
## XSHIP_KEEP        N: after publish/merge, keep the newest N releases beside XSHIP_TO and delete older ones (target prune)
XSHIP_KEEP ?=
## XSHIP_PUBLIC      yes: publish every object public-read (default: no ACL sent, the bucket decides)
XSHIP_PUBLIC ?=
## XSHIP_SIGN_KEY    minisign secret key file: publish/merge sign the release (or XSHIP_SIGNING_KEY holds the key)
XSHIP_SIGN_KEY ?=
## V                 V=1 prints the xship command lines
V ?=

# XSHIP_BIN, then PATH, then a build from this source tree (a vendored submodule needs
# nothing else). The built helper lives in the source tree, shared by every includer.
__xship_helper_build := $(__xship_root)/build/xship-helper
ifeq ($(strip $(XSHIP_BIN)),)
  override XSHIP_BIN := $(shell command -v xship 2>/dev/null)
  ifeq ($(XSHIP_BIN),)
    override XSHIP_BIN := $(__xship_helper_build)/tool/xship
    __xship_self_built := 1
  endif
endif

__xship_q := $(if $(filter 1,$(V)),,@)
__xship_p := $(XSHIP_PREFIX)
__xship_sq = '$(subst ','\'',$1)'
# Expanded as each recipe runs, so it checks XSHIP_BIN after any rule that makes it (a
# helper this file builds is not checked: `make -n` shows the commands before it exists).
__xship_cmd = $(if $(__xship_self_built)$(wildcard $(XSHIP_BIN)),,$(error XSHIP_BIN '$(XSHIP_BIN)' does not exist: build xship, or unset XSHIP_BIN to use the one on PATH))$(call __xship_sq,$(XSHIP_BIN))
# A prerequisite only when this file knows how to make it; an includer with its own rule
# for XSHIP_BIN adds it to the targets itself.
__xship_bin_dep := $(if $(__xship_self_built),$(XSHIP_BIN))
# Stops make before the first xship call of a target that needs the variable. (Empty $1:
# an includer with .EXPORT_ALL_VARIABLES expands every variable once to export it.)
__xship_require = $(if $1,$(if $(strip $($1)),,$(error $1 is not set: add '$1 := ...' to $(notdir $(__xship_includer)) before including xship.mk, or pass $1=... to make)))
# The default destination is left to xship, whose error names ARTIFACTS_BUCKET when unset.
__xship_to_flag = $(if $(filter s3://$$ARTIFACTS_BUCKET/artifacts/{repo}/{branch},$(XSHIP_TO)),,--to $(call __xship_sq,$(XSHIP_TO)))
__xship_endpoint_flag = $(if $(strip $(XSHIP_ENDPOINT)),--endpoint $(call __xship_sq,$(XSHIP_ENDPOINT)))
__xship_public_flag = $(if $(filter yes,$(strip $(XSHIP_PUBLIC))),--acl public-read)
# A matrix job (--job-manifest) does not sign: the merge signs the whole release once.
__xship_sign_flag = $(if $(strip $(XSHIP_SIGN_KEY)),$(if $(findstring --job-manifest,$(1)),,--sign-key $(call __xship_sq,$(XSHIP_SIGN_KEY))))
# --alias per XSHIP_ALIAS word, for a whole release: a matrix job (--job-manifest) has
# none, its merge step does.
__xship_alias_flags = $(if $(findstring --job-manifest,$(1)),,$(foreach a,$(XSHIP_ALIAS),--alias $(call __xship_sq,$(a))))
# The releases are XSHIP_TO's siblings: prune looks in its parent (xship's own default
# when XSHIP_TO is the default, whose bucket is read when prune runs).
__xship_prune_from = $(if $(__xship_to_flag),$(call __xship_sq,$(dir $(patsubst %/,%,$(XSHIP_TO)))))
__xship_prune_args = --keep $(call __xship_sq,$(XSHIP_KEEP)) $(__xship_endpoint_flag) $(__xship_prune_from)
__xship_prune_after = $(if $(strip $(XSHIP_KEEP)),$(if $(findstring --job-manifest,$(1)),, && $(__xship_cmd) prune $(__xship_prune_args)))
# Each target builds in its own copy of this tree (unless XSHIP_MAKE_OUT_OF_TREE): the
# includer is named relative to the tree, so the copy's is read, and -I finds what it
# includes from outside the tree (xship itself as a submodule outside, say).
__xship_empty :=
__xship_space := $(__xship_empty) $(__xship_empty)
__xship_comma := ,
__xship_list = $(subst $(__xship_space),$(__xship_comma),$(strip $1))
__xship_includer_here := $(patsubst $(CURDIR)/%,%,$(__xship_includer))
__xship_rule = $(call __xship_sq,$(MAKE) --no-print-directory -f $(__xship_includer_here) -I $(dir $(__xship_includer)) $1)
__xship_how = $(if $(strip $(XSHIP_CMAKE)),--cmake $(call __xship_sq,$(XSHIP_CMAKE)),--make $(call __xship_rule,$(XSHIP_BUILD_RULE)) $(if $(filter 1,$(XSHIP_MAKE_OUT_OF_TREE)),--out-of-tree))
__xship_test_how = $(if $(strip $(XSHIP_CMAKE)),,--make-test $(call __xship_rule,$(XSHIP_TEST_RULE)))
# Only what differs from xship's defaults is passed: the command lines stay readable.
__xship_release = $(strip $(if $(filter-out $(strip $(XSHIP_NAME)),$(strip $(XSHIP_PROGRAMS)))$(filter-out $(strip $(XSHIP_PROGRAMS)),$(strip $(XSHIP_NAME))),--programs $(call __xship_sq,$(call __xship_list,$(XSHIP_PROGRAMS)))) \
  $(if $(strip $(XSHIP_FILES)),--files $(call __xship_sq,$(call __xship_list,$(XSHIP_FILES)))) \
  $(if $(filter-out auto,$(strip $(XSHIP_ARCHIVE))),--archive $(call __xship_sq,$(XSHIP_ARCHIVE))) \
  $(if $(strip $(XSHIP_ARCHIVE_NAME)),--archive-name $(call __xship_sq,$(XSHIP_ARCHIVE_NAME))) \
  $(if $(strip $(XSHIP_MAX_GLIBC)),--max-glibc $(call __xship_sq,$(XSHIP_MAX_GLIBC))) \
  $(if $(filter 1,$(XSHIP_SHARED_RUNTIME)),--shared-runtime))
__xship_matrix = --targets $(call __xship_sq,$(XSHIP_TARGETS)) --name $(call __xship_sq,$(XSHIP_NAME))$(if $(__xship_release), $(__xship_release)) --out $(call __xship_sq,$(XSHIP_DIST)) --build-dir $(call __xship_sq,$(XSHIP_BUILD_DIR)) $(if $(strip $(XSHIP_JOBS)),-j $(XSHIP_JOBS))

# Goals given together run in order even under make -j: deps before test, test before
# build (only tested builds publish), and test and build never share a build directory at
# once.
__xship_goals := $(MAKECMDGOALS)
# With publish among the goals, its credentials and destination are checked first (one
# signed request): a missing secret or a wrong bucket costs seconds, not a whole build.
__xship_check := $(if $(filter $(__xship_p)publish,$(__xship_goals)),$(__xship_p)publish-check)
__xship_after_deps := $(if $(filter $(__xship_p)deps,$(__xship_goals)),$(__xship_p)deps,$(__xship_check))
__xship_after_test := $(if $(filter $(__xship_p)test $(__xship_p)publish,$(__xship_goals)),$(__xship_p)test,$(__xship_after_deps))

.PHONY: $(__xship_p)deps $(__xship_p)test $(__xship_p)build $(__xship_p)publish $(__xship_p)publish-check $(__xship_p)merge $(__xship_p)prune $(__xship_p)clean $(__xship_p)help

$(XSHIP_PREFIX)publish-check: $(__xship_bin_dep) ## check the credentials and XSHIP_TO with one signed request (publish does it first)
	$(__xship_q)$(__xship_cmd) publish --check $(__xship_to_flag) $(__xship_endpoint_flag)

$(XSHIP_PREFIX)deps: $(__xship_bin_dep) $(__xship_check) ## install the cross toolchains, emulators and target libraries
	$(__xship_q)$(__xship_cmd) deps --targets $(call __xship_sq,$(XSHIP_TARGETS)) $(if $(strip $(XSHIP_LIBS)),--libs $(call __xship_sq,$(XSHIP_LIBS))) $(XSHIP_DEPS_FLAGS)

$(XSHIP_PREFIX)test: $(__xship_bin_dep) $(__xship_after_deps) ## build every target and run its tests under its emulator
	$(__xship_q)$(call __xship_require,XSHIP_NAME)$(__xship_cmd) test $(__xship_matrix) $(__xship_how) $(__xship_test_how) $(XSHIP_BUILD_FLAGS)

$(XSHIP_PREFIX)build: $(__xship_bin_dep) $(__xship_after_test) ## build every target into XSHIP_DIST as NAME.OS.ARCH, compressed
	$(__xship_q)$(call __xship_require,XSHIP_NAME)$(__xship_cmd) build $(__xship_matrix) $(__xship_how) --format $(call __xship_sq,$(XSHIP_FORMAT)) $(XSHIP_BUILD_FLAGS)

$(XSHIP_PREFIX)publish: $(__xship_bin_dep) $(__xship_check) $(__xship_p)test $(__xship_p)build ## test, build, then publish XSHIP_DIST to XSHIP_TO, MD5-verified
	$(__xship_q)$(__xship_cmd) publish $(__xship_to_flag) $(__xship_endpoint_flag) $(__xship_public_flag) $(call __xship_sign_flag,$(XSHIP_PUBLISH_FLAGS)) $(call __xship_alias_flags,$(XSHIP_PUBLISH_FLAGS)) $(XSHIP_PUBLISH_FLAGS) $(call __xship_sq,$(XSHIP_DIST))$(call __xship_prune_after,$(XSHIP_PUBLISH_FLAGS))

# Matrix CI (one target per job, each publishing with XSHIP_PUBLISH_FLAGS='--job-manifest
# {os}-{arch}'): a final job merges the job manifests. See examples/ci.
$(XSHIP_PREFIX)merge: $(__xship_bin_dep) ## merge the matrix jobs' manifests into SHA256SUMS and manifest.json
	$(__xship_q)$(__xship_cmd) publish --merge-manifests $(__xship_to_flag) $(__xship_endpoint_flag) $(__xship_public_flag) $(call __xship_sign_flag,) $(call __xship_alias_flags,)$(call __xship_prune_after,)

$(XSHIP_PREFIX)prune: $(__xship_bin_dep) ## keep the newest XSHIP_KEEP releases beside XSHIP_TO, delete the rest (never an alias's)
	$(__xship_q)$(call __xship_require,XSHIP_KEEP)$(__xship_cmd) prune $(__xship_prune_args)

$(XSHIP_PREFIX)clean: $(__xship_bin_dep) ## remove the per-target builds and the collected programs
	$(__xship_q)$(__xship_cmd) clean --out $(call __xship_sq,$(XSHIP_DIST)) --build-dir $(call __xship_sq,$(XSHIP_BUILD_DIR)) $(if $(strip $(XSHIP_NAME)),--name $(call __xship_sq,$(XSHIP_NAME)))

# Targets from `target: ... ## text` lines in every makefile read (the includer's too);
# variables from this file's `## XSHIP_...` lines, with their current values.
$(XSHIP_PREFIX)help: ## list the targets and the variables
	@awk -v p=$(call __xship_sq,$(__xship_p)) 'BEGIN {FS = ":[^#]*## "} /^[$$()A-Za-z0-9_.-]+:[^=]*## / {gsub(/\$$\(XSHIP_PREFIX\)/, p, $$1); printf "  %-16s %s\n", $$1, $$2}' $(foreach f,$(MAKEFILE_LIST),$(call __xship_sq,$(f)))
	@echo 'variables (xship.mk):'
	@awk '/^## (XSHIP_|V )/ {sub(/^## /, ""); print "  " $$0}' $(call __xship_sq,$(__xship_dir)/xship.mk)
	@printf '  %s\n' 'current values:' $(foreach v,XSHIP_NAME XSHIP_PROGRAMS XSHIP_FILES XSHIP_TARGETS XSHIP_ARCHIVE XSHIP_FORMAT XSHIP_DIST XSHIP_TO XSHIP_ALIAS XSHIP_KEEP XSHIP_ENDPOINT XSHIP_BIN XSHIP_PREFIX,$(call __xship_sq,  $(v) = $($(v))))

ifdef __xship_self_built
# xship's own build needs these from Debian first: a fresh machine with only the
# submodule gets them here (install-deps.sh does nothing when they are installed). The
# build runs every time, as a no-op when nothing changed (about 0.3 s), so a submodule
# update is never shipped with a stale helper; its output shows only when it fails.
__xship_build_deps := g++ cmake ninja-build make pkg-config git libcurl4-openssl-dev libssl-dev zlib1g-dev \
  libzstd-dev libpugixml-dev nlohmann-json3-dev libcli11-dev libfmt-dev libarchive-dev libdeflate-dev
__xship_hb = $(call __xship_sq,$(__xship_helper_build))
# Configured again only when the build type asked for is not the one it has.
__xship_hbt = $(or $(strip $(XSHIP_HELPER_BUILD_TYPE)),Release)
.PHONY: __xship_always
__xship_always:
$(XSHIP_BIN): __xship_always
	$(__xship_q)bash $(call __xship_sq,$(__xship_root)/tool/scripts/install-deps.sh) $(__xship_build_deps) >/dev/null && mkdir -p $(__xship_hb) && { grep -qxF $(call __xship_sq,CMAKE_BUILD_TYPE:STRING=$(__xship_hbt)) $(__xship_hb)/CMakeCache.txt 2>/dev/null || cmake -S $(call __xship_sq,$(__xship_root)) -B $(__xship_hb) -G Ninja -DCMAKE_BUILD_TYPE=$(call __xship_sq,$(__xship_hbt)) -DXSHIP_BUILD_TESTS=OFF -DXSHIP_UNITY=ON >$(__xship_hb)/xship-build.log 2>&1; } && cmake --build $(__xship_hb) --target xship >>$(__xship_hb)/xship-build.log 2>&1 || { tail -n 30 $(__xship_hb)/xship-build.log; echo "xship.mk: building xship in $(__xship_helper_build) failed (log above)" >&2; exit 1; }
endif

endif # __xship_included
