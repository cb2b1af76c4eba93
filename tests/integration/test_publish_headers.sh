#!/usr/bin/env bash
# Object headers, checked with the AWS CLI: Content-Type, Cache-Control, Content-Disposition,
# metadata and tags on a single PUT and a multipart object, tags kept on a server-side copy,
# public-read vs private for an anonymous client, and a second run with only
# --cache-control changed rewriting the headers in place without sending the bytes.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D"
printf 'small' > "$D/tool.linux.amd64.tar.gz"
head -c $((12 * 1048576)) /dev/urandom > "$D/big ü.zip"
head_q() { awsx s3api head-object --bucket "$BUCKET" --key "$1" --query "$2" --output text; }
tags_of() {
  awsx s3api get-object-tagging --bucket "$BUCKET" --key "$1" --query 'sort_by(TagSet,&Key)[].[Key,Value]' --output text |
    tr '\t\n' '=,'
}
http_code() {  # KEY -> the status an anonymous GET gets
  curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/$BUCKET/$(jq -rn --arg k "$1" '$k | @uri' | sed 's|%2F|/|g')"
}

KP="$PREFIX/rel"; K2="$PREFIX/copy"
common=(--endpoint "$ENDPOINT" --multipart-threshold 6MiB --part-size 5MiB --tag team=build --tag "note=a b/c"
        --metadata Build-Id=42 --content-type '*.zip=application/x-test-zip' --acl public-read)
xs publish "${common[@]}" --to "s3://$BUCKET/$KP" --to "s3://$BUCKET/$K2" --cache-control 'max-age=60' --json "$D" \
  > "$TMP/run1.json"
assert_eq "$(jq -r .uploaded "$TMP/run1.json")" 2 "first run uploads both files"
assert_eq "$(jq -r .copied "$TMP/run1.json")" 2 "and copies them server-side to the second --to"
assert_eq "$(jq -r --arg p "$KP/" '.files[] | select(.name=="big ü.zip" and (.key|startswith($p))) | .parts' \
  "$TMP/run1.json")" 3 "the zip went up in 3 parts"

for key in "$KP/tool.linux.amd64.tar.gz" "$KP/big ü.zip" "$K2/big ü.zip" "$K2/tool.linux.amd64.tar.gz"; do
  assert_eq "$(head_q "$key" CacheControl)" "max-age=60" "Cache-Control of $key"
  assert_eq "$(head_q "$key" 'Metadata."build-id"')" "42" "x-amz-meta-build-id of $key"
  assert_eq "$(tags_of "$key")" "note=a b/c,team=build," "tags of $key (get-object-tagging)"
  assert_eq "$(http_code "$key")" 200 "anonymous GET of public-read $key"
done
assert_eq "$(head_q "$KP/tool.linux.amd64.tar.gz" ContentType)" "application/gzip" "tar.gz type from the table"
assert_eq "$(head_q "$KP/big ü.zip" ContentType)" "application/x-test-zip" "--content-type override, multipart object"
assert_eq "$(head_q "$K2/big ü.zip" ContentType)" "application/x-test-zip" "--content-type override, copied object"
assert_eq "$(head_q "$KP/tool.linux.amd64.tar.gz" ContentDisposition)" 'attachment; filename="tool.linux.amd64.tar.gz"' \
  "an archive is an attachment"
assert_eq "$(head_q "$KP/big ü.zip" ContentDisposition)" "attachment; filename=\"big _.zip\"; filename*=UTF-8''big%20%C3%BC.zip" \
  "a non-ASCII name goes in filename*"
assert_eq "$(head_q "$KP/manifest.json" ContentDisposition)" "None" "the manifest is no attachment"
assert_eq "$(head_q "$KP/SHA256SUMS" ContentType)" "text/plain; charset=utf-8" "SHA256SUMS is text"
assert_eq "$(http_code "$KP/manifest.json")" 200 "the manifest is public too"

# Private (the default: no ACL sent) is refused to an anonymous client.
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/private" --no-manifest "$D/tool.linux.amd64.tar.gz" > /dev/null
assert_eq "$(http_code "$PREFIX/private/tool.linux.amd64.tar.gz")" 403 "anonymous GET of a private object"

# Only --cache-control changes: the headers are rewritten in place, no byte is sent.
etag_small=$(etag_of "$KP/tool.linux.amd64.tar.gz")
xs publish "${common[@]}" --to "s3://$BUCKET/$KP" --cache-control 'max-age=5' --json "$D" > "$TMP/run2.json"
assert_eq "$(jq -r .uploaded "$TMP/run2.json")" 0 "second run uploads nothing"
assert_eq "$(jq -r .bytes_sent "$TMP/run2.json")" 0 "second run sends no file byte"
assert_eq "$(jq -r .metadata_updated "$TMP/run2.json")" 2 "both files get new headers"
assert_eq "$(jq -r '.files[] | select(.name=="tool.linux.amd64.tar.gz") | .status' "$TMP/run2.json")" metadata_updated \
  "reported as its own outcome"
assert_eq "$(etag_of "$KP/tool.linux.amd64.tar.gz")" "$etag_small" "ETag unchanged by the copy in place"
for key in "$KP/tool.linux.amd64.tar.gz" "$KP/big ü.zip"; do
  assert_eq "$(head_q "$key" CacheControl)" "max-age=5" "new Cache-Control on $key"
  assert_eq "$(tags_of "$key")" "note=a b/c,team=build," "tags kept through the copy in place of $key"
  assert_eq "$(http_code "$key")" 200 "still public after the copy in place: $key"
done
assert_eq "$(head_q "$KP/SHA256SUMS" CacheControl)" "max-age=5" "the documents get the new Cache-Control too"

# Nothing changed: everything skipped.
xs publish "${common[@]}" --to "s3://$BUCKET/$KP" --cache-control 'max-age=5' --json "$D" > "$TMP/run3.json"
assert_eq "$(jq -r .skipped "$TMP/run3.json")" 2 "an unchanged run skips both files"
assert_eq "$(jq -r .metadata_updated "$TMP/run3.json")" 0 "and rewrites no header"

# A bad value: exit 2 before any request.
assert_eq "$(rc_of xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$KP" --storage-class FAST "$D")" 2 "bad storage class: exit 2"
assert_match "$(cat "$TMP/err")" "use one of STANDARD" "the error lists S3's classes"
