#!/usr/bin/env bash
# A second --to is filled by server-side copies, not a second upload; templates expand.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D"
head -c 300000 /dev/urandom > "$D/app.linux.amd64"
head -c $((18 * 1048576)) /dev/urandom > "$D/app.linux.arm64"
export TRAVIS_REPO_SLUG=acme/widget TRAVIS_BRANCH=main TRAVIS_COMMIT=0123456789abcdef0123456789abcdef01234567 TRAVIS_TAG=
xs publish --endpoint "$ENDPOINT" --json --part-size 5MiB \
  --to "s3://$BUCKET/$PREFIX/{repo}/{short_commit}" --to "s3://$BUCKET/$PREFIX/{repo}/{branch}/latest" "$D" > "$TMP/run.json"
assert_eq "$(jq -r '[.files[] | select(.status=="uploaded")] | length' "$TMP/run.json")" 2 "two uploads"
assert_eq "$(jq -r '[.files[] | select(.status=="copied")] | length' "$TMP/run.json")" 2 "two server-side copies"
A="$PREFIX/acme/widget/0123456"; B="$PREFIX/acme/widget/main/latest"
for f in app.linux.amd64 app.linux.arm64; do
  awsx s3 cp --only-show-errors "s3://$BUCKET/$B/$f" "$TMP/back"
  cmp "$D/$f" "$TMP/back" || fail "copy of $f differs"; ok "copy of $f has the right bytes"
done
assert_eq "$(etag_of "$A/app.linux.amd64")" "$(md5_of "$D/app.linux.amd64")" "first destination ETag"
awsx s3 cp --only-show-errors "s3://$BUCKET/$B/manifest.json" "$TMP/m.json"
assert_eq "$(jq -r '.files[] | select(.name=="app.linux.arm64") | .arch' "$TMP/m.json")" arm64 "manifest knows the arch"
assert_eq "$(jq -r '.commit' "$TMP/m.json")" 0123456789abcdef0123456789abcdef01234567 "manifest knows the commit"
assert_eq "$(jq -r '.files[0].key' "$TMP/m.json")" "$B/app.linux.amd64" "second manifest names its own keys"
# Both destinations up to date: nothing moves on a second run.
xs publish --endpoint "$ENDPOINT" --json --part-size 5MiB \
  --to "s3://$BUCKET/$PREFIX/{repo}/{short_commit}" --to "s3://$BUCKET/$PREFIX/{repo}/{branch}/latest" "$D" > "$TMP/run2.json"
assert_eq "$(jq -r '[.files[] | select(.status=="skipped")] | length' "$TMP/run2.json")" 4 "second run skips all four"

# Above --copy-threshold the copy goes part by part (UploadPartCopy), as it must for
# objects over CopyObject's 5 GiB limit: same bytes, no upload left.
xs publish --endpoint "$ENDPOINT" --json --part-size 5MiB --copy-threshold 8MiB --copy-part-size 5MiB \
  --to "s3://$BUCKET/$PREFIX/pc/a" --to "s3://$BUCKET/$PREFIX/pc/b" "$D/app.linux.arm64" > "$TMP/pc.json"
assert_eq "$(jq -r '[.files[] | select(.status=="copied")] | length' "$TMP/pc.json")" 1 "copied by parts"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/pc/b/app.linux.arm64" "$TMP/back"
cmp "$D/app.linux.arm64" "$TMP/back" || fail "part-copied object differs"; ok "UploadPartCopy copy has the right bytes"
assert_eq "$(etag_of "$PREFIX/pc/b/app.linux.arm64")" "$(multipart_etag "$D/app.linux.arm64" $((5 * 1048576)))" "copy's ETag is the 4-part ETag"
assert_eq "$(uploads_left "$PREFIX/pc/")" 0 "no upload left after the part copy"
