# shellcheck shell=bash
# Shared by the test_compress_*.sh scripts. They need no S3 rig (lib.sh requires one), only
# xship and the system gzip/zstd/tar/unzip to check its output against.
set -euo pipefail
: "${XSHIP_BIN:?run through ctest, or set XSHIP_BIN to the xship binary}"
TMP=${XSHIP_TEST_TMP:-$(mktemp -d)}
rm -rf "$TMP" && mkdir -p "$TMP"
# Keep the digest cache of these runs out of the source tree.
export XSHIP_DIGEST_CACHE=$TMP/digests.json
unset SOURCE_DATE_EPOCH

xs() { "$XSHIP_BIN" "$@"; }
die() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
pass() { printf 'ok: %s\n' "$*"; }
# same ACTUAL EXPECTED WHAT
same() {
  if [[ "$1" != "$2" ]]; then die "$3: got '$1', want '$2'"; fi
  pass "$3"
}
# run CMD...: its exit code in $RC, stdout in $TMP/stdout, stderr in $TMP/stderr; never trips set -e.
# shellcheck disable=SC2034  # RC is read by the scripts that source this
run() {
  RC=0
  "$@" >"$TMP/stdout" 2>"$TMP/stderr" || RC=$?
}
# Inputs: random (incompressible) and text-like (highly compressible).
make_random() { head -c "$2" /dev/urandom >"$1"; }
# (yes dies of SIGPIPE when head has enough: not a failure under pipefail)
text_stream() { yes "${1:-the quick brown fox jumps over the lazy dog 0123456789}" || true; }
make_text() { text_stream "" | head -c "$2" >"$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
