/* schema.c - the JSON Schema subset (see schema.h). */
#include "svc/schema.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEPTH_MAX 32

struct ctx {
    const cJSON *root;
    struct tm_diag *d;
    char path[256];
};

static enum tm_rc bad(struct ctx *c, const char *fmt, const char *a)
{
    char msg[200];
    snprintf(msg, sizeof msg, fmt, a);
    return tm_fail(c->d, TM_EINVAL, "%s%s%s", c->path[0] ? c->path : "", c->path[0] ? ": " : "", msg);
}

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static int is_type(const cJSON *v, const char *t)
{
    if (!strcmp(t, "object"))
        return cJSON_IsObject(v);
    if (!strcmp(t, "array"))
        return cJSON_IsArray(v);
    if (!strcmp(t, "string"))
        return cJSON_IsString(v);
    if (!strcmp(t, "boolean"))
        return cJSON_IsBool(v);
    if (!strcmp(t, "null"))
        return cJSON_IsNull(v);
    if (!strcmp(t, "number"))
        return cJSON_IsNumber(v) && isfinite(v->valuedouble);
    if (!strcmp(t, "integer"))
        return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble) &&
               fabs(v->valuedouble) <= 9007199254740992.0;
    return 0;
}

static int type_ok(const cJSON *v, const cJSON *type, char *want, size_t wn)
{
    if (!type)
        return 1;
    if (cJSON_IsString(type)) {
        snprintf(want, wn, "%s", type->valuestring);
        return is_type(v, type->valuestring);
    }
    const cJSON *t;
    want[0] = 0;
    cJSON_ArrayForEach(t, type)
    {
        if (cJSON_IsString(t) && is_type(v, t->valuestring))
            return 1;
        if (cJSON_IsString(t))
            snprintf(want + strlen(want), wn - strlen(want), "%s%s", want[0] ? " or " : "", t->valuestring);
    }
    return 0;
}

static int format_ok(const char *f, const char *s)
{
    if (!strcmp(f, "name"))
        return tm_valid_name(s);
    if (!strcmp(f, "request_id")) {
        size_t n = strlen(s);
        if (n == 0 || n > 39)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                return 0;
        return 1;
    }
    if (!strcmp(f, "line") || !strcmp(f, "text")) { /* no control characters (text: but \n and \t) */
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
            if ((*p < 32 || *p == 127) && !(f[0] == 't' && (*p == '\n' || *p == '\t')))
                return 0;
            if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) /* C1 controls, U+0080..U+009F */
                return 0;
            if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE)))
                return 0; /* bidirectional marks and overrides U+200E/F, U+202A..E */
            if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
                return 0; /* bidirectional isolates U+2066..9 */
        }
        return 1;
    }
    return 1; /* an annotation */
}

static enum tm_rc check(struct ctx *c, const cJSON *s, const cJSON *v, int depth);

static const cJSON *resolve(struct ctx *c, const cJSON *s)
{
    const cJSON *ref = get(s, "$ref");
    if (!cJSON_IsString(ref) || strncmp(ref->valuestring, "#/$defs/", 8))
        return s;
    return get(get(c->root, "$defs"), ref->valuestring + 8);
}

static enum tm_rc check_object(struct ctx *c, const cJSON *s, const cJSON *v, int depth)
{
    const cJSON *props = get(s, "properties"), *req = get(s, "required"), *ap = get(s, "additionalProperties");
    const cJSON *it;
    size_t plen = strlen(c->path);
    cJSON_ArrayForEach(it, req)
    {
        if (cJSON_IsString(it) && !get(v, it->valuestring))
            return bad(c, "missing field '%s'", it->valuestring);
    }
    cJSON_ArrayForEach(it, v)
    {
        const cJSON *ps = get(props, it->string);
        if (!ps && cJSON_IsFalse(ap)) {
            char name[64];
            snprintf(name, sizeof name, "%.60s", it->string);
            for (char *p = name; *p; p++) /* never echo raw control bytes */
                if ((unsigned char)*p < 32 || *p == 127)
                    *p = '?';
            return bad(c, "unknown field '%s'", name);
        }
        if (ps) {
            snprintf(c->path + plen, sizeof c->path - plen, "%s%.60s", plen ? "." : "", it->string);
            enum tm_rc rc = check(c, ps, it, depth + 1);
            if (rc)
                return rc;
            c->path[plen] = 0;
        }
    }
    return TM_OK;
}

static enum tm_rc check(struct ctx *c, const cJSON *s, const cJSON *v, int depth)
{
    char want[80];
    if (depth > DEPTH_MAX)
        return bad(c, "%s", "nested too deeply");
    s = resolve(c, s);
    if (!cJSON_IsObject(s))
        return tm_fail(c->d, TM_EINVAL, "schema: unresolved reference at '%s'", c->path);
    const cJSON *one = get(s, "oneOf");
    if (one) {
        const cJSON *alt;
        struct tm_diag tmp;
        int n = 0;
        cJSON_ArrayForEach(alt, one)
        {
            struct ctx sub = *c;
            sub.d = &tmp;
            n += check(&sub, alt, v, depth + 1) == TM_OK;
        }
        if (n != 1)
            return bad(c, "%s", n ? "matches more than one of the allowed shapes" : "matches none of the allowed shapes");
    }
    if (!type_ok(v, get(s, "type"), want, sizeof want))
        return bad(c, "expected %s", want);
    const cJSON *e = get(s, "enum");
    if (e) {
        const cJSON *x;
        int found = 0;
        cJSON_ArrayForEach(x, e)
            found |= cJSON_IsString(x) && cJSON_IsString(v) && !strcmp(x->valuestring, v->valuestring);
        if (!found)
            return bad(c, "%s", "not one of the allowed values");
    }
    const cJSON *mn = get(s, "minimum"), *mx = get(s, "maximum");
    if (cJSON_IsNumber(v) && cJSON_IsNumber(mn) && v->valuedouble < mn->valuedouble) {
        snprintf(want, sizeof want, "%g", mn->valuedouble);
        return bad(c, "must be at least %s", want);
    }
    if (cJSON_IsNumber(v) && cJSON_IsNumber(mx) && v->valuedouble > mx->valuedouble) {
        snprintf(want, sizeof want, "%g", mx->valuedouble);
        return bad(c, "must be at most %s", want);
    }
    if (cJSON_IsString(v)) {
        size_t n = strlen(v->valuestring);
        const cJSON *a = get(s, "minLength"), *b = get(s, "maxLength"), *f = get(s, "format");
        if (cJSON_IsNumber(a) && (double)n < a->valuedouble)
            return bad(c, "%s", n ? "too short" : "must not be empty");
        if (cJSON_IsNumber(b) && (double)n > b->valuedouble) {
            snprintf(want, sizeof want, "%g", b->valuedouble);
            return bad(c, "longer than %s bytes", want);
        }
        if (cJSON_IsString(f) && !format_ok(f->valuestring, v->valuestring))
            return bad(c, "%s", !strcmp(f->valuestring, "name")
                                    ? "not a valid name (letters, digits, '.', '_', '-'; at most 64)"
                                : !strcmp(f->valuestring, "request_id") ? "not a valid request id"
                                                                        : "control characters are not allowed");
    }
    if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v), i = 0;
        const cJSON *a = get(s, "minItems"), *b = get(s, "maxItems"), *items = get(s, "items");
        if (cJSON_IsNumber(a) && n < a->valuedouble)
            return bad(c, "%s", n ? "too few items" : "must not be empty");
        if (cJSON_IsNumber(b) && n > b->valuedouble) {
            snprintf(want, sizeof want, "%g", b->valuedouble);
            return bad(c, "more than %s items", want);
        }
        const cJSON *x;
        size_t plen = strlen(c->path);
        cJSON_ArrayForEach(x, v)
        {
            if (items) {
                snprintf(c->path + plen, sizeof c->path - plen, "[%d]", i);
                enum tm_rc rc = check(c, items, x, depth + 1);
                if (rc)
                    return rc;
                c->path[plen] = 0;
            }
            i++;
        }
    }
    if (cJSON_IsObject(v))
        return check_object(c, s, v, depth);
    return TM_OK;
}

enum tm_rc tm_schema_check(const cJSON *root, const cJSON *schema, const cJSON *v, struct tm_diag *d)
{
    struct ctx c = {root, d, ""};
    return check(&c, schema, v, 0);
}
