#!/usr/bin/env bash
# Tests of any shape run the foreign program: a CTest test given by path (CMake applies
# its emulator only to tests naming a target), a test script that starts the program, and
# a Makefile `test` target running ./prog with no $(XSHIP_EMULATOR). xship registers the
# emulators with binfmt_misc (root: CI is), and `xship targets` says so.
source "$(dirname "$0")/lib.sh"
use_cross
[[ $(id -u) == 0 ]] || fail "this test needs root (binfmt_misc registration), as CI has"
TARGETS=linux/arm64,linux/s390x,windows/amd64

proj=$TMP/shapes
mkdir -p "$proj"
cat >"$proj/t.c" <<'EOF'
#include <stdio.h>
int main(void) { printf("shape ok from %s\n", XSHIP_ARCH); return 0; }
EOF
cat >"$proj/run.sh" <<'EOF'
#!/bin/sh
# A test script starting the program directly, as projects' test drivers do.
out=$("$1") || exit 1
case $out in "shape ok from "*) exit 0 ;; *) echo "got: $out"; exit 1 ;; esac
EOF
cat >"$proj/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(shapes C)
add_executable(t t.c)
enable_testing()
add_test(NAME by_target COMMAND t)
set(exe "${CMAKE_CURRENT_BINARY_DIR}/t${CMAKE_EXECUTABLE_SUFFIX}")
add_test(NAME by_path COMMAND "${exe}")
add_test(NAME by_script COMMAND sh "${CMAKE_CURRENT_SOURCE_DIR}/run.sh" "${exe}")
set_tests_properties(by_target by_path PROPERTIES PASS_REGULAR_EXPRESSION "shape ok from")
EOF
cd "$proj"
rc=$(rc_of xs test --targets "$TARGETS" --name t --cmake . --json)
[[ $rc == 0 ]] || fail "xship test exited $rc: $(cat "$TMP/err") $(tail -30 build/xship/*/xship.log)"
for t in ${TARGETS//,/ }; do
  assert_eq "$(status_of "$TMP/out" "$t")" passed "cmake $t: tests by target, by path and by script passed"
  assert_eq "$(jq -r --arg t "$t" '.[] | select(.target == $t) | "\(.tests_passed)/\(.tests_total)"' "$TMP/out")" 3/3 \
    "cmake $t: all three ran"
done
grep -q "shape ok from s390x" build/xship/linux_s390x/Testing/Temporary/LastTest.log || fail "the s390x program's own output is not in the log"
ok "the big-endian program itself answered"

# A Makefile whose test target runs ./prog itself.
mk=$TMP/mkshapes
mkdir -p "$mk"
cp "$proj/t.c" "$mk/"
cat >"$mk/Makefile" <<'EOF'
prog$(EXE_SUFFIX): t.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ t.c
test: prog$(EXE_SUFFIX)
	./prog$(EXE_SUFFIX) | tr -d '\r' | grep -q '^shape ok from $(XSHIP_ARCH)$$'
EOF
cd "$mk"
rc=$(rc_of xs test --targets "$TARGETS" --name prog --make make --json)
[[ $rc == 0 ]] || fail "make test exited $rc: $(cat "$TMP/err")"
for t in ${TARGETS//,/ }; do assert_eq "$(status_of "$TMP/out" "$t")" passed "make $t: ./prog ran in 'make test'"; done
[[ ! -e prog ]] || fail "the build wrote into the source tree"
ok "each target built in its own copy of the tree"

xs targets --json >"$TMP/targets.json"
for t in ${TARGETS//,/ }; do
  assert_eq "$(jq -r --arg t "$t" '.[] | select(.target == $t) | .direct' "$TMP/targets.json")" yes "xship targets: $t runs directly"
done
assert_eq "$(jq -r '.[] | select(.target == "linux/amd64") | .direct' "$TMP/targets.json")" native "xship targets: the host is native"
grep -Eq '^linux/arm64 +.* yes +ready' <(xs targets) || fail "the table shows no DIRECT column: $(xs targets)"
ok "the targets table shows it"

# Told not to touch binfmt_misc, and with nothing registered, xship says so once and tests
# that start the program by path fail while target tests still pass. (Simulated for a
# target no other test registers: test_cross_matrix runs with XSHIP_BINFMT=off.)
cd "$proj"
rc=$(export XSHIP_BINFMT=off; rc_of xs test --targets linux/riscv64 --name t --cmake . --json)
if [[ -e /proc/sys/fs/binfmt_misc/qemu-riscv64 ]]; then
  ok "qemu-riscv64 is registered on this machine already: the 'off' path is covered by the unit tests"
else
  assert_eq "$rc" 1 "with binfmt off, the by-path and by-script tests fail"
  assert_eq "$(grep -c 'cannot be started directly (no qemu-riscv64 handler is registered with binfmt_misc, and registering it is turned off (XSHIP_BINFMT=off))' "$TMP/err")" 1 "said once, with the reason"
  assert_eq "$(jq -r '.[0] | "\(.tests_passed)/\(.tests_total)"' "$TMP/out")" 1/3 "the target test still ran under the emulator"
fi
