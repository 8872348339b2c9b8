# The authorization matrix route by route, over HTTP: for every route of the op table,
# the status each identity gets (no token, the operator, the dataset's owner, the
# requester, a stranger). A resource that is not yours answers 404, as one that does not
# exist; every route of the table is in the matrix.
. "$(dirname "$0")/lib.sh"
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
OP=$(jget "$T/out" "['operator_token']")
for a in owner asker stranger; do
    expect_code 0 "$TEEMED" account create "$a" --json
    eval "TOK_$a=\$(jget \"\$T/out\" \"['token']\")"
done
start_server
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_owner" --allow-simulated --quiet --id ds-o "$EX/tee-expert"
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_asker" --allow-simulated --quiet --id ds-a "$EX/gcp-tee"
python3 - "$URL" "$OP" "$TOK_owner" "$TOK_asker" "$TOK_stranger" "$REPO/data/api/ops.json" <<'PY' || exit 1
import json, sys, urllib.request, urllib.error
url, op, owner, asker, stranger, table = sys.argv[1:]
who = {"none": None, "operator": op, "owner": owner, "asker": asker, "stranger": stranger}

def call(method, path, token, body=None, ctype="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def new_request(kind="overlap"):
    st, b = call("POST", "/v1/requests", asker, {"computation": kind, "datasets": ["ds-a", "ds-o"]})
    assert st == 201, (st, b)
    return json.loads(b)["request_id"]

R = new_request()
# (op, method, path, body, {identity: status}); denied identities are tried before allowed ones
rows = [
    ("health", "GET", "/v1/health", None, dict(none=200, operator=200, owner=200, asker=200, stranger=200)),
    ("mediator.attest", "GET", "/v1/attestation", None, dict(none=200, operator=200, owner=200, asker=200, stranger=200)),
    ("cards.list", "GET", "/v1/cards", None, dict(none=200, operator=200, owner=200, asker=200, stranger=200)),
    ("cards.get", "GET", "/v1/cards/ds-o", None, dict(none=200, operator=200, owner=200, asker=200, stranger=200)),
    ("datasets.budget", "GET", "/v1/datasets/ds-o/budget", None, dict(none=200, operator=200, owner=200, asker=200, stranger=200)),
    ("accounts.whoami", "GET", "/v1/me", None, dict(none=401, operator=200, owner=200, asker=200, stranger=200)),
    ("accounts.list", "GET", "/v1/accounts", None, dict(none=401, owner=403, asker=403, stranger=403, operator=200)),
    ("accounts.create", "POST", "/v1/accounts", {"name": "zed"}, dict(none=401, owner=403, asker=403, stranger=403, operator=201)),
    ("jobs.run", "POST", "/v1/jobs/run", {}, dict(none=401, owner=403, asker=403, stranger=403, operator=200)),
    ("datasets.policy.get", "GET", "/v1/datasets/ds-o/policy", None, dict(none=401, operator=403, asker=403, stranger=403, owner=200)),
    ("datasets.policy.set", "PATCH", "/v1/datasets/ds-o/policy", {"review": False},
     dict(none=401, operator=403, asker=403, stranger=403, owner=200)),
    ("datasets.audit", "GET", "/v1/datasets/ds-o/audit", None, dict(none=401, operator=403, asker=403, stranger=403, owner=200)),
    ("inbox.list", "GET", "/v1/inbox", None, dict(none=401, operator=200, owner=200, asker=200, stranger=200)),
    ("requests.list", "GET", "/v1/requests", None, dict(none=401, operator=200, owner=200, asker=200, stranger=200)),
    ("requests.create", "POST", "/v1/requests", {"computation": "gap", "datasets": ["ds-o", "ds-a"]},
     dict(none=401, operator=201, owner=201, asker=201, stranger=201)),
    ("requests.get", "GET", f"/v1/requests/{R}", None, dict(none=401, operator=404, stranger=404, owner=200, asker=200)),
    ("requests.result", "GET", f"/v1/requests/{R}/result", None, dict(none=401, operator=404, stranger=404, owner=200, asker=200)),
    ("requests.reject", "POST", f"/v1/requests/{new_request()}/reject", {"reason": "no"},
     dict(none=401, operator=404, stranger=404, asker=409, owner=200)),
    ("requests.approve", "POST", f"/v1/requests/{R}/approve", None, dict(none=401, operator=404, stranger=404, asker=409, owner=200)),
    ("requests.cancel", "POST", f"/v1/requests/{new_request()}/cancel", None,
     dict(none=401, operator=404, stranger=404, owner=404, asker=200)),
    ("datasets.upload", "POST", "/v1/datasets/ds-x/upload", None, dict(none=401)),
    ("datasets.withdraw", "DELETE", "/v1/datasets/ds-o", None, dict(none=401, operator=403, asker=403, stranger=403, owner=200)),
    # the requester's own rating is tested in t0081 (the result must be delivered first)
    ("requests.rate", "POST", f"/v1/requests/{R}/rating", {"helpful": True},
     dict(none=401, operator=404, stranger=404, owner=404)),
    ("discover", "GET", "/v1/datasets/ds-a/discover", None, dict(none=401, operator=404, owner=404, stranger=404, asker=200)),
    ("credits.get", "GET", "/v1/credits", None, dict(none=401, operator=200, owner=200, asker=200, stranger=200)),
    ("credits.statement", "GET", "/v1/credits/statement", None, dict(none=401, operator=200, owner=200, asker=200, stranger=200)),
    ("credits.mint", "POST", "/v1/credits/mint", {"account": "asker", "amount": 5},
     dict(none=401, owner=403, asker=403, stranger=403, operator=200)),
    ("credits.config", "PATCH", "/v1/credits/config", {}, dict(none=401, owner=403, asker=403, stranger=403, operator=200)),
    ("credits.check", "GET", "/v1/credits/check", None, dict(none=401, owner=403, asker=403, stranger=403, operator=200)),
    ("accounts.rotate", "POST", "/v1/accounts/stranger/token", None, dict(none=401, owner=403, asker=403, stranger=200)),
]
bad = []
covered = set()
for name, method, path, body, want in rows:
    covered.add(name)
    for allowed in (False, True):
        for ident, status in want.items():
            if (status < 300) != allowed:
                continue
            ctype = "application/x-teemed-upload" if name == "datasets.upload" else "application/json"
            st, b = call(method, path, who[ident], body if body is not None else ({} if method in ("POST", "PATCH") else None), ctype)
            if st != status:
                bad.append(f"{name} as {ident}: {st}, want {status}: {b[:120]!r}")
            if st >= 400 and b"\"error\":{\"code\":" not in b:
                bad.append(f"{name} as {ident}: an error without its code: {b[:120]!r}")
ops = json.load(open(table))["ops"]
missing = [o["name"] for o in ops if o.get("http") and o["name"] not in covered]
if missing:
    bad.append("routes missing from the matrix: " + ", ".join(missing))
print("\n".join(bad) if bad else f"{len(rows)} routes checked")
sys.exit(1 if bad else 0)
PY
stop_server
exit 0
