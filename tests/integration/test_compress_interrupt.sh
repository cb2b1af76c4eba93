#!/usr/bin/env bash
# Bad arguments are rows of tests/cli/cases.json; this is what a table cannot say.
source "$(dirname "$0")/compress_lib.sh"
D=$TMP/in
mkdir -p "$D"
# SIGINT mid-compression: exit 130, input intact, no output and no temporary file. Level 12
# on one thread makes the 48 MiB take seconds, so the signal lands while it runs.
make_random "$D/slow" $((48 << 20))
want=$(sha "$D/slow")
"$XSHIP_BIN" compress --level 12 --threads 1 "$D/slow" >"$TMP/stdout" 2>"$TMP/stderr" &
pid=$!
sleep 0.7
kill -INT "$pid"
RC=0
wait "$pid" || RC=$?
same "$RC" 130 "SIGINT: exit 130 ($(cat "$TMP/stderr"))"
grep -q '^xship: interrupted: ' "$TMP/stderr" || die "SIGINT: stderr: $(cat "$TMP/stderr")"
same "$(sha "$D/slow")" "$want" "SIGINT: the input is intact"
same "$(find "$D" -name 'slow.gz' -o -name '.slow*' | wc -l)" 0 "SIGINT: no output, no temporary file"
