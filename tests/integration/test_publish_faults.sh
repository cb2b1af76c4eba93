#!/usr/bin/env bash
# Faults between xship and the store: flipped body bytes (the store answers BadDigest
# thanks to Content-MD5; xship resends), 503 SlowDown (backoff and retry), and downloads
# cut off halfway (resumed from the first missing byte).
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D"
for i in 1 2 3 4; do head -c $((100000 * i)) /dev/urandom > "$D/small$i.bin"; done
head -c $((20 * 1048576)) /dev/urandom > "$D/multi.bin"

# 1. Every PUT body (whole objects and parts) gets one flipped byte on its first tries.
start_proxy --match PUT --first 6 --fault flip
xs publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/flip" --part-size 5MiB --json "$D" > "$TMP/flip.json"
stop_proxy
assert_eq "$(faults_in_log flip)" 6 "6 bodies were corrupted in flight"
assert_eq "$(jq '[.files[].retries] | add' "$TMP/flip.json")" 6 "each corruption was resent once"
for f in small1.bin small2.bin small3.bin small4.bin; do
  assert_eq "$(etag_of "$PREFIX/flip/$f")" "$(md5_of "$D/$f")" "$f stored intact"
done
assert_eq "$(etag_of "$PREFIX/flip/multi.bin")" "$(multipart_etag "$D/multi.bin" $((5 * 1048576)))" "multipart file stored intact"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/flip/multi.bin" "$TMP/back"
cmp "$D/multi.bin" "$TMP/back" || fail "multi.bin bytes differ"; ok "multi.bin round trip"

# 2. 503 SlowDown on the first requests of every kind: retried with backoff, exit 0.
start_proxy --first 5 --fault slowdown
xs publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/slow" --part-size 5MiB --json "$D" > "$TMP/slow.json"
stop_proxy
assert_eq "$(faults_in_log slowdown)" 5 "5 SlowDown answers injected"
for f in small1.bin small4.bin; do
  assert_eq "$(etag_of "$PREFIX/slow/$f")" "$(md5_of "$D/$f")" "$f stored after SlowDown"
done
assert_eq "$(etag_of "$PREFIX/slow/multi.bin")" "$(multipart_etag "$D/multi.bin" $((5 * 1048576)))" "multipart after SlowDown"

# 3. A store that keeps failing: bounded retries, exit 1, and no manifest.
start_proxy --match PUT --first 1000 --fault internal
rc=$(rc_of xs publish --endpoint "$PROXY_URL" --retries 2 --to "s3://$BUCKET/$PREFIX/down" "$D/small1.bin")
stop_proxy
assert_eq "$rc" 1 "persistent 500s exit 1"
assert_match "$(cat "$TMP/err")" "InternalError.*after 3 attempts" "the error says how often it tried"
assert_eq "$(etag_of "$PREFIX/down/manifest.json")" "" "no manifest after a failed run"

# 4. A 200 reply with an <Error> body to CompleteMultipartUpload is an error, retried.
start_proxy --match POST:uploadId= --first 1 --fault complete-error
xs publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/complete" --part-size 5MiB "$D/multi.bin" > /dev/null
stop_proxy
assert_eq "$(faults_in_log complete-error)" 1 "one Complete answered 200 <Error>"
assert_eq "$(etag_of "$PREFIX/complete/multi.bin")" "$(multipart_etag "$D/multi.bin" $((5 * 1048576)))" "completed correctly on retry"

# 5. A rewritten ETag on a PUT: exit 3, the object removed, no manifest.
start_proxy --match PUT --first 1 --fault etag
rc=$(rc_of xs publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/etag" "$D/small1.bin")
stop_proxy
assert_eq "$rc" 3 "a lying ETag exits 3"
assert_eq "$(etag_of "$PREFIX/etag/small1.bin")" "" "the unverified object was removed"
assert_eq "$(etag_of "$PREFIX/etag/manifest.json")" "" "no manifest"

# fetch_through_cuts N NAME: fetches flip/NAME through the proxy with its first N GETs cut
# off halfway; checks the N cuts, one retry each, and the bytes.
fetch_through_cuts() {
  start_proxy --match GET --first "$1" --fault truncate
  xs fetch --endpoint "$PROXY_URL" --json "s3://$BUCKET/$PREFIX/flip/$2" "$TMP/cut-$2" > "$TMP/cut-$2.json"
  stop_proxy
  assert_eq "$(faults_in_log truncate)" "$1" "$2: $1 GETs cut halfway"
  cmp "$D/$2" "$TMP/cut-$2" || fail "$2: the fetched bytes differ"; ok "$2 fetched intact after the cuts"
  assert_eq "$(jq -r .retries "$TMP/cut-$2.json")" "$1" "$2: one retry per cut"
}

# 6. Each ranged GET of a 20 MiB download cut off halfway: each range is asked for again
# from its first missing byte.
fetch_through_cuts 3 multi.bin
assert_eq "$(jq -rs '[.[] | select(.fault == "truncate") | .range | capture("bytes=(?<a>[0-9]+)-(?<b>[0-9]+)")
  | "bytes=\((.a | tonumber) + ((.b | tonumber) - (.a | tonumber) + 1) / 2 | floor)-\(.b)"] | sort' "$PROXY_LOG")" \
  "$(jq -rs '[.[] | select(.method == "GET" and .fault == null) | .range] | sort' "$PROXY_LOG")" \
  "each retry asked for the second half of its range only"

# 7. A whole GET cut off halfway starts over: what had come is dropped, not kept twice.
fetch_through_cuts 1 small4.bin
