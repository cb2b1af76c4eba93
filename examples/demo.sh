#!/usr/bin/env bash
# The main job, end to end on one machine, the way a project runs it: examples/make-hello's
# `make -f ci.mk deps test build publish` cross-builds the program for linux/amd64,
# linux/arm64 and windows/amd64, tests each under its emulator, compresses the outputs and
# publishes them to a throwaway S3 server (Ceph RGW on 127.0.0.1); then the release is
# fetched back by its manifest, verified, run, and its URLs printed.
# Usage: examples/demo.sh XSHIP_BIN
set -euo pipefail
xship=$(realpath "${1:?usage: demo.sh XSHIP_BIN}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/xship-demo.XXXXXX)
rig=$work/rig
cleanup() { bash "$root/tests/rig/s3rig.sh" stop "$rig" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "== starting a throwaway S3 server (Ceph RGW) on 127.0.0.1"
bash "$root/tests/rig/s3rig.sh" start "$rig" >/dev/null
# shellcheck disable=SC1091
source "$rig/env"
export AWS_ACCESS_KEY_ID=$XSHIP_TEST_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$XSHIP_TEST_SECRET_KEY
export ARTIFACTS_BUCKET=$XSHIP_TEST_BUCKET AWS_ENDPOINT_URL=$XSHIP_TEST_ENDPOINT AWS_DEFAULT_REGION=$XSHIP_TEST_REGION
export WINEPREFIX=$work/wine
unset AWS_CA_BUNDLE AWS_PROFILE AWS_SESSION_TOKEN XSHIP_VERSION XSHIP_COMMIT SOURCE_DATE_EPOCH MAKEFLAGS
unset TRAVIS TRAVIS_REPO_SLUG GITHUB_ACTIONS GITHUB_REPOSITORY GITLAB_CI CI_PROJECT_PATH

# A fresh project checkout: make-hello as its own git repository ({repo} make-hello,
# {branch} main), including xship's fragment from this source tree.
project=$work/make-hello
cp -r "$root/examples/make-hello" "$project"
git -C "$project" init -q -b main
git -C "$project" add -A
git -C "$project" -c user.email=demo@example.com -c user.name=demo commit -qm "make-hello"
commit=$(git -C "$project" rev-parse HEAD)

echo "== make -f ci.mk deps test build publish   (examples/make-hello: linux/amd64 linux/arm64 windows/amd64)"
(cd "$project" && make --no-print-directory -f ci.mk deps test build publish XSHIP_BIN="$xship" \
  XSHIP_MK="$root/make-include/xship.mk")

echo "== publishing again: nothing should move"
(cd "$project" && "$xship" publish dist | tail -2)

dest="s3://$ARTIFACTS_BUCKET/artifacts/make-hello/main"
echo "== fetching the release back by its manifest and verifying it"
"$xship" fetch --manifest "$dest/manifest.json" "$work/fetched"
(cd "$work/fetched" && sha256sum -c SHA256SUMS)
gzip -dc "$work/fetched/hello.linux.arm64.gz" >"$work/hello.arm64"
chmod +x "$work/hello.arm64"  # S3 keeps no file modes
echo "== running the fetched linux/arm64 program under qemu"
out=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/hello.arm64")
echo "$out"
[[ $out == "hello from linux/arm64, commit $commit" ]] || { echo "demo: unexpected output" >&2; exit 1; }
echo "== cross-checked with the AWS CLI (ETag = MD5 of each file):"
aws --endpoint-url "$XSHIP_TEST_ENDPOINT" s3api list-objects-v2 --bucket "$ARTIFACTS_BUCKET" \
  --prefix artifacts/make-hello/main/ --query 'Contents[].[Key,Size,ETag]' --output text
(cd "$project/dist" && md5sum ./*)
echo "== URLs:"
for f in "$project"/dist/* SHA256SUMS manifest.json; do
  echo "  $XSHIP_TEST_ENDPOINT/$ARTIFACTS_BUCKET/artifacts/make-hello/main/$(basename "$f")"
done
echo "== demo passed"
