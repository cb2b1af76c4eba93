#!/usr/bin/env bash
# compress hashes its output while writing it; publish trusts those sums while the file
# is unchanged (no third read), and stops trusting them the moment the file changes.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D"
cd "$TMP"  # the digest cache lives in .xship/ under the working directory
head -c 300000 /dev/urandom > "$D/app.linux.amd64"
head -c $((20 * 1048576)) /dev/urandom > "$D/big.linux.arm64"
"$XSHIP_BIN" compress --format gz --force "$D/app.linux.amd64" "$D/big.linux.arm64" > /dev/null
[[ -s .xship/digests.json ]] || fail "compress wrote no digest cache"

xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/a" --json "$D" > "$TMP/run1.json"
assert_eq "$(jq '[.files[] | select(.digests_cached)] | length' "$TMP/run1.json")" 2 "both sums came from the cache"
assert_eq "$(etag_of "$PREFIX/a/app.linux.amd64.gz")" "$(md5_of "$D/app.linux.amd64.gz")" "ETag = MD5 with cached sums"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/a/big.linux.arm64.gz" "$TMP/back.gz"
cmp "$D/big.linux.arm64.gz" "$TMP/back.gz" || fail "multipart with cached sums differs"; ok "multipart bytes right"
assert_eq "$(jq -r '.files[] | select(.name=="big.linux.arm64.gz") | .sha256' "$TMP/run1.json")" \
  "$(sha256sum "$D/big.linux.arm64.gz" | cut -d' ' -f1)" "cached SHA-256 is the file's"

# A cache entry that lies (same stamp, wrong MD5) is caught by the store: the Content-MD5
# it yields does not match the bytes (BadDigest), exit 3, nothing stored.
python3 - .xship/digests.json <<'PY'
import json, sys
p = sys.argv[1]; j = json.load(open(p))
for k, v in j["files"].items():
    if k.endswith("app.linux.amd64.gz"):
        v["md5"] = "0" * 32
json.dump(j, open(p, "w"))
PY
rc=$(rc_of xs publish --endpoint "$ENDPOINT" --retries 1 --to "s3://$BUCKET/$PREFIX/c" "$D/app.linux.amd64.gz")
assert_eq "$rc" 3 "a lying cache entry ends in an integrity failure"
assert_eq "$(etag_of "$PREFIX/c/app.linux.amd64.gz")" "" "nothing stored under a lying cache entry"

# Touch the file: the stamp changes, the cache is ignored, sums are computed again.
touch "$D/app.linux.amd64.gz"
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/b" --json "$D/app.linux.amd64.gz" > "$TMP/run2.json"
assert_eq "$(jq '.files[0].digests_cached' "$TMP/run2.json")" false "a touched file is hashed again"
assert_eq "$(etag_of "$PREFIX/b/app.linux.amd64.gz")" "$(md5_of "$D/app.linux.amd64.gz")" "and published right"
