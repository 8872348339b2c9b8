# Onboarding is one transaction: a kill in the middle leaves no half dataset, and
# the same id can be onboarded afterwards.
. "$(dirname "$0")/lib.sh"
python3 "$SHARED/bench/gen-claude-logs" "$T/logs" --mb 40 --seed 7 > /dev/null || fail "generator"
expect_code 0 "$TEEMED" init
for delay in 0.05 0.2; do
    "$TEEMED" onboard --as o --id big --quiet "$T/logs" > /dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect_code 0 "$TEEMED" cards --json
    [ "$(cat "$T/out")" = "[]" ] || fail "a killed onboard left a dataset: $(head -c 200 "$T/out")"
    left=$(ls -A "$TEEMED_DATA/sealed")
    [ -z "$left" ] || fail "sealed files left after the next open: $left"
done
# the bench floor (x-floor) runs the same write path but leaves nothing behind
for depth in split parse; do
    expect_code 0 "$TEEMED" x-floor "$depth" "$T/logs"
    records=$(grep -o '^[0-9]*' "$T/out")
    [ "${records:-0}" -gt 1000 ] || fail "x-floor $depth read only '${records}' records"
    left=$(ls -A "$TEEMED_DATA/sealed")
    [ -z "$left" ] || fail "x-floor $depth left sealed files: $left"
done
expect_code 0 "$TEEMED" cards --json
[ "$(cat "$T/out")" = "[]" ] || fail "x-floor published a dataset"
expect_code 2 "$TEEMED" x-floor deep "$T/logs"
expect_code 0 "$TEEMED" onboard --as o --id big --quiet "$T/logs"
contains "$T/out" '"dataset_id":"big"'
[ "$(ls "$TEEMED_DATA/sealed" | wc -l)" = 1 ] || fail "expected one sealed file"
exit 0
