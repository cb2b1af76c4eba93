#!/usr/bin/env bash
# The pieces for people who drive their own builds: `xship targets`, `xship env` evaluated
# before make, `xship toolchain` given to plain cmake/ctest, and --toolchain OS/ARCH=FILE.
source "$(dirname "$0")/lib.sh"
use_cross

xs targets --json >"$TMP/targets.json"
assert_eq "$(jq length "$TMP/targets.json")" 13 "xship targets --json lists 13 targets"
for t in "${RUNNABLE[@]}"; do
  assert_eq "$(jq -r --arg t "$t" '.[] | select(.target == $t) | .state' "$TMP/targets.json")" ready "$t is ready here"
done
assert_eq "$(jq -r '.[] | select(.target == "windows/386") | .state' "$TMP/targets.json")" "build only" "windows/386 builds only"
assert_eq "$(jq -r '.[] | select(.target == "darwin/arm64") | .buildable' "$TMP/targets.json")" false "darwin/arm64 needs an SDK"
xs targets | grep -Eq '^linux/ppc64le +powerpc64le-linux-gnu +powerpc64le-linux-gnu-g\+\+ +qemu-ppc64le +(yes|no) +ready' \
  || fail "targets table row: $(xs targets)"
ok "the targets table"

# Make, by hand: eval the assignments, then the project's own Makefile.
make_project make-hello "$TMP/mk"
out=$(cd "$TMP/mk" && eval "$(xs env linux/ppc64le)" && XSHIP_OUT="$TMP/mk-out" make -s test 2>&1)
assert_contains "$out" "hello from linux/ppc64le, commit $COMMIT" "eval \"\$(xship env)\" && make test runs the ppc64le build under qemu"
assert_eq "$(eval "$(xs env windows/386)" && echo "$XSHIP_CAN_RUN/$EXE_SUFFIX")" "no/.exe" "env tells a Makefile windows/386 cannot run here"

# CMake, by hand: the printed toolchain file with plain cmake and ctest.
make_project hello "$TMP/hello"
(cd "$TMP/hello" && xs toolchain linux/riscv64) >"$TMP/riscv64.cmake"
cmake -S "$TMP/hello" -B "$TMP/plain" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TMP/riscv64.cmake" >"$TMP/plain.log" 2>&1 \
  || fail "cmake with xship's toolchain: $(tail "$TMP/plain.log")"
cmake --build "$TMP/plain" >>"$TMP/plain.log" 2>&1 || fail "build with xship's toolchain: $(tail "$TMP/plain.log")"
ctest --test-dir "$TMP/plain" --timeout 60 >"$TMP/ctest.log" 2>&1 || fail "ctest through the emulator: $(cat "$TMP/ctest.log")"
ok "plain cmake + ctest with 'xship toolchain linux/riscv64' (tests ran under qemu-riscv64)"
# -D on the command line overrides the toolchain's version.
cmake -S "$TMP/hello" -B "$TMP/plain" -DXSHIP_COMMIT=override >/dev/null 2>&1 && cmake --build "$TMP/plain" >/dev/null 2>&1
assert_contains "$(run_target linux/riscv64 "$TMP/plain/hello")" "commit override" "-DXSHIP_COMMIT wins over the toolchain's"

# --toolchain OS/ARCH=FILE: the user's file (here the one xship printed) drives the build.
(cd "$TMP/hello" && xs toolchain linux/arm64) >"$TMP/mine.cmake"
rc=$(cd "$TMP/hello" && rc_of xs test --targets linux/arm64 --name hello --cmake . --toolchain linux/arm64="$TMP/mine.cmake" --json)
[[ $rc == 0 ]] || fail "--toolchain build exited $rc: $(cat "$TMP/err")"
assert_eq "$(status_of "$TMP/out" linux/arm64)" passed "a user toolchain file builds and tests linux/arm64"
grep -q "include(\"$TMP/mine.cmake\")" "$TMP/hello/build/xship/linux_arm64/xship-toolchain.cmake" || fail "the user's file is included"
ok "xship's toolchain includes the user's"
