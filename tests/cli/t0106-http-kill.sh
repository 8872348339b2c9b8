# kill -9 of the server mid-upload and mid-computation: after a restart nothing that was
# acknowledged is lost, no half dataset or temporary file remains, the client was told it
# is safe to retry (and the retry works), and the killed computation is taken up again
# and finishes once.
. "$(dirname "$0")/lib.sh"
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
for a in alice bob; do
    expect_code 0 "$TEEMED" account create "$a" --json
    eval "TOK_$a=\$(jget \"\$T/out\" \"['token']\")"
done
python3 "$GEN" "$T/big" --mb 60 --seed 5 > /dev/null || fail "generator"
start_server --job-lease 2
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_alice" --allow-simulated --quiet --id ds-a "$EX/tee-expert"
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_bob" --allow-simulated --quiet --id ds-b "$EX/gcp-tee"
expect_http 201 POST /v1/requests "$TOK_bob" '{"computation":"gap","datasets":["ds-a","ds-b"]}'
ACK=$(jget "$T/body" "['request_id']")          # acknowledged before the kills
tmpfiles() { ls -A "$TEEMED_DATA/sealed" | grep -c '\.tmp$'; }

# 1. mid-upload
"$TEEMED" push --server "$URL" --token "$TOK_alice" --allow-simulated --quiet --id big "$T/big" > "$T/push.out" 2> "$T/push.err" &
PP=$!
i=0
until [ "$(tmpfiles)" = 1 ]; do
    i=$((i + 1)); [ $i -lt 400 ] || fail "the upload never started"
    sleep 0.02
done
sleep 0.05
kill -9 "$SPID"; wait "$SPID" 2>/dev/null
wait "$PP" && fail "the push succeeded although the server was killed"
contains "$T/push.err" "safe to retry"
start_server --job-lease 2
i=0
until [ "$(tmpfiles)" = 0 ]; do             # the restarted writer settles the leftovers
    i=$((i + 1)); [ $i -lt 200 ] || fail "the killed upload left its temporary file"
    sleep 0.05
done
expect_http 404 GET /v1/cards/big
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_alice" --allow-simulated --quiet --id big "$T/big"
contains "$T/out" '"dataset_id":"big"'
[ "$(ls "$TEEMED_DATA/sealed" | grep -c '^big\.')" = 1 ] || fail "expected one sealed file for big"

# 1b. the client killed mid-upload (the connection ends while a worker ingests a piece):
# the server forgets the upload, keeps serving, and leaves nothing behind
"$TEEMED" push --server "$URL" --token "$TOK_alice" --allow-simulated --quiet --id cut "$T/big" > /dev/null 2>&1 &
PP=$!
i=0
until [ "$(tmpfiles)" = 1 ]; do
    i=$((i + 1)); [ $i -lt 400 ] || fail "the second upload never started"
    sleep 0.02
done
sleep 0.05
kill -9 "$PP"; wait "$PP" 2>/dev/null
i=0
until [ "$(tmpfiles)" = 0 ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the cut upload left its temporary file"
    sleep 0.05
done
expect_http 404 GET /v1/cards/cut
expect_http 200 GET /v1/health
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_alice" --allow-simulated --quiet --id cut "$EX/tee-expert"

# 2. mid-computation: the server kills itself after computing, before committing
stop_server                                   # exits cleanly, no sanitizer report
TEEMED_FAULT=job.after-compute start_server --job-lease 2
expect_http 201 POST /v1/requests "$TOK_bob" '{"computation":"overlap","datasets":["ds-b","ds-a"]}'
R=$(jget "$T/body" "['request_id']")
http POST "/v1/requests/$R/approve" "$TOK_alice"
sleep 0.2
kill -0 "$SPID" 2>/dev/null && fail "the fault point did not kill the server"
wait "$SPID" 2>/dev/null
start_server --job-lease 2
expect_http 200 GET "/v1/requests/$R?wait=20" "$TOK_bob"   # running until the lease expires, then done
[ "$(jget "$T/body" "['status']")" = done ] || { expect_http 200 GET "/v1/requests/$R?wait=20" "$TOK_bob"; }
contains "$T/body" '"status":"done"'
expect_http 200 GET "/v1/requests/$R/result" "$TOK_bob"
cp "$T/body" "$T/r.json"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/r.json"
expect_http 200 GET /v1/datasets/ds-a/audit "$TOK_alice"
[ "$(grep -o "\"event\":\"run\",\"request\":\"$R\"" "$T/body" | wc -l)" = 1 ] || fail "not exactly one run entry"
contains "$T/body" '"chain_ok":true'
# nothing acknowledged was lost
expect_http 200 GET "/v1/requests/$ACK" "$TOK_bob"
contains "$T/body" '"status":"pending"'
stop_server
exit 0
