#!/usr/bin/env bash
# Listings come in pages of 1,000 keys: a prefix holding 1,050 objects is only known to
# be complete when xship follows the continuation token. The second run must find every
# object already there (an unread page would re-upload its 50 files).
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/many; mkdir -p "$D"
for i in $(seq -w 1 1050); do printf '%s' "$i" >"$D/f$i.txt"; done
DEST="s3://$BUCKET/$PREFIX"
xs publish --endpoint "$ENDPOINT" --to "$DEST" --no-manifest --json "$D" >"$TMP/run1.json"
assert_eq "$(jq -r .uploaded "$TMP/run1.json")" 1050 "first run uploads 1,050 files"
assert_eq "$(awsx s3 ls --recursive "s3://$BUCKET/$PREFIX/" | wc -l)" 1050 "the AWS CLI lists 1,050 objects"
xs publish --endpoint "$ENDPOINT" --to "$DEST" --no-manifest --json "$D" >"$TMP/run2.json"
assert_eq "$(jq -r .skipped "$TMP/run2.json")" 1050 "second run finds all 1,050 across two listing pages"
assert_eq "$(jq -r .uploaded "$TMP/run2.json")" 0 "... and uploads none"
