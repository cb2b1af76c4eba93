#!/usr/bin/env bash
# Publishing through every credential source that nothing exports: an assume-role profile
# (STS AssumeRole answered by RGW itself), credential_process, a web identity token file
# and GitHub Actions' OIDC token (a loopback STS stand-in), a container endpoint and EC2
# instance metadata (loopback stand-ins). Each hands out temporary keys RGW issued, so each
# publish is checked by a real server; the AWS CLI reads the same settings and must agree.
# `xship credentials` and `publish --check` name the source and never a secret, nor does
# --debug. No packet leaves loopback: instance metadata is disabled, or pointed at the
# stand-in, in every run.
source "$(dirname "$0")/lib.sh"
use_rig

# A rig of our own with STS on (the shared one must keep accepting tokens it did not
# issue). XSHIP_STS_RIG_ENV reuses one already running.
if [[ -z ${XSHIP_STS_RIG_ENV:-} ]]; then
  RIG=$TMP/stsrig
  XSHIP_RIG_STS=1 bash "$XSHIP_SOURCE_DIR/tests/rig/s3rig.sh" start "$RIG" >"$TMP/rig.log" 2>&1 ||
    fail "the STS rig did not start: $(tail -n 3 "$TMP/rig.log")"
  XSHIP_STS_RIG_ENV=$RIG/env
fi
# shellcheck disable=SC1090
source "$XSHIP_STS_RIG_ENV"
ENDPOINT=$XSHIP_TEST_ENDPOINT
export AWS_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY

FAKES=$TMP/fakes; mkdir -p "$FAKES"
printf %s "pod-identity-token-$RANDOM$RANDOM" >"$FAKES/container-token"
python3 "$(dirname "$0")/credfakes.py" "$FAKES" "$ENDPOINT" "$XSHIP_TEST_ACCESS_KEY" "$XSHIP_TEST_SECRET_KEY" \
  "$XSHIP_TEST_ROLE_ARN" 2>"$TMP/fakes.err" &
FAKES_PID=$!
cleanup() {
  kill "$FAKES_PID" 2>/dev/null || true
  [[ -z ${RIG:-} ]] || bash "$XSHIP_SOURCE_DIR/tests/rig/s3rig.sh" stop "$RIG" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 100); do [[ -s $FAKES/port ]] && break; sleep 0.05; done
[[ -s $FAKES/port ]] || fail "the stand-ins did not start: $(cat "$TMP/fakes.err")"
FAKE=http://127.0.0.1:$(cat "$FAKES/port")
JWT=$(sed -n 's/^JWT = "\(.*\)"$/\1/p' "$(dirname "$0")/credfakes.py")
GH_REQUEST_TOKEN=$(sed -n 's/^GITHUB_REQUEST_TOKEN = "\(.*\)"$/\1/p' "$(dirname "$0")/credfakes.py")
printf %s "$JWT" >"$FAKES/jwt"  # as Kubernetes writes it: botocore sends the file as is

D=$TMP/in; mkdir -p "$D"; head -c 70000 /dev/urandom >"$D/app.bin"; echo "notes" >"$D/notes.txt"
H=$TMP/home
role_profiles xship-it
cat >>"$H/.aws/config" <<EOF
[profile proc]
credential_process = python3 "$TMP/cred process.py" --profile proc
[profile broken]
credential_process = python3 "$TMP/cred process.py" --fail
EOF
cat >"$TMP/cred process.py" <<EOF
import json, sys
print("cred-process: fetching for " + " ".join(sys.argv[1:]), file=sys.stderr)
if sys.argv[1] == "--fail":
    sys.exit(5)
print(json.dumps({"Version": 1, "AccessKeyId": "$XSHIP_TEST_ACCESS_KEY", "SecretAccessKey": "$XSHIP_TEST_SECRET_KEY"}))
EOF

# The secrets no output may show: the rig's secret, the stand-ins' tokens, and every
# temporary secret and session token RGW issued through them.
no_secret_in() {
  local f s
  for f in "$@"; do
    while IFS= read -r s; do
      [[ -z $s ]] || ! grep -qF -- "$s" "$f" || fail "a secret appears in $f"
    done < <(printf '%s\n' "$XSHIP_TEST_SECRET_KEY" "$JWT" "$GH_REQUEST_TOKEN" "$(cat "$FAKES/container-token")" \
               imds-session-token-0123456789; cat "$FAKES/issued" 2>/dev/null || true)
  done
}
# publish NAME ENV... : publishes $D under NAME with --debug, checks the objects' MD5s
# against the files with the AWS CLI (the rig's own keys), and that no secret was printed.
publish_via() {
  local name=$1; shift
  bare env "$@" "$XSHIP_BIN" publish --debug --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/$name" "$D" \
    >"$TMP/$name.out" 2>"$TMP/$name.err" || fail "publish via $name: $(grep -v '^debug:' "$TMP/$name.err" | tail -n 2)"
  assert_eq "$(etag_of "$PREFIX/$name/app.bin")" "$(md5_of "$D/app.bin")" "published via $name"
  no_secret_in "$TMP/$name.out" "$TMP/$name.err"
  ok "no secret in --debug output via $name"
}
# aws_sees NAME ENV...: the AWS CLI, given the same settings, lists what xship published.
aws_sees() {
  local name=$1; shift
  bare env "$@" aws --endpoint-url "$ENDPOINT" s3 ls "s3://$BUCKET/$PREFIX/$name/" >"$TMP/aws-$name.out" 2>"$TMP/aws-$name.err" &&
    grep -q app.bin "$TMP/aws-$name.out"
}
# credentials_via NAME WANT_SOURCE ENV...: `xship credentials` names the source.
credentials_via() {
  local name=$1 want=$2; shift 2
  bare env "$@" "$XSHIP_BIN" credentials --endpoint "$ENDPOINT" >"$TMP/c-$name.out" 2>"$TMP/c-$name.err" ||
    fail "xship credentials via $name: $(tail -n 1 "$TMP/c-$name.err")"
  assert_match "$(sed -n 's/^source  *//p' "$TMP/c-$name.out")" "$want" "xship credentials names the source ($name)"
  assert_match "$(sed -n 's/^expires  *//p' "$TMP/c-$name.out")" '^20[0-9-]+T[0-9:]+Z \(in 1[0-5] min' "expiry shown ($name)"
  no_secret_in "$TMP/c-$name.out" "$TMP/c-$name.err"
}

# 1. role_arn + source_profile: STS AssumeRole signed with the base keys, answered by RGW.
publish_via role AWS_PROFILE=role
credentials_via role "^AssumeRole $XSHIP_TEST_ROLE_ARN \(profile 'role'\)$" AWS_PROFILE=role
aws_sees role AWS_PROFILE=role || fail "the AWS CLI could not use the same role profile"
ok "the AWS CLI assumes the same role from the same profile"

# 2. credential_process: run without a shell (a path with a space, quoted), its stderr
# passed through; a failing one is exit 4 naming the profile.
publish_via proc AWS_PROFILE=proc
grep -q "cred-process: fetching for --profile proc" "$TMP/proc.err" || fail "credential_process's stderr was not passed through"
ok "credential_process's stderr reaches the user"
rc=$(rc_of bare env AWS_PROFILE=broken "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/broken" "$D")
assert_eq "$rc" 4 "a failing credential_process exits 4"
assert_match "$(tail -n 1 "$TMP/err")" "credential_process of profile 'broken' failed \(exit code 5\)" "the failure names the profile"
aws_sees proc AWS_PROFILE=proc || fail "the AWS CLI could not use the same credential_process"
ok "the AWS CLI runs the same credential_process"

# 3. Web identity from a token file, then from GitHub Actions' token service.
STS_FAKE=(AWS_ENDPOINT_URL_STS="$FAKE" AWS_ROLE_ARN="$XSHIP_TEST_ROLE_ARN")
publish_via webfile "${STS_FAKE[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$FAKES/jwt" AWS_ROLE_SESSION_NAME=web-it
credentials_via webfile "^AssumeRoleWithWebIdentity $XSHIP_TEST_ROLE_ARN \(AWS_WEB_IDENTITY_TOKEN_FILE\)$" \
  "${STS_FAKE[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$FAKES/jwt"
grep -q "action=AssumeRoleWithWebIdentity session=web-it" "$FAKES/requests.log" || fail "no AssumeRoleWithWebIdentity seen"
aws_sees webfile "${STS_FAKE[@]}" AWS_WEB_IDENTITY_TOKEN_FILE="$FAKES/jwt" || fail "the AWS CLI could not use the same token file"
ok "the AWS CLI exchanges the same web identity token"

GH=(ACTIONS_ID_TOKEN_REQUEST_URL="$FAKE/github/token?api-version=2.0" ACTIONS_ID_TOKEN_REQUEST_TOKEN="$GH_REQUEST_TOKEN")
publish_via github "${STS_FAKE[@]}" "${GH[@]}"
grep -q "^GET /github/token.* authorization=set audience=sts.amazonaws.com" "$FAKES/requests.log" ||
  fail "the GitHub token was not asked for with the default audience"
ok "GitHub OIDC token asked for with audience sts.amazonaws.com"
bare env "${STS_FAKE[@]}" "${GH[@]}" "$XSHIP_BIN" credentials --endpoint "$ENDPOINT" --oidc-audience my-aud >/dev/null ||
  fail "--oidc-audience run failed"
grep -q "audience=my-aud" "$FAKES/requests.log" || fail "--oidc-audience not sent"
ok "--oidc-audience is sent"
rc=$(rc_of bare env "${STS_FAKE[@]}" ACTIONS_ID_TOKEN_REQUEST_URL="$FAKE/github/token" ACTIONS_ID_TOKEN_REQUEST_TOKEN=wrong-token \
  "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/gh-bad" "$D")
assert_eq "$rc" 4 "a refused GitHub token request exits 4"
assert_match "$(tail -n 1 "$TMP/err")" "id-token: write" "and says which permission the job needs"

# 4. A container endpoint (EKS pod identity: the token read from a file).
CTR=(AWS_CONTAINER_CREDENTIALS_FULL_URI="$FAKE/container/credentials" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$FAKES/container-token")
publish_via container "${CTR[@]}"
credentials_via container '^container credentials \(AWS_CONTAINER_CREDENTIALS_FULL_URI\)$' "${CTR[@]}"
aws_sees container "${CTR[@]}" || fail "the AWS CLI could not use the same container endpoint"
ok "the AWS CLI reads the same container endpoint"

# 5. EC2 instance metadata, IMDSv2 only, at the stand-in (never 169.254.169.254).
IMDS=(AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$FAKE/")
publish_via imds "${IMDS[@]}"
credentials_via imds "^EC2 instance metadata at $FAKE \(IMDSv2, role xship-publisher\)$" "${IMDS[@]}"
grep -q "^PUT /latest/api/token x-aws-ec2-metadata-token-ttl-seconds=set" "$FAKES/requests.log" || fail "no IMDSv2 token PUT"
! grep -q "security-credentials.* x-aws-ec2-metadata-token=-" "$FAKES/requests.log" || fail "an IMDS request without the token"
ok "IMDSv2: a token first, then every request carries it"
aws_sees imds "${IMDS[@]}" || fail "the AWS CLI could not use the same instance metadata"
ok "the AWS CLI reads the same instance metadata"

# The secret checks above compared against every temporary key the stand-ins handed out.
(($(wc -l <"$FAKES/issued") >= 8)) || fail "the stand-ins issued fewer credentials than the runs above needed"
ok "secret checks covered $(($(wc -l <"$FAKES/issued") / 2)) sets of temporary credentials"

# 6. publish --check: the source and one signed request, before any build; nothing uploaded.
bare env AWS_PROFILE=role "$XSHIP_BIN" publish --check --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/checked" \
  >"$TMP/check.out" 2>"$TMP/check.err" || fail "publish --check failed: $(tail -n 1 "$TMP/check.err")"
grep -q "^reachable   s3://$BUCKET/$PREFIX/checked" "$TMP/check.out" || fail "--check did not report the destination"
grep -q "^source      AssumeRole" "$TMP/check.out" || fail "--check did not name the source"
assert_eq "$(awsx s3 ls "s3://$BUCKET/$PREFIX/checked/" | wc -l)" 0 "--check uploads nothing"
no_secret_in "$TMP/check.out" "$TMP/check.err"
rc=$(rc_of bare env AWS_ACCESS_KEY_ID="$XSHIP_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY=wrong-secret-0123456789 \
  "$XSHIP_BIN" publish --check --retries 0 --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/checked")
assert_eq "$rc" 4 "--check with a wrong secret exits 4"
rc=$(rc_of bare "$XSHIP_BIN" publish --check --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/checked")
assert_eq "$rc" 4 "--check without credentials exits 4"
assert_match "$(tail -n 1 "$TMP/err")" "tried .*credential_process.*AWS_WEB_IDENTITY_TOKEN_FILE.*AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.*EC2 instance metadata \(disabled" \
  "and lists the sources tried, in order"
rc=$(rc_of bare env AWS_PROFILE=role "$XSHIP_BIN" publish --check --retries 0 --endpoint "$ENDPOINT" --to "s3://no-such-bucket-$RANDOM/x")
[[ $rc != 0 ]] || fail "--check of a missing bucket succeeded"
assert_match "$(tail -n 1 "$TMP/err")" "NoSuchBucket|no-such-bucket" "--check of a missing bucket names it (exit $rc)"
