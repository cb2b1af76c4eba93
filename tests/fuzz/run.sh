#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR for SECONDS each, starting from the
# committed seeds in tests/fuzz/corpus/NAME/ (read only: new inputs go to a scratch dir).
# Exit 1 on the first crash, leak, UB or invariant failure, with the input in base64 so a
# regression unit test can be written from the log alone.
#   FUZZ_JOBS=N runs N targets at a time (default: the number of cores).
#   bash tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SECONDS]} seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
work=$(realpath -m "$build/fuzz-work")
rm -rf "$work" && mkdir -p "$work"
# UBSan findings abort (the build also has -fno-sanitize-recover); leaks count as crashes.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
shopt -s nullglob
targets=("$build"/tests/fuzz/fuzz_*)
((${#targets[@]} > 0)) || { echo "fuzz: no targets in $build/tests/fuzz: build with -DXSHIP_FUZZ=ON" >&2; exit 1; }
# Targets run side by side, one per core (FUZZ_JOBS): each still gets its full SECONDS.
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {  # NAME BIN: the target's run; its summary line goes to $work/NAME.result
  local name=$1 bin=$2 t0=$SECONDS n
  mkdir -p "$work/$name"
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1
              -artifact_prefix="$work/$name-")
  [[ -f $here/$name.dict ]] && args+=(-dict="$here/$name.dict")
  if ! "$bin" "${args[@]}" "$work/$name" "$here/corpus/$name" >"$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log" >&2
    for a in "$work/$name"-*; do echo "fuzz: $name: failing input $a (base64): $(base64 -w0 "$a")" >&2; done
    echo "fuzz: $name failed: make it a regression unit test, fix it, rerun" >&2
    return 1
  fi
  n=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$name.log" | grep -Eo '[0-9]+$' || echo 0)
  echo "$n $((SECONDS - t0))" >"$work/$name.result"
  echo "fuzz: $name: $n runs in $((SECONDS - t0))s, no finding"
}
failed=0 running=0
for bin in "${targets[@]}"; do
  name=${bin##*/fuzz_}
  [[ -d $here/corpus/$name ]] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$name" >&2; exit 1; }
  if ((running >= jobs)); then wait -n || failed=1; running=$((running - 1)); fi
  ((failed == 0)) || break
  run_one "$name" "$bin" &
  running=$((running + 1))
done
while ((running > 0)); do wait -n || failed=1; running=$((running - 1)); done
((failed == 0)) || exit 1
total=0 runs=0
for bin in "${targets[@]}"; do
  read -r n s <"$work/${bin##*/fuzz_}.result"
  total=$((total + s)) runs=$((runs + n))
done
echo "fuzz: ${#targets[@]} targets ($jobs at a time), $runs runs in ${total}s of target time, no finding"
