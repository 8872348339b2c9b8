# Unix-tool behaviour: --help everywhere, clear one-line errors, documented exit codes,
# options after operands.
. "$(dirname "$0")/lib.sh"
expect_code 0 "$TEEMED" --help
contains "$T/out" "onboard"
for c in init account whoami onboard cards card withdraw verify request requests status result cancel inbox approve \
         reject audit policy jobs attest quote demo; do
    expect_code 0 "$TEEMED" $c --help
    contains "$T/out" "teemed $c"
done
expect_code 2 "$TEEMED" frobnicate
contains "$T/err" "teemed: unknown command 'frobnicate'"
expect_code 6 "$TEEMED" cards
contains "$T/err" "not initialised"
init_with a
expect_code 2 "$TEEMED" onboard --as a "$T"
contains "$T/err" "--id ID is required"
expect_code 3 "$TEEMED" onboard --as a --id x missing.jsonl
[ "$(cat "$T/err")" = "teemed: cannot read 'missing.jsonl': No such file or directory" ] ||
    fail "error line: $(cat "$T/err")"
expect_code 2 "$TEEMED" onboard --as a --id x --k 1 "$T"
contains "$T/err" "--k must be a whole number from 2"
expect_code 2 "$TEEMED" onboard --as a --id 'bad id' "$T"
contains "$T/err" "id: not a valid name"
expect_code 4 "$TEEMED" card nosuch
[ "$(cat "$T/err")" = "teemed: no dataset 'nosuch'" ] || fail "error line: $(cat "$T/err")"
expect_code 2 "$TEEMED" cards --bogus
[ "$(wc -l < "$T/err")" = 1 ] || fail "error must be one line"
# --data after the command and after operands
mkdir -p "$T/l"
printf '{"type":"user","sessionId":"a","message":{"role":"user","content":"hi"}}\n' > "$T/l/a.jsonl"
expect_code 0 "$TEEMED" init --data "$T/d2"
expect_code 0 "$TEEMED" account create b --data "$T/d2" --save
expect_code 0 "$TEEMED" onboard "$T/l" --as b --id x --data "$T/d2"
expect_code 0 "$TEEMED" --data "$T/d2" card x --json
contains "$T/out" '"dataset_id":"x"'
expect_code 3 "$TEEMED" verify "$T/nonexistent.json"
contains "$T/err" "cannot read"
# a Claude Code project folder starts with '-': the error says how to pass it
mkdir -p "$T/w/-home-dev-p" && cp "$T/l/a.jsonl" "$T/w/-home-dev-p/"
(cd "$T/w" && "$TEEMED" onboard --as b --id y --data "$T/d2" -home-dev-p) >"$T/out" 2>"$T/err" && fail "accepted"
contains "$T/err" "starts with '-'"
(cd "$T/w" && "$TEEMED" onboard --as b --id y --data "$T/d2" -- -home-dev-p) >"$T/out" 2>"$T/err" ||
    fail "'--' then the folder: $(cat "$T/err")"
# errors of different kinds exit differently: usage 2, input 3, not found 4, auth 8
expect_code 8 "$TEEMED" --token nonsense whoami
expect_code 0 "$TEEMED" --as a whoami --json
contains "$T/out" '"name":"a"'
expect_code 2 "$TEEMED" --as nobody whoami
contains "$T/err" "no token saved for 'nobody'"
# a token file readable by others is refused
printf 'tmd_x\n' > "$T/tok" && chmod 644 "$T/tok"
expect_code 2 "$TEEMED" --token-file "$T/tok" whoami
contains "$T/err" "chmod 600"
# control characters in user-supplied strings are refused (a forged line on someone
# else's terminal); what the mediator prints as text escapes them anyway
expect_code 2 "$TEEMED" onboard --as b --id z --data "$T/d2" --title "$(printf 'x\033[2Kverified: hardware-backed')" "$T/l"
contains "$T/err" "title: control characters are not allowed"
for t in "$(printf 'x\302\233 2Kforged')" "$(printf 'x\342\200\256 desrever')" "$(printf 'x\342\201\246 iso')"; do
    expect_code 2 "$TEEMED" onboard --as b --id z --data "$T/d2" --title "$t" "$T/l"   # C1 CSI, RLO, LRI
    contains "$T/err" "title: control characters are not allowed"
done
# a document's own strings (kind, dates, signer) reach the terminal escaped too
expect_code 0 "$TEEMED" card x --json --data "$T/d2"
python3 - "$T/out" "$T/forged.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["attestation"]["kind"] = "\r\x1b[2Kok \u009b2K"
d["volume"]["first"] = "\x1b]0;pwned\x07"
json.dump(d, open(sys.argv[2], "w"))
PY
expect_code 1 "$TEEMED" verify --text --allow-simulated "$T/forged.json"
! grep -q "$(printf '\033')" "$T/out" || fail "an escape from the document reached the terminal"
! grep -q "$(printf '\302\233')" "$T/out" || fail "a C1 control from the document reached the terminal"
contains "$T/out" 'NOT VERIFIED: \x0d\x1b[2Kok \u009b2K'
# no ANSI escapes when stdout is not a terminal, even in text mode
expect_code 0 "$TEEMED" card x --text --data "$T/d2"
! grep -q "$(printf '\033')" "$T/out" || fail "escape sequences in piped output"
exit 0
