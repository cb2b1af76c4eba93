#!/usr/bin/env bash
# publish --alias and prune against the rig, checked with the AWS CLI: the alias mirrors a
# complete release (short Cache-Control, stale files gone), a failed release leaves it
# alone; prune keeps the newest N, the alias's release and folders without a manifest,
# --dry-run deletes nothing, and a release of 1,005 objects goes in DeleteObjects batches.
source "$(dirname "$0")/lib.sh"
use_rig
R="$PREFIX/releases"
pub() { xs publish --endpoint "$ENDPOINT" "$@"; }
keys_under() { awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$1" --query 'Contents[].Key' --output text | tr '\t' '\n' | grep -v '^None$' | sed "s|^$1||" | sort || true; }
get() { awsx s3 cp --only-show-errors "s3://$BUCKET/$1" -; }

mkdir -p "$TMP/v1" "$TMP/v2" "$TMP/v3" "$TMP/v4" "$TMP/v5"
printf 'one' > "$TMP/v1/a.txt"; printf 'bee' > "$TMP/v1/b.txt"
printf 'two' > "$TMP/v2/a.txt"; printf 'sea' > "$TMP/v2/c.txt"
head -c $((6 * 1048576)) /dev/urandom > "$TMP/v2/big.bin"  # over --copy-threshold: UploadPartCopy
printf 'three' > "$TMP/v3/a.txt"
printf 'four' > "$TMP/v4/a.txt"; printf 'five' > "$TMP/v5/a.txt"

pub --to "s3://$BUCKET/$R/v1" --alias latest "$TMP/v1" > "$TMP/out1"
assert_match "$(cat "$TMP/out1")" "alias  s3://$BUCKET/$R/latest/ -> s3://$BUCKET/$R/v1" "publish reports the alias it moved"
assert_eq "$(keys_under "$R/latest/" | tr '\n' ' ')" "SHA256SUMS a.txt b.txt index.html index.md manifest.json " "the alias mirrors v1, its page too"
assert_eq "$(get "$R/latest/manifest.json" | sha256sum)" "$(get "$R/v1/manifest.json" | sha256sum)" "the alias's manifest is v1's"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$R/latest/a.txt" --query CacheControl --output text)" \
  "max-age=300" "alias copies get a short Cache-Control"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$R/v1/a.txt" --query CacheControl --output text)" \
  "None" "the release's own objects keep theirs"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$R/latest/a.txt" --query ContentType --output text)" \
  "$(awsx s3api head-object --bucket "$BUCKET" --key "$R/v1/a.txt" --query ContentType --output text)" "the copy keeps the type"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$R/latest/a.txt" --query Metadata.sha256 --output text)" \
  "$(sha256sum < "$TMP/v1/a.txt" | cut -d' ' -f1)" "the copy keeps the sums' metadata"

pub --to "s3://$BUCKET/$R/v2" --alias latest --copy-threshold 5MiB --json "$TMP/v2" > "$TMP/out2.json" 2> "$TMP/err2"
assert_match "$(cat "$TMP/err2")" "alias .*latest/ -> .*v2/ \([0-9]+ copied, 0 unchanged, 1 removed\)" "with --json the alias line goes to stderr"
jq -e . "$TMP/out2.json" > /dev/null || fail "--json output is still one document"
assert_eq "$(keys_under "$R/latest/" | tr '\n' ' ')" "SHA256SUMS a.txt big.bin c.txt index.html index.md manifest.json " "the alias now mirrors v2; v1's b.txt is gone"
assert_eq "$(get "$R/latest/a.txt")" "two" "the alias serves v2's bytes"
get "$R/latest/big.bin" | cmp - "$TMP/v2/big.bin" || fail "the multipart alias copy differs"
ok "a copy over --copy-threshold (UploadPartCopy) holds the bytes"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$R/latest/big.bin" --query CacheControl --output text)" \
  "max-age=300" "the multipart copy gets the Cache-Control too"
V2_MANIFEST=$(get "$R/v2/manifest.json" | sha256sum)
assert_eq "$(get "$R/latest/manifest.json" | sha256sum)" "$V2_MANIFEST" "the alias's manifest is v2's"

# A failed release (its key already taken, --no-overwrite) never moves the alias.
printf 'squatter' > "$TMP/squat"; awsx s3 cp --only-show-errors "$TMP/squat" "s3://$BUCKET/$R/v3/a.txt"
assert_eq "$(rc_of pub --to "s3://$BUCKET/$R/v3" --alias latest --no-overwrite "$TMP/v3")" 2 "the failing release exits 2"
assert_eq "$(get "$R/latest/manifest.json" | sha256sum)" "$V2_MANIFEST" "after a failed release the alias still names v2"
assert_eq "$(get "$R/latest/a.txt")" "two" "and still serves v2's bytes"
assert_eq "$(keys_under "$R/v3/" | tr '\n' ' ')" "a.txt " "v3 has no manifest: not a release"

pub --to "s3://$BUCKET/$R/v4" "$TMP/v4" > /dev/null
pub --to "s3://$BUCKET/$R/v5" "$TMP/v5" > /dev/null
before=$(keys_under "$R/")

# --dry-run lists and deletes nothing.
xs prune --endpoint "$ENDPOINT" --keep 2 --dry-run "s3://$BUCKET/$R/" > "$TMP/dry"
assert_match "$(cat "$TMP/dry")" "would remove +s3://$BUCKET/$R/v1/" "--dry-run names v1"
assert_eq "$(grep -c '^would remove  s3://' "$TMP/dry")" 1 "and only v1"
assert_match "$(cat "$TMP/dry")" "alias +s3://$BUCKET/$R/latest/ \(same manifest as $R/v2/\)" "latest is seen as v2's alias"
assert_match "$(cat "$TMP/dry")" "no manifest +s3://$BUCKET/$R/v3/" "v3 is left alone"
assert_eq "$(keys_under "$R/")" "$before" "--dry-run deletes nothing"

xs prune --endpoint "$ENDPOINT" --keep 2 --json "s3://$BUCKET/$R" > "$TMP/prune.json"
assert_eq "$(jq -r .deleted "$TMP/prune.json")" 6 "v1's 6 objects (with its page) were deleted"
assert_eq "$(keys_under "$R/" | cut -d/ -f1 | sort -u | tr '\n' ' ')" "latest v2 v3 v4 v5 " \
  "the newest 2, the alias and its target, and the folder without a manifest are left"
for v in v2 v4 v5 latest; do
  assert_eq "$(keys_under "$R/$v/" | grep -c manifest.json)" 1 "$v is whole"
done
assert_eq "$(keys_under "$R/v3/")" "a.txt" "the folder without a manifest is untouched"

# Bad N: exit 2 with the fix.
assert_eq "$(rc_of xs prune --endpoint "$ENDPOINT" --keep 0 "s3://$BUCKET/$R/")" 2 "--keep 0 exits 2"
assert_match "$(cat "$TMP/err")" "give 1 or more" "and says what to give"

# A release of 1,005 objects (1,001 files, SHA256SUMS, the manifest, the page's two): three
# DeleteObjects requests (its manifest, 1,000, 4).
mkdir -p "$TMP/many"
for i in $(seq 1 1001); do printf '%d' "$i" > "$TMP/many/f$i"; done
pub --to "s3://$BUCKET/$PREFIX/b/old" --concurrency 16 "$TMP/many" > /dev/null
pub --to "s3://$BUCKET/$PREFIX/b/new" "$TMP/v5" > /dev/null
xs prune --endpoint "$ENDPOINT" --keep 1 --json --debug "s3://$BUCKET/$PREFIX/b/" > "$TMP/big.json" 2> "$TMP/big.err"
assert_eq "$(jq -r .deleted "$TMP/big.json")" 1005 "all 1,005 objects of the old release were deleted"
assert_eq "$(grep -c 'POST .*?delete' "$TMP/big.err")" 3 "in three DeleteObjects requests"
assert_eq "$(keys_under "$PREFIX/b/old/" | wc -l)" 0 "nothing of it is left"
assert_eq "$(keys_under "$PREFIX/b/new/" | wc -l)" 5 "the newest release is whole"
# Matrix CI: the merge step, which completes the release, moves the alias.
pub --to "s3://$BUCKET/$PREFIX/m/v1" --job-manifest linux-amd64 "$TMP/v4" > /dev/null
pub --to "s3://$BUCKET/$PREFIX/m/v1" --merge-manifests --alias latest > /dev/null
assert_eq "$(get "$PREFIX/m/latest/manifest.json" | sha256sum)" "$(get "$PREFIX/m/v1/manifest.json" | sha256sum)" \
  "--merge-manifests --alias mirrors the merged release"
awsx s3 rm --only-show-errors --recursive "s3://$BUCKET/$PREFIX/"
rm -rf "$TMP"
