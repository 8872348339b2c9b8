/* audit.c - the hash-chained audit trail (see audit.h). */
#include "core/audit.h"
#include "base/base.h"
#include "base/canon.h"
#include "base/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

static void chain_hash(const char *prev, const char *entry, char out[65])
{
    struct tm_buf b;
    tm_buf_init(&b);
    tm_buf_adds(&b, prev);
    tm_buf_addc(&b, '\n');
    tm_buf_adds(&b, entry);
    uint8_t h[32];
    tm_sha256(b.ptr, b.len, h);
    tm_hex(h, 32, out);
    tm_buf_release(&b);
}

enum tm_rc tm_audit_add(struct tm_med *m, const char *ds, const char *event, const char *request,
                        const char *kind, const char *by, const char *detail, int64_t now,
                        struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, "SELECT seq, hash FROM audit WHERE dataset_id = ? ORDER BY seq DESC LIMIT 1",
                            &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", ds);
    if (rc) {
        db_done(m->st, s);
        return rc;
    }
    int64_t seq = 1;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int r = db_step(m->st, s, &rc, d);
    if (r == 1) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", db_text(s, 1));
    }
    db_done(m->st, s);
    if (r < 0)
        return rc;
    char ts[32], hash[65];
    tm_format_time(now, ts);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "seq", (double)seq);
    cJSON_AddStringToObject(e, "at", ts);
    cJSON_AddStringToObject(e, "event", event);
    if (request)
        cJSON_AddStringToObject(e, "request", request);
    if (kind)
        cJSON_AddStringToObject(e, "kind", kind);
    cJSON_AddStringToObject(e, "by", by);
    if (detail)
        cJSON_AddStringToObject(e, "detail", detail);
    char *entry = tm_canonical(e);
    cJSON_Delete(e);
    chain_hash(prev, entry, hash);
    rc = db_run(m->st, d, "INSERT INTO audit(dataset_id, seq, entry, prev, hash) VALUES(?,?,?,?,?)", "titt" "t",
                ds, seq, entry, prev, hash);
    free(entry);
    return rc;
}

enum tm_rc tm_audit_head(struct tm_med *m, const char *ds, int64_t *seq, char head[65], struct tm_diag *d)
{
    sqlite3_stmt *s;
    *seq = 0;
    snprintf(head, 65, "%s", GENESIS);
    enum tm_rc rc = db_prep(m->st, "SELECT seq, hash FROM audit WHERE dataset_id = ? ORDER BY seq DESC LIMIT 1", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", ds);
    if (!rc && db_step(m->st, s, &rc, d) == 1) {
        *seq = sqlite3_column_int64(s, 0);
        snprintf(head, 65, "%s", db_text(s, 1));
    }
    db_done(m->st, s);
    return rc;
}

int tm_audit_extends(const cJSON *entries, int64_t seq, const char *head, char *problem, size_t plen)
{
    char prev[65];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int64_t expect = 1;
    const cJSON *e;
    if (seq == 0)
        return !strcmp(head, GENESIS) || (snprintf(problem, plen, "a head of entry 0 is the genesis hash"), 0);
    cJSON_ArrayForEach(e, entries)
    {
        int64_t es;
        if (!tm_json_int(cJSON_GetObjectItemCaseSensitive(e, "seq"), 1, 9e15, &es) || es != expect) {
            snprintf(problem, plen, "the trail is not whole: entry %lld is missing", (long long)expect);
            return 0;
        }
        char *text = tm_canonical(e), h[65];
        chain_hash(prev, text, h);
        free(text);
        snprintf(prev, sizeof prev, "%s", h);
        if (es == seq) {
            if (strcmp(h, head)) {
                snprintf(problem, plen, "entry %lld re-hashes to another head than the one signed: the trail was "
                                        "rewritten", (long long)seq);
                return 0;
            }
            return 1;
        }
        expect++;
    }
    snprintf(problem, plen, "the trail ends at entry %lld, before entry %lld of the signed head: it was truncated",
             (long long)expect - 1, (long long)seq);
    return 0;
}

enum tm_rc tm_audit_read(struct tm_med *m, const char *ds, int limit, const char *cursor, cJSON **out,
                         int *chain_ok, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    *chain_ok = 1;
    int64_t after = 0;
    if (cursor && *cursor) {
        char *end;
        long long v = strtoll(cursor, &end, 10);
        if (*end || v < 0)
            return tm_fail(d, TM_EINVAL, "invalid cursor '%.40s' (pass next_cursor as returned)", cursor);
        after = v;
    }
    enum tm_rc rc = db_prep(m->st, "SELECT seq, entry, prev, hash FROM audit WHERE dataset_id = ? ORDER BY seq",
                            &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", ds);
    if (rc) {
        db_done(m->st, s);
        return rc;
    }
    cJSON *o = cJSON_CreateObject(), *entries = cJSON_CreateArray();
    char prev[65], problem[200] = "";
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int64_t expect = 1, last_listed = -1;
    int r, listed = 0, more = 0;
    while ((r = db_step(m->st, s, &rc, d)) > 0) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *entry = db_text(s, 1), *eprev = db_text(s, 2), *hash = db_text(s, 3);
        char h[65];
        chain_hash(prev, entry, h);
        cJSON *e = cJSON_Parse(entry);
        const cJSON *eseq = cJSON_GetObjectItemCaseSensitive(e, "seq");
        int64_t es;
        if (*chain_ok && (seq != expect || strcmp(eprev, prev) || strcmp(h, hash) ||
                          !tm_json_int(eseq, 0, 9e15, &es) || es != seq)) {
            *chain_ok = 0;
            snprintf(problem, sizeof problem, "entry %lld: %s", (long long)seq,
                     seq != expect ? "an entry before it is missing"
                                   : "changed after it was written (hash chain broken)");
        }
        if (seq > after && listed < limit) {
            cJSON_AddItemToArray(entries, e ? e : cJSON_CreateString(entry));
            listed++;
            last_listed = seq;
        } else {
            more |= seq > after;
            cJSON_Delete(e);
        }
        snprintf(prev, sizeof prev, "%s", hash);
        expect = seq + 1;
    }
    db_done(m->st, s);
    if (r < 0) {
        cJSON_Delete(o);
        cJSON_Delete(entries);
        return rc;
    }
    cJSON_AddStringToObject(o, "dataset_id", ds);
    cJSON_AddBoolToObject(o, "chain_ok", *chain_ok);
    if (!*chain_ok)
        cJSON_AddStringToObject(o, "problem", problem);
    cJSON_AddStringToObject(o, "head", prev);
    cJSON_AddNumberToObject(o, "seq", (double)(expect - 1));
    cJSON_AddItemToObject(o, "entries", entries);
    if (more && last_listed > 0) {
        char c[32];
        snprintf(c, sizeof c, "%lld", (long long)last_listed);
        cJSON_AddStringToObject(o, "next_cursor", c);
    } else {
        cJSON_AddNullToObject(o, "next_cursor");
    }
    *out = o;
    return TM_OK;
}
