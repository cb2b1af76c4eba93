#!/usr/bin/env bash
# xship verify: a signed release checked without downloading it, and --rebuild, which
# rebuilds it from the commit its provenance records and compares bytes: it passes on an
# untouched release and fails (exit 3, naming the file) when one program was replaced
# before it was signed (a compromised build machine).
source "$(dirname "$0")/lib.sh"
use_rig
command -v minisign >/dev/null || fail "minisign (Debian package minisign) is needed for this test"
unset XSHIP_SIGNING_KEY XSHIP_SIGNING_PASSWORD GITHUB_ACTIONS TRAVIS GITLAB_CI
E=(--endpoint "$ENDPOINT")
minisign -G -W -p "$TMP/k.pub" -s "$TMP/k.key" > /dev/null
minisign -G -W -p "$TMP/other.pub" -s "$TMP/other.key" > /dev/null

# A project whose build is reproducible: its output depends on the sources and
# SOURCE_DATE_EPOCH only.
P=$TMP/proj; mkdir -p "$P"
cat > "$P/Makefile" <<'MK'
build:
	mkdir -p dist
	printf 'app %s built at %s\n' "$$(cat src.txt)" "$$SOURCE_DATE_EPOCH" > dist/app.linux.amd64
	printf 'tool %s\n' "$$(cat src.txt)" > dist/tool.linux.arm64
MK
echo "v1 sources" > "$P/src.txt"
git -C "$P" init -q && git -C "$P" add -A && git -C "$P" -c user.name=t -c user.email=t@t commit -qm v1
export SOURCE_DATE_EPOCH=1700000000
(cd "$P" && make -s build)
echo "published separately" > "$P/dist/NOTES.txt"
R="s3://$BUCKET/$PREFIX/good"
xs publish "${E[@]}" --to "$R" --repo-dir "$P" --sign-key "$TMP/k.key" "$P/dist" > /dev/null

xs verify "${E[@]}" --manifest "$R/manifest.json" --verify-key "$TMP/k.pub" > "$TMP/v.out"
assert_match "$(cat "$TMP/v.out")" "and provenance.intoto.json" "verify checks the signatures and the provenance"
assert_eq "$(rc_of xs verify "${E[@]}" --manifest "$R/manifest.json" --verify-key "$TMP/other.pub")" 3 "verify with another key exits 3"

# Rebuilt elsewhere (a fresh clone, after the sources moved on): the same bytes.
git clone -q "$P" "$TMP/clone"
echo "v2 sources" > "$TMP/clone/src.txt"
git -C "$TMP/clone" -c user.name=t -c user.email=t@t commit -qam v2
unset SOURCE_DATE_EPOCH
(cd "$TMP" && xs verify "${E[@]}" --manifest "$R/manifest.json" --verify-key "$TMP/k.pub" \
  --rebuild 'make build' --repo-dir "$TMP/clone") > "$TMP/rebuild.out" || fail "rebuild of an untouched release: $(cat "$TMP/rebuild.out")"
assert_match "$(cat "$TMP/rebuild.out")" "rebuilt 2 of 3 published files byte for byte" "verify --rebuild passes on an untouched release"
grep -q "not built   NOTES.txt" "$TMP/rebuild.out" || fail "the file the build does not make is not named"
[[ -z $(git -C "$TMP/clone" worktree list | sed 1d) ]] || fail "the rebuild's worktree was left behind"
ok "the rebuild's worktree is gone"

# One program replaced before signing: the signatures are good, the rebuild is not.
export SOURCE_DATE_EPOCH=1700000000
echo "not what the sources make" > "$P/dist/tool.linux.arm64"
B="s3://$BUCKET/$PREFIX/replaced"
xs publish "${E[@]}" --to "$B" --repo-dir "$P" --sign-key "$TMP/k.key" "$P/dist" > /dev/null
unset SOURCE_DATE_EPOCH
xs verify "${E[@]}" --manifest "$B/manifest.json" --verify-key "$TMP/k.pub" > /dev/null
assert_eq "$(cd "$TMP" && rc_of xs verify "${E[@]}" --manifest "$B/manifest.json" --verify-key "$TMP/k.pub" \
  --rebuild 'make build' --repo-dir "$TMP/clone")" 3 "verify --rebuild exits 3 when a program was replaced"
assert_match "$(cat "$TMP/err")" "tool.linux.arm64 rebuilt from commit" "the error names the replaced file"

# A commit the clone does not have: exit 2, naming the fix.
git init -q "$TMP/empty"
assert_eq "$(rc_of xs verify "${E[@]}" --manifest "$R/manifest.json" --verify-key "$TMP/k.pub" --rebuild 'make build' --repo-dir "$TMP/empty")" 2 \
  "a clone without the commit exits 2"
assert_match "$(cat "$TMP/err")" "git fetch origin" "the error says how to get the commit"

# As the issue of a release is meant to go: `make -f ci.mk publish` with XSHIP_SIGN_KEY,
# checked by a stranger with only minisign and the public key, by fetch --verify-key, and
# rebuilt by `xship verify --rebuild` through the same fragment: xship build is reproducible.
H=$TMP/make-hello
cp -r "$XSHIP_SOURCE_DIR/examples/make-hello" "$H"
printf 'dist/\nbuild/\n.xship/\n' > "$H/.gitignore"
git -C "$H" init -q -b main && git -C "$H" add -A && git -C "$H" -c user.name=t -c user.email=t@t commit -qm hello
M="s3://$BUCKET/$PREFIX/make"
make_args=(XSHIP_BIN="$XSHIP_BIN" XSHIP_MK="$XSHIP_SOURCE_DIR/make-include/xship.mk" XSHIP_ENDPOINT="$ENDPOINT"
           XSHIP_TARGETS=linux/amd64 XSHIP_TO="$M")
(cd "$H" && make --no-print-directory -f ci.mk publish "${make_args[@]}" XSHIP_SIGN_KEY="$TMP/k.key") > "$TMP/make.log" 2>&1 ||
  fail "make -f ci.mk publish XSHIP_SIGN_KEY=...: $(tail -20 "$TMP/make.log")"
S=$TMP/stranger; mkdir -p "$S"
for f in SHA256SUMS SHA256SUMS.minisig hello.linux.amd64.gz; do awsx s3 cp --only-show-errors "$M/$f" "$S/$f"; done
(cd "$S" && minisign -Vm SHA256SUMS -p "$TMP/k.pub" > /dev/null && sha256sum -c --quiet SHA256SUMS) ||
  fail "a stranger cannot verify the release make -f ci.mk publish signed"
ok "make -f ci.mk publish with XSHIP_SIGN_KEY: minisign -Vm and sha256sum -c pass"
xs fetch "${E[@]}" --manifest "$M/manifest.json" "$TMP/make-fetched" --verify-key "$TMP/k.pub" > /dev/null
ok "and xship fetch --verify-key"
printf -v rebuild_cmd '%q ' make -f ci.mk build "${make_args[@]}"
(cd "$TMP" && xs verify "${E[@]}" --manifest "$M/manifest.json" --verify-key "$TMP/k.pub" --rebuild "$rebuild_cmd" \
  --repo-dir "$H") > "$TMP/make-rebuild.out" 2>&1 || fail "verify --rebuild of make-hello: $(tail -20 "$TMP/make-rebuild.out")"
assert_match "$(cat "$TMP/make-rebuild.out")" "same bytes  hello.linux.amd64.gz" "xship build rebuilds make-hello byte for byte"
