# xship.mk -- publish a project's build outputs to S3 with MD5-verified PUTs.
#
# Include it from your ci.mk:   include path/to/xship/make-include/xship.mk
#
# User variables (set them before the include, on the command line or in the environment):
#   XSHIP_BIN       the xship program; default: on PATH, else built from this source tree
#   XSHIP_DIST      directory (or files) to publish                      (default: dist)
#   XSHIP_TO        destination, placeholders {repo} {branch} {commit} {short_commit}
#                   {tag} {version} {date}  (default: s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch})
#   XSHIP_ENDPOINT  S3-compatible endpoint URL (default: AWS, or $AWS_ENDPOINT_URL)
#   XSHIP_PUBLISH_FLAGS  extra flags for `xship publish` (e.g. --no-overwrite)
#   V=1             print the commands
# Credentials: ARTIFACTS_KEY/ARTIFACTS_SECRET or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
# (see `xship publish --help`).

ifndef __xship_included
__xship_included := 1

# Where this file lives, so a vendored copy (git submodule) can build its own helper.
__xship_dir := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
__xship_root := $(patsubst %/,%,$(dir $(__xship_dir)))

XSHIP_DIST ?= dist
XSHIP_TO ?= s3://$$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}
XSHIP_ENDPOINT ?=
XSHIP_PUBLISH_FLAGS ?=
XSHIP_BUILD_DIR ?= $(__xship_root)/build/xship-helper

# XSHIP_BIN, then PATH, then a build from this source tree.
__xship_on_path := $(shell command -v xship 2>/dev/null)
ifeq ($(origin XSHIP_BIN),undefined)
  ifneq ($(__xship_on_path),)
    XSHIP_BIN := $(__xship_on_path)
    __xship_self_built :=
  else
    XSHIP_BIN := $(XSHIP_BUILD_DIR)/tool/xship
    __xship_self_built := 1
  endif
endif

__xship_q := $(if $(V),,@)
__xship_endpoint_flag := $(if $(XSHIP_ENDPOINT),--endpoint '$(XSHIP_ENDPOINT)')

.PHONY: publish help xship-bin

ifdef __xship_self_built
$(XSHIP_BIN):
	$(__xship_q)cmake -S '$(__xship_root)' -B '$(XSHIP_BUILD_DIR)' -G Ninja -DCMAKE_BUILD_TYPE=Release -DXSHIP_BUILD_TESTS=OFF >/dev/null && cmake --build '$(XSHIP_BUILD_DIR)' --target xship
endif

xship-bin: $(XSHIP_BIN) ## build (or find) the xship helper

publish: $(XSHIP_BIN) ## publish $(XSHIP_DIST) to $(XSHIP_TO), verified, manifest last
	$(__xship_q)'$(XSHIP_BIN)' publish --to "$(XSHIP_TO)" $(__xship_endpoint_flag) $(XSHIP_PUBLISH_FLAGS) $(XSHIP_DIST)

help: ## list the targets and the variables
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "variables: XSHIP_BIN XSHIP_DIST XSHIP_TO XSHIP_ENDPOINT XSHIP_PUBLISH_FLAGS V=1"

endif
