# The privacy catalogue: 70 secret and identity formats planted in a synthetic corpus
# never come out of any output (cards, overlap, gap, debug, inbox, audit, review mode,
# requests, policy) nor the data dir outside sealed files, in one big dataset and in
# isolated groups; a guessed word's presence in fewer than k sessions does not change a
# debug result (tests/privacy/catalogue.py says how).
. "$(dirname "$0")/lib.sh"
python3 "$REPO/tests/privacy/catalogue.py" --teemed "$TEEMED" --work "$T/privacy" > "$T/privacy.log" 2>&1 ||
    { cat "$T/privacy.log" >&2; fail "planted private data came out (or the catalogue test could not run)"; }
contains "$T/privacy.log" ", 0 leaks in "
cat "$T/privacy.log"
exit 0
