#!/usr/bin/env bash
# xship compress against the system tools: every output is accepted by gzip -t / zstd -t
# and decompresses to the input; the gzip header is fixed; the bytes are the same across
# runs and thread counts; the digest cache holds the outputs' real MD5 and SHA-256.
source "$(dirname "$0")/lib.sh"
use_compress
D=$TMP/in
mkdir -p "$D"
: >"$D/empty"
printf x >"$D/one"
make_random "$D/random" $((1 << 20))
make_text "$D/text" $((8 << 20))
# 100 MiB: random and text stretches, so both code paths of the block splitter run.
{ for _ in 1 2 3 4 5; do head -c $((10 << 20)) /dev/urandom; text_stream 'lorem ipsum dolor sit amet' | head -c $((10 << 20)); done; } >"$D/big"
names=(empty one random text big)

for fmt in gz zst; do
  for n in "${names[@]}"; do
    cp "$D/$n" "$TMP/$n"
    rc=$(rc_of xs compress --format "$fmt" "$TMP/$n")
    [[ $rc == 0 ]] || fail "$fmt $n: exit $rc: $(cat "$TMP/err")"
    [[ ! -e $TMP/$n ]] || fail "$fmt $n: the input was not removed"
    out=$TMP/$n.$fmt
    if [[ $fmt == gz ]]; then
      gzip -t "$out" || fail "gzip -t rejects $n.gz"
      gzip -dc "$out" | cmp -s - "$D/$n" || fail "gzip -d of $n.gz differs from the input"
    else
      zstd -q -t "$out" || fail "zstd -t rejects $n.zst"
      zstd -q -dc "$out" | cmp -s - "$D/$n" || fail "zstd -d of $n.zst differs from the input"
    fi
    ok "$fmt $n: $(stat -c %s "$D/$n") -> $(stat -c %s "$out") bytes, system tool round trip"
    # What publish will trust: the cache's digests are the file's.
    key=$(realpath "$out")
    assert_eq "$(jq -r --arg k "$key" '.files[$k].sha256' "$XSHIP_DIGEST_CACHE")" "$(sha256_of "$out")" "$fmt $n: cached sha256"
    assert_eq "$(jq -r --arg k "$key" '.files[$k].md5' "$XSHIP_DIGEST_CACHE")" "$(md5_of "$out")" "$fmt $n: cached md5"
    assert_eq "$(jq -r --arg k "$key" '.files[$k].size' "$XSHIP_DIGEST_CACHE")" "$(stat -c %s "$out")" "$fmt $n: cached size"
  done
done

# Header fields: magic, CM=8, FLG=0 (no name), MTIME=0, XFL=0 at level 6, OS=3.
assert_eq "$(head -c 10 "$TMP/random.gz" | od -An -tx1 | tr -d ' \n')" "1f8b0800000000000003" "gzip header (bytes 0-9)"
assert_eq "$(xs compress --level 9 --keep --force "$D/one" >/dev/null && head -c 10 "$D/one.gz" | od -An -tx1 | tr -d ' \n')" \
  "1f8b0800000000000203" "gzip header at level 9 (XFL=2)"
rm -f "$D/one.gz"
# zstd frame: content size and checksum present (zstd -lv reads them from the header).
zstd -lv "$TMP/big.zst" >"$TMP/zinfo" 2>&1
grep -Eq 'Check: XXH64' "$TMP/zinfo" || fail "no XXH64 checksum in big.zst: $(cat "$TMP/zinfo")"
grep -Eq "Decompressed Size: .*\\($((100 << 20)) B\\)" "$TMP/zinfo" || fail "no content size in big.zst: $(cat "$TMP/zinfo")"
ok "zstd frame has content size and checksum"

# Same bytes across runs and thread counts (and equal to the first pass above).
for fmt in gz zst; do
  for n in text big; do
    want=$(sha256_of "$TMP/$n.$fmt")
    for threads in 1 2 2; do
      rc=$(rc_of xs compress --format "$fmt" --threads "$threads" --keep --force -- "$D/$n")
      [[ $rc == 0 ]] || fail "$fmt $n threads $threads: $(cat "$TMP/err")"
      assert_eq "$(sha256_of "$D/$n.$fmt")" "$want" "$fmt $n --threads $threads: identical bytes"
    done
    rm -f "$D/$n.$fmt"
  done
done

# gzip output within 2% of gzip -6's on a real program (xship itself). Independent 1 MiB
# blocks cost a little on programs; on thousand-fold repetitive text they cost more.
cp "$XSHIP_BIN" "$TMP/prog"
rc=$(rc_of xs compress --keep "$TMP/prog")
[[ $rc == 0 ]] || fail "prog: $(cat "$TMP/err")"
ours=$(stat -c %s "$TMP/prog.gz")
theirs=$(gzip -6 -n -c "$TMP/prog" | wc -c)
((ours * 100 <= theirs * 102)) || fail "prog.gz is $ours bytes, gzip -6 makes $theirs"
ok "gz size on a program: $ours bytes, gzip -6 $theirs"

# --verify decompresses and compares before keeping the output.
rc=$(rc_of xs compress --format zst --verify --keep "$D/random")
[[ $rc == 0 && -s $D/random.zst ]] || fail "--verify: exit $rc: $(cat "$TMP/err")"
ok "--verify accepts a good output"
# Several files in one call, and no temporary files anywhere.
cp "$D/one" "$TMP/m1"; cp "$D/text" "$TMP/m2"
rc=$(rc_of xs compress "$TMP/m1" "$TMP/m2")
[[ $rc == 0 && -e $TMP/m1.gz && -e $TMP/m2.gz ]] || fail "two files: exit $rc: $(cat "$TMP/err")"
assert_eq "$(find "$TMP" "$D" -name '.*xship-*' | wc -l)" 0 "no temporary files left"
