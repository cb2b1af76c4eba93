#!/usr/bin/env bash
# End to end through the CMake module, as a user runs it: examples/cmake-hello (zlib from
# Debian multiarch) configured once, then `cmake --build B --target xship-deps xship-test
# xship-build xship-publish` for linux/amd64, linux/arm64 and windows/amd64 against the
# RGW rig. The objects are checked with the AWS CLI, fetched back by their manifest,
# verified with sha256sum -c, and the arm64 program is run under qemu. Then a failing
# test must stop xship-publish before anything is uploaded.
source "$(dirname "$0")/lib.sh"
use_rig
export WINEPREFIX=$TMP/wine
export CMAKE_BUILD_PARALLEL_LEVEL=2
unset XSHIP_VERSION XSHIP_COMMIT SOURCE_DATE_EPOCH CPPFLAGS CFLAGS LDFLAGS XSHIP_TARGETS XSHIP_FORMAT XSHIP_TO XSHIP_ENDPOINT
# {repo} and {branch} come from GitHub's variables below; no other CI's may win.
unset TRAVIS TRAVIS_REPO_SLUG GITLAB_CI CI_PROJECT_PATH GITHUB_HEAD_REF GITHUB_SHA GITHUB_REF_TYPE

# The example as its own repository with one commit: the commit the program must report.
new_repo() {  # DIR
  cp -r "$XSHIP_SOURCE_DIR/examples/cmake-hello" "$1"
  git -C "$1" init -q -b main
  git -C "$1" add -A
  git -C "$1" -c user.email=ci@example.com -c user.name=ci commit -qm "cmake-hello"
}
repo=$TMP/cmake-hello
new_repo "$repo"
commit=$(git -C "$repo" rev-parse HEAD)
slug="acme/cmake-hello-${PREFIX//\//-}"  # unique per run: artifacts/{repo}/{branch}/ is the default destination
export GITHUB_REPOSITORY=$slug GITHUB_REF_NAME=main ARTIFACTS_BUCKET=$BUCKET

# xship-deps runs `xship deps --install`, which would reach for apt-get and the network
# if something were missing: fail first, and say what to install.
for check in "--targets linux/amd64,linux/arm64 --libs zlib" "--targets windows/amd64"; do
  # shellcheck disable=SC2086
  xs deps $check >"$TMP/deps.log" 2>&1 || fail "xship deps $check: packages missing here; install them first: $(cat "$TMP/deps.log")"
done
ok "compilers, emulators and arm64 zlib are installed"

# The example finds the module in the source tree it came from (-DXSHIP_SOURCE_DIR: the
# copy is elsewhere), the helper through XSHIP_BIN from ctest's environment.
B=$repo/build
cmake -S "$repo" -B "$B" -G Ninja -DXSHIP_SOURCE_DIR="$XSHIP_SOURCE_DIR" -DXSHIP_ENDPOINT="$ENDPOINT" >"$TMP/configure.log" 2>&1 \
  || fail "configure: $(cat "$TMP/configure.log")"
assert_eq "$(grep '^XSHIP_BIN:' "$B/CMakeCache.txt" | cut -d= -f2)" "$XSHIP_BIN" "XSHIP_BIN taken from the environment"
# xship-publish is the whole job: check, test, build, upload.
cmake --build "$B" --target xship-deps xship-publish >"$TMP/ci.log" 2>&1 \
  || fail "cmake --build --target xship-deps xship-publish: $(tail -40 "$TMP/ci.log")"
ok "cmake --build --target xship-deps xship-publish"
assert_eq "$(grep -c '^reachable   s3://' "$TMP/ci.log" || true)" 1 "xship-publish checked the credentials and the destination once"
for t in linux/amd64 linux/arm64 windows/amd64; do
  grep -Eq "^$t +passed +[0-9.]+ +[0-9.]+ [KM]?i?B +1/1 " "$TMP/ci.log" || fail "$t: its CTest test did not pass: $(cat "$TMP/ci.log")"
done
ok "the example's test passed under the host, qemu and wine"

dest="artifacts/$slug/main"
files="cmake-hello.linux.amd64.gz cmake-hello.linux.arm64.gz cmake-hello.windows.amd64.exe.gz"
keys=$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$dest/" --query 'Contents[].Key' --output text | tr '\t' '\n' | sort | paste -sd' ')
assert_eq "$keys" "$dest/SHA256SUMS $(for f in $files; do printf '%s ' "$dest/$f"; done)$dest/index.html $dest/index.md $dest/manifest.json" \
  "objects at artifacts/{repo}/{branch}/"
for f in $files; do
  assert_eq "$(etag_of "$dest/$f")" "$(md5_of "$B/dist/$f")" "ETag of $f is its MD5 (AWS CLI)"
done

xs fetch --manifest "s3://$BUCKET/$dest/manifest.json" "$TMP/fetched" --endpoint "$ENDPOINT" >"$TMP/fetch.log" 2>&1 \
  || fail "xship fetch --manifest: $(cat "$TMP/fetch.log")"
(cd "$TMP/fetched" && sha256sum -c SHA256SUMS >"$TMP/sums" 2>&1) || fail "sha256sum -c: $(cat "$TMP/sums")"
assert_eq "$(grep -c ': OK$' "$TMP/sums")" 3 "sha256sum -c verifies the three programs after fetch --manifest"
for f in $files; do cmp "$B/dist/$f" "$TMP/fetched/$f" || fail "fetched $f differs from the built one"; done
assert_eq "$(etag_of "$dest/SHA256SUMS")" "$(md5_of "$TMP/fetched/SHA256SUMS")" "ETag of SHA256SUMS is its MD5"

gzip -dc "$TMP/fetched/cmake-hello.linux.arm64.gz" >"$TMP/cmake-hello.arm64" && chmod +x "$TMP/cmake-hello.arm64"
assert_match "$(file -b "$TMP/cmake-hello.arm64")" "ARM aarch64" "the fetched linux/arm64 program is an arm64 ELF"
out=$(timeout 60 qemu-aarch64 -L /usr/aarch64-linux-gnu "$TMP/cmake-hello.arm64") || fail "arm64 program under qemu: $out"
assert_match "$out" "hello from linux/arm64, commit $commit" "under qemu it prints the commit it was built from"
assert_match "$out" "zlib [0-9.]+ round trip ok" "and its zlib (arm64, multiarch) works"

# A failing test: xship-publish builds nothing, uploads nothing. One target is enough
# (XSHIP_TARGETS, as a one-target CI job sets it).
bad=$TMP/failing
new_repo "$bad"
echo 'set_tests_properties(cmake-hello.runs PROPERTIES PASS_REGULAR_EXPRESSION "never printed")' >>"$bad/CMakeLists.txt"
git -C "$bad" -c user.email=ci@example.com -c user.name=ci commit -qam "a failing test"
export GITHUB_REPOSITORY=$slug-failing
cmake -S "$bad" -B "$bad/build" -G Ninja -DXSHIP_SOURCE_DIR="$XSHIP_SOURCE_DIR" -DXSHIP_ENDPOINT="$ENDPOINT" \
  -DXSHIP_TARGETS=linux/amd64 >"$TMP/configure2.log" 2>&1 || fail "configure (failing test): $(cat "$TMP/configure2.log")"
if cmake --build "$bad/build" --target xship-publish >"$TMP/bad.log" 2>&1; then fail "xship-publish succeeded with a failing test"; fi
grep -Eq "^linux/amd64 +tests failed" "$TMP/bad.log" || fail "the failure was not the test: $(tail -30 "$TMP/bad.log")"
ok "a failing test fails xship-publish"
if grep -Eq "^linux/amd64 +built " "$TMP/bad.log"; then fail "the build step ran after the failing test"; fi
ok "the build step did not run"
count=$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "artifacts/$slug-failing/" --query 'length(Contents || `[]`)' --output text)
assert_eq "$count" 0 "nothing uploaded"

# Fail fast: a bucket that does not exist stops xship-publish at the check, in seconds,
# before any target is configured, tested or built.
cmake -S "$bad" -B "$bad/build" -DXSHIP_TO="s3://no-such-bucket-xship/x" >"$TMP/configure3.log" 2>&1 \
  || fail "configure (wrong bucket): $(cat "$TMP/configure3.log")"
rm -rf "$bad/build/xship"
if cmake --build "$bad/build" --target xship-publish >"$TMP/nobucket.log" 2>&1; then fail "xship-publish succeeded with a wrong bucket"; fi
grep -q "bucket does not exist" "$TMP/nobucket.log" || fail "the check did not name the bucket: $(tail -20 "$TMP/nobucket.log")"
[[ ! -e $bad/build/xship/linux_amd64 ]] || fail "a target was configured before the check failed"
ok "a wrong bucket fails xship-publish at the check, before any target is built"
