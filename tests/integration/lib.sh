# Shared by the integration tests: the rig's address and keys, xship and the AWS CLI
# pointed at it, a fresh prefix per test, and small assertions.
set -euo pipefail
: "${XSHIP_BIN:?run through ctest}" "${XSHIP_RIG_ENV:?run through ctest}"
# shellcheck disable=SC1090
source "$XSHIP_RIG_ENV"
export AWS_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY
export AWS_DEFAULT_REGION=$XSHIP_TEST_REGION AWS_MAX_ATTEMPTS=1 AWS_PAGER=
unset AWS_CA_BUNDLE AWS_SESSION_TOKEN AWS_PROFILE ARTIFACTS_KEY ARTIFACTS_SECRET ARTIFACTS_BUCKET AWS_ENDPOINT_URL
# No credential chain may reach the metadata addresses or AWS's STS: the machines forbid it.
unset AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE ACTIONS_ID_TOKEN_REQUEST_URL ACTIONS_ID_TOKEN_REQUEST_TOKEN \
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_EC2_METADATA_SERVICE_ENDPOINT
export AWS_EC2_METADATA_DISABLED=true
BUCKET=$XSHIP_TEST_BUCKET
ENDPOINT=$XSHIP_TEST_ENDPOINT
TMP=${XSHIP_TEST_TMP:-$(mktemp -d)}
rm -rf "$TMP" && mkdir -p "$TMP"
PREFIX="it/$(basename "$0" .sh)-$$-$RANDOM"

xs() { "$XSHIP_BIN" "$@"; }
awsx() { aws --endpoint-url "$ENDPOINT" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
assert_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; ok "$3"; }
assert_match() { [[ "$1" =~ $2 ]] || fail "$3: '$1' does not match /$2/"; ok "$3"; }
md5_of() { md5sum "$1" | cut -d' ' -f1; }
# The ETag S3 reports for a key, unquoted (or empty when absent).
etag_of() { awsx s3api head-object --bucket "$BUCKET" --key "$1" --query ETag --output text 2>/dev/null | tr -d '"' || true; }
# Exit code of a command without tripping set -e.
rc_of() { local rc=0; "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?; echo "$rc"; }
multipart_etag() {  # FILE PART_SIZE -> the multipart ETag S3 should compute
  python3 - "$1" "$2" <<'PY'
import hashlib, sys
path, part = sys.argv[1], int(sys.argv[2])
digests = []
with open(path, 'rb') as f:
    while chunk := f.read(part):
        digests.append(hashlib.md5(chunk).digest())
print(hashlib.md5(b''.join(digests)).hexdigest() + f"-{len(digests)}")
PY
}
uploads_left() {  # PREFIX -> number of multipart uploads still open under it
  awsx s3api list-multipart-uploads --bucket "$BUCKET" --prefix "$1" --query 'length(Uploads || `[]`)' --output text
}
# A fault proxy in front of the rig; sets PROXY_URL and PROXY_LOG. Args: fault options.
start_proxy() {
  local upstream=${ENDPOINT#http://}
  PROXY_LOG=$TMP/proxy.log
  python3 "$XSHIP_FAULTPROXY" --upstream "$upstream" --port-file "$TMP/proxy.port" --log "$PROXY_LOG" "$@" 2>"$TMP/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 100); do [[ -s $TMP/proxy.port ]] && break; sleep 0.05; done
  [[ -s $TMP/proxy.port ]] || fail "fault proxy did not start: $(cat "$TMP/proxy.err")"
  PROXY_URL="http://127.0.0.1:$(cat "$TMP/proxy.port")"
  trap 'kill $PROXY_PID 2>/dev/null || true' EXIT
}
stop_proxy() { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; rm -f "$TMP/proxy.port"; }
faults_in_log() { grep -c "\"fault\": \"$1\"" "$PROXY_LOG" || true; }
# For the STS rig's tests: a HOME ($H) whose AWS files hold profile "base" (the rig's keys)
# and profile "role" (assuming the rig's role through base, 15-minute keys). Arg: the
# role session name. A caller appends more profiles to $H/.aws/config.
role_profiles() {
  mkdir -p "$H/.aws"
  printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$XSHIP_TEST_ACCESS_KEY" "$XSHIP_TEST_SECRET_KEY" >"$H/.aws/credentials"
  printf '[profile role]\nrole_arn = %s\nsource_profile = base\nrole_session_name = %s\nduration_seconds = 900\n' \
    "$XSHIP_TEST_ROLE_ARN" "$1" >"$H/.aws/config"
}
# Runs a command with no keys in the environment, the test HOME, instance metadata off.
bare() {
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE HOME="$H" \
    AWS_CONFIG_FILE="$H/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$H/.aws/credentials" AWS_EC2_METADATA_DISABLED=true \
    AWS_ENDPOINT_URL_STS="$ENDPOINT" "$@"
}
