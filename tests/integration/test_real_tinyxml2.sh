#!/usr/bin/env bash
# tinyxml2 (C++) from Debian's source package, shipped through the CMake module reached by
# add_subdirectory (examples/debian/tinyxml2): its test program xmltest with the resources
# it reads, for linux amd64/arm64/s390x and windows/amd64. The C++ runtime is linked in
# (the windows .exe would otherwise import libstdc++-6.dll and libgcc_s_seh-1.dll, which a
# clean Windows lacks); fetched back and unpacked, xmltest passes its 400-odd checks on
# each target from the unpacked tree alone, wine with a fresh prefix and no WINEPATH.
source "$(dirname "$0")/lib.sh"
use_real
export SOURCE_DATE_EPOCH=1700000000 XSHIP_VERSION=9.0.0
export XSHIP_TARGETS=${REAL_TARGETS// /,}

ship_with_module tinyxml2 "$TMP/tx"
all_passed "$TMP/build.log" 1/1

get_manifest
win=$(manifest_entry "$TMP/manifest.json" windows/amd64)
assert_eq "$(jq -r '.requires.dlls | join(" ")' <<<"$win")" "KERNEL32.dll msvcrt.dll" "manifest: the C++ program needs only system DLLs"
arm=$(manifest_entry "$TMP/manifest.json" linux/arm64)
assert_eq "$(jq -r '.requires.glibcxx // "none"' <<<"$arm")" none "manifest: no GLIBCXX_ version needed (libstdc++ linked in)"
assert_eq "$(jq -r '.requires.glibc' <<<"$arm")" 2.34 "manifest: glibc 2.34"

for t in $REAL_TARGETS; do
  d=$TMP/got/${t/\//_}
  fetch_release "$PREFIX" "$t" "$d"
  [[ -f $d/resources/dream.xml && -f $d/LICENSE.txt ]] || fail "$t: resources or LICENSE.txt missing"
  out=$(run_clean "$t" "$d" xmltest 2>&1 | tail -3)
  [[ $out =~ Pass\ [0-9]+,\ Fail\ 0 ]] || fail "$t: xmltest from the unpacked release: $out"
  ok "$t: xmltest from the unpacked release: ${BASH_REMATCH[0]}"
done
x86_64-w64-mingw32-objdump -p "$TMP/got/windows_amd64/xmltest.exe" | grep -q 'libstdc++-6.dll' && fail "xmltest.exe imports libstdc++-6.dll"
ok "xmltest.exe imports no C++ runtime DLL"
