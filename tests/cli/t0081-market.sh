# The marketplace: prices held and paid (less the fee) or refunded, a refusal that says
# the balance and the price, the rating rules (only the requester, only a delivered
# result, once, a comment the privacy filter leaves alone), reputation as a lower
# confidence bound, discovery that ranks a complementary dataset above a duplicate and
# unrelated ones and a well-rated dataset above its unrated twin, cards sorted by
# reputation and demand, a signed statement that verifies and fails when edited; and the
# same over HTTP and MCP.
. "$(dirname "$0")/lib.sh"
init_with me dup comp unrel t1 t2 web r1 r2 r3 r4
expect_code 0 "$TEEMED" credits config --fee-percent 10
g() { python3 "$GEN" "$T/$1" --mb "$2" --seed "$3" --domain "$4" > /dev/null || fail "generator $1"; }
g l1 0.2 1 tee; g l2 0.2 2 tee; g l3 0.15 3 tee; g l4 0.15 4 web; g l5 0.2 5 data; g l6 0.2 6 web; g l8 0.2 8 web; g l9 0.1 9 data
cp -r "$T/l6" "$T/l7"
expect_code 0 "$TEEMED" --as me onboard --id mine --quiet "$T/l1"
expect_code 0 "$TEEMED" --as dup onboard --id dup --quiet "$T/l2"
expect_code 0 "$TEEMED" --as comp onboard --id comp --quiet "$T/l3" "$T/l4"   # the same footing, and web work
expect_code 0 "$TEEMED" --as unrel onboard --id unrel --quiet "$T/l5"
expect_code 0 "$TEEMED" --as t1 onboard --id twin1 --quiet "$T/l6"
expect_code 0 "$TEEMED" --as t2 onboard --id twin2 --quiet "$T/l7"             # the same logs as twin1
expect_code 0 "$TEEMED" --as web onboard --id webmine --quiet "$T/l8" "$T/l9"

# discovery: complementary first, the duplicate below it, unrelated data last with score 0
expect_code 0 "$TEEMED" --as me discover --for mine --json
python3 - "$T/out" <<'PY' || exit 1
import json, sys
c = json.load(open(sys.argv[1]))["candidates"]
ids = [x["dataset_id"] for x in c]
s = {x["dataset_id"]: x for x in c}
assert ids[0] == "comp", ids
assert ids.index("dup") < ids.index("unrel"), ids
assert s["comp"]["score"] > s["dup"]["score"] > s["unrel"]["score"], [(i, s[i]["score"]) for i in ids]
assert s["unrel"]["score"] < 0.1 and s["unrel"]["reason"].startswith("unrelated"), s["unrel"]
assert "new to you" in s["comp"]["reason"] and s["comp"]["adds"] > s["dup"]["adds"], (s["comp"], s["dup"])
assert "mine" not in ids and all(x["owner"] != "me" for x in c)   # never your own
PY
# only the owner ranks for a dataset (another's dataset does not exist for you)
expect_code 4 "$TEEMED" --as dup discover --for mine
expect_code 2 "$TEEMED" --as me discover

# a price the requester cannot pay: refused with the balance and the price, nothing held
expect_code 0 "$TEEMED" --as t1 policy twin1 --price debug=500
expect_code 14 "$TEEMED" --as r1 request debug --target twin1 "hydration mismatch in router"
contains "$T/err" "costs 500 credits (twin1 500) and your balance is 100"
expect_code 0 "$TEEMED" --as r1 credits --json
[ "$(jget "$T/out" "['balance']")" = 100 ] && [ "$(jget "$T/out" "['held']")" = 0 ] || fail "a refused request held credits"

# held at request time, shown to the owner with the requester's standing, paid on delivery
expect_code 0 "$TEEMED" --as t1 policy twin1 --price debug=30
expect_code 0 "$TEEMED" --as t2 policy twin2 --price debug=30
expect_code 0 "$TEEMED" --as r1 request debug --target twin1 "hydration mismatch in router" --json
R1=$(jget "$T/out" "['request_id']")
[ "$(jget "$T/out" "['price']")" = "{'total': 30, 'datasets': {'twin1': 30}, 'credits': 'held'}" ] || fail "price: $(cat "$T/out")"
expect_code 0 "$TEEMED" --as r1 credits --json
[ "$(jget "$T/out" "['balance']")" = 70 ] && [ "$(jget "$T/out" "['held']")" = 30 ] || fail "hold: $(cat "$T/out")"
expect_code 0 "$TEEMED" --as t1 inbox --json
[ "$(jget "$T/out" "['inbox'][0]['you_earn']")" = 27 ] || fail "you_earn: $(cat "$T/out")"
[ "$(jget "$T/out" "['inbox'][0]['requester_standing']['requests']")" = 1 ] || fail "standing: $(cat "$T/out")"
expect_code 11 "$TEEMED" --as r1 rate "$R1" --helpful                      # not delivered yet
contains "$T/err" "only a delivered result can be rated"
expect_code 0 "$TEEMED" --as t1 approve "$R1"
expect_code 0 "$TEEMED" --as r1 status "$R1" --json
contains "$T/out" '"credits":"paid"'
expect_code 0 "$TEEMED" --as t1 credits --json
[ "$(jget "$T/out" "['balance']")" = 127 ] || fail "owner paid: $(cat "$T/out")"
[ "$(jget "$T/out" "['earnings'][0]")" = "{'dataset_id': 'twin1', 'earned': 27, 'paid_requests': 1}" ] || fail "earnings: $(cat "$T/out")"
expect_code 0 "$TEEMED" --as t1 audit twin1 --json
contains "$T/out" "27 credits paid to t1 (fee 3)"
contains "$T/out" "30 credits held from r1"

# rating rules
expect_code 4 "$TEEMED" --as t1 rate "$R1" --helpful                        # the owner is not the requester
expect_code 4 "$TEEMED" --as r2 rate "$R1" --helpful                        # nor is anyone else
expect_code 2 "$TEEMED" --as r1 rate "$R1" --helpful --comment "ask jane.doe@example.com"
contains "$T/err" "privacy filter removes (email)"
expect_code 2 "$TEEMED" --as r1 rate "$R1" --helpful --comment "key AKIAIOSFODNN7EXAMPLE worked"
expect_code 0 "$TEEMED" --as r1 rate "$R1" --helpful --comment "pointed at the right fix" --json
contains "$T/out" '"helpful":true'
expect_code 11 "$TEEMED" --as r1 rate "$R1" --not-helpful                   # once
contains "$T/err" "already rated"
# a rejection refunds, and a rejected request cannot be rated
expect_code 0 "$TEEMED" --as r1 request debug --target twin2 "hydration mismatch in router" --json
R2=$(jget "$T/out" "['request_id']")
expect_code 0 "$TEEMED" --as t2 reject "$R2" --reason "not now"
expect_code 0 "$TEEMED" --as r1 status "$R2" --json
contains "$T/out" '"credits":"refunded"'
expect_code 0 "$TEEMED" --as r1 credits --json
[ "$(jget "$T/out" "['balance']")" = 70 ] || fail "refund: $(cat "$T/out")"
expect_code 11 "$TEEMED" --as r1 rate "$R2" --helpful

# reputation: three more requesters find twin1 helpful; it ranks above its unrated twin
for r in r2 r3 r4; do
    expect_code 0 "$TEEMED" --as $r request debug --target twin1 "hydration mismatch in router" --json
    R=$(jget "$T/out" "['request_id']")
    expect_code 0 "$TEEMED" --as t1 approve "$R"
    expect_code 0 "$TEEMED" --as $r rate "$R" --helpful
done
expect_code 0 "$TEEMED" --as web discover --for webmine --json
python3 - "$T/out" <<'PY' || exit 1
import json, sys
c = json.load(open(sys.argv[1]))["candidates"]
ids = [x["dataset_id"] for x in c]
s = {x["dataset_id"]: x for x in c}
assert ids.index("twin1") < ids.index("twin2"), ids
assert s["twin1"]["ratings"] == 4 and s["twin2"]["ratings"] == 0, (s["twin1"], s["twin2"])
# Wilson lower bound of 4 of 4 at 95%: 0.51 - one rating alone would be 0.21
assert s["twin1"]["reputation"] == 0.51, s["twin1"]
assert "4 of 4 requesters found it helpful" in s["twin1"]["reason"], s["twin1"]["reason"]
PY
for sort in reputation demand; do
    expect_code 0 "$TEEMED" cards --sort $sort --limit 2 --json
    [ "$(jget "$T/out" "['cards'][0]['dataset_id']")" = twin1 ] || fail "cards --sort $sort: $(head -c 300 "$T/out")"
    [ "$(jget "$T/out" "['next_cursor']")" = "o:2" ] || fail "cards --sort $sort: cursor"
done
expect_code 0 "$TEEMED" cards --sort demand --limit 2 --cursor o:2 --json   # the next page: others
lacks "$T/out" '"dataset_id":"twin1"'
contains "$T/out" '"dataset_id"'
expect_code 0 "$TEEMED" cards --json
python3 -c "
import json,sys; m=json.load(open(sys.argv[1]))['market']
assert m['twin1']['queries_served'] == 4 and m['twin1']['ratings'] == 4 and m['twin1']['prices']['debug'] == 30, m['twin1']
assert m['twin2']['queries_served'] == 0 and m['twin2']['reputation'] == 0, m['twin2']
assert m['twin1']['owner_reputation'] == 0.51, m['twin1']" "$T/out" || fail "market figures"
expect_code 2 "$TEEMED" cards --sort relevance
contains "$T/err" "needs a search"
expect_code 0 "$TEEMED" cards --sort relevance --search hydration --json
# the inbox shows a requester's record to the next owner
expect_code 0 "$TEEMED" --as r2 request debug --target twin2 "hydration mismatch in router"
expect_code 0 "$TEEMED" --as t2 inbox --json
python3 -c "
import json,sys; s=json.load(open(sys.argv[1]))['inbox'][0]['requester_standing']
assert s['requests'] == 2 and s['approved'] == 1 and s['approval_rate'] == 1.0 and s['ratings_given'] == 1, s" "$T/out" ||
    fail "requester standing"

# a signed statement of the history; an edited one fails
expect_code 0 "$TEEMED" --as r1 credits statement
cp "$T/out" "$T/statement.json"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/statement.json"
contains "$T/out" "credit-statement"
sed 's/"balance":70/"balance":700/' "$T/statement.json" > "$T/forged.json"
cmp -s "$T/statement.json" "$T/forged.json" && fail "the statement holds no balance to edit"
expect_code 1 "$TEEMED" verify --allow-simulated "$T/forged.json"
# minting: operator only, recorded; the ledger checks out
expect_code 9 "$TEEMED" --as r1 credits mint r1 1000
expect_code 0 "$TEEMED" credits mint r1 25 --memo "pilot"
expect_code 0 "$TEEMED" --as r1 credits --json
[ "$(jget "$T/out" "['balance']")" = 95 ] && [ "$(jget "$T/out" "['history'][0]['memo']")" = pilot ] || fail "mint"
expect_code 0 "$TEEMED" credits check --json
contains "$T/out" '"ok":true'

# the same over HTTP and MCP
start_server
TOK=$(cat "$XDG_CONFIG_HOME/teemed/tokens/r1")
curl -s -H "Authorization: Bearer $TOK" "$URL/v1/credits" > "$T/http.json"
[ "$(jget "$T/http.json" "['balance']")" = 95 ] || fail "GET /v1/credits: $(cat "$T/http.json")"
TOKW=$(cat "$XDG_CONFIG_HOME/teemed/tokens/web")
curl -s -H "Authorization: Bearer $TOKW" "$URL/v1/datasets/webmine/discover?limit=10" > "$T/http.json"
python3 -c "
import json,sys; ids=[c['dataset_id'] for c in json.load(open(sys.argv[1]))['candidates']]
assert ids.index('twin1') < ids.index('twin2'), ids" "$T/http.json" || fail "GET discover: $(cat "$T/http.json")"
code=$(curl -s -o "$T/http.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOK" -d '{"helpful": true}' \
       "$URL/v1/requests/$R1/rating")
[ "$code" = 409 ] || fail "a second rating over HTTP got $code"
curl -s -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
     -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"credits_get","arguments":{}}}' "$URL/v1/mcp" > "$T/mcp.json"
contains "$T/mcp.json" '\"balance\":95'
curl -s -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
     -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$URL/v1/mcp" > "$T/mcp.json"
for tool in discover requests_rate credits_get credits_statement; do contains "$T/mcp.json" "\"$tool\""; done
stop_server
exit 0
