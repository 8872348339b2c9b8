# teemed demo: three cards, three collaborations, every attestation verified.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || fail "repo"
expect_code 0 "$TEEMED" demo examples
[ "$(grep -c '^  attestation: verified' "$T/out")" = 6 ] || fail "expected three verified cards and results"
[ "$(grep -c 'request-hash ok' "$T/out")" = 3 ] || fail "expected three verified results"
contains "$T/out" 'amiller      token tmd_'     # the agents act with accounts and tokens
contains "$T/out" "amiller approves -> done"
contains "$T/out" '"jaccard_similarity"'
contains "$T/out" '"missing_advanced"'
contains "$T/out" '"matching_patterns"'
contains "$T/out" 'Seen 3 times in dataset'     # one root cause, repeated in three sessions
contains "$T/out" 'hash chain: intact'
# Phase 3 from the real ledger: prices 5 + 10 + 15 held, paid to amiller less 10% (rounded down)
contains "$T/out" '5 credits held from cloudmolty'
contains "$T/out" 'earned 28 credits: 3 paid requests over tee-expertise-001'
contains "$T/out" 'balance: 128 credits'
contains "$T/out" 'paid 15 credits for it'
contains "$T/out" 'helped 3 of 3 requesters (reputation 0.44'
contains "$T/out" "cloudmolty's best match for collaboration is tee-expertise-001"
contains "$T/out" '400 credits issued, 2 in fees to the mediator, 0 held; every movement balanced: yes'
[ "$(tail -3 "$T/out" | head -1)" = "" ] && sed -n '/^== Phase 3/,$p' "$T/out" | grep -q 'learned: ' ||
    fail "the demo does not end with Phase 3"
lacks "$T/out" 'NOT VERIFIED'
! grep -q "$(printf '\033')" "$T/out" || fail "escape sequences in piped output"
exit 0
