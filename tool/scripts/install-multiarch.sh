#!/usr/bin/env bash
# install-multiarch.sh ARCH PKG:ARCH... -- target-architecture libraries from Debian
# multiarch (the cross-build tests link zlib1g-dev:arm64). Idempotent and non-interactive;
# uses sudo when not root. If the mirror lacks ARCH, the architecture is removed again so
# later apt-get runs keep working.
set -euo pipefail
arch=$1
shift
sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "multiarch $arch: all installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
added=""
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  $sudo dpkg --add-architecture "$arch"
  added=1
fi
echo "multiarch $arch: installing ${missing[*]}"
if ! $sudo apt-get update -qq; then
  [[ -z $added ]] || $sudo dpkg --remove-architecture "$arch"
  echo "multiarch $arch: apt-get update failed with $arch added (architecture removed again)" >&2
  exit 1
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "multiarch $arch: done"
