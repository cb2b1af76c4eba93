#!/usr/bin/env bash
# Verified downloads: single and ranged, by manifest; damaged objects are refused and
# leave no file behind.
source "$(dirname "$0")/lib.sh"
use_rig
D=$TMP/in; mkdir -p "$D/nested"
head -c 5000 /dev/urandom > "$D/a.bin"
head -c $((40 * 1048576)) /dev/urandom > "$D/nested/big.bin"
xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX" "$D" > /dev/null

xs fetch --endpoint "$ENDPOINT" "s3://$BUCKET/$PREFIX/nested/big.bin" "$TMP/big.out" > "$TMP/o"
cmp "$D/nested/big.bin" "$TMP/big.out" || fail "ranged fetch differs"; ok "ranged parallel fetch of 40 MiB"
xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$PREFIX/manifest.json" "$TMP/rel" > "$TMP/o"
(cd "$TMP/rel" && sha256sum -c --quiet SHA256SUMS) || fail "sha256sum -c after fetch --manifest"
ok "fetch --manifest then sha256sum -c"
cmp "$D/a.bin" "$TMP/rel/a.bin" || fail "a.bin differs"

# Replace an object behind the manifest's back: fetch refuses it with exit 3, no file.
head -c 5000 /dev/urandom > "$TMP/evil"
awsx s3 cp --only-show-errors "$TMP/evil" "s3://$BUCKET/$PREFIX/a.bin"
rm -rf "$TMP/rel2"
assert_eq "$(rc_of xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$PREFIX/manifest.json" "$TMP/rel2")" 3 "a swapped object fails the manifest check"
[[ ! -e $TMP/rel2/a.bin ]] || fail "a damaged download was kept"
[[ -z $(find "$TMP/rel2" -name '*.xship-tmp-*' 2>/dev/null) ]] || fail "a temporary file was left"
ok "nothing half-written"
# Missing key: exit 2.
assert_eq "$(rc_of xs fetch --endpoint "$ENDPOINT" "s3://$BUCKET/$PREFIX/none" "$TMP/x")" 2 "missing object exits 2"
