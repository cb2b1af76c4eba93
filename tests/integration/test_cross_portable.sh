#!/usr/bin/env bash
# What leaves the machine runs on a clean target: a C++ program (iostream, std::thread)
# built for windows/amd64 and linux/arm64 the default way is collected, then run from a
# directory holding nothing else, under wine with a fresh prefix and no WINEPATH, and under
# qemu with only the target's libc. With --shared-runtime the windows build is refused
# (exit 3, naming the DLL); --max-glibc below what the program needs is refused too.
source "$(dirname "$0")/lib.sh"
use_cross

proj=$TMP/hi
mkdir -p "$proj"
cat >"$proj/hi.cpp" <<'EOF'
#include <iostream>
#include <string>
#include <thread>
int main() {
  std::string s = "hi from c++";
  std::thread t([&] { s += " with a thread"; });
  t.join();
  std::cout << s << std::endl;
}
EOF
cat >"$proj/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(hi CXX)
add_executable(hi hi.cpp)
EOF
cd "$proj"
unset WINEPATH

rc=$(rc_of xs build --targets windows/amd64,linux/arm64 --name hi --cmake . --json)
[[ $rc == 0 ]] || fail "default build exited $rc: $(cat "$TMP/err")"
cp "$TMP/out" "$TMP/default.json"
mkdir -p "$TMP/clean-win" "$TMP/clean-arm"
cp dist/hi.windows.amd64.exe "$TMP/clean-win/hi.exe"
cp dist/hi.linux.arm64 "$TMP/clean-arm/hi"

imports=$(x86_64-w64-mingw32-objdump -p "$TMP/clean-win/hi.exe" | awk '/DLL Name:/ {print $3}' | sort -f | paste -sd' ')
assert_eq "$imports" "KERNEL32.dll msvcrt.dll" "the windows program imports only Windows' own DLLs"
assert_eq "$(jq -r '.[] | select(.target == "windows/amd64") | .requires.dlls | join(" ")' "$TMP/default.json")" \
  "KERNEL32.dll msvcrt.dll" "and the build says so"
out=$(cd "$TMP/clean-win" && env -u WINEPATH WINEPREFIX="$TMP/fresh-prefix" WINEDEBUG=-all timeout 120 wine hi.exe 2>"$TMP/wine.err" | tr -d '\r')
assert_eq "$out" "hi from c++ with a thread" "it runs under wine with a fresh prefix and no WINEPATH"

aarch64-linux-gnu-readelf -d "$TMP/clean-arm/hi" | grep -q 'NEEDED.*libstdc++' && fail "arm64 program needs libstdc++.so"
ok "the linux/arm64 program carries its libstdc++"
# Only the cross libc's own directory: with -L alone its ld.so would load the multiarch
# libc6:arm64 of another version installed here, and a thread would hang (measured).
out=$(cd "$TMP/clean-arm" && timeout 120 qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib ./hi)
assert_eq "$out" "hi from c++ with a thread" "it runs under qemu with only the target's libc"
glibc=$(jq -r '.[] | select(.target == "linux/arm64") | .requires.glibc' "$TMP/default.json")
[[ $glibc =~ ^2\.[0-9]+$ ]] || fail "the build reports no glibc version for arm64: $glibc"
want=$(aarch64-linux-gnu-objdump -T "$TMP/clean-arm/hi" | grep -o 'GLIBC_2\.[0-9]*' | sort -t. -k2 -n | tail -1)
assert_eq "GLIBC_$glibc" "$want" "the glibc it reports is the highest objdump sees"
grep -Eq "^linux/arm64 +built .* glibc $glibc" <(xs build --targets linux/arm64 --name hi --cmake . 2>/dev/null) \
  || fail "the table does not say 'glibc $glibc'"
ok "the build table says what it requires"

# The runtime left shared: the .exe would need DLLs no Windows has.
rc=$(rc_of xs build --targets windows/amd64 --name hi --cmake . --shared-runtime --out shared --build-dir build/shared)
assert_eq "$rc" 3 "--shared-runtime on windows: exit 3"
assert_contains "$(one_line_error shared)" "'hi.exe' imports libgcc_s_seh-1.dll and libstdc++-6.dll, which are not part of Windows and not in the release" \
  "the error names the DLLs"
[[ ! -e shared/hi.windows.amd64.exe ]] || fail "a program that cannot start was written to dist"
ok "nothing written for it"

# --max-glibc below what it needs: refused, naming the symbols.
rc=$(rc_of xs build --targets linux/arm64 --name hi --cmake . --max-glibc 2.16 --out old --build-dir build/old)
assert_eq "$rc" 3 "--max-glibc 2.16: exit 3"
assert_contains "$(one_line_error maxglibc)" "needs glibc $glibc, above --max-glibc 2.16" "the error names the version"
assert_contains "$(cat "$TMP/err")" "(GLIBC_" "and the symbols that need it"
rc=$(rc_of xs build --targets linux/arm64 --name hi --cmake . --max-glibc "$glibc" --out ok --build-dir build/ok)
assert_eq "$rc" 0 "--max-glibc at what it needs passes"
