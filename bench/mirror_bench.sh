#!/usr/bin/env bash
# mirror_bench.sh XSHIP_BIN MIRROR_BIN [RUNS] -- what the per-target source mirror costs
# against the build it is made for. A project whose Makefile builds in its source tree
# (objects next to sources) gets one copy of its sources per target, build/xship/OS_ARCH/src,
# refreshed before each build (tool/src/cross/source_mirror.h). Measured for gen40 (the
# 40-unit project of cross_bench.sh, here with an in-tree Makefile) and linux/amd64 and
# linux/arm64 (CC and flags from `xship env`), make -j NPROC in the mirror:
#   cold:        an empty build/xship/OS_ARCH: the first refresh, then the full build;
#   incremental: one source file touched: the refresh that copies it, then the rebuild.
# MIRROR_BIN is tests' xship_mirror_refresh (one refresh_mirror() call); the mirror time is
# the refresh's own (as inside `xship build`), its process wall time is reported beside.
# Wall times and CPU times (user + system, children included: git's, the compilers').
# Medians of RUNS (default 5); before each measured step the script waits up to
# BENCH_QUIET_TIMEOUT s (default 20) for the CPUs to be under 50% busy.
set -euo pipefail
XSHIP=$(realpath "${1:?usage: mirror_bench.sh XSHIP_BIN MIRROR_BIN [RUNS]}")
MIRROR=$(realpath "${2:?usage: mirror_bench.sh XSHIP_BIN MIRROR_BIN [RUNS]}")
RUNS=${3:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$ROOT/bench/mirror_results.md}
source "$ROOT/bench/lib.sh"  # WORK, CPUS
TARGETS=(linux/amd64 linux/arm64)

SRC=$WORK/gen40
gen40_sources "$ROOT" "$SRC"
cat >"$SRC/Makefile" <<'MAKE'
# In-tree: every object next to its source, the program at the top.
CPPFLAGS ?= -DXSHIP_COMMIT=\"unknown\" -DXSHIP_OS=\"unknown\" -DXSHIP_ARCH=\"unknown\"
CFLAGS += -O2 -Wall
OBJS := main.o greeting.o $(patsubst %.c,%.o,$(sort $(wildcard u*.c)))
hello$(EXE_SUFFIX): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^
%.o: %.c greeting.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
MAKE
printf '*.o\n/hello\n/build/\n/dist/\n' >"$SRC/.gitignore"
commit_project "$SRC"
FILES=$(git -C "$SRC" ls-files | wc -l)
for t in "${TARGETS[@]}"; do (cd "$SRC" && "$XSHIP" env "$t") >"$WORK/${t/\//_}.env"; done

declare -A T
refresh() {  # KEY SLUG EXPECTED_COPIES: one refresh: T[KEY] its own seconds, T[KEY_cpu], T[KEY_list], T[KEY_process]
  local start end out
  wait_quiet
  start=$EPOCHREALTIME
  out=$("$MIRROR" "$SRC" "$SRC/build/xship/$2/src" "$SRC/build" "$SRC/dist")
  end=$EPOCHREALTIME
  [[ $(jq .copied <<<"$out") == "$3" ]] || { echo "bench: expected $3 copies, got $out" >&2; exit 1; }
  T[$1]+="$(jq .seconds <<<"$out") "
  T[${1}_cpu]+="$(jq .cpu_seconds <<<"$out") "
  T[${1}_list]+="$(jq .list_seconds <<<"$out") "
  T[${1}_process]+="$(echo "$end - $start" | bc) "
  REFLINKED=$(jq .reflinked <<<"$out")
}
build() {  # KEY SLUG: make in the mirror: T[KEY] wall seconds, T[KEY_cpu]
  local start end
  wait_quiet
  start=$EPOCHREALTIME
  (cd "$SRC/build/xship/$2/src" && source "$WORK/$2.env" &&
    /usr/bin/time -f '%U %S' -o "$WORK/cpu" make -j "$CPUS" >"$WORK/make.log" 2>&1) ||
    { echo "bench: make failed: $(tail -5 "$WORK/make.log")" >&2; exit 1; }
  end=$EPOCHREALTIME
  T[$1]+="$(echo "$end - $start" | bc) "
  T[${1}_cpu]+="$(awk '{print $1 + $2}' "$WORK/cpu") "
}

echo "bench: $RUNS runs, $CPUS CPUs, $FILES files" >&2
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 1; i <= RUNS; i++)); do
  for t in "${TARGETS[@]}"; do
    slug=${t/\//_}
    rm -rf "$SRC/build/xship/$slug"
    refresh "cold_mirror_$slug" "$slug" "$FILES"
    build "cold_build_$slug" "$slug"
    touch "$SRC/u$((7 + i)).c"
    refresh "incr_mirror_$slug" "$slug" 1
    build "incr_build_$slug" "$slug"
    [[ -x $SRC/build/xship/$slug/src/hello ]] || { echo "bench: no program for $t" >&2; exit 1; }
  done
  echo "bench: round $i of $RUNS done" >&2
done

ms() { printf '%.1f ms' "$(echo "1000 * $1" | bc -l)"; }
share() { printf '%.2f%%' "$(echo "100 * $1 / $2" | bc -l)"; }
{
  echo "# Source mirror benchmark"
  echo
  echo "\`bash bench/mirror_bench.sh XSHIP_BIN MIRROR_BIN $RUNS\` on $(date -u +%Y-%m-%d), $CPUS CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "Debian $(cat /etc/debian_version), $(gcc --version | head -1), filesystem $(df -T "$WORK" | awk 'NR == 2 {print $2}')"
  echo "(copy-on-write clones used: $REFLINKED). Project: gen40 ($FILES files in git: make-hello's sources, 40 generated"
  echo "C units of 25 functions, an in-tree Makefile), \`make -j $CPUS\` in build/xship/OS_ARCH/src with \`xship env\`'s CC."
  echo "Medians of $RUNS runs. Mirror: the refresh's own time (git ls-files and the copies), as \`xship build\` would"
  echo "spend it; in brackets the wall time of the bench's one-refresh process (exec and start-up included)."
  echo "Incremental: one source file touched (new mtime), so the refresh copies one file and make rebuilds one object and links."
  ((NOISY == 0)) || echo "**$NOISY step(s) started with the CPUs >= 50% busy** (others' work on this machine; load average at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)): absolute times are noisy, builds and refreshes alike."
  echo
  echo "| target | cold mirror | cold build | mirror / build | incremental mirror | incremental build | mirror / build |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    s=${t/\//_}
    echo "| $t | $(ms "$(m "cold_mirror_$s")") ($(ms "$(m "cold_mirror_${s}_process")")) | $(dur "$(m "cold_build_$s")") |" \
      "$(share "$(m "cold_mirror_$s")" "$(m "cold_build_$s")") | $(ms "$(m "incr_mirror_$s")") ($(ms "$(m "incr_mirror_${s}_process")")) |" \
      "$(dur "$(m "incr_build_$s")") | $(share "$(m "incr_mirror_$s")" "$(m "incr_build_$s")") |"
  done
  echo
  echo "CPU time (user + system; the refresh's includes git's, the build's the compilers'):"
  echo
  echo "| target | cold mirror | cold build | mirror / build | incremental mirror | incremental build | mirror / build |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    s=${t/\//_}
    echo "| $t | $(ms "$(m "cold_mirror_${s}_cpu")") | $(dur "$(m "cold_build_${s}_cpu")") | $(share "$(m "cold_mirror_${s}_cpu")" "$(m "cold_build_${s}_cpu")") |" \
      "$(ms "$(m "incr_mirror_${s}_cpu")") | $(dur "$(m "incr_build_${s}_cpu")") | $(share "$(m "incr_mirror_${s}_cpu")" "$(m "incr_build_${s}_cpu")") |"
  done
  echo
  echo "Of the incremental refresh's wall time, listing the source (one \`git ls-files\` process): $(ms "$(m incr_mirror_linux_amd64_list)") (amd64),"
  echo "$(ms "$(m incr_mirror_linux_arm64_list)") (arm64). A build of several targets can list once for all (\`list_for_mirrors\`), leaving each"
  echo "target's refresh $(ms "$(echo "$(m incr_mirror_linux_amd64) - $(m incr_mirror_linux_amd64_list)" | bc -l)") (amd64), $(ms "$(echo "$(m incr_mirror_linux_arm64) - $(m incr_mirror_linux_arm64_list)" | bc -l)") (arm64): medians of each part."
  echo
  raw_samples
} >"$OUT"
cat "$OUT"
