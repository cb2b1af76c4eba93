#!/usr/bin/env bash
# xship presign: an object uploaded with the AWS CLI downloads with curl through the
# presigned URL (the same bytes) while an unsigned GET is refused, and a 1-second URL is
# refused once it has expired.
source "$(dirname "$0")/lib.sh"
use_rig
head -c 300000 /dev/urandom > "$TMP/obj.bin"
KEY="$PREFIX/dir/ünï cödé+a~b=c.bin"
awsx s3 cp --only-show-errors "$TMP/obj.bin" "s3://$BUCKET/$KEY"

status_of() { curl -s -o "$TMP/got" -w '%{http_code}' "$1"; }

xs presign --endpoint "$ENDPOINT" "s3://$BUCKET/$KEY" > "$TMP/url" 2> "$TMP/presign.err"
URL=$(cat "$TMP/url")
assert_eq "$(wc -l < "$TMP/url")" 1 "stdout is the URL alone"
assert_eq "$(wc -c < "$TMP/presign.err")" 0 "nothing on stderr"
assert_match "$URL" "^$ENDPOINT/$BUCKET/$PREFIX/dir/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9%2Ba~b%3Dc\.bin\?X-Amz-Algorithm=AWS4-HMAC-SHA256&" \
  "path-style URL on the endpoint, key encoded once"
assert_match "$URL" "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}$" "default expiry is an hour"
[[ $URL != *"$AWS_SECRET_ACCESS_KEY"* ]] || fail "the secret key is in the URL"
assert_eq "$(status_of "$URL")" 200 "curl downloads with the presigned URL"
cmp "$TMP/obj.bin" "$TMP/got" || fail "the presigned download differs from the upload"
ok "the bytes are the bytes"
assert_eq "$(status_of "${URL%%\?*}")" 403 "the same URL unsigned is refused"
assert_eq "$(status_of "${URL/X-Amz-Expires=3600/X-Amz-Expires=3601}")" 403 "a changed expiry breaks the signature"

# 7d is the most S3 allows, and it is accepted.
xs presign --endpoint "$ENDPOINT" --expires 7d "s3://$BUCKET/$KEY" > "$TMP/url7d"
assert_match "$(cat "$TMP/url7d")" "&X-Amz-Expires=604800&" "--expires 7d is 604800 s"
assert_eq "$(status_of "$(cat "$TMP/url7d")")" 200 "a 7-day URL downloads"

# Expiry. A 1-second URL (counted from its signing second, truncated) is refused once that
# has passed; a 4-second one proves the refusal is the clock's doing: the same URL works
# at once and is refused after it, with nothing else changed.
SHORT=$(xs presign --endpoint "$ENDPOINT" --expires 1 "s3://$BUCKET/$KEY")
MID=$(xs presign --endpoint "$ENDPOINT" --expires 4s "s3://$BUCKET/$KEY")
assert_match "$SHORT" "&X-Amz-Expires=1&" "--expires 1 is one second"
assert_eq "$(status_of "$MID")" 200 "the 4-second URL downloads at once"
sleep 5
assert_eq "$(status_of "$SHORT")" 403 "the 1-second URL is refused after it expired"
assert_eq "$(status_of "$MID")" 403 "the 4-second URL is refused after it expired"

awsx s3 rm --only-show-errors --recursive "s3://$BUCKET/$PREFIX"
rm -rf "$TMP"
