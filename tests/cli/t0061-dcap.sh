# Full DCAP verification reproduces every pairing of ../shared/testdata/tdx/README.md,
# and a changed byte of the collateral fails the check it belongs to.
. "$(dirname "$0")/lib.sh"
C="$TD/dcap-qvl"
v() { # v QUOTE COLLATERAL AT -> exit code in $rc, JSON in $T/out
    "$TEEMED" quote --json --collateral "$2" --at "$3" "$1" > "$T/out" 2> "$T/err"; rc=$?
}
status() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['tcb_status'], ','.join(j['advisory_ids']))" "$T/out"; }
failed() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(' '.join(c['check'] for c in j['checks'] if not c['ok']))" "$T/out"; }

v "$C/tdx_quote" "$C/tdx_quote_collateral.json" 1752919234
[ $rc = 0 ] && [ "$(status)" = "UpToDate " ] || fail "tdx_quote: $(status) $(failed)"
v "$C/tdx_quote" "$C/tdx_quote_collateral.json" 1752919236          # PCK CRL expired 1 s ago
[ $rc = 1 ] && [ "$(failed)" = "pck-chain" ] || fail "expired CRL: $(failed)"
contains "$T/err" "CRL has expired"
v "$C/tdx_quote" "$C/tdx_quote_collateral.json" 1750329146          # before the QE identity
[ $rc = 1 ] && contains "$T/out" '"check":"qe-identity","ok":false'
v "$C/tdx_quote" "$C/tdx_quote_outdated_collateral.json" 1774003274
[ $rc = 1 ] && [ "$(failed)" = "fmspc" ] || fail "fmspc: $(failed)"
v "$C/tdx_quote" "$C/sgx_quote_collateral.json" 1752919234
[ $rc = 1 ] && contains "$T/out" '"check":"qe-identity-id","ok":false'
v "$C/sgx_quote" "$C/sgx_quote_collateral.json" 1752919277
[ $rc = 0 ] && [ "$(status)" = "ConfigurationAndSWHardeningNeeded INTEL-SA-00289,INTEL-SA-00615" ] ||
    fail "sgx: $(status) $(failed)"
v "$C/sgx_quote" "$C/sgx_quote_collateral.json" 1752919279          # QE identity expired
[ $rc = 1 ] && [ "$(failed)" = "qe-identity" ] || fail "sgx expired: $(failed)"
v "$C/tdx_quote_outdated" "$C/tdx_quote_outdated_collateral.json" 1774003274
[ $rc = 1 ] && [ "$(failed)" = "tcb-level" ] || fail "v5: $(failed)"
for h in tdx-quote.hex quote-from-tappd.hex; do
    v "$C/$h" "$C/tdx_quote_collateral.json" 1752919234
    [ $rc = 1 ] && [ "$(failed)" = "tcb-level" ] || fail "$h: $(failed)"
done
v "$TD/dstack/verifier-fixtures/quote-report.json" "$C/tdx_quote_outdated_collateral.json" 1774003274
[ $rc = 0 ] && [ "$(status)" = "UpToDate " ] || fail "dstack fixture: $(status) $(failed)"
v "$TD/dstack/verifier-fixtures/tdx-lite-getquote.json" "$C/tdx_quote_outdated_collateral.json" 1774003274
[ $rc = 1 ] && contains "$T/out" '"check":"pck-chain","ok":false'

# teemed verify takes quotes too: DCAP, event log and the measurements the caller expects
Q="$TD/dstack/verifier-fixtures/quote-report.json"
CH=3763bc34552cf3a27ff71ad5f7a90471562a1a2df552dfc1998cba2d60da27e7
R3=0f787c3877f3e95095d5a4d13dd0fe0233803b30120d8469866719dc28f519ce021fe1e53459121e7a5a4443147185a8
expect_code 0 "$TEEMED" verify --json --collateral "$C/tdx_quote_outdated_collateral.json" --at 1774003274 \
    --expect-compose-hash "$CH" --expect-rtmr "3=$R3" "$Q"
contains "$T/out" '"verified":true'
contains "$T/out" '"check":"event-log","ok":true'
contains "$T/out" '"check":"expect-compose-hash","ok":true'
expect_code 1 "$TEEMED" verify --at 1774003274 --expect-compose-hash "$(echo $CH | tr 3 4)" "$Q"
contains "$T/err" "expect-compose-hash check failed"
expect_code 1 "$TEEMED" verify --at 1774003274 --expect-rtmr "2=$R3" "$Q"
contains "$T/err" "expect-rtmr2 check failed"
# the app id comes from the replayed log's app-id event (expected.json: dstack_app_claims)
AID=$(python3 -c "import json; print(json.load(open('$TD/expected.json'))['dstack_app_claims']['dstack/verifier-fixtures/quote-report.json']['app_id'])")
expect_code 0 "$TEEMED" verify --json --collateral "$C/tdx_quote_outdated_collateral.json" --at 1774003274 \
    --expect-app-id "0x$AID" "$Q"
contains "$T/out" '"check":"expect-app-id","ok":true'
expect_code 0 "$TEEMED" quote --json --at 1774003274 --expect-app-id "$AID" "$Q"
contains "$T/out" '"check":"expect-app-id","ok":true'
expect_code 1 "$TEEMED" quote --json --at 1774003274 --expect-app-id "$(echo $AID | tr 3 4)" "$Q"
contains "$T/out" '"check":"expect-app-id","ok":false'
contains "$T/err" "expect-app-id check failed: the app id differs: the replayed event log says $AID"
# the compose hash is not the app id, even though this app id is its first 20 bytes
expect_code 1 "$TEEMED" quote --at 1774003274 --expect-app-id "$CH" "$Q"
# a quote without an event log: no app id to compare
expect_code 1 "$TEEMED" quote --at 1752919234 --expect-app-id "$AID" "$C/tdx_quote"
contains "$T/err" "expect-app-id check failed: no event log"
# tdx-lite carries the compose hash in MRCONFIGID (0x01 || hash) as well as in its log
L="$TD/dstack/verifier-fixtures/tdx-lite-getquote.json"
LH=$(python3 -c "import json; print(json.load(open('$TD/expected.json'))['dstack_app_claims']['dstack/verifier-fixtures/tdx-lite-getquote.json']['compose_hash'])")
expect_code 1 "$TEEMED" verify --json --at 1780000000 --expect-compose-hash "$LH" "$L"
contains "$T/out" '"check":"expect-compose-hash","ok":true'
contains "$T/out" '"check":"tcb","ok":false'   # verify without collateral never passes
expect_code 0 "$TEEMED" quote --check --json --at 1780000000 --expect-compose-hash "$LH" "$L"
expect_code 2 "$TEEMED" verify --expect-rtmr 7=00 "$Q"

# tampered collateral: each part fails its own check
tamper() { # tamper FIELD OFFSET -> $T/col.json
    python3 - "$C/tdx_quote_collateral.json" "$T/col.json" "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); f, o = sys.argv[3], int(sys.argv[4]); s = c[f]
ch = s[o]; rep = {"0": "1", "1": "0", "a": "b", "b": "a"}.get(ch.lower(), "0" if ch != "0" else "1")
c[f] = s[:o] + rep + s[o + 1:]
json.dump(c, open(sys.argv[2], "w"))
PY
}
for case in "tcb_info 300 tcb-info" "tcb_info_signature 10 tcb-info" "qe_identity 200 qe-identity" \
            "qe_identity_signature 70 qe-identity" "pck_crl 400 crls" "root_ca_crl 300 crls"; do
    set -- $case
    tamper "$1" "$2"
    v "$C/tdx_quote" "$T/col.json" 1752919234
    [ $rc = 1 ] || fail "tampered $1 accepted"
    if [ "$3" = crls ]; then   # a changed CRL fails to decode or its signature fails the chains
        [ -n "$(failed)" ] || fail "tampered $1: nothing failed"
    else
        grep -q "\"check\":\"$3\",\"ok\":false" "$T/out" || fail "tampered $1: $(failed)"
    fi
done
exit 0

# documents: an SGX quote is never a teemed mediator's (teemed runs in a TD, and no
# enclave measurement is pinned), and a small-order Ed25519 key forges nothing
init_with alice
expect_code 0 "$TEEMED" onboard --as alice --id ds "$REPO/examples/tee-beginner"
cp "$T/out" "$T/card.json"
python3 - "$T/card.json" "$C/sgx_quote" "$T/sgx-card.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["attestation"]["simulated"] = False
d["attestation"]["quote"] = open(sys.argv[2], "rb").read().hex()
json.dump(d, open(sys.argv[3], "w"), separators=(",", ":"))
PY
expect_code 1 "$TEEMED" verify --json --collateral "$C/sgx_quote_collateral.json" --at 1752919277 "$T/sgx-card.json"
contains "$T/out" '"check":"quote-type","ok":false'
contains "$T/out" '"hardware_backed":false'
python3 - "$T/card.json" "$T/forged.json" <<'PY'
import base64, hashlib, re, sys
t = open(sys.argv[1]).read().rstrip("\n")
t = t.replace('"owner":"alice"', '"owner":"mallory"')
pub = bytes.fromhex("01" + "00" * 31)       # the identity point: a key of order 1
rd = hashlib.sha512(b"teemed-report-data-v1\0ed25519\0" + pub).hexdigest()
t = re.sub(r'"signer":"ed25519:[0-9a-f]{64}"', '"signer":"ed25519:%s"' % pub.hex(), t)
t = re.sub(r'"report_data":"[0-9a-f]{128}"', '"report_data":"%s"' % rd, t)
m = re.search(r',"payload_sha256":"[0-9a-f]{64}","signature":"[^"]*"\}\}$', t)
payload = t[:m.start()] + "}}"
h = hashlib.sha256(payload.encode()).hexdigest()
sig = base64.b64encode(pub + bytes(32)).decode()  # R = identity, S = 0
open(sys.argv[2], "w").write(payload[:-2] + ',"payload_sha256":"%s","signature":"%s"}}\n' % (h, sig))
PY
expect_code 1 "$TEEMED" verify --json --allow-simulated "$T/forged.json"
contains "$T/out" '"check":"payload-hash","ok":true'      # a well-made forgery ...
contains "$T/out" '"check":"report-data","ok":true'
contains "$T/out" '"check":"signature","ok":false'        # ... that the key check refuses
