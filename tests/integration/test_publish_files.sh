#!/usr/bin/env bash
# Empty, 1-byte, 1 MiB and 100 MiB files and awkward keys, published and then checked
# with an independent client (the AWS CLI); a second run uploads nothing.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D/sub dir"
: > "$D/empty"
printf x > "$D/one"
head -c 1048576 /dev/urandom > "$D/one-mib.bin"
head -c $((100 * 1048576)) /dev/urandom > "$D/hundred.bin"
printf 'unicode' > "$D/sub dir/ünï cödé ☃.txt"
printf 'plus' > "$D/sub dir/a+b~c=d&e.txt"

DEST="s3://$BUCKET/$PREFIX/double//slash"
xs publish --endpoint "$ENDPOINT" --to "$DEST" --json "$D" > "$TMP/run1.json"
assert_eq "$(jq -r .uploaded "$TMP/run1.json")" 6 "first run uploads all 6 files"
KP="$PREFIX/double//slash"

for f in empty one one-mib.bin "sub dir/ünï cödé ☃.txt" "sub dir/a+b~c=d&e.txt"; do
  assert_eq "$(etag_of "$KP/$f")" "$(md5_of "$D/$f")" "ETag of '$f' is its MD5"
done
big_etag=$(etag_of "$KP/hundred.bin")
assert_eq "$big_etag" "$(multipart_etag "$D/hundred.bin" $((8 * 1048576)))" "100 MiB multipart ETag = md5 of part md5s -13"
# A cold file (no digest cache entry): read once, parts in SIMD lanes, the SHA-256 beside
# the upload; no whole-file sums as metadata (they were not known when it began), its
# part size instead (test_publish_onepass.sh has the rest).
assert_eq "$(jq -r '.files[] | select(.name=="hundred.bin") | .digests_cached' "$TMP/run1.json")" false \
  "hundred.bin was hashed by the run (cold)"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$KP/hundred.bin" --query Metadata --output json | jq -c .)" \
  "{\"part-size\":\"$((8 * 1048576))\"}" "no whole-file sums stored as metadata, the part size instead"
assert_eq "$(jq -r '.files[] | select(.name=="hundred.bin") | .sha256' "$TMP/run1.json")" \
  "$(sha256sum "$D/hundred.bin" | cut -d' ' -f1)" "whole-file SHA-256 reported"
assert_eq "$(jq -r '.files[] | select(.name=="hundred.bin") | .parts' "$TMP/run1.json")" 13 "13 parts of 8 MiB"

# Round trip through the AWS CLI: the bytes are the bytes.
for f in empty one hundred.bin "sub dir/ünï cödé ☃.txt"; do
  awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/$f" "$TMP/back"
  cmp "$D/$f" "$TMP/back" || fail "round trip of '$f' differs"
  ok "aws s3 cp round trip of '$f'"
done

# The manifest and SHA256SUMS are there, and agree with the files.
awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/SHA256SUMS" "$TMP/SHA256SUMS"
(cd "$D" && sha256sum -c --quiet "$TMP/SHA256SUMS") || fail "SHA256SUMS does not verify"
ok "SHA256SUMS verifies against the inputs"
awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/manifest.json" "$TMP/manifest.json"
assert_eq "$(jq '.files | length' "$TMP/manifest.json")" 6 "manifest lists 6 files"
assert_eq "$(jq -r '.files[] | select(.name=="one") | .md5' "$TMP/manifest.json")" "$(md5_of "$D/one")" "manifest md5"

# Second run: a no-op.
xs publish --endpoint "$ENDPOINT" --to "$DEST" --json "$D" > "$TMP/run2.json"
assert_eq "$(jq -r .uploaded "$TMP/run2.json")" 0 "second run uploads nothing"
assert_eq "$(jq -r .skipped "$TMP/run2.json")" 6 "second run skips all 6"
assert_eq "$(jq -r .bytes_sent "$TMP/run2.json")" 0 "second run sends no byte"

# --force uploads again; --no-overwrite refuses an existing key with exit 2.
xs publish --endpoint "$ENDPOINT" --to "$DEST" --json --force "$D/one" > "$TMP/run3.json"
assert_eq "$(jq -r .uploaded "$TMP/run3.json")" 1 "--force re-uploads"
assert_eq "$(rc_of xs publish --endpoint "$ENDPOINT" --to "$DEST" --force --no-overwrite "$D/one")" 2 "--no-overwrite on an existing key exits 2"
assert_match "$(cat "$TMP/err")" "already exists and --no-overwrite" "--no-overwrite names the problem"

# Many small files, hashed in batches of 16 in SIMD lanes (two full batches and one of 2),
# sizes from 0 to past the batch limit (256 KiB: the last three go one by one). Every
# ETag the store computed is the file's MD5 (the store refuses a wrong Content-MD5
# anyway), and the manifest's SHA-256s are sha256sum's, each with its own file.
M=$TMP/many; mkdir -p "$M"
for i in $(seq 0 36); do head -c $((i * 7919)) /dev/urandom > "$M/f$i.bin"; done
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/many" --force --json "$M" > "$TMP/many.json"
assert_eq "$(jq -r .uploaded "$TMP/many.json")" 37 "37 small files uploaded"
awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/many/f" --query 'Contents[].[Key,ETag]' --output text |
  while read -r key etag; do printf '%s %s\n' "$(tr -d '"' <<<"$etag")" "$(basename "$key")"; done | sort > "$TMP/etags"
(cd "$M" && md5sum f*.bin | sed 's/  / /' | sort) > "$TMP/md5s"
assert_eq "$(diff "$TMP/md5s" "$TMP/etags" && echo same)" same "every small file's ETag is its MD5"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/many/SHA256SUMS" "$TMP/many.sums"
(cd "$M" && sha256sum -c --quiet "$TMP/many.sums") || fail "SHA256SUMS of the batched files disagrees with sha256sum"
ok "SHA256SUMS of the batched files checks with sha256sum -c"
