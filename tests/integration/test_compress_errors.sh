#!/usr/bin/env bash
# Bad input, table-driven: each case exits with its code and a one-line error naming the
# problem, and leaves the directory exactly as it was (inputs untouched, nothing written).
source "$(dirname "$0")/compress_lib.sh"
D=$TMP/in
mkdir -p "$D/adir"
make_random "$D/f" 100000
printf old >"$D/g.gz"
printf new >"$D/g"
printf z >"$D/done.gz"
printf r >"$D/rel.zip"
snapshot() { (cd "$D" && find . -printf '%p %s %T@\n' | sort && sha256sum f g g.gz done.gz rel.zip); }
before=$(snapshot)

# exit code | name | stderr pattern | arguments to xship compress
cases=(
  "2|format|unknown format 'bz2': use --format gz or --format zst|--format bz2 $D/f"
  "2|level-high-gz|level 13 is out of range for gz: use 1 to 12|--level 13 $D/f"
  "2|level-high-zst|level 23 is out of range for zst: use 1 to 22|--format zst --level 23 $D/f"
  "2|level-negative|level -1 is out of range|--level -1 $D/f"
  "2|level-word|--level|--level fast $D/f"
  "2|threads|--threads|--threads 0 $D/f"
  "2|missing|'$D/nope' does not exist: check the path|$D/nope"
  "2|directory|'$D/adir' is a directory: compress the files in it, or bundle it with --archive|$D/adir"
  "2|exists|'$D/g.gz' already exists: pass --force to replace it|$D/g"
  "2|suffix|'$D/done.gz' already ends in .gz|$D/done.gz"
  "2|device|'/dev/null' is not a regular file|/dev/null"
  "2|twice|is given twice|$D/f $D/f"
  "2|one-bad-of-two|does not exist|$D/f $D/nope"
  "2|nothing|nothing to compress|"
  "2|archive-format|unknown archive format 'rar': use tar.gz, tar.zst or zip|--archive rar $D/out $D/f"
  "2|archive-args|--archive needs a name and files|--archive zip $D/out"
  "2|archive-level|level 10 is out of range for zip: use 1 to 9|--archive zip --level 10 $D/out $D/f"
  "2|archive-missing|'$D/nope' does not exist|--archive tar.gz $D/out $D/nope"
  "2|archive-no-time|run inside a git checkout with a commit, or set SOURCE_DATE_EPOCH|--archive tar.gz $D/out $D/f"
  "2|archive-bad-epoch|SOURCE_DATE_EPOCH='soon' is not a number|--archive tar.gz $D/out $D/f"
  "2|archive-format-flag|--format does not apply to --archive|--archive zip --format zst $D/out $D/f"
  "2|archive-verify|--verify checks FILE.gz/FILE.zst outputs, not archives|--archive zip --verify $D/out $D/f"
  "2|archive-exists|'$D/rel.zip' already exists: pass --force|--archive zip $D/rel $D/f"
  "1|archive-lib-wrong|libarchive.so.13 has no archive_|--archive zip $D/out $D/f"
  "1|archive-lib-broken|cannot load libarchive.so.13|--archive zip $D/out $D/f"
)
# libarchive is opened on first use: a library of that name that is not libarchive, or
# not a library at all, must give the one-line error, not a crash.
mkdir -p "$TMP/lib-wrong" "$TMP/lib-broken"
echo 'int not_archive;' | gcc -shared -x c - -o "$TMP/lib-wrong/libarchive.so.13"
echo 'not an ELF file' >"$TMP/lib-broken/libarchive.so.13"
# Outside any git checkout (the ceiling stops git's search above $TMP/cwd, even when the
# build tree sits in one), so an archive has no commit time to take.
mkdir -p "$TMP/cwd" && cd "$TMP/cwd" || exit 1
for c in "${cases[@]}"; do
  IFS='|' read -r want name pattern args <<<"$c"
  env=()
  [[ $name == archive-bad-epoch ]] && env=(SOURCE_DATE_EPOCH=soon)
  [[ $name == archive-lib-* ]] && env=(SOURCE_DATE_EPOCH=1 "LD_LIBRARY_PATH=$TMP/${name#archive-}")
  [[ $name == archive-exists || $name == archive-missing || $name == archive-format* || $name == archive-level || $name == archive-verify ]] && env=(SOURCE_DATE_EPOCH=1)
  # shellcheck disable=SC2086  # args are split on purpose
  run env "${env[@]}" GIT_CEILING_DIRECTORIES="$TMP" "$XSHIP_BIN" compress $args
  [[ $RC == "$want" ]] || die "$name: exit $RC, want $want; stderr: $(cat "$TMP/stderr")"
  grep -Fq -- "$pattern" "$TMP/stderr" || die "$name: stderr lacks '$pattern': $(cat "$TMP/stderr")"
  [[ $(wc -l <"$TMP/stderr") == 1 ]] || die "$name: the error is not one line: $(cat "$TMP/stderr")"
  [[ $(head -c 14 "$TMP/stderr") == "xship: error: " ]] || die "$name: not an xship error line: $(cat "$TMP/stderr")"
  [[ ! -s $TMP/stdout ]] || die "$name: printed to stdout: $(cat "$TMP/stdout")"
  same "$(snapshot)" "$before" "$name: exit $RC, '$(cat "$TMP/stderr")', nothing changed"
done

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
