#!/usr/bin/env python3
"""hostile_s3: a fake S3 endpoint on 127.0.0.1 that misbehaves in one chosen way.

The hardening tests point xship at it (--endpoint) to check that a hostile or broken
store never makes xship hang, spin, flood memory, write outside its destination or put
control characters on the terminal. Standard library only; no upstream. See README.md.

    python3 hostile_s3.py --mode MODE --port-file FILE --log FILE [--body-mib N]

Every request gets one JSON line in --log: method, target, Range, status and the body bytes
actually sent (a client that hangs up early shows as a short count).
"""
import argparse, hashlib, json, os, signal, socket, socketserver, sys, threading, time  # noqa

HELLO = b'hello\n'
HELLO_MD5 = hashlib.md5(HELLO).hexdigest()
CHUNK = 1 << 20
EMPTY_LIST = b'<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'
EMPTY_UPLOADS = b'<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>'
# Text a hostile store might send to take over a terminal: an OSC title change, a colour,
# a newline and a forged line of xship's own.
EVIL = b'\x1b]0;owned\x07\x1b[31mred\x1b[0m\nxship: error: forged line'


class Args:
    mode = ''
    body_mib = 300
    log = None
    lock = threading.Lock()
    counter = 0


def log(entry):
    with Args.lock:
        Args.counter += 1
        entry['n'] = Args.counter
        Args.log.write(json.dumps(entry) + '\n')
        Args.log.flush()


class Conn:
    """One request's reply, with a count of the body bytes the client took."""

    def __init__(self, sock, method, target):
        self.sock, self.method, self.target, self.sent, self.status = sock, method, target, 0, None

    def head(self, status, headers):
        self.status = status
        lines = [f'HTTP/1.1 {status} X'.encode()]
        for name, value in headers:
            lines.append(name.encode() + b': ' + (value if isinstance(value, bytes) else str(value).encode()))
        self.sock.sendall(b'\r\n'.join(lines) + b'\r\n\r\n')

    def body(self, data):
        if self.method != 'HEAD':
            self.sock.sendall(data)
            self.sent += len(data)

    def reply(self, status, body=b'', extra=(), length=None):
        self.head(status, [('Content-Length', len(body) if length is None else length), *extra])
        self.body(body)


def list_objects_page(n, token, items):
    contents = b''.join(b'<Contents><Key>k%d-%d</Key><Size>1</Size><ETag>"x"</ETag></Contents>' % (n, i)
                        for i in range(items))
    return (b'<ListBucketResult><IsTruncated>true</IsTruncated>' + contents +
            b'<NextContinuationToken>' + token + b'</NextContinuationToken></ListBucketResult>')


def stream(c, total, piece=CHUNK, delay=0.0):
    sent = 0
    while total is None or sent < total:
        n = piece if total is None else min(piece, total - sent)
        c.body(b'A' * n)
        sent += n
        if delay:
            time.sleep(delay)


def handle(c, query, path):
    m, method = Args.mode, c.method
    if m == 'huge-error':  # a 500 whose body is body_mib MiB: an <Error>, then whitespace
        doc = b'<Error><Code>InternalError</Code><Message>big</Message></Error>'
        total = Args.body_mib * CHUNK
        c.head(500, [('Content-Length', total)])
        c.body(doc)
        stream_spaces(c, total - len(doc))
        return
    if m == 'error-text':  # a permanent error whose code and message are terminal escapes
        c.reply(400, b'<Error><Code>Bad\x1b[2J</Code><Message>' + EVIL + b'</Message></Error>',
                extra=[('x-amz-request-id', b'\x1b[31mid\x1b[0m')])
        return
    if 'list-type=2' in query:
        if m == 'repeat-token':
            c.reply(200, list_objects_page(Args.counter, b'again', 1))
        elif m == 'empty-pages':
            c.reply(200, list_objects_page(Args.counter, b'token-%d' % Args.counter, 0))
        else:
            c.reply(200, EMPTY_LIST)
        return
    if 'uploads' in query and method == 'GET':
        if m == 'repeat-uploads-marker':
            c.reply(200, b'<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>'
                         b'<Upload><Key>other</Key><UploadId>u1</UploadId></Upload>'
                         b'<NextKeyMarker>other</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>'
                         b'</ListMultipartUploadsResult>')
        else:
            c.reply(200, EMPTY_UPLOADS)
        return
    if method == 'PUT':
        c.reply(200, extra=[('ETag', '"%s"' % hashlib.md5(c.request_body).hexdigest())])
        return
    object_reply(c, m)


def stream_spaces(c, n):
    while n > 0:
        k = min(CHUNK, n)
        c.body(b' ' * k)
        n -= k


def object_reply(c, m):
    md5 = [('ETag', '"%s"' % HELLO_MD5)]
    if m == 'absurd-length':  # HEAD claims 2^64-1 bytes; the object is 6
        if c.method == 'HEAD':
            c.reply(200, extra=md5, length=18446744073709551615)
        else:
            c.reply(200, HELLO, extra=md5)
    elif m == 'overlong-body':  # HEAD says 6 bytes; the GET pours out body_mib MiB, then closes
        if c.method == 'HEAD':
            c.reply(200, extra=md5, length=len(HELLO))
        else:
            c.head(200, [('Connection', 'close'), *md5])
            stream(c, Args.body_mib * CHUNK)
            raise ConnectionAbortedError('body done')
    elif m == 'trickle':  # 16 KiB announced, sent one byte a second
        if c.method == 'HEAD':
            c.reply(200, extra=md5, length=16384)
        else:
            c.head(200, [('Content-Length', 16384), *md5])
            stream(c, 16384, piece=1, delay=1.0)
    elif m == 'slow-ranged':  # 64 MiB announced (ranged download), every range trickles
        if c.method == 'HEAD':
            c.reply(200, extra=md5, length=64 * CHUNK)
        else:
            c.head(206, [('Content-Length', 8 * CHUNK), *md5])
            stream(c, 8 * CHUNK, piece=1024, delay=0.5)
    elif m == 'flaky-ranged':  # FLAKY_SIZE bytes; each range's first GET breaks off halfway
        flaky_ranged(c)
    elif m == 'evil-etag':  # a HEAD whose ETag is a terminal escape
        c.reply(200, extra=[('ETag', b'"' + EVIL.split(b'\n')[0] + b'"')], length=len(HELLO))
    else:  # serve: the 6-byte object at any key
        c.reply(200, HELLO, extra=md5)


FLAKY_SIZE = 24 * CHUNK + 12345  # over fetch's 16 MiB range threshold: three ranges
FLAKY_DATA = (bytes(range(251)) * (FLAKY_SIZE // 251 + 1))[:FLAKY_SIZE]
FLAKY_SEEN = set()  # ranges (by their last byte, which a resumed request keeps) already broken off once


def flaky_ranged(c):
    meta = [('ETag', '"%s-3"' % HELLO_MD5), ('x-amz-meta-sha256', hashlib.sha256(FLAKY_DATA).hexdigest())]
    if c.method == 'HEAD':
        c.reply(200, extra=meta, length=FLAKY_SIZE)
        return
    first, _, last = c.range.partition('=')[2].partition('-')
    first, last = int(first), int(last)
    part = FLAKY_DATA[first:last + 1]
    c.head(206, [('Content-Length', len(part)), ('Content-Range', f'bytes {first}-{last}/{FLAKY_SIZE}'), *meta])
    with Args.lock:
        cut = last not in FLAKY_SEEN
        FLAKY_SEEN.add(last)
    if cut:
        c.body(part[:len(part) // 2])
        raise ConnectionAbortedError('cut halfway')
    c.body(part)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        rf = self.request.makefile('rb')
        try:
            while self.one(rf):
                pass
        except (ConnectionError, OSError):
            pass
        finally:
            rf.close()

    def one(self, rf):
        line = rf.readline(65536)
        if not line.strip():
            return False
        method, target = line.decode('latin-1').split(' ')[:2]
        length, rng = 0, ''
        while True:
            h = rf.readline(65536)
            if h in (b'\r\n', b'\n', b''):
                break
            name, _, value = h.decode('latin-1').partition(':')
            if name.strip().lower() == 'content-length':
                length = int(value.strip())
            if name.strip().lower() == 'range':
                rng = value.strip()
        c = Conn(self.request, method, target)
        c.range = rng
        c.request_body = rf.read(length) if length else b''
        path, _, query = target.partition('?')
        try:
            handle(c, query, path)
        finally:
            log({'method': method, 'target': target, 'range': rng, 'status': c.status, 'body_sent': c.sent})
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mode', required=True)
    p.add_argument('--port-file', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--body-mib', type=int, default=300)
    a = p.parse_args()
    Args.mode, Args.body_mib, Args.log = a.mode, a.body_mib, open(a.log, 'w')
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    srv = Server(('127.0.0.1', 0), Handler)
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, a.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
