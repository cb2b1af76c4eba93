#!/usr/bin/env bash
# Bad arguments are rows of tests/cli/cases.json; this is what a table cannot say.
source "$(dirname "$0")/lib.sh"
use_compress
D=$TMP/in
mkdir -p "$D"
# SIGINT mid-compression: exit 130, input intact, no output and no temporary file. Level 12
# on one thread makes the 48 MiB take seconds, so the signal lands while it runs.
make_random "$D/slow" $((48 << 20))
want=$(sha256_of "$D/slow")
"$XSHIP_BIN" compress --level 12 --threads 1 "$D/slow" >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 0.7
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 130 "SIGINT: exit 130 ($(cat "$TMP/err"))"
grep -q '^xship: interrupted: ' "$TMP/err" || fail "SIGINT: stderr: $(cat "$TMP/err")"
assert_eq "$(sha256_of "$D/slow")" "$want" "SIGINT: the input is intact"
assert_eq "$(find "$D" -name 'slow.gz' -o -name '.slow*' | wc -l)" 0 "SIGINT: no output, no temporary file"
