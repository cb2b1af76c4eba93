#!/usr/bin/env bash
# SIGINT mid-multipart: exit 130, uploads aborted, no manifest. SIGKILL leaves an upload
# behind; the next run cleans it up. A file that changes mid-publish leaves nothing.
source "$(dirname "$0")/lib.sh"
use_rig
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
for _ in $(seq 400); do [[ $(grep -c 'partNumber.*"status": 200' "$PROXY_LOG") -ge 2 ]] && break; sleep 0.05; done
kill -KILL $pid; wait $pid 2>/dev/null || true
stop_proxy
assert_eq "$(uploads_left "$PREFIX/kill/")" 1 "SIGKILL leaves its multipart upload behind"
[[ -n $(ls .xship/uploads/*.json 2>/dev/null) ]] || fail "no upload state was recorded"
done_before=$(awsx s3api list-parts --bucket "$BUCKET" --key "$PREFIX/kill/big.bin" \
  --upload-id "$(awsx s3api list-multipart-uploads --bucket "$BUCKET" --prefix "$PREFIX/kill/" --query 'Uploads[0].UploadId' --output text)" \
  --query 'length(Parts || `[]`)' --output text)
(( done_before >= 1 )) || fail "the killed run had uploaded no part"
# The next run resumes: the parts already there are re-verified against the file, not resent.
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/kill" --part-size 8MiB --json "$D/big.bin" > "$TMP/resume.json"
assert_eq "$(jq '.files[0].parts_resumed' "$TMP/resume.json")" "$done_before" "resumed the $done_before parts the killed run uploaded"
assert_eq "$(jq '.bytes_sent' "$TMP/resume.json")" "$(( (12 - done_before) * 5 * 1048576 ))" "sent only the missing parts (in the old 5 MiB layout)"
assert_eq "$(uploads_left "$PREFIX/kill/")" 0 "no upload left behind after the resumed run"
assert_eq "$(etag_of "$PREFIX/kill/big.bin")" "$(multipart_etag "$D/big.bin" $((5 * 1048576)))" "and the object is right"

# A killed run whose file then changed: the old upload is aborted, not resumed.
start_proxy --match PUT:partNumber= --rate 0.5 --faults slowdown --seed 3
"$XSHIP_BIN" publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/kill2" --part-size 5MiB --concurrency 2 "$D/big.bin" >"$TMP/o" 2>"$TMP/e" &
pid=$!
for _ in $(seq 400); do [[ $(grep -c 'partNumber.*"status": 200' "$PROXY_LOG") -ge 2 ]] && break; sleep 0.05; done
kill -KILL $pid; wait $pid 2>/dev/null || true
stop_proxy
head -c 1000 /dev/urandom | dd of="$D/big.bin" conv=notrunc status=none
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/kill2" --part-size 5MiB --json "$D/big.bin" > "$TMP/fresh.json"
assert_eq "$(jq '.files[0].parts_resumed' "$TMP/fresh.json")" 0 "a changed file is not resumed"
assert_eq "$(uploads_left "$PREFIX/kill2/")" 0 "the stale upload was aborted"
assert_eq "$(etag_of "$PREFIX/kill2/big.bin")" "$(multipart_etag "$D/big.bin" $((5 * 1048576)))" "the new content is stored"

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
