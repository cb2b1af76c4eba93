#!/usr/bin/env bash
# cross_bench.sh XSHIP_BIN [RUNS] -- how long a cross-build matrix takes with xship, and
# what xship itself costs over the raw build commands.
#   1. matrix: examples/hello (CMake) for 4 targets, `xship build` (targets in parallel)
#      against a shell script running the same cmake commands one target after another;
#   2. overhead: one target (linux/arm64), for CMake and for Make (examples/make-hello):
#      a. within each `xship build` run: its wall time against the time its build
#         commands took (reported as command_seconds by --json) -- immune to other load;
#      b. `xship build` against a script running the same commands (configure, build, copy).
# Every run starts from an empty build directory; the tables show medians of RUNS runs
# (default 5), run alternately so background load hits both sides alike; before each run
# the script waits (up to BENCH_QUIET_TIMEOUT s, default 20) for the CPUs to be < 50% busy.
set -euo pipefail
XSHIP=$(realpath "${1:?usage: cross_bench.sh XSHIP_BIN [RUNS]}")
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$ROOT/bench/cross_results.md}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MATRIX=(linux/amd64 linux/arm64 linux/riscv64 windows/amd64)
CPUS=$(nproc)

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# The projects: copies in their own git repositories, so the stamp is the same every run.
for ex in hello make-hello; do
  cp -r "$ROOT/examples/$ex" "$WORK/$ex"
  git -C "$WORK/$ex" init -q && git -C "$WORK/$ex" add -A
  git -C "$WORK/$ex" -c user.name=bench -c user.email=bench@xship.invalid commit -qm bench
done
export SOURCE_DATE_EPOCH=$(git -C "$WORK/hello" log -1 --format=%ct)
for t in "${MATRIX[@]}"; do (cd "$WORK/hello" && "$XSHIP" toolchain "$t") >"$WORK/${t/\//_}.cmake"; done

raw_cmake() {  # TARGET BUILD_DIR DIST PARALLEL: what xship runs for one CMake target
  local slug=${1/\//_} exe=""
  [[ $1 == windows/* ]] && exe=.exe
  cmake -S "$WORK/hello" -B "$2" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$WORK/$slug.cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$2" --parallel "$4" >/dev/null
  mkdir -p "$3" && cp "$2/hello$exe" "$3/hello.${1/\//.}$exe"
}

cpu_busy() {  # percent of all CPUs busy over the next second
  local a b
  a=($(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat))
  sleep 1
  b=($(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat))
  echo $((100 * (b[0] - a[0]) / (b[0] - a[0] + b[1] - a[1] + 1)))
}
NOISY=0
wait_quiet() {
  local deadline=$((SECONDS + ${BENCH_QUIET_TIMEOUT:-20}))
  while (($(cpu_busy) >= 50)); do
    ((SECONDS < deadline)) || { NOISY=$((NOISY + 1)); return 0; }
  done
}

declare -A T
run() {  # KEY COMMAND...: time one run, appending seconds to T[KEY]
  local key=$1 start
  shift
  rm -rf "$WORK/b" "$WORK/dist"
  wait_quiet
  start=$(now)
  "$@" >"$WORK/run.out" 2>&1 || { echo "bench: '$*' failed: $(tail -5 "$WORK/run.out")" >&2; exit 1; }
  T[$key]+="$(echo "$(now) - $start" | bc) "
  # xship's JSON says how much of that its build commands took.
  if [[ $key == one_xship_* ]]; then T[${key}_commands]+="$(jq '[.[].command_seconds] | add' "$WORK/run.out") "; fi
}

matrix_xship() { cd "$WORK/hello" && "$XSHIP" build --targets "$(IFS=,; echo "${MATRIX[*]}")" --name hello --cmake . --build-dir "$WORK/b" --out "$WORK/dist"; }
matrix_script() { for t in "${MATRIX[@]}"; do raw_cmake "$t" "$WORK/b/${t/\//_}" "$WORK/dist" "$CPUS"; done; }
one_xship_cmake() { cd "$WORK/hello" && "$XSHIP" build --targets linux/arm64 --name hello --cmake . --build-dir "$WORK/b" --out "$WORK/dist" --json; }
one_raw_cmake() { raw_cmake linux/arm64 "$WORK/b/linux_arm64" "$WORK/dist" "$CPUS"; }
one_xship_make() { cd "$WORK/make-hello" && "$XSHIP" build --targets linux/arm64 --name hello --make make --build-dir "$WORK/b" --out "$WORK/dist" --json; }
# `xship env` runs git; xship build does the same work inside, so the raw side gets the
# assignments ready-made and pays nothing for them.
(cd "$WORK/make-hello" && "$XSHIP" env linux/arm64) >"$WORK/arm64.env"
one_raw_make() {
  (cd "$WORK/make-hello" && source "$WORK/arm64.env" && export CFLAGS="$CFLAGS -ffile-prefix-map=$WORK/b/linux_arm64=build" &&
    XSHIP_OUT="$WORK/b/linux_arm64" make && mkdir -p "$WORK/dist" && cp "$WORK/b/linux_arm64/hello" "$WORK/dist/hello.linux.arm64")
}

echo "bench: $RUNS runs each, $CPUS CPUs" >&2
run warmup matrix_xship  # page cache, wine/qemu binaries
for ((i = 1; i <= RUNS; i++)); do
  run matrix_xship matrix_xship
  run matrix_script matrix_script
  for _ in 1 2; do  # the one-target runs are short: twice as many samples
    run one_xship_cmake one_xship_cmake
    run one_raw_cmake one_raw_cmake
    run one_xship_make one_xship_make
    run one_raw_make one_raw_make
  done
  echo "bench: round $i of $RUNS done" >&2
done

m() { tr ' ' '\n' <<<"${T[$1]}" | grep . | median; }
pct() { echo "scale=1; 100 * ($1 - $2) / $1" | bc; }
# Per run: xship's own share of its wall time, then the median of those shares.
own_share() {
  paste <(tr ' ' '\n' <<<"${T[$1]}" | grep .) <(tr ' ' '\n' <<<"${T[${1}_commands]}" | grep .) |
    awk '{print 100 * ($1 - $2) / $1}' | median
}
mx=$(m matrix_xship) ms=$(m matrix_script)
xc=$(m one_xship_cmake) rc=$(m one_raw_cmake) xm=$(m one_xship_make) rm_=$(m one_raw_make)
{
  echo "# Cross-build benchmark"
  echo
  echo "\`bash bench/cross_bench.sh XSHIP_BIN $RUNS\` on $(date -u +%Y-%m-%d), $CPUS CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "Debian $(cat /etc/debian_version), $(cmake --version | head -1), ninja $(ninja --version). Medians of $RUNS runs"
  echo "(one-target rows: $((2 * RUNS))), every run from an empty build directory."
  ((NOISY == 0)) || echo "**$NOISY run(s) started with the CPUs >= 50% busy** (others' work on the machine): the A/B rows are noisy."
  echo
  echo "## Matrix: examples/hello for ${MATRIX[*]}"
  echo
  echo "| | wall seconds |"
  echo "|---|---:|"
  echo "| \`xship build --targets ...\` (targets in parallel) | $mx |"
  echo "| the same cmake commands, one target after another (shell script) | $ms |"
  echo "| speed-up | $(echo "scale=2; $ms / $mx" | bc)x |"
  echo
  echo "## xship's own cost for one target (linux/arm64)"
  echo
  echo "| build | xship's own share of its wall time (wall - build commands) | raw commands (script) | \`xship build\` | difference |"
  echo "|---|---:|---:|---:|---:|"
  echo "| CMake (configure + build + copy) | $(own_share one_xship_cmake)% | $rc | $xc | $(pct "$xc" "$rc")% |"
  echo "| Make (make + copy, env ready) | $(own_share one_xship_make)% | $rm_ | $xm | $(pct "$xm" "$rm_")% |"
  echo
  echo "Raw samples (seconds):"
  echo
  for k in matrix_xship matrix_script one_xship_cmake one_xship_cmake_commands one_raw_cmake one_xship_make one_xship_make_commands one_raw_make; do
    echo "- $k: ${T[$k]}"
  done
} >"$OUT"
cat "$OUT"
