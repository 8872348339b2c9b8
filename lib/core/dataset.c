/* dataset.c - the public cards and withdrawal (see dataset.h). */
#include "core/dataset.h"
#include "core/pool.h"
#include "core/audit.h"
#include "core/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum tm_rc tm_dataset_owner(struct tm_med *m, const char *id, int64_t *owner, int *withdrawn,
                            struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, "SELECT owner, withdrawn_ms IS NOT NULL FROM datasets WHERE id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int r = rc ? -1 : db_step(m->st, s, &rc, d);
    if (r == 1) {
        *owner = sqlite3_column_int64(s, 0);
        *withdrawn = sqlite3_column_int(s, 1);
    } else if (r == 0) {
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%.80s'", id);
    }
    db_done(m->st, s);
    return rc;
}

enum tm_rc tm_card_get(struct tm_med *m, const char *id, char **card, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *card = NULL;
    enum tm_rc rc = db_prep(m->st, "SELECT card, withdrawn_ms IS NOT NULL FROM datasets WHERE id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int r = rc ? -1 : db_step(m->st, s, &rc, d);
    if (r == 1 && !sqlite3_column_int(s, 1))
        *card = tm_xstrdup(db_text(s, 0));
    else if (r == 1)
        rc = tm_fail(d, TM_ENOTFOUND, "dataset '%.80s' was withdrawn by its owner", id);
    else if (r == 0)
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%.80s'", id);
    db_done(m->st, s);
    return rc;
}

/* The FTS5 query for search: each word (letters, digits, '_', '-', '.') as a quoted
 * prefix phrase, all required. Empty when search has no word. */
void tm_cards_fts_query(const char *search, struct tm_buf *q)
{
    tm_buf_reset(q);
    const char *p = search;
    int words = 0;
    while (*p && words < 16) {
        while (*p && !((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') || *p == '_'))
            p++;
        const char *w = p;
        while ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') || *p == '_' || *p == '-' ||
               *p == '.')
            p++;
        if (p > w) {
            tm_buf_adds(q, words ? " \"" : "\"");
            tm_buf_add(q, w, (size_t)(p - w)); /* no quote can be inside: the class excludes it */
            tm_buf_adds(q, "\"*");
            words++;
        }
    }
    if (!q->ptr)
        tm_buf_adds(q, "");
}

/* Cursor: "<created_ms>.<id>" of the last card of the previous page. */
static int parse_cursor(const char *c, int64_t *ms, const char **id)
{
    char *end;
    long long v = strtoll(c, &end, 10);
    if (end == c || *end != '.' || v < 0 || !tm_valid_name(end + 1))
        return -1;
    *ms = v;
    *id = end + 1;
    return 0;
}

enum tm_rc tm_cards_list(struct tm_med *m, const char *search, int limit, const char *cursor,
                         struct tm_buf *out, cJSON *ids, struct tm_diag *d)
{
    struct tm_buf q;
    sqlite3_stmt *s = NULL;
    int64_t cms = INT64_MAX;
    const char *cid = "";
    tm_buf_init(&q);
    if (cursor && *cursor && parse_cursor(cursor, &cms, &cid))
        return tm_fail(d, TM_EINVAL, "invalid cursor '%.40s' (pass next_cursor as returned)", cursor);
    if (search)
        tm_cards_fts_query(search, &q);
    enum tm_rc rc;
    if (q.len) /* driven by the index: only matching rows are read */
        rc = db_prep(m->st,
                     "SELECT ds.id, ds.card, ds.created_ms FROM cards_fts f JOIN datasets ds ON ds.rowid = f.rowid"
                     " WHERE cards_fts MATCH ?1 AND ds.withdrawn_ms IS NULL"
                     " AND (ds.created_ms < ?2 OR (ds.created_ms = ?2 AND ds.id > ?3))"
                     " ORDER BY ds.created_ms DESC, ds.id LIMIT ?4", &s, d);
    else
        rc = db_prep(m->st,
                     "SELECT id, card, created_ms FROM datasets WHERE withdrawn_ms IS NULL AND ?1 IS NULL"
                     " AND (created_ms < ?2 OR (created_ms = ?2 AND id > ?3))"
                     " ORDER BY created_ms DESC, id LIMIT ?4", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "titd", q.len ? q.ptr : NULL, cms, cid, limit + 1);
    tm_buf_reset(out);
    tm_buf_adds(out, "{\"cards\":[");
    int r = 0, n = 0;
    char last[100] = "";
    while (!rc && (r = db_step(m->st, s, &rc, d)) > 0) {
        if (n == limit) { /* one more than asked: there is a next page */
            n++;
            break;
        }
        if (n)
            tm_buf_addc(out, ',');
        tm_buf_adds(out, db_text(s, 1));
        if (ids)
            cJSON_AddItemToArray(ids, cJSON_CreateString(db_text(s, 0)));
        snprintf(last, sizeof last, "%lld.%s", (long long)sqlite3_column_int64(s, 2), db_text(s, 0));
        n++;
    }
    db_done(m->st, s);
    tm_buf_release(&q);
    if (rc)
        return rc;
    tm_buf_adds(out, "],\"next_cursor\":");
    if (n > limit) {
        tm_buf_addf(out, "\"%s\"}", last);
    } else {
        tm_buf_adds(out, "null}");
    }
    return TM_OK;
}

enum tm_rc tm_dataset_withdraw(struct tm_med *m, const struct tm_account *who, const char *id, int64_t now,
                               cJSON **out, struct tm_diag *d)
{
    sqlite3_stmt *s = NULL;
    char raw[200] = "";
    int64_t owner, rowid = 0;
    int withdrawn;
    cJSON *cancelled = NULL;
    *out = NULL;
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = tm_dataset_owner(m, id, &owner, &withdrawn, d);
    if (!rc && owner != who->id)
        rc = tm_fail(d, TM_EDENIED, "only the owner of '%s' may withdraw it", id);
    if (!rc && withdrawn)
        rc = tm_fail(d, TM_ECONFLICT, "dataset '%s' is already withdrawn", id);
    if (!rc)
        rc = db_prep(m->st, "SELECT rowid, coalesce(raw_file, '') FROM datasets WHERE id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    if (!rc && db_step(m->st, s, &rc, d) == 1) {
        rowid = sqlite3_column_int64(s, 0);
        snprintf(raw, sizeof raw, "%s", db_text(s, 1));
    }
    db_done(m->st, s);
    if (!rc)
        rc = db_run(m->st, d, "UPDATE datasets SET withdrawn_ms = ?, raw_file = NULL, raw_salt = NULL WHERE id = ?",
                    "it", now, id);
    if (!rc)
        rc = db_run(m->st, d, "DELETE FROM profiles WHERE dataset_id = ?", "t", id);
    if (!rc)
        rc = tm_pool_remove(m, id, d);
    if (!rc)
        rc = db_run(m->st, d, "DELETE FROM cards_fts WHERE rowid = ?", "i", rowid);
    if (!rc)
        rc = tm_requests_cancel_on(m, id, "the dataset was withdrawn by its owner", now, &cancelled, d);
    if (!rc)
        rc = tm_audit_add(m, id, "withdraw", NULL, NULL, who->name,
                          "card unlisted, sealed profile and records deleted", now, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        cJSON_Delete(cancelled);
        return rc;
    }
    if (raw[0]) { /* after the commit: a crash here leaves a file no row names (tm_store_gc) */
        char path[4400];
        snprintf(path, sizeof path, "%s/sealed/%s", tm_shared_dir(m->sh), raw);
        unlink(path);
    }
    char ts[32];
    tm_format_time(now, ts);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dataset_id", id);
    cJSON_AddStringToObject(o, "withdrawn_at", ts);
    cJSON_AddItemToObject(o, "cancelled_requests", cancelled);
    *out = o;
    return TM_OK;
}
