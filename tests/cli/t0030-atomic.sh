# Onboarding and computations are atomic whatever is killed when. Fault points
# ($TEEMED_FAULT) make the process SIGKILL itself at a named step, so each step is hit
# for certain (no timing). After each kill: either the whole dataset exists (card listed,
# profile unseals, sealed file in place once the next writer settles) or nothing of it
# does; a killed computation is taken up again by `teemed jobs run` and ends done once.
. "$(dirname "$0")/lib.sh"
python3 "$GEN" "$T/logs" --mb 3 --seed 7 > /dev/null || fail "generator"
init_with o p
sealed() { ls -A "$TEEMED_DATA/sealed" | grep -vc '^\.' ; }
tmp() { ls -A "$TEEMED_DATA/sealed" | grep -c '^\.' ; }
n=0
for point in onboard.after-seal onboard.before-commit onboard.after-commit; do
    n=$((n + 1))
    TEEMED_FAULT=$point "$TEEMED" --as o onboard --id ds$n --quiet "$T/logs" > /dev/null 2>&1
    [ $? = 137 ] || fail "$point: the fault point did not kill the process"
    expect_code 0 "$TEEMED" cards --json
    case $point in
    onboard.after-commit) # committed: the dataset exists; the next writer moves its file into place
        contains "$T/out" "\"dataset_id\":\"ds$n\""
        [ "$(tmp)" = 1 ] || fail "$point: expected the sealed file still under its temporary name"
        expect_code 0 "$TEEMED" --as p onboard --id other$n --quiet "$T/logs"
        [ "$(tmp)" = 0 ] || fail "$point: the next writer did not settle the sealed file"
        ;;
    *)
        lacks "$T/out" "\"dataset_id\":\"ds$n\""
        expect_code 4 "$TEEMED" card ds$n
        expect_code 0 "$TEEMED" --as p onboard --id other$n --quiet "$T/logs"   # a writer settles leftovers
        [ "$(tmp)" = 0 ] || fail "$point: a temporary sealed file was left behind"
        expect_code 0 "$TEEMED" --as o onboard --id ds$n --quiet "$T/logs"      # the same id works afterwards
        ;;
    esac
    # every listed dataset has exactly one sealed file
    expect_code 0 "$TEEMED" cards --json --limit 100
    listed=$(grep -o '"dataset_id":"[^"]*"' "$T/out" | wc -l)
    [ "$(sealed)" = "$listed" ] || fail "$point: $(sealed) sealed files for $listed datasets"
done
# the first dataset still answers a computation: its profile unseals
expect_code 0 "$TEEMED" --as p request overlap other1 ds1
R=$(jget "$T/out" "['request_id']")
expect_code 0 "$TEEMED" --as o approve "$R"
contains "$T/out" '"status":"done"'

# a computation killed after its claim, after computing, and before its commit: the
# request stays running until the lease expires; `jobs run` then finishes it once
for point in job.after-claim job.after-compute job.before-commit; do
    expect_code 0 "$TEEMED" --as p request overlap other1 ds1
    R=$(jget "$T/out" "['request_id']")
    TEEMED_FAULT=$point "$TEEMED" --as o approve "$R" > /dev/null 2>&1
    [ $? = 137 ] || fail "$point: the fault point did not kill the process"
    expect_code 0 "$TEEMED" --as p status "$R"
    contains "$T/out" '"status":"running"'
    expect_code 0 "$TEEMED" jobs run                       # the lease is still live: not taken
    contains "$T/out" '{"ran":[],"errors":[]}'
    # expire the lease (as 5 minutes passing would)
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE requests SET lease_ms=1 WHERE id=?',(sys.argv[2],)); c.commit()" "$TEEMED_DATA/teemed.db" "$R"
    expect_code 0 "$TEEMED" jobs run
    contains "$T/out" "\"ran\":[\"$R\"]"
    expect_code 0 "$TEEMED" --as p result "$R"
    contains "$T/out" '"jaccard_similarity"'
    expect_code 0 "$TEEMED" --as o audit ds1
    [ "$(grep -o "\"event\":\"run\",\"request\":\"$R\"" "$T/out" | wc -l)" = 1 ] || fail "$point: not exactly one run entry"
    contains "$T/out" '"chain_ok":true'
done

# the bench floor (teemed-dev x-floor) runs the same write path but leaves nothing behind
for depth in split parse; do
    expect_code 0 "$DEV" x-floor "$depth" "$T/logs"
    records=$(grep -o '^[0-9]*' "$T/out")
    [ "${records:-0}" -gt 1000 ] || fail "x-floor $depth read only '${records}' records"
    [ "$(tmp)" = 0 ] || fail "x-floor $depth left a temporary file"
done
expect_code 2 "$DEV" x-floor deep "$T/logs"
exit 0
