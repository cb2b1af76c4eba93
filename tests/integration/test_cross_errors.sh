#!/usr/bin/env bash
# Failing builds: exit codes, one-line errors that name the fix, the other targets
# finishing with --keep-going, the failing target's log tail, missing outputs. (Bad
# arguments are rows of tests/cli/cases.json.)
source "$(dirname "$0")/lib.sh"
use_cross
make_project hello "$TMP/hello"
cd "$TMP/hello"

# A missing cross compiler (hidden from PATH): the apt-get line; with --keep-going the
# other targets still build, and the exit code is non-zero either way.
mkdir -p "$TMP/bin"
for f in /usr/bin/*; do
  case $(basename "$f") in riscv64-linux-gnu-*) ;; *) ln -s "$f" "$TMP/bin/" ;; esac
done
rc=$(rc_of env PATH="$TMP/bin" "$XSHIP_BIN" build --targets linux/amd64,linux/riscv64 --name hello --cmake .)
assert_eq "$rc" 1 "missing toolchain exits 1"
line=$(one_line_error "missing toolchain")
assert_contains "$line" "linux/riscv64: riscv64-linux-gnu-gcc not found" "names the compiler"
assert_contains "$line" "apt-get install -y --no-install-recommends g++-riscv64-linux-gnu" "prints the apt command"
[[ ! -e dist/hello.linux.amd64 ]] || fail "without --keep-going nothing builds when a toolchain is missing"
rc=$(rc_of env PATH="$TMP/bin" "$XSHIP_BIN" build --targets linux/amd64,linux/riscv64 --name hello --cmake . --keep-going)
assert_eq "$rc" 1 "--keep-going with a missing toolchain still exits 1"
grep -Eq '^linux/amd64 +built ' "$TMP/out" || fail "linux/amd64 should build: $(cat "$TMP/out")"
grep -Eq '^linux/riscv64 +no toolchain ' "$TMP/out" || fail "linux/riscv64 row: $(cat "$TMP/out")"
ok "--keep-going built the other target"
PATH="$TMP/bin" "$XSHIP_BIN" targets | grep -E '^linux/riscv64 .*missing: .*apt-get install' >/dev/null || fail "targets shows the missing one"
ok "xship targets shows the apt line for the missing toolchain"

# One target fails to compile (a per-target flag the compiler rejects): the others finish
# with --keep-going, its log tail is shown, the exit code is 1.
rm -rf dist build
rc=$(rc_of env XSHIP_CFLAGS_linux_arm=-fno-such-option-xship "$XSHIP_BIN" build --targets linux/amd64,linux/arm,linux/s390x --name hello --cmake . --keep-going)
assert_eq "$rc" 1 "a failing target makes the run exit 1"
grep -Eq '^linux/arm +build failed ' "$TMP/out" || fail "linux/arm row: $(cat "$TMP/out")"
for t in linux/amd64 linux/s390x; do grep -Eq "^$t +built " "$TMP/out" || fail "$t should have built: $(cat "$TMP/out")"; done
ok "the other targets finished"
assert_contains "$(cat "$TMP/err")" "---- linux/arm (build failed), last lines of build/xship/linux_arm/xship.log ----" "log tail header"
assert_contains "$(cat "$TMP/err")" "no-such-option-xship" "the log tail shows the compiler's complaint"
assert_contains "$(one_line_error failing)" "1 of 3 targets failed: linux/arm (build failed)" "summary line"
# Without --keep-going, what had not started is cancelled.
rc=$(rc_of env XSHIP_CFLAGS_linux_arm=-fno-such-option-xship "$XSHIP_BIN" build --targets linux/arm,linux/amd64 --name hello --cmake . -j 1)
assert_eq "$rc" 1 "fail fast exits 1"
grep -Eq '^linux/amd64 +cancelled ' "$TMP/out" || fail "linux/amd64 should be cancelled: $(cat "$TMP/out")"
ok "without --keep-going the rest is cancelled"

# A build that leaves no program at the expected path.
rc=$(rc_of xs build --targets linux/amd64 --name hullo --cmake .)
assert_eq "$rc" 1 "missing output exits 1"
assert_contains "$(one_line_error "no output")" "the build produced no program 'hullo' in '$TMP/hello/build/xship/linux_amd64'" \
  "names the program and where it looked"

# A build that hard-codes the host compiler (make CC=cc) makes a host program: caught from the ELF header (exit 3).
make_project make-hello "$TMP/mk"
cd "$TMP/mk"
rc=$(rc_of xs build --targets linux/arm64 --name hello --make 'make CC=cc')
assert_eq "$rc" 3 "a program for the wrong machine exits 3"
assert_contains "$(one_line_error "wrong machine")" "is ELF 64-bit x86-64, not ELF aarch64" "says what it is and what it should be"
[[ ! -e dist/hello.linux.arm64 ]] || fail "the wrong program was collected"

# Flags and directories.
rc=$(rc_of xs build --targets linux/amd64 --name hello --cmake "$TMP/nowhere")
assert_eq "$rc" 2 "a missing source directory exits 2"
rc=$(rc_of xs build --targets linux/amd64 --name hello --cmake "$TMP")
assert_eq "$rc" 2 "a directory without CMakeLists.txt exits 2"
assert_contains "$(one_line_error cmakelists)" "has no CMakeLists.txt" "says what is missing"
rc=$(rc_of xs build --targets linux/amd64 --name hello --cmake . --make make)
assert_eq "$rc" 2 "--cmake and --make together exit 2"
rc=$(rc_of xs build --targets linux/arm64 --name hello --toolchain linux/arm64 --cmake .)
assert_eq "$rc" 2 "--toolchain without =FILE exits 2"
rc=$(rc_of xs deps --targets linux/arm64 --libs zlib,nosuchlib)
assert_eq "$rc" 2 "an unknown library exits 2"
assert_contains "$(one_line_error lib)" "unknown library 'nosuchlib'" "names the library"
rc=$(rc_of xs deps --targets darwin/arm64)
assert_eq "$rc" 1 "deps for a target without Debian packages exits 1"
