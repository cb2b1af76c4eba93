#!/usr/bin/env bash
# The Make fragment tested like gmsl tests itself: makefiles that include it, run with a
# recording stand-in for xship (so the exact command lines are asserted), once normally
# and once with .EXPORT_ALL_VARIABLES. The real xship runs in the last cases and in
# test_e2e_make.sh. No S3 rig needed.
source "$(dirname "$0")/lib.sh"
use_cross
frag=$XSHIP_SOURCE_DIR/make-include/xship.mk
real_xship=$XSHIP_BIN
unset XSHIP_BIN XSHIP_NAME XSHIP_TARGETS XSHIP_FORMAT XSHIP_TO XSHIP_PREFIX XSHIP_MK V MAKEFLAGS MFLAGS
# The helper built from source below only has to run: unoptimised, it compiles with a
# third less CPU time. The default (Release) is asserted with make -n.
export XSHIP_HELPER_BUILD_TYPE=None

# The stand-in appends its argv (one line per call, with start/end times) to $LOG.
fake=$TMP/fakebin
mkdir -p "$fake"
cat >"$fake/xship" <<'EOF'
#!/usr/bin/env bash
echo "start $(date +%s.%N) $*" >>"$LOG"
[[ $1 == test ]] && sleep "${FAKE_TEST_SECONDS:-0}"
echo "end $(date +%s.%N) $1" >>"$LOG"
# FAKE_FAIL: only this call ("test", "publish --check") fails; unset: every call.
[[ -z ${FAKE_FAIL:-} || $1 == "$FAKE_FAIL" || "$1 $2" == "$FAKE_FAIL" ]] || exit 0
exit "${FAKE_RC:-0}"
EOF
chmod +x "$fake/xship"
export LOG=$TMP/log

proj=$TMP/proj
mkdir -p "$proj"
write_ci() {  # [EXTRA LINE BEFORE INCLUDE]...
  { printf '%s\n' "$@"; echo "include $frag"; echo 'xship-target: ; @echo built'; } >"$proj/ci.mk"
}
calls() { grep '^start' "$LOG" | cut -d' ' -f3-; }
mk() { : >"$LOG"; (cd "$proj" && PATH=$fake:$PATH make --no-print-directory -f ci.mk "$@"); }

for export_all in "" ".EXPORT_ALL_VARIABLES:"; do
  mode=${export_all:+ (export all)}
  write_ci "$export_all" 'XSHIP_NAME := hello'

  # Defaults: the host, gz, dist, the includer's own rules run by $(MAKE) -f ci.mk.
  mk build >/dev/null
  c=$(calls)
  assert_contains "$c" "build --targets host --name hello --out dist --build-dir build/xship" "build: default matrix$mode"
  assert_contains "$c" "--make make --no-print-directory -f ci.mk -I $proj/ xship-target --format gz" "build: includer's rule, gz$mode"
  for f in --programs --files --archive --archive-name --max-glibc --shared-runtime --out-of-tree; do
    [[ $c != *" $f"* ]] || fail "build: $f passed although its variable is unset$mode"
  done
  ok "build: no release flags by default$mode"
  mk build XSHIP_PROGRAMS='lua luac' XSHIP_FILES='README doc/lua.1' XSHIP_ARCHIVE=tar.zst XSHIP_ARCHIVE_NAME='{name}-{os}' \
    XSHIP_MAX_GLIBC=2.31 XSHIP_SHARED_RUNTIME=1 XSHIP_MAKE_OUT_OF_TREE=1 >/dev/null
  c=$(calls)
  assert_contains "$c" "--programs lua,luac --files README,doc/lua.1 --archive tar.zst --archive-name {name}-{os} --max-glibc 2.31 --shared-runtime" \
    "build: release variables become flags$mode"
  assert_contains "$c" "xship-target --out-of-tree" "build: XSHIP_MAKE_OUT_OF_TREE runs the rule in place$mode"
  mk build XSHIP_PROGRAMS=hello XSHIP_ARCHIVE=auto >/dev/null
  [[ $(calls) != *--programs* && $(calls) != *--archive* ]] || fail "build: XSHIP_PROGRAMS equal to XSHIP_NAME or ARCHIVE=auto passed flags$mode"
  ok "build: defaults spelt out pass no flags$mode"
  mk test XSHIP_TARGETS='linux/arm64 windows/amd64' XSHIP_JOBS=3 >/dev/null
  assert_contains "$(calls)" "test --targets linux/arm64 windows/amd64 --name hello --out dist --build-dir build/xship -j 3" "test: targets and jobs from the command line$mode"
  assert_contains "$(calls)" "--make-test make --no-print-directory -f ci.mk -I $proj/ xship-target-test" "test: the includer's test rule$mode"

  # publish checks the credentials and destination, then runs test, then build, then
  # publish, in that order even under -j.
  FAKE_TEST_SECONDS=1 mk -j4 publish XSHIP_FORMAT=zst >/dev/null
  order=$(grep '^start' "$LOG" | cut -d' ' -f3 | paste -sd' ')
  assert_eq "$order" "publish test build publish" "publish: check, test, build, publish$mode"
  assert_eq "$(calls | head -n 1)" "publish --check" "publish: the check comes first$mode"
  test_end=$(awk '$1 == "end" && $3 == "test" {print $2}' "$LOG")
  build_start=$(awk '$1 == "start" && $3 == "build" {print $2}' "$LOG")
  awk -v a="$test_end" -v b="$build_start" 'BEGIN {exit !(b >= a)}' || fail "build started before test ended under -j4$mode"
  ok "build waits for test under -j4$mode"
  assert_contains "$(calls)" "--format zst" "XSHIP_FORMAT on the command line$mode"
  # The default destination is left to xship (its error names ARTIFACTS_BUCKET).
  assert_eq "$(calls | tail -n 1)" "publish dist" "publish: default destination left to xship$mode"
  mk publish XSHIP_TO='s3://b/{repo}/it'"'"'s' XSHIP_ENDPOINT=http://127.0.0.1:1 >/dev/null
  assert_eq "$(calls | tail -n 1)" "publish --to s3://b/{repo}/it's --endpoint http://127.0.0.1:1 dist" "publish: XSHIP_TO quoted for the shell$mode"
  assert_eq "$(calls | head -n 1)" "publish --check --to s3://b/{repo}/it's --endpoint http://127.0.0.1:1" "publish --check: the same destination$mode"

  # A failing check stops publish before test and build run; a failing test before the
  # upload (make stops at the first failure).
  rc=$(FAKE_FAIL="publish --check" FAKE_RC=4 rc_of mk -j4 publish)
  [[ $rc != 0 ]] || fail "publish succeeded although the check failed"
  assert_eq "$(calls | paste -sd' ')" "publish --check" "a failed check stops publish before test, build and upload$mode"
  rc=$(FAKE_FAIL=test FAKE_RC=1 rc_of mk publish)
  [[ $rc != 0 ]] || fail "publish succeeded although test failed"
  assert_eq "$(calls | cut -d' ' -f1 | paste -sd' ')" "publish test" "a failed test stops publish before build and upload$mode"
  mk test build >/dev/null
  assert_eq "$(calls | cut -d' ' -f1 | paste -sd' ')" "test build" "no check without publish$mode"

  mk merge XSHIP_TO=s3://b/x >/dev/null
  assert_eq "$(calls)" "publish --merge-manifests --to s3://b/x" "merge$mode"
  mk clean >/dev/null
  assert_eq "$(calls)" "clean --out dist --build-dir build/xship --name hello" "clean$mode"
  mk deps XSHIP_LIBS=zlib >/dev/null
  assert_eq "$(calls)" "deps --targets host --libs zlib --install" "deps$mode"
done

# Quiet by default (one line per step is xship's); V=1 shows the command.
write_ci 'XSHIP_NAME := hello'
out=$(mk build)
[[ $out != *"xship' build"* ]] || fail "command echoed without V=1: $out"
assert_contains "$(mk build V=1)" "xship' build --targets" "V=1 prints the command"

# A missing required variable stops make with an error naming it, before xship runs.
write_ci
rc=$(cd "$proj" && PATH=$fake:$PATH rc_of make -f ci.mk build)
[[ $rc != 0 ]] || fail "build without XSHIP_NAME succeeded"
assert_contains "$(cat "$TMP/err")" "XSHIP_NAME is not set: add 'XSHIP_NAME := ...' to ci.mk" "missing XSHIP_NAME named"
[[ ! -s $LOG ]] || : >"$LOG"
(cd "$proj" && PATH=$fake:$PATH make -f ci.mk help >"$TMP/help") || fail "help needs no XSHIP_NAME"
ok "help works without XSHIP_NAME"

# help lists the six targets and documents every user variable the fragment sets.
for t in deps test build publish merge prune clean help; do
  grep -Eq "^  $t +[a-z]" "$TMP/help" || fail "help does not list $t: $(cat "$TMP/help")"
done
ok "help lists deps test build publish merge prune clean help"
for v in $(grep -oE '^XSHIP_[A-Z_]+ *\?=' "$frag" | cut -d' ' -f1); do
  grep -q "^  $v " "$TMP/help" || fail "help does not document $v"
done
ok "help documents every XSHIP_ variable"
# Every user variable is ?=; private names are __xship_*.
bad=$(grep -E '^[A-Za-z_]+ *(:|\+|!)?=' "$frag" | grep -vE '^(XSHIP_[A-Z_]+ *\?=|V \?=|__xship_)' || true)
assert_eq "$bad" "" "user variables are ?=, the rest __xship_*"
# Each public target's recipe is one line that calls xship (help excepted).
for t in deps test build publish merge prune clean; do
  n=$(awk -v t="\$(XSHIP_PREFIX)$t:" 'index($0, t) == 1 {on = 1; next} on && /^\t/ {n++; next} on {exit} END {print n + 0}' "$frag")
  line=$(awk -v t="\$(XSHIP_PREFIX)$t:" 'index($0, t) == 1 {getline; print; exit}' "$frag")
  [[ $n == 1 && $line == *'$(__xship_cmd) '"${t/merge/publish --merge-manifests}"* ]] || fail "recipe of $t is $n lines or does not call xship: $line"
done
ok "recipes are one line calling xship"

# The includer's SHELL, MAKEFLAGS and suffix rules are untouched; a second include is a
# no-op (no "overriding recipe" warnings).
cat >"$proj/probe.mk" <<EOF
SHELL := /bin/bash
.SUFFIXES:
.SUFFIXES: .c .o
XSHIP_NAME := hello
\$(if \$(WITH),\$(eval include $frag)\$(eval include $frag))
probe: ; @echo "\$(SHELL)|\$(MAKEFLAGS)|\$(SUFFIXES)"
EOF
without=$(cd "$proj" && make -s -f probe.mk probe 2>&1; make -s -p -f probe.mk probe 2>/dev/null | grep '^\.SUFFIXES:')
with=$(cd "$proj" && export WITH=1 && make -s -f probe.mk probe 2>&1; make -s -p -f probe.mk probe 2>/dev/null | grep '^\.SUFFIXES:')
assert_eq "$with" "$without" "SHELL, MAKEFLAGS and .SUFFIXES unchanged; included twice without warnings"
[[ $(cd "$proj" && WITH=1 make -s -f probe.mk help) == *$'\n'"  publish "* ]] || fail "the probe did not include the fragment"

# Prefixed targets for includers with their own test/build (xship's own ci.mk does this).
write_ci 'XSHIP_NAME := hello' 'XSHIP_PREFIX := xship-' 'build: ; @echo own-build'
assert_eq "$(mk build)" "own-build" "the includer's build is its own"
mk xship-build >/dev/null
assert_contains "$(calls)" "build --targets host --name hello" "xship-build with XSHIP_PREFIX"

# Finding xship: XSHIP_BIN wins over PATH; with neither, the fragment builds the helper
# from its own source tree (shown with make -n, not run: test_module_ways builds it).
write_ci 'XSHIP_NAME := hello'
mk build XSHIP_BIN="$fake/xship" >/dev/null
assert_contains "$(calls)" "build --targets host" "XSHIP_BIN is used"
rc=$(cd "$proj" && PATH=$fake:$PATH rc_of make -f ci.mk build XSHIP_BIN=/opt/x/xship)
[[ $rc != 0 ]] || fail "a missing XSHIP_BIN went unnoticed"
assert_contains "$(cat "$TMP/err")" "XSHIP_BIN '/opt/x/xship' does not exist" "a missing XSHIP_BIN is named, PATH not used instead"
(cd "$proj" && env -u XSHIP_HELPER_BUILD_TYPE PATH=/usr/bin:/bin make -n -f ci.mk build >"$TMP/n" 2>&1) || true
assert_contains "$(cat "$TMP/n")" "cmake --build '$XSHIP_SOURCE_DIR/build/xship-helper' --target xship" "without xship on PATH: built from the source tree"
assert_contains "$(cat "$TMP/n")" "-DCMAKE_BUILD_TYPE='Release' " "... optimised by default"
assert_contains "$(cat "$TMP/n")" "'$XSHIP_SOURCE_DIR/build/xship-helper/tool/xship' build --targets" "... and that build is the one run"

# The real xship, end to end without S3, found the third way: no XSHIP_BIN and none on
# PATH, so the fragment builds it from the source tree it lives in (what a project that
# vendors xship as a submodule gets; a no-op when it is already built).
cp -r "$XSHIP_SOURCE_DIR/examples/make-hello" "$TMP/mh"
(cd "$TMP/mh" && env -u XSHIP_BIN PATH=/usr/sbin:/usr/bin:/sbin:/bin make --no-print-directory -f ci.mk test build \
  XSHIP_TARGETS=host XSHIP_MK="$frag" >"$TMP/real" 2>&1) || fail "make-hello test build: $(tail -20 "$TMP/real")"
[[ -x $XSHIP_SOURCE_DIR/build/xship-helper/tool/xship ]] || fail "the fragment did not build xship from its source tree"
grep -qx 'CMAKE_BUILD_TYPE:STRING=None' "$XSHIP_SOURCE_DIR/build/xship-helper/CMakeCache.txt" || fail "XSHIP_HELPER_BUILD_TYPE did not reach the helper's build"
ok "without XSHIP_BIN or xship on PATH, the fragment built xship from its source tree"
assert_eq "$(gzip -dc "$TMP/mh/dist/hello.linux.amd64.gz" | head -c 4 | od -An -c | tr -d ' ')" '177ELF' "make-hello: dist/hello.linux.amd64.gz is a gzipped ELF"
gzip -dc "$TMP/mh/dist/hello.linux.amd64.gz" >"$TMP/hello" && chmod +x "$TMP/hello"
assert_contains "$("$TMP/hello")" "hello from linux/amd64" "make-hello: the program runs"
(cd "$TMP/mh" && make --no-print-directory -f ci.mk clean XSHIP_BIN="$real_xship" XSHIP_MK="$frag" >/dev/null)
[[ ! -e $TMP/mh/dist && ! -e $TMP/mh/build/xship ]] || fail "clean left dist or build/xship"
ok "clean removes dist and build/xship"
