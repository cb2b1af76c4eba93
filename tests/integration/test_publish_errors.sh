#!/usr/bin/env bash
# Bad input, table-driven: each case gets its exit code and a one-line error naming the
# problem, and nothing is uploaded.
source "$(dirname "$0")/lib.sh"
D=$TMP/in; mkdir -p "$D/empty-dir"; printf data > "$D/f.txt"
LONG=$(printf 'k%.0s' $(seq 1030))
DEST="s3://$BUCKET/$PREFIX"
EP=(--endpoint "$ENDPOINT")
# libcurl is opened when a command first needs the network: a library by that name that
# is not libcurl must give a clear error, not a crash.
mkdir -p "$TMP/notcurl" && echo 'int not_curl;' | gcc -shared -x c - -o "$TMP/notcurl/libcurl.so.4"

# exit code | stderr pattern | command...
cases=(
  "4|wrong|secret key is wrong|env AWS_SECRET_ACCESS_KEY=wrong-secret $XSHIP_BIN publish ${EP[*]} --to $DEST $D/f.txt"
  "4|unknown-key|access key is unknown|env AWS_ACCESS_KEY_ID=NOSUCHKEY $XSHIP_BIN publish ${EP[*]} --to $DEST $D/f.txt"
  "4|nocreds|no credentials found.*AWS_ACCESS_KEY_ID|env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME=$TMP $XSHIP_BIN publish ${EP[*]} --to $DEST $D/f.txt"
  "2|nobucket|bucket does not exist|$XSHIP_BIN publish ${EP[*]} --to s3://no-such-bucket-xship/$PREFIX $D/f.txt"
  "1|unreachable|check --endpoint|$XSHIP_BIN publish --endpoint http://127.0.0.1:9 --retries 1 --to $DEST $D/f.txt"
  "2|missing|does not exist: check the path|$XSHIP_BIN publish ${EP[*]} --to $DEST $D/nope.txt"
  "2|emptydir|has no files to publish|$XSHIP_BIN publish ${EP[*]} --to $DEST $D/empty-dir"
  "2|placeholder|unknown placeholder \\{nope\\}|$XSHIP_BIN publish ${EP[*]} --to s3://$BUCKET/{nope} $D/f.txt"
  "2|longkey|1024|$XSHIP_BIN publish ${EP[*]} --to s3://$BUCKET/$LONG $D/f.txt"
  "2|smallpart|under S3's 5 MiB minimum|$XSHIP_BIN publish ${EP[*]} --to $DEST --part-size 4MiB $D/f.txt"
  "2|badsize|is not a size|$XSHIP_BIN publish ${EP[*]} --to $DEST --part-size eight $D/f.txt"
  "2|nodest|no destination.*ARTIFACTS_BUCKET|$XSHIP_BIN publish ${EP[*]} $D/f.txt"
  "2|badurl|s3://|$XSHIP_BIN publish ${EP[*]} --to http://$BUCKET/x $D/f.txt"
  "2|badendpoint|http|$XSHIP_BIN publish --endpoint ftp://127.0.0.1 --to $DEST $D/f.txt"
  "2|unknowncmd|did you mean 'publish'|$XSHIP_BIN publsh"
  "1|notcurl|libcurl.so.4 has no curl_global_init|env LD_LIBRARY_PATH=$TMP/notcurl $XSHIP_BIN publish ${EP[*]} --to $DEST $D/f.txt"
)
chmod 000 "$D/f.txt" 2>/dev/null || true
for c in "${cases[@]}"; do
  IFS='|' read -r want name pattern cmd <<<"$c"
  rc=0; eval "$cmd" >"$TMP/out" 2>"$TMP/err" || rc=$?
  [[ $rc == "$want" ]] || fail "$name: exit $rc, expected $want; stderr: $(cat "$TMP/err")"
  grep -Eq "$pattern" "$TMP/err" || fail "$name: stderr lacks /$pattern/: $(cat "$TMP/err")"
  [[ $(grep -c . "$TMP/err") == 1 ]] || fail "$name: error is not one line: $(cat "$TMP/err")"
  ok "$name: exit $rc, '$(cat "$TMP/err")'"
done
chmod 644 "$D/f.txt"
# Secrets never appear in an error.
env AWS_SECRET_ACCESS_KEY=wrong-secret-value-123 "$XSHIP_BIN" publish "${EP[@]}" --to "$DEST" "$D/f.txt" 2>"$TMP/err" >/dev/null || true
! grep -q "wrong-secret-value-123" "$TMP/err" || fail "the secret leaked into the error"
ok "secret not in the error text"
# Nothing of all that reached the store.
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX" --query 'length(Contents || `[]`)' --output text)" 0 "nothing uploaded by the failing runs"
