# Planted canaries never surface: not in the card, stdout, stderr, nor anywhere in
# the data dir in plaintext (profiles and raw records are sealed).
. "$(dirname "$0")/lib.sh"
P="$T/logs/-Users-zqxuser-work-zebracornsecret"
mkdir -p "$P"
KEY="sk-ant-api03-QzXkq81LmWv2pR7sT9uY4bN6cJ0dE3fG5hKaZ"
for s in 1 2 3 4 5; do
    f="$P/sess$s.jsonl"
    cwd="/Users/zqxuser/work/zebracornsecret"
    rec() { # rec TYPE CONTENT-JSON
        printf '{"type":"%s","sessionId":"sess%s","cwd":"%s","gitBranch":"zqxuser/fix-zebracornsecret","timestamp":"2026-02-0%sT09:00:00.000Z","uuid":"u","message":%s}\n' \
            "$1" "$s" "$cwd" "$s" "$2" >> "$f"
    }
    rec user '{"role":"user","content":"In zebracornsecret the attestation quote fails; my key is '"$KEY"' and mail me at kim.lee@qqxmaildomain.com"}'
    rec assistant '{"role":"assistant","content":[{"type":"text","text":"Checking the zebracornsecret repo at /Users/zqxuser/work/zebracornsecret/src/main.rs for the attestation quote."}]}'
    rec assistant '{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"git log -1","description":"Show last commit"}}]}'
    rec user '{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"commit 3f9a2b7c1d\\nAuthor: Zqxauthor Personname <zqx.person@qqxmaildomain.com>\\nCo-Authored-By: Qqxcoauthor Other <other@qqxmaildomain.com>\\n\\n    fix attestation quote parsing\\n-----BEGIN PRIVATE KEY-----\\nMIIEZQXPEMCANARYvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\nserver at build-zqx.corp.qqxmaildomain.com 10.1.2.3"}]}'
    rec assistant '{"role":"assistant","content":[{"type":"text","text":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ6cXgifQ.c2lnbmF0dXJlLXp4cQ and AKIAZQX7QWERTY123456 and ghp_ZQXabcdefghijklmnopqrstuvwxyz0123456"}]}'
    # a debugging episode whose error and fix name the confidential things
    rec assistant '{"role":"assistant","content":[{"type":"tool_use","id":"t2","name":"Bash","input":{"command":"make verify","description":"Verify the attestation quote"}}]}'
    rec user '{"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","is_error":true,"content":"Exit code 1\nError: attestation quote verification failed for zebracornsecret at /Users/zqxuser/work/zebracornsecret (kim.lee@qqxmaildomain.com)"}]}'
    rec assistant '{"role":"assistant","content":[{"type":"text","text":"Let me check the zebracornsecret quote parser owned by Zqxauthor."}]}'
    rec assistant '{"role":"assistant","content":[{"type":"tool_use","id":"t3","name":"Edit","input":{"file_path":"/Users/zqxuser/work/zebracornsecret/q.rs","old_string":"a","new_string":"b"}}]}'
    rec assistant '{"role":"assistant","content":[{"type":"tool_use","id":"t4","name":"Bash","input":{"command":"make verify","description":"Verify again"}}]}'
    rec user '{"role":"user","content":[{"type":"tool_result","tool_use_id":"t4","content":"ok"}]}'
    rec assistant '{"role":"assistant","content":[{"type":"text","text":"Fixed the zebracornsecret quote offset; verification passes."}]}'
done
# one word repeated 40 times in one session only
w=""; for i in $(seq 40); do w="$w qqxrepeatword"; done
printf '{"type":"user","sessionId":"sess1","cwd":"/Users/zqxuser/work/zebracornsecret","timestamp":"2026-02-01T10:00:00.000Z","message":{"role":"user","content":"%s"}}\n' "$w" >> "$P/sess1.jsonl"
# a malformed line, so that stderr carries a warning too
printf '{"type":"user","truncated\n' >> "$P/sess2.jsonl"

init_with owner1 other
"$TEEMED" onboard --as owner1 --id canary "$T/logs" >"$T/card.json" 2>"$T/stderr"
[ $? = 0 ] || { cat "$T/stderr"; fail "onboard failed"; }
contains "$T/stderr" "sess2.jsonl:"       # the warning names file and line ...
contains "$T/stderr" "malformed JSON"
contains "$T/card.json" '"attestation"'    # ... the card is there
contains "$T/card.json" '"quote"'
"$TEEMED" card canary > "$T/card-text.txt" 2>&1
# every computation and every owner-facing output, with the canary dataset in it
EX="$(cd "$(dirname "$0")/../.." && pwd)/examples"
"$TEEMED" onboard --as other --id expert "$EX/tee-expert" > /dev/null 2>&1 || fail "onboard expert"
all="$T/all-outputs.txt"
run() { "$TEEMED" "$@" >> "$all" 2>&1; }
rid() { python3 -c "import json,sys; print(json.load(sys.stdin)['request_id'])"; }
R1=$("$TEEMED" request overlap canary expert --as other | tee -a "$all" | rid)
R2=$("$TEEMED" request gap --target canary --mine expert --as other | tee -a "$all" | rid)
R3=$("$TEEMED" request debug --target canary "attestation quote verification failed" --as other | tee -a "$all" | rid)
run inbox --as owner1
for r in $R1 $R2 $R3; do run approve "$r" --as owner1; run result "$r" --as other; run result "$r" --as owner1; done
run audit canary --as owner1
run inbox --as owner1
grep -q '"matching_patterns":\[{' "$all" || fail "the debug pattern did not come out (test is vacuous)"
grep -q '"shared_topics"' "$all" || fail "overlap did not run"
"$TEEMED" cards --json > "$T/cards.json" 2>&1
"$DEV" x-terms "$T/logs" > "$T/xterms.txt" 2>/dev/null  # developer view of raw terms
for canary in zqxuser zebracornsecret qqxmaildomain kim.lee Zqxauthor Personname Qqxcoauthor \
              QzXkq81LmWv2pR7sT9uY4bN6cJ0dE3fG5hKaZ ZQXPEMCANARY qqxrepeatword AKIAZQX7 \
              ghp_ZQX eyJhbGciOiJIUzI1NiJ9 10.1.2.3 build-zqx 3f9a2b7c1d; do
    for f in "$T/card.json" "$T/stderr" "$T/card-text.txt" "$T/cards.json" "$all"; do
        lacks "$f" "$canary"
    done
    ! grep -rqaiF -- "$canary" "$T/data" || fail "'$canary' in plaintext in the data dir"
    ! grep -rqaiF -- "$canary" "$T/cfg" || fail "'$canary' in the token files"
done
# the canaries were really in the input, and the analyser saw the project name and
# the repeated word before the filters withheld them
grep -qF zebracornsecret "$P/sess1.jsonl" || fail "fixture lost its canary"
grep -q "^zebracornsecret .* --D" "$T/xterms.txt" || grep -q "^zebracornsecret .*D" "$T/xterms.txt" ||
    fail "project name not marked as an identity word"
exit 0
