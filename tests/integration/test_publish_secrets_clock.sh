#!/usr/bin/env bash
# --debug never shows a secret, a session token or a signature; a client clock an hour
# off is corrected from the server's Date header (RequestTimeTooSkewed, then success).
source "$(dirname "$0")/lib.sh"
D=$TMP/in; mkdir -p "$D"; head -c 3000 /dev/urandom > "$D/a.bin"
head -c $((17 * 1048576)) /dev/urandom > "$D/b.bin"

xs publish --debug --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/dbg" --part-size 5MiB "$D" >"$TMP/dbg.out" 2>"$TMP/dbg.err"
grep -q "Signature=\[REDACTED\]" "$TMP/dbg.err" || fail "--debug shows no redacted Authorization"
ok "--debug logs requests"
sigs=$(cat "$TMP/dbg.out" "$TMP/dbg.err" | grep -Ec 'Signature=[0-9a-f]{64}' || true)
assert_eq "$sigs" 0 "no signature in --debug output"
! grep -q "$AWS_SECRET_ACCESS_KEY" "$TMP/dbg.out" "$TMP/dbg.err" || fail "secret key in --debug output"
ok "no secret key in --debug output"

# A session token (RGW 16 ignores one it did not issue) must not appear either.
TOKEN="FQoGZXIvYXdzEXAMPLETOKEN$RANDOM$RANDOM"
rc=$(rc_of env AWS_SESSION_TOKEN="$TOKEN" "$XSHIP_BIN" publish --debug --retries 0 --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/tok" "$D/a.bin")
! grep -q "$TOKEN" "$TMP/out" "$TMP/err" || fail "session token leaked"
grep -q "x-amz-security-token: \[REDACTED\]" "$TMP/err" || fail "token header not shown redacted"
ok "session token redacted (run exited $rc)"
! grep -rq "$AWS_SECRET_ACCESS_KEY" "$D" || fail "secret written into a file"

# Clock an hour behind: the first request is refused as skewed, then corrected.
command -v faketime >/dev/null || fail "faketime missing: make -f ci.mk deps installs it"
faketime -f "-1h" "$XSHIP_BIN" publish --debug --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/skew" "$D/a.bin" >"$TMP/o" 2>"$TMP/e"
grep -q "< 403" "$TMP/e" || fail "the skewed request was not refused (is faketime working?)"
assert_eq "$(etag_of "$PREFIX/skew/a.bin")" "$(md5_of "$D/a.bin")" "published after clock-skew correction"
