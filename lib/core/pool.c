/* pool.c - the pooled background (see pool.h). */
#include "core/pool.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

enum tm_rc tm_pool_add(struct tm_med *m, const char *ds, const struct tm_profile *p, struct tm_diag *d)
{
    const struct tm_pterm **top = tm_xcalloc(TM_POOL_TERMS, sizeof *top);
    size_t n = tm_profile_top(p, top, TM_POOL_TERMS);
    enum tm_rc rc = TM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = db_run(m->st, d, "INSERT OR IGNORE INTO pool_terms(dataset_id, term) VALUES(?, ?)", "tt", ds,
                    top[i]->term);
        if (!rc && db_changes(m->st) == 1)
            rc = db_run(m->st, d, "INSERT INTO pool_counts(term, datasets) VALUES(?, 1)"
                                  " ON CONFLICT(term) DO UPDATE SET datasets = datasets + 1", "t", top[i]->term);
    }
    if (!rc)
        rc = db_run(m->st, d, "UPDATE datasets SET pooled = 1 WHERE id = ?", "t", ds);
    free(top);
    return rc;
}

enum tm_rc tm_pool_remove(struct tm_med *m, const char *ds, struct tm_diag *d)
{
    enum tm_rc rc = db_run(m->st, d, "UPDATE pool_counts SET datasets = datasets - 1 WHERE term IN"
                                     " (SELECT term FROM pool_terms WHERE dataset_id = ?)", "t", ds);
    if (!rc)
        rc = db_run(m->st, d, "DELETE FROM pool_counts WHERE datasets <= 0", "");
    if (!rc)
        rc = db_run(m->st, d, "DELETE FROM pool_terms WHERE dataset_id = ?", "t", ds);
    if (!rc)
        rc = db_run(m->st, d, "UPDATE datasets SET pooled = 0 WHERE id = ?", "t", ds);
    return rc;
}

/* The terms the query selects into out. */
static enum tm_rc terms_of(struct tm_med *m, const char *sql, struct tm_map *out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, sql, &s, d);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        int added;
        const char *t = (const char *)sqlite3_column_text(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (t && n)
            tm_map_intern(out, t, n, &added);
    }
    db_done(m->st, s);
    return rc;
}

/* Listed datasets whose terms are recorded. */
static enum tm_rc listed_count(struct tm_med *m, int64_t *listed, struct tm_diag *d)
{
    return db_ints(m->st, d, listed, 1, "SELECT count(*) FROM datasets WHERE pooled = 1 AND withdrawn_ms IS NULL",
                   "");
}

/* The ambient terms (see pool.h), counting the dataset of p as recorded too when p is
 * not NULL. The rule, in one place: distinctive in at least 3 listed datasets and in
 * more than three quarters of them. */
static enum tm_rc ambient(struct tm_med *m, const struct tm_profile *p, struct tm_map *out, struct tm_diag *d)
{
    int64_t listed = 0;
    enum tm_rc rc = listed_count(m, &listed, d);
    if (rc)
        return rc;
    struct tm_map mine;
    tm_map_init(&mine);
    if (p) {
        const struct tm_pterm **top = tm_xcalloc(TM_POOL_TERMS, sizeof *top);
        size_t n = tm_profile_top(p, top, TM_POOL_TERMS);
        for (size_t i = 0; i < n; i++)
            (void)tm_map_intern(&mine, top[i]->term, strlen(top[i]->term), NULL);
        free(top);
        listed++;
    }
    sqlite3_stmt *s;
    rc = db_prep(m->st, "SELECT term, datasets FROM pool_counts WHERE datasets >= ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "i", (int64_t)(p ? 2 : 3));
    while (!rc && db_step(m->st, s, &rc, d) > 0) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        size_t tn = (size_t)sqlite3_column_bytes(s, 0);
        if (!t || !tn)
            continue;
        int64_t c = sqlite3_column_int64(s, 1) + (p && tm_map_find(&mine, t, tn) != UINT32_MAX);
        if (c >= 3 && 4 * c > 3 * listed)
            (void)tm_map_intern(out, t, tn, NULL);
    }
    db_done(m->st, s);
    tm_map_release(&mine);
    return rc;
}

enum tm_rc tm_pool_ambient(struct tm_med *m, struct tm_map *out, struct tm_diag *d)
{
    return ambient(m, NULL, out, d);
}

enum tm_rc tm_pool_ambient_with(struct tm_med *m, const struct tm_profile *p, struct tm_map *out, struct tm_diag *d)
{
    return ambient(m, p, out, d);
}

enum tm_rc tm_pool_common(struct tm_med *m, struct tm_map *out, int *have, struct tm_diag *d)
{
    int64_t listed = 0;
    *have = 0;
    enum tm_rc rc = listed_count(m, &listed, d);
    if (rc || listed < 3)
        return rc;
    *have = 1;
    /* three: the target and two others, so that a level never points at one other dataset */
    return terms_of(m, "SELECT term FROM pool_counts WHERE datasets >= 3", out, d);
}
