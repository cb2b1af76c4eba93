#!/usr/bin/env bash
# brotli from Debian's source package, shipped through the CMake module reached by
# add_subdirectory (the lines in examples/debian/brotli appended to its CMakeLists.txt) in
# INSTALL mode: each target's release is what brotli's own install rules install. Its 14
# tests run its CLI from CMake scripts (not as a CTest target, so CMake's emulator never
# applies): they pass through binfmt_misc, and for s390x with brotli's own wrapper settings
# given per target. From each fetched, unpacked release: a compress/decompress round trip,
# the shared libraries with their symlink chains (Linux) or DLLs (Windows).
source "$(dirname "$0")/lib.sh"
use_real
export SOURCE_DATE_EPOCH=1700000000 XSHIP_VERSION=1.0.9
# brotli's test script sets QEMU_LD_PREFIX from BROTLI_WRAPPER_LD_PREFIX (empty unless
# given), which a directly started s390x program needs.
export XSHIP_CMAKE_ARGS_linux_s390x="-DBROTLI_WRAPPER=/usr/bin/qemu-s390x -DBROTLI_WRAPPER_LD_PREFIX=/usr/s390x-linux-gnu"
export XSHIP_TARGETS=${REAL_TARGETS// /,}

ship_with_module brotli "$TMP/brotli"
all_passed "$TMP/build.log" 14/14

get_manifest
arm=$(manifest_entry "$TMP/manifest.json" linux/arm64)
assert_eq "$(jq -r '.programs | join(" ")' <<<"$arm")" "bin/brotli" "manifest: the install tree's program"
assert_eq "$(jq -r '[.contents[] | select(.name == "lib/libbrotlienc.so.1")][0].link' <<<"$arm")" libbrotlienc.so.1.0.9 \
  "manifest: the library symlink chain, as symlinks"
win=$(manifest_entry "$TMP/manifest.json" windows/amd64)
assert_eq "$(jq -r '[.contents[] | select(.name | endswith(".dll")) | .name] | join(" ")' <<<"$win")" \
  "bin/libbrotlicommon.dll bin/libbrotlidec.dll bin/libbrotlienc.dll" "manifest: the DLLs beside brotli.exe"

head -c 200000 /dev/urandom | base64 >"$TMP/data.txt"
for t in $REAL_TARGETS; do
  d=$TMP/got/${t/\//_}
  fetch_release "$PREFIX" "$t" "$d"
  cp "$TMP/data.txt" "$d/"
  run_clean "$t" "$d" bin/brotli -q 5 -f -o data.txt.br data.txt >/dev/null || fail "$t: brotli did not compress"
  run_clean "$t" "$d" bin/brotli -d -f -o back.txt data.txt.br >/dev/null || fail "$t: brotli did not decompress"
  cmp -s "$d/back.txt" "$TMP/data.txt" || fail "$t: the round trip changed the data"
  ok "$t: bin/brotli from the unpacked release round-trips 266 kB"
  if [[ $t == linux/* ]]; then
    [[ -L $d/lib/libbrotlidec.so.1 && $(readlink "$d/lib/libbrotlidec.so.1") == libbrotlidec.so.1.0.9 ]] \
      || fail "$t: lib/libbrotlidec.so.1 is not the symlink brotli's install made"
    [[ -f $d/include/brotli/encode.h ]] || fail "$t: headers missing"
  fi
done
ok "headers and library symlink chains unpacked as installed"
# The .br made on s390x (big-endian) decodes on amd64 to the same bytes.
cp "$TMP/got/linux_s390x/data.txt.br" "$TMP/got/linux_amd64/from-s390x.br"
run_clean linux/amd64 "$TMP/got/linux_amd64" bin/brotli -d -f -o from-s390x.txt from-s390x.br >/dev/null
cmp -s "$TMP/got/linux_amd64/from-s390x.txt" "$TMP/data.txt" || fail "s390x's stream does not decode on amd64"
ok "a stream compressed on s390x decodes on amd64"
