/* openapi.c - the OpenAPI 3.1 document and the MCP tool list, both generated from the
 * op table (tm_svc_api): routes, parameters, bodies and schemas come from one place. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rewrite "#/$defs/x" references (the table's) into where the document keeps them. */
static void rewrite_refs(cJSON *v, const char *prefix)
{
    if (cJSON_IsObject(v)) {
        cJSON *ref = cJSON_GetObjectItemCaseSensitive(v, "$ref");
        if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "#/$defs/", 8)) {
            size_t n = strlen(prefix) + strlen(ref->valuestring) + 1;
            char *s = malloc(n);
            snprintf(s, n, "%s%s", prefix, ref->valuestring + 8);
            cJSON_SetValuestring(ref, s);
            free(s);
        }
    }
    cJSON *c;
    cJSON_ArrayForEach(c, v)
        rewrite_refs(c, prefix);
}

static cJSON *error_response(void)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "description", "an error: {\"error\": {\"code\", \"message\"}} (docs/cli.md has the codes)");
    cJSON *schema = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "content"),
                                                                    "application/json"), "schema");
    cJSON_AddStringToObject(schema, "$ref", "#/components/schemas/error");
    return r;
}

char *srv_openapi(void)
{
    const struct tm_op_info *ops;
    size_t n = tm_svc_ops(&ops);
    cJSON *api = cJSON_Parse(tm_svc_api());
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "openapi", "3.1.0");
    cJSON *info = cJSON_AddObjectToObject(doc, "info");
    cJSON_AddStringToObject(info, "title", "teemed");
    cJSON_AddStringToObject(info, "version", TM_VERSION);
    cJSON_AddStringToObject(info, "description",
                            "A TEE mediator for private datasets. Every route is one operation of the op table; "
                            "errors are {\"error\": {\"code\", \"message\"}}. Authenticate with "
                            "'Authorization: Bearer TOKEN'.");
    cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
    for (size_t i = 0; i < n; i++) {
        const struct tm_op_info *o = &ops[i];
        if (!o->method || !o->path)
            continue;
        cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, o->path);
        if (!item)
            item = cJSON_AddObjectToObject(paths, o->path);
        char method[16];
        size_t k = 0;
        for (; o->method[k] && k < sizeof method - 1; k++)
            method[k] = (char)(o->method[k] | 32);
        method[k] = 0;
        cJSON *op = cJSON_AddObjectToObject(item, method);
        cJSON_AddStringToObject(op, "operationId", o->name);
        cJSON_AddStringToObject(op, "summary", o->summary);
        cJSON_AddStringToObject(op, "description", o->access);
        if (strcmp(o->auth, "anyone")) {
            cJSON *sec = cJSON_AddArrayToObject(op, "security"), *req = cJSON_CreateObject();
            cJSON_AddItemToObject(req, "bearer", cJSON_CreateArray());
            cJSON_AddItemToArray(sec, req);
        }
        cJSON *in = cJSON_Parse(o->input_schema);
        rewrite_refs(in, "#/components/schemas/");
        cJSON *props = cJSON_GetObjectItemCaseSensitive(in, "properties");
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(in, "required");
        cJSON *params = cJSON_AddArrayToObject(op, "parameters");
        int query = !strcmp(o->method, "GET") || !strcmp(o->method, "DELETE") || o->stream;
        cJSON *p = props ? props->child : NULL;
        while (p) {
            cJSON *next = p->next;
            char brace[80];
            snprintf(brace, sizeof brace, "{%s}", p->string);
            int in_path = strstr(o->path, brace) != NULL;
            if (in_path || query) {
                cJSON *x = cJSON_CreateObject();
                cJSON_AddStringToObject(x, "name", p->string);
                cJSON_AddStringToObject(x, "in", in_path ? "path" : "query");
                int required = in_path;
                const cJSON *r;
                cJSON_ArrayForEach(r, req) required |= !strcmp(r->valuestring, p->string);
                cJSON_AddBoolToObject(x, "required", required);
                cJSON_AddItemToObject(x, "schema", cJSON_DetachItemViaPointer(props, p));
                cJSON_AddItemToArray(params, x);
            }
            p = next;
        }
        if (o->stream) {
            cJSON *body = cJSON_AddObjectToObject(op, "requestBody");
            cJSON_AddBoolToObject(body, "required", 1);
            cJSON_AddStringToObject(body, "description", "the files, encrypted to the attested mediator (docs/api.md)");
            cJSON *schema = cJSON_AddObjectToObject(
                cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "content"), "application/x-teemed-upload"), "schema");
            cJSON_AddStringToObject(schema, "type", "string");
            cJSON_AddStringToObject(schema, "format", "binary");
        } else if (!query) {
            cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(in, "required"), *r2 = cJSON_CreateArray();
            const cJSON *r;
            cJSON_ArrayForEach(r, old)
                if (cJSON_GetObjectItemCaseSensitive(props, r->valuestring))
                    cJSON_AddItemToArray(r2, cJSON_CreateString(r->valuestring));
            cJSON_Delete(old);
            cJSON_AddItemToObject(in, "required", r2);
            cJSON *body = cJSON_AddObjectToObject(op, "requestBody");
            cJSON_AddBoolToObject(body, "required", cJSON_GetArraySize(r2) > 0);
            cJSON *media = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "content"), "application/json");
            cJSON_AddItemToObject(media, "schema", in);
            in = NULL;
        }
        cJSON_Delete(in);
        cJSON *resp = cJSON_AddObjectToObject(op, "responses");
        cJSON *ok = cJSON_AddObjectToObject(resp, !strcmp(o->name, "requests.create") ||
                                                          !strcmp(o->name, "accounts.create") || o->stream
                                                      ? "201" : "200");
        cJSON_AddStringToObject(ok, "description", o->summary);
        cJSON *out = cJSON_Parse(o->output_schema);
        rewrite_refs(out, "#/components/schemas/");
        cJSON *media = cJSON_AddObjectToObject(cJSON_AddObjectToObject(ok, "content"), "application/json");
        cJSON_AddItemToObject(media, "schema", out);
        cJSON_AddItemToObject(resp, "default", error_response());
    }
    cJSON *comp = cJSON_AddObjectToObject(doc, "components");
    cJSON *schemas = cJSON_DetachItemFromObjectCaseSensitive(api, "$defs");
    rewrite_refs(schemas, "#/components/schemas/");
    cJSON *err = cJSON_Parse("{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{\"error\":{\"type\":\"object\","
                             "\"required\":[\"code\",\"message\"],\"properties\":{\"code\":{\"type\":\"string\"},"
                             "\"message\":{\"type\":\"string\"}}},\"report\":{\"type\":\"object\"}}}");
    cJSON_AddItemToObject(schemas, "error", err);
    cJSON_AddItemToObject(comp, "schemas", schemas);
    cJSON *bearer = cJSON_AddObjectToObject(cJSON_AddObjectToObject(comp, "securitySchemes"), "bearer");
    cJSON_AddStringToObject(bearer, "type", "http");
    cJSON_AddStringToObject(bearer, "scheme", "bearer");
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    cJSON_Delete(api);
    return text;
}

/* A schema with every "#/$defs/x" reference replaced by a copy of its definition, for
 * clients that resolve no references (MCP tool input schemas). */
static cJSON *inline_refs(const cJSON *v, const cJSON *defs, int depth)
{
    if (cJSON_IsObject(v)) {
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(v, "$ref");
        if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "#/$defs/", 8) && depth < 16)
            return inline_refs(cJSON_GetObjectItemCaseSensitive(defs, ref->valuestring + 8), defs, depth + 1);
        cJSON *o = cJSON_CreateObject();
        const cJSON *c;
        cJSON_ArrayForEach(c, v)
            if (strcmp(c->string, "format")) /* our formats are ours; clients may refuse unknown ones */
                cJSON_AddItemToObject(o, c->string, inline_refs(c, defs, depth + 1));
        return o;
    }
    if (cJSON_IsArray(v)) {
        cJSON *a = cJSON_CreateArray();
        const cJSON *c;
        cJSON_ArrayForEach(c, v)
            cJSON_AddItemToArray(a, inline_refs(c, defs, depth + 1));
        return a;
    }
    return cJSON_Duplicate(v, 1);
}

cJSON *srv_mcp_tools(void)
{
    const struct tm_op_info *ops;
    size_t n = tm_svc_ops(&ops);
    cJSON *api = cJSON_Parse(tm_svc_api());
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(api, "$defs");
    cJSON *tools = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const struct tm_op_info *o = &ops[i];
        if (!o->method || o->stream || o->local_only || o->offline)
            continue; /* what an agent can do over the network, with JSON in and out */
        cJSON *t = cJSON_CreateObject();
        char name[64];
        snprintf(name, sizeof name, "%s", o->name);
        for (char *p = name; *p; p++)
            if (*p == '.')
                *p = '_';
        cJSON_AddStringToObject(t, "name", name);
        char desc[600];
        snprintf(desc, sizeof desc, "%s (who: %s)", o->summary, o->access);
        cJSON_AddStringToObject(t, "description", desc);
        cJSON *in = cJSON_Parse(o->input_schema);
        cJSON_AddItemToObject(t, "inputSchema", inline_refs(in, defs, 0));
        cJSON_Delete(in);
        cJSON *ann = cJSON_AddObjectToObject(t, "annotations");
        cJSON_AddBoolToObject(ann, "readOnlyHint", !o->writes);
        cJSON_AddItemToArray(tools, t);
    }
    cJSON_Delete(api);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "tools", tools);
    return o;
}
