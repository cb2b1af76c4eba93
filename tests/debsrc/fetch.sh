#!/usr/bin/env bash
# fetch.sh DIR PACKAGE... -- the upstream sources of Debian 12 source packages, for the tests
# that ship real projects (tests/integration/test_real_*.sh). `apt-get source` with a
# private apt state under DIR (the system's apt configuration, lists and lock are not
# touched), unpacked without Debian's patches: upstream's own build, as its users build it
# (lua5.4's patches replace its Makefile with a libtool one). Each tree lands in
# DIR/PACKAGE; a second run with the trees present does nothing.
set -euo pipefail
dir=${1:?usage: fetch.sh DIR PACKAGE...}
shift
mirror=${XSHIP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
state=$dir/apt-state
command -v dpkg-source >/dev/null || { echo "fetch.sh: dpkg-source not found: apt-get install dpkg-dev" >&2; exit 1; }
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
: >>"$state/status"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" >"$state/sources.list"
o=(-o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o "Dir::Etc::SourceList=$state/sources.list"
   -o "Dir::Etc::SourceParts=/nonexistent" -o "Dir::State::Status=$state/status" -o "Debug::NoLocking=1"
   -o "Acquire::Retries=3")
[[ $(id -u) != 0 ]] || o+=(-o "APT::Sandbox::User=root")

updated=""
for pkg in "$@"; do
  [[ -d $dir/$pkg ]] && continue
  if [[ -z $updated ]]; then
    # apt-get update exits 0 when an index could not be fetched: the Sources file must exist.
    for try in 1 2 3; do
      apt-get "${o[@]}" -q update >"$state/update.log" 2>&1 && ls "$state"/lists/*_Sources* >/dev/null 2>&1 && break
      ((try < 3)) || { echo "fetch.sh: apt-get update failed, is $mirror reachable? $(grep -E '^(E|W):' "$state/update.log" | head -1)" >&2; exit 1; }
      sleep $((try * 5))
    done
    updated=1
  fi
  work=$(mktemp -d "$dir/.fetch.XXXXXX")
  for try in 1 2 3; do
    (cd "$work" && apt-get "${o[@]}" -q source --download-only "$pkg") >"$work/source.log" 2>&1 && break
    if ((try == 3)) || grep -q 'Unable to find a source package' "$work/source.log"; then
      echo "fetch.sh: apt-get source $pkg failed: $(grep -E '^(E|Err):' "$work/source.log" | tail -1)" >&2; rm -rf "$work"; exit 1
    fi
    find "$work" -maxdepth 1 -type f ! -name source.log -delete
    sleep $((try * 5))
  done
  dsc=$(ls "$work"/*.dsc | head -1)
  # Inside $work: dpkg-source copies the tarballs next to the tree it makes. apt checked
  # the files against the signed index; dpkg-source's "cannot verify inline signature"
  # (no debian-keyring here) is expected.
  (cd "$work" && dpkg-source --skip-patches -x "$(basename "$dsc")" tree) >"$work/extract.log" 2>&1 \
    || { echo "fetch.sh: dpkg-source -x $(basename "$dsc") failed: $(grep -v gpgv "$work/extract.log" | tail -1)" >&2; rm -rf "$work"; exit 1; }
  sed -n 's/^Version: //p' "$dsc" | head -1 >"$work/tree/.debian-version"
  mv "$work/tree" "$dir/$pkg"
  rm -rf "$work"
  echo "fetch.sh: $pkg $(cat "$dir/$pkg/.debian-version") in $dir/$pkg"
done
