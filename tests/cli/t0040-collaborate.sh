# Requests, approvals, the reader matrix, rejection, review, auto-approve, the audit
# chain and verified result envelopes, end to end on the sample datasets.
. "$(dirname "$0")/lib.sh"
EX="$(cd "$(dirname "$0")/../.." && pwd)/examples"
rid() { jget "$1" "['request_id']"; }
field() { jget "$1" "$2"; }
init_with amiller cloud newbie dbg
expect_code 0 "$TEEMED" onboard --as amiller --id expert "$EX/tee-expert"
expect_code 0 "$TEEMED" onboard --as cloud --id gcp "$EX/gcp-tee"
expect_code 0 "$TEEMED" onboard --as newbie --id learn "$EX/tee-beginner"

# overlap: pending until the other owner approves; then the requester and both owners read it
expect_code 0 "$TEEMED" request overlap gcp expert --as cloud
cp "$T/out" "$T/req.json"; R=$(rid "$T/req.json")
[ "$(field "$T/req.json" "['status']")" = pending ] || fail "not pending"
expect_code 0 "$TEEMED" inbox --as amiller
contains "$T/out" "$R"
contains "$T/out" '"requester":"cloud"'
contains "$T/out" '"releases":'
expect_code 0 "$TEEMED" result "$R" --as cloud
contains "$T/out" '"status":"pending"'
expect_code 4 "$TEEMED" approve "$R" --as newbie          # not newbie's to decide
expect_code 0 "$TEEMED" approve "$R" --as amiller
contains "$T/out" '"status":"done"'
for who in cloud amiller; do
    expect_code 0 "$TEEMED" result "$R" --as "$who"
    contains "$T/out" '"jaccard_similarity"'
done
cp "$T/out" "$T/env.json"
expect_code 4 "$TEEMED" result "$R" --as newbie           # a stranger: the same as an unknown id
cp "$T/err" "$T/e1"
expect_code 4 "$TEEMED" result req-0000000000000000 --as newbie
[ "$(sed 's/req-[0-9a-f]*//' "$T/e1")" = "$(sed 's/req-[0-9a-f]*//' "$T/err")" ] || fail "existence leak"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/env.json"
sed 's/"jaccard_similarity":0\.\([0-9]\)/"jaccard_similarity":0.9\1/' "$T/env.json" > "$T/bad.json"
expect_code 1 "$TEEMED" verify --json --allow-simulated "$T/bad.json"
contains "$T/out" '{"check":"result-hash","ok":false'
contains "$T/out" '{"check":"request-hash","ok":true'
contains "$T/out" '{"check":"signature","ok":false'


# gap: only the requester reads it; a rejection is told to the requester with its reason
expect_code 0 "$TEEMED" request gap --target expert --mine learn --as newbie
cp "$T/out" "$T/g.json"; G=$(rid "$T/g.json")
expect_code 0 "$TEEMED" reject "$G" --as amiller --reason "not before the audit"
contains "$T/out" '"status":"rejected"'
expect_code 0 "$TEEMED" result "$G" --as newbie
contains "$T/out" '"status":"rejected"'
contains "$T/out" 'not before the audit'
expect_code 4 "$TEEMED" result "$G" --as amiller
expect_code 0 "$TEEMED" request gap --target expert --mine learn --as newbie
G2=$(rid "$T/out")
expect_code 0 "$TEEMED" approve "$G2" --as amiller
expect_code 0 "$TEEMED" result "$G2" --as newbie
contains "$T/out" '"missing_advanced"'
expect_code 4 "$TEEMED" result "$G2" --as amiller         # the owner approved, but gap is the requester's

# policy: auto-approve debug for anyone, review everything before release
expect_code 5 "$TEEMED" onboard --as amiller --id expert "$EX/tee-expert"
expect_code 9 "$TEEMED" policy expert --as cloud --review
contains "$T/err" "only the owner of 'expert'"
expect_code 0 "$TEEMED" policy expert --as amiller --k 4
expect_code 0 "$TEEMED" policy expert --as amiller --auto-approve debug --review
contains "$T/out" '"k":4'                                  # a patch keeps what it does not name
expect_code 0 "$TEEMED" policy expert --as amiller --no-k
lacks "$T/out" '"k":'
expect_code 0 "$TEEMED" policy expert --as amiller         # no option: print it
contains "$T/out" '{"auto_approve":[{"kind":"debug"}],"review":true,"max_terms":20}' 
expect_code 0 "$TEEMED" request debug --target expert "attestation verification failed" --as dbg
cp "$T/out" "$T/d.json"; D=$(rid "$T/d.json")
[ "$(field "$T/d.json" "['status']")" = review ] || fail "expected review, got $(cat "$T/d.json")"
expect_code 0 "$TEEMED" inbox --as amiller
contains "$T/out" '"stage":"review result"'
contains "$T/out" '"matching_patterns"'
expect_code 0 "$TEEMED" result "$D" --as dbg
contains "$T/out" '"status":"review"'
lacks "$T/out" 'matching_patterns'
expect_code 0 "$TEEMED" approve "$D" --as amiller
expect_code 0 "$TEEMED" result "$D" --as dbg
contains "$T/out" '"matching_patterns"'
expect_code 0 "$TEEMED" request debug --target expert "attestation verification failed" --as dbg
D2=$(rid "$T/out")
expect_code 0 "$TEEMED" reject "$D2" --as amiller --reason withheld
expect_code 0 "$TEEMED" result "$D2" --as dbg
contains "$T/out" '"status":"rejected"'

# a higher k in the owner's policy withholds what fewer sessions show
expect_code 0 "$TEEMED" policy gcp --as cloud --k 1000
expect_code 0 "$TEEMED" request overlap gcp expert --as amiller
R3=$(rid "$T/out")
expect_code 0 "$TEEMED" approve "$R3" --as cloud
expect_code 0 "$TEEMED" result "$R3" --as amiller
contains "$T/out" '"unique_to_dataset_1":[]'
contains "$T/out" '"shared_topics":[]'

# differential privacy: noisy counts; each requester spends only its share of the
# budget (so one cannot spend it for everyone), and a spent budget refuses everyone
expect_code 0 "$TEEMED" policy learn --as newbie --auto-approve gap --dp-budget 1 --dp-per-query 0.5 --dp-per-requester 0.5
contains "$T/out" '"dp":{"budget":1,"per_query":0.5,"per_requester":0.5}'
for who in cloud amiller; do
    mine=gcp; [ "$who" = amiller ] && mine=expert
    expect_code 0 "$TEEMED" request gap --target learn --mine "$mine" --as "$who"
    contains "$T/out" '"status":"done"'
    expect_code 0 "$TEEMED" result "$(rid "$T/out")" --as "$who"
    contains "$T/out" '"differential_privacy":{"epsilon":0.5'
    [ "$who" = cloud ] || continue
    expect_code 10 "$TEEMED" request gap --target learn --mine gcp --as cloud   # cloud's share is spent
    contains "$T/err" "you have spent your share"
    expect_code 0 "$TEEMED" card learn --as cloud --text
    contains "$T/out" "epsilon 0.50 of your 0.50 spent"
done
expect_code 10 "$TEEMED" request gap --target learn --mine gcp --as dbg
contains "$T/err" "has spent its privacy budget"
expect_code 0 "$TEEMED" card learn --text
contains "$T/out" "epsilon 0.00 of 1.00 left"
expect_code 0 "$TEEMED" audit learn --as newbie
[ "$(grep -o '"event":"dp-spend"' "$T/out" | wc -l)" = 2 ] || fail "expected two dp-spend entries"

# the audit trail: every event in order; an edited entry breaks the chain
expect_code 0 "$TEEMED" audit expert --as amiller
contains "$T/out" '"chain_ok":true'
for ev in request approve run reject policy release withhold; do contains "$T/out" "\"event\":\"$ev\""; done
expect_code 9 "$TEEMED" audit expert --as cloud
contains "$T/err" "only the owner"
python3 - "$TEEMED_DATA/teemed.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE audit SET entry = replace(entry, 'not before the audit', 'approved') WHERE dataset_id = 'expert'")
db.commit()
PY
expect_code 1 "$TEEMED" audit expert --as amiller
contains "$T/out" '"chain_ok":false'
contains "$T/err" "audit trail of 'expert' is broken"

# a signed head kept by the owner: a later trail truncated below it, or rewritten and
# re-hashed, is caught, though the chain alone still looks whole
expect_code 0 "$TEEMED" audit gcp --as cloud
python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1]))['signed_head'], open(sys.argv[2],'w'), separators=(',',':'))" "$T/out" "$T/head.json"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/head.json"   # an ordinary signed document
expect_code 0 "$TEEMED" policy gcp --as cloud --review            # more events after the head
expect_code 0 "$TEEMED" policy gcp --as cloud --no-review
expect_code 0 "$TEEMED" audit gcp --as cloud --since "$T/head.json"
contains "$T/out" '"ok":true'
cp "$TEEMED_DATA/teemed.db" "$T/before-tamper.db"
python3 - "$TEEMED_DATA/teemed.db" "$(jget "$T/head.json" "['seq']")" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM audit WHERE dataset_id = 'gcp' AND seq >= ?", (int(sys.argv[2]),))
db.commit()
PY
expect_code 0 "$TEEMED" audit gcp --as cloud                      # the chain alone looks whole
contains "$T/out" '"chain_ok":true'
expect_code 1 "$TEEMED" audit gcp --as cloud --since "$T/head.json"
contains "$T/out" 'was truncated'
cp "$T/before-tamper.db" "$TEEMED_DATA/teemed.db"
python3 - "$TEEMED_DATA/teemed.db" <<'PY'
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT seq, entry FROM audit WHERE dataset_id = 'gcp' ORDER BY seq").fetchall()
prev = "0" * 64
for seq, entry in rows:   # entry 1 rewritten, then the whole chain re-hashed
    if seq == 1:
        e = json.loads(entry); e["by"] = "somebody-else"; entry = json.dumps(e, separators=(",", ":"))
    h = hashlib.sha256((prev + "\n" + entry).encode()).hexdigest()
    db.execute("UPDATE audit SET entry = ?, prev = ?, hash = ? WHERE dataset_id = 'gcp' AND seq = ?", (entry, prev, h, seq))
    prev = h
db.commit()
PY
expect_code 0 "$TEEMED" audit gcp --as cloud
contains "$T/out" '"chain_ok":true'
expect_code 1 "$TEEMED" audit gcp --as cloud --since "$T/head.json"
contains "$T/out" 'was rewritten'
cp "$T/before-tamper.db" "$TEEMED_DATA/teemed.db"
# a result names the heads of its datasets too: it serves as an earlier head
expect_code 0 "$TEEMED" result "$R" --as cloud
cp "$T/out" "$T/env-head.json"
contains "$T/env-head.json" '"audit_heads":[{"dataset_id":"gcp"'
expect_code 0 "$TEEMED" audit gcp --as cloud --since "$T/env-head.json"
contains "$T/out" '"ok":true'

# a requester lists their own requests and their states; nobody else's
expect_code 0 "$TEEMED" requests --as newbie
contains "$T/out" "$G"
contains "$T/out" "$G2"
lacks "$T/out" "$R\""
expect_code 0 "$TEEMED" requests --as newbie --status rejected
contains "$T/out" "$G"
lacks "$T/out" "$G2"
expect_code 0 "$TEEMED" status "$G2" --as amiller          # the owner of a dataset sees the status
expect_code 4 "$TEEMED" status "$G2" --as dbg               # a stranger does not

# cancel: only the requester, only while open
expect_code 0 "$TEEMED" request overlap gcp expert --as cloud
C=$(rid "$T/out")
expect_code 4 "$TEEMED" cancel "$C" --as amiller
expect_code 0 "$TEEMED" cancel "$C" --as cloud
contains "$T/out" '"status":"cancelled"'
expect_code 11 "$TEEMED" cancel "$C" --as cloud
expect_code 11 "$TEEMED" approve "$C" --as amiller           # nothing left to decide
expect_code 0 "$TEEMED" inbox --as amiller
lacks "$T/out" "$C"

# withdraw: the card goes, open requests on it are cancelled, the audit keeps the event
expect_code 0 "$TEEMED" request overlap gcp expert --as cloud
W=$(rid "$T/out")
expect_code 9 "$TEEMED" withdraw gcp --as amiller
expect_code 0 "$TEEMED" withdraw gcp --as cloud
contains "$T/out" "\"cancelled_requests\":[\"$W\"]"
expect_code 4 "$TEEMED" card gcp
contains "$T/err" "withdrawn"
expect_code 0 "$TEEMED" cards --json
lacks "$T/out" '"dataset_id":"gcp"'
expect_code 0 "$TEEMED" status "$W" --as cloud
contains "$T/out" '"status":"cancelled"'
expect_code 11 "$TEEMED" request overlap learn gcp --as newbie
contains "$T/err" "withdrawn"
expect_code 5 "$TEEMED" onboard --as cloud --id gcp "$EX/gcp-tee"   # ids are not reused
expect_code 0 "$TEEMED" result "$R" --as cloud                     # delivered results stay
contains "$T/out" '"jaccard_similarity"'
python3 - "$TEEMED_DATA/teemed.db" <<'PY' || fail "withdrawn dataset left data behind"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT count(*) FROM profiles WHERE dataset_id='gcp'").fetchone()[0] == 0
assert db.execute("SELECT raw_file FROM datasets WHERE id='gcp'").fetchone()[0] is None
PY
[ "$(ls "$TEEMED_DATA/sealed" | grep -c '^gcp\.')" = 0 ] || fail "sealed records of gcp remain"
expect_code 0 "$TEEMED" audit gcp --as cloud
contains "$T/out" '"event":"withdraw"'
contains "$T/out" '"chain_ok":true'
exit 0
