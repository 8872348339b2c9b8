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
contains "$T/out" 'hash chain: intact'
lacks "$T/out" 'NOT VERIFIED'
! grep -q "$(printf '\033')" "$T/out" || fail "escape sequences in piped output"
exit 0
