# Unix-tool behaviour: --help everywhere, clear one-line errors, documented exit codes,
# options after operands.
. "$(dirname "$0")/lib.sh"
expect_code 0 "$TEEMED" --help
contains "$T/out" "onboard"
for c in init onboard cards card verify request inbox approve result audit policy demo; do
    expect_code 0 "$TEEMED" $c --help
    contains "$T/out" "usage: teemed $c"
done
expect_code 2 "$TEEMED" frobnicate
contains "$T/err" "teemed: unknown command 'frobnicate'"
expect_code 6 "$TEEMED" cards
contains "$T/err" "not initialised"
expect_code 0 "$TEEMED" init
expect_code 2 "$TEEMED" onboard --id x "$T"
contains "$T/err" "--as OWNER and --id ID are required"
expect_code 3 "$TEEMED" onboard --as a --id x missing.jsonl
[ "$(cat "$T/err")" = "teemed: cannot read 'missing.jsonl': No such file or directory" ] ||
    fail "error line: $(cat "$T/err")"
expect_code 2 "$TEEMED" onboard --as a --id x --k 1 "$T"
contains "$T/err" "--k must be a number >= 2"
expect_code 2 "$TEEMED" onboard --as a --id 'bad id' "$T"
contains "$T/err" "invalid dataset id"
expect_code 4 "$TEEMED" card nosuch
[ "$(cat "$T/err")" = "teemed: no dataset 'nosuch'" ] || fail "error line: $(cat "$T/err")"
expect_code 2 "$TEEMED" cards --bogus
[ "$(wc -l < "$T/err")" = 1 ] || fail "error must be one line"
# --data after the command and after operands
mkdir -p "$T/l"
printf '{"type":"user","sessionId":"a","message":{"role":"user","content":"hi"}}\n' > "$T/l/a.jsonl"
expect_code 0 "$TEEMED" init --data "$T/d2"
expect_code 0 "$TEEMED" onboard "$T/l" --as a --id x --data "$T/d2"
expect_code 0 "$TEEMED" --data "$T/d2" card x --json
contains "$T/out" '"dataset_id":"x"'
expect_code 3 "$TEEMED" verify "$T/nonexistent.json"
contains "$T/err" "cannot read"
exit 0
