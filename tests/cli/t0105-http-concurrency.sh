# 64 concurrent HTTP clients with mixed work for 60 s (HTTP_SECONDS): requests with and
# without auto-approval, approvals and rejections, reads, long polls. No 5xx, every
# request a client was told about exists once in a state the workflow allows, every done
# request has its result, every audit chain is intact.
. "$(dirname "$0")/lib.sh"
SECS=${HTTP_SECONDS:-60}
expect_code 0 "$TEEMED" init --json
names="o1 o2 o3 o4 r1 r2 r3 r4"
for a in $names; do
    expect_code 0 "$TEEMED" account create "$a" --json
    echo "$a $(jget "$T/out" "['token']")" >> "$T/tokens"
done
start_server --rate 0 --threads 2 --workers 4
for i in 1 2 3 4; do
    python3 "$GEN" "$T/l$i" --mb 0.3 --seed $i --projects 3 > /dev/null || fail "generator"
    tok=$(awk -v n=o$i '$1 == n {print $2}' "$T/tokens")
    expect_code 0 "$TEEMED" push --server "$URL" --token "$tok" --allow-simulated --quiet --id d$i "$T/l$i"
done
tok1=$(awk '$1 == "o1" {print $2}' "$T/tokens")
tok2=$(awk '$1 == "o2" {print $2}' "$T/tokens")
expect_http 200 PATCH /v1/datasets/d1/policy "$tok1" '{"auto_approve":[{"kind":"overlap"}]}'
expect_http 200 PATCH /v1/datasets/d2/policy "$tok2" '{"auto_approve":[{"kind":"overlap"},{"kind":"gap"}]}'
python3 - "$PORT" "$T/tokens" "$SECS" "$TEEMED_DATA/teemed.db" <<'PY' || exit 1
import http.client, json, random, sqlite3, sys, threading, time
port, secs, db = int(sys.argv[1]), float(sys.argv[3]), sys.argv[4]
tok = dict(l.split() for l in open(sys.argv[2]))
told, statuses, errors = set(), {}, []
lock = threading.Lock()
stop = time.time() + secs

def client(n):
    rnd = random.Random(n)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    me_o, me_r = f"o{n % 4 + 1}", f"r{n % 4 + 1}"
    def call(method, path, who, body=None):
        h = {"Authorization": "Bearer " + tok[who]}
        if body is not None:
            h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, h)
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            with lock:
                errors.append(f"client {n}: {method} {path}: {e}")
            return 0, {}
        with lock:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        return r.status, json.loads(data) if data else {}
    mine = []
    while time.time() < stop:
        k = rnd.randrange(10)
        if k < 3:
            a, b = rnd.sample(["d1", "d2", "d3", "d4"], 2)
            comp = rnd.choice(["overlap", "overlap", "gap", "debug"])
            body = {"computation": comp, "datasets": [a] if comp == "debug" else [a, b]}
            if comp == "debug":
                body["query"] = "attestation verification failed"
            st, o = call("POST", "/v1/requests", me_r, body)
            if st == 201:
                with lock:
                    told.add(o["request_id"])
                mine.append(o["request_id"])
        elif k < 5:
            st, o = call("GET", "/v1/inbox?limit=10", me_o)
            for e in o.get("inbox", [])[:3]:
                if rnd.random() < 0.25:
                    call("POST", f"/v1/requests/{e['request_id']}/reject", me_o, {"reason": "busy"})
                else:
                    call("POST", f"/v1/requests/{e['request_id']}/approve", me_o)
        elif k < 7:
            call("GET", "/v1/cards?limit=5", me_r)
            call("GET", f"/v1/cards/d{rnd.randint(1, 4)}", me_r)
        elif k < 9 and mine:
            r = rnd.choice(mine)
            st, o = call("GET", f"/v1/requests/{r}/result", me_r)
        elif mine:
            call("GET", f"/v1/requests/{rnd.choice(mine)}?wait=1", me_r)
    conn.close()

threads = [threading.Thread(target=client, args=(i,)) for i in range(64)]
for t in threads:
    t.start()
for t in threads:
    t.join()
bad = list(errors[:5])
fives = {s: n for s, n in statuses.items() if s >= 500}
if fives:
    bad.append(f"5xx answers: {fives}")
c = sqlite3.connect(db)
rows = c.execute("SELECT id, status FROM requests").fetchall()
ids = [r[0] for r in rows]
if len(ids) != len(set(ids)):
    bad.append("duplicate request rows")
if not told <= set(ids):
    bad.append(f"{len(told - set(ids))} acknowledged requests are lost")
states = {}
for rid, s in rows:
    states[s] = states.get(s, 0) + 1
    has = c.execute("SELECT count(*) FROM results WHERE request_id=?", (rid,)).fetchone()[0]
    if (s == "done") != (has == 1):
        bad.append(f"{rid} is {s} with {has} results")
if not set(states) <= {"pending", "queued", "running", "done", "rejected"}:
    bad.append(f"unexpected states {states}")
print(f"{sum(statuses.values())} HTTP requests in {secs:.0f} s, statuses {dict(sorted(statuses.items()))}; "
      f"{len(told)} computations asked: {states}", file=sys.stderr)
print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad or len(told) < 64 else 0)
PY
for i in 1 2 3 4; do
    tok=$(awk -v n=o$i '$1 == n {print $2}' "$T/tokens")
    expect_http 200 GET /v1/datasets/d$i/audit "$tok"
    contains "$T/body" '"chain_ok":true'
done
stop_server
exit 0
