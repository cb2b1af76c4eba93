#!/usr/bin/env bash
# fetch_bench.sh: time `xship fetch` against `aws s3 cp` (download) and `rclone copy` on a
# local S3 server (the Ceph RGW rig of tests/rig/s3rig.sh). See bench/README.md.
#
#   bash bench/fetch_bench.sh [-n RUNS] [-o RESULTS_MD] XSHIP_BINARY [RIG_ENV]
#
# RIG_ENV: the env file of a running rig (DIR/env from `s3rig.sh start DIR`). Without it
# the script starts its own rig in a temp dir and stops it on exit.
# RUNS (default 5, or $BENCH_RUNS): runs per tool and workload; the table shows medians.
# Writes RESULTS_MD (default bench/fetch_results.md) and bench/fetch_results-raw.tsv.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${BENCH_RUNS:-5}
OUT=$HERE/fetch_results.md
CONCURRENCY=8                            # xship's default; the peers get the same
RUN_TIMEOUT=600                          # seconds, any single measured command
QUIET_BUSY=${BENCH_QUIET_BUSY:-25}       # wait before each run until the CPUs are < this % busy
QUIET_TIMEOUT=${BENCH_QUIET_TIMEOUT:-60} # ... but no longer than this many seconds

# shellcheck source=s3_bench_lib.sh
source "$HERE/s3_bench_lib.sh"
s3_bench_args "$@"
RAW=${OUT%.md}-raw.tsv

log() { printf '[fetch-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }
for bin in aws rclone openssl python3 /usr/bin/time timeout split cmp; do
  command -v "$bin" >/dev/null 2>&1 || die "missing '$bin'"
done
AWS_BIN=$(command -v aws)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xship-fetchbench.XXXXXX")
OWN_RIG=""
PREFIX=xship-fetch-bench/$(date +%Y%m%d-%H%M%S)-$$
RIG_UP=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  ((RIG_UP)) && [[ -z $OWN_RIG ]] && aws_admin s3 rm --recursive --only-show-errors "s3://$BUCKET/$PREFIX/" \
    >/dev/null 2>&1
  [[ -z $OWN_RIG ]] || bash "$ROOT/tests/rig/s3rig.sh" stop "$OWN_RIG" || true
  rm -rf -- "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
s3_bench_setup fetch
RIG_UP=1

# One clean client environment: keys from the rig, plain http, no profile or user config.
unset AWS_CA_BUNDLE AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_DEFAULT_PROFILE
export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY AWS_DEFAULT_REGION=$REGION AWS_REGION=$REGION
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=$WORK/aws-config
printf '[default]\nregion = %s\ns3 =\n  max_concurrent_requests = %d\n  multipart_threshold = 16MB\n  multipart_chunksize = 8MB\n' \
  "$REGION" "$CONCURRENCY" >"$AWS_CONFIG_FILE"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Ceph \
  RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT RCLONE_CONFIG_BENCH_REGION=$REGION \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_NO_CHECK_BUCKET=true
aws_admin() { timeout 300 "$AWS_BIN" --endpoint-url "$ENDPOINT" "$@"; }
sum2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }

# ---------------------------------------------------------------------------------------
# Workloads, stored once by xship publish (with a manifest each, so every object also
# carries the x-amz-meta-sha256 that `xship fetch s3://...` verifies against).

DATA=$WORK/data DL=$WORK/dl
mkdir -p "$DATA/big" "$DATA/small"
log "creating and storing the workloads"
head -c $((512 * 1024 * 1024)) /dev/urandom >"$DATA/big/big.bin"
head -c $((1000 * 64 * 1024)) /dev/urandom |
  split -b $((64 * 1024)) -a 4 -d --additional-suffix=.bin - "$DATA/small/f"
for wl in big small; do
  "$XSHIP" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/$wl" --force "$DATA/$wl" >/dev/null
done
declare -A WL_NAME=([big]="1 x 512 MiB" [small]="1,000 x 64 KiB")
declare -A WL_MIB=([big]=512 [small]=62.5)
TOOLS=(xship aws rclone)
declare -A TOOL_NAME=([xship]="xship fetch" [aws]="aws s3 cp" [rclone]="rclone copy")

# CMD: TOOL downloading workload WL into $DL. xship fetches each release by its manifest
# (which it reads, checks and follows, then SHA256SUMS: the big file is published in one
# pass, so the manifest holds its SHA-256, not the object); for the small one the peers
# copy the prefix (the 1,000 files plus manifest.json and SHA256SUMS), the big file alone.
tool_cmd() {
  local src=s3://$BUCKET/$PREFIX/$2
  case $1:$2 in
    xship:*) CMD=("$XSHIP" fetch --endpoint "$ENDPOINT" --concurrency "$CONCURRENCY" --manifest "$src/manifest.json"
      "$DL") ;;
    aws:big) CMD=("$AWS_BIN" --endpoint-url "$ENDPOINT" s3 cp --only-show-errors "$src/big.bin" "$DL/big.bin") ;;
    aws:small) CMD=("$AWS_BIN" --endpoint-url "$ENDPOINT" s3 cp --only-show-errors --recursive "$src/" "$DL/") ;;
    rclone:big) CMD=(env -u AWS_CA_BUNDLE rclone copy -q --multi-thread-streams "$CONCURRENCY"
      "bench:$BUCKET/$PREFIX/big/big.bin" "$DL") ;;
    rclone:small) CMD=(env -u AWS_CA_BUNDLE rclone copy -q --transfers "$CONCURRENCY" --checkers "$CONCURRENCY"
      "bench:$BUCKET/$PREFIX/small" "$DL") ;;
  esac
}

# The downloaded bytes are what was stored (checked after the timing).
check_download() {
  case $1 in
    big) cmp -s "$DATA/big/big.bin" "$DL/big.bin" ;;
    small) diff -rq "$DATA/small" "$DL" -x manifest.json -x SHA256SUMS -x 'index.*' >&2 ;;
  esac
}


TIMEF=$WORK/time.out CMDLOG=$WORK/cmd.log FAILURES=0
printf 'tool\tworkload\trun\tok\twall_s\tuser_s\tsys_s\tmaxrss_kib\tserver_cpu_s\n' >"$RAW"
measure() { # TOOL WL RUN
  local ok=1 wall user sys rss s0 s1 server
  tool_cmd "$1" "$2"
  rm -rf "$DL" && mkdir -p "$DL"
  sync
  wait_quiet
  s0=$(server_ticks)
  /usr/bin/time -f '%e %U %S %M' -o "$TIMEF" timeout "$RUN_TIMEOUT" "${CMD[@]}" >"$CMDLOG" 2>&1 </dev/null ||
    { ok=0; log "FAILED: ${CMD[*]}"; tail -n 5 "$CMDLOG" >&2; }
  s1=$(server_ticks)
  server=$(awk -v a="$s0" -v b="$s1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
  ((ok)) && ! check_download "$2" && { ok=0; log "FAILED check: $1 $2 downloaded other bytes"; }
  ((ok)) || FAILURES=$((FAILURES + 1))
  read -r wall user sys rss < <(tail -n 1 "$TIMEF")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$ok" "$wall" "$user" "$sys" "$rss" "$server" >>"$RAW"
  log "$(printf '%-7s %-5s run %d: %6.2f s wall %6.2f s cpu %5d MiB, server %5.2f s cpu%s' "$1" "$2" "$3" "$wall" \
    "$(sum2 "$user" "$sys")" $((rss / 1024)) "$server" "$( ((ok)) || echo '  FAILED')")"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$SECONDS
for ((run = 1; run <= RUNS; run++)); do
  log "round $run of $RUNS"
  for wl in big small; do
    for ((k = 0; k < ${#TOOLS[@]}; k++)); do # the order rotates each round
      measure "${TOOLS[$(((k + run - 1) % ${#TOOLS[@]}))]}" "$wl" "$run"
    done
  done
done
log "measured runs took $((SECONDS - T0)) s"
rm -rf "$DL"

# ---------------------------------------------------------------------------------------
# Peak RSS of xship fetching a 2 GiB object (random data), one run with `time -v`.

log "xship fetch of a 2 GiB object (peak RSS)"
mkdir -p "$DATA/huge" "$DL"
head -c $((2 * 1024 * 1024 * 1024)) /dev/urandom >"$DATA/huge/huge.bin"
"$XSHIP" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/huge" --force --no-manifest "$DATA/huge" >/dev/null
wait_quiet
HUGE_STATUS=ok
/usr/bin/time -v -o "$TIMEF" timeout "$RUN_TIMEOUT" "$XSHIP" fetch --endpoint "$ENDPOINT" \
  "s3://$BUCKET/$PREFIX/huge/huge.bin" "$DL/huge.bin" >"$CMDLOG" 2>&1 </dev/null || HUGE_STATUS=FAILED
[[ $HUGE_STATUS == ok ]] && ! cmp -s "$DATA/huge/huge.bin" "$DL/huge.bin" && HUGE_STATUS="FAILED (bytes differ)"
[[ $HUGE_STATUS == ok ]] || FAILURES=$((FAILURES + 1))
HUGE_RSS=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$TIMEF")
HUGE_WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TIMEF" |
  awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s}')
HUGE_CPU=$(sum2 "$(awk -F': ' '/User time/ {print $2}' "$TIMEF")" "$(awk -F': ' '/System time/ {print $2}' "$TIMEF")")
log "2 GiB: $HUGE_WALL s wall, $HUGE_CPU s cpu, $HUGE_RSS MiB peak RSS, $HUGE_STATUS"
rm -rf "$DATA/huge" "$DL"

# ---------------------------------------------------------------------------------------
# The limits, single core on the same 512 MiB file (page cache warm, median of 3): reading
# it, and the two hashes. xship fetch computes the SHA-256 of every byte (no MD5 when a
# SHA-256 verifies); the peers compute neither.

hash_row() {
  local label=$1 t c times=() cpus=() _
  shift
  for _ in 1 2 3; do
    wait_quiet
    /usr/bin/time -f '%e %U %S' -o "$TIMEF" "$@" >/dev/null 2>&1 </dev/null
    times+=("$(awk '{print $1}' "$TIMEF")")
    cpus+=("$(awk '{printf "%.2f", $2 + $3}' "$TIMEF")")
  done
  t=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
  c=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n 2p)
  # shellcheck disable=SC2016 # literal backquotes: markdown code
  printf '| `%s` | %s | %s | %s |\n' "$label" "$t" "$c" "$(awk -v t="$t" 'BEGIN { printf "%.0f", (t > 0) ? 512 / t : 0 }')"
}
HASH_ROWS=$(
  hash_row "cat big.bin > /dev/null" cat "$DATA/big/big.bin"
  hash_row "openssl sha256 big.bin" openssl sha256 "$DATA/big/big.bin"
  hash_row "openssl md5 big.bin" openssl md5 "$DATA/big/big.bin"
)

MAIN_ROWS=$(
  for wl in big small; do
    for tool in "${TOOLS[@]}"; do
      awk -F'\t' -v t="$tool" -v w="$wl" -v runs="$RUNS" -v name="${TOOL_NAME[$tool]}" \
        -v wname="${WL_NAME[$wl]}" -v mib="${WL_MIB[$wl]}" '
        function median(a, n,    i, j, x) {
          for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
          return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        NR > 1 && $1 == t && $2 == w && $4 == 1 {
          n++; wall[n] = $5; cpu[n] = $6 + $7; rss[n] = $8 / 1024; srv[n] = $9
          if (n == 1 || $5 < lo) lo = $5; if (n == 1 || $5 > hi) hi = $5
        }
        END {
          if (n == 0) { printf "| %s | %s | failed | | | | | | 0/%d |\n", name, wname, runs; exit }
          mw = median(wall, n)
          printf "| %s | %s | %.2f | %.2f | %.0f | %.0f | %.2f–%.2f | %.2f | %d/%d |\n",
            name, wname, mw, median(cpu, n), median(rss, n), mib / mw, lo, hi, median(srv, n), n, runs
        }' "$RAW"
    done
  done
)

{
  echo "# xship fetch benchmark"
  echo
  echo "Generated by \`bench/fetch_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS runs per tool and"
  echo "workload, **medians** shown (wall, client CPU user+sys and peak RSS each a median on its own)."
  echo
  echo "- Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p)),"
  echo "  load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg). Client and server share these CPUs."
  echo "- Server: Ceph RGW on the same host over loopback (\`tests/rig/s3rig.sh\`)."
  echo "- xship: $("$XSHIP" version 2>&1 | sed -n 1p), \`--concurrency $CONCURRENCY\`: each workload by"
  echo "  \`xship fetch --manifest\` (the manifest, its files and SHA256SUMS, each file verified against the"
  echo "  manifest's SHA-256)."
  echo "- aws: $("$AWS_BIN" --version 2>&1 | sed -n 1p); \`s3 cp\` (\`--recursive\` for the prefix), max_concurrent_requests $CONCURRENCY, 8 MiB parts."
  echo "- rclone: $(rclone version 2>/dev/null | sed -n 1p); \`copy --transfers $CONCURRENCY --multi-thread-streams $CONCURRENCY\`."
  echo "- The peers copy the whole prefix (the files plus manifest.json, SHA256SUMS and the release page) and verify no SHA-256."
  echo "- xship writes every file to disk (fsync) before it takes its name; the peers leave theirs in the page cache,"
  echo "  written back after they exit. Here the disk is also the server's (Bluestore), so those writes compete with its reads."
  echo "- Every run's download is compared with the original after its timing."
  echo
  echo "| tool | workload | wall s | cpu s | peak RSS MiB | MiB/s | wall min–max | server cpu s | ok runs |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "$MAIN_ROWS"
  echo
  echo "server cpu s: radosgw + ceph-osd + ceph-mon during the run. Client and server share the"
  echo "machine's $(nproc) CPUs, so no client's wall can fall below (client + server CPU) / $(nproc)."
  if ((NOISY > 0)); then
    echo
    echo "**$NOISY run(s) started on a busy machine** (no < ${QUIET_BUSY}% CPU moment within ${QUIET_TIMEOUT}s)."
  fi
  echo
  echo "## xship fetch of a 2 GiB object"
  echo
  echo "| run | wall s | cpu s | peak RSS MiB | status |"
  echo "| --- | ---: | ---: | ---: | --- |"
  echo "| xship fetch, 2 GiB (random data) | $HUGE_WALL | $HUGE_CPU | $HUGE_RSS | $HUGE_STATUS |"
  echo
  echo "## The limits: one core on the 512 MiB file (page cache warm, median of 3)"
  echo
  echo "| command | wall s | cpu s | MiB/s |"
  echo "| --- | ---: | ---: | ---: |"
  echo "$HASH_ROWS"
  echo
  echo "Raw per-run data: [$(basename "$RAW")]($(basename "$RAW"))."
  ((FAILURES == 0)) || printf '\n**%d run(s) failed** (excluded from the medians).\n' "$FAILURES"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
((FAILURES == 0))
