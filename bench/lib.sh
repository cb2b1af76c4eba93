# Shared by the bench scripts (sourced): a work directory WORK (removed on exit), CPUS,
# medians, waiting for a quiet machine, and the generated gen40 project.

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CPUS=$(nproc)

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# The scripts keep their samples in an associative array T: KEY -> "seconds seconds ...".
m() { tr ' ' '\n' <<<"${T[$1]}" | grep . | median; }  # KEY: the median of its samples
dur() { if (($(echo "$1 < 1" | bc))); then printf '%.1f ms' "$(echo "1000 * $1" | bc -l)"; else printf '%.2f s' "$1"; fi; }
raw_samples() {
  echo "Raw samples (seconds):"
  echo
  local k
  for k in $(printf '%s\n' "${!T[@]}" | sort); do echo "- $k: ${T[$k]}"; done
}

commit_project() {  # DIR: its own git repository, so the stamp is the same every run
  git -C "$1" init -q && git -C "$1" add -A
  git -C "$1" -c user.name=bench -c user.email=bench@xship.invalid commit -qm bench
}

gen40_sources() {  # ROOT DIR: examples/make-hello's sources plus 40 generated C units (1000 functions)
  mkdir -p "$2"
  cp "$1/examples/make-hello/"*.[ch] "$2/"
  local i f
  for i in $(seq 1 40); do
    {
      echo "/* generated unit $i */"
      for f in $(seq 1 25); do
        echo "double u${i}_f$f(const double* v, int n) { double s = 0; for (int k = 0; k < n; ++k) s += v[k] * $f.0 / (k + $i.0); return s; }"
      done
    } >"$2/u$i.c"
  done
}

cpu_busy() {  # percent of all CPUs busy over the next second
  local a b
  a=($(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat))
  sleep 1
  b=($(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat))
  echo $((100 * (b[0] - a[0]) / (b[0] - a[0] + b[1] - a[1] + 1)))
}

NOISY=0
wait_quiet() {  # up to BENCH_QUIET_TIMEOUT s (default 20) for the CPUs to be under 50% busy; else NOISY+1
  local deadline=$((SECONDS + ${BENCH_QUIET_TIMEOUT:-20}))
  while (($(cpu_busy) >= 50)); do
    ((SECONDS < deadline)) || { NOISY=$((NOISY + 1)); return 0; }
  done
}
