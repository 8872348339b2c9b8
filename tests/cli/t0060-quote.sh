# teemed quote parses every real quote of ../shared/testdata/tdx to the field values of
# its expected.json (computed there by an independent parser); bad input is refused
# with the field named.
. "$(dirname "$0")/lib.sh"
python3 - "$TEEMED" "$TD" <<'PY' || exit 1
import json, subprocess, sys
bin, td = sys.argv[1], sys.argv[2]
exp = json.load(open(td + "/expected.json"))["quotes"]
bad = 0
for name, e in exp.items():
    out = subprocess.run([bin, "quote", "--json", td + "/" + e["file"]], capture_output=True, text=True)
    if out.returncode:
        print(name, "failed:", out.stderr.strip()); bad += 1; continue
    got = json.loads(out.stdout)
    checks = [("header", k) for k in e.get("header", {})] + [("report", k) for k in e.get("report", {})]
    checks += [("signature_data", k) for k in ("quote_signature_rs", "attestation_key_xy", "outer_cert_type",
               "qe_report_signature_rs", "qe_auth_data") if k in e.get("signature_data", {})]
    n = 0
    for part, k in checks:
        want, have = e[part][k], got.get(part, {}).get(k)
        if want != have:
            print(f"{name}: {part}.{k}: got {have}, want {want}"); bad += 1
        n += 1
    for k in ("signed_length", "sig_data_len", "bytes_after_signature_data", "body_offset"):
        if k in e and e[k] != got.get(k):
            print(f"{name}: {k}: got {got.get(k)}, want {e[k]}"); bad += 1
        n += 1
    print(f"{name}: {n} fields match" if not bad else "", end="\n" if not bad else "")
sys.exit(1 if bad else 0)
PY
# the collateral-free DCAP checks pass on every real sample at its verification time ...
for pair in "dcap-qvl/tdx_quote 1752919234" "dcap-qvl/tdx_quote_outdated 1774003274" \
            "dcap-qvl/sgx_quote 1752919277" "dcap-qvl/quote-from-tappd.hex 1752919234" \
            "dstack/verifier-fixtures/quote-report.json 1774003274" "derived/simulator-quote.bin 1770000000"; do
    set -- $pair
    expect_code 0 "$TEEMED" quote --check --at "$2" --json "$TD/$1"
    [ "$(grep -o '"ok":false' "$T/out" | wc -l)" = 0 ] || fail "$1: a check failed"
    contains "$T/out" '"check":"quote-signature","ok":true'
done
# ... and any changed byte fails the check it belongs to (tdx_quote v4 offsets)
flip() { python3 - "$TD/dcap-qvl/tdx_quote" "$T/flip" "$1" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); o = int(sys.argv[3]); b[o] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
}
for case in "300 quote-signature" "600 quote-signature" "650 quote-signature" "720 qe-report-data" \
            "900 qe-report-signature" "1170 qe-report-signature" "1230 qe-report-data" "1700 pck-chain"; do
    set -- $case
    flip "$1"
    expect_code 1 "$TEEMED" quote --check --at 1752919234 --json "$T/flip"
    contains "$T/out" "\"check\":\"$2\",\"ok\":false"
done
flip 168    # TDATTRIBUTES bit 0: a debug TD (and a broken signature)
expect_code 1 "$TEEMED" quote --check --at 1752919234 --json "$T/flip"
contains "$T/out" '"check":"td-attributes","ok":false'
expect_code 1 "$TEEMED" quote --check --at 1500000000 "$TD/dcap-qvl/tdx_quote"   # before the PCK leaf
contains "$T/err" "pck-chain check failed"

# dstack GetQuote responses: the event log replays to RTMR0-3 and yields the app claims
python3 - "$TEEMED" "$TD" <<'PY' || exit 1
import json, subprocess, sys
bin, td = sys.argv[1], sys.argv[2]
exp = json.load(open(td + "/expected.json"))
bad = 0
for name in ("dstack/verifier-fixtures/quote-report.json", "dstack/verifier-fixtures/tdx-lite-getquote.json"):
    got = json.loads(subprocess.run([bin, "quote", "--json", td + "/" + name], capture_output=True, text=True).stdout)["event_log"]
    want, claims = exp["event_logs"].get(name), exp["dstack_app_claims"][name]
    if want and got["rtmr_replayed"] != want["replayed_rtmr"]:
        print(name, "replay differs"); bad += 1
    if got["replay_matches_quote"] != [True] * 4:
        print(name, "does not replay to the quote"); bad += 1
    for k in ("compose_hash", "app_id", "instance_id"):
        if got[k] != claims[k]:
            print(name, k, got[k], "!=", claims[k]); bad += 1
sys.exit(1 if bad else 0)
PY
# a changed event (the application's own, after system-ready) breaks the replay
python3 - "$TD/dstack/verifier-fixtures/quote-report.json" "$T/ev.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); ev = json.loads(d["event_log"])
ev[-1]["event_payload"] = ev[-1]["event_payload"][:-2] + "00"
d["event_log"] = json.dumps(ev); json.dump(d, open(sys.argv[2], "w"))
PY
expect_code 1 "$TEEMED" quote --check --at 1774003274 --json "$T/ev.json"
contains "$T/out" '"check":"event-log","ok":false'
contains "$T/out" '"check":"quote-signature","ok":true'

# truncated and altered quotes: refused, the field named, nothing read past the end
head -c 600 "$TD/dcap-qvl/tdx_quote" > "$T/short"
expect_code 3 "$TEEMED" quote "$T/short"
contains "$T/err" "report body is truncated"
head -c 2000 "$TD/dcap-qvl/tdx_quote" > "$T/short2"
expect_code 3 "$TEEMED" quote "$T/short2"
contains "$T/err" "signature data is truncated"
printf '\007' | dd of="$T/v7" bs=1 count=1 2>/dev/null; tail -c +2 "$TD/dcap-qvl/tdx_quote" >> "$T/v7"
expect_code 3 "$TEEMED" quote "$T/v7"
contains "$T/err" "version 7"
printf 'zz not a quote' > "$T/junk"
expect_code 3 "$TEEMED" quote "$T/junk"
exit 0
