# Hostile input on the routes: malformed, truncated and mistyped JSON, huge numbers, deep
# nesting, invalid UTF-8, ambiguous lengths, oversized headers and bodies, slowloris and a
# thousand idle connections. Each gets a 4xx with a message (or its connection closed),
# and normal clients keep being served meanwhile: their latency is measured under attack
# and the server ends clean (no sanitizer report, a clean stop).
. "$(dirname "$0")/lib.sh"
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
OP=$(jget "$T/out" "['operator_token']")
expect_code 0 "$TEEMED" account create alice --json
TOK=$(jget "$T/out" "['token']")
start_server --max-connections 1500 --max-per-ip 1500 --idle-timeout 20 --rate 0 --max-body 65536 --max-header 16384
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK" --allow-simulated --quiet --id ds "$EX/tee-beginner"
python3 - "$PORT" "$TOK" <<'PY' || exit 1
import json, socket, sys, threading, time
port, tok = int(sys.argv[1]), sys.argv[2]

def raw(data, read=True, timeout=5):
    """Send raw bytes; return the status line (or '' when the server closed) and the body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    if read:
        try:
            while b"\r\n\r\n" not in out or len(out.split(b"\r\n\r\n", 1)[1]) < clen(out):
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
    s.close()
    head = out.split(b"\r\n", 1)[0].decode(errors="replace")
    body = out.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in out else b""
    return head, body

def clen(out):
    for line in out.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0

def post(path, body, extra=b""):
    if isinstance(body, str):
        body = body.encode()
    return raw(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() +
               b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" + extra +
               b"\r\n" + body)

bad = []
def expect(what, got, codes, needs_message=True):
    head, body = got
    code = head.split(" ")[1] if head.count(" ") >= 1 else "closed"
    if code not in codes:
        bad.append(f"{what}: {head!r}, want {codes}")
    elif needs_message and code != "closed" and b'"error":{"code":' not in body:
        bad.append(f"{what}: {code} without an error message: {body[:100]!r}")

R = "/v1/requests"
expect("malformed JSON", post(R, '{"computation": overlap}'), {"400"})
expect("truncated JSON", post(R, '{"computation": "overlap", "datasets": ["ds"'), {"400"})
expect("not an object", post(R, '[1, 2, 3]'), {"400"})
expect("wrong type", post(R, '{"computation": 7, "datasets": ["ds"]}'), {"400"})
expect("huge number", post(R, '{"computation": "gap", "datasets": ["ds"], "limit": 1e400}'), {"400"})
expect("huge integer", post(R, '{"computation": "gap", "datasets": ["ds"], "limit": 123456789012345678901234567890}'), {"400"})
expect("deep nesting", post(R, '{"a":' * 200 + '1' + '}' * 200), {"400"})
expect("invalid UTF-8", post(R, b'{"computation": "debug", "datasets": ["ds"], "query": "\xff\xfe bad"}'), {"400"})
expect("a NUL in a string", post(R, '{"computation": "debug", "datasets": ["ds"], "query": "a\\u0000b"}'), {"400"})
expect("unknown field", post(R, '{"computation": "gap", "datasets": ["ds"], "x": 1}'), {"400"})
expect("body over the cap", post(R, '{"q": "' + "x" * 70000 + '"}'), {"413"})
expect("two Content-Length", post(R, '{}', b"Content-Length: 2\r\n"), {"400", "closed"}, False)
expect("CL and Transfer-Encoding", raw(b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                       b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), {"400", "closed"}, False)
expect("chunked over the cap", raw(b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                   b"Content-Type: application/json\r\n\r\n" + (b"4000\r\n" + b"x" * 0x4000 + b"\r\n") * 6 +
                                   b"0\r\n\r\n"), {"closed", "413"}, False)
expect("oversized headers", raw(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"),
       {"431", "413", "400", "closed"}, False)
expect("a bad Authorization", raw(b"GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Basic abc\r\n\r\n"), {"401"})
expect("a bad token", raw(b"GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x01\x02\r\n\r\n"), {"401", "400", "closed"}, False)
expect("garbage request line", raw(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40), {"400", "closed"}, False)
expect("an upload that is not a stream", post("/v1/datasets/up/upload", '{"text": "x"}'), {"400"})
expect("path traversal", raw(b"GET /v1/cards/..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\n\r\n"), {"400", "404"})

# under attack: 300 slowloris connections (a header byte every half second) and 1000 idle
# ones; meanwhile a normal client reads cards and must be served quickly
stop = threading.Event()
socks = []
def slowloris(n):
    mine = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
            mine.append(s)
        except OSError:
            pass
    while not stop.is_set():
        for s in mine:
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                pass
        time.sleep(0.5)
    for s in mine:
        s.close()
for _ in range(1000):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError as e:
        bad.append(f"idle connection refused early: {e}")
        break
t = threading.Thread(target=slowloris, args=(300,))
t.start()
time.sleep(1)
lat = []
for i in range(200):
    t0 = time.perf_counter()
    head, body = raw(b"GET /v1/cards/ds HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    lat.append((time.perf_counter() - t0) * 1000)
    if not head.endswith("200 OK") or b'"dataset_id":"ds"' not in body:
        bad.append(f"a normal client under attack got {head!r}")
        break
stop.set()
t.join()
for s in socks:
    s.close()
lat.sort()
p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99)]
print(f"under attack (1000 idle + 300 slowloris connections): card reads p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(lat)} requests")
if p99 > 500:
    bad.append(f"normal clients starved under attack: p99 {p99:.0f} ms")
print("\n".join(bad) if bad else "hostile input: every case answered")
sys.exit(1 if bad else 0)
PY
# still serving after all that, and a clean stop
expect_http 200 GET /v1/health
stop_server
exit 0
