# Shared by publish_bench.sh and fetch_bench.sh (sourced). s3_bench_args: their command line,
#   [-n RUNS] [-o RESULTS_MD] XSHIP_BINARY [RIG_ENV]
# Sets RUNS, OUT (absolute), XSHIP_ARG (the binary, absolute) and RIG_ENV ("" = start a
# rig); prints the calling script's header comment as usage on a bad command line.
s3_bench_args() {
  local opt usage="sed -n 2,10p ${BASH_SOURCE[1]}"
  OPTIND=1
  while getopts n:o:h opt; do
    case $opt in
      n) RUNS=$OPTARG ;;
      o) OUT=$OPTARG ;;
      *) $usage | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
  done
  shift $((OPTIND - 1))
  (($# >= 1 && $# <= 2)) || { $usage | sed 's/^# \{0,1\}//' >&2; exit 2; }
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer" >&2; exit 2; }
  XSHIP_ARG=$(realpath -- "$1")
  RIG_ENV=${2:+$(realpath -m -- "$2")}
  [[ -x $XSHIP_ARG ]] || { echo "not an executable: $XSHIP_ARG" >&2; exit 2; }
  OUT=$(realpath -m -- "$OUT")
}

# After WORK and the EXIT trap exist: works on a copy of the binary (a rebuild during the
# run must not change what is measured) from inside WORK (xship keeps upload state in
# ./.xship), starts a rig in OWN_RIG unless RIG_ENV names one, and reads it: sets XSHIP,
# OWN_RIG, ENDPOINT, BUCKET and REGION.
s3_bench_setup() {  # TAG: in the rig directory's name
  XSHIP=$WORK/xship
  cp -- "$XSHIP_ARG" "$XSHIP"
  cd "$WORK"
  if [[ -z $RIG_ENV ]]; then
    OWN_RIG=$(mktemp -d "${TMPDIR:-/tmp}/xship-$1rig.XXXXXX")
    log "starting own rig in $OWN_RIG"
    bash "$ROOT/tests/rig/s3rig.sh" start "$OWN_RIG"
    RIG_ENV=$OWN_RIG/env
  fi
  [[ -r $RIG_ENV ]] || die "cannot read rig env file $RIG_ENV"
  # shellcheck disable=SC1090
  source "$RIG_ENV"
  : "${XSHIP_TEST_ENDPOINT:?} ${XSHIP_TEST_ACCESS_KEY:?} ${XSHIP_TEST_SECRET_KEY:?} ${XSHIP_TEST_BUCKET:?}"
  ENDPOINT=$XSHIP_TEST_ENDPOINT BUCKET=$XSHIP_TEST_BUCKET REGION=${XSHIP_TEST_REGION:-us-east-1}
  RIG_DIR=$(dirname "$(realpath -- "$RIG_ENV")")
}

# CPU accounting around each run, from /proc: the rig's radosgw + ceph-osd (when its pid
# files are readable; mon included) and the whole machine, so that "other" = machine - client - server
# shows load from anything else (e.g. a compiler running next to the benchmark).
HZ=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
server_ticks() {
  local f pid t=0 v
  for f in "$RIG_DIR"/pids/rgw.pid "$RIG_DIR"/pids/osd.pid "$RIG_DIR"/pids/mon.pid; do
    [[ -r $f ]] || continue
    pid=$(<"$f")
    # Fields after the ")" of the command name: utime is the 12th, stime the 13th.
    v=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# Wait until the machine is quiet (RGW done with its background work, nobody else
# compiling): busy share of all CPUs over 1 s below QUIET_BUSY %, for at most QUIET_TIMEOUT s.
wait_quiet() {
  local t0=$SECONDS a b busy
  while :; do
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat)
    busy=$(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
      bu = y[1] - x[1]; id = y[2] - x[2]; print (bu + id > 0) ? int(100 * bu / (bu + id)) : 0 }')
    ((busy >= QUIET_BUSY)) || return 0
    if ((SECONDS - t0 >= QUIET_TIMEOUT || WAITED >= QUIET_BUDGET)); then
      log "machine still ${busy}% busy (waited $((SECONDS - t0))s, ${WAITED}s in all): measuring anyway"
      NOISY=$((NOISY + 1))
      return 0
    fi
    sleep 2
    WAITED=$((WAITED + 3))
  done
}
NOISY=0 WAITED=0
QUIET_BUDGET=${QUIET_BUDGET:-${BENCH_QUIET_BUDGET:-600}}  # seconds of waiting in all
