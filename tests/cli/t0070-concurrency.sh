# 64 concurrent clients (processes) doing mixed work - requests with and without
# auto-approval, approvals, rejections, reads - on one data dir: nothing fails with a
# locked database, every request a client was told about exists exactly once in a state
# the workflow allows, every result reads, every audit chain is intact.
. "$(dirname "$0")/lib.sh"
CLIENTS=${CLIENTS:-64}
ROUNDS=${ROUNDS:-6}
init_with o1 o2 o3 o4 r1 r2 r3 r4
for i in 1 2 3 4; do
    python3 "$GEN" "$T/l$i" --mb 0.3 --seed $i --projects 3 > /dev/null || fail "generator"
    expect_code 0 "$TEEMED" --as o$i onboard --id d$i --quiet "$T/l$i"
done
# d1 and d2 approve overlaps by themselves; d3 and d4 wait for their owners
expect_code 0 "$TEEMED" --as o1 policy d1 --auto-approve overlap
expect_code 0 "$TEEMED" --as o2 policy d2 --auto-approve overlap --auto-approve gap

client() { # client N: one process's share of the work
    n=$1 log="$T/c$1.log"
    me_o="o$(( n % 4 + 1 ))" me_r="r$(( n % 4 + 1 ))"
    for round in $(seq "$ROUNDS"); do
        case $(( (n + round) % 4 )) in
        0) a=d$(( (n + round) % 4 + 1 )) b=d$(( (n + round + 1) % 4 + 1 ))
           "$TEEMED" --as "$me_r" request overlap "$a" "$b" ;;
        1) "$TEEMED" --as "$me_r" request gap --target d$(( n % 4 + 1 )) --mine d$(( (n + 2) % 4 + 1 )) ;;
        2) for r in $("$TEEMED" --as "$me_o" inbox | grep -o '"request_id":"req-[0-9a-f]*"' | cut -d'"' -f4 | sort -u); do
               if [ $(( n % 3 )) = 0 ]; then "$TEEMED" --as "$me_o" reject "$r" --reason busy
               else "$TEEMED" --as "$me_o" approve "$r"; fi
           done ;;
        3) "$TEEMED" cards --limit 5 >/dev/null && "$TEEMED" card d$(( n % 4 + 1 )) >/dev/null &&
           "$TEEMED" --as "$me_r" requests --limit 5 ;;
        esac >> "$log" 2>> "$log.err"
        echo "rc $?" >> "$log.rc"
    done
}
i=0
while [ $i -lt "$CLIENTS" ]; do client $i & i=$((i + 1)); done
wait

# no client saw a locked or busy store, or any other failure but the workflow's own
# answers (a request already decided by a concurrent approval: 11)
cat "$T"/c*.log.err > "$T/errs"
! grep -qi 'locked\|busy' "$T/errs" || fail "a client saw the store locked: $(grep -i 'locked\|busy' "$T/errs" | head -3)"
bad=$(cat "$T"/c*.log.rc | grep -v '^rc 0$' | grep -v '^rc 11$' | sort | uniq -c)
[ -z "$bad" ] || fail "clients failed: $bad; $(head -5 "$T/errs")"
# every request a client was told about exists exactly once, and nothing else does
grep -ho '"request_id":"req-[0-9a-f]*","status"' "$T"/c*.log | cut -d'"' -f4 | sort -u > "$T/told"
told=$(wc -l < "$T/told")
[ "$told" -gt $((CLIENTS / 2)) ] || fail "only $told requests were made"
python3 - "$TEEMED_DATA/teemed.db" "$T/told" <<'PY' || exit 1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
told = set(open(sys.argv[2]).read().split())
rows = db.execute("SELECT id, status FROM requests").fetchall()
ids = [r[0] for r in rows]
assert len(ids) == len(set(ids)), "duplicate request rows"
assert set(ids) == told, "requests lost or unknown: %d told, %d stored" % (len(told), len(ids))
states = {}
for _, s in rows:
    states[s] = states.get(s, 0) + 1
assert set(states) <= {"pending", "done", "rejected"}, states
# a done request has its result; an open one has an open decision; no job is left running
for rid, s in rows:
    has = db.execute("SELECT count(*) FROM results WHERE request_id=?", (rid,)).fetchone()[0]
    assert (s == "done") == (has == 1), (rid, s, has)
    if s == "pending":
        assert db.execute("SELECT count(*) FROM approvals WHERE request_id=? AND decision='pending'", (rid,)).fetchone()[0] > 0, rid
print("requests:", states, file=sys.stderr)
PY
# the audit chains held under the concurrent writers
for i in 1 2 3 4; do
    expect_code 0 "$TEEMED" --as o$i audit d$i --json
    contains "$T/out" '"chain_ok":true'
done
exit 0
