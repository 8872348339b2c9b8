# MCP: the official TypeScript SDK client (npm @modelcontextprotocol/sdk) lists the tools
# generated from the op table and runs the seed's overlap scenario as two agents; the
# result it reads is the signed envelope, which verifies offline. Origins are checked.
. "$(dirname "$0")/lib.sh"
command -v node > /dev/null && command -v npm > /dev/null || skip "needs node and npm (for the MCP SDK client)"
SDK="$REPO/build/npm-mcp"
if [ ! -d "$SDK/node_modules/@modelcontextprotocol/sdk" ]; then
    mkdir -p "$SDK"
    echo '{"name":"teemed-mcp-test","private":true,"type":"module"}' > "$SDK/package.json"
    (cd "$SDK" && timeout 300 npm install --silent --no-audit --no-fund @modelcontextprotocol/sdk@1.32.2) > /dev/null 2>&1 ||
        skip "cannot install @modelcontextprotocol/sdk from the npm registry"
fi
EX="$REPO/examples"
expect_code 0 "$TEEMED" init --json
for a in amiller cloudmolty; do
    expect_code 0 "$TEEMED" account create "$a" --json
    eval "TOK_$a=\$(jget \"\$T/out\" \"['token']\")"
done
start_server
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_amiller" --allow-simulated --quiet --id tee-expertise-001 "$EX/tee-expert"
expect_code 0 "$TEEMED" push --server "$URL" --token "$TOK_cloudmolty" --allow-simulated --quiet --id gcp-tee-002 "$EX/gcp-tee"
node "$REPO/tests/mcp/client.mjs" "$SDK" "$URL" "$TOK_cloudmolty" "$TOK_amiller" > "$T/mcp.json" 2> "$T/mcp.err" ||
    { cat "$T/mcp.err"; fail "the MCP client failed"; }
contains "$T/mcp.json" '"signed":true'
python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['envelope']; open(sys.argv[2],'w').write(e)" "$T/mcp.json" "$T/env.json"
expect_code 0 "$TEEMED" verify --allow-simulated "$T/env.json"
# a foreign browser Origin is refused; a notification is accepted without a body; GET is 405
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Origin: https://evil.example' -H "Authorization: Bearer $TOK_amiller" \
       -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' "$URL/v1/mcp")
[ "$code" = 403 ] || fail "a foreign Origin got $code"
code=$(curl -s -o "$T/n" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
       -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$URL/v1/mcp")
[ "$code" = 202 ] && [ ! -s "$T/n" ] || fail "a notification got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/mcp")
[ "$code" = 405 ] || fail "GET /v1/mcp got $code"
curl -s -X POST -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":7,"method":"nope"}' "$URL/v1/mcp" > "$T/e"
contains "$T/e" '"code":-32601'
curl -s -X POST -H 'Content-Type: application/json' -d '[1,2' "$URL/v1/mcp" > "$T/e"
contains "$T/e" '"code":-32700'
stop_server
exit 0
