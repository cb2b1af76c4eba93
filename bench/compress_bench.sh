#!/usr/bin/env bash
# compress_bench.sh: `xship compress` against gzip -6 and pigz -6 (gz) and zstd -3 -T0
# (zst) on one real program or library: wall time by hyperfine, output sizes, goals.
#
#   bash bench/compress_bench.sh [-n ROUNDS] [-r RUNS] [-p NICE] [-d DIR]... [-o RESULTS_MD] XSHIP_BINARY [INPUT]
#
# INPUT: a file to compress; default the largest 50-100 MiB shared library under /usr/lib.
# DIR: where the files are written; repeat -d for a section per place (default: $TMPDIR or
#   /tmp, then /dev/shm when it exists: a disk, where xship's fsync costs what the disk
#   makes it cost, and a tmpfs, where it costs nothing and only the compression shows).
# ROUNDS (default 3): hyperfine rounds per place; each runs every command RUNS times
#   (default 5), the order rotated between rounds so none always runs first. Medians.
# NICE (default -10 as root, else 0): niceness of the measured commands (and of their
#   autogroup), so work running beside the benchmark takes less of their CPU.
# Writes RESULTS_MD (default bench/compress_results.md) and prints it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=3 RUNS=5 OUT=$HERE/compress_results.md
NICE=0
[[ $(id -u) == 0 ]] && NICE=-10
DIRS=()

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while getopts n:r:p:d:o:h opt; do
  case $opt in
    n) ROUNDS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    p) NICE=$OPTARG ;;
    d) DIRS+=("$OPTARG") ;;
    o) OUT=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
(($# >= 1 && $# <= 2)) || usage
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS and RUNS must be positive integers" >&2; exit 2; }
XSHIP=$(realpath -- "$1")
[[ -x $XSHIP ]] || { echo "not an executable: $XSHIP" >&2; exit 2; }
for bin in hyperfine jq gzip pigz zstd md5sum sha256sum; do
  command -v "$bin" >/dev/null || { echo "missing '$bin' (apt-get install hyperfine jq gzip pigz zstd)" >&2; exit 2; }
done
INPUT=${2:-$(find /usr/lib -name '*.so*' -type f -size +50M -size -100M -printf '%s %p\n' 2>/dev/null | sort -rn | head -n1 | cut -d' ' -f2-)}
[[ -n $INPUT && -r $INPUT ]] || { echo "no input: pass a 50-100 MiB file" >&2; exit 2; }
INPUT_BYTES=$(stat -c %s "$INPUT")
if ((${#DIRS[@]} == 0)); then
  DIRS=("${TMPDIR:-/tmp}")
  [[ -d /dev/shm ]] && DIRS+=(/dev/shm)
fi
OUT=$(realpath -m -- "$OUT")
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# Runs a command at niceness NICE. With autogroup scheduling (one CPU group per session) a
# plain nice only ranks processes inside their own session, so the command gets a session
# of its own and that session's group gets the niceness too.
export NICE
niced() {
  if [[ -e /proc/self/autogroup ]] && ((NICE != 0)); then
    # shellcheck disable=SC2016  # expanded by the inner bash
    setsid --wait bash -c 'echo "$1" >/proc/self/autogroup && shift && exec nice -n "$NICE" "$@"' _ "$NICE" "$@"
  else
    nice -n "$NICE" "$@"
  fi
}

names=(xship-gz gzip pigz xship-zst zstd zstd-hash)
declare -A LABEL=([xship-gz]="xship gz" [gzip]="gzip -6" [pigz]="pigz -6" [xship-zst]="xship zst"
  [zstd]="zstd -3 -T0" [zstd-hash]="zstd -3 -T0, md5sum, sha256sum, sync")
declare -A EXT=([xship-gz]=gz [gzip]=gz [pigz]=gz [xship-zst]=zst [zstd]=zst [zstd-hash]=zst)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
pct() { awk -v r="$1" 'BEGIN { printf "%+.1f%%", 100 * (r - 1) }'; }
met() { awk -v v="$1" -v op="$2" -v lim="$3" 'BEGIN { ok = (op == ">=") ? v >= lim : v <= lim; print ok ? "**met**" : "**not met**" }'; }

# name -> "median min max cpu" over all rounds in $1 (cpu: mean user+sys per run).
stats() {
  jq -rs --arg n "$2" '
    [.[].results[] | select(.command == $n)] as $r
    | ([$r[].times[]] | sort) as $t
    | ($t | length) as $len
    | (if $len % 2 == 1 then $t[($len - 1) / 2] else ($t[$len / 2 - 1] + $t[$len / 2]) / 2 end) as $med
    | ([$r[] | .user + .system] | add / length) as $cpu
    | "\($med) \($t[0]) \($t[-1]) \($cpu)"' "$1"/round*.json
}

# Measures every tool with its files in DIR; prints a markdown section. Run in a subshell
# ($(...)): its EXIT trap removes its files.
measure_in() {
  local dir=$1 work fs
  work=$(mktemp -d "$dir/xship-cbench.XXXXXX")
  # shellcheck disable=SC2064  # expanded now: $work is local and gone when the trap runs
  trap "rm -rf -- '$work'" EXIT
  fs=$(findmnt -n -o FSTYPE --target "$work" 2>/dev/null | head -n1)
  [[ -n $fs ]] || fs=$(stat -f -c %T "$work")
  # A copy of the input per tool (warm in the page cache; gzip refuses hard-linked
  # files): each tool writes its output beside its input, as in a build.
  local n
  for n in "${names[@]}"; do mkdir "$work/$n" && cp -- "$INPUT" "$work/$n/in"; done
  export XSHIP_DIGEST_CACHE=$work/digests.json
  declare -A CMD=(
    [xship-gz]="$XSHIP compress --format gz --level 6 --keep $work/xship-gz/in"
    [gzip]="gzip -6 -n -k $work/gzip/in"
    [pigz]="pigz -6 -n -k $work/pigz/in"
    [xship-zst]="$XSHIP compress --format zst --level 3 --keep $work/xship-zst/in"
    [zstd]="zstd -q -3 -T0 -k $work/zstd/in"
    # What xship does in its one pass, done with the CLIs: compress, hash twice, sync.
    [zstd-hash]="sh -c 'zstd -q -3 -T0 -k $work/zstd-hash/in && md5sum $work/zstd-hash/in.zst && sha256sum $work/zstd-hash/in.zst && sync -d $work/zstd-hash/in.zst'"
  )
  local load_start round i order args
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  log "$dir ($fs): $ROUNDS rounds x $RUNS runs; nice $NICE"
  for ((round = 0; round < ROUNDS; round++)); do
    order=() args=()
    for ((i = 0; i < ${#names[@]}; i++)); do order+=("${names[(i + round) % ${#names[@]}]}"); done
    # A tool's output is removed before each of its runs: none pays to delete an old one.
    for n in "${order[@]}"; do args+=(--prepare "rm -f $work/$n/in.${EXT[$n]}"); done
    for n in "${order[@]}"; do args+=(-n "$n" "${CMD[$n]}"); done
    log "round $((round + 1)): ${order[*]}"
    niced hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json "$work/round$round.json" "${args[@]}" >/dev/null
  done
  # Every output must decompress to the input (the last run's outputs are still there).
  for n in "${names[@]}"; do
    if [[ ${EXT[$n]} == gz ]]; then gzip -dc "$work/$n/in.gz"; else zstd -q -dc "$work/$n/in.zst"; fi |
      cmp -s - "$INPUT" || { echo "$n: output does not decompress to the input" >&2; exit 1; }
  done
  local same_zst=no
  cmp -s "$work/xship-zst/in.zst" "$work/zstd/in.zst" && same_zst=yes

  declare -A MED MIN MAX CPU SIZE
  for n in "${names[@]}"; do
    read -r "MED[$n]" "MIN[$n]" "MAX[$n]" "CPU[$n]" < <(stats "$work" "$n")
    SIZE[$n]=$(stat -c %s "$work/$n/in.${EXT[$n]}")
  done
  local gz_speedup gz_size zst_time zst_size
  gz_speedup=$(ratio "${MED[gzip]}" "${MED[xship-gz]}")
  gz_size=$(ratio "${SIZE[xship-gz]}" "${SIZE[gzip]}")
  zst_time=$(ratio "${MED[xship-zst]}" "${MED[zstd]}")
  zst_size=$(ratio "${SIZE[xship-zst]}" "${SIZE[zstd]}")

  echo "## Files in \`$dir\` ($fs)"
  echo
  echo "Load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end."
  echo
  echo "| tool | wall s (median) | wall min-max | cpu s | output bytes | of input |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for n in "${names[@]}"; do
    printf '| %s | %.3f | %.3f-%.3f | %.3f | %d | %.1f%% |\n' "${LABEL[$n]}" "${MED[$n]}" "${MIN[$n]}" "${MAX[$n]}" \
      "${CPU[$n]}" "${SIZE[$n]}" "$(awk -v a="${SIZE[$n]}" -v b="$INPUT_BYTES" 'BEGIN { print 100 * a / b }')"
  done
  echo
  echo "| goal | measured | |"
  echo "| --- | --- | --- |"
  echo "| xship gz at least 2x faster than gzip -6 | ${gz_speedup}x | $(met "$gz_speedup" ">=" 2) |"
  echo "| xship gz output at most 2% larger than gzip -6 | $(pct "$gz_size") | $(met "$gz_size" "<=" 1.02) |"
  echo "| xship zst within 5% of zstd -3 -T0's time | $(pct "$zst_time") | $(met "$zst_time" "<=" 1.05) |"
  echo "| xship zst at the same size as zstd -3 -T0 | $(pct "$zst_size") (byte-identical: $same_zst) | $(met "$zst_size" "<=" 1.0) |"
  echo
  echo "Also: xship gz is $(ratio "${MED[pigz]}" "${MED[xship-gz]}")x pigz -6's speed at $(pct "$(ratio "${SIZE[xship-gz]}" "${SIZE[pigz]}")") size;"
  echo "xship zst against the CLIs doing its work in passes (zstd, md5sum, sha256sum, sync): $(pct "$(ratio "${MED[xship-zst]}" "${MED[zstd-hash]}")") time."
  echo
}

SECTIONS=""
for d in "${DIRS[@]}"; do SECTIONS+=$(measure_in "$d")$'\n\n'; done

{
  echo "# xship compress: benchmark"
  echo
  echo "Generated by \`bench/compress_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "- Input: \`$INPUT\`, $INPUT_BYTES bytes ($(awk -v b="$INPUT_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), warm in the page cache."
  echo "- Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), Linux $(uname -r),"
  echo "  shared: other jobs ran alongside. The measured commands ran at niceness $NICE (their"
  echo "  autogroup too) to take less noise from them."
  echo "- $ROUNDS hyperfine rounds x $RUNS runs per place (1 warm-up each), command order rotated per"
  echo "  round; wall = median of all runs, cpu = mean user+sys per run. Each output is deleted"
  echo "  before each run and checked to decompress to the input."
  echo "- Commands: \`xship compress --format gz --level 6 --keep\`, \`gzip -6 -n -k\`, \`pigz -6 -n -k\`,"
  echo "  \`xship compress --format zst --level 3 --keep\`, \`zstd -q -3 -T0 -k\` ($(nproc) threads each)."
  echo "- Versions: xship $("$XSHIP" version | awk '{print $2}') (libdeflate $(dpkg-query -W -f='${Version}' libdeflate0 2>/dev/null), libzstd $(dpkg-query -W -f='${Version}' libzstd1 2>/dev/null)), $(gzip --version | head -1), $(pigz --version 2>&1 | head -1), $(zstd --version | sed 's/^\*\*\* //; s/, by.*//')."
  echo "- xship also hashes its output (MD5 + SHA-256), fsyncs it before renaming it into place"
  echo "  and updates the digest cache; gzip, pigz and zstd do none of that. The last zstd row"
  echo "  does the same work with the CLIs, one pass each."
  echo
  printf '%s' "$SECTIONS"
} >"$OUT"
cat "$OUT"
