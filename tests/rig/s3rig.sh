#!/usr/bin/env bash
# s3rig.sh: a throwaway single-node Ceph RADOS Gateway (a real S3 server) for xship's
# integration tests. See shared notes "s3-rig.md" for why each setting is here.
#
#   bash tests/rig/s3rig.sh start DIR   start mon + osd + radosgw, all state under DIR,
#                                       write DIR/env (bash-sourceable), exit 0
#   bash tests/rig/s3rig.sh stop DIR    stop the daemons started from DIR, remove DIR
#   bash tests/rig/s3rig.sh env DIR     print DIR/env
#
# radosgw serves http and https; the https endpoint has a self-signed certificate made at
# start (DIR/tls/cert.pem, for 127.0.0.1 and localhost), named in DIR/env.
#
# XSHIP_RIG_BUCKETS (optional): space-separated extra bucket names to create at start.
# XSHIP_RIG_STS=1 (optional): STS on, with a role the test user may assume (its ARN in
# DIR/env as XSHIP_TEST_ROLE_ARN).
#
# The script installs nothing: CI installs ceph-mon ceph-osd radosgw ceph-common
# uuid-runtime with apt beforehand. Daemons run detached (setsid, all output to log files
# in DIR) so they outlive "start" and never hold the caller's stdout/stderr pipes open
# (ctest waits for every holder of a test's output pipe).
set -euo pipefail

readonly ACCESS_KEY=XSHIPTESTACCESSKEY01
readonly SECRET_KEY=xshipTestSecretKey0000000000000000000001
readonly BUCKET=xship-test
readonly REGION=us-east-1
readonly ROLE_NAME=xship-publisher
readonly RGW_NAME=client.rgw.xship
readonly MARKER=.s3rig            # marks DIR as ours, so we only ever rm -rf our own dirs
readonly START_TIMEOUT=60         # seconds for each readiness wait

log() { printf 's3rig: %s\n' "$*" >&2; }

usage() {
  echo "usage: $0 {start|stop|env} DIR" >&2
  exit 2
}

# ---------------------------------------------------------------------------------------
# Paths and small helpers

set_paths() {
  # Absolute path: the daemons get it in their config and we match it in /proc cmdlines.
  DIR=$(realpath -m -- "$1")
  case "$DIR" in
    / | /tmp | /root | /home | /usr | /etc | /var | "$HOME")
      log "refusing to use '$DIR' as the rig directory"; exit 2 ;;
  esac
  CONF=$DIR/ceph.conf
  PIDS=$DIR/pids
  LOGS=$DIR/log
}

# Fail fast when the caller's environment lacks a package (we never install one).
require_binaries() {
  local pair bin pkg
  for pair in ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw radosgw-admin:ceph-common \
              ceph:ceph-common monmaptool:ceph-base uuidgen:uuid-runtime \
              curl:curl python3:python3 aws:awscli openssl:openssl; do
    bin=${pair%%:*} pkg=${pair#*:}
    command -v "$bin" >/dev/null 2>&1 || {
      log "missing '$bin': install package '$pkg' (apt-get install -y $pkg)"; exit 1; }
  done
}

# N distinct free TCP ports on 127.0.0.1, chosen by the kernel (bind to port 0; all held
# open until all are chosen, so they differ). There is a short window before the daemons
# bind them; ephemeral ports are picked at random so two rigs starting together
# practically never collide. One python3 run: its start-up is the slow part.
free_ports() {
  python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# A PID from DIR/pids/NAME.pid that is alive, not a zombie, and really one of ours (one of
# its arguments is exactly our config file), so a recycled PID is never signalled.
live_pid() {
  local f=$PIDS/$1.pid pid state
  [[ -r $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]] || return 1
  # -z: NUL-separated arguments, -x: whole argument (/a/tmp/r must not match /tmp/r).
  grep -qasxzF -- "$CONF" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# Every live, non-zombie process with our config file as an argument: catches daemons
# whose pid file was lost (e.g. start died between spawn and writing it). One grep over
# all cmdlines keeps the polling loop in stop cheap.
pids_using_conf() {
  local f p state
  # shellcheck disable=SC2013  # the output is /proc/N/cmdline paths: no spaces
  for f in $(grep -lasxzF -- "$CONF" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${f#/proc/}; p=${p%/cmdline}
    [[ $p != "$$" && $p != "$BASHPID" ]] || continue
    state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
    [[ $state != Z ]] && echo "$p"
  done
  return 0
}

# Ceph CLI against our cluster only; the timeout keeps a dead mon from hanging us.
ceph_cli() { timeout 15 ceph -c "$CONF" --connect-timeout 10 "$@"; }

# AWS CLI against the rig: fixed keys, no user config, no CA bundle (plain http; a set
# AWS_CA_BUNDLE is harmless for http but we keep the call independent of the caller).
aws_rig() {
  env -u AWS_CA_BUNDLE -u AWS_PROFILE -u AWS_SESSION_TOKEN \
    AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY \
    AWS_DEFAULT_REGION=$REGION AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard \
    timeout 30 aws --endpoint-url "$ENDPOINT" "$@"
}

# ---------------------------------------------------------------------------------------
# start

# Which logs to show if start fails (the stage's daemon log and its stdout/stderr), and
# whether the failure path already ran.
CURRENT_LOGS=()
FAILED=0

# Show the stage's logs, stop what we started, keep DIR/log for a post-mortem (the next
# start or stop removes it), and exit non-zero with a one-line reason last.
fail() {
  FAILED=1
  local f
  for f in "${CURRENT_LOGS[@]}"; do
    [[ -s $f ]] || continue
    echo "---- tail of $f ----" >&2
    tail -n 30 "$f" >&2 || true
  done
  kill_daemons >/dev/null 2>&1 || true
  rm -f "$DIR/env" "$DIR"/osd/*/block
  log "start failed: $* (logs: $LOGS)"
  exit 1
}

# set -e exits on an unexpected error: still clean up what we started and say why.
# The ERR trap (with set -E, also inside functions) remembers the failing command.
LAST_ERR="?"
on_start_exit() {
  local rc=$?
  if ((rc != 0 && FAILED == 0)); then
    fail "unexpected error (exit $rc) at $LAST_ERR"
  fi
}

write_conf() {
  local mon_port=$1 rgw_port=$2 rgw_tls_port=$3
  cat >"$CONF" <<EOF
# Generated by tests/rig/s3rig.sh: one mon, one OSD, no mgr, no auth, all state here.
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
# The OSD may take any free port in this range (two rigs share it without conflict).
ms bind port min = 6800
ms bind port max = 7300

# No cephx. radosgw otherwise insists on the secure messenger mode and loops on EACCES.
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
ms mon client mode = crc
ms client mode = crc
ms mon service mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms cluster mode = crc

# Everything under the rig directory; nothing in /etc/ceph, /var/lib/ceph, /var/run/ceph.
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $LOGS/\$name.log
mon cluster log file = $LOGS/cluster.log
crash dir = $DIR/crash
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
rgw data = $DIR/rgw/\$cluster-\$id
log to stderr = false
err to stderr = true

# A one-OSD cluster.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# No manager at all.
mon mgr mkfs grace = 31536000

[mon]
# radosgw makes about a dozen pool changes at start; each would wait out the default 1 s.
paxos propose interval = 0.01
paxos min wait = 0.001
# A throwaway mon holds a few MiB: its default refusal to start under 5% free disk
# (13 GiB of a 252 GiB disk, seen on a crowded build machine) only hides the real failure.
mon data avail crit = 1

[osd]
# Bluestore on a sparse file: low, flat RAM whatever the tests store.
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mkfs = false
bluestore fsck on mount = false
osd memory target = 1073741824
# Large single PUTs (default 128 MiB).
osd max object size = 268435456

[$RGW_NAME]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port ssl_endpoint=127.0.0.1:$rgw_tls_port ssl_certificate=$DIR/tls/cert.pem ssl_private_key=$DIR/tls/key.pem
# Virtual-host style as BUCKET.localhost; path style keeps working.
rgw dns name = localhost
# Reclaim deleted data in seconds rather than hours.
rgw gc obj min wait = 10
rgw gc processor period = 10
$(sts_conf)
EOF
}

# Start a daemon detached: own session, stdin from /dev/null, all output to its log, so it
# survives our exit and holds none of our pipes. Without job control the background
# child is not a group leader, so setsid execs in place and $! is the daemon's PID.
spawn() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$LOGS/$name.out" 2>&1 &
  echo $! >"$PIDS/$name.pid"
}

# An OSD reported up in the OSD map.
osd_is_up() {
  ceph_cli osd dump -f json | python3 -c \
    'import json,sys; d=json.load(sys.stdin); sys.exit(0 if any(o["up"] for o in d["osds"]) else 1)'
}

# The daemon behind NAME is still running (a crash at start shows up here, not as a hang).
check_alive() {
  live_pid "$1" >/dev/null || fail "$1 exited during start"
}

wait_or_fail() {
  local daemon=$1 what=$2; shift 2
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    check_alive "$daemon"
    ((SECONDS < deadline)) || fail "timed out after ${START_TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}

rgw_answers() { [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$ENDPOINT/") == 200 ]]; }
rgw_answers_https() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$DIR/tls/cert.pem" "$HTTPS_ENDPOINT/") == 200 ]]
}

# A self-signed certificate for the https endpoint, valid for 127.0.0.1 and localhost, so
# tests can check that xship refuses it by default and trusts it with --ca-bundle. An EC
# key: generating one takes milliseconds (RSA takes up to a second).
make_tls_cert() {
  mkdir -p "$DIR/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" >"$LOGS/openssl.out" 2>&1 ||
    { CURRENT_LOGS=("$LOGS/openssl.out"); fail "openssl could not make the rig's TLS certificate"; }
}

# XSHIP_RIG_STS=1: a rig with STS (AssumeRole), whose temporary keys RGW itself accepts,
# for the credential-chain tests. Not in the shared rig: with STS on, RGW refuses every
# session token it did not issue, which other tests send on purpose.
sts_conf() {
  [[ ${XSHIP_RIG_STS:-} == 1 ]] || return 0
  printf 'rgw s3 auth use sts = true\nrgw sts key = xshipRigStsKey16\n'
}

sts_env() {
  [[ ${XSHIP_RIG_STS:-} == 1 ]] || return 0
  echo "export XSHIP_TEST_ROLE_ARN=arn:aws:iam:::role/$ROLE_NAME"
}

# A role the test user may assume (STS AssumeRole), allowed everything in S3.
create_role() {
  local trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/xship-test"]},"Action":["sts:AssumeRole"]}]}'
  local policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}'
  timeout 30 radosgw-admin -c "$CONF" caps add --uid xship-test --caps "roles=*" &&
    timeout 30 radosgw-admin -c "$CONF" role create --role-name "$ROLE_NAME" --assume-role-policy-doc "$trust" &&
    timeout 30 radosgw-admin -c "$CONF" role-policy put --role-name "$ROLE_NAME" --policy-name s3-all --policy-doc "$policy"
}

create_bucket() {
  # The first requests can race radosgw's own pool creation: retry for a while.
  local b=$1 out
  local deadline=$((SECONDS + START_TIMEOUT))
  until out=$(aws_rig s3api create-bucket --bucket "$b" 2>&1); do
    if grep -q BucketAlreadyOwnedByYou <<<"$out"; then return 0; fi
    check_alive rgw
    ((SECONDS < deadline)) || fail "could not create bucket '$b': $(tail -n 1 <<<"$out")"
    sleep 0.3
  done
}

# The real readiness test: a signed PUT with Content-MD5 whose ETag comes back as the
# body's MD5, then a DELETE so tests start with an empty bucket. (Each AWS CLI call costs
# about 0.6 s of Python start-up, so no separate HEAD.)
signed_put_works() {
  local etag
  etag=$(aws_rig s3api put-object --bucket "$BUCKET" --key .s3rig-probe --body "$DIR/probe" \
    --content-md5 "$PROBE_MD5_B64" --query ETag --output text) &&
    [[ $etag == "\"$PROBE_MD5_HEX\"" ]] &&
    aws_rig s3api delete-object --bucket "$BUCKET" --key .s3rig-probe
}

cmd_start() {
  require_binaries

  # Replace a previous rig in DIR (stop_rig also catches daemons whose pid file is gone).
  if [[ -e $DIR ]]; then
    if [[ -n $(ls -A "$DIR") && ! -e $DIR/$MARKER ]]; then
      log "'$DIR' exists, is not empty and is not an s3rig directory: refusing to wipe it"
      exit 1
    fi
    stop_rig
  fi
  mkdir -p "$DIR"
  touch "$DIR/$MARKER"
  mkdir -p "$PIDS" "$LOGS" "$DIR/run" "$DIR/crash" "$DIR/mon" "$DIR/osd" "$DIR/rgw"
  set -E
  trap 'LAST_ERR="line $LINENO: $BASH_COMMAND"' ERR
  trap on_start_exit EXIT
  local t0=$SECONDS

  FSID=$(uuidgen)
  local mon_port rgw_port rgw_tls_port
  read -r mon_port rgw_port rgw_tls_port < <(free_ports 3)
  [[ ${rgw_tls_port:-} =~ ^[0-9]+$ ]] || fail "could not pick free TCP ports with python3"
  ENDPOINT=http://127.0.0.1:$rgw_port
  HTTPS_ENDPOINT=https://127.0.0.1:$rgw_tls_port
  write_conf "$mon_port" "$rgw_port" "$rgw_tls_port"
  make_tls_cert

  # Monitor.
  CURRENT_LOGS=("$LOGS/mon.a.log" "$LOGS/mon.out")
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/monmap" \
    >"$LOGS/monmaptool.out" 2>&1 || { CURRENT_LOGS=("$LOGS/monmaptool.out"); fail "monmaptool failed"; }
  ceph-mon -c "$CONF" --cluster ceph -i a --mkfs --monmap "$DIR/monmap" \
    >"$LOGS/mon-mkfs.out" 2>&1 || { CURRENT_LOGS=("$LOGS/mon-mkfs.out"); fail "ceph-mon --mkfs failed"; }
  spawn mon ceph-mon -f -c "$CONF" -i a
  wait_or_fail mon "the monitor to answer" ceph_cli mon stat

  # OSD: the mon hands out the id, then mkfs creates the sparse bluestore file.
  local osd_uuid osd_id
  osd_uuid=$(uuidgen)
  osd_id=$(ceph_cli osd new "$osd_uuid" 2>"$LOGS/osd-new.out") ||
    { CURRENT_LOGS=("$LOGS/osd-new.out"); fail "'ceph osd new' failed"; }
  CURRENT_LOGS=("$LOGS/osd-mkfs.out" "$LOGS/osd.$osd_id.log" "$LOGS/osd.out")
  mkdir -p "$DIR/osd/ceph-$osd_id"
  ceph-osd -c "$CONF" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" \
    >"$LOGS/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
  spawn osd ceph-osd -f -c "$CONF" -i "$osd_id"
  wait_or_fail osd "the OSD to come up" osd_is_up

  # radosgw: it creates its pools on first start, then serves HTTP.
  CURRENT_LOGS=("$LOGS/$RGW_NAME.log" "$LOGS/rgw.out")
  spawn rgw radosgw -f -c "$CONF" -n "$RGW_NAME"
  wait_or_fail rgw "radosgw to answer HTTP 200 on $ENDPOINT/" rgw_answers
  wait_or_fail rgw "radosgw to answer HTTPS 200 on $HTTPS_ENDPOINT/" rgw_answers_https

  timeout 30 radosgw-admin -c "$CONF" user create --uid xship-test --display-name "xship tests" \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >"$LOGS/user-create.out" 2>&1 ||
    { CURRENT_LOGS=("$LOGS/user-create.out"); fail "radosgw-admin user create failed"; }

  if [[ ${XSHIP_RIG_STS:-} == 1 ]]; then
    create_role >"$LOGS/role-create.out" 2>&1 ||
      { CURRENT_LOGS=("$LOGS/role-create.out"); fail "radosgw-admin role create failed"; }
  fi

  local b
  for b in "$BUCKET" ${XSHIP_RIG_BUCKETS:-}; do create_bucket "$b"; done
  printf x >"$DIR/probe"
  PROBE_MD5_HEX=9dd4e461268c8034f5c8564e155c67a6             # md5("x")
  PROBE_MD5_B64=ndTkYSaMgDT1yFZOFVxnpg==
  wait_or_fail rgw "a signed PUT to succeed" signed_put_works
  rm -f "$DIR/probe"

  cat >"$DIR/env.tmp" <<EOF
export XSHIP_TEST_ENDPOINT=$ENDPOINT
export XSHIP_TEST_ACCESS_KEY=$ACCESS_KEY
export XSHIP_TEST_SECRET_KEY=$SECRET_KEY
export XSHIP_TEST_BUCKET=$BUCKET
export XSHIP_TEST_REGION=$REGION
$(sts_env)
export XSHIP_TEST_HTTPS_ENDPOINT=$HTTPS_ENDPOINT
export XSHIP_TEST_CA_FILE=$DIR/tls/cert.pem
EOF
  mv "$DIR/env.tmp" "$DIR/env"   # readers never see a half-written file
  trap - EXIT ERR
  log "ready in $((SECONDS - t0))s at $ENDPOINT (env: $DIR/env)"
}

# ---------------------------------------------------------------------------------------
# stop

# Signal, then wait (bounded) for the daemons to go. radosgw gets SIGTERM; the OSD and mon
# get SIGKILL (a clean OSD stop is slow and the data is thrown away anyway). radosgw's
# clean shutdown takes about 3 s even with its cluster up (measured) and cannot finish
# once the cluster is killed, so it gets SIGKILL after RGW_GRACE seconds. A killed
# daemon can linger as a zombie until init reaps it: that counts as gone.
readonly RGW_GRACE=1 STOP_TIMEOUT=10
kill_daemons() {
  local pid name rgw_pid others=()
  rgw_pid=$(live_pid rgw || true)
  [[ -z $rgw_pid ]] || kill -TERM "$rgw_pid" 2>/dev/null || true
  for name in osd mon; do
    pid=$(live_pid "$name" || true)
    [[ -z $pid ]] || others+=("$pid")
  done
  # Strays that lost their pid file (radosgw excepted: it was asked to terminate).
  for pid in $(pids_using_conf); do
    [[ $pid == "$rgw_pid" ]] || others+=("$pid")
  done
  ((${#others[@]} == 0)) || kill -KILL "${others[@]}" 2>/dev/null || true

  # Poll in tenths of a second (SECONDS only counts whole seconds).
  local tenths=0 left
  while left=$(pids_using_conf) && [[ -n $left ]]; do
    # radosgw had its grace period: stop waiting politely.
    # shellcheck disable=SC2086  # $left is a list of PIDs
    ((tenths != RGW_GRACE * 10)) || kill -KILL $left 2>/dev/null || true
    if ((tenths >= STOP_TIMEOUT * 10)); then
      log "daemons still running after ${STOP_TIMEOUT}s: $(tr '\n' ' ' <<<"$left")"
      return 1
    fi
    sleep 0.1
    tenths=$((tenths + 1))
  done
  # Give init a moment to reap the zombies, so "pgrep" right after stop shows nothing
  # (measured: well under a second here). Not an error if it takes longer.
  tenths=0
  for pid in $rgw_pid "${others[@]}"; do
    while [[ -e /proc/$pid ]] && ((tenths < 30)); do sleep 0.1; tenths=$((tenths + 1)); done
  done
}

# Stop the rig and remove DIR. Daemons whose pid file is gone are found by their cmdline.
stop_rig() {
  [[ -d $DIR ]] || return 0
  kill_daemons
  rm -rf -- "$DIR"
}

cmd_stop() {
  if [[ -e $DIR && ! -e $DIR/$MARKER && -n $(ls -A "$DIR") ]]; then
    log "'$DIR' is not an s3rig directory: not touching it"
    exit 1
  fi
  stop_rig
}

cmd_env() {
  [[ -r $DIR/env ]] || { log "no rig env at $DIR/env (not started?)"; exit 1; }
  cat "$DIR/env"
}

# ---------------------------------------------------------------------------------------

(($# == 2)) || usage
set_paths "$2"
case "$1" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  *) usage ;;
esac
