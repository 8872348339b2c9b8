/* mcp.c - POST /v1/mcp: the Model Context Protocol over the streamable HTTP transport
 * (one JSON-RPC message per POST, JSON answers). initialize, ping, tools/list (the op
 * table, generated) and tools/call (one op as the caller whose token came with the
 * POST: structuredContent is the op's output; an op's error is a tool error). */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONRPC_PARSE (-32700)
#define JSONRPC_INVALID (-32600)
#define JSONRPC_METHOD (-32601)
#define JSONRPC_PARAMS (-32602)

static const char *const versions[] = {"2025-06-18", "2025-03-26", "2024-11-05", "2025-11-25"};

static void reply(struct answer *a, cJSON *id, cJSON *result, int code, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "jsonrpc", "2.0");
    cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    if (result) {
        cJSON_AddItemToObject(o, "result", result);
    } else {
        cJSON *e = cJSON_AddObjectToObject(o, "error");
        cJSON_AddNumberToObject(e, "code", code);
        cJSON_AddStringToObject(e, "message", msg);
    }
    srv_json(a, 200, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
}

static cJSON *initialize(const cJSON *params)
{
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
    const char *v = versions[0];
    for (size_t i = 0; cJSON_IsString(want) && i < sizeof versions / sizeof *versions; i++)
        if (!strcmp(want->valuestring, versions[i]))
            v = versions[i];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "protocolVersion", v);
    cJSON *caps = cJSON_AddObjectToObject(r, "capabilities");
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"), "listChanged", 0);
    cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
    cJSON_AddStringToObject(info, "name", "teemed");
    cJSON_AddStringToObject(info, "version", TM_VERSION);
    cJSON_AddStringToObject(r, "instructions",
                            "teemed mediates private datasets inside a TEE. Discover datasets with cards_list, ask for "
                            "computations with requests_create (overlap, gap, debug), follow them with requests_get and "
                            "read signed results with requests_result. Owners decide in inbox_list with "
                            "requests_approve / requests_reject. Verify results offline with 'teemed verify'.");
    return r;
}

/* tools/call: the tool is an op (dots written as underscores). */
static cJSON *call_tool(struct tm_svc *svc, const char *token, const cJSON *params, int *code, const char **msg)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    if (!cJSON_IsString(name) || (args && !cJSON_IsObject(args))) {
        *code = JSONRPC_PARAMS;
        *msg = "tools/call needs a tool name and an arguments object";
        return NULL;
    }
    char op[64];
    snprintf(op, sizeof op, "%s", name->valuestring);
    for (char *p = op; *p; p++)
        if (*p == '_')
            *p = '.';
    const struct tm_op_info *info = tm_svc_op(op);
    if (!info || !info->method || info->stream || info->local_only || info->offline) {
        *code = JSONRPC_PARAMS;
        *msg = "no such tool";
        return NULL;
    }
    char *in = args ? cJSON_PrintUnformatted(args) : NULL, *out = NULL;
    struct tm_ctx ctx = {token, 0, 0, NULL, NULL, NULL};
    struct tm_diag d = {{0}};
    enum tm_rc rc = tm_svc_call(svc, &ctx, op, in, &out, &d);
    free(in);
    cJSON *r = cJSON_CreateObject(), *content = cJSON_AddArrayToObject(r, "content");
    cJSON *text = cJSON_CreateObject();
    cJSON_AddStringToObject(text, "type", "text");
    if (rc) {
        char buf[700];
        snprintf(buf, sizeof buf, "%s: %s", tm_rc_name(rc), d.msg);
        cJSON_AddStringToObject(text, "text", buf);
        cJSON *s = cJSON_AddObjectToObject(r, "structuredContent");
        cJSON *e = cJSON_AddObjectToObject(s, "error");
        cJSON_AddStringToObject(e, "code", tm_rc_name(rc));
        cJSON_AddStringToObject(e, "message", d.msg);
        cJSON_AddBoolToObject(r, "isError", 1);
    } else {
        cJSON_AddStringToObject(text, "text", out);
        cJSON *s = cJSON_Parse(out);
        if (cJSON_IsObject(s))
            cJSON_AddItemToObject(r, "structuredContent", s);
        else
            cJSON_Delete(s);
        cJSON_AddBoolToObject(r, "isError", 0);
    }
    cJSON_AddItemToArray(content, text);
    free(out);
    return r;
}

void srv_mcp(struct tm_svc *svc, const char *token, const char *body, size_t len, struct answer *a)
{
    cJSON *m = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(m)) {
        reply(a, NULL, NULL, JSONRPC_PARSE, cJSON_IsArray(m) ? "batches are not supported" : "not a JSON-RPC message");
        cJSON_Delete(m);
        return;
    }
    const cJSON *jr = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
    cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    if (!cJSON_IsString(jr) || strcmp(jr->valuestring, "2.0")) {
        reply(a, id, NULL, JSONRPC_INVALID, "jsonrpc must be \"2.0\"");
    } else if (!method) { /* a response to something we never ask */
        a->status = 202;
        a->no_body = 1;
    } else if (!cJSON_IsString(method)) {
        reply(a, id, NULL, JSONRPC_INVALID, "method must be a string");
    } else if (!id) { /* a notification (notifications/initialized, cancelled): accepted */
        a->status = 202;
        a->no_body = 1;
    } else if (!strcmp(method->valuestring, "initialize")) {
        reply(a, id, initialize(params), 0, NULL);
    } else if (!strcmp(method->valuestring, "ping")) {
        reply(a, id, cJSON_CreateObject(), 0, NULL);
    } else if (!strcmp(method->valuestring, "tools/list")) {
        reply(a, id, srv_mcp_tools(), 0, NULL);
    } else if (!strcmp(method->valuestring, "tools/call")) {
        int code = 0;
        const char *msg = NULL;
        cJSON *r = call_tool(svc, token, params, &code, &msg);
        reply(a, id, r, code, msg);
    } else {
        reply(a, id, NULL, JSONRPC_METHOD, "method not found");
    }
    cJSON_Delete(m);
}
