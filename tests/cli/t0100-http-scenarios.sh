# The seed's three scenarios over HTTP: accounts, uploads encrypted to the attested
# mediator (teemed push, as SKILL.md says), then discovery, requests, approvals and
# signed results with curl only; then the same with the remote CLI (same output as
# local); the answers' shapes and statuses; long polls; a server that stops cleanly.
. "$(dirname "$0")/lib.sh"
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
OP=$(jget "$T/out" "['operator_token']")
start_server
# 1. accounts, as SKILL.md step 1: the operator creates one per agent
for a in amiller cloudmolty newbiemolty debugmolty; do
    expect_http 201 POST /v1/accounts "$OP" "{\"name\":\"$a\"}"
    eval "TOK_$a=\$(jget \"\$T/body\" \"['token']\")"
done
expect_http 409 POST /v1/accounts "$OP" '{"name":"amiller"}'
contains "$T/body" '"code":"exists"'
expect_http 403 POST /v1/accounts "$TOK_amiller" '{"name":"x"}'
expect_http 401 POST /v1/accounts "" '{"name":"x"}'
expect_http 200 GET /v1/me "$TOK_amiller"
contains "$T/body" '{"name":"amiller","role":"member"}'
# 2. the attestation with a nonce: fresh, bound, verifiable offline
N=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
expect_http 200 GET "/v1/attestation?nonce=$N"
cp "$T/body" "$T/mediator.json"
contains "$T/mediator.json" "\"nonce\":\"$N\""
contains "$T/mediator.json" '"upload_key":"x25519:'
expect_code 0 "$TEEMED" verify --allow-simulated --json "$T/mediator.json"
contains "$T/out" 'report_data binds the signing key and the nonce'
sed "s/$N/$(echo "$N" | tr 0123 4567)/" "$T/mediator.json" > "$T/m2.json"      # another nonce: refused
expect_code 1 "$TEEMED" verify --allow-simulated "$T/m2.json"
expect_http 400 GET "/v1/attestation?nonce=abc"
# 3. uploads, encrypted: a simulated mediator is refused unless allowed
expect_code 1 "$TEEMED" push --server "$URL" --token "$TOK_amiller" --quiet --id tee-expertise-001 "$EX/tee-expert"
contains "$T/err" "nothing was sent"
for pair in "amiller tee-expertise-001 tee-expert" "cloudmolty gcp-tee-002 gcp-tee" "newbiemolty tee-learning-003 tee-beginner"; do
    set -- $pair
    eval "tok=\$TOK_$1"
    expect_code 0 "$TEEMED" push --server "$URL" --token "$tok" --allow-simulated --quiet --id "$2" "$EX/$3"
    contains "$T/out" "\"dataset_id\":\"$2\""
done
# the pushed card is the locally onboarded card (same volume, same commitment; the same
# market of three, so that the same words are ambient and the card revised alike)
TEEMED_DATA="$T/local" expect_code 0 "$TEEMED" init
TEEMED_DATA="$T/local" expect_code 0 "$TEEMED" account create amiller --save --force
TEEMED_DATA="$T/local" expect_code 0 "$TEEMED" --as amiller onboard --id tee-expertise-001 "$EX/tee-expert"
TEEMED_DATA="$T/local" expect_code 0 "$TEEMED" --as amiller onboard --id gcp-tee-002 "$EX/gcp-tee"
TEEMED_DATA="$T/local" expect_code 0 "$TEEMED" --as amiller onboard --id tee-learning-003 "$EX/tee-beginner"
TEEMED_DATA="$T/local" expect_code 0 "$TEEMED" card tee-expertise-001
cp "$T/out" "$T/local-card.json"
expect_http 200 GET /v1/cards/tee-expertise-001
python3 - "$T/local-card.json" "$T/body" <<'PY' || fail "pushed and local cards differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("volume", "commitment", "topics", "key_expertise", "topic"):
    assert a[k] == b[k], k
PY
# 4. discovery (SKILL.md step 4)
expect_http 200 GET "/v1/cards?search=attestation&limit=2"
contains "$T/body" '"next_cursor":"'
C=$(jget "$T/body" "['next_cursor']")
expect_http 200 GET "/v1/cards?search=attestation&limit=2&cursor=$C"
contains "$T/body" '"next_cursor":null'
expect_http 400 GET "/v1/cards?limit=many"
contains "$T/body" 'limit: expected a number'
expect_http 400 GET "/v1/cards?limit=5000"
expect_http 400 GET "/v1/cards?bogus=1"
contains "$T/body" "unknown field 'bogus'"
expect_http 404 GET /v1/cards/nope
# 5-6. the three scenarios with curl only (SKILL.md steps 5-7)
scenario() { # scenario REQUESTER OWNER BODY -> $R; the signed result in $T/result.json
    eval "rt=\$TOK_$1; ot=\$TOK_$2"
    expect_http 201 POST /v1/requests "$rt" "$3"
    R=$(jget "$T/body" "['request_id']")
    contains "$T/body" '"status":"pending"'
    expect_http 200 GET /v1/inbox "$ot"
    contains "$T/body" "\"request_id\":\"$R\""
    expect_http 200 POST "/v1/requests/$R/approve" "$ot"
    contains "$T/body" '"status":"done"'
    expect_http 200 GET "/v1/requests/$R/result" "$rt"
    cp "$T/body" "$T/result.json"
    expect_code 0 "$TEEMED" verify --allow-simulated "$T/result.json"
}
scenario cloudmolty amiller '{"computation":"overlap","datasets":["gcp-tee-002","tee-expertise-001"]}'
contains "$T/result.json" '"shared_topics":["'
contains "$T/result.json" '"insight":"Datasets are complementary'
cp "$T/result.json" "$T/curl-overlap.json"
RO=$R
expect_http 200 GET "/v1/requests/$RO/result" "$TOK_amiller"     # overlap goes to both owners too
expect_http 404 GET "/v1/requests/$RO/result" "$TOK_newbiemolty" # not a party: as if it did not exist
cp "$T/body" "$T/e1"
expect_http 404 GET "/v1/requests/req-0000000000000000/result" "$TOK_newbiemolty"
[ "$(sed 's/req-[0-9a-f]*//' "$T/e1")" = "$(sed 's/req-[0-9a-f]*//' "$T/body")" ] || fail "existence leak"
scenario newbiemolty amiller '{"computation":"gap","datasets":["tee-expertise-001","tee-learning-003"]}'
contains "$T/result.json" '"missing_advanced"'
cp "$T/result.json" "$T/curl-gap.json"
scenario debugmolty amiller '{"computation":"debug","datasets":["tee-expertise-001"],"query":"attestation verification failed"}'
contains "$T/result.json" '"matching_patterns":[{'
cp "$T/result.json" "$T/curl-debug.json"
# long poll: answers when the state changes, not before
expect_http 201 POST /v1/requests "$TOK_cloudmolty" '{"computation":"overlap","datasets":["gcp-tee-002","tee-expertise-001"]}'
R=$(jget "$T/body" "['request_id']")
( sleep 1; curl -s -X POST -H "Authorization: Bearer $TOK_amiller" "$URL/v1/requests/$R/approve" > /dev/null ) &
AP=$!
t0=$(date +%s%N)
expect_http 200 GET "/v1/requests/$R?wait=20" "$TOK_cloudmolty"
t1=$(date +%s%N)
contains "$T/body" '"status":"done"'
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -ge 700 ] && [ "$ms" -lt 10000 ] || fail "long poll answered after $ms ms"
wait "$AP"
expect_http 200 GET "/v1/requests/$R?wait=1" "$TOK_cloudmolty"    # final: at once
# errors name their code; wrong types and unknown routes are client errors
expect_http 400 POST /v1/requests "$TOK_cloudmolty" '{"computation":"overlap","datasets":"gcp-tee-002"}'
contains "$T/body" '"code":"invalid"'
expect_http 400 POST /v1/requests "$TOK_cloudmolty" '{"computation":'
expect_http 404 POST /v1/requests "$TOK_cloudmolty" '{"computation":"overlap","datasets":["gcp-tee-002","nope"]}'
expect_http 405 PUT /v1/cards "$TOK_cloudmolty"
expect_http 404 GET /v2/cards
# 7. the three scenarios again with the remote CLI: the same results as with curl
export TEEMED_SERVER="$URL"
remote() { # remote KIND REQUESTER [REQUEST ARGS...]: request, approve as amiller, result
    kind=$1 who=$2; shift 2
    eval "rt=\$TOK_$who"
    expect_code 0 "$TEEMED" --token "$rt" request "$kind" "$@"
    R=$(jget "$T/out" "['request_id']")
    expect_code 0 "$TEEMED" --token "$TOK_amiller" inbox --text
    contains "$T/out" "$R"
    expect_code 0 "$TEEMED" --token "$TOK_amiller" approve "$R"
    contains "$T/out" '"status":"done"'
    expect_code 0 "$TEEMED" --token "$rt" result "$R"
    cp "$T/out" "$T/remote-$kind.json"
    expect_code 0 "$TEEMED" verify --allow-simulated "$T/remote-$kind.json"
    python3 -c 'import json, sys; a, b = (json.load(open(p))["result"] for p in sys.argv[1:]); sys.exit(a != b)' \
        "$T/curl-$kind.json" "$T/remote-$kind.json" || fail "$kind: the remote CLI's result differs from curl's"
}
remote overlap cloudmolty gcp-tee-002 tee-expertise-001
remote gap newbiemolty --target tee-expertise-001 --mine tee-learning-003
remote debug debugmolty --target tee-expertise-001 "attestation verification failed"
expect_code 4 "$TEEMED" --token "$TOK_newbiemolty" result "$R"        # exit codes as locally
expect_code 9 "$TEEMED" --token "$TOK_cloudmolty" policy tee-expertise-001 --review
expect_code 8 "$TEEMED" --token tmd_0000000000000000000000000000000000000000000 whoami
expect_code 0 "$TEEMED" cards --text
contains "$T/out" "tee-learning-003  (owner newbiemolty)"
expect_code 0 "$TEEMED" --token "$TOK_amiller" audit tee-expertise-001
contains "$T/out" '"chain_ok":true'
expect_code 1 "$TEEMED" --token "$TOK_amiller" onboard --id x "$EX/tee-expert" --quiet   # remote: push, verified first
unset TEEMED_SERVER
# 8. anonymous card reads are answered from memory; a withdrawal by another process on
# the data dir (the local CLI next to the server) is seen at the next read
for i in 1 2 3; do expect_http 200 GET /v1/cards/tee-learning-003; done
curl -s -H "Authorization: Bearer $TOK_amiller" "$URL/v1/cards/tee-learning-003" > "$T/card-store.json"
cmp -s "$T/body" "$T/card-store.json" || fail "the card from memory differs from the card from the store"
expect_code 0 "$TEEMED" --token "$TOK_newbiemolty" withdraw tee-learning-003
expect_http 404 GET /v1/cards/tee-learning-003
expect_code 6 "$TEEMED" --server http://127.0.0.1:1 cards
contains "$T/err" "cannot reach the mediator"
stop_server
contains "$T/server.log" "stopping"
exit 0
