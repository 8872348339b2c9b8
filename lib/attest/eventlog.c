/* eventlog.c - event log replay (see eventlog.h). */
#include "attest/eventlog.h"
#include "base/base.h"
#include "base/canon.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DSTACK_EVENT 0x08000001u
#define MAX_EVENTS 4096
#define MAX_PAYLOAD 65536

static void sha384(const void *a, size_t an, const void *b, size_t bn, uint8_t out[48])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int l = 48;
    if (!c || !EVP_DigestInit_ex(c, EVP_sha384(), NULL) || !EVP_DigestUpdate(c, a, an) ||
        (bn && !EVP_DigestUpdate(c, b, bn)) || !EVP_DigestFinal_ex(c, out, &l))
        abort(); /* a built-in digest does not fail */
    EVP_MD_CTX_free(c);
}

static void save_hex(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    if (2 * n + 1 > cap)
        n = (cap - 1) / 2;
    tm_hex(p, n, dst);
}

/* Record a boot-time claim: the first event of each name counts, a repeat is flagged. */
static void claim(struct tm_eventlog *out, const char *nm, const uint8_t *payload, size_t pn)
{
    static const char *const names[] = {"compose-hash", "app-id", "instance-id", "os-image-hash", "key-provider"};
    char *const dst[] = {out->compose_hash, out->app_id, out->instance_id, out->os_image_hash, out->key_provider};
    const size_t cap[] = {sizeof out->compose_hash, sizeof out->app_id, sizeof out->instance_id,
                          sizeof out->os_image_hash, sizeof out->key_provider};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(nm, names[i]))
            continue;
        if (out->seen & (1u << i)) {
            if (!out->duplicate[0])
                snprintf(out->duplicate, sizeof out->duplicate, "%s", nm);
            return;
        }
        out->seen |= 1u << i;
        if (i == 4) /* key-provider: JSON text, kept as text */
            snprintf(dst[i], cap[i], "%.*s", (int)(pn < cap[i] - 1 ? pn : cap[i] - 1), payload);
        else
            save_hex(dst[i], cap[i], payload, pn);
        return;
    }
}

enum tm_rc tm_eventlog_replay(const char *json, size_t len, struct tm_eventlog *out, struct tm_diag *d)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(json, len), *arr = root;
    if (cJSON_IsString(root))
        arr = cJSON_Parse(root->valuestring);
    enum tm_rc rc = TM_OK;
    uint8_t *payload = tm_xmalloc(MAX_PAYLOAD);
    struct tm_buf pre;
    tm_buf_init(&pre);
    int ready = 0;
    if (!cJSON_IsArray(arr)) {
        rc = tm_fail(d, TM_EPARSE, "event log: not a JSON array of events");
        goto out;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *imr = cJSON_GetObjectItemCaseSensitive(e, "imr");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "event_type");
        const cJSON *dig = cJSON_GetObjectItemCaseSensitive(e, "digest");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "event");
        const cJSON *pl = cJSON_GetObjectItemCaseSensitive(e, "event_payload");
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(e, "version");
        if (++out->events > MAX_EVENTS) {
            rc = tm_fail(d, TM_ETOOBIG, "event log: more than %d events", MAX_EVENTS);
            goto out;
        }
        uint64_t r64, t64;
        if (!tm_json_whole(imr, 3, &r64) || !tm_json_whole(type, UINT32_MAX, &t64)) {
            rc = tm_fail(d, TM_EPARSE, "event log: event %u has no valid imr or event_type", out->events);
            goto out;
        }
        int r = (int)r64;
        uint32_t t = (uint32_t)t64;
        uint8_t digest[48];
        size_t pn = 0;
        const char *ph = cJSON_IsString(pl) ? pl->valuestring : "";
        if (tm_unhex(ph, strlen(ph), payload, MAX_PAYLOAD, &pn)) {
            rc = tm_fail(d, TM_EPARSE, "event log: event %u has a bad payload", out->events);
            goto out;
        }
        if (r == 3 && t == DSTACK_EVENT) { /* recompute: the digest field may be empty or forged */
            const char *nm = cJSON_IsString(name) ? name->valuestring : "";
            tm_buf_reset(&pre);
            if (cJSON_IsNumber(ver) && ver->valuedouble == 2) {
                cJSON *j = cJSON_CreateObject(); /* JCS: keys sorted, no blanks */
                cJSON_AddStringToObject(j, "name", nm);
                cJSON_AddStringToObject(j, "payload", ph);
                cJSON_AddNumberToObject(j, "type", DSTACK_EVENT);
                char *txt = cJSON_PrintUnformatted(j);
                tm_buf_adds(&pre, txt);
                free(txt);
                cJSON_Delete(j);
            } else {
                static const uint8_t le[4] = {0x01, 0x00, 0x00, 0x08};
                tm_buf_add(&pre, le, 4);
                tm_buf_addc(&pre, ':');
                tm_buf_adds(&pre, nm);
                tm_buf_addc(&pre, ':');
                tm_buf_add(&pre, payload, pn);
            }
            sha384(pre.ptr, pre.len, NULL, 0, digest);
            if (!strcmp(nm, TM_MEASUREMENT_EVENT)) { /* our own event; the last one counts */
                out->teemed_events++;
                if (pn == 32)
                    save_hex(out->teemed_measurement, sizeof out->teemed_measurement, payload, pn);
                else
                    out->teemed_measurement[0] = 0;
            }
            if (ready)
                out->app_events++;
            else
                claim(out, nm, payload, pn);
            if (!strcmp(nm, "system-ready"))
                ready = 1;
        } else {
            size_t dn = 0;
            const char *dh = cJSON_IsString(dig) ? dig->valuestring : "";
            if (tm_unhex(dh, strlen(dh), digest, 48, &dn) || dn != 48) {
                rc = tm_fail(d, TM_EPARSE, "event log: event %u has no 48-byte digest", out->events);
                goto out;
            }
        }
        sha384(out->rtmr[r], 48, digest, 48, out->rtmr[r]);
        out->per_imr[r]++;
    }
out:
    tm_buf_release(&pre);
    free(payload);
    if (arr != root)
        cJSON_Delete(arr);
    cJSON_Delete(root);
    return rc;
}
