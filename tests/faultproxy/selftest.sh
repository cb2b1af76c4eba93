#!/usr/bin/env bash
# Self-test of faultproxy.py against a throwaway python upstream, with curl as the client.
# Self-contained, 127.0.0.1 only, bounded in time; exits non-zero on the first failure.
set -euo pipefail
# A hard bound, whatever hangs: re-run under timeout(1) so CTest never waits on us.
if [[ -z ${FAULTPROXY_SELFTEST_INNER:-} ]]; then
  FAULTPROXY_SELFTEST_INNER=1 exec timeout -k 5 90 bash "$0" "$@"
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The tests' library core (fail, ok, a fresh $TMP); no xship here.
# shellcheck source=tests/integration/lib.sh
source "$HERE/../integration/lib.sh" --no-xship
PROXY="$HERE/faultproxy.py"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "selftest: interrupted" >&2; exit 1' TERM INT

# ---- the throwaway upstream: a keep-alive HTTP/1.1 object store that logs what it got ----
cat > "$TMP/upstream.py" <<'EOF'
import base64, hashlib, http.server, json, os, sys, threading
store, logpath, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
def fname(path):
    return os.path.join(store, path.split('?')[0].strip('/').replace('/', '_') or '_')
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def note(self, **kw):
        rec = dict(method=self.command, path=self.path, host=self.headers.get('Host'),
                   peer=self.client_address[1], **kw)
        with lock, open(logpath, 'a') as f:
            f.write(json.dumps(rec) + '\n')
    def reply(self, code, body=b'', headers=(), head_only=False):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)
    def read_body(self, keep):
        n, md5, kept = int(self.headers.get('Content-Length', 0)), hashlib.md5(), []
        while n:
            d = self.rfile.read(min(n, 1 << 20)); n -= len(d); md5.update(d)
            if keep: kept.append(d)
        return md5, b''.join(kept)
    def do_PUT(self):
        size = int(self.headers.get('Content-Length', 0))
        md5, body = self.read_body(size <= 16 << 20)
        self.note(len=size, md5=md5.hexdigest())
        if size <= 16 << 20:
            open(fname(self.path), 'wb').write(body)
        want = self.headers.get('Content-MD5')
        if want and base64.b64decode(want) != md5.digest():
            return self.reply(400, b'<Error><Code>BadDigest</Code></Error>')
        self.reply(200, headers=[('ETag', '"%s"' % md5.hexdigest())])
    def do_POST(self):
        md5, _ = self.read_body(False)
        self.note(md5=md5.hexdigest())
        self.reply(200, b'<CompleteMultipartUploadResult/>')
    def do_GET(self, head_only=False):
        self.note()
        p = self.path
        if p.startswith('/bye'):  # drop the keep-alive connection without announcing it
            self.close_connection = True
            return self.reply(200, b'bye')
        if p.startswith('/close'):  # ... or announcing it
            return self.reply(200, b'close', [('Connection', 'close')])
        chunked = p.startswith('/chunked/')
        try:
            data = open(fname(p[len('/chunked'):] if chunked else p), 'rb').read()
        except OSError:
            return self.reply(404, b'<Error><Code>NoSuchKey</Code></Error>', head_only=head_only)
        if not chunked or head_only:
            return self.reply(200, data, [('ETag', '"x"')], head_only)
        self.send_response(200)
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        for i in range(0, len(data), 100000):
            piece = data[i:i + 100000]
            self.wfile.write(b'%x;ext=1\r\n%s\r\n' % (len(piece), piece))
        self.wfile.write(b'0\r\nX-Trailer: t\r\n\r\n')
    def do_HEAD(self):
        self.do_GET(head_only=True)
    def do_DELETE(self):
        self.note()
        self.reply(204)
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
open(portfile + '.tmp', 'w').write(str(srv.server_address[1]))
os.replace(portfile + '.tmp', portfile)
srv.serve_forever()
EOF

wait_file() {  # wait_file FILE: up to 10 s for a port file to appear
  local i
  for i in $(seq 100); do [[ -s $1 ]] && return 0; sleep 0.1; done
  fail "timed out waiting for $1"
}

mkdir -p "$TMP/store"
: > "$TMP/up.log"
python3 "$TMP/upstream.py" "$TMP/store" "$TMP/up.log" "$TMP/up.port" 2> "$TMP/up.err" &
PIDS+=("$!")
wait_file "$TMP/up.port"
UPORT=$(cat "$TMP/up.port")

PROXY_PID=
start_proxy() {  # start_proxy NAME [fault options...]: sets URL, LOG, ERR
  local name=$1; shift
  rm -f "$TMP/$name.port"
  LOG="$TMP/$name.log"; ERR="$TMP/$name.err"
  python3 "$PROXY" --upstream "127.0.0.1:${UPSTREAM_PORT:-$UPORT}" --port-file "$TMP/$name.port" \
    --log "$LOG" "$@" 2> "$ERR" &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  wait_file "$TMP/$name.port"
  URL="http://127.0.0.1:$(cat "$TMP/$name.port")"
  : > "$TMP/up.log"
}
stop_proxy() {  # SIGTERM, then check it printed its summary
  kill -TERM "$PROXY_PID"
  wait "$PROXY_PID" || fail "proxy exited non-zero"
  grep -q '^faultproxy: [0-9]* requests' "$ERR" || fail "no summary on stderr: $(cat "$ERR")"
}
count() { grep -c -- "$2" "$1" || true; }  # count FILE PATTERN
b64md5() { python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.md5(open(sys.argv[1],"rb").read()).digest()).decode())' "$1"; }

head -c 102400 /dev/urandom > "$TMP/a.bin"
head -c 1048576 /dev/urandom > "$TMP/b.bin"
W='%{http_code} %{num_connects}\n'
O=(-sS --max-time 20 -H 'Expect:')  # like xship: no "Expect: 100-continue"
C=(curl "${O[@]}")

# 1. Plain forwarding, keep-alive, Host unchanged, Content-MD5 accepted, GET/HEAD/chunked.
start_proxy plain
out=$("${C[@]}" -w "$W" -o /dev/null -H "Content-MD5: $(b64md5 "$TMP/a.bin")" -T "$TMP/a.bin" "$URL/b1/a" \
      --next "${O[@]}" -w "$W" -o /dev/null -T "$TMP/b.bin" "$URL/b1/b")
[[ $out == $'200 1\n200 0' ]] || fail "keep-alive PUTs: $out"
cmp -s "$TMP/a.bin" "$TMP/store/b1_a" || fail "forwarded body a differs"
cmp -s "$TMP/b.bin" "$TMP/store/b1_b" || fail "forwarded body b differs"
[[ $(count "$TMP/up.log" "\"host\": \"${URL#http://}\"") == 2 ]] || fail "Host rewritten: $(cat "$TMP/up.log")"
[[ $(grep -o '"peer": [0-9]*' "$TMP/up.log" | sort -u | wc -l) == 1 ]] || fail "upstream connection not reused"
out=$("${C[@]}" -w "$W" -o "$TMP/got.bin" "$URL/b1/b" -o "$TMP/gotc.bin" "$URL/chunked/b1/b")
[[ $out == $'200 1\n200 0' ]] || fail "GETs: $out"
cmp -s "$TMP/b.bin" "$TMP/got.bin" || fail "GET body differs"
cmp -s "$TMP/b.bin" "$TMP/gotc.bin" || fail "chunked GET body differs"
out=$("${C[@]}" -I -w "$W" "$URL/b1/b" --next "${O[@]}" -w "$W" -o "$TMP/got2.bin" "$URL/b1/b")
grep -qi '^content-length: 1048576' <<< "$out" || fail "HEAD lost Content-Length: $out"
[[ $(tail -2 <<< "$out") == $'200 1\n200 0' ]] || fail "HEAD then GET on one connection: $out"
cmp -s "$TMP/b.bin" "$TMP/got2.bin" || fail "GET after HEAD differs"
out=$("${C[@]}" -X DELETE -w "$W" "$URL/b1/zz" -X DELETE "$URL/b1/zz")
[[ $out == $'204 1\n204 0' ]] || fail "204s: $out"
out=$("${C[@]}" -w "$W" -o /dev/null "$URL/bye" -o /dev/null "$URL/b1/a" -o /dev/null "$URL/close" -o /dev/null "$URL/b1/a")
[[ $out == $'200 1\n200 0\n200 0\n200 1' ]] || fail "upstream closing: $out"
[[ $(count "$LOG" '"fault": null') == 12 ]] || fail "log lines: $(cat "$LOG")"
# curl's default "Expect: 100-continue" (xship sends none): the proxy answers the 100 itself.
out=$(curl -sS --max-time 20 -w "$W" -o /dev/null -T "$TMP/b.bin" "$URL/b1/x")
[[ $out == '200 1' ]] || fail "Expect: 100-continue: $out"
cmp -s "$TMP/b.bin" "$TMP/store/b1_x" || fail "body after 100-continue differs"
stop_proxy
grep -q '^faultproxy: 13 requests, 0 faults' "$ERR" || fail "summary: $(cat "$ERR")"
ok "forwarding, keep-alive, Host, HEAD, 204, chunked, upstream closing, 100-continue"

# 2. slowdown: 503 + S3 XML from the proxy, request not forwarded, connection still usable.
start_proxy slow --match PUT --first 1 --fault slowdown
out=$("${C[@]}" -w "$W" -o "$TMP/r1" -T "$TMP/b.bin" "$URL/b1/s1" -o "$TMP/r2" -T "$TMP/a.bin" "$URL/b1/s2")
[[ $out == $'503 1\n200 0' ]] || fail "slowdown: $out"
grep -q '<Code>SlowDown</Code>' "$TMP/r1" || fail "slowdown body: $(cat "$TMP/r1")"
[[ $(count "$TMP/up.log" '/b1/s1') == 0 && $(count "$TMP/up.log" '/b1/s2') == 1 ]] || fail "slowdown forwarding"
stop_proxy
grep -q 'faultproxy: 2 requests, 1 faults: slowdown=1' "$ERR" || fail "summary: $(cat "$ERR")"
ok "slowdown"

# 3. internal, with METHOD:QUERYSUBSTR matching only the part uploads.
start_proxy internal --match PUT:partNumber= --first 1 --fault internal
out=$("${C[@]}" -w "$W" -o /dev/null -T "$TMP/a.bin" "$URL/b1/i" -o "$TMP/r1" \
      -T "$TMP/a.bin" "$URL/b1/i?partNumber=1&uploadId=u" -o /dev/null -T "$TMP/a.bin" "$URL/b1/i?partNumber=2&uploadId=u")
[[ $out == $'200 1\n500 0\n200 0' ]] || fail "internal: $out"
grep -q '<Code>InternalError</Code>' "$TMP/r1" || fail "internal body"
[[ $(count "$LOG" '"fault": "internal"') == 1 ]] || fail "internal log: $(cat "$LOG")"
stop_proxy
ok "internal + --match PUT:partNumber="

# 4. flip: exactly one byte differs upstream; Content-MD5 catches it; next request is fine.
start_proxy flip --match PUT --first 1 --fault flip
out=$("${C[@]}" -w "$W" -o "$TMP/r1" -H "Content-MD5: $(b64md5 "$TMP/b.bin")" -T "$TMP/b.bin" "$URL/b1/f" \
      --next "${O[@]}" -w "$W" -o /dev/null -T "$TMP/a.bin" "$URL/b1/g")
[[ $out == $'400 1\n200 0' ]] || fail "flip: $out"
grep -q BadDigest "$TMP/r1" || fail "flip body"
[[ $(cmp -l "$TMP/b.bin" "$TMP/store/b1_f" | wc -l) == 1 ]] || fail "flip changed not exactly one byte"
pos=$(cmp -l "$TMP/b.bin" "$TMP/store/b1_f" | awk '{ print $1 }' || true)
[[ $pos == 524289 ]] || fail "flip at byte $pos, not the middle"
cmp -s "$TMP/a.bin" "$TMP/store/b1_g" || fail "request after flip altered"
grep -q '"status": 400, "fault": "flip"' "$LOG" || fail "flip log: $(cat "$LOG")"
stop_proxy
ok "flip"

# 5. reset: the client sees its connection die; nothing reaches the upstream; proxy lives on.
start_proxy reset --first 1 --fault reset
rc=0; out=$("${C[@]}" -w "$W" -o /dev/null -T "$TMP/b.bin" "$URL/b1/r" 2>/dev/null) || rc=$?
[[ $rc == 55 || $rc == 56 ]] || fail "reset: curl rc=$rc out=$out"
[[ $(count "$TMP/up.log" PUT) == 0 ]] || fail "reset forwarded"
out=$("${C[@]}" -w "$W" -o /dev/null -T "$TMP/a.bin" "$URL/b1/r2")
[[ $out == '200 1' ]] || fail "after reset: $out"
stop_proxy
ok "reset (curl rc=$rc)"

# 6. stall: silence for --stall-seconds, then close.
start_proxy stall --first 1 --fault stall --stall-seconds 2
t0=$(date +%s%N); rc=0
"${C[@]}" -o /dev/null -T "$TMP/a.bin" "$URL/b1/st" 2>/dev/null || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[[ $rc == 52 ]] || fail "stall: curl rc=$rc"
(( ms >= 1900 && ms < 10000 )) || fail "stall lasted $ms ms"
rc=0; "${C[@]}" -o /dev/null -T "$TMP/a.bin" "$URL/b1/st" 2>/dev/null || rc=$?
[[ $rc == 0 ]] || fail "after stall: rc=$rc"
stop_proxy
ok "stall (${ms} ms)"

# 7. truncate: full Content-Length promised, half delivered, then close.
start_proxy trunc --match GET --first 2 --fault truncate
rc=0; "${C[@]}" -o "$TMP/t.bin" "$URL/b1/b" 2>/dev/null || rc=$?
[[ $rc == 18 && $(stat -c %s "$TMP/t.bin") == 524288 ]] || fail "truncate: rc=$rc size=$(stat -c %s "$TMP/t.bin")"
rc=0; "${C[@]}" -o "$TMP/t.bin" "$URL/chunked/b1/b" 2>/dev/null || rc=$?
[[ $rc == 18 && $(stat -c %s "$TMP/t.bin") == 50000 ]] || fail "truncate chunked: rc=$rc size=$(stat -c %s "$TMP/t.bin")"
stop_proxy
ok "truncate"

# 8. etag: the ETag header is replaced with another valid-looking md5.
start_proxy etag --match PUT --first 1 --fault etag
out=$("${C[@]}" -D - -o /dev/null -T "$TMP/a.bin" "$URL/b1/e" -T "$TMP/a.bin" "$URL/b1/e")
real=$(md5sum < "$TMP/a.bin" | cut -c1-32)
[[ $(grep -ic "^etag: \"00000000000000000000000000000000\"" <<< "$out") == 1 ]] || fail "etag: $out"
[[ $(grep -ic "^etag: \"$real\"" <<< "$out") == 1 ]] || fail "etag second: $out"
stop_proxy
ok "etag"

# 9. complete-error: 200 + Error body, not forwarded; other POSTs are forwarded.
start_proxy complete --first 5 --fault complete-error
out=$("${C[@]}" -w "$W" -o /dev/null -X POST --data-binary @"$TMP/a.bin" "$URL/b1/k?uploads" \
      -o "$TMP/r1" --data-binary @"$TMP/a.bin" "$URL/b1/k?uploadId=abc")
[[ $out == $'200 1\n200 0' ]] || fail "complete-error: $out"
grep -q '^<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' "$TMP/r1" || fail "complete-error body"
[[ $(count "$TMP/up.log" uploadId) == 0 && $(count "$TMP/up.log" uploads) == 1 ]] || fail "complete-error forwarding"
stop_proxy
ok "complete-error"

# 10. --rate/--faults/--seed are deterministic; --max-faults caps the total.
for run in 1 2; do
  start_proxy "rate$run" --rate 0.5 --faults slowdown,internal --seed 5 --max-faults 4
  urls=(); for i in $(seq 20); do urls+=(-o /dev/null "$URL/b1/a?i=$i"); done
  "${C[@]}" -w "$W" "${urls[@]}" > "$TMP/rate$run.out"
  [[ $(count "$TMP/rate$run.out" ' 1$') == 1 ]] || fail "rate: connection not kept across 5xx"
  stop_proxy
  grep -o '"fault": [^}]*' "$LOG" > "$TMP/rate$run.seq"
done
cmp -s "$TMP/rate1.seq" "$TMP/rate2.seq" || fail "rate not deterministic"
[[ $(grep -vc null "$TMP/rate1.seq") == 4 ]] || fail "max-faults: $(cat "$TMP/rate1.seq")"
grep -q 'faultproxy: 20 requests, 4 faults: internal=[0-9] slowdown=[0-9]$' "$ERR" || fail "rate summary: $(cat "$ERR")"
ok "rate+seed deterministic, max-faults ($(tail -1 "$ERR"))"

# 11. 200 MiB body streams through with bounded memory.
truncate -s 200M "$TMP/big.bin"
start_proxy big
out=$("${C[@]}" --max-time 60 -w "$W" -o /dev/null -T "$TMP/big.bin" "$URL/b1/big")
[[ $out == '200 1' ]] || fail "big PUT: $out"
grep -q "\"len\": 209715200, \"md5\": \"$(md5sum < "$TMP/big.bin" | cut -c1-32)\"" "$TMP/up.log" \
  || fail "big body md5: $(cat "$TMP/up.log")"
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$PROXY_PID/status")
(( hwm < 64 * 1024 )) || fail "proxy peak RSS ${hwm} kB"
stop_proxy
rm -f "$TMP/big.bin"
ok "200 MiB streamed, proxy peak RSS ${hwm} kB"

# 12. Upstream down: 502 from the proxy.
UPSTREAM_PORT=1 start_proxy down
out=$("${C[@]}" -w "$W" -o /dev/null "$URL/b1/a")
[[ $out == '502 1' ]] || fail "upstream down: $out"
stop_proxy
ok "upstream down -> 502"

echo "selftest: all passed"
