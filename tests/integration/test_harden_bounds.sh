#!/usr/bin/env bash
# Memory, loops and time are bounded whatever the store sends: a 300 MiB error body is
# cut to its first KiB, a listing that repeats its continuation token or marker (or pages
# without progress) is an error naming the store's misbehaviour, and a reply trickling
# at 1 byte/s is ended by the per-request deadline.
source "$(dirname "$0")/lib.sh"
use_hostile
DL=$BOX/dl; mkdir -p "$DL" "$BOX/in"
printf 'data\n' > "$BOX/in/f.txt"
publish_to() { run_bounded "$1" "$XSHIP_BIN" publish --endpoint "$HOSTILE_URL" --retries 0 --to s3://bkt/p "$BOX/in/f.txt"; }

# 1. A 500 whose body is 300 MiB (today: all of it buffered, ~630 MB RSS).
start_hostile huge-error --body-mib 300
snapshot_box "$DL"
publish_to 60
assert_run 1 5000 64 "300 MiB error body"
assert_one_clean_line "InternalError|HTTP 500" "300 MiB error body"
assert_box_unchanged "$DL" "300 MiB error body"
stop_hostile

# 2. ListObjectsV2 answering the same continuation token forever (today: endless requests).
start_hostile repeat-token
snapshot_box "$DL"
publish_to 20
assert_run 1 5000 64 "repeated continuation token"
assert_box_unchanged "$DL" "repeated continuation token"
assert_one_clean_line "ListObjectsV2.*repeated.*'again'" "repeated continuation token"
(( $(hostile_requests) <= 3 )) || fail "the listing was asked $(hostile_requests) times"
stop_hostile

# 3. Pages that are truncated but empty, with a fresh token each time: no progress.
start_hostile empty-pages
snapshot_box "$DL"
publish_to 20
assert_run 1 5000 64 "empty truncated pages"
assert_box_unchanged "$DL" "empty truncated pages"
assert_one_clean_line "ListObjectsV2.*no entries" "empty truncated pages"
stop_hostile

# 4. ListMultipartUploads repeating its markers.
start_hostile repeat-uploads-marker
snapshot_box "$DL"
publish_to 20
assert_run 1 5000 64 "repeated upload markers"
assert_box_unchanged "$DL" "repeated upload markers"
assert_one_clean_line "ListMultipartUploads.*repeated" "repeated upload markers"
stop_hostile

# 5. A 16 KiB object sent 1 byte a second: ended by --deadline (today: never, since 1 B/s
#    is not a stall).
start_hostile trickle
snapshot_box "$DL"
run_bounded 20 "$XSHIP_BIN" fetch --endpoint "$HOSTILE_URL" --retries 0 --deadline 3 "s3://bkt/obj" "$DL/obj"
assert_run 1 6000 64 "1 B/s trickle"
assert_one_clean_line "did not finish within" "1 B/s trickle"
[[ -z $(ls -A "$DL") ]] || fail "the trickled download left $(ls -A "$DL")"
assert_box_unchanged "$DL" "1 B/s trickle"
stop_hostile
