#!/usr/bin/env bash
# SIGINT mid-multipart: exit 130, uploads aborted, no manifest. SIGKILL leaves an upload
# behind; the next run cleans it up. A file that changes mid-publish leaves nothing.
source "$(dirname "$0")/lib.sh"
D=$TMP/in; mkdir -p "$D"
head -c $((60 * 1048576)) /dev/urandom > "$D/big.bin"
# SlowDown answers on parts keep the run in flight long enough to interrupt it.
start_proxy --match PUT:partNumber= --rate 0.5 --faults slowdown --seed 7
"$XSHIP_BIN" publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/int" --part-size 5MiB --concurrency 2 "$D/big.bin" >"$TMP/o" 2>"$TMP/e" &
pid=$!
for _ in $(seq 200); do grep -q partNumber "$PROXY_LOG" 2>/dev/null && break; sleep 0.05; done
kill -INT $pid
rc=0; wait $pid || rc=$?
assert_eq "$rc" 130 "SIGINT exits 130"
assert_eq "$(uploads_left "$PREFIX/int/")" 0 "no multipart upload left after SIGINT"
assert_eq "$(etag_of "$PREFIX/int/manifest.json")" "" "no manifest after SIGINT"

"$XSHIP_BIN" publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/kill" --part-size 5MiB --concurrency 2 "$D/big.bin" >"$TMP/o" 2>"$TMP/e" &
pid=$!
for _ in $(seq 200); do [[ $(grep -c partNumber "$PROXY_LOG") -ge 3 ]] && break; sleep 0.05; done
kill -KILL $pid; wait $pid 2>/dev/null || true
stop_proxy
assert_eq "$(uploads_left "$PREFIX/kill/")" 1 "SIGKILL leaves its multipart upload behind"
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/kill" --part-size 5MiB "$D/big.bin" > /dev/null
assert_eq "$(uploads_left "$PREFIX/kill/")" 0 "the next run leaves no upload behind"
assert_eq "$(etag_of "$PREFIX/kill/big.bin")" "$(multipart_etag "$D/big.bin" $((5 * 1048576)))" "and the object is right"

# A file rewritten while its parts go up: exit 3, no object, no upload left.
start_proxy --match PUT:partNumber= --first 4 --fault slowdown
"$XSHIP_BIN" publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/chg" --part-size 5MiB --concurrency 1 "$D/big.bin" >"$TMP/o" 2>"$TMP/e" &
pid=$!
for _ in $(seq 200); do grep -q partNumber "$PROXY_LOG" 2>/dev/null && break; sleep 0.05; done
touch -d '2001-01-01' "$D/big.bin"
rc=0; wait $pid || rc=$?
stop_proxy
assert_eq "$rc" 3 "a file changed mid-publish exits 3"
assert_match "$(cat "$TMP/e")" "changed while it was being published" "the error says so"
assert_eq "$(etag_of "$PREFIX/chg/big.bin")" "" "nothing under its key"
assert_eq "$(uploads_left "$PREFIX/chg/")" 0 "no upload left"
