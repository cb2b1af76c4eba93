#!/usr/bin/env bash
# xship presign with temporary credentials: an assume-role profile answered by RGW's own
# STS (a rig of its own, as test_publish_credentials.sh has). The URL carries the session
# token, curl downloads with it, the same URL without the token is refused, and a URL
# asked to outlive the credentials says so on stderr (as does publish --presign).
source "$(dirname "$0")/lib.sh"
use_rig
RIG=$TMP/stsrig
XSHIP_RIG_STS=1 bash "$XSHIP_SOURCE_DIR/tests/rig/s3rig.sh" start "$RIG" >"$TMP/rig.log" 2>&1 ||
  fail "the STS rig did not start: $(tail -n 3 "$TMP/rig.log")"
trap 'bash "$XSHIP_SOURCE_DIR/tests/rig/s3rig.sh" stop "$RIG" >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC1090
source "$RIG/env"
ENDPOINT=$XSHIP_TEST_ENDPOINT BUCKET=$XSHIP_TEST_BUCKET
export AWS_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY

head -c 50000 /dev/urandom > "$TMP/obj.bin"
KEY="$PREFIX/session obj.bin"
awsx s3 cp --only-show-errors "$TMP/obj.bin" "s3://$BUCKET/$KEY"

H=$TMP/home
role_profiles xship-presign
status_of() { curl -s -o "$TMP/got" -w '%{http_code}' "$1"; }

bare "$XSHIP_BIN" presign --endpoint "$ENDPOINT" --profile role --expires 10m "s3://$BUCKET/$KEY" >"$TMP/url" 2>"$TMP/err"
URL=$(cat "$TMP/url")
assert_eq "$(wc -c < "$TMP/err")" 0 "a URL inside the credentials' 15 minutes: no warning"
assert_match "$URL" "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=[^&]+&X-Amz-Signature=[0-9a-f]{64}$" "the session token is in the URL"
[[ $URL != *"$XSHIP_TEST_SECRET_KEY"* ]] || fail "the secret key is in the URL"
assert_eq "$(status_of "$URL")" 200 "curl downloads with the temporary credentials' URL"
cmp "$TMP/obj.bin" "$TMP/got" || fail "the presigned download differs from the upload"
ok "the bytes are the bytes"
NO_TOKEN=$(sed -E 's/&X-Amz-Security-Token=[^&]+//' "$TMP/url")
assert_eq "$(status_of "$NO_TOKEN")" 403 "the same URL without its session token is refused"

bare "$XSHIP_BIN" presign --endpoint "$ENDPOINT" --profile role --expires 1h "s3://$BUCKET/$KEY" >"$TMP/url" 2>"$TMP/err"
assert_match "$(cat "$TMP/err")" "^xship: warning: the URL stops working at [0-9T:Z-]+, when the temporary credentials from .* expire$" \
  "a URL asked to outlive the credentials says when it stops working"
assert_eq "$(wc -l < "$TMP/url")" 1 "and stdout is still the URL alone"

# publish --presign: the same warning, once, for all the run's links.
pub() { bare "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --profile role --to "s3://$BUCKET/$PREFIX/rel" --presign "$1" "$TMP/obj.bin" >"$TMP/pub.out" 2>"$TMP/err"; }
pub 10m || fail "publish --presign 10m with temporary credentials failed: $(cat "$TMP/err")"
if grep -q "stop working" "$TMP/err"; then fail "publish --presign 10m warned: $(cat "$TMP/err")"; fi
ok "publish --presign inside the credentials' life: no warning"
pub 1h || fail "publish --presign 1h with temporary credentials failed: $(cat "$TMP/err")"
assert_eq "$(grep -c "^xship: warning: the presigned links stop working at [0-9T:Z-]*, when the temporary credentials from .* expire$" "$TMP/err")" 1 \
  "publish --presign 1h says once when its links stop working"
assert_match "$(grep '^page ' "$TMP/pub.out")" "X-Amz-Security-Token=" "the page's presigned link carries the session token"

awsx s3 rm --only-show-errors --recursive "s3://$BUCKET/$PREFIX"
