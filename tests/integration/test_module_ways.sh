#!/usr/bin/env bash
# cmake-modules/XShip.cmake, the three ways a project gets it, each ending in a real
# `cmake --build . --target xship-build` and a program that runs:
#   1. add_subdirectory(<xship source>) in a consumer cross-compiled for linux/arm64: the
#      module must still build the helper for the host, and only when asked;
#   2. FetchContent of a tarball of this tree (uncommitted work included);
#   3. find_package(XShip) after `cmake --install` (of the tree ctest built: no compile).
# Then the argument checks: errors that name the keyword, warnings that do not stop, the
# command lines the targets run, and no policy leaking into the consumer. No S3 needed.
source "$(dirname "$0")/lib.sh"
use_cross
G=(-G Ninja)

case $(uname -m) in
  x86_64) HOST_ARCH=amd64 HOST_FILE="x86-64" ;;
  aarch64) HOST_ARCH=arm64 HOST_FILE="ARM aarch64" ;;
  *) fail "no expectations for host $(uname -m)" ;;
esac
HOST=linux/$HOST_ARCH

# A consumer project: examples/hello's program and TOP as the CMake code that gets the
# module, in a git repository so the program's commit is known. Sets COMMIT.
consumer() {  # DIR TOP
  mkdir -p "$1"
  cp "$XSHIP_SOURCE_DIR/examples/hello/hello.c" "$1/"
  cat > "$1/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(consumer LANGUAGES C)
add_executable(hello hello.c)
enable_testing()
add_test(NAME hello.runs COMMAND hello)
set_tests_properties(hello.runs PROPERTIES PASS_REGULAR_EXPRESSION "hello from ")
$2
xship_add_targets(NAME hello TARGET hello)
EOF
  git -C "$1" init -q && git -C "$1" add -A
  git -C "$1" -c user.name=xship -c user.email=ci@xship.invalid commit -q -m consumer
  COMMIT=$(git -C "$1" rev-parse HEAD)
}

# xship-build (which runs xship-test first) in DIR/build; the host's program must come
# out gzipped, be a host ELF and say which commit it was built from.
ship_and_check() {  # DIR WHAT
  local out=$TMP/ship.log
  cmake --build "$1/build" --target xship-build > "$out" 2>&1 || { tail -40 "$out"; fail "$2: xship-build failed"; }
  grep -q "xship: testing hello for host" "$out" || fail "$2: xship-build did not run xship-test first"
  local gz=$1/build/dist/hello.linux.$HOST_ARCH.gz
  [[ -f $gz ]] || fail "$2: no $gz: $(ls "$1/build/dist" 2>&1)"
  gzip -t "$gz" || fail "$2: $gz is not gzip"
  gzip -dc "$gz" > "$1/hello.run" && chmod +x "$1/hello.run"
  assert_contains "$(file -b "$1/hello.run")" "ELF 64-bit LSB" "$2: dist holds a gzipped ELF"
  assert_contains "$(file -b "$1/hello.run")" "$HOST_FILE" "$2: built for the host ($HOST_FILE)"
  assert_contains "$("$1/hello.run")" "hello from $HOST, commit $COMMIT" "$2: it runs and knows its commit"
}

# The command a custom target runs, from build.ninja ("cd BUILD && CMD").
command_in() { grep -A1 "^build CMakeFiles/$2 " "$1" | sed -n 's/^  COMMAND = cd [^ ]* && //p'; }
command_of() { command_in "$NINJA" "$1"; }
# Two cores here: the helper's build (ninja) would otherwise start one job per core plus two.
export CMAKE_BUILD_PARALLEL_LEVEL=2

# Ways 1 and 2 each build the helper from source; it only has to run here, and unoptimised
# it compiles with a third less CPU time. The default (Release) is checked below.
export XSHIP_HELPER_BUILD_TYPE=None
# The consumers must find the helper themselves: ctest's XSHIP_BIN would hide that.
configure() { env -u XSHIP_BIN -u XSHIP_TARGETS -u XSHIP_FORMAT -u XSHIP_TO -u XSHIP_ENDPOINT cmake "$@"; }

# ---- 1. add_subdirectory, consumer cross-compiled --------------------------------------
W1=$TMP/subdir
xs toolchain linux/arm64 > "$TMP/arm64.cmake"
consumer "$W1" 'add_subdirectory(${XSHIP_SOURCE_DIR} xship)'
configure -S "$W1" -B "$W1/build" "${G[@]}" -DCMAKE_TOOLCHAIN_FILE="$TMP/arm64.cmake" \
  -DXSHIP_SOURCE_DIR="$XSHIP_SOURCE_DIR" > "$TMP/cfg1.log" 2>&1 || { cat "$TMP/cfg1.log"; fail "1: configure failed"; }
ok "1: a cross-compiled consumer configures with add_subdirectory(xship)"
# ALL is the consumer's own program, for arm64, and nothing of xship's.
cmake --build "$W1/build" > "$TMP/all1.log" 2>&1 || { cat "$TMP/all1.log"; fail "1: building ALL failed"; }
assert_contains "$(file -b "$W1/build/hello")" "ARM aarch64" "1: the consumer's own program is cross-compiled"
[[ ! -e $W1/build/_xship_helper/build/tool/xship ]] || fail "1: ALL built the xship helper"
if grep -q 'xship_core\|xship\.dir' "$W1/build/build.ninja"; then fail "1: the consumer's build compiles xship's tool/"; fi
ok "1: ALL builds neither the helper nor xship's tool/"
ship_and_check "$W1" "1 (add_subdirectory)"
HELPER=$W1/build/_xship_helper/build/tool/xship
assert_contains "$(file -b "$HELPER")" "$HOST_FILE" "1: the helper was built for the host, not arm64"
assert_contains "$(command_in "$W1/build/build.ninja" xship-build)" "$HELPER build --targets host " "1: xship-build runs the helper it built"
# The nested per-target configure only gets the module: no helper, nothing compiled of xship.
if grep -q '_xship_helper\|xship_core' "$W1/build/xship/linux_$HOST_ARCH/build.ninja"; then
  fail "1: the nested configure builds xship too"
fi
ok "1: the nested configure defines no helper"
grep -qx 'CMAKE_BUILD_TYPE:STRING=None' "$W1/build/_xship_helper/build/CMakeCache.txt" || fail "1: XSHIP_HELPER_BUILD_TYPE did not reach the helper"
# Without XSHIP_HELPER_BUILD_TYPE the helper is an optimised Release build (configure only).
consumer "$TMP/deftype" 'add_subdirectory(${XSHIP_SOURCE_DIR} xship)'
(unset XSHIP_HELPER_BUILD_TYPE && configure -S "$TMP/deftype" -B "$TMP/deftype/build" "${G[@]}" -DXSHIP_SOURCE_DIR="$XSHIP_SOURCE_DIR") \
  > "$TMP/cfgdef.log" 2>&1 || { cat "$TMP/cfgdef.log"; fail "default build type: configure failed"; }
grep -q -- '-DCMAKE_BUILD_TYPE=Release ' "$TMP/deftype/build/build.ninja" || fail "the helper is not a Release build by default"
ok "the helper is a Release build unless XSHIP_HELPER_BUILD_TYPE says otherwise"

# ---- 2. FetchContent of a tarball of this tree -----------------------------------------
# Tracked plus untracked-but-not-ignored files, so work not yet committed is what runs.
(cd "$XSHIP_SOURCE_DIR" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done) > "$TMP/files"
tar -C "$XSHIP_SOURCE_DIR" --null -T "$TMP/files" --transform 's,^,xship/,' -czf "$TMP/xship-src.tar.gz"
W2=$TMP/fetch
consumer "$W2" "include(FetchContent)
FetchContent_Declare(xship URL file://$TMP/xship-src.tar.gz)
FetchContent_MakeAvailable(xship)"
configure -S "$W2" -B "$W2/build" "${G[@]}" > "$TMP/cfg2.log" 2>&1 || { cat "$TMP/cfg2.log"; fail "2: configure failed"; }
ok "2: FetchContent_MakeAvailable(xship) configures"
[[ -f $W2/build/_deps/xship-src/cmake-modules/XShip.cmake ]] || fail "2: the tarball was not populated"
ship_and_check "$W2" "2 (FetchContent)"
grep -q -- "-S $W2/build/_deps/xship-src " "$W2/build/build.ninja" || fail "2: the helper is not configured from the fetched source"
assert_contains "$(file -b "$W2/build/_xship_helper/build/tool/xship")" "$HOST_FILE" "2: the helper was built from the fetched source"
nested=$W2/build/xship/linux_$HOST_ARCH
assert_eq "$(grep '^FETCHCONTENT_SOURCE_DIR_XSHIP:' "$nested/CMakeCache.txt" | cut -d= -f2)" "$W2/build/_deps/xship-src" \
  "2: the nested configure reuses the populated source"
[[ ! -e $nested/_deps/xship-subbuild ]] || fail "2: the nested configure downloaded xship again"
ok "2: no second download per target"

# ---- 3. find_package(XShip) after cmake --install --------------------------------------
P=$TMP/prefix
cmake --install "$(dirname "$XSHIP_BIN")/.." --prefix "$P" > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; fail "3: install failed"; }
for f in bin/xship lib/cmake/XShip/XShip.cmake lib/cmake/XShip/XShipConfig.cmake lib/cmake/XShip/XShipConfigVersion.cmake \
         share/xship/xship.mk; do
  [[ -f $P/$f ]] || fail "3: cmake --install did not install $f"
done
ok "3: installed bin/xship, the module, its package config and version, the Make fragment"
W3=$TMP/package
consumer "$W3" 'find_package(XShip 0.1 REQUIRED)'
configure -S "$W3" -B "$W3/build" "${G[@]}" -DCMAKE_PREFIX_PATH="$P" > "$TMP/cfg3.log" 2>&1 \
  || { cat "$TMP/cfg3.log"; fail "3: configure failed"; }
assert_eq "$(grep '^XSHIP_BIN:' "$W3/build/CMakeCache.txt" | cut -d= -f2)" "$P/bin/xship" "3: XSHIP_BIN is the installed helper"
if grep -q _xship_helper "$W3/build/build.ninja"; then fail "3: the package way builds a helper"; fi
ship_and_check "$W3" "3 (find_package)"
assert_eq "$(grep '^XShip_DIR:' "$W3/build/xship/linux_$HOST_ARCH/CMakeCache.txt" | cut -d= -f2)" "$P/lib/cmake/XShip" \
  "3: the nested configure found the package through XShip_DIR (it has no CMAKE_PREFIX_PATH)"
# The helper runs on the host, so a consumer cross-compiled for a 32-bit target (as in
# xship's own nested configures for linux/arm) must accept the 64-bit package.
xs toolchain linux/arm > "$TMP/arm.cmake"
consumer "$TMP/arm32" 'find_package(XShip 0.1 REQUIRED)'
configure -S "$TMP/arm32" -B "$TMP/arm32/build" "${G[@]}" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_TOOLCHAIN_FILE="$TMP/arm.cmake" \
  > "$TMP/cfg32.log" 2>&1 || { cat "$TMP/cfg32.log"; fail "3: a linux/arm consumer refuses the package"; }
ok "3: a 32-bit cross consumer finds the package"
# The version file: a newer minor version than installed is refused.
consumer "$TMP/toonew" 'find_package(XShip 0.99 REQUIRED)'
rc=$(rc_of configure -S "$TMP/toonew" -B "$TMP/toonew/build" "${G[@]}" -DCMAKE_PREFIX_PATH="$P")
assert_eq "$rc" 1 "3: find_package(XShip 0.99) fails against 0.1"

# ---- argument checks -------------------------------------------------------------------
# Fast configures (no compiler): an imported executable stands in for the program.
# NO_POLICY_SCOPE: include() would otherwise hide a policy leak behind its own scope.
# Each case: a directory, its configure's exit code and output in $TMP/out and $TMP/err.
args_case() {  # NAME CALLS [cmake -D options...]
  local d=$TMP/args/$1 calls
  calls=$(printf '%b' "$2")  # the table below writes a line break as \n
  shift 2
  mkdir -p "$d"
  cat > "$d/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(args LANGUAGES NONE)
add_executable(hello IMPORTED)
add_library(lib INTERFACE)
include(\${MODULE} NO_POLICY_SCOPE)
$calls
EOF
  RC=$(rc_of env -u XSHIP_TARGETS -u XSHIP_FORMAT -u XSHIP_TO -u XSHIP_ENDPOINT \
    cmake -S "$d" -B "$d/build" "${G[@]}" -DMODULE="$XSHIP_SOURCE_DIR/cmake-modules/XShip.cmake" -DXSHIP_BIN="$XSHIP_BIN" "$@")
  NINJA=$d/build/build.ninja
}

# name | call | expected exit | text expected in stderr
while IFS='|' read -r name call want text; do
  [[ -z $name ]] && continue
  args_case "$name" "$call"
  assert_eq "$RC" "$want" "$name: configure exit code"
  assert_contains "$(tr -s ' \n' '  ' < "$TMP/err")" "$text" "$name: says so"
done <<'CASES'
no-name|xship_add_targets(TARGET hello)|1|xship_add_targets: missing required keyword NAME
no-target|xship_add_targets(NAME hello)|1|xship_add_targets: nothing to ship: name the executables with TARGETS (or PROGRAMS), or pass INSTALL
name-without-value|xship_add_targets(NAME TARGET hello)|1|xship_add_targets: keyword NAME needs a value
no-such-target|xship_add_targets(NAME hello TARGET nosuch)|1|TARGET 'nosuch' is not a target
not-executable|xship_add_targets(NAME hello TARGET lib)|1|TARGET 'lib' is a INTERFACE_LIBRARY, not an executable
bad-format|xship_add_targets(NAME hello TARGET hello FORMAT xz)|1|FORMAT must be gz, zst or none, not 'xz'
bad-to|xship_add_targets(NAME hello TARGET hello TO https://bucket/x)|1|TO must be s3://BUCKET[/PREFIX], not 'https://bucket/x'
bad-os-arch|xship_add_targets(NAME hello TARGET hello OS_ARCH linux-arm64)|1|OS_ARCH entry 'linux-arm64' is not OS/ARCH
name-is-path|xship_add_targets(NAME bin/hello TARGET hello)|1|NAME 'bin/hello' is a path
twice|xship_add_targets(NAME hello TARGET hello)\nxship_add_targets(NAME hello TARGET hello)|1|target 'xship-deps' already exists: give this call another PREFIX
unparsed|xship_add_targets(NAME hello TARGET hello BOGUS 1)|0|xship_add_targets: ignoring unknown arguments: BOGUS;1
other-name|xship_add_targets(NAME other TARGET hello)|0|
bad-archive|xship_add_targets(NAME hello TARGET hello ARCHIVE rar)|1|ARCHIVE must be auto, tar.gz, tar.zst, zip or none, not 'rar'
bad-max-glibc|xship_add_targets(NAME hello TARGET hello MAX_GLIBC two)|1|MAX_GLIBC must be a version such as 2.31, not 'two'
two-prefixes|xship_add_targets(NAME hello TARGET hello)\nxship_add_targets(NAME hello TARGET hello PREFIX ship-)|0|
CASES
args_case unparsed 'xship_add_targets(NAME hello TARGET hello BOGUS 1)'
[[ -n $(command_of xship-build) ]] || fail "unparsed: the targets are still defined"
ok "unparsed: a warning, and the targets are still defined"

# A release named otherwise than its program collects the program by its own name.
args_case other-name 'xship_add_targets(NAME other TARGET hello)'
assert_contains "$(command_of xship-build)" "--name other --cmake" "other-name: the release's name"
assert_contains "$(command_of xship-build)" "--programs hello " "other-name: the program by its own name"
# Several programs, files, an install tree and the release options reach xship as flags.
args_case release 'add_executable(tool IMPORTED)
set_target_properties(tool PROPERTIES OUTPUT_NAME hello-tool)
xship_add_targets(NAME suite TARGETS hello tool PROGRAMS extra/helper FILES README.md docs INSTALL
                  ARCHIVE tar.zst ARCHIVE_NAME "{name}-{version}-{os}-{arch}" MAX_GLIBC 2.31 SHARED_RUNTIME)'
assert_eq "$RC" 0 "release options configure"
S=$TMP/args/release
assert_contains "$(command_of xship-build)" "--programs hello,hello-tool,extra/helper --files $S/README.md,$S/docs --install --archive tar.zst --archive-name {name}-{version}-{os}-{arch} --max-glibc 2.31 --shared-runtime" "release options as flags, files made absolute"

# Cache variables are checked like the arguments, and named in the message.
args_case bad-cache-format 'xship_add_targets(NAME hello TARGET hello)' -DXSHIP_FORMAT=bz2
assert_eq "$RC" 1 "XSHIP_FORMAT=bz2 fails"
assert_contains "$(cat "$TMP/err")" "XSHIP_FORMAT must be gz, zst or none, not 'bz2'" "and names XSHIP_FORMAT"
args_case bad-bin 'xship_add_targets(NAME hello TARGET hello)' -DXSHIP_BIN=/nonexistent/xship
assert_eq "$RC" 1 "a missing XSHIP_BIN fails"
assert_contains "$(cat "$TMP/err")" "XSHIP_BIN '/nonexistent/xship' is not a file" "and says which"

# The defaults: host, gz, dist in the build tree, xship's own destination (no --to).
args_case defaults 'xship_add_targets(NAME hello TARGET hello)'
assert_eq "$RC" 0 "defaults configure"
B=$TMP/args/defaults/build S=$TMP/args/defaults
assert_eq "$(command_of xship-deps)" "$XSHIP_BIN deps --targets host --install" "default xship-deps"
assert_eq "$(command_of xship-test)" "$XSHIP_BIN test --targets host --name hello --cmake $S --build-dir $B/xship --out $B/dist --cmake-arg=-D_XSHIP_NESTED=ON --cmake-arg=-DXSHIP_SOURCE_DIR=$XSHIP_SOURCE_DIR" "default xship-test"
assert_eq "$(command_of xship-build)" "$XSHIP_BIN build --targets host --name hello --cmake $S --build-dir $B/xship --out $B/dist --cmake-arg=-D_XSHIP_NESTED=ON --cmake-arg=-DXSHIP_SOURCE_DIR=$XSHIP_SOURCE_DIR --format gz" "default xship-build"
assert_eq "$(command_of xship-publish-check)" "$XSHIP_BIN publish --check --repo-dir $S" "default xship-publish-check"
assert_contains "$(command_of xship-publish)" " && $XSHIP_BIN publish --repo-dir $S $B/dist" "default xship-publish: no --to, so \$ARTIFACTS_BUCKET is read when it runs"
all=$(grep '^build all: phony' "$NINJA") || fail "no 'all' in build.ninja"
[[ $all != *xship* ]] || fail "an xship target is in ALL: $all"
ok "no xship target in ALL"
# Order: publish checks, then tests, builds and uploads (ninja's dry run lists the commands).
order=$(cd "$B" && ninja -n -v xship-publish | grep -oE "$XSHIP_BIN [a-z]+( --check)?" | cut -d' ' -f2- | paste -sd' ')
assert_eq "$order" "publish --check test build publish" "xship-publish checks first, then tests, builds, publishes"

# Every option, and comma lists.
args_case everything 'xship_add_targets(NAME hello TARGET hello OS_ARCH linux/arm64 windows/amd64,linux/arm FORMAT zst
  TO "s3://bkt/rel/{branch}" ENDPOINT http://127.0.0.1:9000 LIBS zlib zstd,openssl LIBS_EXCLUDE windows/amd64
  DIST out PREFIX ship- BUILD_ARGS --static --keep-going)'
assert_eq "$RC" 0 "every option configures"
B=$TMP/args/everything/build S=$TMP/args/everything
assert_eq "$(command_of ship-deps)" "$XSHIP_BIN deps --targets linux/arm64,windows/amd64,linux/arm --exclude windows/amd64 --libs zlib,zstd,openssl --install && $XSHIP_BIN deps --targets windows/amd64 --install" "xship-deps: LIBS for all but LIBS_EXCLUDE"
assert_eq "$(command_of ship-build)" "$XSHIP_BIN build --targets linux/arm64,windows/amd64,linux/arm --name hello --cmake $S --build-dir $B/xship --out $B/out --cmake-arg=-D_XSHIP_NESTED=ON --cmake-arg=-DXSHIP_SOURCE_DIR=$XSHIP_SOURCE_DIR --static --keep-going --format zst" "ship-build"
assert_contains "$(command_of ship-publish)" " && $XSHIP_BIN publish --to s3://bkt/rel/{branch} --endpoint http://127.0.0.1:9000 --repo-dir $S $B/out" "ship-publish"
assert_eq "$(command_of ship-publish-check)" "$XSHIP_BIN publish --check --to s3://bkt/rel/{branch} --endpoint http://127.0.0.1:9000 --repo-dir $S" "ship-publish-check"

# Cache variables (and through them the environment) win over the call's arguments.
args_case cache 'xship_add_targets(NAME hello TARGET hello OS_ARCH linux/arm64 windows/amd64 LIBS zlib LIBS_EXCLUDE windows/amd64 FORMAT zst TO s3://a/b)' \
  -DXSHIP_TARGETS=linux/riscv64,windows/amd64 -DXSHIP_FORMAT=none -DXSHIP_TO=s3://c/d -DXSHIP_ENDPOINT=http://e:1
B=$TMP/args/cache/build S=$TMP/args/cache
assert_contains "$(command_of xship-build)" "build --targets linux/riscv64,windows/amd64 " "XSHIP_TARGETS replaces OS_ARCH"
assert_contains "$(command_of xship-build)" "--format none" "XSHIP_FORMAT replaces FORMAT"
assert_contains "$(command_of xship-publish)" " && $XSHIP_BIN publish --to s3://c/d --endpoint http://e:1 --repo-dir $S $B/dist" "XSHIP_TO, XSHIP_ENDPOINT replace TO, ENDPOINT"
d=$TMP/args/env && mkdir -p "$d" && cp "$TMP/args/defaults/CMakeLists.txt" "$d/"
RC=$(rc_of env XSHIP_TARGETS=linux/s390x XSHIP_TO=s3://env/x cmake -S "$d" -B "$d/build" "${G[@]}" \
  -DMODULE="$XSHIP_SOURCE_DIR/cmake-modules/XShip.cmake")
NINJA=$d/build/build.ninja
assert_eq "$RC" 0 "defaults from the environment configure"
assert_contains "$(command_of xship-test)" "$XSHIP_BIN test --targets linux/s390x " "XSHIP_BIN and XSHIP_TARGETS default from the environment"
assert_contains "$(command_of xship-publish)" "--to s3://env/x " "XSHIP_TO defaults from the environment"
# A one-target CI job whose target is not in LIBS_EXCLUDE checks nothing else.
args_case one-job 'xship_add_targets(NAME hello TARGET hello OS_ARCH linux/arm64 windows/amd64 LIBS zlib LIBS_EXCLUDE windows/amd64)' \
  -DXSHIP_TARGETS=linux/arm64
assert_eq "$(command_of xship-deps)" "$XSHIP_BIN deps --targets linux/arm64 --exclude windows/amd64 --libs zlib --install" "one-target job: one deps command"

# The module's policy settings stay inside it: a 3.20 consumer still has CMP0135 unset.
args_case policy 'cmake_policy(GET CMP0135 p)
message(STATUS "CMP0135=[${p}]")'
assert_eq "$RC" 0 "policy probe configures"
assert_contains "$(cat "$TMP/out")" "CMP0135=[]" "no policy leaks from the module into the consumer"
