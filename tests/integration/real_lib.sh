# Shared by the tests that ship real projects (test_real_*.sh): the S3 rig (lib.sh), the
# upstream sources of Debian packages (fetched once by the debsrc fixture,
# tests/debsrc/fetch.sh), and running shipped programs as a downloader would: from the
# unpacked release alone, under qemu with only the target's libc, under wine with a fresh
# prefix and no WINEPATH.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${XSHIP_DEBSRC:?run through ctest (the debsrc fixture)}" "${XSHIP_SOURCE_DIR:?run through ctest}"
# A real release's targets: little- and big-endian Linux, and Windows.
REAL_TARGETS="linux/amd64 linux/arm64 linux/s390x windows/amd64"
# Make and xship read these; one wine prefix per test (two creating ~/.wine would race).
export XSHIP_MK=$XSHIP_SOURCE_DIR/make-include/xship.mk WINEPREFIX=$TMP/wine
unset XSHIP_TARGETS XSHIP_TO XSHIP_ENDPOINT XSHIP_FORMAT XSHIP_ARCHIVE MAKEFLAGS MFLAGS

assert_contains() { [[ "$1" == *"$2"* ]] || fail "$3: '$2' not in: $1"; ok "$3"; }

# A fresh copy of a package's upstream tree: DIR.
real_source() {  # PACKAGE DIR
  [[ -d $XSHIP_DEBSRC/$1 ]] || fail "the debsrc fixture has no $1 (tests/debsrc/fetch.sh)"
  rm -rf "$2" && cp -r "$XSHIP_DEBSRC/$1" "$2"
}

# The triple qemu's -L takes for a Linux target.
triple_of() {
  case $1 in
    linux/arm64) echo aarch64-linux-gnu ;;
    linux/s390x) echo s390x-linux-gnu ;;
    linux/arm) echo arm-linux-gnueabihf ;;
    *) fail "no triple for $1" ;;
  esac
}

# Runs PROGRAM (inside DIR, which holds the unpacked release and nothing else) with ARGS in
# DIR, as a user of that target would. qemu gets the target's libc and nothing more: the
# cross libc's own directory, so its ld.so never mixes with a multiarch libc of another
# version (programs with threads hang then, measured). Wine gets a prefix made for this
# test alone, no WINEPATH, and says which DLL is missing if one is.
run_clean() {  # TARGET DIR PROGRAM [ARGS...]
  local target=$1 dir=$2 program=$3
  shift 3
  case $target in
    linux/amd64) (cd "$dir" && env -u LD_LIBRARY_PATH timeout 300 "./$program" "$@") ;;
    linux/*)
      local t
      t=$(triple_of "$target")
      (cd "$dir" && env -u LD_LIBRARY_PATH -u QEMU_LD_PREFIX -u QEMU_SET_ENV \
        timeout 300 "qemu-${t%%-*}" -L "/usr/$t" -E "LD_LIBRARY_PATH=/usr/$t/lib" "./$program" "$@") ;;
    windows/amd64)
      (cd "$dir" && env -u WINEPATH WINEPREFIX="$TMP/clean-wine" WINEDEBUG=-all,err+module \
        timeout 300 wine "./$program.exe" "$@" </dev/null) | tr -d '\r' ;;
    *) fail "run_clean: no way to run $target" ;;
  esac
}

# The release of TARGET, fetched back from the manifest at s3://BUCKET/PREFIX and unpacked
# into DIR by xship itself.
fetch_release() {  # PREFIX TARGET DIR
  local rc
  rc=$(rc_of xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$1/manifest.json" --target "$2" --extract "$3")
  [[ $rc == 0 ]] || fail "fetch --target $2 --extract exited $rc: $(cat "$TMP/err")"
  ok "$2: fetched and unpacked into $(basename "$3")"
}

# A CMake project shipped the way examples/debian shows: the module's lines appended to its
# CMakeLists.txt, xship reached by add_subdirectory, then the module's targets built, with
# the rig as destination. The log is $TMP/build.log.
ship_with_module() {  # PACKAGE DIR
  real_source "$1" "$2"
  cat "$XSHIP_SOURCE_DIR/examples/debian/$1/CMakeLists.xship.txt" >>"$2/CMakeLists.txt"
  cmake -S "$2" -B "$2-build" -G Ninja -DXSHIP_SOURCE_DIR="$XSHIP_SOURCE_DIR" -DXSHIP_TO="s3://$BUCKET/$PREFIX" \
    -DXSHIP_ENDPOINT="$ENDPOINT" >"$TMP/configure.log" 2>&1 || fail "configure: $(tail -20 "$TMP/configure.log")"
  cmake --build "$2-build" --target xship-deps xship-publish >"$TMP/build.log" 2>&1 \
    || fail "xship-publish: $(tail -40 "$TMP/build.log")"
  ok "$1: xship-deps, xship-test, xship-build, xship-publish"
}

# Every target's row in the results table of LOG says passed, with TESTS when given.
all_passed() {  # LOG [TESTS]
  local t
  for t in $REAL_TARGETS; do
    grep -Eq "^$t +passed .*${2:+ $2 }" "$1" || fail "$t did not pass${2:+ $2}: $(grep "^$t" "$1")"
  done
  ok "every target passed its tests${2:+ ($2)}"
}

# The release's manifest, downloaded with the AWS CLI: $TMP/manifest.json.
get_manifest() { awsx s3 cp "s3://$BUCKET/$PREFIX/manifest.json" "$TMP/manifest.json" --only-show-errors; }

# The manifest's entry for TARGET's archive, as JSON.
manifest_entry() {  # MANIFEST_FILE TARGET
  jq -c --arg t "$2" '.files[] | select(.target == $t and .kind == "archive")' "$1"
}
