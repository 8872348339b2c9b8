# docs/api.md: every op of the table has a section with a runnable example (or is named
# as not a route), every route is in the OpenAPI document, and every example runs, in
# order, against a live server (curl -f: any HTTP error fails it).
. "$(dirname "$0")/lib.sh"
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
OPERATOR=$(jget "$T/out" "['operator_token']")
for a in alice bob newbie; do
    expect_code 0 "$TEEMED" account create "$a" --json
    eval "$(echo "$a" | tr a-z A-Z)=\$(jget \"\$T/out\" \"['token']\")"
done
start_server
expect_code 0 "$TEEMED" push --server "$URL" --token "$ALICE" --allow-simulated --quiet --id tee-expertise-001 "$EX/tee-expert"
expect_code 0 "$TEEMED" push --server "$URL" --token "$BOB" --allow-simulated --quiet --id gcp-tee-002 "$EX/gcp-tee"
expect_code 0 "$TEEMED" push --server "$URL" --token "$NEWBIE" --allow-simulated --quiet --id tee-learning-003 "$EX/tee-beginner"
curl -sf "$URL/v1/openapi.json" > "$T/openapi.json" || fail "openapi"
python3 - "$REPO/data/api/ops.json" "$REPO/docs/api.md" "$T/openapi.json" "$T/examples.sh" <<'PY' || exit 1
import json, re, sys
ops = json.load(open(sys.argv[1]))["ops"]
doc = open(sys.argv[2]).read()
api = json.load(open(sys.argv[3]))
sections = re.split(r"^### ", doc, flags=re.M)
blocks, seen = [], set()
for s in sections[1:]:
    name = s.split("\n", 1)[0].strip()
    code = re.findall(r"```sh\n(.*?)```", s, flags=re.S)
    if not code:
        sys.exit(f"docs/api.md: section '{name}' has no example")
    seen.add(name)
    blocks.append(f"echo '== {name}' >&2\n" + "".join(code))
bad = []
for op in ops:
    n = op["name"]
    http = op.get("http")
    if http:
        if n not in seen:
            bad.append(f"{n}: no example in docs/api.md")
        m = api["paths"].get(http["path"], {}).get(http["method"].lower())
        if not m or m.get("operationId") != n:
            bad.append(f"{n}: {http['method']} {http['path']} missing from the OpenAPI document")
        if not op.get("input") or not op.get("output"):
            bad.append(f"{n}: no schema")
    elif n not in doc.split("## Not routes", 1)[-1]:
        bad.append(f"{n}: neither a route nor listed under 'Not routes'")
if bad:
    sys.exit("\n".join(bad))
open(sys.argv[4], "w").write("set -eu\ncurl() { command curl -f \"$@\"; }\n" + "\n".join(blocks))
print(len(blocks), "examples")
PY
mkdir -p "$T/work"
(cd "$T/work" && cp -r "$EX" examples && PATH="$(dirname "$TEEMED"):$PATH" TEEMED="$URL" OPERATOR="$OPERATOR" \
    ALICE="$ALICE" BOB="$BOB" NEWBIE="$NEWBIE" sh "$T/examples.sh") > "$T/run.out" 2> "$T/run.err" ||
    { tail -5 "$T/run.err"; fail "an example of docs/api.md failed"; }
# the examples did what they say
contains "$T/work/result.json" '"jaccard_similarity"'
grep -q '"status":"rejected"' "$T/run.out" || fail "reject example"
grep -q '"status":"cancelled"' "$T/run.out" || fail "cancel example"
grep -q '"tools":\[' "$T/run.out" || fail "mcp example"
stop_server
exit 0
