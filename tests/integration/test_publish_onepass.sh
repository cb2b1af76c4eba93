#!/usr/bin/env bash
# A multipart file xship has not hashed before goes up without a whole-file pass first:
# no x-amz-meta-md5/sha256 (its part size instead), the multipart ETag of its parts, the
# SHA-256 in the manifest; a republish compares multipart ETags and skips; a changed
# file of the same size goes up again; a killed upload resumes; fetch verifies it.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D"
export XSHIP_DIGEST_CACHE=$TMP/cache/digests.json  # fresh: every file is cold
P=$((5 * 1048576))
head -c $((23 * 1048576 + 12345)) /dev/urandom > "$D/big.bin"
pub() { xs publish --endpoint "$ENDPOINT" --multipart-threshold 5MiB --part-size 5MiB --json "$@"; }

pub --to "s3://$BUCKET/$PREFIX/a" "$D" > "$TMP/run1.json"
assert_eq "$(jq -r '.files[0].status' "$TMP/run1.json")" uploaded "cold file uploaded"
assert_eq "$(jq -r '.files[0].parts' "$TMP/run1.json")" 5 "in five parts"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/a/big.bin" "$TMP/back"
cmp "$D/big.bin" "$TMP/back" || fail "the object's bytes differ"; ok "object bytes = file"
want_etag=$(multipart_etag "$D/big.bin" $P)
assert_eq "$(etag_of "$PREFIX/a/big.bin")" "$want_etag" "ETag = multipart ETag of the file's parts"
meta=$(awsx s3api head-object --bucket "$BUCKET" --key "$PREFIX/a/big.bin" --query Metadata --output json)
assert_eq "$(jq -r '.md5 // "none"' <<<"$meta")" none "no x-amz-meta-md5"
assert_eq "$(jq -r '.sha256 // "none"' <<<"$meta")" none "no x-amz-meta-sha256"
assert_eq "$(jq -r '."part-size"' <<<"$meta")" "$P" "the part size is stored instead"
sha=$(sha256sum "$D/big.bin" | cut -d' ' -f1)
assert_eq "$(jq -r '.files[0].sha256' "$TMP/run1.json")" "$sha" "--json sha256 = sha256sum"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/a/manifest.json" "$TMP/m.json"
assert_eq "$(jq -r '.files[0].sha256' "$TMP/m.json")" "$sha" "manifest sha256 = sha256sum"
assert_eq "$(jq -r '.files[0].md5' "$TMP/m.json")" "" "manifest md5 empty"
assert_eq "$(jq -r '.files[0].etag' "$TMP/m.json")" "$want_etag" "manifest etag = multipart ETag"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/a/SHA256SUMS" - | grep -q "^$sha  big.bin$" ||
  fail "SHA256SUMS lacks the file's SHA-256"; ok "SHA256SUMS holds the SHA-256"
entry=$(jq -c --arg s "$sha" '[.files[] | select(.sha256 == $s)] | first' "$XSHIP_DIGEST_CACHE")
assert_eq "$(jq -r 'if . == null then "no entry" else has("md5") end' <<<"$entry")" false \
  "the digest cache holds the SHA-256 without an MD5"

# Republish: the multipart ETags compare equal, nothing is sent.
pub --to "s3://$BUCKET/$PREFIX/a" "$D" > "$TMP/run2.json"
assert_eq "$(jq -r '.files[0].status' "$TMP/run2.json")" skipped "unchanged cold file skipped"
assert_eq "$(jq -r '.bytes_sent' "$TMP/run2.json")" 0 "0 bytes sent"
assert_eq "$(jq -r '.files[0].sha256' "$TMP/run2.json")" "$sha" "a skipped file still reports its SHA-256"
assert_eq "$(jq -r '.files[0].digests_cached' "$TMP/run2.json")" true "... taken from the digest cache"
# Elsewhere, with the SHA-256 cached: uploaded in one pass with no SHA-256 pass at all.
pub --to "s3://$BUCKET/$PREFIX/a2" "$D" > "$TMP/run2b.json"
assert_eq "$(jq -r '.files[0] | "\(.status) \(.digests_cached) \(.sha256)"' "$TMP/run2b.json")" "uploaded true $sha" \
  "a cached SHA-256 goes into the new release"
assert_eq "$(etag_of "$PREFIX/a2/big.bin")" "$want_etag" "and the object is the file"

# Fetch verifies: by the manifest's SHA-256, and a lone object by its multipart ETag.
xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$PREFIX/a/manifest.json" "$TMP/rel" > /dev/null
cmp "$D/big.bin" "$TMP/rel/big.bin" || fail "fetched release differs"; ok "release fetched and verified"
xs fetch --endpoint "$ENDPOINT" --json "s3://$BUCKET/$PREFIX/a/big.bin" "$TMP/one.bin" > "$TMP/f.json"
assert_eq "$(jq -r '.verified_by' "$TMP/f.json")" "multipart ETag" "a lone object is verified by its multipart ETag"
cmp "$D/big.bin" "$TMP/one.bin" || fail "fetched object differs"; ok "lone object fetched"
# Uploaded by the AWS CLI in 8 MiB parts: with that part size stored, fetch checks its
# multipart ETag; with a wrong one (same part count), the parts do not give the ETag.
head -c $((23 * 1048576 + 12345)) /dev/urandom > "$TMP/other.bin"
awsx s3 cp --only-show-errors "$TMP/other.bin" "s3://$BUCKET/$PREFIX/x/ok.bin" --metadata "part-size=$((8 * 1048576))"
awsx s3 cp --only-show-errors "$TMP/other.bin" "s3://$BUCKET/$PREFIX/x/lie.bin" --metadata "part-size=$((9 * 1048576))"
assert_match "$(etag_of "$PREFIX/x/ok.bin")" '-3$' "the AWS CLI uploaded three parts"
xs fetch --endpoint "$ENDPOINT" "s3://$BUCKET/$PREFIX/x/ok.bin" "$TMP/ok.bin" > /dev/null
cmp "$TMP/other.bin" "$TMP/ok.bin" || fail "ok.bin differs"; ok "a foreign multipart object with its part size verifies"
assert_eq "$(rc_of xs fetch --endpoint "$ENDPOINT" "s3://$BUCKET/$PREFIX/x/lie.bin" "$TMP/x.bin")" 3 \
  "an object whose parts do not give its ETag is refused"
[[ ! -e $TMP/x.bin ]] || fail "a refused fetch left a file"; ok "nothing written"

# A second destination: the copy keeps the multipart ETag and the part size.
pub --to "s3://$BUCKET/$PREFIX/b" --to "s3://$BUCKET/$PREFIX/c" "$D" > "$TMP/run3.json"
assert_eq "$(jq -r '[.files[] | select(.status=="copied")] | length' "$TMP/run3.json")" 1 "one server-side copy"
assert_eq "$(etag_of "$PREFIX/c/big.bin")" "$want_etag" "the copy has the multipart ETag"
pub --to "s3://$BUCKET/$PREFIX/b" --to "s3://$BUCKET/$PREFIX/c" "$D" > "$TMP/run4.json"
assert_eq "$(jq -r '[.files[] | select(.status=="skipped")] | length' "$TMP/run4.json")" 2 "both destinations skipped"

# Changed, same size: the ETags differ, it goes up again.
head -c 1000 /dev/urandom | dd of="$D/big.bin" bs=1 seek=$((7 * 1048576)) conv=notrunc status=none
pub --to "s3://$BUCKET/$PREFIX/a" "$D" > "$TMP/run5.json"
assert_eq "$(jq -r '.files[0].status' "$TMP/run5.json")" uploaded "a changed file of the same size is uploaded"
assert_eq "$(etag_of "$PREFIX/a/big.bin")" "$(multipart_etag "$D/big.bin" $P)" "with its new content"
assert_eq "$(jq -r '.files[0].sha256' "$TMP/run5.json")" "$(sha256sum "$D/big.bin" | cut -d' ' -f1)" "and its new SHA-256"

# Killed mid-upload, then resumed: the parts already there are kept.
head -c $((40 * 1048576)) /dev/urandom > "$D/big.bin"
cd "$TMP"  # the upload state lives in .xship/ under the working directory
start_proxy --match PUT:partNumber= --rate 0.5 --faults slowdown --seed 7
"$XSHIP_BIN" publish --endpoint "$PROXY_URL" --to "s3://$BUCKET/$PREFIX/k" --multipart-threshold 5MiB --part-size 5MiB \
  --concurrency 2 "$D/big.bin" >"$TMP/o" 2>"$TMP/e" &
pid=$!
for _ in $(seq 400); do [[ $(grep -c 'partNumber.*"status": 200' "$PROXY_LOG") -ge 2 ]] && break; sleep 0.05; done
kill -KILL $pid; wait $pid 2>/dev/null || true
stop_proxy
assert_eq "$(uploads_left "$PREFIX/k/")" 1 "the killed run left its upload"
pub --to "s3://$BUCKET/$PREFIX/k" "$D/big.bin" > "$TMP/resume.json"
resumed=$(jq '.files[0].parts_resumed' "$TMP/resume.json")
(( resumed >= 1 )) || fail "nothing resumed"; ok "resumed $resumed parts"
assert_eq "$(uploads_left "$PREFIX/k/")" 0 "no upload left"
assert_eq "$(etag_of "$PREFIX/k/big.bin")" "$(multipart_etag "$D/big.bin" $P)" "resumed object is right"
assert_eq "$(jq -r '.files[0].sha256' "$TMP/resume.json")" "$(sha256sum "$D/big.bin" | cut -d' ' -f1)" \
  "resumed run reports the SHA-256"
