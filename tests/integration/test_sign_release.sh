#!/usr/bin/env bash
# Signed releases against the real minisign: keys from either tool work in both, a release
# published with --sign-key verifies with `minisign -Vm`, xship accepts what minisign -S
# signed, every tampering is exit 3 with nothing written, and no secret reaches any output.
source "$(dirname "$0")/lib.sh"
use_rig
command -v minisign >/dev/null || fail "minisign (Debian package minisign) is needed for this test"
E=(--endpoint "$ENDPOINT")
PW="pw-$RANDOM-correct-horse"
K=$TMP/keys; mkdir -p "$K"
D=$TMP/dist; mkdir -p "$D/docs"
head -c 70000 /dev/urandom > "$D/hello.linux.amd64"
echo "read me" > "$D/docs/README.txt"
unset XSHIP_SIGNING_KEY XSHIP_SIGNING_PASSWORD

# Flags that cannot work together stop before any request (exit 2).
assert_eq "$(rc_of xs publish "${E[@]}" --to "s3://$BUCKET/$PREFIX" --no-manifest --sign-key "$K/none.key" "$D")" 2 "--sign-key with --no-manifest exits 2"
assert_eq "$(rc_of xs fetch "${E[@]}" --verify-key "$K/none.pub" "s3://$BUCKET/$PREFIX/x")" 2 "--verify-key without --manifest exits 2"
assert_eq "$(rc_of xs fetch "${E[@]}" --manifest "s3://$BUCKET/$PREFIX/manifest.json" "$TMP/no" --verify-key "not-a-key")" 2 "a --verify-key that is no key exits 2"

# Keys: xship keygen writes minisign's formats (minisign signs with it); minisign -G -W
# writes one xship signs with.
assert_eq "$(rc_of xs keygen -s "$K/x.key" -p "$K/x.pub")" 2 "keygen without a password or --unencrypted exits 2"
XSHIP_SIGNING_PASSWORD=$PW xs keygen -s "$K/x.key" -p "$K/x.pub" > "$TMP/keygen.out"
assert_eq "$(stat -c %a "$K/x.key")" 600 "the secret key file is mode 0600"
assert_eq "$(rc_of env XSHIP_SIGNING_PASSWORD=$PW "$XSHIP_BIN" keygen -s "$K/x.key" -p "$K/x.pub")" 2 "keygen never replaces a key without --force"
echo "signed by minisign" > "$TMP/note"
printf '%s\n' "$PW" | minisign -S -s "$K/x.key" -m "$TMP/note" > /dev/null
minisign -Vm "$TMP/note" -p "$K/x.pub" > /dev/null || fail "minisign rejects what it signed with xship's key"
ok "minisign signs with a key xship keygen made"
minisign -G -W -p "$K/m.pub" -s "$K/m.key" > /dev/null

# A signed release: minisign verifies what xship signed, with only the public key.
R="s3://$BUCKET/$PREFIX"
XSHIP_SIGNING_PASSWORD=$PW xs publish "${E[@]}" --debug --to "$R" --sign-key "$K/x.key" "$D" > "$TMP/pub.out" 2> "$TMP/pub.err"
G=$TMP/got; mkdir -p "$G"
for f in SHA256SUMS SHA256SUMS.minisig manifest.json manifest.json.minisig; do
  awsx s3 cp --only-show-errors "$R/$f" "$G/$f"
done
minisign -Vm "$G/SHA256SUMS" -p "$K/x.pub" > "$TMP/v.out" || fail "minisign -Vm SHA256SUMS rejects xship's signature"
ok "minisign -Vm SHA256SUMS -p KEY.pub verifies the published list"
grep -q "Trusted comment: file:SHA256SUMS" "$TMP/v.out" || fail "trusted comment: $(cat "$TMP/v.out")"
minisign -Vm "$G/manifest.json" -p "$K/x.pub" > /dev/null || fail "minisign rejects the manifest's signature"
ok "minisign verifies manifest.json too"
(cd "$G" && awsx s3 cp --only-show-errors "$R/hello.linux.amd64" . && sha256sum -c --ignore-missing --quiet SHA256SUMS) ||
  fail "sha256sum -c of a download against the signed list"
ok "a stranger's check: minisign, then sha256sum -c"

# Provenance: an independent check (Python's cryptography and jsonschema) of the DSSE
# signature, the in-toto and SLSA v1 schemas (tests/data/provenance), and the subjects
# against SHA256SUMS.
awsx s3 cp --only-show-errors "$R/provenance.intoto.json" "$G/provenance.intoto.json"
python3 "$XSHIP_SOURCE_DIR/tests/data/provenance/check_provenance.py" "$G/provenance.intoto.json" "$K/x.pub" "$G/SHA256SUMS" > "$TMP/prov.out" ||
  fail "the provenance does not pass the independent check"
grep -q '"linux/amd64": "gcc' "$TMP/prov.out" || fail "no compiler recorded for linux/amd64: $(cat "$TMP/prov.out")"
! python3 "$XSHIP_SOURCE_DIR/tests/data/provenance/check_provenance.py" "$G/provenance.intoto.json" "$K/m.pub" "$G/SHA256SUMS" 2> /dev/null ||
  fail "the provenance check accepts another key"
ok "provenance: DSSE signature, in-toto and SLSA v1 schemas, subjects = SHA256SUMS"

# Secrets: neither the password nor the key's base64 appears in any output, even --debug,
# nor in the state files xship keeps.
KEYLINE=$(sed -n 2p "$K/x.key")
for f in "$TMP/pub.out" "$TMP/pub.err" "$TMP/keygen.out"; do
  ! grep -qF -e "$PW" -e "${KEYLINE:20:24}" "$f" || fail "a secret in $f"
done
! grep -rqF -e "$PW" -e "${KEYLINE:20:24}" .xship 2>/dev/null || fail "a secret in the state directory"
ok "no secret in output, --debug or state files"
assert_eq "$(rc_of env XSHIP_SIGNING_PASSWORD=wrong-$PW "$XSHIP_BIN" publish "${E[@]}" --debug --to "$R" --sign-key "$K/x.key" "$D")" 4 "a wrong password exits 4"
! grep -qF -e "$PW" -e "${KEYLINE:20:24}" "$TMP/out" "$TMP/err" || fail "a secret in the error output"
grep -q "XSHIP_SIGNING_PASSWORD" "$TMP/err" || fail "the error does not name the fix: $(cat "$TMP/err")"
ok "the wrong-password error names the variable, not the secret"

# fetch --verify-key: a key file or its base64 line.
xs fetch "${E[@]}" --manifest "$R/manifest.json" "$TMP/rel" --verify-key "$K/x.pub" > /dev/null
cmp "$D/hello.linux.amd64" "$TMP/rel/hello.linux.amd64" || fail "fetched program differs"
ok "fetch --verify-key KEY.pub"
xs fetch "${E[@]}" --manifest "$R/manifest.json" "$TMP/rel2" --verify-key "$(sed -n 2p "$K/x.pub")" > /dev/null
ok "fetch --verify-key with the key string"

# A second publish with the same key: the signatures are the same bytes, skipped.
before=$(etag_of "$PREFIX/SHA256SUMS.minisig")
XSHIP_SIGNING_KEY=$(cat "$K/x.key") XSHIP_SIGNING_PASSWORD=$PW xs publish "${E[@]}" --to "$R" "$D" > "$TMP/again.out"
assert_eq "$(etag_of "$PREFIX/SHA256SUMS.minisig")" "$before" "an unchanged release signs to the same bytes (XSHIP_SIGNING_KEY)"

# Tampering: each is exit 3, and DIR is not even created.
# Each case spoils one file; only that one is put back (an AWS CLI call costs a second or two).
put_back() { awsx s3 cp --only-show-errors "$G/$1" "$R/$1"; }
expect_refused() {  # WHAT FILE
  rm -rf "$TMP/t"
  assert_eq "$(rc_of xs fetch "${E[@]}" --manifest "$R/manifest.json" "$TMP/t" --verify-key "$K/x.pub")" 3 "$1: exit 3"
  [[ ! -e $TMP/t ]] || fail "$1: something was written to DIR"
  put_back "$2"
}
flip_byte() {  # FILE OFFSET -> a copy with that byte changed, uploaded over the original
  python3 - "$G/$1" "$2" "$TMP/flipped" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[int(sys.argv[2])] ^= 1
open(sys.argv[3], 'wb').write(b)
PY
  awsx s3 cp --only-show-errors "$TMP/flipped" "$R/$1"
}
flip_byte SHA256SUMS 5; expect_refused "one byte of SHA256SUMS" SHA256SUMS
flip_byte SHA256SUMS.minisig 60; expect_refused "one byte of the signature" SHA256SUMS.minisig
flip_byte manifest.json 40; expect_refused "one byte of the manifest" manifest.json
flip_byte provenance.intoto.json 100; expect_refused "one byte of the provenance" provenance.intoto.json
awsx s3 rm --only-show-errors "$R/SHA256SUMS.minisig"; expect_refused "a missing signature" SHA256SUMS.minisig
awsx s3 rm --only-show-errors "$R/manifest.json.minisig"; expect_refused "a missing manifest signature" manifest.json.minisig
minisign -S -s "$K/m.key" -m "$G/SHA256SUMS" -x "$TMP/other.minisig" > /dev/null
awsx s3 cp --only-show-errors "$TMP/other.minisig" "$R/SHA256SUMS.minisig"; expect_refused "a signature from another key" SHA256SUMS.minisig
rm -rf "$TMP/t"
assert_eq "$(rc_of xs fetch "${E[@]}" --manifest "$R/manifest.json" --target linux/amd64 --extract "$TMP/t" --verify-key "$K/m.pub")" 3 "--extract with the wrong key: exit 3"
[[ ! -e $TMP/t ]] || fail "--extract wrote into DIR before the signature check"

# xship accepts what minisign -S signed (both files, its default trusted comment); a release
# signed by hand has no provenance.
awsx s3 rm --only-show-errors "$R/provenance.intoto.json"
cp "$G/SHA256SUMS" "$G/manifest.json" "$TMP/"
minisign -S -s "$K/m.key" -m "$TMP/SHA256SUMS" "$TMP/manifest.json" > /dev/null
awsx s3 cp --only-show-errors "$TMP/SHA256SUMS.minisig" "$R/SHA256SUMS.minisig"
awsx s3 cp --only-show-errors "$TMP/manifest.json.minisig" "$R/manifest.json.minisig"
xs fetch "${E[@]}" --manifest "$R/manifest.json" "$TMP/by-minisign" --verify-key "$K/m.pub" > /dev/null
ok "fetch --verify-key accepts signatures minisign -S made"

# Matrix CI: jobs need no key (one set for every job is ignored); the merge signs once.
M="s3://$BUCKET/$PREFIX-matrix"
assert_eq "$(rc_of xs publish "${E[@]}" --to "$M" --job-manifest j1 --sign-key "$K/m.key" "$D")" 2 "--sign-key on a job exits 2"
XSHIP_SIGNING_KEY=$(cat "$K/m.key") xs publish "${E[@]}" --to "$M" --job-manifest j1 "$D" > /dev/null
[[ -z $(awsx s3 ls "$M/SHA256SUMS.minisig" || true) ]] || fail "a job signed"
XSHIP_SIGNING_KEY=$(cat "$K/m.key") xs publish "${E[@]}" --to "$M" --merge-manifests --commit any > /dev/null
awsx s3 cp --only-show-errors "$M/SHA256SUMS" "$TMP/msums"
awsx s3 cp --only-show-errors "$M/SHA256SUMS.minisig" "$TMP/msums.minisig"
minisign -Vm "$TMP/msums" -x "$TMP/msums.minisig" -p "$K/m.pub" > /dev/null || fail "minisign rejects the merged release's signature"
xs fetch "${E[@]}" --manifest "$M/manifest.json" "$TMP/merged" --verify-key "$K/m.pub" > /dev/null
ok "matrix CI: the merge step signs; minisign and fetch --verify-key accept it"
