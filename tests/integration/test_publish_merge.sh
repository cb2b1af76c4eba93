#!/usr/bin/env bash
# Matrix CI: three jobs of one build publish their targets with per-job manifests to one
# prefix (one of them first, two at the same time), then a final step merges them. The
# merged manifest lists every file, verifies with fetch + sha256sum -c, has the same bytes
# whatever order the jobs finished, and a conflict or a replaced object writes nothing.
source "$(dirname "$0")/lib.sh"
use_rig

# One Travis build (the seed's CI); no git, so nothing but these variables describes it.
export GIT_DIR=/nonexistent TRAVIS=true TRAVIS_REPO_SLUG=acme/widget TRAVIS_BRANCH=main
export TRAVIS_COMMIT=$(head -c 64 /dev/urandom | sha1sum | cut -d' ' -f1)
unset TRAVIS_TAG TRAVIS_PULL_REQUEST_BRANCH GITHUB_ACTIONS GITHUB_REPOSITORY GITLAB_CI CI_PROJECT_PATH
DEST="s3://$BUCKET/$PREFIX/artifacts/{repo}/{branch}"
KP="$PREFIX/artifacts/acme/widget/main"

# Each job's dist/: its own program and a README every job ships, byte for byte the same.
for t in linux.amd64 linux.arm64 windows.amd64.exe; do
  mkdir -p "$TMP/job-$t"
  head -c 3000 /dev/urandom > "$TMP/job-$t/hello.$t.gz"
  printf 'hello, the same in every job\n' > "$TMP/job-$t/README.txt"
done
# One multipart file, so the merge's HEAD check meets a multipart ETag.
head -c $((6 * 1048576)) /dev/urandom > "$TMP/job-linux.arm64/hello.linux.arm64.debug"
job() {  # DIR [FLAGS...]: one CI job's `make publish`; JOB_NAME overrides {os}-{arch}
  local dir=$1; shift
  xs publish --endpoint "$ENDPOINT" --to "$DEST" --multipart-threshold 5MiB --part-size 5MiB \
    --job-manifest "${JOB_NAME:-{os\}-{arch\}}" "$@" "$TMP/job-$dir"
}
merge() { xs publish --endpoint "$ENDPOINT" --to "$DEST" --merge-manifests "$@"; }
head_missing() { ! awsx s3api head-object --bucket "$BUCKET" --key "$1" >/dev/null 2>&1; }

# Jobs finish in a shuffled order: windows first, then both linux jobs at the same time.
job windows.amd64.exe > "$TMP/job-windows.out"
(job linux.arm64 > "$TMP/job-arm64.out" 2>&1; echo $? > "$TMP/job-arm64.rc") &
(job linux.amd64 > "$TMP/job-amd64.out" 2>&1; echo $? > "$TMP/job-amd64.rc") &
wait
assert_eq "$(cat "$TMP/job-arm64.rc")/$(cat "$TMP/job-amd64.rc")" 0/0 "two jobs publish concurrently"
assert_match "$(cat "$TMP/job-arm64.out")" "manifest http.*/manifests/linux-arm64.json" "a job reports its job manifest"
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$KP/manifests/" --query 'Contents[].Key' --output text | tr '\t' '\n' | sed 's|.*/||' | sort | tr '\n' ' ')" \
  "linux-amd64.json linux-arm64.json windows-amd64.json " "one job manifest per job, named {os}-{arch}"
head_missing "$KP/manifest.json" && head_missing "$KP/SHA256SUMS" || fail "a job wrote the release's manifest"
ok "jobs leave manifest.json and SHA256SUMS to the merge"
awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/manifests/linux-arm64.json" "$TMP/arm64.json"
assert_eq "$(jq -r '.format + " " + .job + " " + .commit' "$TMP/arm64.json")" "xship-job-manifest-1 linux-arm64 $TRAVIS_COMMIT" "job manifest header"
assert_eq "$(etag_of "$KP/manifests/linux-arm64.json")" "$(md5_of "$TMP/arm64.json")" "job manifest ETag is its MD5"

# The merge.
merge --json > "$TMP/merge1.json"
assert_eq "$(jq -c .jobs "$TMP/merge1.json")" '["linux-amd64","linux-arm64","windows-amd64"]' "merge reads the three jobs"
assert_eq "$(jq -r .written "$TMP/merge1.json")" true "merge writes the release manifest"
awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/manifest.json" "$TMP/manifest1.json"
assert_eq "$(jq -r '[.files[].name] | join(" ")' "$TMP/manifest1.json")" \
  "README.txt hello.linux.amd64.gz hello.linux.arm64.debug hello.linux.arm64.gz hello.windows.amd64.exe.gz" \
  "merged manifest lists every file once, sorted"
assert_eq "$(jq -r '.format + " " + .repo + " " + .branch + " " + .commit' "$TMP/manifest1.json")" \
  "xship-manifest-1 acme/widget main $TRAVIS_COMMIT" "merged manifest describes the build"
assert_eq "$(jq -r '.files[] | select(.name=="hello.linux.arm64.debug") | .etag' "$TMP/manifest1.json")" \
  "$(multipart_etag "$TMP/job-linux.arm64/hello.linux.arm64.debug" $((5 * 1048576)))" "multipart ETag carried through the merge"
M1=$(etag_of "$KP/manifest.json")
assert_eq "$M1" "$(md5_of "$TMP/manifest1.json")" "merged manifest.json ETag is its MD5"
assert_eq "$(etag_of "$KP/SHA256SUMS")" "$(awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/SHA256SUMS" - | md5sum | cut -d' ' -f1)" "merged SHA256SUMS ETag is its MD5"
xs fetch --endpoint "$ENDPOINT" --manifest "s3://$BUCKET/$KP/manifest.json" "$TMP/rel" > /dev/null
(cd "$TMP/rel" && sha256sum --strict -c --quiet SHA256SUMS) || fail "sha256sum -c after fetch --manifest"
ok "fetch --manifest of the merged manifest, then sha256sum -c"
cmp "$TMP/job-linux.arm64/hello.linux.arm64.gz" "$TMP/rel/hello.linux.arm64.gz" || fail "fetched arm64 program differs"
# The release page goes up after manifest.json, listing every job's files with their links.
assert_match "$(jq -r '.pages[0]' "$TMP/merge1.json")" "^$ENDPOINT/$BUCKET/.*/index\.html$" "merge --json names the release page"
awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/index.html" "$TMP/index.html"
for f in README.txt hello.linux.amd64.gz hello.linux.arm64.gz hello.windows.amd64.exe.gz manifest.json SHA256SUMS; do
  grep -q "href=\"$f\"" "$TMP/index.html" || fail "the merged page does not link $f"
done
ok "the merged page links every job's files and the release documents"
assert_contains "$(cat "$TMP/index.html")" "$TRAVIS_COMMIT" "the merged page names the commit"
awsx s3 cp --only-show-errors "s3://$BUCKET/$KP/index.md" - | grep -q "hello.windows.amd64.exe.gz" || fail "index.md does not list the windows program"
ok "index.md beside it"
P1=$(etag_of "$KP/index.html")

# Run twice: nothing changes, nothing is written.
merge --json > "$TMP/merge2.json"
assert_eq "$(jq -r .written "$TMP/merge2.json")" false "a second merge writes nothing"
assert_eq "$(etag_of "$KP/manifest.json")" "$M1" "a second merge leaves manifest.json as it was"
assert_eq "$(etag_of "$KP/index.html")" "$P1" "... and the page"
merge --json --no-page > "$TMP/merge2p.json"
assert_eq "$(jq -c .pages "$TMP/merge2p.json")" "[]" "merge --no-page names no page"

# The same build with the jobs finishing in another order (their manifests rewritten in
# that order): byte-identical manifest.json.
awsx s3 rm --only-show-errors "s3://$BUCKET/$KP/manifest.json"
awsx s3 rm --only-show-errors "s3://$BUCKET/$KP/SHA256SUMS"
for t in linux.amd64 windows.amd64.exe linux.arm64; do job "$t" --force > /dev/null; done
merge > "$TMP/merge3.out"
assert_match "$(cat "$TMP/merge3.out")" "merged 3 job manifests .* into 5 files; SHA256SUMS and manifest.json written" "merge prints a summary"
assert_eq "$(etag_of "$KP/manifest.json")" "$M1" "another finishing order gives a byte-identical manifest.json"

# A job manifest left by an earlier push to the branch is skipped, not merged.
mkdir -p "$TMP/job-old"; printf 'old' > "$TMP/job-old/hello.linux.386.gz"
TRAVIS_COMMIT=$(printf 'old' | sha1sum | cut -d' ' -f1) job old > /dev/null
merge > "$TMP/merge4.out" 2> "$TMP/merge4.err"
assert_match "$(cat "$TMP/merge4.err")" "skipped 1 job manifest.* another commit.*: linux-386" "a stale job manifest is skipped, and said so"
assert_eq "$(etag_of "$KP/manifest.json")" "$M1" "the stale job changes nothing"

# Two jobs sharing one --job-manifest name: the second is refused (its files would vanish).
assert_eq "$(JOB_NAME=linux-amd64 rc_of job windows.amd64.exe)" 2 "a job reusing another job's manifest name exits 2"
assert_match "$(cat "$TMP/err")" "two jobs share --job-manifest linux-amd64" "the clash names the fix"

# A conflicting job: another README.txt from another job of the same build. Exit 3, one
# line naming the file and both jobs; the previous manifest.json is untouched.
mkdir -p "$TMP/job-docs"; printf 'a different read me\n' > "$TMP/job-docs/README.txt"
JOB_NAME=docs job docs > /dev/null
assert_eq "$(rc_of merge)" 3 "one name with two contents makes the merge exit 3"
assert_eq "$(wc -l < "$TMP/err")" 1 "the conflict is one line"
assert_match "$(cat "$TMP/err")" "'README.txt' differs between job manifests 'docs' .* and 'linux-amd64'" "the conflict names the file and both jobs"
assert_eq "$(etag_of "$KP/manifest.json")" "$M1" "a refused merge leaves manifest.json untouched"

# Without the conflicting job, README.txt is still the docs job's bytes: the store no longer
# holds what linux-amd64 published, and the merge says so (exit 3) instead of listing it.
awsx s3 rm --only-show-errors "s3://$BUCKET/$KP/manifests/docs.json"
assert_eq "$(rc_of merge)" 3 "an object replaced after its job published makes the merge exit 3"
assert_match "$(cat "$TMP/err")" "README.txt is .* but job 'linux-amd64' published" "the replaced object is named"
assert_eq "$(etag_of "$KP/manifest.json")" "$M1" "still untouched"
job linux.amd64 > /dev/null  # the job reruns: its README goes back up
merge > /dev/null
assert_eq "$(etag_of "$KP/manifest.json")" "$M1" "after the rerun the merge is whole again"

# No job manifests: a usage error naming the prefix. Misused flags: usage errors.
assert_eq "$(rc_of xs publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/nothing" --merge-manifests)" 2 "no job manifests exits 2"
assert_match "$(cat "$TMP/err")" "no job manifests under s3://$BUCKET/$PREFIX/nothing/manifests/" "the error names the prefix"
assert_eq "$(rc_of merge "$TMP/job-old")" 2 "--merge-manifests with paths exits 2"
assert_eq "$(JOB_NAME=bad/name rc_of job old)" 2 "a job manifest name with a slash exits 2"
assert_eq "$(rc_of merge --commit "$(printf 'x' | sha1sum | cut -d' ' -f1)")" 2 "no job manifest of the given commit exits 2"
