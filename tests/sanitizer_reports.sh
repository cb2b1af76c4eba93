#!/usr/bin/env bash
# After the sanitized suite: fail if any sanitizer reported anything, whatever the exit
# codes said (a test expecting xship to fail would take an ASan abort for that failure).
# ASan/LSan reports are in LOG_DIR (ASAN_OPTIONS log_path); g++'s UBSan ignores log_path
# when ASan is linked too, so its reports are found in what the tests captured: the
# integration tests' stderr files and CTest's own log.
#   bash tests/sanitizer_reports.sh BUILD_DIR LOG_DIR
set -euo pipefail
build=${1:?usage: sanitizer_reports.sh BUILD_DIR LOG_DIR} logs=${2:?usage: sanitizer_reports.sh BUILD_DIR LOG_DIR}
found=0
shopt -s nullglob
for f in "$logs"/*; do
  echo "---- $f" && cat "$f"
  found=1
done
places=()
for d in "$build/tests/tmp" "$build/Testing/Temporary"; do [[ -d $d ]] && places+=("$d"); done
# The reports' own shapes ("==PID==ERROR: AddressSanitizer", "FILE:LINE:COL: runtime
# error:"), so copies of xship's sources in the tests' scratch space (FetchContent of the
# tree) do not count, this script among them.
report='==[0-9]+==ERROR: (Address|Leak)Sanitizer|:[0-9]+:[0-9]+: runtime error:'
if ((${#places[@]})); then
  # -I: skip binary test data (hundreds of MiB of random bytes).
  while IFS= read -r f; do
    echo "---- $f" && grep -E -A 12 "$report" "$f" | head -n 40
    found=1
  done < <(grep -rlIE "$report" "${places[@]}" || true)
fi
if ((found)); then
  echo "sanitizers: reports above: fix them (each one is a bug, even when its test passed)" >&2
  exit 1
fi
echo "sanitizers: no report"
