#!/usr/bin/env bash
# Symlinks in a published directory: a key is the link's own path below the directory
# (never resolved, never a '.'/'..' segment) and carries the target's bytes;
# --no-follow-symlinks skips links with a note; loops and dangling links are one-line
# exit-2 errors, also with --dry-run, and nothing is uploaded.
source "$(dirname "$0")/lib.sh"
use_hostile
P=$BOX/proj; mkdir -p "$P/build/lib" "$P/dist" "$BOX/outside"
MARK=harden-$$-$RANDOM
printf 'hello program\n' > "$P/build/hello"
printf 'lib bytes\n' > "$P/build/lib/libbar.so"
printf 'secret %s\n' "$MARK" > "$BOX/outside/$MARK.txt"
printf 'libfoo 1\n' > "$P/dist/libfoo.so.1"
ln -s ../build/hello "$P/dist/hello"                 # a link out of the directory
ln -s libfoo.so.1 "$P/dist/libfoo.so"                # a link inside it (release trees)
ln -s "$BOX/outside/$MARK.txt" "$P/dist/secret"      # an absolute link far outside
ln -s ../build/lib "$P/dist/lib"                     # a link to a directory
all_keys() { awsx s3api list-objects-v2 --bucket "$BUCKET" --query 'Contents[].Key' --output json | jq -r '.[]?'; }
keys_under() {  # PREFIX -> the keys below it, relative, sorted, on one line (manifests left out)
  awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$1/" --query 'Contents[].Key' --output json | jq -r '.[]?' |
    sed "s|^$1/||" | grep -v -e '^manifest.json$' -e '^SHA256SUMS$' -e '^index.html$' -e '^index.md$' | sort | tr '\n' ' ' || true
}

# 1. Followed: each link under its own name, with its target's bytes.
snapshot_box "$BOX/none"
run_bounded 60 "$XSHIP_BIN" publish --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/rel" "$P/dist"
assert_run 0 30000 64 "publishing a tree with symlinks"
assert_eq "$(keys_under "$PREFIX/rel")" "hello lib/libbar.so libfoo.so libfoo.so.1 secret " "keys are the links' own paths"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/rel/hello" "$TMP/hello.back"
cmp "$P/build/hello" "$TMP/hello.back" || fail "hello does not hold its target's bytes"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/rel/libfoo.so" "$TMP/libfoo.back"
cmp "$P/dist/libfoo.so.1" "$TMP/libfoo.back" || fail "libfoo.so does not hold libfoo.so.1's bytes"
ok "links carry their targets' bytes"
all_keys > "$TMP/all-keys"
! grep -E '(^|/)\.\.?(/|$)' "$TMP/all-keys" | grep -F "$PREFIX" || fail "a key with a '.'/'..' segment was written"
assert_eq "$(grep -F "$MARK" "$TMP/all-keys" | grep -cv "^$PREFIX/rel/" || true)" 0 "nothing published outside the prefix"
assert_box_unchanged "$BOX/none" "publishing a tree with symlinks"

# 2. --no-follow-symlinks: links skipped, each with a note on stderr.
snapshot_box "$BOX/none"
run_bounded 60 "$XSHIP_BIN" publish --no-follow-symlinks --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/nofollow" "$P/dist"
assert_run 0 30000 64 "--no-follow-symlinks"
assert_eq "$(keys_under "$PREFIX/nofollow")" "libfoo.so.1 " "only the regular file published"
assert_eq "$(grep -c "xship: note: skipped symlink" "$TMP/err")" 4 "one note per skipped link"
assert_box_unchanged "$BOX/none" "--no-follow-symlinks"

# 3. A loop (ln -s . loop) and a dangling link: one-line exit-2 errors, with --dry-run too.
mkdir -p "$P/loopy" "$P/dangling"; printf x > "$P/loopy/f"; printf x > "$P/dangling/f"
ln -s . "$P/loopy/loop"
ln -s nowhere "$P/dangling/gone"
snapshot_box "$BOX/none"
for dry in --dry-run ""; do
  run_bounded 20 "$XSHIP_BIN" publish $dry --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/loop" "$P/loopy"
  assert_run 2 5000 64 "symlink loop ${dry:-(real run)}"
  assert_one_clean_line "loopy/loop.*loop" "symlink loop ${dry:-(real run)}"
  run_bounded 20 "$XSHIP_BIN" publish $dry --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/dangling" "$P/dangling"
  assert_run 2 5000 64 "dangling link ${dry:-(real run)}"
  assert_one_clean_line "dangling/gone.*dangling" "dangling link ${dry:-(real run)}"
done
assert_eq "$(keys_under "$PREFIX/loop")$(keys_under "$PREFIX/dangling")" "" "nothing uploaded for the refused trees"
assert_box_unchanged "$BOX/none" "loops and dangling links"
