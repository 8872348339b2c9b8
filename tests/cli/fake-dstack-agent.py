#!/usr/bin/env python3
"""A fake dstack guest agent for the tests: HTTP/1.1 on a unix socket.

  fake-dstack-agent.py SOCKET FIXTURE LOG [--fail-getkey]

GetKey returns a fixed key derived from the path (as the real agent's keys are fixed per
app and path); GetQuote replays the fixture's real quote and event log whatever the
report_data, answering with a chunked body; every request's method and body is appended
to LOG as one JSON line."""
import hashlib, json, os, socket, sys

sock_path, fixture, log = sys.argv[1], sys.argv[2], sys.argv[3]
fail_getkey = '--fail-getkey' in sys.argv
fx = json.load(open(fixture))

def reply(conn, status, obj, chunked=False):
    body = json.dumps(obj).encode()
    head = f'HTTP/1.1 {status} {"OK" if status == 200 else "Error"}\r\nContent-Type: application/json\r\n'
    if chunked:
        parts = [body[i:i + 1000] for i in range(0, len(body), 1000)]
        data = b''.join(b'%x\r\n' % len(p) + p + b'\r\n' for p in parts) + b'0\r\n\r\n'
        conn.sendall(head.encode() + b'Transfer-Encoding: chunked\r\n\r\n' + data)
    else:
        conn.sendall(head.encode() + f'Content-Length: {len(body)}\r\n\r\n'.encode() + body)

try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(8)
while True:
    conn, _ = srv.accept()
    with conn:
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.decode().split('\r\n')
        method = lines[0].split(' ')[1].lstrip('/')
        length = next((int(l.split(':')[1]) for l in lines if l.lower().startswith('content-length:')), 0)
        while len(body) < length:
            body += conn.recv(65536)
        req = json.loads(body or b'{}')
        with open(log, 'a') as f:
            f.write(json.dumps({'method': method, 'body': req}) + '\n')
        if method == 'GetKey':
            if fail_getkey:
                reply(conn, 500, {'error': 'KMS is not reachable'})
            else:
                reply(conn, 200, {'key': hashlib.sha256(req['path'].encode()).hexdigest(), 'signature_chain': []})
        elif method == 'GetQuote':
            reply(conn, 200, {'quote': fx['quote'], 'event_log': fx['event_log'],
                              'report_data': req['report_data'], 'vm_config': fx['vm_config']}, chunked=True)
        else:
            reply(conn, 404, {'error': 'no such method ' + method})
