#!/usr/bin/env bash
# TLS against the rig's https endpoint (a self-signed certificate): refused by default with
# a one-line message naming --ca-bundle, trusted with --ca-bundle, skipped with --insecure
# (which warns). Each object that goes up is checked with the AWS CLI over https too.
source "$(dirname "$0")/lib.sh"
use_rig
: "${XSHIP_TEST_HTTPS_ENDPOINT:?the rig writes no https endpoint}" "${XSHIP_TEST_CA_FILE:?the rig writes no CA file}"
HTTPS=$XSHIP_TEST_HTTPS_ENDPOINT CA=$XSHIP_TEST_CA_FILE
# This machine points these at the system bundle; none may decide the outcome here.
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE
awss() { aws --endpoint-url "$HTTPS" --ca-bundle "$CA" "$@"; }
head -c 4096 /dev/urandom >"$TMP/a.bin"
MD5=$(md5_of "$TMP/a.bin")

# Default: the system trust store does not know the rig's certificate.
rc=$(rc_of xs publish --endpoint "$HTTPS" --to "s3://$BUCKET/$PREFIX/default" "$TMP/a.bin")
assert_eq "$rc" 1 "self-signed certificate refused by default (exit 1)"
assert_eq "$(wc -l <"$TMP/err")" 1 "one-line message"
assert_match "$(cat "$TMP/err")" '^xship: error: .*TLS failure: .*self.signed certificate.*--ca-bundle' "message names the cause and --ca-bundle"
[[ $(cat "$TMP/err") != *"attempts"* ]] || fail "a TLS failure was retried: $(cat "$TMP/err")"
ok "not retried"
assert_eq "$(etag_of "$PREFIX/default/a.bin")" "" "nothing uploaded"

# A bundle without the rig's CA (the system one) is refused the same way.
rc=$(rc_of xs publish --endpoint "$HTTPS" --ca-bundle /etc/ssl/certs/ca-certificates.crt --to "s3://$BUCKET/$PREFIX/sys" "$TMP/a.bin")
assert_eq "$rc" 1 "refused with a bundle that lacks the rig's CA"

# --ca-bundle: verified and uploaded; no warning.
rc=$(rc_of xs publish --endpoint "$HTTPS" --ca-bundle "$CA" --to "s3://$BUCKET/$PREFIX/ca" "$TMP/a.bin")
assert_eq "$rc" 0 "accepted with --ca-bundle (stderr: $(cat "$TMP/err"))"
[[ $(cat "$TMP/err") != *warning* ]] || fail "--ca-bundle printed a warning: $(cat "$TMP/err")"
assert_eq "$(awss s3api head-object --bucket "$BUCKET" --key "$PREFIX/ca/a.bin" --query ETag --output text | tr -d '"')" \
  "$MD5" "object verified over https by the AWS CLI (ETag = MD5)"
rc=$(rc_of xs fetch --endpoint "$HTTPS" --ca-bundle "$CA" "s3://$BUCKET/$PREFIX/ca/a.bin" "$TMP/back.bin")
assert_eq "$rc" 0 "fetch over https with --ca-bundle (stderr: $(cat "$TMP/err"))"
cmp -s "$TMP/a.bin" "$TMP/back.bin" || fail "fetched bytes differ"
ok "fetched bytes identical"

# --insecure: works, and says once, on stderr, that nothing is verified.
rc=$(rc_of xs publish --endpoint "$HTTPS" --insecure --to "s3://$BUCKET/$PREFIX/insecure" "$TMP/a.bin")
assert_eq "$rc" 0 "accepted with --insecure (stderr: $(cat "$TMP/err"))"
assert_eq "$(grep -c '^xship: warning: --insecure: TLS certificates are not verified' "$TMP/err")" 1 "--insecure warns once"
! grep -q "warning" "$TMP/out" || fail "the warning went to stdout"
assert_eq "$(awss s3api head-object --bucket "$BUCKET" --key "$PREFIX/insecure/a.bin" --query ETag --output text | tr -d '"')" \
  "$MD5" "--insecure object verified by the AWS CLI"
