#!/usr/bin/env bash
# Installs the named Debian packages when any is missing; does nothing otherwise, so
# `make deps` is cheap the second time. Non-interactive; uses sudo when not root.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The AWS CLI is the independent client xship's tests cross-check with; any install will
# do. Only xship's own ci.mk asks for it (the Make fragment's helper build does not).
[[ -z ${XSHIP_NEED_AWSCLI:-} ]] || command -v aws >/dev/null || missing+=(awscli)
if ((${#missing[@]} == 0)); then
  echo "deps: all installed"
  exit 0
fi
sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
