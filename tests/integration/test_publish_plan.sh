#!/usr/bin/env bash
# What gets published, decided without the network: --untracked (the Travis addon's
# default), --dry-run, the default destination from ARTIFACTS_BUCKET and git.
source "$(dirname "$0")/lib.sh"
use_rig
R=$TMP/repo; mkdir -p "$R/out"
git -C "$R" init -q -b feature/x
git -C "$R" -c user.email=t@t -c user.name=t commit -q --allow-empty -m init
git -C "$R" remote add origin https://github.com/acme/widget.git
printf 'tracked' > "$R/tracked.txt"; git -C "$R" add tracked.txt
git -C "$R" -c user.email=t@t -c user.name=t commit -q -m tracked
printf '*.log\n' > "$R/.gitignore"; git -C "$R" add .gitignore
git -C "$R" -c user.email=t@t -c user.name=t commit -q -m ignore
printf 'ignored' > "$R/debug.log"
printf 'new' > "$R/out/app.linux.amd64"
printf 'notes' > "$R/notes.md"

(cd "$R" && ARTIFACTS_BUCKET=$BUCKET "$XSHIP_BIN" publish --untracked --dry-run --json) > "$TMP/plan.json"
assert_eq "$(jq -r '[.[].key] | sort | join(",")' "$TMP/plan.json")" \
  "artifacts/acme/widget/feature/x/notes.md,artifacts/acme/widget/feature/x/out/app.linux.amd64" \
  "--untracked takes untracked, not tracked or ignored files; default destination from git"
assert_eq "$(jq -r '.[0].bucket' "$TMP/plan.json")" "$BUCKET" "bucket from ARTIFACTS_BUCKET"
# What git says on stderr is not a file name (GIT_TRACE writes its trace there).
(cd "$R" && GIT_TRACE=1 ARTIFACTS_BUCKET=$BUCKET "$XSHIP_BIN" publish --untracked --dry-run --json) > "$TMP/plan-trace.json"
assert_eq "$(jq -r '[.[].key] | sort | join(",")' "$TMP/plan-trace.json")" \
  "artifacts/acme/widget/feature/x/notes.md,artifacts/acme/widget/feature/x/out/app.linux.amd64" \
  "git's stderr (GIT_TRACE=1) does not leak into --untracked's list or the destination"
# --dry-run touches no network: an unreachable endpoint and no credentials do not matter.
rc=$(rc_of env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$XSHIP_BIN" publish --dry-run --endpoint http://127.0.0.1:9 --to "s3://$BUCKET/p/{short_commit}" "$R/out")
assert_eq "$rc" 0 "--dry-run needs no network or credentials"
assert_match "$(cat "$TMP/out")" "would publish +3 B +s3://$BUCKET/p/[0-9a-f]{7}/app.linux.amd64" "--dry-run lists key and size"
assert_match "$(cat "$TMP/out")" "would write SHA256SUMS, manifest.json, index.html and index.md last in s3://$BUCKET/p/[0-9a-f]{7}/$" "--dry-run names the release documents and the page"
"$XSHIP_BIN" publish --dry-run --no-page --to "s3://$BUCKET/p" "$R/out" > "$TMP/out"
assert_match "$(cat "$TMP/out")" "would write SHA256SUMS, manifest.json last in s3://$BUCKET/p/$" "... and without --no-page's page"
# The real run publishes exactly the planned keys.
(cd "$R" && ARTIFACTS_BUCKET=$BUCKET "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX" --untracked --json) > "$TMP/run.json"
assert_eq "$(jq -r .uploaded "$TMP/run.json")" 2 "two untracked files uploaded"
assert_eq "$(etag_of "$PREFIX/out/app.linux.amd64")" "$(md5_of "$R/out/app.linux.amd64")" "untracked file stored"
