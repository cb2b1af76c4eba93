#!/usr/bin/env bash
# examples/hello (CMake) and examples/make-hello (Make) for the 8 runnable targets plus
# windows/386: built at once, tested under each target's emulator, then every program run
# again here and its output checked for the injected commit, version and its own arch.
source "$(dirname "$0")/lib.sh"
use_cross
# These examples run their programs through $XSHIP_EMULATOR and CMake target tests only;
# binfmt_misc is left as it is (test_cross_direct.sh relies on riscv64 staying unregistered).
export XSHIP_BINFMT=off

make_project hello "$TMP/hello"
cd "$TMP/hello"
rc=$(rc_of xs test --targets "$ALL_TARGETS" --name hello --cmake . --json)
[[ $rc == 0 ]] || fail "xship test (cmake) exited $rc: $(cat "$TMP/err")"
cp "$TMP/out" "$TMP/cmake.json"
for t in "${RUNNABLE[@]}"; do
  assert_eq "$(status_of "$TMP/cmake.json" "$t")" passed "cmake $t: ctest passed under its emulator"
  assert_eq "$(jq -r --arg t "$t" '.[] | select(.target == $t) | "\(.tests_passed)/\(.tests_total)"' "$TMP/cmake.json")" 1/1 \
    "cmake $t: 1 of 1 tests"
done
assert_eq "$(status_of "$TMP/cmake.json" windows/386)" "not run" "windows/386 is reported not run, never passed"
assert_contains "$(jq -r '.[] | select(.target == "windows/386") | .message' "$TMP/cmake.json")" wine32 "the reason names wine32"

for t in "${RUNNABLE[@]}"; do
  os=${t%/*} arch=${t#*/} exe=""
  [[ $os == windows ]] && exe=.exe
  file=dist/hello.$os.$arch$exe
  [[ -x $file ]] || fail "$file was not collected"
  out=$(run_target "$t" "$file")
  assert_eq "$(sed -n 1p <<<"$out")" "hello from $t, commit $COMMIT" "$t prints its target and the injected commit"
  assert_eq "$(sed -n 2p <<<"$out")" "compiled for $arch" "$t was compiled for its own arch"
  assert_eq "$(sed -n 3p <<<"$out")" "version v1.2.3" "$t carries git describe's version"
done
[[ -f dist/hello.windows.386.exe ]] || fail "windows/386 was not built"

# The table a person sees: one row per target, statuses as in the JSON.
rc=$(rc_of xs test --targets "$ALL_TARGETS" --name hello --cmake .)
[[ $rc == 0 ]] || fail "second xship test exited $rc"
for t in "${RUNNABLE[@]}"; do grep -Eq "^$t +passed +[0-9.]+ +[0-9.]+ [KM]iB +1/1 " "$TMP/out" || fail "table row of $t: $(cat "$TMP/out")"; done
grep -Eq '^windows/386 +not run ' "$TMP/out" || fail "table row of windows/386: $(cat "$TMP/out")"
ok "the results table"

make_project make-hello "$TMP/make-hello"
cd "$TMP/make-hello"
rc=$(rc_of xs test --targets "$ALL_TARGETS" --name hello --make make --json)
[[ $rc == 0 ]] || fail "xship test (make) exited $rc: $(cat "$TMP/err")"
cp "$TMP/out" "$TMP/make.json"
for t in "${RUNNABLE[@]}"; do
  assert_eq "$(status_of "$TMP/make.json" "$t")" passed "make $t: 'make test' passed under its emulator"
  grep -q '^greeting_test: all passed' "build/xship/${t/\//_}/unit_test.out" || fail "make $t: unit test output"
  os=${t%/*} arch=${t#*/} exe=""
  [[ $os == windows ]] && exe=.exe
  assert_eq "$(run_target "$t" "dist/hello.$os.$arch$exe")" "hello from $t, commit $COMMIT" "make $t: commit through CPPFLAGS"
done
assert_eq "$(status_of "$TMP/make.json" windows/386)" "not run" "make windows/386: not run"

# --static: Linux and Windows programs that need no libraries at run time.
rc=$(rc_of xs build --targets linux/arm64,windows/amd64 --name hello --make make --static --out static --build-dir build/static)
[[ $rc == 0 ]] || fail "static build exited $rc: $(cat "$TMP/err")"
aarch64-linux-gnu-readelf -d static/hello.linux.arm64 | grep -q NEEDED && fail "static arm64 program has NEEDED libraries"
ok "static linux/arm64 needs no shared libraries"
# No WINEPATH: a static .exe finds nothing it needs outside itself.
assert_eq "$(WINEDEBUG=-all timeout 120 wine static/hello.windows.amd64.exe | tr -d '\r')" "hello from windows/amd64, commit $COMMIT" \
  "static windows/amd64 runs under bare wine"
