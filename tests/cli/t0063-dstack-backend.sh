# The dstack backend against a fake guest agent on a unix socket (fake-dstack-agent.py)
# replaying the real dstack quote and event log of the testdata. Keys come from GetKey
# (two data dirs on the same app get the same signing key: replicas keep one identity);
# cards carry the quote and event log; verify runs full DCAP with the collateral and
# refuses the replayed quote for not binding the key.
. "$(dirname "$0")/lib.sh"
FX="$TD/dstack/verifier-fixtures/quote-report.json"
COL="$TD/dcap-qvl/tdx_quote_outdated_collateral.json"
AT=1774003274
for s in 1 2 3; do
    mkdir -p "$T/logs"
    printf '{"type":"user","sessionId":"s%s","timestamp":"2026-01-1%sT10:00:00.000Z","message":{"role":"user","content":"The TDX quote and the rtmr3 event log of the compose hash."}}\n' "$s" "$s" > "$T/logs/s$s.jsonl"
done
. "$(dirname "$0")/agent.sh"

# no agent: init names what it looked for; an agent error is passed on
expect_code 3 "$TEEMED" init --tee dstack
contains "$T/err" "cannot connect"
start_agent --fail-getkey
expect_code 3 "$TEEMED" init --tee dstack
contains "$T/err" "KMS is not reachable"
stop_agent
[ ! -e "$T/data/tee/backend" ] || fail "a failed init left a backend behind"

start_agent
expect_code 0 "$TEEMED" init --tee dstack
contains "$T/out" '"tee":"dstack"'
expect_code 0 "$TEEMED" account create alice --save
expect_code 0 "$TEEMED" account create bob --save
[ ! -e "$T/data/tee/dstack-master.key" ] && [ ! -e "$T/data/tee/sim-master.key" ] || fail "a key file on disk"
expect_code 0 "$TEEMED" onboard --as alice "$T/logs" --id ds1 --k 2
cp "$T/out" "$T/card.json"
contains "$T/card.json" '"backend":"dstack"'
contains "$T/card.json" '"simulated":false'
contains "$T/card.json" '"event_log":"[{'
python3 - "$T/card.json" "$FX" "$T/agent.log" <<'PY' || fail "card attestation does not match the agent"
import json, sys
a = json.load(open(sys.argv[1]))['attestation']
fx = json.load(open(sys.argv[2]))
log = [json.loads(l) for l in open(sys.argv[3])]
assert a['quote'] == fx['quote'], 'quote'
assert a['event_log'] == fx['event_log'], 'event log'
q = [l['body']['report_data'] for l in log if l['method'] == 'GetQuote']
assert q and q[-1] == a['report_data'], 'GetQuote was not asked for the card report_data'
assert any(l['method'] == 'GetKey' and l['body']['path'] == 'teemed/root/v1' for l in log), 'GetKey path'
PY
# a second data dir on the same app: the same signer (keys come from the agent, not the disk)
signer() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['attestation']['signer'])" "$1"; }
TEEMED_DATA="$T/data2" expect_code 0 "$TEEMED" init --tee dstack
TEEMED_DATA="$T/data2" expect_code 0 "$TEEMED" account create alice
TOK2=$(jget "$T/out" "['token']")
TEEMED_DATA="$T/data2" expect_code 0 "$TEEMED" onboard --token "$TOK2" "$T/logs" --id ds1 --k 2
[ "$(signer "$T/out")" = "$(signer "$T/card.json")" ] || fail "replicas of one app must share the signing key"
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/mediator.json"
[ "$(signer "$T/mediator.json")" = "$(signer "$T/card.json")" ] || fail "attest names another signer"
stop_agent
# verify is offline: no agent needed
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/mediator.json"
contains "$T/out" '"kind":"mediator"'
contains "$T/out" '"check":"event-log","ok":true'
contains "$T/out" '"check":"quote-report-data","ok":false'
contains "$T/out" '"tcb_status":"UpToDate"'
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/card.json"
c=$(checks)
case "$c" in *"quote-report-data! "*) ;; *) fail "binding: $c" ;; esac
[ "$(echo "$c" | tr ' ' '\n' | grep '!$' | tr '\n' ' ')" = "quote-report-data! code-pinned! " ] ||
    fail "unpinned: $c"
# the compose hash pins the code (dstack): then only the binding fails
expect_code 0 "$TEEMED" quote --json "$FX"
CH=$(jget "$T/out" "['event_log']['compose_hash']")
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-compose-hash "$CH" "$T/card.json"
c=$(checks)
[ "$(echo "$c" | tr ' ' '\n' | grep -c '!$')" = 1 ] || fail "only the binding may fail: $c"
contains "$T/out" '"tcb_status":"UpToDate"'
case "$c" in *"event-log "*) ;; *) fail "the event log must replay: $c" ;; esac
contains "$T/out" "compose hash 3763bc34"
# measurement expectations apply to cards: the right compose hash passes, a wrong one fails
ch=$(python3 -c "import json,sys; print([c['detail'] for c in json.load(open(sys.argv[1]))['checks'] if c['check']=='event-log'][0].split()[-1])" "$T/out")
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-compose-hash "$ch" "$T/card.json"
contains "$T/out" '"check":"expect-compose-hash","ok":true'
bad=$(echo "$ch" | sed 's/^./0/; t; s/^/0/'); [ "$bad" != "$ch" ] || bad=$(echo "$ch" | sed 's/^./1/')
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-compose-hash "$bad" "$T/card.json"
contains "$T/out" '"check":"expect-compose-hash","ok":false'
# the app id of the replayed log, right and wrong
AID=3763bc34552cf3a27ff71ad5f7a90471562a1a2d
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-app-id "$AID" "$T/card.json"
contains "$T/out" '"check":"expect-app-id","ok":true'
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-app-id "${AID%?}e" "$T/card.json"
contains "$T/out" '"check":"expect-app-id","ok":false'
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-rtmr "3=$(printf '0%.0s' $(seq 96))" "$T/card.json"
contains "$T/out" '"check":"expect-rtmr3","ok":false'
# a changed boot-event digest no longer replays (and breaks the signature too)
sed 's/8ae1e425/9ae1e425/' "$T/card.json" > "$T/bad.json"
cmp -s "$T/bad.json" "$T/card.json" && fail "the tamper did not change the card"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/bad.json"
c=$(checks)
case "$c" in *"event-log!"*) ;; *) fail "a changed event log must fail: $c" ;; esac
# without the agent the data dir cannot be opened (its keys live in the agent)
expect_code 3 "$TEEMED" onboard --as alice "$T/logs" --id ds2 --k 2
contains "$T/err" "dstack"

# With --bind the agent writes the asked report_data into the quote, as the hardware
# does. Every teemed-level check of a dstack card and result then passes, the key
# binding included; what fails is only Intel's signature over the changed quote (a real
# quote over this key needs TDX hardware).
start_agent --bind
expect_code 0 "$TEEMED" onboard --as bob "$T/logs" --id ds3 --k 2
cp "$T/out" "$T/card3.json"
expect_code 0 "$TEEMED" request overlap ds1 ds3 --as bob
R=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['request_id'])" "$T/out")
expect_code 0 "$TEEMED" approve "$R" --as alice
expect_code 0 "$TEEMED" result "$R" --as bob
cp "$T/out" "$T/result3.json"
contains "$T/result3.json" '"jaccard_similarity"'
stop_agent
for doc in card3 result3; do
    expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-app-id "$AID" "$T/$doc.json"
    c=$(checks)
    case " $c " in *" quote-report-data "*) ;; *) fail "$doc: the binding must hold: $c" ;; esac
    case " $c " in *" event-log "*) ;; *) fail "$doc: the event log must replay: $c" ;; esac
    case " $c " in *" expect-app-id "*) ;; *) fail "$doc: app id: $c" ;; esac
    [ "$(echo "$c" | tr ' ' '\n' | grep '!$')" = "quote-signature!" ] || fail "$doc: only Intel's signature may fail: $c"
done
