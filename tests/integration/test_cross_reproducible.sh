#!/usr/bin/env bash
# Two clean builds of the same commit, from copies at different paths into different build
# directories, give identical bytes (SOURCE_DATE_EPOCH from the commit, -ffile-prefix-map),
# with debug information in, for CMake and Make, ELF and PE.
source "$(dirname "$0")/lib.sh"
use_cross
targets=linux/amd64,linux/arm64,linux/riscv64,windows/amd64,windows/386

build_twice() {  # EXAMPLE ARGS...
  local example=$1
  shift
  mkdir -p "$TMP/a"
  make_project "$example" "$TMP/a/$example"
  cp -r "$TMP/a/$example" "$TMP/bb-longer-path-$example"
  (cd "$TMP/a/$example" && xs build --targets "$targets" --name hello "$@" --out "$TMP/dist1/$example" --build-dir "$TMP/b1/$example" >/dev/null 2>"$TMP/err1") \
    || fail "first build: $(cat "$TMP/err1")"
  sleep 1  # a clock-derived timestamp would now differ
  (cd "$TMP/bb-longer-path-$example" && xs build --targets "$targets" --name hello "$@" -j 1 --out "$TMP/dist2/$example" --build-dir "$TMP/build2/$example" >/dev/null 2>"$TMP/err2") \
    || fail "second build: $(cat "$TMP/err2")"
  local n=0
  for f in "$TMP/dist1/$example"/*; do
    cmp -s "$f" "$TMP/dist2/$example/$(basename "$f")" || fail "$example: $(basename "$f") differs between the two builds"
    n=$((n + 1))
  done
  assert_eq "$n" 5 "$example: all 5 programs identical across two clean builds"
}

build_twice hello --cmake . --build-type RelWithDebInfo
grep -q -- '-g' "$TMP/b1/hello/linux_arm64/CMakeCache.txt" || fail "RelWithDebInfo build without -g"
XSHIP_CFLAGS_linux_amd64=-g XSHIP_CFLAGS_linux_arm64=-g build_twice make-hello --make make

# The comparison can fail: another commit gives other bytes.
cd "$TMP/a/hello"
echo "/* change */" >>hello.c
git -c user.name=x -c user.email=x@x.invalid commit -qam change
xs build --targets linux/arm64 --name hello --cmake . --build-type RelWithDebInfo --out "$TMP/dist3" --build-dir "$TMP/b1/hello" >/dev/null 2>&1
cmp -s "$TMP/dist1/hello/hello.linux.arm64" "$TMP/dist3/hello.linux.arm64" && fail "a new commit produced the same bytes"
ok "a new commit produces a different program"
