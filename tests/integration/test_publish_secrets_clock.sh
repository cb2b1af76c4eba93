#!/usr/bin/env bash
# --debug never shows a secret, a session token or a signature; a client clock an hour
# off is corrected from the server's Date header (RequestTimeTooSkewed, then success).
source "$(dirname "$0")/lib.sh"
use_rig
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

# Nor in any file xship writes: its state under .xship/ in the working directory, read
# while a multipart upload is in flight (a part PUT stalled by the proxy) and after the
# killed run is resumed, and what fetch writes. A signature has no fixed value, so look
# for what any signed request carries: the algorithm name and "Signature=".
WD=$TMP/wd; mkdir -p "$WD"
start_proxy --match PUT:partNumber= --first 1 --fault stall --stall-seconds 60
(cd "$WD" && exec env AWS_SESSION_TOKEN="$TOKEN" "$XSHIP_BIN" publish --debug --timeout 120 --endpoint "$PROXY_URL" \
  --to "s3://$BUCKET/$PREFIX/wd" --part-size 5MiB "$D/b.bin") >"$TMP/wd1.out" 2>"$TMP/wd1.err" &
XS_PID=$!
for _ in $(seq 600); do [[ -n $(ls -A "$WD/.xship/uploads" 2>/dev/null) ]] && break; sleep 0.1; done
[[ -n $(ls -A "$WD/.xship/uploads" 2>/dev/null) ]] || fail "no upload state under .xship/uploads while a part stalled"
cp -a "$WD/.xship" "$TMP/inflight"
kill -KILL "$XS_PID"; wait "$XS_PID" 2>/dev/null || true
stop_proxy
(cd "$WD" && env AWS_SESSION_TOKEN="$TOKEN" "$XSHIP_BIN" publish --debug --endpoint "$ENDPOINT" \
  --to "s3://$BUCKET/$PREFIX/wd" --part-size 5MiB "$D/b.bin") >"$TMP/wd2.out" 2>"$TMP/wd2.err" ||
  fail "the rerun after SIGKILL failed: $(tail -n 1 "$TMP/wd2.err")"
(cd "$WD" && "$XSHIP_BIN" fetch --debug --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$PREFIX/wd/manifest.json" got &&
  "$XSHIP_BIN" fetch --debug --endpoint "$ENDPOINT" "s3://$BUCKET/$PREFIX/wd/b.bin" one.bin) >"$TMP/wd3.out" 2>"$TMP/wd3.err" ||
  fail "fetch failed: $(tail -n 1 "$TMP/wd3.err")"
[[ -s $WD/got/SHA256SUMS && -s $WD/one.bin ]] || fail "fetch wrote no files to check"
written=$(find "$WD" "$TMP/inflight" -type f | wc -l)
for secret in "$AWS_SECRET_ACCESS_KEY" "$TOKEN" "AWS4-HMAC-SHA256" "Signature=" "X-Amz-Signature"; do
  hits=$(grep -rlaF -- "$secret" "$WD" "$TMP/inflight" || true)
  [[ -z $hits ]] || fail "'$secret' written into $hits"
done
ok "no secret, token or signature in the $written files xship wrote (state in flight, after resume, fetched)"

# Clock an hour behind: the first request is refused as skewed, then corrected.
command -v faketime >/dev/null || fail "faketime missing: make -f ci.mk deps installs it"
faketime -f "-1h" "$XSHIP_BIN" publish --debug --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/skew" "$D/a.bin" >"$TMP/o" 2>"$TMP/e"
grep -q "< 403" "$TMP/e" || fail "the skewed request was not refused (is faketime working?)"
assert_eq "$(etag_of "$PREFIX/skew/a.bin")" "$(md5_of "$D/a.bin")" "published after clock-skew correction"
