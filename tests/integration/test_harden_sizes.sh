#!/usr/bin/env bash
# Sizes from the store are not trusted: an absurd Content-Length is refused before any
# work, a GET longer than announced stops at once (exit 3), and SIGINT during a download
# exits 130 at once; no temporary file is ever left.
source "$(dirname "$0")/lib.sh"
use_hostile
DL=$BOX/dl; mkdir -p "$DL"
no_temp_left() { [[ -z $(ls -A "$DL") ]] || fail "$1: left in $DL: $(ls -A "$DL")"; ok "$1: nothing left in the destination"; }

# 1. HEAD says 2^64-1 bytes (today: ~2^41 range tasks posted, deaf to signals).
start_hostile absurd-length
snapshot_box "$DL"
run_bounded 15 "$XSHIP_BIN" fetch --endpoint "$HOSTILE_URL" --retries 0 "s3://bkt/obj" "$DL/obj"
assert_run 1 5000 64 "absurd Content-Length"
assert_one_clean_line "18446744073709551615.*5 TiB" "absurd Content-Length"
assert_eq "$(grep -c '"GET"' "$HOSTILE_LOG" || true)" 0 "no GET sent for an absurd size"
no_temp_left "absurd Content-Length"
assert_box_unchanged "$DL" "absurd Content-Length"
stop_hostile

# 2. HEAD says 6 bytes, the GET pours out 300 MiB: stopped at the 7th byte, exit 3.
start_hostile overlong-body --body-mib 300
snapshot_box "$DL"
run_bounded 60 "$XSHIP_BIN" fetch --endpoint "$HOSTILE_URL" --retries 0 "s3://bkt/obj" "$DL/obj"
assert_run 3 5000 64 "GET longer than announced"
assert_one_clean_line "more than the 6 bytes" "GET longer than announced"
sent=$(hostile_max_sent)
(( sent < 32 * 1048576 )) || fail "xship kept reading: the server got $sent bytes out"
ok "the server got only $sent bytes out before xship hung up"
no_temp_left "GET longer than announced"
assert_box_unchanged "$DL" "GET longer than announced"
stop_hostile

# 3. SIGINT while ranged GETs trickle: exit 130 within a second, no temporary file.
start_hostile slow-ranged
snapshot_box "$DL"
(cd "$BOX/run" && exec /usr/bin/time -f %M -o "$TMP/rss" "$XSHIP_BIN" fetch --endpoint "$HOSTILE_URL" \
  "s3://bkt/big" "$DL/big" >"$TMP/out" 2>"$TMP/err") &
timepid=$!
for _ in $(seq 100); do grep -q '"GET"' "$HOSTILE_LOG" 2>/dev/null && break; sleep 0.05; done
sleep 0.5
[[ -n $(ls -A "$DL") ]] || fail "the download had not started (no temporary file)"
t0=$(date +%s%N)
kill -INT "$(pgrep -P "$timepid")"
RC=0; wait "$timepid" || RC=$?
MS=$(( ($(date +%s%N) - t0) / 1000000 )); RSS_MB=$(( $(tail -n 1 "$TMP/rss") / 1024 ))
assert_run 130 3000 128 "SIGINT mid-download"
no_temp_left "SIGINT mid-download"
assert_box_unchanged "$DL" "SIGINT mid-download"
stop_hostile
