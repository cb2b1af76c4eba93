#!/usr/bin/env bash
# cross_bench.sh XSHIP_BIN [RUNS] -- how long a cross-build matrix takes with xship, and
# what xship itself costs over the raw build commands.
#   1. matrix: a project built for 4 targets, `xship build` (targets in parallel) against a
#      shell script running the same cmake commands one target after another;
#   2. overhead for one target (linux/arm64), CMake and Make:
#      a. within each `xship build` run, its wall time against the time its build commands
#         took (command_seconds in --json): what xship adds, measured in the same run;
#      b. `xship build` against a script running the same commands (configure, build, copy).
# Projects: examples/hello and examples/make-hello (one file: xship's fixed cost shows most)
# and "gen40", generated here: the same program plus 40 C files (a small real project).
# Every run starts from an empty build directory; medians of RUNS runs (default 5), the
# sides run alternately; before each run the script waits up to BENCH_QUIET_TIMEOUT s
# (default 20) for the CPUs to be under 50% busy.
set -euo pipefail
XSHIP=$(realpath "${1:?usage: cross_bench.sh XSHIP_BIN [RUNS]}")
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$ROOT/bench/cross_results.md}
source "$ROOT/bench/lib.sh"  # WORK, CPUS
MATRIX=(linux/amd64 linux/arm64 linux/riscv64 windows/amd64)

cp -r "$ROOT/examples/hello" "$WORK/hello"
cp -r "$ROOT/examples/make-hello" "$WORK/make-hello"
# gen40: make-hello's sources plus 40 generated units, buildable by CMake and by Make.
gen40_sources "$ROOT" "$WORK/gen40"
cat >"$WORK/gen40/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(gen40 C)
file(GLOB units u*.c)
add_executable(hello main.c greeting.c ${units})
CMAKE
sed 's|$(XSHIP_OUT)/main.o $(XSHIP_OUT)/greeting.o|$(XSHIP_OUT)/main.o $(XSHIP_OUT)/greeting.o $(patsubst %.c,$(XSHIP_OUT)/%.o,$(wildcard u*.c))|' \
  "$ROOT/examples/make-hello/Makefile" >"$WORK/gen40/Makefile"
for p in hello make-hello gen40; do commit_project "$WORK/$p"; done
export SOURCE_DATE_EPOCH=$(git -C "$WORK/hello" log -1 --format=%ct)
for t in "${MATRIX[@]}"; do (cd "$WORK/hello" && "$XSHIP" toolchain "$t") >"$WORK/${t/\//_}.cmake"; done
(cd "$WORK/make-hello" && "$XSHIP" env linux/arm64) >"$WORK/arm64.env"

declare -A T
run() {  # KEY COMMAND...: time one run, appending seconds to T[KEY]
  local key=$1 start end
  shift
  rm -rf "$WORK/b" "$WORK/dist"
  wait_quiet
  # $EPOCHREALTIME, not `date`: reading the clock must not start a process of its own
  # (one `date` each side was 2-3 ms, counted as xship's in the in-run share).
  start=$EPOCHREALTIME
  "$@" >"$WORK/run.out" 2>&1 || { echo "bench: '$*' failed: $(tail -5 "$WORK/run.out")" >&2; exit 1; }
  end=$EPOCHREALTIME
  T[$key]+="$(echo "$end - $start" | bc) "
  if [[ $key == xship_* ]]; then T[${key}_commands]+="$(jq '[.[].command_seconds] | add' "$WORK/run.out") "; fi
}

raw_cmake() {  # PROJECT TARGET BUILD_DIR DIST [CMAKE_ARGS...]: the commands xship runs for one CMake target
  local src=$WORK/$1 slug=${2/\//_} exe="" dist=$4 dir=$3 dot=${2/\//.}
  [[ $2 == windows/* ]] && exe=.exe
  shift 4
  cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$WORK/$slug.cmake" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" --parallel "$CPUS" >/dev/null
  mkdir -p "$dist" && cp "$dir/hello$exe" "$dist/hello.$dot$exe"
}
raw_make() {  # PROJECT: make with the environment `xship env` gave, then copy
  (cd "$WORK/$1" && source "$WORK/arm64.env" && export CFLAGS="$CFLAGS -ffile-prefix-map=$WORK/b/linux_arm64=build" &&
    XSHIP_OUT="$WORK/b/linux_arm64" make -j "$CPUS" && mkdir -p "$WORK/dist" && cp "$WORK/b/linux_arm64/hello" "$WORK/dist/hello.linux.arm64")
}
# The raw commands above get the version stamp for free (made once, before the runs).
# These also make it each run, as a script or Makefile would: `git describe` for the
# version, `git log` for the commit and its time, one after the other.
stamp() {  # DIR -> STAMP_VERSION STAMP_COMMIT STAMP_EPOCH
  STAMP_VERSION=$(git -C "$1" describe --tags --always --dirty)
  read -r STAMP_COMMIT STAMP_EPOCH < <(git -C "$1" log -1 --format='%H %ct')
}
raw_cmake_stamped() {  # PROJECT TARGET BUILD_DIR DIST
  stamp "$WORK/$1"
  SOURCE_DATE_EPOCH=$STAMP_EPOCH raw_cmake "$@" -DXSHIP_VERSION="$STAMP_VERSION" -DXSHIP_COMMIT="$STAMP_COMMIT"
}
raw_make_stamped() {  # PROJECT
  stamp "$WORK/$1"
  (cd "$WORK/$1" && source "$WORK/arm64.env" && export SOURCE_DATE_EPOCH=$STAMP_EPOCH \
    CPPFLAGS="-DXSHIP_VERSION=\\\"$STAMP_VERSION\\\" -DXSHIP_COMMIT=\\\"$STAMP_COMMIT\\\" -DXSHIP_OS=\\\"linux\\\" -DXSHIP_ARCH=\\\"arm64\\\"" \
    CFLAGS="$CFLAGS -ffile-prefix-map=$WORK/b/linux_arm64=build" &&
    XSHIP_OUT="$WORK/b/linux_arm64" make -j "$CPUS" && mkdir -p "$WORK/dist" && cp "$WORK/b/linux_arm64/hello" "$WORK/dist/hello.linux.arm64")
}
xship_build() {  # PROJECT TARGETS ARGS...
  local p=$1 t=$2
  shift 2
  cd "$WORK/$p" && "$XSHIP" build --targets "$t" --name hello --build-dir "$WORK/b" --out "$WORK/dist" --json "$@"
}
matrix_script() { for t in "${MATRIX[@]}"; do raw_cmake "$1" "$t" "$WORK/b/${t/\//_}" "$WORK/dist"; done; }
MATRIX_LIST=$(IFS=,; echo "${MATRIX[*]}")

echo "bench: $RUNS runs each, $CPUS CPUs" >&2
run warmup xship_build gen40 "$MATRIX_LIST" --cmake .  # page cache
for ((i = 1; i <= RUNS; i++)); do
  for p in hello gen40; do
    run "matrix_$p" xship_build "$p" "$MATRIX_LIST" --cmake .
    run "matrix_script_$p" matrix_script "$p"
    run "xship_cmake_$p" xship_build "$p" linux/arm64 --cmake .
    run "raw_cmake_$p" raw_cmake "$p" linux/arm64 "$WORK/b/linux_arm64" "$WORK/dist"
  done
  run raw_stamped_cmake_hello raw_cmake_stamped hello linux/arm64 "$WORK/b/linux_arm64" "$WORK/dist"
  run raw_stamped_make_make-hello raw_make_stamped make-hello
  for p in make-hello gen40; do
    run "xship_make_$p" xship_build "$p" linux/arm64 --make "make -j $CPUS"
    run "raw_make_$p" raw_make "$p"
  done
  echo "bench: round $i of $RUNS done" >&2
done
# The one-file builds take 50-250 ms, where a few ms of noise is several percent: they get
# more runs (BENCH_SMALL_RUNS, default 6x RUNS), still alternating xship and the script.
SMALL_RUNS=${BENCH_SMALL_RUNS:-$((RUNS * 6))}
for ((i = RUNS + 1; i <= SMALL_RUNS; i++)); do
  run xship_cmake_hello xship_build hello linux/arm64 --cmake .
  run raw_cmake_hello raw_cmake hello linux/arm64 "$WORK/b/linux_arm64" "$WORK/dist"
  run xship_make_make-hello xship_build make-hello linux/arm64 --make "make -j $CPUS"
  run raw_make_make-hello raw_make make-hello
  run raw_stamped_cmake_hello raw_cmake_stamped hello linux/arm64 "$WORK/b/linux_arm64" "$WORK/dist"
  run raw_stamped_make_make-hello raw_make_stamped make-hello
done

f2() { printf '%.2f' "$1"; }
pct() { printf '%+.1f%%' "$(echo "100 * ($1 - $2) / $2" | bc -l)"; }
# Per run: xship's own share of its wall time and its milliseconds, then the medians.
own() {  # KEY -> "share% (ms)"
  local pairs
  pairs=$(paste <(tr ' ' '\n' <<<"${T[$1]}" | grep .) <(tr ' ' '\n' <<<"${T[${1}_commands]}" | grep .))
  printf '%.1f%% (%.1f ms)' "$(awk '{print 100 * ($1 - $2) / $1}' <<<"$pairs" | median)" \
    "$(awk '{print 1000 * ($1 - $2)}' <<<"$pairs" | median)"
}
{
  echo "# Cross-build benchmark"
  echo
  echo "\`bash bench/cross_bench.sh XSHIP_BIN $RUNS\` on $(date -u +%Y-%m-%d), $CPUS CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "Debian $(cat /etc/debian_version), $(cmake --version | head -1), ninja $(ninja --version). Medians of $RUNS runs"
  echo "($SMALL_RUNS for the one-file builds, hello and make-hello), every run from an empty build directory. hello: examples/hello (CMake) and examples/make-hello (Make), one or"
  echo "two C files; gen40: the same plus 40 generated C files (1000 functions), CMake and Make."
  ((NOISY == 0)) || echo "**$NOISY run(s) started with the CPUs >= 50% busy** (others' work on this machine): A/B rows are noisy; the in-run share is not."
  echo
  echo "## Matrix: ${MATRIX[*]}"
  echo
  echo "| project | \`xship build --targets ...\` (parallel) | same cmake commands, one target after another | speed-up |"
  echo "|---|---:|---:|---:|"
  for p in hello gen40; do
    echo "| $p | $(f2 "$(m "matrix_$p")") s | $(f2 "$(m "matrix_script_$p")") s | $(f2 "$(echo "$(m "matrix_script_$p") / $(m "matrix_$p")" | bc -l)")x |"
  done
  echo
  echo "## xship's own cost for one target (linux/arm64)"
  echo
  echo "| build | xship's share of its wall time (wall - build commands, same run) | raw commands, stamp given (script) | \`xship build\` | A/B | raw commands + \`git\` for the stamp | A/B |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for row in "CMake hello:cmake_hello" "CMake gen40:cmake_gen40" "Make make-hello:make_make-hello" "Make gen40:make_gen40"; do
    k=${row#*:}
    stamped="- | -"
    [[ -n ${T[raw_stamped_$k]:-} ]] && stamped="$(dur "$(m "raw_stamped_$k")") | $(pct "$(m "xship_$k")" "$(m "raw_stamped_$k")")"
    echo "| ${row%%:*} | $(own "xship_$k") | $(dur "$(m "raw_$k")") | $(dur "$(m "xship_$k")") | $(pct "$(m "xship_$k")" "$(m "raw_$k")") | $stamped |"
  done
  echo
  raw_samples
} >"$OUT"
cat "$OUT"
