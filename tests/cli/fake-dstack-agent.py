#!/usr/bin/env python3
"""A fake dstack guest agent for the tests: HTTP/1.1 on a unix socket.

  fake-dstack-agent.py SOCKET FIXTURE LOG [--fail-getkey] [--tappd] [--key-salt S]
                       [--info] [--lie-info] [--app-compose FILE] [--emit] [--bind]

GetKey returns a fixed key derived from the path (as the real agent's keys are fixed per
app and path; --key-salt S stands for another app); GetQuote replays the fixture's real
quote and event log whatever the report_data, answering with a chunked body; every
request's method and body is appended to LOG as one JSON line.
  --tappd        serve only the legacy API: /prpc/Tappd.DeriveK256Key (the same key as
                 GetKey, as a 0.5 agent does), /prpc/Tappd.TdxQuote, /prpc/Tappd.Info
  --info         serve Info: app_id, instance_id, compose_hash from the fixture's event
                 log, os_image_hash from its vm_config, tcb_info with app_compose
  --lie-info     ... with another app_id than the log's
  --info-compose G  ... and tcb_info.app_compose = G's text (not what the log measures)
  --app-compose F  tcb_info.app_compose = F's text; the log's compose-hash event becomes
                 SHA-256(F) and RTMR3 of the quote is recomputed (its signature breaks)
  --emit         serve EmitEvent: append the event to the log and extend RTMR3 of the
                 quote, as the real agent does (again the quote's signature breaks)
  --bind         write the asked report_data into the quote, as real hardware would: the
                 key binding then holds and only Intel's signature over the quote breaks
Without --emit, EmitEvent answers 404 like an agent older than dstack 0.5."""
import hashlib, json, os, socket, sys

sock_path, fixture, log = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]
opt = lambda name: name in args
val = lambda name: args[args.index(name) + 1] if name in args else None
fail_getkey = opt('--fail-getkey')
tappd = opt('--tappd')
salt = (val('--key-salt') or '').encode()
fx = json.load(open(fixture))
quote = bytearray.fromhex(fx['quote'])
events = json.loads(fx['event_log'])
event_log_text = fx['event_log']  # served verbatim until something changes the log
DSTACK_EVENT = 0x08000001
RTMR3_AT = 48 + 472  # v4 quote: header + TD report offset of RTMR3
REPORT_DATA_AT = 48 + 520  # ... and of REPORTDATA (64 bytes)

def v1_digest(name, payload):
    return hashlib.sha384(DSTACK_EVENT.to_bytes(4, 'little') + b':' + name.encode() + b':' + payload).digest()

def replay_rtmr3():
    global event_log_text
    r = bytes(48)
    for e in events:
        if e['imr'] == 3:
            d = v1_digest(e['event'], bytes.fromhex(e['event_payload'])) if e['event_type'] == DSTACK_EVENT \
                else bytes.fromhex(e['digest'])
            r = hashlib.sha384(r + d).digest()
    quote[RTMR3_AT:RTMR3_AT + 48] = r
    event_log_text = json.dumps(events)

def claim(name):
    return next((e['event_payload'] for e in events if e['imr'] == 3 and e['event'] == name), '')

app_compose = None
if val('--app-compose'):
    app_compose = open(val('--app-compose'), 'rb').read()
    for e in events:
        if e['imr'] == 3 and e['event'] == 'compose-hash':
            e['event_payload'] = hashlib.sha256(app_compose).hexdigest()
            e['digest'] = v1_digest(e['event'], app_compose and hashlib.sha256(app_compose).digest()).hex()
    replay_rtmr3()

def info():
    app_id = claim('app-id')
    if opt('--lie-info'):
        app_id = ('0' if app_id[0] != '0' else '1') + app_id[1:]
    shown = open(val('--info-compose'), 'rb').read() if val('--info-compose') else app_compose
    tcb = {'rtmr3': quote[RTMR3_AT:RTMR3_AT + 48].hex(), 'event_log': events,
           'app_compose': shown.decode() if shown else ''}
    return {'app_id': app_id, 'instance_id': claim('instance-id'), 'compose_hash': claim('compose-hash'),
            'os_image_hash': json.loads(fx['vm_config'])['os_image_hash'], 'app_name': 'teemed',
            'device_id': '', 'tcb_info': json.dumps(tcb), 'vm_config': fx['vm_config']}

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
        prefix = 'prpc/Tappd.' if tappd else ''
        if not method.startswith(prefix):
            reply(conn, 404, {'error': 'no such method ' + method})
            continue
        method = method[len(prefix):]
        if method == ('DeriveK256Key' if tappd else 'GetKey'):
            if fail_getkey:
                reply(conn, 500, {'error': 'KMS is not reachable'})
            else:
                key = hashlib.sha256(salt + req['path'].encode()).hexdigest()
                reply(conn, 200, {'k256_key': key, 'k256_signature_chain': []} if tappd
                      else {'key': key, 'signature_chain': []})
        elif method == ('TdxQuote' if tappd else 'GetQuote'):
            if tappd and req.get('hash_algorithm') != 'raw':
                reply(conn, 400, {'error': 'this fake only serves hash_algorithm raw'})
                continue
            if opt('--bind'):
                quote[REPORT_DATA_AT:REPORT_DATA_AT + 64] = bytes.fromhex(req['report_data'])
            reply(conn, 200, {'quote': quote.hex(), 'event_log': event_log_text,
                              'report_data': req['report_data'], 'vm_config': fx['vm_config']}, chunked=True)
        elif method == 'Info' and (opt('--info') or opt('--lie-info')):
            reply(conn, 200, info())
        elif method == 'EmitEvent' and not tappd and opt('--emit'):
            payload = bytes.fromhex(req['payload'])
            events.append({'imr': 3, 'event_type': DSTACK_EVENT, 'digest': v1_digest(req['event'], payload).hex(),
                           'event': req['event'], 'event_payload': payload.hex()})
            replay_rtmr3()
            reply(conn, 200, {})
        else:
            reply(conn, 404, {'error': 'no such method ' + method})
