# Every limit of `teemed serve` is an option, and each one set away from its default
# holds: the token bucket (429 with Retry-After, per token and per anonymous address),
# header, body and upload sizes, JSON depth, uploads per account, long polls at once,
# connections in all and per address, and the idle timeout. Past each limit the server
# answers with a status and a message (or closes the connection) and keeps serving.
. "$(dirname "$0")/lib.sh"
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
for a in alice bob; do
    expect_code 0 "$TEEMED" account create "$a" --json
    eval "TOK_$a=\$(jget \"\$T/out\" \"['token']\")"
done
cat > "$T/h.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
bad = []

def conn(timeout=5):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)

def read_answer(s):
    """The status code, the headers (lower-cased names) and the body; 'closed' if none."""
    out = b""
    try:
        while True:
            if b"\r\n\r\n" in out:
                head, body = out.split(b"\r\n\r\n", 1)
                n = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v)
                if len(body) >= n:
                    break
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    if b"\r\n\r\n" not in out:
        return "closed", {}, b""
    head, body = out.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        hdrs[k.strip().lower().decode()] = v.strip().decode()
    return lines[0].split(b" ")[1].decode(), hdrs, body

def req(method, path, tok=None, body=None, extra=b"", ctype=b"application/json"):
    s = conn()
    if isinstance(body, str):
        body = body.encode()
    h = method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
    if tok:
        h += b"Authorization: Bearer " + tok.encode() + b"\r\n"
    if body is not None:
        h += b"Content-Type: " + ctype + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
    try:
        s.sendall(h + extra + b"\r\n" + (body or b""))
    except (BrokenPipeError, ConnectionResetError):
        return "closed", {}, b""
    r = read_answer(s)
    s.close()
    return r

def expect(what, got, codes, message=True):
    code, _, body = got
    if code not in codes:
        bad.append(f"{what}: {code} {body[:120]!r}, want {sorted(codes)}")
    elif message and code != "closed" and b'"error":{"code":' not in body and not code.startswith("2"):
        bad.append(f"{what}: {code} without an error message: {body[:100]!r}")

def done():
    if bad:
        print("\n".join(bad))
        sys.exit(1)
PY
export PYTHONPATH="$T"

# 1. the token bucket: 2 per second, a burst of 3, per token and per anonymous address
start_server --rate 2 --burst 3
python3 - "$PORT" "$TOK_alice" "$TOK_bob" <<'PY' || fail "rate limit"
import sys
from h import *
alice, bob = sys.argv[2], sys.argv[3]
codes = [req("GET", "/v1/me", alice)[0] for _ in range(6)]
if codes[:3] != ["200"] * 3 or "429" not in codes[3:]:
    bad.append(f"alice's burst: {codes}")
code, hdrs, body = req("GET", "/v1/me", alice)
expect("over the rate", (code, hdrs, body), {"429"})
if code == "429" and not hdrs.get("retry-after", "").isdigit():
    bad.append(f"429 without Retry-After: {hdrs}")
if b'"code":"rate_limited"' not in body:
    bad.append(f"429 body: {body[:100]!r}")
expect("another token has its own bucket", req("GET", "/v1/me", bob), {"200"})
anon = [req("GET", "/v1/health")[0] for _ in range(6)]
if anon[:3] != ["200"] * 3 or "429" not in anon[3:]:
    bad.append(f"anonymous burst: {anon}")
time.sleep(1.2)  # the bucket refills
expect("after a pause", req("GET", "/v1/me", alice), {"200"})
done()
PY
stop_server

# 2. sizes and depth: headers, JSON bodies, nesting, uploads
start_server --rate 0 --max-header 4096 --max-body 2000 --json-depth 4 --max-upload 100000
python3 - "$PORT" "$TOK_alice" <<'PY' || fail "size limits"
import sys
from h import *
tok = sys.argv[2]
expect("headers under the cap", req("GET", "/v1/health", extra=b"X-Pad: " + b"a" * 2500 + b"\r\n"), {"200"})
expect("headers over the cap", req("GET", "/v1/health", extra=b"X-Pad: " + b"a" * 6000 + b"\r\n"),
       {"431", "413", "400", "closed"}, message=False)
body = '{"computation":"gap","datasets":["x"],"query":"' + "q" * 1800 + '"}'
expect("a body under the cap", req("POST", "/v1/requests", tok, body), {"400", "404"})  # refused for its content
expect("a body over the cap", req("POST", "/v1/requests", tok, '{"query":"' + "q" * 2200 + '"}'), {"413"})
expect("nesting within the depth", req("POST", "/v1/requests", tok, '{"a":{"b":{"c":1}}}'), {"400"})
code, _, b = req("POST", "/v1/requests", tok, '{"a":{"b":{"c":{"d":{"e":1}}}}}')
expect("nesting past the depth", (code, _, b), {"400"})
if b"deep" not in b and b"depth" not in b and b"nest" not in b:
    bad.append(f"the depth error does not say so: {b[:120]!r}")
expect("an upload over the cap", req("POST", "/v1/datasets/u/upload", tok, b"x" * 150000,
                                     ctype=b"application/x-teemed-upload"), {"413"})
expect("still serving", req("GET", "/v1/health"), {"200"})
done()
PY
stop_server

# 3. uploads per account, long polls at once
start_server --rate 0 --uploads-per-account 1 --max-waiters 1
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_alice" --allow-simulated --quiet --id ds-a "$EX/tee-expert"
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_bob" --allow-simulated --quiet --id ds-b "$EX/gcp-tee"
python3 - "$PORT" "$TOK_alice" "$TOK_bob" <<'PY' || fail "uploads per account, waiters"
import sys, os
from h import *
alice, bob = sys.argv[2], sys.argv[3]
def upload_head(tok, ds, total):
    """An upload's request with its stream header sent, the rest of the body withheld."""
    s = conn(10)
    s.sendall(b"POST /v1/datasets/" + ds.encode() + b"/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              tok.encode() + b"\r\nContent-Type: application/x-teemed-upload\r\nContent-Length: " +
              str(total).encode() + b"\r\n\r\n" + b"TMUP1\0\0\0" + os.urandom(32))
    return s
held = upload_head(alice, "first", 100000)
time.sleep(0.5)  # the mediator has begun it
s = upload_head(alice, "second", 40)
code, hdrs, body = read_answer(s)
s.close()
expect("a second upload of the same account", (code, hdrs, body), {"429"})
if b"uploads under way" not in body:
    bad.append(f"the upload limit's message: {body[:120]!r}")
s = upload_head(bob, "bobs", 40)  # another account is not limited by alice's
code, _, body = read_answer(s)
s.close()
if code == "429":
    bad.append("bob's upload was refused for alice's")
held.close()
time.sleep(0.5)
s = upload_head(alice, "third", 40)  # hers ended (cut): she may upload again
code, _, body = read_answer(s)
s.close()
if code == "429":
    bad.append("alice's slot was not given back when her upload was cut")
# long polls: one at a time here; the second is told to come back (503), the first
# answers when the request is decided
import json, threading
code, _, body = req("POST", "/v1/requests", bob, '{"computation":"overlap","datasets":["ds-b","ds-a"]}')
rid = json.loads(body)["request_id"]
first = {}
def poll():
    first["r"] = req("GET", f"/v1/requests/{rid}?wait=15", bob)
t = threading.Thread(target=poll)
t.start()
time.sleep(0.5)
t0 = time.time()
code, hdrs, body = req("GET", f"/v1/requests/{rid}?wait=15", bob)
expect("a second long poll past --max-waiters 1", (code, hdrs, body), {"503"})
if time.time() - t0 > 2:
    bad.append("the refused long poll was not answered at once")
expect("the decision", req("POST", f"/v1/requests/{rid}/approve", alice), {"200"})
t.join(10)
if "r" not in first or first["r"][0] != "200" or b'"status":"pending"' in first["r"][2]:
    bad.append(f"the first long poll: {first.get('r', ('none', {}, b''))[:3:2]}")  # answers on the change
done()
PY
stop_server

# 4. connections in all, per address, and the idle timeout
start_server --rate 0 --max-connections 6 --max-per-ip 4 --idle-timeout 30
python3 - "$PORT" <<'PY' || fail "connection limits"
from h import *
def dial(src):
    s = socket.socket()
    s.settimeout(2)
    s.bind((src, 0))  # every 127/8 address is the loopback: other client addresses
    s.connect(("127.0.0.1", port))
    return s
def served(s):
    try:
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return False
    return read_answer(s)[0] == "200"
held = [dial("127.0.0.1") for _ in range(4)]
time.sleep(0.2)
extra = dial("127.0.0.1")
if served(extra):
    bad.append("a fifth connection from one address was served (--max-per-ip 4)")
extra.close()
held += [dial("127.0.0.2") for _ in range(2)]  # 6 in all
time.sleep(0.2)
extra = dial("127.0.0.3")
if served(extra):
    bad.append("a seventh connection was served (--max-connections 6)")
extra.close()
for s in held:
    s.close()
time.sleep(0.5)
s = dial("127.0.0.3")
if not served(s):
    bad.append("not served again once the connections closed")
s.close()
done()
PY
stop_server
start_server --rate 0 --idle-timeout 1
python3 - "$PORT" <<'PY' || fail "idle timeout"
from h import *
idle = conn()
time.sleep(3)  # idle past the timeout: closed by the server
try:
    idle.settimeout(2)
    gone = idle.recv(1) == b""
except (ConnectionResetError, socket.timeout):
    gone = True
if not gone:
    bad.append("an idle connection outlived --idle-timeout 1")
done()
PY
stop_server
exit 0
