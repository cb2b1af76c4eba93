#!/usr/bin/env bash
# Odd local files and names: SHA256SUMS is written through a temporary file (never through
# a link planted in DIR), a manifest naming SHA256SUMS or holding a NUL is refused, a FIFO
# is refused instead of blocking, a /proc file (whose size stat gets wrong) is refused, a
# name with a newline is refused, and --to prefixes with '.'/'..' segments are refused.
source "$(dirname "$0")/lib.sh"
use_hostile
REL=$BOX/rel; mkdir -p "$BOX/src"
printf 'alpha\n' > "$BOX/src/a.txt"; printf 'beta\n' > "$BOX/src/b.txt"
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/rel" "$BOX/src" > /dev/null
manifest_url="s3://$BUCKET/$PREFIX/rel/manifest.json"
a_sha=$(sha256sum "$BOX/src/a.txt" | cut -d' ' -f1)

# 1. DIR/SHA256SUMS is a symlink to a file outside DIR: replaced, the outside file untouched.
mkdir -p "$REL"; ln -s ../outside-sums "$REL/SHA256SUMS"
snapshot_box "$REL"
run_bounded 30 "$XSHIP_BIN" fetch --endpoint "$ENDPOINT" --manifest "$manifest_url" "$REL"
assert_run 0 30000 64 "fetch --manifest with a planted SHA256SUMS link"
[[ -f $REL/SHA256SUMS && ! -L $REL/SHA256SUMS ]] || fail "SHA256SUMS is still a link"
[[ ! -e $BOX/outside-sums ]] || fail "SHA256SUMS was written through the link to $BOX/outside-sums"
(cd "$REL" && sha256sum -c --quiet SHA256SUMS) || fail "sha256sum -c"
assert_box_unchanged "$REL" "planted SHA256SUMS link"

# 2. Manifests naming SHA256SUMS, or with a NUL in a name: refused (exit 3), nothing kept.
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/rel/manifest.json" "$TMP/m.json"
# (bash strings cannot hold a NUL: jq writes the name from its own escape.)
for bad in '"SHA256SUMS"' '"a.txt\u0000.evil"'; do
  jq --arg k "$PREFIX/rel/a.txt" --arg s "$a_sha" \
    ".files += [{name: $bad, key: \$k, size: 6, md5: \"\", sha256: \$s, etag: \"\", url: \"\"}]" "$TMP/m.json" > "$TMP/evil.json"
  grep -qF "$bad" "$TMP/evil.json" || fail "jq did not write the name $bad"
  awsx s3 cp --only-show-errors "$TMP/evil.json" "s3://$BUCKET/$PREFIX/evil/manifest.json"
  out=$BOX/evil; rm -rf "$out"; mkdir -p "$out"
  snapshot_box "$out"
  run_bounded 30 "$XSHIP_BIN" fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$PREFIX/evil/manifest.json" "$out"
  assert_run 3 5000 64 "manifest entry $bad"
  assert_one_clean_line "the manifest names 'a.txt\\\\x00.evil'|the manifest names 'SHA256SUMS'" "manifest entry $bad"
  [[ -z $(ls -A "$out") ]] || fail "files were kept from a refused manifest: $(ls -A "$out")"
  assert_box_unchanged "$out" "manifest entry $bad"
done

# 3. compress on a FIFO: refused at once (today: blocks forever in open()).
mkfifo "$BOX/fifo"
snapshot_box "$BOX/none"
run_bounded 10 "$XSHIP_BIN" compress "$BOX/fifo"
assert_run 2 5000 64 "compress on a FIFO"
assert_one_clean_line "not a regular file" "compress on a FIFO"
assert_box_unchanged "$BOX/none" "compress on a FIFO"

# 4. /proc/version: stat says 0 bytes, reading gives more; refused, also with --dry-run.
snapshot_box "$BOX/none"
for dry in --dry-run ""; do
  run_bounded 20 "$XSHIP_BIN" publish $dry --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/proc" /proc/version
  assert_run 2 5000 64 "a /proc file ${dry:-(real run)}"
  assert_one_clean_line "/proc/version.*size" "a /proc file ${dry:-(real run)}"
done
assert_box_unchanged "$BOX/none" "a /proc file"

# 5. A file name with a newline (its SHA256SUMS line would split): refused, exit 2.
mkdir -p "$BOX/nl"; printf x > "$BOX/nl/"$'two\nlines.txt'
snapshot_box "$BOX/none"
run_bounded 20 "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/nl" "$BOX/nl"
assert_run 2 5000 64 "a name with a newline"
assert_one_clean_line 'two\\nlines.txt' "a name with a newline"
assert_box_unchanged "$BOX/none" "a name with a newline"

# 6. '.' and '..' segments in --to: refused before any request.
snapshot_box "$BOX/none"
for to in "s3://$BUCKET/../x" "s3://$BUCKET/$PREFIX/./x" "s3://$BUCKET/$PREFIX/.."; do
  run_bounded 20 "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --to "$to" "$BOX/src/a.txt"
  assert_run 2 5000 64 "--to $to"
  assert_one_clean_line "'\\.\\.?' segment" "--to $to"
done
assert_box_unchanged "$BOX/none" "'.'/'..' segments in --to"
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/" --query 'Contents[].Key' --output text | tr '\t' '\n' | grep -cv -e "/rel/" -e "/evil/" -e "/merge/manifests/" || true)" 0 "nothing uploaded by the refused runs"
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix x --query 'length(Contents || `[]`)' --output text)" 0 "nothing at s3://$BUCKET/x"

# 7. A job manifest listing a name publish never writes (a newline): --merge-manifests
#    refuses it (exit 3) rather than writing a SHA256SUMS whose line it splits.
a_md5=$(md5sum "$BOX/src/a.txt" | cut -d' ' -f1)
jq -n --arg k "$PREFIX/rel/a.txt" --arg s "$a_sha" --arg m "$a_md5" \
  '{format: "xship-job-manifest-1", job: "x", repo: "", branch: "", commit: "", tag: "", version: "",
    files: [{name: "two\nlines.txt", key: $k, size: 6, md5: $m, sha256: $s, etag: "", url: ""}]}' > "$TMP/job.json"
awsx s3 cp --only-show-errors "$TMP/job.json" "s3://$BUCKET/$PREFIX/merge/manifests/x.json"
snapshot_box "$BOX/none"
run_bounded 30 "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --merge-manifests --commit any --to "s3://$BUCKET/$PREFIX/merge"
assert_run 3 30000 64 "a job manifest with a newline in a name"
assert_one_clean_line "lists 'two\\\\nlines.txt'" "a job manifest with a newline in a name"
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/merge/SHA256SUMS" --query 'length(Contents || `[]`)' --output text)" 0 "no SHA256SUMS written"
assert_box_unchanged "$BOX/none" "a job manifest with a newline in a name"
