#!/usr/bin/env bash
# The release page: published beside manifest.json, fetched with the AWS CLI, rendered by
# headless Chromium from the store through its presigned URL. Every link in the rendered
# DOM downloads from RGW with the bytes the manifest names; the page loads nothing but
# itself, and Chromium sends nothing off loopback (a refusing proxy logs any attempt).
# The screenshot and the DOM are kept in the build's Testing/artifacts/test_publish_page/.
source "$(dirname "$0")/lib.sh"
use_rig
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[[ -n $CHROMIUM ]] || fail "chromium (Debian package chromium) is needed for this test"
ART=$(dirname "$(dirname "$XSHIP_BIN")")/Testing/artifacts/test_publish_page
rm -rf "$ART" && mkdir -p "$ART"
E=(--endpoint "$ENDPOINT")

D=$TMP/dist; mkdir -p "$D/docs"
head -c 70000 /dev/urandom > "$D/app.linux.amd64"
head -c 5000 /dev/urandom > "$D/app.windows.amd64.exe"
printf 'hostile\n' > "$D/docs/<script>alert(1)<\\script> & \"q\" 'ü'.txt"
printf 'notes\n' > "$D/NOTES.txt"
unset XSHIP_SIGNING_KEY XSHIP_SIGNING_PASSWORD
xs keygen --unencrypted -s "$TMP/k.key" -p "$TMP/k.pub" > /dev/null

# Bad flags stop before any request (exit 2), naming the fix.
assert_eq "$(rc_of xs publish "${E[@]}" --to "s3://$BUCKET/$PREFIX/bad" --url-base "https://cdn.example.com/?x=1" "$D")" 2 "--url-base with a query exits 2"
assert_match "$(cat "$TMP/err")" "query or fragment.*https://host" "... naming the form"
assert_eq "$(rc_of xs publish "${E[@]}" --to "s3://$BUCKET/$PREFIX/bad" --presign 8d "$D")" 2 "--presign over 7 days exits 2"
assert_match "$(cat "$TMP/err")" "7 days" "... naming the limit"

# --url-base: every link (lines, --json, manifest) is the base plus the key; no page
# with --no-page.
xs publish "${E[@]}" --to "s3://$BUCKET/$PREFIX/cdn" --url-base "https://cdn.example.com/dl//" --no-page "$D" > "$TMP/cdn.out"
assert_match "$(grep NOTES "$TMP/cdn.out")" " https://cdn\.example\.com/dl/$PREFIX/cdn/NOTES\.txt$" "output line carries the --url-base URL"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/cdn/manifest.json" "$TMP/cdn.json"
assert_eq "$(jq -r '.files[] | select(.name=="NOTES.txt") | .url' "$TMP/cdn.json")" "https://cdn.example.com/dl/$PREFIX/cdn/NOTES.txt" "manifest url under --url-base"
assert_eq "$(awsx s3 ls "s3://$BUCKET/$PREFIX/cdn/index" | wc -l)" 0 "--no-page writes no page"

# The release: signed, links presigned for an hour.
DEST="s3://$BUCKET/$PREFIX/rel"
xs publish "${E[@]}" --to "$DEST" --sign-key "$TMP/k.key" --presign 1h --json "$D" > "$TMP/run.json"
PAGE_URL=$(jq -r '.pages[0]' "$TMP/run.json")
assert_match "$PAGE_URL" "^$ENDPOINT/$BUCKET/$PREFIX/rel/index\.html\?X-Amz-Algorithm=.*&X-Amz-Expires=3600&" "--json names the page's presigned URL"
assert_match "$(jq -r '.files[] | select(.name=="NOTES.txt") | .presigned_url' "$TMP/run.json")" "X-Amz-Signature=[0-9a-f]{64}$" "--json carries presigned_url"
assert_eq "$(jq -r '.files[] | select(.name=="NOTES.txt") | .url' "$TMP/run.json")" "$ENDPOINT/$BUCKET/$PREFIX/rel/NOTES.txt" "... and the plain url"
awsx s3 cp --only-show-errors "$DEST/manifest.json" "$TMP/manifest.json"
! grep -q 'X-Amz' "$TMP/manifest.json" || fail "a presigned URL went into manifest.json"
ok "manifest.json holds no presigned URL"
assert_eq "$(jq -r '.files[] | select(.name=="NOTES.txt") | .url' "$TMP/manifest.json")" "$ENDPOINT/$BUCKET/$PREFIX/rel/NOTES.txt" "manifest url is the store's"

# Uploaded after manifest.json (RGW's LastModified has whole seconds: not before it).
mod() { awsx s3api head-object --bucket "$BUCKET" --key "$PREFIX/rel/$1" --query LastModified --output text | xargs -I{} date -d {} +%s; }
(( $(mod index.html) >= $(mod manifest.json) )) || fail "index.html is older than manifest.json"
ok "index.html written after manifest.json"
assert_eq "$(awsx s3api head-object --bucket "$BUCKET" --key "$PREFIX/rel/index.html" --query ContentType --output text)" "text/html; charset=utf-8" "index.html is text/html"
awsx s3 cp --only-show-errors "$DEST/index.html" "$TMP/index.html"
awsx s3 cp --only-show-errors "$DEST/index.md" "$TMP/index.md"
cp "$TMP/index.html" "$TMP/index.md" "$ART/"
! grep -qiE '<script|<img|<link|<iframe|src=|url\(' "$TMP/index.html" || fail "the page has markup that loads something"
ok "no script, image, stylesheet or frame in the page"
assert_match "$(cat "$TMP/index.md")" "sha256sum -c --ignore-missing SHA256SUMS" "index.md says how to verify"

# A proxy that refuses and logs every request: Chromium's only way off loopback.
python3 - "$TMP/proxy.port" "$TMP/offloop.log" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    line = c.recv(4096).split(b"\r\n", 1)[0]
    open(sys.argv[2], "ab").write(line + b"\n")
    c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); c.close()
PY
GUARD_PID=$!
trap 'kill $GUARD_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $TMP/proxy.port ]] && break; sleep 0.05; done
: > "$TMP/offloop.log"
# Google's services (time, updates, accounts) pointed at a closed loopback port as well.
DEAD=http://127.0.0.1:9/
chrome() {
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/profile" --no-first-run \
    --no-default-browser-check --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --disable-breakpad --disable-domain-reliability --no-pings \
    --disable-client-side-phishing-detection --metrics-recording-only --safebrowsing-disable-auto-update \
    --disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,PrivacySandboxSettings4,NetworkTimeServiceQuerying \
    --component-updater=url-source=$DEAD --gaia-url=$DEAD --google-apis-url=$DEAD --lso-url=$DEAD \
    --google-base-url=$DEAD --variations-server-url=$DEAD \
    --proxy-server="http://127.0.0.1:$(cat "$TMP/proxy.port")" \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" --log-net-log="$1" --net-log-capture-mode=Default \
    "${@:2}" 2>>"$TMP/chromium.err"
}
chrome "$TMP/netlog-dom.json" --dump-dom "$PAGE_URL" > "$TMP/dom.html"
chrome "$TMP/netlog-shot.json" --window-size=1280,1000 --screenshot="$ART/page.png" "$PAGE_URL" > /dev/null
cp "$TMP/dom.html" "$ART/dom.html"
[[ -s $ART/page.png ]] && [[ $(head -c 8 "$ART/page.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "no PNG screenshot"
ok "screenshot kept: $ART/page.png ($(stat -c %s "$ART/page.png") bytes)"
assert_eq "$(wc -c < "$TMP/offloop.log")" 0 "Chromium sent nothing off loopback"

# What the page asked for: only the page itself (no CSS, image, font or script fetched).
python3 - "$TMP/netlog-dom.json" "$TMP/netlog-shot.json" > "$TMP/requested" <<'PY'
import json, sys
for path in sys.argv[1:]:
    log = json.load(open(path))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    for e in log["events"]:
        url = e.get("params", {}).get("url")
        if url and types.get(e["type"]) == "URL_REQUEST_START_JOB":
            print(url)
PY
# (The browser's own service requests went to $DEAD, on loopback: not the page's.)
assert_eq "$(sort -u "$TMP/requested" | grep -v -e '/favicon.ico$' -e "^${DEAD}" || true)" "$PAGE_URL" "the page loads nothing but itself"

# The rendered DOM: the hostile name is text, and every link downloads its bytes.
python3 - "$TMP/dom.html" > "$TMP/links.tsv" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.href = None; self.text = ""; self.scripts = 0
    def handle_starttag(self, tag, attrs):
        if tag == "script": self.scripts += 1
        if tag == "a": self.href = dict(attrs)["href"]; self.text = ""
    def handle_data(self, d):
        if self.href is not None: self.text += d
    def handle_endtag(self, tag):
        if tag == "a": print(f"{self.text}\t{self.href}"); self.href = None
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
if p.scripts: sys.exit("a <script> element is in the DOM")
PY
HOSTILE="docs/<script>alert(1)<\\script> & \"q\" 'ü'.txt"
grep -qF "$HOSTILE"$'\t' "$TMP/links.tsv" || fail "the hostile name is not shown as text: $(cut -f1 "$TMP/links.tsv")"
ok "the hostile file name renders as text"
n_files=$(jq '.files | length' "$TMP/manifest.json")
checked=0
while IFS=$'\t' read -r name href; do
  [[ $href == "$ENDPOINT/$BUCKET/$PREFIX/rel/"*"?X-Amz-"* ]] || fail "link of '$name' is not a presigned URL to the release: $href"
  code=$(curl -s -o "$TMP/got" -w '%{http_code}' "$href")
  [[ $code == 200 ]] || fail "link of '$name' answers $code"
  want=$(jq -r --arg n "$name" '.files[] | select(.name==$n) | .sha256' "$TMP/manifest.json")
  if [[ -n $want ]]; then
    [[ $(sha256sum < "$TMP/got" | cut -d' ' -f1) == "$want" ]] || fail "'$name' downloads other bytes than the manifest's"
    checked=$((checked + 1))
  else
    awsx s3 cp --only-show-errors "$DEST/$name" "$TMP/want" && cmp -s "$TMP/got" "$TMP/want" || fail "document '$name' differs"
  fi
done < "$TMP/links.tsv"
assert_eq "$checked" "$n_files" "every file's link downloads the manifest's bytes (sha256)"
for doc in SHA256SUMS SHA256SUMS.minisig manifest.json manifest.json.minisig; do
  grep -q "^$doc"$'\t' "$TMP/links.tsv" || fail "no link to $doc"
done
ok "the page links the release documents"
grep -q 'minisign -Vm SHA256SUMS' "$TMP/dom.html" || fail "a signed release's page does not say how to check the signature"
ok "the page says how to verify, with the signature"

# Without --presign the links are relative: they resolve beside the page.
xs publish "${E[@]}" --to "$DEST" --no-page "$D" > /dev/null
xs publish "${E[@]}" --to "s3://$BUCKET/$PREFIX/plain" "$D" > "$TMP/plain.out"
assert_match "$(grep '^page ' "$TMP/plain.out")" "^page $ENDPOINT/$BUCKET/$PREFIX/plain/index\.html$" "the summary names the page"
awsx s3 cp --only-show-errors "s3://$BUCKET/$PREFIX/plain/index.html" "$TMP/plain.html"
grep -q '<a href="app.linux.amd64">app.linux.amd64</a>' "$TMP/plain.html" || fail "no relative link"
ok "links are relative without --presign"

kill "$GUARD_PID" 2>/dev/null || true
awsx s3 rm --only-show-errors --recursive "s3://$BUCKET/$PREFIX"
rm -rf "$TMP"
