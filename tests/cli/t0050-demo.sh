# teemed demo: three cards, three collaborations, every attestation verified.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || fail "repo"
expect_code 0 "$TEEMED" demo examples
[ "$(grep -c '^attestation: verified' "$T/out")" = 3 ] || fail "expected three verified results"
[ "$(grep -c 'card attestation: verified' "$T/out")" = 3 ] || fail "expected three verified cards"
contains "$T/out" '"jaccard_similarity"'
contains "$T/out" '"missing_advanced"'
contains "$T/out" '"matching_patterns"'
contains "$T/out" 'hash chain: intact'
lacks "$T/out" 'NOT VERIFIED'
exit 0
