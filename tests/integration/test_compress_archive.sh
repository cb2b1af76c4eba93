#!/usr/bin/env bash
# --archive: tar.gz, tar.zst and zip that the system tar/unzip read, with sorted entries,
# uid/gid 0 and no owner names, every mtime the commit time; the same files packed from
# two differently-made copies, in different timezones, give byte-identical archives.
source "$(dirname "$0")/lib.sh"
use_compress

# One release tree, made in the given order with the given mtimes and permissions.
make_tree() {
  local dir=$1 order=$2 stamp=$3
  mkdir -p "$dir/docs/extra"
  local files=(hello README.md LICENSE docs/guide.md docs/extra/notes.txt)
  [[ $order == reverse ]] && files=(docs/extra/notes.txt docs/guide.md LICENSE README.md hello)
  for f in "${files[@]}"; do
    case $f in
      hello) head -c 300000 "$XSHIP_BIN" >"$dir/$f" ;;
      *) printf 'content of %s\n' "$f" >"$dir/$f" ;;
    esac
  done
  chmod "$([[ $order == reverse ]] && echo 700 || echo 755)" "$dir/hello"
  chmod "$([[ $order == reverse ]] && echo 600 || echo 664)" "$dir/README.md"
  find "$dir" -exec touch -h -d "$stamp" {} +
}
make_tree "$TMP/a" forward '2001-02-03 04:05:06'
make_tree "$TMP/b" reverse '2020-12-31 23:59:59'
export SOURCE_DATE_EPOCH=1700000000
want_names=$'LICENSE\nREADME.md\ndocs\ndocs/extra\ndocs/extra/notes.txt\ndocs/guide.md\nhello'

for fmt in tar.gz tar.zst zip; do
  (cd "$TMP/a" && TZ=UTC xs compress --archive "$fmt" "$TMP/rel-a" hello README.md LICENSE docs) >"$TMP/out" ||
    fail "$fmt: archive of a failed"
  grep -q "^archived $TMP/rel-a.$fmt" "$TMP/out" || fail "$fmt: unexpected output: $(cat "$TMP/out")"
  (cd "$TMP/b" && TZ=Pacific/Kiritimati xs compress --archive "$fmt" "$TMP/rel-b.$fmt" docs LICENSE hello README.md) >/dev/null ||
    fail "$fmt: archive of b failed"
  cmp -s "$TMP/rel-a.$fmt" "$TMP/rel-b.$fmt" || fail "$fmt: archives of equal trees differ"
  ok "$fmt: byte-identical from two differently made trees, two timezones, two argument orders"
  out=$TMP/rel-a.$fmt
  case $fmt in
    tar.*)
      decomp=(gzip -dc); [[ $fmt == tar.zst ]] && decomp=(zstd -q -dc)
      "${decomp[@]}" "$out" >"$TMP/rel.tar" || fail "$fmt: the compressed stream is invalid"
      assert_eq "$(tar -tf "$TMP/rel.tar" | sed 's|/$||')" "$want_names" "$fmt: entries sorted"
      # numeric owner 0/0 and, with names, no user or group name at all
      assert_eq "$(tar --numeric-owner -tvf "$TMP/rel.tar" | awk '{print $2}' | sort -u)" "0/0" "$fmt: uid/gid 0"
      assert_eq "$(tar -tvf "$TMP/rel.tar" | awk '{print $2}' | sort -u)" "0/0" "$fmt: no owner names"
      assert_eq "$(TZ=UTC tar -tvf "$TMP/rel.tar" | awk '{print $4" "$5}' | sort -u)" "2023-11-14 22:13" "$fmt: every mtime is SOURCE_DATE_EPOCH"
      assert_eq "$(tar -tvf "$TMP/rel.tar" | awk '$6=="hello" || $6=="LICENSE" {print $1}' | tr '\n' ' ')" "-rw-r--r-- -rwxr-xr-x " "$fmt: modes 644/755"
      mkdir -p "$TMP/x-$fmt" && tar -xf "$TMP/rel.tar" -C "$TMP/x-$fmt"
      ;;
    zip)
      unzip -tq "$out" >/dev/null || fail "zip: unzip -t fails"
      assert_eq "$(unzip -Z1 "$out" | sed 's|/$||')" "$want_names" "zip: entries sorted"
      assert_eq "$(TZ=UTC unzip -Z -T "$out" | awk 'NR>1 && $7 ~ /^[0-9]/ {print $7}' | sort -u)" "20231114.221320" "zip: every mtime is SOURCE_DATE_EPOCH"
      assert_eq "$(unzip -Z "$out" | awk '$NF=="hello" || $NF=="LICENSE" {print $1}' | tr '\n' ' ')" "-rw-r--r-- -rwxr-xr-x " "zip: modes 644/755"
      mkdir -p "$TMP/x-$fmt" && (cd "$TMP/x-$fmt" && unzip -q "$out")
      ;;
  esac
  diff -r "$TMP/a" "$TMP/x-$fmt" >/dev/null || fail "$fmt: extracted files differ from the originals"
  ok "$fmt: extracts to the original files"
  assert_eq "$(jq -r --arg k "$out" '.files[$k].sha256' "$XSHIP_DIGEST_CACHE")" "$(sha256_of "$out")" "$fmt: archive digests cached"
done

# A CMake install tree's symlink chain is stored as symlinks that GNU tar and unzip make
# as symlinks again; a link leaving the tree is stored as the file it points at.
mkdir -p "$TMP/inst/pkg/lib"
printf 'library\n' >"$TMP/inst/pkg/lib/libfoo.so.1.2.3"
ln -s libfoo.so.1.2.3 "$TMP/inst/pkg/lib/libfoo.so.1"
ln -s ./libfoo.so.1 "$TMP/inst/pkg/lib/libfoo.so"
ln -s ../../a/LICENSE "$TMP/inst/pkg/LICENSE"
export SOURCE_DATE_EPOCH=1700000000
for fmt in tar.gz tar.zst zip; do
  (cd "$TMP/inst" && xs compress --archive "$fmt" "$TMP/inst-$fmt" pkg) >/dev/null || fail "$fmt: archive with symlinks failed"
  mkdir -p "$TMP/inst-x-$fmt"
  case $fmt in
    tar.gz) tar -xzf "$TMP/inst-$fmt.$fmt" -C "$TMP/inst-x-$fmt" ;;
    tar.zst) zstd -q -dc "$TMP/inst-$fmt.$fmt" | tar -xf - -C "$TMP/inst-x-$fmt" ;;
    zip) (cd "$TMP/inst-x-$fmt" && unzip -q "$TMP/inst-$fmt.$fmt") ;;
  esac
  x=$TMP/inst-x-$fmt/pkg
  assert_eq "$(readlink "$x/lib/libfoo.so") $(readlink "$x/lib/libfoo.so.1")" "libfoo.so.1 libfoo.so.1.2.3" "$fmt: symlink chain kept, ./ dropped"
  assert_eq "$(cat "$x/lib/libfoo.so")" "library" "$fmt: the chain resolves after extraction"
  [[ -f $x/LICENSE && ! -L $x/LICENSE ]] || fail "$fmt: a link leaving the tree should be stored as its file"
  ok "$fmt: a link leaving the tree is stored as the file"
done
unset SOURCE_DATE_EPOCH

# Without SOURCE_DATE_EPOCH the commit time of HEAD is used.
unset SOURCE_DATE_EPOCH
git init -q "$TMP/repo"
cp "$TMP/a/LICENSE" "$TMP/repo/"
(cd "$TMP/repo" && git add LICENSE &&
  GIT_COMMITTER_DATE='@1600000000 +0000' GIT_AUTHOR_DATE='@1500000000 +0000' \
    git -c user.name=t -c user.email=t@t commit -qm c &&
  xs compress --archive tar.gz "$TMP/git-rel" LICENSE >/dev/null) || fail "archive in a git checkout failed"
assert_eq "$(tar --full-time -tvzf "$TMP/git-rel.tar.gz" | awk '{print $4" "$5}')" \
  "$(TZ=UTC0 date -d @1600000000 '+%Y-%m-%d %H:%M:%S')" "mtime is the commit time, not the author time"
