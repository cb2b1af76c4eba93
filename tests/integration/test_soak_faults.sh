#!/usr/bin/env bash
# Soak: 300 small files and 3 multipart files through a proxy that faults 10% of all
# requests (503, 500, resets, stalls, flipped bytes, truncated replies, 200-with-<Error>
# on Complete). Must exit 0 in bounded time with every object verified independently.
# Then 50 corruptions: every one caught and resent, no wrong object. Then a rewritten ETag
# on a part: exit 3, no manifest.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D/small"
python3 - "$D/small" <<'PY'
import os, sys
for i in range(300):
    with open(os.path.join(sys.argv[1], f"f{i:03d}.bin"), "wb") as f:
        f.write(os.urandom(1000 + 37 * i))
PY
for i in 1 2 3; do head -c $(( (12 + i) * 1048576 )) /dev/urandom > "$D/multi$i.bin"; done

start_proxy --rate 0.10 --faults slowdown,internal,reset,stall,flip,truncate,complete-error --seed 42 --stall-seconds 4
start=$(date +%s)
rc=$(rc_of timeout 300 "$XSHIP_BIN" publish --endpoint "$PROXY_URL" --timeout 2 --retries 8 --part-size 5MiB \
  --multipart-threshold 8MiB --json --to "s3://$BUCKET/$PREFIX/soak" "$D")
elapsed=$(( $(date +%s) - start ))
stop_proxy
total=$(wc -l < "$PROXY_LOG"); faulted=$(grep -vc '"fault": null' "$PROXY_LOG" || true)
echo "soak: $total requests, $faulted faulted, ${elapsed}s" | tee "$TMP/soak-figures.txt"
[[ $rc == 0 ]] || fail "soak run exited $rc: $(tail -3 "$TMP/err")"
ok "soak run exit 0 in ${elapsed}s with $faulted of $total requests faulted"
(( faulted * 100 >= total * 5 )) || fail "too few faults injected ($faulted of $total)"
cp "$TMP/out" "$TMP/soak.json"

# Every object, checked with the AWS CLI: size, ETag = MD5 (or the multipart ETag), bytes.
awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/soak/" --output json > "$TMP/list.json"
assert_eq "$(jq '.Contents | length' "$TMP/list.json")" 307 "303 files + SHA256SUMS, manifest.json and the page (index.html, index.md) stored"
python3 - "$TMP/list.json" "$D" "$PREFIX/soak/" <<'PY'
import hashlib, json, os, sys
listing, root, prefix = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
bad = 0
for o in listing["Contents"]:
    name = o["Key"][len(prefix):]
    if name in ("manifest.json", "SHA256SUMS", "index.html", "index.md"):
        continue
    data = open(os.path.join(root, name), "rb").read()
    if o["Size"] != len(data):
        bad += 1; print("size mismatch", name); continue
    etag = o["ETag"].strip('"')
    if "-" in etag:
        parts = [hashlib.md5(data[i:i + 5 * 1048576]).digest() for i in range(0, len(data), 5 * 1048576)]
        want = hashlib.md5(b"".join(parts)).hexdigest() + f"-{len(parts)}"
    else:
        want = hashlib.md5(data).hexdigest()
    if etag != want:
        bad += 1; print("etag mismatch", name, etag, want)
sys.exit(1 if bad else 0)
PY
ok "every object's size and ETag match the file"
xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$PREFIX/soak/manifest.json" "$TMP/back" > /dev/null
(cd "$TMP/back" && sha256sum -c --quiet SHA256SUMS) || fail "fetched bytes do not match"
for f in small/f000.bin small/f299.bin multi3.bin; do cmp "$D/$f" "$TMP/back/$f" || fail "$f differs"; done
assert_eq "$(jq '.files | length' "$TMP/back/manifest.json" 2>/dev/null || awsx s3 cp "s3://$BUCKET/$PREFIX/soak/manifest.json" - | jq '.files | length')" 303 "manifest complete: 303 entries"

# 50 corruptions in flight: all caught (BadDigest / payload hash mismatch) and resent.
rm -rf "$TMP/c"; mkdir -p "$TMP/c"; cp "$D"/small/f0[0-3]?.bin "$TMP/c/"; cp "$D/multi1.bin" "$TMP/c/"
start_proxy --match PUT --first 50 --fault flip
xs publish --endpoint "$PROXY_URL" --retries 8 --part-size 5MiB --multipart-threshold 8MiB --json --to "s3://$BUCKET/$PREFIX/corrupt" "$TMP/c" > "$TMP/corrupt.json"
stop_proxy
assert_eq "$(faults_in_log flip)" 50 "50 request bodies corrupted"
wrong=0
for f in "$TMP"/c/*.bin; do
  n=$(basename "$f")
  awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/corrupt/$n" "$TMP/x"
  cmp -s "$f" "$TMP/x" || wrong=$((wrong + 1))
done
assert_eq "$wrong" 0 "0 wrong objects after 50 corruptions"
echo "corruption: 50 injected, $(jq '[.files[].retries] | add' "$TMP/corrupt.json") resends, $wrong wrong" | tee -a "$TMP/soak-figures.txt"

# A rewritten ETag on a multipart part: exit 3, no object, no manifest, no upload left.
start_proxy --match PUT:partNumber= --first 1 --fault etag
rc=$(rc_of xs publish --endpoint "$PROXY_URL" --part-size 5MiB --multipart-threshold 8MiB --to "s3://$BUCKET/$PREFIX/etag" "$D/multi1.bin")
stop_proxy
assert_eq "$rc" 3 "a lying part ETag exits 3"
assert_eq "$(etag_of "$PREFIX/etag/manifest.json")" "" "no manifest"
assert_eq "$(etag_of "$PREFIX/etag/multi1.bin")" "" "no object"
assert_eq "$(uploads_left "$PREFIX/etag/")" 0 "no upload left"

# A publish that fails part-way leaves the prefix's previous manifest untouched.
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/keep" "$D/small/f001.bin" > /dev/null
before=$(etag_of "$PREFIX/keep/manifest.json")
printf 'new file' > "$TMP/new.bin"
start_proxy --match PUT --first 1000 --fault internal
rc=$(rc_of xs publish --endpoint "$PROXY_URL" --retries 1 --to "s3://$BUCKET/$PREFIX/keep" "$D/small/f001.bin" "$TMP/new.bin")
stop_proxy
assert_eq "$rc" 1 "the failing publish exits 1"
assert_eq "$(etag_of "$PREFIX/keep/manifest.json")" "$before" "the previous manifest is untouched"
