#!/usr/bin/env bash
# Text from the store and file names never reach the terminal raw: control characters
# and ESC are shown escaped, every error stays one line; --json carries the exact strings.
source "$(dirname "$0")/lib.sh"
use_hostile
DL=$BOX/dl; mkdir -p "$DL" "$BOX/in"
printf 'data\n' > "$BOX/in/f.txt"
no_controls() { ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1" || fail "$2: a control character reached the terminal: $(cat -A "$1" | head -c 2000)"; ok "$2: no control character"; }

# 1. An error whose code and message are ESC sequences and a forged "xship: error:" line.
start_hostile error-text
snapshot_box "$DL"
run_bounded 20 "$XSHIP_BIN" publish --endpoint "$HOSTILE_URL" --retries 0 --to s3://bkt/p "$BOX/in/f.txt"
assert_run 1 5000 64 "escape sequences in an S3 error"
assert_one_clean_line 'Bad\\x1b\[2J.*\\x1b\]0;owned\\x07.*\\nxship: error: forged' "escape sequences in an S3 error"
# --debug prints the server's request id: escaped too.
run_bounded 20 "$XSHIP_BIN" publish --debug --endpoint "$HOSTILE_URL" --retries 0 --to s3://bkt/p "$BOX/in/f.txt"
assert_run 1 5000 64 "--debug against escape sequences"
no_controls "$TMP/err" "--debug lines"
grep -q 'request id \\x1b\[31mid' "$TMP/err" || fail "--debug lacks the escaped request id: $(cat "$TMP/err")"
ok "--debug shows the request id escaped"
assert_box_unchanged "$DL" "escape sequences in an S3 error"
stop_hostile

# 2. An ETag that is an OSC sequence (nothing to verify against: exit 3, one clean line).
start_hostile evil-etag
snapshot_box "$DL"
run_bounded 20 "$XSHIP_BIN" fetch --endpoint "$HOSTILE_URL" --retries 0 "s3://bkt/obj" "$DL/obj"
assert_run 3 5000 64 "escape sequence in an ETag"
assert_one_clean_line '\\x1b\]0;owned\\x07' "escape sequence in an ETag"
assert_box_unchanged "$DL" "escape sequence in an ETag"
stop_hostile

# 3. A destination file name holding ESC: the human line escapes it, --json keeps it exact.
start_hostile serve
snapshot_box "$DL"
name=$DL/$'out\e[31mred\e]0;t\a'
run_bounded 20 "$XSHIP_BIN" fetch --endpoint "$HOSTILE_URL" "s3://bkt/obj" "$name"
assert_run 0 30000 64 "fetch to a name with ESC"
no_controls "$TMP/out" "the fetched line"
grep -q 'out\\x1b\[31mred\\x1b\]0;t\\x07' "$TMP/out" || fail "the fetched line does not show the name escaped: $(cat "$TMP/out")"
ok "the fetched line shows the name escaped"
cmp <(printf 'hello\n') "$name" || fail "the file under the odd name differs"
rm -f "$name"
run_bounded 20 "$XSHIP_BIN" fetch --json --endpoint "$HOSTILE_URL" "s3://bkt/obj" "$name"
assert_run 0 30000 64 "fetch --json to a name with ESC"
assert_eq "$(jq -r .path "$TMP/out")" "$name" "--json carries the exact name"
rm -f "$name"
# A name that is not UTF-8 cannot be exact in JSON: its bad byte becomes U+FFFD (no abort).
run_bounded 20 "$XSHIP_BIN" fetch --json --endpoint "$HOSTILE_URL" "s3://bkt/obj" "$DL/"$'bad\xffname'
assert_run 0 30000 64 "fetch --json to a name that is not UTF-8"
assert_eq "$(jq -r .path "$TMP/out")" "$DL/bad"$'\xef\xbf\xbd'"name" "--json shows the bad byte as U+FFFD"
rm -f "$DL/"$'bad\xffname'
assert_box_unchanged "$DL" "fetch to a name with ESC"
stop_hostile

# 4. A local file name with ESC and a newline: refused (it cannot be listed in SHA256SUMS),
#    the refusal one escaped line; with --dry-run too.
mkdir -p "$BOX/odd"; printf x > "$BOX/odd/"$'evil\e]0;t\a\nxship: error: forged'
snapshot_box "$BOX/none"
for dry in --dry-run ""; do
  run_bounded 20 "$XSHIP_BIN" publish $dry --endpoint "$ENDPOINT" --to "s3://$BUCKET/$PREFIX/odd" "$BOX/odd"
  assert_run 2 5000 64 "file name with ESC and newline ${dry:-(real run)}"
  assert_one_clean_line 'evil\\x1b\]0;t\\x07\\nxship: error: forged' "file name with ESC and newline ${dry:-(real run)}"
done
assert_box_unchanged "$BOX/none" "file name with ESC and newline"
assert_eq "$(awsx s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/" --query 'length(Contents || `[]`)' --output text)" 0 "nothing uploaded"
