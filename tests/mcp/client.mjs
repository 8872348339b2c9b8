// client.mjs - the official MCP TypeScript SDK client against teemed's POST /v1/mcp:
// list the tools, then run the seed's overlap scenario as two agents (the requester and
// the owner who approves). Prints one JSON line of what it saw; exits 1 on a failure.
//   node client.mjs SDK_DIR URL REQUESTER_TOKEN OWNER_TOKEN
const [sdk, url, requesterToken, ownerToken] = process.argv.slice(2);
const { Client } = await import(`${sdk}/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js`);
const { StreamableHTTPClientTransport } =
  await import(`${sdk}/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js`);

async function connect(token) {
  const client = new Client({ name: "teemed-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/v1/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

const asker = await connect(requesterToken);
const owner = await connect(ownerToken);
const { tools } = await asker.listTools();
const names = tools.map((t) => t.name).sort();
for (const want of ["cards_list", "requests_create", "requests_result", "inbox_list", "requests_approve"])
  if (!names.includes(want)) fail(`no tool ${want} in ${names.join(",")}`);
const create = tools.find((t) => t.name === "requests_create");
if (create.inputSchema.type !== "object" || !create.inputSchema.properties.datasets) fail("requests_create has no input schema");

const cards = await asker.callTool({ name: "cards_list", arguments: { search: "attestation", limit: 5 } });
if (cards.isError || !Array.isArray(cards.structuredContent?.cards)) fail("cards_list");
const made = await asker.callTool({
  name: "requests_create",
  arguments: { computation: "overlap", datasets: ["gcp-tee-002", "tee-expertise-001"] },
});
if (made.isError) fail(`requests_create: ${made.content[0].text}`);
const id = made.structuredContent.request_id;
const inbox = await owner.callTool({ name: "inbox_list", arguments: {} });
if (!inbox.structuredContent.inbox.some((e) => e.request_id === id)) fail("the request is not in the owner's inbox");
const stranger = await asker.callTool({ name: "requests_approve", arguments: { id } });
if (!stranger.isError || !["conflict", "not_found"].includes(stranger.structuredContent.error.code))
  fail("the requester approved the owner's decision");
const approved = await owner.callTool({ name: "requests_approve", arguments: { id } });
if (approved.isError || approved.structuredContent.status !== "done") fail(`approve: ${approved.content[0].text}`);
const result = await asker.callTool({ name: "requests_result", arguments: { id } });
if (result.isError || !result.structuredContent.result?.overlap) fail("no overlap result");
const bad = await asker.callTool({ name: "requests_create", arguments: { computation: "sum", datasets: [] } });
if (!bad.isError) fail("a bad input was accepted");
console.log(JSON.stringify({
  tools: names.length,
  request_id: id,
  shared_topics: result.structuredContent.result.overlap.shared_topics,
  signed: !!result.structuredContent.attestation?.signature,
  envelope: result.content[0].text,
}));
await asker.close();
await owner.close();
