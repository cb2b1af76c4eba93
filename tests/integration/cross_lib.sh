# Shared by the cross-build integration tests (test_cross_*.sh). Unlike lib.sh they need
# no S3 rig: xship, the examples, a scratch directory, and small assertions.
set -euo pipefail
: "${XSHIP_BIN:?run through ctest}" "${XSHIP_SOURCE_DIR:?run through ctest}"
TMP=${XSHIP_TEST_TMP:-$(mktemp -d)}
rm -rf "$TMP" && mkdir -p "$TMP"
# A wine prefix per test: two tests creating ~/.wine at once would race.
export WINEPREFIX=$TMP/wine
unset XSHIP_VERSION XSHIP_COMMIT SOURCE_DATE_EPOCH CPPFLAGS CFLAGS CXXFLAGS LDFLAGS

# The eight targets this machine builds and runs, and the ninth it only builds.
RUNNABLE=(linux/amd64 linux/arm64 linux/arm linux/386 linux/riscv64 linux/ppc64le linux/s390x windows/amd64)
BUILD_ONLY=(windows/386)
ALL_TARGETS=$(IFS=,; echo "${RUNNABLE[*]},${BUILD_ONLY[*]}")

xs() { "$XSHIP_BIN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
assert_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; ok "$3"; }
assert_contains() { [[ "$1" == *"$2"* ]] || fail "$3: '$2' not in: $1"; ok "$3"; }
# Exit code of a command without tripping set -e; its output in $TMP/out and $TMP/err.
rc_of() { local rc=0; "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?; echo "$rc"; }
# xship's error: exactly one line on stderr starting "xship: error:".
one_line_error() {
  local errors
  errors=$(grep -c '^xship: error:' "$TMP/err" || true)
  [[ $errors == 1 ]] || fail "$1: expected one 'xship: error:' line, got $errors: $(cat "$TMP/err")"
  grep '^xship: error:' "$TMP/err"
}
# The status of one target in `xship build/test --json` output.
status_of() { jq -r --arg t "$2" '.[] | select(.target == $t) | .status' "$1"; }

# A copy of an example in its own git repository with a known tag, so the injected
# commit and version are predictable. Sets COMMIT.
make_project() {  # EXAMPLE DIR
  cp -r "$XSHIP_SOURCE_DIR/examples/$1" "$2"
  git -C "$2" init -q
  git -C "$2" add -A
  GIT_COMMITTER_DATE="2024-05-01T12:00:00Z" GIT_AUTHOR_DATE="2024-05-01T12:00:00Z" \
    git -C "$2" -c user.name=xship -c user.email=ci@xship.invalid commit -q -m "$1"
  git -C "$2" tag v1.2.3
  COMMIT=$(git -C "$2" rev-parse HEAD)
}

# Runs a collected program under the target's emulator, as `xship env` describes it.
run_target() {  # TARGET FILE
  (eval "$("$XSHIP_BIN" env "$1")" && eval "timeout 120 $XSHIP_EMULATOR \"\$2\"") | tr -d '\r'
}
