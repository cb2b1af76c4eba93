#!/usr/bin/env bash
# A ranged download whose every range breaks off halfway once: each range is retried from
# its first missing byte (the store sends every byte once), the file holds exactly the
# object's bytes and its SHA-256 matches the stored one; nothing else is left in the
# destination.
source "$(dirname "$0")/lib.sh"
use_hostile
DL=$BOX/dl; mkdir -p "$DL"
start_hostile flaky-ranged
python3 -c 'import sys; n = 24 * 1048576 + 12345; sys.stdout.buffer.write((bytes(range(251)) * (n // 251 + 1))[:n])' >"$TMP/want"
run_bounded 60 "$XSHIP_BIN" fetch --json --endpoint "$HOSTILE_URL" --retries 3 "s3://bkt/obj" "$DL/obj"
assert_run 0 30000 128 "ranged fetch with every range cut once"
cmp "$TMP/want" "$DL/obj" || fail "the fetched bytes differ from the object's"
ok "the file holds the object's bytes"
assert_eq "$(jq -r .sha256 "$TMP/out")" "$(sha256sum "$TMP/want" | cut -d' ' -f1)" "the reported SHA-256 is the file's"
assert_eq "$(jq -r .verified_by "$TMP/out")" "stored sha256" "verified against the stored SHA-256"
(( $(jq -r .retries "$TMP/out") >= 3 )) || fail "expected a retry per range, got $(jq -r .retries "$TMP/out")"
ok "each of the three ranges was retried"
# Per range (by its last byte): the first GET asks for all of it, the retry for the half
# that did not come.
resumed=$(jq -rs '[.[] | select(.method == "GET") | .range | capture("bytes=(?<a>[0-9]+)-(?<b>[0-9]+)") | {a: (.a | tonumber), b: (.b | tonumber)}]
  | group_by(.b) | map(select(length == 2 and .[1].a == .[0].a + ((.[0].b - .[0].a + 1) / 2 | floor))) | length' "$HOSTILE_LOG")
assert_eq "$resumed" "$(jq -rs '[.[] | select(.method == "GET")] | group_by(.range | sub(".*-"; "")) | length' "$HOSTILE_LOG")" \
  "every range retried from its first missing byte"
assert_eq "$(jq -s '[.[] | select(.method == "GET") | .body_sent] | add' "$HOSTILE_LOG")" "$(stat -c %s "$TMP/want")" \
  "the store sent each byte once"
assert_eq "$(ls -A "$DL")" "obj" "nothing but the file in the destination"
stop_hostile
