#!/usr/bin/env bash
# The main job, end to end on one machine: build the example, publish it to a throwaway
# S3 server (Ceph RGW on 127.0.0.1), fetch it back by its manifest, verify, print the URLs.
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
export ARTIFACTS_BUCKET=$XSHIP_TEST_BUCKET AWS_ENDPOINT_URL=$XSHIP_TEST_ENDPOINT
unset AWS_CA_BUNDLE AWS_PROFILE AWS_SESSION_TOKEN

commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
host_arch=$(uname -m); case $host_arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$host_arch ;; esac
echo "== building examples/hello for linux/$arch"
cmake -S "$root/examples/hello" -B "$work/build" -G Ninja -DXSHIP_COMMIT="$commit" -DXSHIP_OS=linux -DXSHIP_ARCH="$arch" >/dev/null
cmake --build "$work/build" >/dev/null
(cd "$work/build" && ctest --output-on-failure >/dev/null)
mkdir -p "$work/dist"
cp "$work/build/hello" "$work/dist/hello.linux.$arch"
cp "$root/README.md" "$work/dist/README.md"

echo "== publishing to s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch} (the default destination)"
(cd "$root" && "$xship" publish "$work/dist")
echo "== publishing again: nothing should move"
(cd "$root" && "$xship" publish "$work/dist" | tail -2)

manifest=$(cd "$root" && "$xship" publish --json "$work/dist" | jq -r '.manifests[0]')
key=${manifest#"$XSHIP_TEST_ENDPOINT/"}
echo "== fetching the release back by its manifest and verifying it"
"$xship" fetch --manifest "s3://$key" "$work/fetched"
(cd "$work/fetched" && sha256sum -c SHA256SUMS)
chmod +x "$work/fetched/hello.linux.$arch"  # S3 keeps no file modes
"$work/fetched/hello.linux.$arch"
echo "== cross-checked with the AWS CLI:"
aws --endpoint-url "$XSHIP_TEST_ENDPOINT" s3 ls --recursive "s3://$ARTIFACTS_BUCKET/artifacts/"
echo "== demo passed"
