#!/usr/bin/env bash
# examples/cmake-hello: find_package(ZLIB) must find the target's zlib, never the host's,
# and the program must run under qemu with that library. linux/arm64 takes Debian
# multiarch's (zlib1g-dev:arm64, installed by `make -f ci.mk deps`); linux/arm and
# linux/386 a private sysroot `xship deps --install` downloads (from deb.debian.org).
source "$(dirname "$0")/lib.sh"
use_cross
# These examples run their programs through $XSHIP_EMULATOR and CMake target tests only;
# binfmt_misc is left as it is (test_cross_direct.sh relies on riscv64 staying unregistered).
export XSHIP_BINFMT=off

rc=$(rc_of xs deps --targets linux/arm64 --libs zlib)
[[ $rc == 0 ]] || fail "linux/arm64 zlib is not installed (run 'make -f ci.mk deps'): $(cat "$TMP/out" "$TMP/err")"
ok "xship deps: linux/arm64 has its compiler, emulator and zlib"

make_project cmake-hello "$TMP/zlib"
cd "$TMP/zlib"
# The copy finds xship's CMake module in the source tree it came from.
MODULE=(--cmake-arg "-DXSHIP_SOURCE_DIR=$XSHIP_SOURCE_DIR")
rc=$(rc_of xs test --targets linux/arm64,linux/amd64 --name cmake-hello --cmake . "${MODULE[@]}" --json)
[[ $rc == 0 ]] || fail "xship test exited $rc: $(cat "$TMP/err")"
for t in linux/arm64 linux/amd64; do
  assert_eq "$(status_of "$TMP/out" "$t")" passed "$t: the zlib round trip test passed"
done
assert_eq "$(grep '^ZLIB_LIBRARY_RELEASE:' build/xship/linux_arm64/CMakeCache.txt)" \
  "ZLIB_LIBRARY_RELEASE:FILEPATH=/usr/lib/aarch64-linux-gnu/libz.so" "arm64 found the multiarch libz, not the host's"
aarch64-linux-gnu-readelf -d dist/cmake-hello.linux.arm64 | grep -q 'NEEDED.*libz.so.1' || fail "arm64 program does not link libz.so.1"
ok "arm64 program needs libz.so.1 at run time"
out=$(run_target linux/arm64 dist/cmake-hello.linux.arm64)
assert_contains "$out" "hello from linux/arm64, commit $COMMIT" "the arm64 program runs under qemu and reports its commit"
assert_contains "$out" "round trip ok" "and its zlib round trip works with arm64 zlib"

# Without the toolchain's find-root settings the host's zlib would be taken: prove the
# check can fail by asking for a library only the host has.
rc=$(rc_of xs deps --targets linux/arm64 --libs zstd)
if [[ $rc == 0 ]]; then ok "zstd:arm64 happens to be installed"; else
  assert_contains "$(cat "$TMP/out")" "libzstd-dev:arm64" "a missing arm64 library is named with its multiarch package"
  assert_contains "$(cat "$TMP/err")" "apt-get install -y --no-install-recommends libzstd-dev:arm64" "and the command that installs it"
fi

# linux/arm and linux/386: multiarch is not touched; xship unpacks the packages itself.
export XDG_CACHE_HOME=$TMP/cache
rc=$(rc_of xs deps --targets linux/arm,linux/386 --libs zlib)
assert_eq "$rc" 1 "deps without --install reports the private sysroot packages missing"
assert_contains "$(cat "$TMP/err")" "pass --install" "and says how to get them"
rc=$(rc_of xs deps --targets linux/arm,linux/386 --libs zlib --install)
[[ $rc == 0 ]] || fail "deps --install into private sysroots exited $rc: $(cat "$TMP/out" "$TMP/err")"
[[ -f $TMP/cache/xship/sysroot/linux_arm/usr/include/zlib.h ]] || fail "zlib.h not unpacked for linux/arm"
[[ -e $TMP/cache/xship/sysroot/linux_386/usr/lib/i386-linux-gnu/libz.so ]] || fail "libz.so dangles in the linux/386 sysroot"
ok "zlib unpacked into private sysroots, symlinks inside"
dpkg --print-foreign-architectures | grep -qx armhf && fail "dpkg gained armhf"
ok "dpkg's architectures untouched"
rm -rf build dist
rc=$(rc_of xs test --targets linux/arm,linux/386 --name cmake-hello --cmake . "${MODULE[@]}" --json)
[[ $rc == 0 ]] || fail "xship test (private sysroots) exited $rc: $(cat "$TMP/err")"
for t in linux/arm linux/386; do
  assert_eq "$(status_of "$TMP/out" "$t")" passed "$t: the zlib round trip test passed under qemu"
  grep -q "^ZLIB_LIBRARY_RELEASE:FILEPATH=$TMP/cache/xship/sysroot/${t/\//_}/" "build/xship/${t/\//_}/CMakeCache.txt" \
    || fail "$t did not take the private sysroot's zlib"
done
ok "both found zlib in their private sysroot"
