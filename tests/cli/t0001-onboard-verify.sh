# init, onboard a small tree, list and fetch the card, verify it, tamper with it.
. "$(dirname "$0")/lib.sh"
for s in 1 2 3 4; do
    mk "$T/logs/-home-dev-p" "s$s" "1$s" "The attestation quote has a bad rtmr3 value; check the compose hash in the AppAuth contract."
done
expect_code 0 "$TEEMED" init
contains "$T/out" '"tee":"sim"'
contains "$T/out" '"operator_token":"tmd_'
expect_code 5 "$TEEMED" init
expect_code 0 "$TEEMED" account create alice --save
# no token, an unknown token: refused before anything is read
expect_code 8 "$TEEMED" onboard "$T/logs" --id ds1
contains "$T/err" "needs an account"
expect_code 8 "$TEEMED" onboard "$T/logs" --id ds1 --token tmd_0000000000000000000000000000000000000000000
contains "$T/err" "names no account"
expect_code 0 "$TEEMED" onboard --as alice "$T/logs" --id ds1 --k 3
cp "$T/out" "$T/card.json"
contains "$T/card.json" '"dataset_id":"ds1"'
contains "$T/card.json" '"records":8'
contains "$T/card.json" '"sessions":4'
contains "$T/card.json" '"days":3'
contains "$T/card.json" '"active_days":4'
contains "$T/card.json" '"compose_hash"'
# every session says "rtmr3 value": the phrase carries all of the word's uses and is the topic
contains "$T/card.json" '"rtmr3_value"'
# the card as stored is the card printed
expect_code 0 "$TEEMED" card ds1
cmp -s "$T/out" "$T/card.json" || fail "card ds1 differs from the onboard output"
expect_code 0 "$TEEMED" cards --search "ALICE compose_hash"
contains "$T/out" '"ds1"'
expect_code 0 "$TEEMED" cards --search "ali comp"          # words are prefixes
contains "$T/out" '"ds1"'
expect_code 0 "$TEEMED" cards --search nothing-like-this
[ "$(cat "$T/out")" = '{"cards":[],"market":{},"next_cursor":null}' ] || fail "search should find nothing: $(cat "$T/out")"
# verification: sim refused by default, accepted when allowed, any changed byte fails
expect_code 1 "$TEEMED" verify "$T/card.json"
contains "$T/err" "simulated"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/card.json"
sed 's/"sessions":4/"sessions":5/' "$T/card.json" > "$T/t1.json"
expect_code 1 "$TEEMED" verify --allow-simulated "$T/t1.json"
contains "$T/err" "payload-hash check failed"
sed 's/{"dataset_id"/{ "dataset_id"/' "$T/card.json" > "$T/t2.json"
expect_code 1 "$TEEMED" verify --allow-simulated "$T/t2.json"
contains "$T/err" "canonical check failed"
# flip one byte at a time in a few places: always rejected
size=$(wc -c < "$T/card.json")
for off in 10 200 $((size / 2)) $((size - 40)) $((size - 5)); do
    python3 - "$T/card.json" "$T/t3.json" "$off" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); o = int(sys.argv[3])
b[o] ^= 0x01
open(sys.argv[2], 'wb').write(b)
PY
    "$TEEMED" verify --allow-simulated "$T/t3.json" >/dev/null 2>&1 && fail "flipped byte at $off accepted"
done
# the same id twice is refused and leaves the first dataset as it was
expect_code 5 "$TEEMED" onboard --as alice --id ds1 "$T/logs"
contains "$T/err" "already exists"
expect_code 0 "$TEEMED" card ds1
cmp -s "$T/out" "$T/card.json" || fail "card changed"
exit 0
# the mediator's own attestation: signed by the key that signs cards, refused as simulated
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/mediator.json"
contains "$T/mediator.json" '"kind":"mediator"'
contains "$T/mediator.json" '"code_measurement"'
python3 -c "import json,sys; a,b=(json.load(open(p))['attestation']['signer'] for p in sys.argv[1:]); sys.exit(a!=b)" \
    "$T/mediator.json" "$T/card.json" || fail "attest and the card name different signers"
expect_code 1 "$TEEMED" verify "$T/mediator.json"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/mediator.json"
expect_code 2 "$TEEMED" attest extra-arg
# measurement expectations cannot be met without a quote, even when simulation is allowed
expect_code 1 "$TEEMED" verify --allow-simulated --expect-mrtd "$(printf '0%.0s' $(seq 96))" "$T/card.json"
contains "$T/err" "no quote"
expect_code 1 "$TEEMED" verify --allow-simulated --expect-app-id 3763bc34552cf3a27ff71ad5f7a90471562a1a2d "$T/card.json"
contains "$T/err" "no quote"
