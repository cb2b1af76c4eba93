#!/usr/bin/env bash
# publish_bench.sh: time `xship publish` against aws s3 cp, rclone copy and s3cmd put on a
# local S3 server (the Ceph RGW rig of tests/rig/s3rig.sh). See bench/README.md.
#
#   bash bench/publish_bench.sh [-n RUNS] [-o RESULTS_MD] XSHIP_BINARY [RIG_ENV]
#
# RIG_ENV: the env file of a running rig (DIR/env from `s3rig.sh start DIR`). Without it
# the script starts its own rig in a temp dir and stops it on exit.
# RUNS (default 5, or $BENCH_RUNS): runs per tool and workload; the table shows medians.
# Writes RESULTS_MD (default bench/publish_results.md) and bench/publish_results-raw.tsv, prints the table.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${BENCH_RUNS:-5}
OUT=$HERE/publish_results.md
CONCURRENCY=8                 # xship's default; the peers are set to the same where they can
RUN_TIMEOUT=600               # seconds, any single measured command
QUIET_BUSY=${BENCH_QUIET_BUSY:-25}    # wait before each run until the CPUs are < this % busy
QUIET_TIMEOUT=${BENCH_QUIET_TIMEOUT:-90}  # ... but no longer than this many seconds
QUIET_BUDGET=${BENCH_QUIET_BUDGET:-600}   # ... and no more than this in all
NICE=${BENCH_NICE:-}          # e.g. -10 (root): run the clients and the rig at this niceness

# shellcheck source=s3_bench_lib.sh
source "$HERE/s3_bench_lib.sh"
s3_bench_args "$@"
RAW=$(dirname "$OUT")/publish_results-raw.tsv

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

for bin in aws rclone s3cmd openssl md5sum sha256sum python3 /usr/bin/time timeout split; do
  command -v "$bin" >/dev/null 2>&1 || die "missing '$bin'"
done
# The pyenv shim costs ~0.1 s of bash per call: call the real script.
AWS_BIN=$(command -v aws)
if [[ $AWS_BIN == */shims/* ]] && command -v pyenv >/dev/null 2>&1; then
  AWS_BIN=$(pyenv which aws 2>/dev/null || echo "$AWS_BIN")
fi

# ---------------------------------------------------------------------------------------
# Temp dir, rig, cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xship-bench.XXXXXX")
OWN_RIG=""
RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
BENCH_PREFIX=xship-bench/$RUN_ID
RIG_UP=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((RIG_UP)) && [[ -z $OWN_RIG ]]; then
    # Someone else's rig: leave no objects behind, and its old niceness.
    aws_admin s3 rm --recursive --only-show-errors "s3://$BUCKET/$BENCH_PREFIX/" >/dev/null 2>&1 || true
  fi
  [[ -z $NICE ]] || ! declare -F restore_nice >/dev/null || restore_nice
  if [[ -n $OWN_RIG ]]; then
    log "stopping own rig $OWN_RIG"
    bash "$ROOT/tests/rig/s3rig.sh" stop "$OWN_RIG" || true
  fi
  rm -rf -- "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

s3_bench_setup bench
RIG_CONF=$RIG_DIR/ceph.conf   # for synchronous RGW gc, if there

# Niceness for the rig's daemons and for this script's clients. With autogroup scheduling
# (kernel.sched_autogroup_enabled=1) a process's nice value only ranks it within its own
# session, and sessions share the CPUs equally: so also set the autogroup nice of our
# session and of each daemon's (s3rig.sh starts each with setsid). Linux renice is per
# thread: every thread of a daemon gets it. Old autogroup values are put back on exit.
declare -A AUTOGROUP_OLD=()
set_autogroup() {   # PID NICE
  local f=/proc/$1/autogroup old
  [[ -w $f ]] || return 0
  old=$(sed -n 's/.* nice //p' "$f")
  [[ -v AUTOGROUP_OLD[$1] ]] || AUTOGROUP_OLD[$1]=$old
  echo "$2" >"$f" 2>/dev/null || true
}
renice_rig() {
  local f pid tids
  for f in "$RIG_DIR"/pids/rgw.pid "$RIG_DIR"/pids/osd.pid "$RIG_DIR"/pids/mon.pid; do
    [[ -r $f ]] || continue
    pid=$(<"$f")
    [[ -d /proc/$pid/task ]] || continue
    tids=("/proc/$pid/task"/*)
    renice -n "$1" -p "${tids[@]##*/}" >/dev/null 2>&1 || true
    set_autogroup "$pid" "$1"
  done
}
restore_nice() {
  local pid
  [[ -z $OWN_RIG ]] && renice_rig 0
  for pid in "${!AUTOGROUP_OLD[@]}"; do
    [[ -w /proc/$pid/autogroup ]] && echo "${AUTOGROUP_OLD[$pid]}" >"/proc/$pid/autogroup" 2>/dev/null
  done
  return 0
}
if [[ -n $NICE ]]; then
  # A machine shared with other work (builds, tests): give the measured processes the CPU
  # first. The report says so.
  renice -n "$NICE" -p $$ >/dev/null || die "cannot renice to $NICE (needs root for < 0)"
  set_autogroup $$ "$NICE"
  renice_rig "$NICE"
fi
RIG_UP=1

# One clean client environment for every tool: keys from the rig, no CA bundle (plain
# http; rclone refuses to start with AWS_CA_BUNDLE set), no profile, no user config files.
unset AWS_CA_BUNDLE AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_DEFAULT_PROFILE \
  ARTIFACTS_KEY ARTIFACTS_SECRET ARTIFACTS_REGION ARTIFACTS_BUCKET
export AWS_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY
export AWS_DEFAULT_REGION=$REGION AWS_REGION=$REGION
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=$WORK/aws-config
# aws s3 cp: same parallelism, part size and multipart threshold as xship's defaults.
cat >"$AWS_CONFIG_FILE" <<EOF
[default]
region = $REGION
s3 =
  max_concurrent_requests = $CONCURRENCY
  multipart_threshold = 16MB
  multipart_chunksize = 8MB
EOF
# rclone: a remote named "bench" from the environment, no config file.
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Ceph \
  RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT RCLONE_CONFIG_BENCH_REGION=$REGION \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_NO_CHECK_BUCKET=true
# s3cmd: path style on the rig's host:port, SigV4, no TLS.
S3CFG=$WORK/s3cfg
cat >"$S3CFG" <<EOF
[default]
access_key = $XSHIP_TEST_ACCESS_KEY
secret_key = $XSHIP_TEST_SECRET_KEY
host_base = ${ENDPOINT#http://}
host_bucket = ${ENDPOINT#http://}
bucket_location = $REGION
use_https = False
signature_v2 = False
multipart_chunk_size_mb = 8
EOF

add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
aws_admin() { timeout 300 "$AWS_BIN" --endpoint-url "$ENDPOINT" "$@"; }

# ---------------------------------------------------------------------------------------
# Workloads (all in the page cache afterwards: every tool reads warm files)

DATA=$WORK/data
mkdir -p "$DATA/small"
log "creating workloads in $DATA"
head -c $((512 * 1024 * 1024)) /dev/urandom >"$DATA/big.bin"
# 1,000 files of 64 KiB: f0000.bin .. f0999.bin
head -c $((1000 * 64 * 1024)) /dev/urandom |
  split -b $((64 * 1024)) -a 4 -d --additional-suffix=.bin - "$DATA/small/f"
(($(find "$DATA/small" -type f | wc -l) == 1000)) || die "workload creation failed"

declare -A SRC=([big]="$DATA/big.bin" [small]="$DATA/small")
declare -A WL_NAME=([big]="1 x 512 MiB" [small]="1,000 x 64 KiB")
declare -A WL_OBJECTS=([big]=1 [small]=1000)
declare -A WL_BYTES=([big]=$((512 * 1024 * 1024)) [small]=$((1000 * 64 * 1024)))
WORKLOADS=(big small)
TOOLS=(xship xship-manifest xship-cold aws rclone s3cmd)
# xship and xship-manifest find the files' sums in the digest cache (./.xship/digests.json,
# warmed below; for the 512 MiB file its SHA-256, the part MD5s are computed each run),
# as on a re-publish or after `xship compress`; xship-cold is the first
# publish of files xship has never seen: a digest cache of its own per run, empty.
declare -A TOOL_NAME=([xship]="xship --no-manifest" [xship-manifest]="xship (with manifest)"
  [xship-cold]="xship --no-manifest, cold (no digest cache entry)"
  [aws]="aws s3 cp" [rclone]="rclone copy" [s3cmd]="s3cmd put")

# Set CMD to the command line of TOOL uploading workload WL to s3://BUCKET/PREFIX/.
tool_cmd() {
  local tool=$1 wl=$2 prefix=$3 src=${SRC[$2]}
  case $tool in
    xship)
      CMD=("$XSHIP" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$prefix" --force
        --no-manifest --concurrency "$CONCURRENCY" "$src") ;;
    xship-cold)
      CMD=(env XSHIP_DIGEST_CACHE="$WORK/cold-cache/$RANDOM$RANDOM.json" "$XSHIP" publish --endpoint "$ENDPOINT"
        --to "s3://$BUCKET/$prefix" --force --no-manifest --concurrency "$CONCURRENCY" "$src") ;;
    xship-manifest)
      CMD=("$XSHIP" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$prefix" --force
        --concurrency "$CONCURRENCY" "$src") ;;
    aws)
      if [[ $wl == big ]]; then
        CMD=("$AWS_BIN" --endpoint-url "$ENDPOINT" s3 cp "$src" "s3://$BUCKET/$prefix/big.bin"
          --only-show-errors)
      else
        CMD=("$AWS_BIN" --endpoint-url "$ENDPOINT" s3 cp "$src" "s3://$BUCKET/$prefix/"
          --recursive --only-show-errors)
      fi ;;
    rclone)
      CMD=(env -u AWS_CA_BUNDLE rclone copy -q --ignore-times --transfers "$CONCURRENCY"
        --checkers "$CONCURRENCY" --s3-upload-concurrency "$CONCURRENCY" --s3-chunk-size 8M
        --s3-upload-cutoff 16M "$src" "bench:$BUCKET/$prefix") ;;
    s3cmd)
      if [[ $wl == big ]]; then
        CMD=(s3cmd -c "$S3CFG" put -q "$src" "s3://$BUCKET/$prefix/big.bin")
      else
        CMD=(s3cmd -c "$S3CFG" put -q --recursive "$src/" "s3://$BUCKET/$prefix/")
      fi ;;
  esac
}

# Objects and bytes under s3://BUCKET/PREFIX/, as "COUNT BYTES".
count_prefix() {
  aws_admin s3 ls --recursive --summarize "s3://$BUCKET/$1/" |
    awk '/Total Objects:/ {n=$3} /Total Size:/ {s=$3} END {printf "%.0f %.0f\n", n, s}'
}

# Delete everything this run stored so far, then let RGW reclaim it now (when the rig's
# ceph.conf is reachable) rather than in the middle of the next measurements.
purge() {
  aws_admin s3 rm --recursive --only-show-errors "s3://$BUCKET/$BENCH_PREFIX/" >/dev/null
  if [[ -r $RIG_CONF ]]; then
    timeout 120 radosgw-admin -c "$RIG_CONF" gc process --include-all >/dev/null 2>&1 || true
  fi
  sleep 2
}

# ---------------------------------------------------------------------------------------
# Machine and versions

XSHIP_VERSION=$("$XSHIP" version 2>&1 | sed -n 1p)
XSHIP_BUILD=""
for c in "$(dirname "$XSHIP_ARG")/../CMakeCache.txt" "$(dirname "$XSHIP_ARG")/CMakeCache.txt"; do
  if [[ -r $c ]]; then
    XSHIP_BUILD=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$c"); break
  fi
done
XSHIP_ID=$(file -b "$XSHIP" | grep -o 'BuildID\[sha1\]=[0-9a-f]*' | cut -d= -f2 || true)
XSHIP_MTIME=$(date -u -r "$XSHIP_ARG" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || true)
AWS_VERSION=$("$AWS_BIN" --version 2>&1 | sed -n 1p)
RCLONE_VERSION=$(rclone version 2>/dev/null | sed -n 1p)
S3CMD_VERSION=$(s3cmd --version 2>&1 | sed -n 1p)
OPENSSL_VERSION=$(openssl version 2>&1)
RGW_VERSION=$( (radosgw --version 2>/dev/null || ceph --version 2>/dev/null || echo unknown) | sed -n 1p)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p)
MEM_GIB=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')

# ---------------------------------------------------------------------------------------
# Measured runs: RUNS rounds; each round runs every tool on every workload once, the tool
# order rotated each round so no tool always follows the same one.

printf 'tool\tworkload\trun\tok\twall_s\tuser_s\tsys_s\tmaxrss_kib\tserver_cpu_s\tother_cpu_s\n' >"$RAW"
TIMEF=$WORK/time.out
CMDLOG=$WORK/cmd.log
FAILURES=0

measure() {
  local tool=$1 wl=$2 run=$3 prefix=$4 ok=1 got want_n want_b
  tool_cmd "$tool" "$wl" "$prefix"
  wait_quiet
  local m0 s0 m1 s1
  m0=$(machine_ticks) s0=$(server_ticks)
  if ! /usr/bin/time -f '%e %U %S %M' -o "$TIMEF" timeout "$RUN_TIMEOUT" "${CMD[@]}" \
      >"$CMDLOG" 2>&1 </dev/null; then
    ok=0
    log "FAILED: ${CMD[*]}"; tail -n 5 "$CMDLOG" >&2
  fi
  m1=$(machine_ticks) s1=$(server_ticks)
  # Check what arrived: every file, every byte (+ the release documents).
  want_n=${WL_OBJECTS[$wl]} want_b=${WL_BYTES[$wl]}
  [[ $tool != xship-manifest ]] || want_n=$((want_n + 4))  # SHA256SUMS, manifest.json, index.html, index.md
  got=$(count_prefix "$prefix")
  if ((ok)) && { ((${got% *} != want_n)) || ((${got#* } < want_b)); }; then
    ok=0
    log "FAILED check: $tool $wl stored '$got' objects/bytes under $prefix, want $want_n objects, >= $want_b bytes"
  fi
  ((ok)) || FAILURES=$((FAILURES + 1))
  local wall user sys rss server other
  read -r wall user sys rss < <(tail -n 1 "$TIMEF")
  server=$(awk -v a="$s0" -v b="$s1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
  other=$(awk -v a="$m0" -v b="$m1" -v hz="$HZ" -v c="$(add "$user" "$sys")" -v s="$server" \
    'BEGIN { o = (b - a) / hz - c - s; printf "%.2f", (o > 0) ? o : 0 }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$wl" "$run" "$ok" "$wall" "$user" \
    "$sys" "$rss" "$server" "$other" >>"$RAW"
  log "$(printf '%-15s %-5s run %d: %6.2f s wall %6.2f s cpu %5d MiB, server %5.2f s cpu, other %5.2f s%s' \
    "$tool" "$wl" "$run" "$wall" "$(add "$user" "$sys")" $((rss / 1024)) "$server" "$other" \
    "$( ((ok)) || echo '  FAILED')")"
}

# One unmeasured publish of each workload fills the digest cache the xship rows use.
for wl in "${WORKLOADS[@]}"; do
  tool_cmd xship "$wl" "$BENCH_PREFIX/warm-$wl"
  "${CMD[@]}" >/dev/null 2>&1 </dev/null || die "warm-up publish of $wl failed"
done
purge

T0=$SECONDS
for ((run = 1; run <= RUNS; run++)); do
  log "round $run of $RUNS"
  n=${#TOOLS[@]}
  for wl in "${WORKLOADS[@]}"; do
    for ((k = 0; k < n; k++)); do
      tool=${TOOLS[$(((k + run - 1) % n))]}
      measure "$tool" "$wl" "$run" "$BENCH_PREFIX/r$run/$tool-$wl"
    done
  done
  purge
done
log "measured runs took $((SECONDS - T0)) s"

# ---------------------------------------------------------------------------------------
# Peak RSS of xship on a 2 GiB file (random data, not sparse), both with and without the
# manifest, one run each with `time -v`.

log "xship on a 2 GiB file (peak RSS)"
head -c $((2 * 1024 * 1024 * 1024)) /dev/urandom >"$DATA/huge.bin"
HUGE_ROWS=""
for variant in no-manifest manifest; do
  flags=(--force --concurrency "$CONCURRENCY")
  [[ $variant == manifest ]] || flags+=(--no-manifest)
  prefix=$BENCH_PREFIX/huge-$variant
  status=ok
  wait_quiet
  /usr/bin/time -v -o "$TIMEF" timeout "$RUN_TIMEOUT" "$XSHIP" publish --endpoint "$ENDPOINT" \
    --to "s3://$BUCKET/$prefix" "${flags[@]}" "$DATA/huge.bin" >"$CMDLOG" 2>&1 </dev/null ||
    { status=FAILED; FAILURES=$((FAILURES + 1)); tail -n 5 "$CMDLOG" >&2; }
  got=$(count_prefix "$prefix")
  ((${got#* } >= 2 * 1024 * 1024 * 1024)) || { status=FAILED; FAILURES=$((FAILURES + 1)); }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TIMEF")
  user=$(awk -F': ' '/User time/ {print $2}' "$TIMEF")
  sys=$(awk -F': ' '/System time/ {print $2}' "$TIMEF")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TIMEF" |
    awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s}')
  HUGE_ROWS+=$(printf '| xship %s | %s | %.2f | %.1f | %s |' "$( [[ $variant == manifest ]] &&
    echo '(with manifest)' || echo '--no-manifest')" "$wall" "$(add "$user" "$sys")" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$status")$'\n'
  log "2 GiB $variant: $wall s wall, $rss KiB peak RSS, $status"
  purge
done
rm -f "$DATA/huge.bin"

# ---------------------------------------------------------------------------------------
# Where xship's CPU goes: single-core hash throughput on the same 512 MiB file (warm), the
# median of 3. xship hashes every byte with MD5 and SHA-256 (object metadata, manifest)
# and again per request (Content-MD5 and the SigV4 payload hash).

log "hash throughput baselines"
hash_row() {
  local label=$1; shift
  local _ t times=()
  for _ in 1 2 3; do
    wait_quiet
    /usr/bin/time -f '%e %U %S' -o "$TIMEF" "$@" >/dev/null 2>&1 </dev/null
    times+=("$(awk '{print $1}' "$TIMEF")")
  done
  t=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
  # shellcheck disable=SC2016  # literal backquotes: markdown code
  printf '| `%s` | %s | %s |\n' "$label" "$t" \
    "$(awk -v t="$t" 'BEGIN { if (t > 0) printf "%.0f", 512 / t; else print "n/a" }')"
}
HASH_ROWS=$(
  hash_row "cat big.bin > /dev/null" cat "$DATA/big.bin"
  hash_row "openssl md5 big.bin" openssl md5 "$DATA/big.bin"
  hash_row "openssl sha256 big.bin" openssl sha256 "$DATA/big.bin"
  hash_row "md5sum big.bin" md5sum "$DATA/big.bin"
  hash_row "sha256sum big.bin" sha256sum "$DATA/big.bin"
  hash_row "xship publish --dry-run big.bin" "$XSHIP" publish --endpoint "$ENDPOINT" \
    --to "s3://$BUCKET/$BENCH_PREFIX/dry" --force --dry-run "$DATA/big.bin"
)

# ---------------------------------------------------------------------------------------
# Medians and the report

MAIN_ROWS=$(
  for wl in "${WORKLOADS[@]}"; do
    for tool in "${TOOLS[@]}"; do
      awk -F'\t' -v t="$tool" -v w="$wl" -v runs="$RUNS" -v name="${TOOL_NAME[$tool]}" \
        -v wname="${WL_NAME[$wl]}" -v mib=$((WL_BYTES[$wl] / 1048576)) '
        function median(a, n,    i, j, x) {
          for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
          return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        NR > 1 && $1 == t && $2 == w && $4 == 1 {
          n++; wall[n] = $5; cpu[n] = $6 + $7; rss[n] = $8 / 1024; srv[n] = $9; oth[n] = $10
          if (n == 1 || $5 < lo) lo = $5; if (n == 1 || $5 > hi) hi = $5
        }
        END {
          if (n == 0) { printf "| %s | %s | failed | | | | | | | 0/%d |\n", name, wname, runs; exit }
          mw = median(wall, n)
          printf "| %s | %s | %.2f | %.2f | %.0f | %.0f | %.2f–%.2f | %.2f | %.2f | %d/%d |\n",
            name, wname, mw, median(cpu, n), median(rss, n), mib / mw, lo, hi,
            median(srv, n), median(oth, n), n, runs
        }' "$RAW"
    done
  done
)

{
  echo "# xship publish benchmark"
  echo
  echo "Generated by \`bench/publish_bench.sh\` on $DATE; $RUNS runs per tool and workload,"
  echo "**medians** shown (wall, client CPU user+sys and peak RSS each a median on its own)."
  echo "See [README.md](README.md) for the method and caveats."
  echo
  echo "- Machine: $(nproc) CPUs ($CPU_MODEL), $MEM_GIB GiB RAM, Linux $(uname -r);"
  echo "  load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg). Client and server share these CPUs."
  [[ -z $NICE ]] || echo "- Clients and the rig's daemons ran at niceness $NICE, their sessions' autogroups too (\`BENCH_NICE\`), ahead of other work on the machine."
  echo "- Server: Ceph RGW on the same host over loopback (\`tests/rig/s3rig.sh\`: one OSD,"
  echo "  bluestore on a sparse file), $RGW_VERSION."
  echo "- xship: $XSHIP_VERSION${XSHIP_BUILD:+ ($XSHIP_BUILD build)}, \`$XSHIP_ARG\` built $XSHIP_MTIME${XSHIP_ID:+, build id ${XSHIP_ID:0:12}}; \`--force --concurrency $CONCURRENCY\`."
  echo "- aws: $AWS_VERSION; max_concurrent_requests $CONCURRENCY, 8 MiB parts above 16 MiB."
  echo "- rclone: $RCLONE_VERSION; \`--ignore-times --transfers $CONCURRENCY --s3-upload-concurrency $CONCURRENCY --s3-chunk-size 8M --s3-upload-cutoff 16M\`."
  echo "- s3cmd: $S3CMD_VERSION; one request at a time, 8 MiB parts (\`multipart_chunk_size_mb = 8\`)."
  echo "- $OPENSSL_VERSION."
  echo
  echo "| tool | workload | wall s | cpu s | peak RSS MiB | MiB/s | wall min–max | server cpu s | other cpu s | ok runs |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "$MAIN_ROWS"
  echo
  echo "cpu s: the client's user+sys (\`/usr/bin/time\`). server cpu s: radosgw + ceph-osd +"
  echo "ceph-mon during the run. other cpu s: everything else on the machine during the run"
  echo "(kernel threads, other users' work). On an idle machine it is near 0; on a shared one"
  echo "other work soaks up whatever CPU the run leaves idle (hence large values next to the"
  echo "single-threaded s3cmd), and it only slowed the run when client + server + other come"
  echo "close to (CPUs x wall). MiB/s = payload / wall."
  if ((NOISY > 0)); then
    echo
    echo "**$NOISY run(s) started on a busy machine** (no < ${QUIET_BUSY}% CPU moment within ${QUIET_TIMEOUT}s,"
    echo "or the ${QUIET_BUDGET}s waiting budget was spent; waited ${WAITED}s in all): see other cpu s."
  fi
  echo
  echo "## xship peak RSS on a 2 GiB file"
  echo
  echo "One run each, \`/usr/bin/time -v\`; the file is 2 GiB of random data (not sparse)."
  echo
  echo "| run | wall s | cpu s | peak RSS MiB | status |"
  echo "| --- | ---: | ---: | ---: | --- |"
  printf '%s' "$HUGE_ROWS"
  echo
  echo "## Single-core hashing of the 512 MiB file (page cache warm, median of 3)"
  echo
  echo "| command | wall s | MiB/s |"
  echo "| --- | ---: | ---: |"
  echo "$HASH_ROWS"
  echo
  echo "Raw per-run data: [publish_results-raw.tsv](publish_results-raw.tsv)."
  if ((FAILURES > 0)); then
    echo
    echo "**$FAILURES run(s) failed** (excluded from the medians; see the ok runs column)."
  fi
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
log "wrote $OUT and $RAW in $((SECONDS - T0)) s of measurement"
((FAILURES == 0)) || exit 1
