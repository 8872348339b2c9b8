# The ledger under random concurrent operations and kill -9: thousands of requests,
# approvals, rejections, cancellations, job runs (some killed at fault points, so that
# leases expire and requests fail after 3 attempts), withdrawals, grants, mints, price
# and fee changes and ratings, several at a time, with processes killed at random. After
# every step, independently of the C check (read straight from the database): each
# transaction balances, the issuer owes exactly the grants and mints, no balance is
# negative, no ended request holds credits, every open request holds exactly its price;
# and `teemed credits check` agrees. ECON_OPS sets the number of operations.
. "$(dirname "$0")/lib.sh"
export TEEMED_JOB_LEASE=1   # a killed worker's job is taken up again after a second
expect_code 0 "$TEEMED" init
expect_code 0 "$TEEMED" credits config --grant 40 --fee-percent 10
init_accounts() { for a in "$@"; do "$TEEMED" account create "$a" --save >/dev/null 2>&1 || fail "account $a"; done; }
init_accounts o1 o2 o3 r1 r2 r3
for i in 1 2 3; do
    python3 "$GEN" "$T/l$i" --mb 0.05 --seed $i --projects 2 --domain tee > /dev/null || fail "generator"
    expect_code 0 "$TEEMED" --as o$i onboard --id d$i --quiet "$T/l$i"
done
cp -r "$T/l1" "$T/l4"
expect_code 0 "$TEEMED" --as o2 onboard --id d4 --quiet "$T/l4"
expect_code 0 "$TEEMED" --as o1 policy d1 --price overlap=7 --price gap=12 --price debug=5 --auto-approve overlap
expect_code 0 "$TEEMED" --as o2 policy d2 --price gap=3 --review
expect_code 0 "$TEEMED" --as o3 policy d3 --price overlap=20 --price debug=9 --auto-approve debug

python3 - "$TEEMED" "$TEEMED_DATA" "${ECON_OPS:-2000}" "${ECON_SEED:-7}" <<'PY' || exit 1
import json, os, random, signal, sqlite3, subprocess, sys, time
teemed, data, total, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
db = os.path.join(data, "teemed.db")
owners = {"d1": "o1", "d2": "o2", "d3": "o3", "d4": "o2"}
listed = ["d1", "d2", "d3", "d4"]
people = ["o1", "o2", "o3", "r1", "r2", "r3"]
known = []          # request ids we were told about
ALLOWED = {0, 4, 9, 10, 11, 14}   # ok, not found, forbidden, policy, conflict, insufficient credits
counts = {}
bad = []

def cmd(op, args, who=None, env=None):
    argv = [teemed] + (["--as", who] if who else []) + args + ["--json"]
    e = dict(os.environ)
    if env:
        e.update(env)
    counts[op] = counts.get(op, 0) + 1
    if op in ("request", "approve") and rng.random() < 0.15:   # the job it runs itself dies
        e["TEEMED_FAULT"] = rng.choice(["job.after-claim", "job.after-compute", "job.before-commit"])
    return (op, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e))

def sync(args, who=None):
    r = subprocess.run([teemed] + (["--as", who] if who else []) + args + ["--json"], capture_output=True)
    return r.returncode, r.stdout

def random_op():
    x = rng.random()
    who = rng.choice(people)
    if x < 0.30:
        k = rng.choice(["overlap", "gap", "debug"])
        a, b = rng.sample(listed, 2) if len(listed) >= 2 else (listed[0], listed[0])
        if k == "overlap":
            return cmd("request", ["request", "overlap", a, b], who)
        if k == "gap":
            return cmd("request", ["request", "gap", "--target", a, "--mine", b], who)
        return cmd("request", ["request", "debug", "--target", a, "attestation quote failed"], who)
    if x < 0.48:
        o = rng.choice(["o1", "o2", "o3"])
        rc, out = sync(["inbox", "--limit", "20"], o)
        items = json.loads(out)["inbox"] if rc == 0 else []
        if not items:
            return cmd("jobs", ["jobs", "run", "--lease", "1"])
        it = rng.choice(items)
        verb = "approve" if rng.random() < 0.7 else "reject"
        return cmd(verb, [verb, it["request_id"]], o)
    if x < 0.55 and known:
        return cmd("cancel", ["cancel", rng.choice(known)], who)
    if x < 0.70:
        fault = rng.choice([None, None, "job.after-claim", "job.after-compute", "job.before-commit"])
        return cmd("jobs", ["jobs", "run", "--lease", "1"], None, {"TEEMED_FAULT": fault} if fault else None)
    if x < 0.78 and known:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
        done = c.execute("SELECT r.id, a.name FROM requests r JOIN accounts a ON a.id = r.requester"
                         " WHERE r.status = 'done'").fetchall()
        c.close()
        if done and rng.random() < 0.7:   # mostly the requester of a delivered result, sometimes not
            rid, requester = rng.choice(done)
            who = requester if rng.random() < 0.8 else who
            return cmd("rate", ["rate", rid, rng.choice(["--helpful", "--not-helpful"])], who)
        return cmd("rate", ["rate", rng.choice(known), rng.choice(["--helpful", "--not-helpful"])], who)
    if x < 0.82:
        return cmd("mint", ["credits", "mint", rng.choice(people), str(rng.randint(1, 60))])
    if x < 0.85:
        name = "n%d" % rng.randint(0, 10**9)
        return cmd("account", ["account", "create", name])
    if x < 0.93:
        ds = rng.choice(listed)
        return cmd("price", ["policy", ds, "--price", "%s=%d" % (rng.choice(["overlap", "gap", "debug"]), rng.randint(0, 30))],
                   owners[ds])
    if x < 0.95:
        return cmd("config", ["credits", "config", "--fee-percent", str(rng.randint(0, 30)), "--grant", str(rng.randint(0, 60))])
    return cmd("credits", ["credits"], who)

def check(step):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    q = lambda sql: c.execute(sql).fetchall()
    probs = []
    for txn, s in q("SELECT txn, sum(amount) FROM ledger GROUP BY txn HAVING sum(amount) != 0"):
        probs.append(f"txn {txn} sums to {s}")
    issued = -q("SELECT coalesce(sum(amount),0) FROM ledger WHERE account='issuer'")[0][0]
    made = q("SELECT coalesce(sum(l.amount),0) FROM ledger l JOIN ledger_txns t ON t.id=l.txn "
             "WHERE t.kind IN ('grant','mint') AND l.account != 'issuer'")[0][0]
    if issued != made:
        probs.append(f"issued {issued} != grants+mints {made}")
    total_bal = q("SELECT coalesce(sum(amount),0) FROM ledger WHERE account != 'issuer'")[0][0]
    if total_bal != issued:
        probs.append(f"balances {total_bal} != issued {issued}")
    for acct, s in q("SELECT account, sum(amount) FROM ledger WHERE account != 'issuer' GROUP BY account HAVING sum(amount) < 0"):
        probs.append(f"{acct} negative {s}")
    for rid, st, h in q("SELECT r.id, r.status, (SELECT coalesce(sum(amount),0) FROM ledger WHERE account='hold:'||r.id) "
                        "FROM requests r WHERE r.status IN ('done','rejected','cancelled','failed')"):
        if h:
            probs.append(f"{rid} {st} still holds {h}")
    for rid, st, h, p in q("SELECT r.id, r.status, (SELECT coalesce(sum(amount),0) FROM ledger WHERE account='hold:'||r.id), "
                           "(SELECT coalesce(sum(price),0) FROM request_datasets WHERE request_id=r.id) FROM requests r "
                           "WHERE r.status IN ('pending','queued','running','review')"):
        if h != p:
            probs.append(f"{rid} {st} holds {h}, priced {p}")
    for name, n in q("SELECT substr(l.account, 6), count(*) FROM ledger l JOIN ledger_txns t ON t.id=l.txn "
                     "WHERE t.kind='grant' AND l.account != 'issuer' GROUP BY l.account HAVING count(*) > 1"):
        probs.append(f"{name} granted {n} times")
    for rid, n in q("SELECT request_id, count(*) FROM ledger_txns WHERE kind IN ('settle','refund') GROUP BY request_id HAVING count(*) > 1"):
        probs.append(f"{rid} closed {n} times")
    for rid, in q("SELECT g.request_id FROM ratings g JOIN requests r ON r.id=g.request_id WHERE r.status != 'done' OR g.rater != r.requester"):
        probs.append(f"rating of {rid} by someone else or of an undelivered result")
    # the pooled background's counts agree with its rows; withdrawn datasets count no more
    for term, want, got in q("SELECT t.term, t.n, coalesce(c.datasets, 0) FROM (SELECT pt.term, count(*) n FROM pool_terms pt"
                             " JOIN datasets ds ON ds.id = pt.dataset_id WHERE ds.withdrawn_ms IS NULL GROUP BY pt.term) t"
                             " LEFT JOIN pool_counts c ON c.term = t.term WHERE c.datasets IS NOT t.n"):
        probs.append(f"pool count of a term: {got}, rows say {want}")
    if q("SELECT count(*) FROM pool_terms pt JOIN datasets ds ON ds.id = pt.dataset_id WHERE ds.withdrawn_ms IS NOT NULL")[0][0]:
        probs.append("a withdrawn dataset still counts in the pooled background")
    c.close()
    rc, out = sync(["credits", "check"])
    j = json.loads(out) if out else {}
    if rc != 0 or not j.get("ok"):
        probs.append(f"credits check: exit {rc}: {out[:300]!r}")
    if probs:
        bad.append(f"after step {step}: " + "; ".join(probs[:5]))
    return not probs

done_ops, step, kills, withdrawn = 0, 0, 0, 0
t0 = time.time()
while done_ops < total and not bad:
    step += 1
    batch = [random_op() for _ in range(rng.randint(2, 5))]
    done_ops += len(batch)
    victim = rng.randrange(len(batch)) if rng.random() < 0.25 else -1
    if victim >= 0:
        time.sleep(rng.random() * 0.03)
        try:
            batch[victim][1].send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
    for i, (op, p) in enumerate(batch):
        out, err = p.communicate()
        rc = p.returncode
        if rc == -9:
            kills += 1
            continue
        if rc not in ALLOWED:
            bad.append(f"step {step}: {op} exited {rc}: {err.decode(errors='replace')[:300]}")
        if op == "request" and rc == 0:
            known.append(json.loads(out)["request_id"])
        if op == "request" and rc == 14 and b"your balance is" not in err:
            bad.append(f"step {step}: a refusal for credits without the balance: {err[:200]!r}")
    if step in (120, 260) and withdrawn < 2:   # an owner leaves: the open requests on it are refunded
        ds = "d4" if withdrawn == 0 else "d2"
        rc, _ = sync(["withdraw", ds], owners[ds])
        if rc == 0:
            listed.remove(ds)
            withdrawn += 1
    check(step)
# drain: every job runs or fails, every pending request is decided
for _ in range(5):
    time.sleep(1.1)   # leases of killed workers expire
    sync(["jobs", "run"])
for o in ("o1", "o2", "o3"):
    rc, out = sync(["inbox", "--limit", "100"], o)
    for it in (json.loads(out)["inbox"] if rc == 0 else []):
        sync(["reject", it["request_id"]], o)
check("final")
c = sqlite3.connect(db)
states = dict(c.execute("SELECT status, count(*) FROM requests GROUP BY status").fetchall())
kinds = dict(c.execute("SELECT kind, count(*) FROM ledger_txns GROUP BY kind").fetchall())
ratings = c.execute("SELECT count(*) FROM ratings").fetchone()[0]
print(f"economy: {done_ops} operations in {step} steps ({time.time()-t0:.0f} s), {kills} processes killed, "
      f"{withdrawn} withdrawals; requests {states}; ledger {kinds}; {ratings} ratings")
for need in ("done", "rejected", "cancelled", "failed"):
    if not states.get(need):
        bad.append(f"no request ended {need}: the run did not exercise every end")
for need in ("hold", "settle", "refund", "mint", "grant"):
    if not kinds.get(need):
        bad.append(f"no '{need}' movement: the run did not exercise it")
if bad:
    sys.exit("\n".join(bad[:10]))
PY
