# Shared by the test_harden_*.sh scripts (sourced after lib.sh): the hostile S3 fixture,
# a runner that bounds and measures each xship run, and the "nothing outside" check.
HOSTILE=$XSHIP_SOURCE_DIR/tests/hostile/hostile_s3.py
BOX=$TMP/box            # the only place xship runs and writes in; DEST is below it
mkdir -p "$BOX/run"
export AWS_EC2_METADATA_DISABLED=true

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
# What xship takes doing nothing (`xship version`): 4 MB, or about 90 MB under ASan. The
# memory bounds below are on top of it.
IDLE_MB=$(( $(/usr/bin/time -f %M "$XSHIP_BIN" version 2>&1 >/dev/null | tail -n 1) / 1024 ))
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
