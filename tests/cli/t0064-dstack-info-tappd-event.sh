# The dstack backend's Info claims, the legacy tappd API, and the once-per-boot RTMR3
# event with the mediator's code measurement, against the fake guest agent
# (fake-dstack-agent.py). The fake replays the real dstack quote: where it changes the
# event log (EmitEvent, another app-compose) it recomputes RTMR3 in its copy of the quote,
# so the log still replays and the quote's signature no longer verifies - the verifier
# must say exactly that.
. "$(dirname "$0")/lib.sh"
FX="$TD/dstack/verifier-fixtures/quote-report.json"
COL="$TD/dcap-qvl/tdx_quote_outdated_collateral.json"
AT=1774003274
AID=3763bc34552cf3a27ff71ad5f7a90471562a1a2d
. "$(dirname "$0")/agent.sh"
echo 11111111-2222-3333-4444-555555555555 > "$T/boot1"
echo 66666666-7777-8888-9999-000000000000 > "$T/boot2"
export TEEMED_BOOT_ID_PATH="$T/boot1"
has() { case " $(checks) " in *" $1 "*) ;; *) fail "want check '$1' in: $(checks)" ;; esac; }
calls() { grep -c "\"method\": \"$1\"" "$T/agent.log"; }
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'): d=d[k]
print(d)" "$1" "$2"; }
ME=$(sha256sum "$TEEMED" | cut -d' ' -f1)

# 1. Info and EmitEvent served: the attestation carries Info's claims, the mediator
#    emits its measurement once per boot, and the verifier checks both against the log
start_agent --info --emit
expect_code 0 "$TEEMED" init --tee dstack
[ "$(calls EmitEvent)" = 0 ] || fail "init must not emit (it opens no backend)"
expect_code 0 "$TEEMED" account create alice --save
[ "$(calls EmitEvent)" = 0 ] || fail "creating an account must not open the backend"
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/m1.json"
[ "$(field "$T/m1.json" attestation.dstack.app_id)" = "$AID" ] || fail "Info's app id is not in the attestation"
[ "$(field "$T/m1.json" attestation.dstack.api)" = dstack ] || fail "api"
[ "$(field "$T/m1.json" mediator.measurement_event.status)" = emitted ] || fail "status: $(field "$T/m1.json" mediator.measurement_event.status)"
[ "$(calls EmitEvent)" = 1 ] || fail "one EmitEvent per boot"
grep -q "\"event\": \"teemed-code-measurement\", \"payload\": \"$ME\"" "$T/agent.log" || fail "the event is not the binary's SHA-256"
# no KMS in this log (no os-image-hash event): the mediator does not claim the image hash
lacks "$T/m1.json" '"os_image_hash"'
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/m2.json"
[ "$(field "$T/m2.json" mediator.measurement_event.status)" = already-emitted ] || fail "second run: $(field "$T/m2.json" mediator.measurement_event.status)"
[ "$(calls EmitEvent)" = 1 ] || fail "a second command in the same boot emitted again"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/m2.json"
has event-log
has dstack-info
has measurement-event
has quote-signature!   # the fake extended RTMR3 of a signed quote: caught
contains "$T/out" "RTMR3 records this binary's measurement (1 teemed event(s) this boot)"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-code-measurement "$ME" --expect-app-id "$AID" "$T/m2.json"
has expect-code-measurement
has expect-code-measurement-doc
has expect-app-id
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-code-measurement "$(echo $ME | tr 0-9a-f 1-9a-f0)" "$T/m2.json"
has expect-code-measurement!
has expect-code-measurement-doc!
# a new boot: emitted again, and the log holds both
TEEMED_BOOT_ID_PATH="$T/boot2" expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/m3.json"
[ "$(field "$T/m3.json" mediator.measurement_event.status)" = emitted ] || fail "a new boot must emit"
[ "$(calls EmitEvent)" = 2 ] || fail "EmitEvent calls after a reboot: $(calls EmitEvent)"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/m3.json"
contains "$T/out" "(2 teemed event(s) this boot)"
# cards carry Info's claims too, with their check (no code measurement in a card: the
# verifier only reports which binary the log records)
for s in 1 2; do
    mkdir -p "$T/logs"
    printf '{"type":"user","sessionId":"s%s","timestamp":"2026-01-1%sT10:00:00.000Z","message":{"role":"user","content":"The TDX quote and the rtmr3 event log."}}\n' "$s" "$s" > "$T/logs/s$s.jsonl"
done
expect_code 0 "$TEEMED" onboard --as alice "$T/logs" --id ds1 --k 2
cp "$T/out" "$T/card.json"
[ "$(field "$T/card.json" attestation.dstack.compose_hash)" = "$(field "$T/m1.json" attestation.dstack.compose_hash)" ] || fail "card Info"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-code-measurement "$ME" "$T/card.json"
has dstack-info
has expect-code-measurement
stop_agent

# 2. A lying Info: its app id differs from the log's, and the verifier says so
start_agent --lie-info
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/lie.json"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/lie.json"
has dstack-info!
contains "$T/out" "the agent's Info says app_id 0763bc34"
expect_code 1 "$TEEMED" verify --collateral "$COL" --at "$AT" "$T/lie.json"
stop_agent

# 3. app-compose.json: shipped in the mediator document, hashed by the verifier
printf '{"manifest_version":2,"name":"teemed","runner":"docker-compose"}' > "$T/compose.json"
printf '{"manifest_version":2,"name":"teemed","runner":"docker-compose","x":1}' > "$T/other.json"
CH=$(sha256sum "$T/compose.json" | cut -d' ' -f1)
start_agent --info --app-compose "$T/compose.json"
echo 12121212-3434-5656-7878-909090909090 > "$T/boot1"   # a new boot, and an agent without EmitEvent
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/c.json"
[ "$(field "$T/c.json" mediator.app_compose)" = "$(cat "$T/compose.json")" ] || fail "app_compose not shipped"
[ "$(field "$T/c.json" mediator.measurement_event.status)" = unsupported ] || fail "an agent without EmitEvent: $(field "$T/c.json" mediator.measurement_event.status)"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --expect-compose-hash "$CH" "$T/c.json"
has app-compose
has dstack-info
has expect-compose-hash
has event-log
stop_agent
start_agent --info --app-compose "$T/compose.json" --info-compose "$T/other.json"
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/c2.json"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/c2.json"
has app-compose!
[ "$(field "$T/c2.json" mediator.measurement_event.status)" = unsupported ] || fail "unsupported is recorded for the boot"
[ "$(calls EmitEvent)" = 0 ] || fail "an unsupported EmitEvent is asked once per boot"
stop_agent

# 4. The legacy tappd API (TAPPD_SIMULATOR_ENDPOINT): same key derivation, so the same
#    mediator identity; no EmitEvent there
unset DSTACK_SIMULATOR_ENDPOINT
export TAPPD_SIMULATOR_ENDPOINT="$T/agent.sock"
start_agent --tappd --info
expect_code 0 "$TEEMED" attest
cp "$T/out" "$T/t.json"
[ "$(field "$T/t.json" attestation.signer)" = "$(field "$T/m1.json" attestation.signer)" ] || fail "tappd changed the identity"
[ "$(field "$T/t.json" attestation.dstack.api)" = tappd ] || fail "api not tappd"
[ "$(field "$T/t.json" mediator.measurement_event.status)" = unsupported ] || fail "tappd event status"
[ "$(calls prpc/Tappd.DeriveK256Key)" = 1 ] && [ "$(calls prpc/Tappd.TdxQuote)" = 1 ] || fail "tappd calls: $(cat "$T/agent.log")"
grep -q '"hash_algorithm": "raw"' "$T/agent.log" || fail "TdxQuote must ask for the raw report_data"
[ "$(calls EmitEvent)" = 0 ] || fail "EmitEvent called on tappd"
TEEMED_DATA="$T/data-t" expect_code 0 "$TEEMED" init --tee dstack
[ "$(cat "$T/data-t/tee/signer")" = "$(cat "$T/data/tee/signer")" ] || fail "init over tappd recorded another signer"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/t.json"
has dstack-info
has event-log
stop_agent
# another key (another app or KMS): refused, never a silent new identity
start_agent --tappd --key-salt other-app
expect_code 6 "$TEEMED" attest
contains "$T/err" "refusing to change the mediator's identity"
stop_agent
unset TAPPD_SIMULATOR_ENDPOINT
export DSTACK_SIMULATOR_ENDPOINT="$T/agent.sock"
start_agent --key-salt other-app
expect_code 6 "$TEEMED" onboard --as alice --id x "$T/boot1"
contains "$T/err" "refusing to change the mediator's identity"
stop_agent
