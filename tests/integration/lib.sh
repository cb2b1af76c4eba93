# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables the sections set are read by the tests
# The integration tests' one library. Sourcing it gives every test the core: strict mode,
# xship ($XSHIP_BIN, checked), a fresh scratch directory $TMP, and the assertions. A test
# asks for more with one call each, right after sourcing:
#   use_rig      the S3 rig: BUCKET, ENDPOINT, PREFIX, its keys in the environment, awsx,
#                etag_of, the fault proxy, role profiles and bare
#   use_cross    the cross targets, example projects in git, running a target's program
#   use_compress the digest cache in $TMP, random and text inputs
#   use_hostile  (includes use_rig) the hostile S3 server, run_bounded, the box checks
#   use_real     (includes use_rig) real projects from the debsrc fixture, run as shipped
# `source lib.sh --no-xship` skips the XSHIP_BIN check, for scripts that test a fixture
# alone (tests/faultproxy/selftest.sh).
set -euo pipefail
[[ ${1:-} == --no-xship ]] || : "${XSHIP_BIN:?run through ctest, or set XSHIP_BIN to the xship binary}"
TMP=${XSHIP_TEST_TMP:-$(mktemp -d)}
rm -rf "$TMP" && mkdir -p "$TMP"
XSHIP_LIB_T0=${EPOCHREALTIME//[!0-9]/}

xs() { "$XSHIP_BIN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# Each step says how far into the test it ended.
ok() { echo "ok [$(( (${EPOCHREALTIME//[!0-9]/} - XSHIP_LIB_T0) / 1000 )) ms]: $*"; }
assert_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; ok "$3"; }
assert_match() { [[ "$1" =~ $2 ]] || fail "$3: '$1' does not match /$2/"; ok "$3"; }
assert_contains() { [[ "$1" == *"$2"* ]] || fail "$3: '$2' not in: $1"; ok "$3"; }
# Exit code of a command without tripping set -e; its output in $TMP/out and $TMP/err.
rc_of() { local rc=0; "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?; echo "$rc"; }
# xship's error: exactly one line on stderr starting "xship: error:".
one_line_error() {
  local errors
  errors=$(grep -c '^xship: error:' "$TMP/err" || true)
  [[ $errors == 1 ]] || fail "$1: expected one 'xship: error:' line, got $errors: $(cat "$TMP/err")"
  grep '^xship: error:' "$TMP/err"
}
md5_of() { md5sum "$1" | cut -d' ' -f1; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- use_rig: the S3 rig (tests/rig/s3rig.sh), xship and the AWS CLI pointed at it ----
use_rig() {
  : "${XSHIP_RIG_ENV:?run through ctest}"
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
  PREFIX="it/$(basename "$0" .sh)-$$-$RANDOM"
}
awsx() { aws --endpoint-url "$ENDPOINT" "$@"; }
# The ETag S3 reports for a key, unquoted (or empty when absent).
etag_of() { awsx s3api head-object --bucket "$BUCKET" --key "$1" --query ETag --output text 2>/dev/null | tr -d '"' || true; }
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

# ---- use_cross: cross builds, no rig ----
use_cross() {
  : "${XSHIP_SOURCE_DIR:?run through ctest}"
  # A wine prefix per test: two tests creating ~/.wine at once would race.
  export WINEPREFIX=$TMP/wine
  unset XSHIP_VERSION XSHIP_COMMIT SOURCE_DATE_EPOCH CPPFLAGS CFLAGS CXXFLAGS LDFLAGS
  # The eight targets this machine builds and runs, and the ninth it only builds.
  RUNNABLE=(linux/amd64 linux/arm64 linux/arm linux/386 linux/riscv64 linux/ppc64le linux/s390x windows/amd64)
  BUILD_ONLY=(windows/386)
  ALL_TARGETS=$(IFS=,; echo "${RUNNABLE[*]},${BUILD_ONLY[*]}")
}
# The status of one target in `xship build/test --json` output.
status_of() { jq -r --arg t "$2" '.[] | select(.target == $t) | .status' "$1"; }
# A copy of an example in its own git repository with a known tag, so the injected
# commit and version are predictable. Sets COMMIT.
make_project() {  # EXAMPLE DIR
  cp -r "$XSHIP_SOURCE_DIR/examples/$1" "$2"
  git -C "$2" init -q
  git -C "$2" add -A
  GIT_COMMITTER_DATE="2024-05-01T12:00:00Z" GIT_AUTHOR_DATE="2024-05-01T12:00:00Z" \
    git -C "$2" -c user.name=xship -c user.email=ci@xship.invalid commit -q -m "$1"
  git -C "$2" tag v1.2.3
  COMMIT=$(git -C "$2" rev-parse HEAD)
}
# Runs a collected program under the target's emulator, as `xship env` describes it.
run_target() {  # TARGET FILE
  (eval "$("$XSHIP_BIN" env "$1")" && eval "timeout 120 $XSHIP_EMULATOR \"\$2\"") | tr -d '\r'
}

# ---- use_compress: xship compress against the system gzip/zstd/tar/unzip, no rig ----
use_compress() {
  # Keep the digest cache of these runs out of the source tree.
  export XSHIP_DIGEST_CACHE=$TMP/digests.json
  unset SOURCE_DATE_EPOCH
}
# Inputs: random (incompressible) and text-like (highly compressible).
make_random() { head -c "$2" /dev/urandom >"$1"; }
# (yes dies of SIGPIPE when head has enough: not a failure under pipefail)
text_stream() { yes "${1:-the quick brown fox jumps over the lazy dog 0123456789}" || true; }
make_text() { text_stream "" | head -c "$2" >"$1"; }

# ---- use_hostile (includes use_rig): the hostile S3 fixture, a runner that bounds and
# measures each xship run, and the "nothing outside" check ----
use_hostile() {
  use_rig
  : "${XSHIP_SOURCE_DIR:?run through ctest}"
  HOSTILE=$XSHIP_SOURCE_DIR/tests/hostile/hostile_s3.py
  BOX=$TMP/box            # the only place xship runs and writes in; DEST is below it
  mkdir -p "$BOX/run"
  # What xship takes doing nothing (`xship version`): 4 MB, or about 90 MB under ASan. The
  # memory bounds of assert_run are on top of it.
  IDLE_MB=$(( $(/usr/bin/time -f %M "$XSHIP_BIN" version 2>&1 >/dev/null | tail -n 1) / 1024 ))
}

# start_hostile MODE [options]: sets HOSTILE_URL and HOSTILE_LOG; stopped on exit.
start_hostile() {
  HOSTILE_LOG=$TMP/hostile-$1.log
  rm -f "$TMP/hostile.port"
  python3 "$HOSTILE" --mode "$@" --port-file "$TMP/hostile.port" --log "$HOSTILE_LOG" 2>"$TMP/hostile.err" &
  HOSTILE_PID=$!
  for _ in $(seq 100); do [[ -s $TMP/hostile.port ]] && break; sleep 0.05; done
  [[ -s $TMP/hostile.port ]] || fail "hostile server did not start: $(cat "$TMP/hostile.err")"
  HOSTILE_URL="http://127.0.0.1:$(cat "$TMP/hostile.port")"
  trap 'kill $HOSTILE_PID 2>/dev/null || true' EXIT
}
stop_hostile() { kill "$HOSTILE_PID" 2>/dev/null || true; wait "$HOSTILE_PID" 2>/dev/null || true; }
# Requests the server saw, and the most body bytes it got out in one reply.
hostile_requests() { grep -c . "$HOSTILE_LOG" || true; }
hostile_max_sent() { jq -s 'map(.body_sent) | max // 0' "$HOSTILE_LOG"; }

# run_bounded LIMIT_S CMD...: runs CMD in $BOX/run, killed (with its process group) after
# LIMIT_S seconds. Sets RC, MS (wall time) and RSS_MB (peak, from /usr/bin/time -f %M);
# stdout and stderr land in $TMP/out and $TMP/err.
run_bounded() {
  local limit=$1; shift
  local t0; t0=$(date +%s%N)
  RC=0
  (cd "$BOX/run" && timeout -s KILL "$limit" /usr/bin/time -f %M -o "$TMP/rss" "$@" >"$TMP/out" 2>"$TMP/err") || RC=$?
  MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  RSS_MB=$(( $(tail -n 1 "$TMP/rss" 2>/dev/null | grep -Eo '^[0-9]+$' || echo 999999) / 1024 ))
  # /usr/bin/time reports a child killed by a signal as "Command terminated by signal N".
  grep -q 'terminated by signal' "$TMP/rss" 2>/dev/null && RC=$(( 128 + $(grep -Eo '[0-9]+' "$TMP/rss" | head -n 1) ))
  echo "measured: exit $RC in ${MS} ms, peak RSS ${RSS_MB} MB: $*" >&2
  return 0
}
# assert_run WANT_RC MAX_MS MAX_MB WHAT: MAX_MB above IDLE_MB. The time bounds catch hangs:
# 5 s where xship used to hang (or end only when killed), 30 s for runs that write and
# fsync files on a disk other jobs share.
assert_run() {
  [[ $RC == "$1" ]] || fail "$4: exit $RC, expected $1; stderr: $(head -c 2000 "$TMP/err")"
  (( MS <= $2 )) || fail "$4: took ${MS} ms, more than $2"
  (( RSS_MB - IDLE_MB <= $3 )) || fail "$4: peak RSS ${RSS_MB} MB, more than $3 MB above the ${IDLE_MB} MB of 'xship version'"
  ok "$4: exit $RC in ${MS} ms, ${RSS_MB} MB (idle ${IDLE_MB} MB)"
}
# The error is one line, holds no control character and matches PATTERN.
assert_one_clean_line() {
  [[ $(wc -l < "$TMP/err") == 1 ]] || fail "$2: stderr is not one line: $(cat -A "$TMP/err" | head -c 2000)"
  ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/err" || fail "$2: a control character reached stderr: $(cat -A "$TMP/err")"
  grep -Eq "$1" "$TMP/err" || fail "$2: stderr lacks /$1/: $(cat "$TMP/err")"
  ok "$2: '$(cat "$TMP/err")'"
}

# snapshot_box / assert_box_unchanged DEST: every file and link under $BOX other than
# those under DEST (and xship's own .xship/ state in the run directory) is as before.
box_listing() { (cd "$BOX" && find . -path "./${1#"$BOX"/}" -prune -o -path ./run/.xship -prune -o -printf '%p %y %s\n' | sort); }
snapshot_box() { box_listing "$1" > "$TMP/box.before"; }
assert_box_unchanged() {
  box_listing "$1" > "$TMP/box.after"
  diff "$TMP/box.before" "$TMP/box.after" >&2 || fail "$2: something was written outside ${1#"$BOX"/}"
  ok "$2: nothing written outside ${1#"$BOX"/}"
}
# ---- use_real (includes use_rig): real projects, the upstream sources of Debian packages
# (fetched once by the debsrc fixture, tests/debsrc/fetch.sh), and running shipped programs
# as a downloader would: from the unpacked release alone, under qemu with only the
# target's libc, under wine with a fresh prefix and no WINEPATH ----
use_real() {
  use_rig
  : "${XSHIP_DEBSRC:?run through ctest (the debsrc fixture)}" "${XSHIP_SOURCE_DIR:?run through ctest}"
  # A real release's targets: little- and big-endian Linux, and Windows.
  REAL_TARGETS="linux/amd64 linux/arm64 linux/s390x windows/amd64"
  # Make and xship read these; one wine prefix per test (two creating ~/.wine would race).
  export XSHIP_MK=$XSHIP_SOURCE_DIR/make-include/xship.mk WINEPREFIX=$TMP/wine
  unset XSHIP_TARGETS XSHIP_TO XSHIP_ENDPOINT XSHIP_FORMAT XSHIP_ARCHIVE MAKEFLAGS MFLAGS
}
# A fresh copy of a package's upstream tree: DIR.
real_source() {  # PACKAGE DIR
  [[ -d $XSHIP_DEBSRC/$1 ]] || fail "the debsrc fixture has no $1 (tests/debsrc/fetch.sh)"
  rm -rf "$2" && cp -r "$XSHIP_DEBSRC/$1" "$2"
}

# The triple qemu's -L takes for a Linux target.
triple_of() {
  case $1 in
    linux/arm64) echo aarch64-linux-gnu ;;
    linux/s390x) echo s390x-linux-gnu ;;
    linux/arm) echo arm-linux-gnueabihf ;;
    *) fail "no triple for $1" ;;
  esac
}

# Runs PROGRAM (inside DIR, which holds the unpacked release and nothing else) with ARGS in
# DIR, as a user of that target would. qemu gets the target's libc and nothing more: the
# cross libc's own directory, so its ld.so never mixes with a multiarch libc of another
# version (programs with threads hang then, measured). Wine gets a prefix made for this
# test alone, no WINEPATH, and says which DLL is missing if one is.
run_clean() {  # TARGET DIR PROGRAM [ARGS...]
  local target=$1 dir=$2 program=$3
  shift 3
  case $target in
    linux/amd64) (cd "$dir" && env -u LD_LIBRARY_PATH timeout 300 "./$program" "$@") ;;
    linux/*)
      local t
      t=$(triple_of "$target")
      (cd "$dir" && env -u LD_LIBRARY_PATH -u QEMU_LD_PREFIX -u QEMU_SET_ENV \
        timeout 300 "qemu-${t%%-*}" -L "/usr/$t" -E "LD_LIBRARY_PATH=/usr/$t/lib" "./$program" "$@") ;;
    windows/amd64)
      (cd "$dir" && env -u WINEPATH WINEPREFIX="$TMP/clean-wine" WINEDEBUG=-all,err+module \
        timeout 300 wine "./$program.exe" "$@" </dev/null) | tr -d '\r' ;;
    *) fail "run_clean: no way to run $target" ;;
  esac
}

# The release of TARGET, fetched back from the manifest at s3://BUCKET/PREFIX and unpacked
# into DIR by xship itself.
fetch_release() {  # PREFIX TARGET DIR
  local rc
  rc=$(rc_of xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$1/manifest.json" --target "$2" --extract "$3")
  [[ $rc == 0 ]] || fail "fetch --target $2 --extract exited $rc: $(cat "$TMP/err")"
  ok "$2: fetched and unpacked into $(basename "$3")"
}

# A CMake project shipped the way examples/debian shows: the module's lines appended to its
# CMakeLists.txt, xship reached by add_subdirectory, then the module's targets built, with
# the rig as destination. The log is $TMP/build.log.
ship_with_module() {  # PACKAGE DIR
  real_source "$1" "$2"
  cat "$XSHIP_SOURCE_DIR/examples/debian/$1/CMakeLists.xship.txt" >>"$2/CMakeLists.txt"
  cmake -S "$2" -B "$2-build" -G Ninja -DXSHIP_SOURCE_DIR="$XSHIP_SOURCE_DIR" -DXSHIP_TO="s3://$BUCKET/$PREFIX" \
    -DXSHIP_ENDPOINT="$ENDPOINT" >"$TMP/configure.log" 2>&1 || fail "configure: $(tail -20 "$TMP/configure.log")"
  cmake --build "$2-build" --target xship-deps xship-publish >"$TMP/build.log" 2>&1 \
    || fail "xship-publish: $(tail -40 "$TMP/build.log")"
  ok "$1: xship-deps, xship-test, xship-build, xship-publish"
}

# Every target's row in the results table of LOG says passed, with TESTS when given.
all_passed() {  # LOG [TESTS]
  local t
  for t in $REAL_TARGETS; do
    grep -Eq "^$t +passed .*${2:+ $2 }" "$1" || fail "$t did not pass${2:+ $2}: $(grep "^$t" "$1")"
  done
  ok "every target passed its tests${2:+ ($2)}"
}

# The release's manifest, downloaded with the AWS CLI: $TMP/manifest.json.
get_manifest() { awsx s3 cp "s3://$BUCKET/$PREFIX/manifest.json" "$TMP/manifest.json" --only-show-errors; }

# The manifest's entry for TARGET's archive, as JSON.
manifest_entry() {  # MANIFEST_FILE TARGET
  jq -c --arg t "$2" '.files[] | select(.target == $t and .kind == "archive")' "$1"
}
