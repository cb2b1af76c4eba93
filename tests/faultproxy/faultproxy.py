#!/usr/bin/env python3
"""faultproxy: a fault-injecting HTTP/1.1 reverse proxy for xship's integration tests.

It sits between xship (libcurl, keep-alive, Content-Length bodies) and the S3 server and
forwards requests byte-exactly, injecting at most one fault per request. Standard library
only, because CI has nothing but Debian packages. See README.md beside this file.
"""
import argparse, json, os, random, select, signal, socket, struct, sys, threading, time  # noqa
from email.utils import formatdate

CHUNK = 1 << 20          # bodies are streamed in 1 MiB pieces, so RSS stays flat for any size
MAX_HEAD = 64 * 1024     # longest head line accepted: bounds memory against garbage input
UPSTREAM_TIMEOUT = 300   # RGW may take a while to answer after a big body; never hang forever
FAULTS = ('slowdown', 'internal', 'flip', 'reset', 'stall', 'truncate', 'etag',
          'complete-error')
ERR_MSG = 'We encountered an internal error. Please try again.'
# Faults answered by the proxy itself: (status, reason, S3 error code, message).
CANNED = {
    'slowdown': (503, 'Slow Down', 'SlowDown', 'Please reduce your request rate.'),
    'internal': (500, 'Internal Server Error', 'InternalError', ERR_MSG),
    # CompleteMultipartUpload may fail *after* a 200 status line; S3 then sends an Error body.
    'complete-error': (200, 'OK', 'InternalError', ERR_MSG),
}
FAKE_ETAG = '00000000000000000000000000000000'


class ProtocolError(Exception):
    pass


def readline(rf):
    line = rf.readline(MAX_HEAD)
    if not line.endswith(b'\n'):
        raise ProtocolError('EOF or overlong line')
    return line


def read_head(rf, trailer=False):
    """Lines up to and including the blank one; None on a clean EOF before a request."""
    lines = []
    while True:
        if not lines and not trailer and not rf.peek(1):
            return None
        line = readline(rf)
        if not lines and not trailer and line in (b'\r\n', b'\n'):
            continue  # RFC 9112 lets a server ignore blank lines before a request line
        lines.append(line)
        if line in (b'\r\n', b'\n'):
            return b''.join(lines)
        if len(lines) > 200:
            raise ProtocolError('head too large')


def parse_head(head):
    """Start line words and a lower-cased header dict; the raw bytes stay what is forwarded."""
    lines = head.decode('latin-1').split('\n')
    start = lines[0].strip().split(' ', 2)
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(':')
        if sep:
            headers[name.strip().lower()] = value.strip()
    return start, headers


def is_chunked(headers):
    return 'chunked' in headers.get('transfer-encoding', '').lower()


def copy_exact(rf, n, sink, flip_at=-1):
    """Copy exactly n bytes from rf to sink, XOR-ing the byte at offset flip_at with 0x01."""
    pos = 0
    while pos < n:
        data = rf.read(min(CHUNK, n - pos))
        if not data:
            raise ProtocolError('EOF inside body')
        if pos <= flip_at < pos + len(data):
            data = bytearray(data)
            data[flip_at - pos] ^= 0x01
        sink(data)
        pos += len(data)


def copy_chunked(rf, sink):
    """Relay a chunked body verbatim (sizes, extensions, trailers) while finding its end."""
    while True:
        line = readline(rf)
        sink(line)
        size = chunk_size(line)
        if size == 0:
            sink(read_head(rf, trailer=True))  # trailer fields, then the final blank line
            return
        copy_exact(rf, size + 2, sink)  # data plus its CRLF


def chunk_size(line):
    return int(line.split(b';', 1)[0].strip(), 16)


def copy_until_close(rf, sink):
    while True:
        data = rf.read1(CHUNK)
        if not data:
            return
        sink(data)


def discard(_data):
    pass


def close_all(sock, rf, rst=False):
    """Close the reader first: a socket with live makefile() readers is not really closed."""
    try:
        if rf is not None:
            rf.close()
        if rst:  # SO_LINGER 0 makes close() send RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        sock.close()
    except OSError:
        pass


class State:
    """Shared by all connection threads: fault decisions, counters and the JSON log."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.rng = random.Random(args.seed)
        self.seq = self.first_used = self.injected = 0
        self.by_name = {}
        self.log = open(args.log, 'w', buffering=1)

    def matches(self, method, target):
        if not self.args.match:
            return True
        query = target.partition('?')[2]
        for m in self.args.match:
            want, _, sub = m.partition(':')
            if want.upper() in ('*', method) and sub in query:
                return True
        return False

    @staticmethod
    def applicable(fault, req):
        # A fault that cannot apply is not "spent" on a request (e.g. flip on a bodiless HEAD).
        if fault == 'flip':
            return not req.chunked and req.body_len > 0
        if fault == 'complete-error':
            return req.method == 'POST' and 'uploadId=' in req.target.partition('?')[2]
        return True

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def decide(self, req):
        """Order: --match, --max-faults, --first, --rate. Under the lock so counts are exact."""
        a = self.args
        with self.lock:
            if not self.matches(req.method, req.target):
                return None
            if a.max_faults is not None and self.injected >= a.max_faults:
                return None
            fault = None
            if a.first and self.first_used < a.first and self.applicable(a.fault, req):
                self.first_used += 1
                fault = a.fault
            elif a.rate > 0:
                cands = [f for f in a.faults if self.applicable(f, req)]
                if cands and self.rng.random() < a.rate:
                    fault = self.rng.choice(cands)
            if fault:
                self.injected += 1
                self.by_name[fault] = self.by_name.get(fault, 0) + 1
            return fault

    def record(self, req, status, fault, error=None):
        rec = {'n': req.n, 'conn': req.conn, 'method': req.method, 'path': req.target,
               'status': status, 'fault': fault}
        if 'range' in req.headers:
            rec['range'] = req.headers['range']
        if error:
            rec['error'] = error
        req.logged = True
        with self.lock:
            self.log.write(json.dumps(rec) + '\n')

    def summary(self):
        with self.lock:
            self.log.flush()
            faults = ' '.join(f'{k}={v}' for k, v in sorted(self.by_name.items()))
            print(f'faultproxy: {self.seq} requests, {self.injected} faults'
                  + (f': {faults}' if faults else ''), file=sys.stderr, flush=True)


class Request:
    def __init__(self, head, n, conn):
        self.head, self.n, self.conn = head, n, conn
        self.fault, self.logged = None, False
        start, self.headers = parse_head(head)
        if len(start) != 3:
            raise ProtocolError('bad request line')
        self.method, self.target, self.version = start[0].upper(), start[1], start[2]
        self.chunked = is_chunked(self.headers)
        self.body_len = 0 if self.chunked else int(self.headers.get('content-length', '0'))
        conn_hdr = self.headers.get('connection', '').lower()
        self.wants_close = 'close' in conn_hdr or (
            self.version == 'HTTP/1.0' and 'keep-alive' not in conn_hdr)

    def copy_body(self, rf, sink, flip_at=-1):
        if self.chunked:
            copy_chunked(rf, sink)
        else:
            copy_exact(rf, self.body_len, sink, flip_at)


class Upstream:
    """One upstream connection per client connection, reopened when the server drops it."""

    def __init__(self, addr):
        self.addr, self.sock, self.rf = addr, None, None

    def ensure(self):
        # An idle keep-alive connection that is readable has been closed (or sent junk):
        # replace it *before* sending, because a streamed body cannot be replayed.
        if self.sock is not None and select.select([self.sock], [], [], 0)[0]:
            self.close()
        if self.sock is None:
            self.sock = socket.create_connection(self.addr, timeout=UPSTREAM_TIMEOUT)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rf = self.sock.makefile('rb')

    def close(self):
        if self.sock is not None:
            close_all(self.sock, self.rf)
        self.sock = self.rf = None


class Connection:
    def __init__(self, csock, conn_id, state, args):
        self.csock, self.conn_id, self.state, self.args = csock, conn_id, state, args
        csock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.crf = csock.makefile('rb')
        self.up = Upstream(args.upstream)

    def run(self):
        rst, req = False, None
        try:
            while True:
                head = read_head(self.crf)
                if head is None:
                    break
                req = Request(head, self.state.next_seq(), self.conn_id)
                keep, rst = self.handle(req)
                req = None
                if not keep:
                    break
        except (OSError, ProtocolError, ValueError) as e:
            # Client or upstream went away mid-exchange: drop both sides, but log the request.
            if req is not None and not req.logged:
                self.state.record(req, None, req.fault, 'aborted: %s' % e)
        finally:
            self.up.close()
            close_all(self.csock, self.crf, rst)

    def send_canned(self, req, status, reason, code, message):
        body = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code>'
                '<Message>%s</Message></Error>' % (code, message)).encode()
        head = ('HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n'
                'x-amz-request-id: faultproxy-%d\r\nDate: %s\r\n%s\r\n' % (
                    status, reason, len(body), req.n,
                    formatdate(usegmt=True),
                    'Connection: close\r\n' if req.wants_close else '')).encode()
        self.csock.sendall(head if req.method == 'HEAD' else head + body)

    def handle(self, req):
        """Serve one request; returns (keep the client connection, close it with RST)."""
        fault = req.fault = self.state.decide(req)
        if 'continue' in req.headers.get('expect', '').lower() and fault not in ('reset',):
            # xship never sends Expect, but curl does: answer it here so the body flows even
            # when the proxy answers itself (the upstream's own 100 is swallowed below).
            self.csock.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
        if fault in CANNED:
            # Drain the body first so the next request on this connection parses cleanly.
            req.copy_body(self.crf, discard)
            self.send_canned(req, *CANNED[fault])
            self.state.record(req, CANNED[fault][0], fault)
            return not req.wants_close, False
        if fault == 'reset':
            if not req.chunked:
                copy_exact(self.crf, req.body_len // 2, discard)
            self.state.record(req, None, fault)
            return False, True
        if fault == 'stall':
            req.copy_body(self.crf, discard)
            self.state.record(req, None, fault)
            self.stall()
            return False, False
        return self.forward(req, fault)

    def stall(self):
        # Say nothing for --stall-seconds; stop early if the client gives up and closes.
        deadline = time.monotonic() + self.args.stall_seconds
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.csock], [], [], min(left, 1.0))[0]:
                if not self.csock.recv(65536):
                    return

    def forward(self, req, fault):
        up = self.up
        try:
            up.ensure()
        except OSError as e:
            req.copy_body(self.crf, discard)
            self.send_canned(req, 502, 'Bad Gateway', 'BadGateway', 'upstream: %s' % e)
            self.state.record(req, 502, fault, 'upstream connect: %s' % e)
            return not req.wants_close, False

        # If the server stops reading (early error answer), keep draining the client's body so
        # the response can still be relayed; the upstream connection is dropped afterwards.
        broken = False

        def to_upstream(data):
            nonlocal broken
            if not broken:
                try:
                    up.sock.sendall(data)
                except OSError:
                    broken = True
        to_upstream(req.head)
        req.copy_body(self.crf, to_upstream, req.body_len // 2 if fault == 'flip' else -1)

        while True:  # skip interim 1xx answers (relaying them), up to the final one
            try:
                head = read_head(up.rf)
            except (OSError, ProtocolError) as e:
                head, err = None, str(e)
            else:
                err = 'upstream closed before answering'
            if head is None:
                # Nothing to relay: close the client like the server closed us, so the
                # client sees the same failure it would see without the proxy.
                self.state.record(req, None, fault, err)
                return False, False
            start, headers = parse_head(head)
            status = int(start[1])
            if not 100 <= status < 200:
                break
            if status != 100:  # 100 Continue was already given to the client, if it asked
                self.csock.sendall(head)

        if fault == 'etag':
            head = rewrite_etag(head)
        self.state.record(req, status, fault)
        self.csock.sendall(head)
        send, rf = self.csock.sendall, up.rf
        keep_up = not broken and 'close' not in headers.get('connection', '').lower()
        cut = fault == 'truncate'  # the head promises the whole body; send ~half, hang up
        if req.method == 'HEAD' or status in (204, 304):
            pass
        elif is_chunked(headers):
            if cut:
                line = readline(rf)
                send(line)
                copy_exact(rf, chunk_size(line) // 2, send)
            else:
                copy_chunked(rf, send)
        elif 'content-length' in headers:
            n = int(headers['content-length'])
            copy_exact(rf, n // 2 if cut else n, send)
        else:  # no framing: the body ends when the server closes
            keep_up = False
            if cut:
                data = rf.read1(CHUNK)
                send(data[:len(data) // 2])
            else:
                copy_until_close(rf, send)
        if cut or not keep_up:
            up.close()
        return keep_up and not cut and not req.wants_close, False


def rewrite_etag(head):
    """Replace the ETag value by a different valid-looking md5, keeping a multipart -N suffix."""
    out = []
    for line in head.split(b'\r\n'):
        name, sep, value = line.partition(b':')
        if sep and name.strip().lower() == b'etag':
            old = value.strip().strip(b'"').decode('latin-1')
            md5, dash, parts = old.partition('-')
            fake = FAKE_ETAG if md5 != FAKE_ETAG else 'f' * 32
            line = name + b': "' + (fake + dash + parts).encode() + b'"'
        out.append(line)
    return b'\r\n'.join(out)


def host_port(text):
    host, _, port = text.rpartition(':')
    return host or '127.0.0.1', int(port)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Fault-injecting HTTP/1.1 proxy for S3 tests.')
    p.add_argument('--upstream', required=True, type=host_port, help='HOST:PORT of the server')
    p.add_argument('--listen', default='127.0.0.1:0', type=host_port, help='HOST:PORT (0=any)')
    p.add_argument('--port-file', required=True, help='the listen port is written here')
    p.add_argument('--log', required=True, help='one JSON line per request')
    p.add_argument('--match', action='append', default=[],
                   help='METHOD[:QUERYSUBSTR] eligible for faults; repeatable; default all')
    p.add_argument('--first', type=int, default=0, help='fault the first N eligible requests')
    p.add_argument('--fault', choices=FAULTS, help='the fault for --first')
    p.add_argument('--rate', type=float, default=0.0, help='probability of a random fault')
    p.add_argument('--faults', default='', help='comma list of faults for --rate')
    p.add_argument('--seed', type=int, default=0, help='seed for --rate')
    p.add_argument('--max-faults', type=int, default=None, help='stop after N faults in all')
    p.add_argument('--stall-seconds', type=float, default=30.0)
    a = p.parse_args(argv)
    a.faults = [f for f in a.faults.split(',') if f]
    for f in a.faults:
        if f not in FAULTS:
            p.error('unknown fault %r (known: %s)' % (f, ', '.join(FAULTS)))
    if a.first and not a.fault:
        p.error('--first needs --fault')
    if a.rate > 0 and not a.faults:
        p.error('--rate needs --faults')
    return a


def main():
    args = parse_args()
    state = State(args)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(args.listen)
    ls.listen(128)
    # SIGTERM raises KeyboardInterrupt like SIGINT, in the main thread, out of accept().
    # Installed before the port file appears, so a test may signal as soon as it sees it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    tmp = args.port_file + '.tmp'
    with open(tmp, 'w') as f:  # rename makes the port appear all at once to a polling test
        f.write('%d\n' % ls.getsockname()[1])
    os.replace(tmp, args.port_file)
    conn_id = 0
    try:
        while True:
            csock, _ = ls.accept()
            conn_id += 1
            threading.Thread(target=Connection(csock, conn_id, state, args).run,
                             daemon=True).start()
    except KeyboardInterrupt:
        pass
    finally:
        ls.close()
        state.summary()
    # Connection threads may sit in blocking I/O (idle keep-alive, stall); don't wait.
    os._exit(0)


if __name__ == '__main__':
    main()
