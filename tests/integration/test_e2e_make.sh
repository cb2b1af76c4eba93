#!/usr/bin/env bash
# End to end through the Make fragment, as a user runs it: examples/make-hello's
# `make -f ci.mk deps test build publish` for linux/amd64, linux/arm64 and windows/amd64
# against the RGW rig; the objects are checked with the AWS CLI, fetched back by their
# manifest, verified with sha256sum -c, and the arm64 program is run under qemu. Then a
# failing unit test must stop `make -f ci.mk publish` before anything is uploaded.
source "$(dirname "$0")/lib.sh"
use_rig
export WINEPREFIX=$TMP/wine
unset XSHIP_VERSION XSHIP_COMMIT SOURCE_DATE_EPOCH CPPFLAGS CFLAGS LDFLAGS MAKEFLAGS MFLAGS XSHIP_TARGETS XSHIP_NAME
unset GITHUB_ACTIONS GITHUB_REPOSITORY GITLAB_CI CI_PROJECT_PATH TRAVIS

repo=$TMP/make-hello
cp -r "$XSHIP_SOURCE_DIR/examples/make-hello" "$repo"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.email=ci@example.com -c user.name=ci commit -qm "make-hello"
commit=$(git -C "$repo" rev-parse HEAD)
slug="acme/${PREFIX//\//-}"  # unique per run: artifacts/{repo}/{branch}/ is the default destination
export TRAVIS_REPO_SLUG=$slug TRAVIS_BRANCH=main TRAVIS_COMMIT=$commit
export ARTIFACTS_BUCKET=$BUCKET
ci() { (cd "$repo" && make --no-print-directory -f ci.mk "$@" XSHIP_BIN="$XSHIP_BIN" \
  XSHIP_MK="$XSHIP_SOURCE_DIR/make-include/xship.mk" XSHIP_ENDPOINT="$ENDPOINT"); }

ci deps test build publish XSHIP_TARGETS="linux/amd64 linux/arm64 windows/amd64" >"$TMP/ci.log" 2>&1 \
  || fail "make -f ci.mk deps test build publish: $(tail -30 "$TMP/ci.log")"
ok "make -f ci.mk deps test build publish"
grep -q "windows/amd64   passed" "$TMP/ci.log" || fail "windows/amd64 tests did not pass under wine: $(cat "$TMP/ci.log")"
grep -q "linux/arm64     passed" "$TMP/ci.log" || fail "linux/arm64 tests did not pass under qemu"
ok "tests passed under qemu and wine"

dest="artifacts/$slug/main"
keys=$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$dest/" --query 'Contents[].Key' --output text | tr '\t' '\n' | sort | paste -sd' ')
assert_eq "$keys" "$dest/SHA256SUMS $dest/hello.linux.amd64.gz $dest/hello.linux.arm64.gz $dest/hello.windows.amd64.exe.gz $dest/index.html $dest/index.md $dest/manifest.json" \
  "objects at artifacts/{repo}/{branch}/"
for f in hello.linux.amd64.gz hello.linux.arm64.gz hello.windows.amd64.exe.gz; do
  assert_eq "$(etag_of "$dest/$f")" "$(md5_of "$repo/dist/$f")" "ETag of $f is its MD5 (AWS CLI)"
done

xs fetch --manifest "s3://$BUCKET/$dest/manifest.json" "$TMP/fetched" --endpoint "$ENDPOINT" >/dev/null
(cd "$TMP/fetched" && sha256sum -c SHA256SUMS >"$TMP/sums") || fail "sha256sum -c: $(cat "$TMP/sums")"
assert_eq "$(grep -c ': OK$' "$TMP/sums")" "3" "sha256sum -c SHA256SUMS after xship fetch --manifest"
gzip -dc "$TMP/fetched/hello.linux.arm64.gz" >"$TMP/hello.arm64"
chmod +x "$TMP/hello.arm64"
assert_eq "$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$TMP/hello.arm64")" "hello from linux/arm64, commit $commit" \
  "the fetched arm64 program runs under qemu and prints its commit"

# Matrix CI as examples/ci runs it: one job per target, each with a job manifest, jobs
# finishing in any order (arm64 first here), each on a clean machine (clean), then the merge job.
export TRAVIS_BRANCH=matrix
for t in linux/arm64 linux/amd64; do
  ci clean publish XSHIP_TARGETS=$t XSHIP_PUBLISH_FLAGS='--job-manifest {os}-{arch}' >"$TMP/job.log" 2>&1 \
    || fail "matrix job $t: $(tail -20 "$TMP/job.log")"
done
ci merge >"$TMP/merge.log" 2>&1 || fail "make -f ci.mk merge: $(cat "$TMP/merge.log")"
mdest="artifacts/$slug/matrix"
xs fetch --manifest "s3://$BUCKET/$mdest/manifest.json" "$TMP/matrix" --endpoint "$ENDPOINT" >/dev/null
(cd "$TMP/matrix" && sha256sum -c SHA256SUMS >/dev/null) || fail "matrix release does not verify"
assert_eq "$(cd "$TMP/matrix" && ls | paste -sd' ')" "SHA256SUMS hello.linux.amd64.gz hello.linux.arm64.gz" \
  "matrix: two jobs' outputs merged into one manifest by make -f ci.mk merge"

# A broken unit test on another branch: publish stops at test, nothing is uploaded.
sed -i 's/"hello from %s/"hullo from %s/' "$repo/greeting.c"
git -C "$repo" -c user.email=ci@example.com -c user.name=ci commit -qam "break the greeting"
export TRAVIS_BRANCH=broken TRAVIS_COMMIT=$(git -C "$repo" rev-parse HEAD)
rc=$(rc_of ci publish XSHIP_TARGETS="linux/amd64 linux/arm64")
[[ $rc != 0 ]] || fail "publish succeeded with a failing unit test"
grep -q "tests failed" "$TMP/err" "$TMP/out" || fail "the failure is not the tests': $(tail -5 "$TMP/err")"
ok "a failing unit test fails make -f ci.mk publish (exit $rc)"
grep -q "^start\|xship: uploading\|published" "$TMP/out" && fail "publish ran: $(cat "$TMP/out")"
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "artifacts/$slug/broken/" --query 'length(Contents || `[]`)' --output text)" \
  "0" "nothing uploaded for the broken branch"
