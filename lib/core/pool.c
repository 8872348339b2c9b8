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
    for (size_t i = 0; i < n && !rc; i++)
        rc = db_run(m->st, d, "INSERT OR IGNORE INTO pool_terms(dataset_id, term) VALUES(?, ?)", "tt", ds,
                    top[i]->term);
    free(top);
    return rc;
}

enum tm_rc tm_pool_ambient(struct tm_med *m, struct tm_map *out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st,
                            "WITH listed AS (SELECT DISTINCT pt.dataset_id FROM pool_terms pt JOIN datasets ds"
                            " ON ds.id = pt.dataset_id WHERE ds.withdrawn_ms IS NULL)"
                            " SELECT pt.term FROM pool_terms pt JOIN listed l ON l.dataset_id = pt.dataset_id"
                            " GROUP BY pt.term HAVING count(*) >= 3 AND 4 * count(*) > 3 * (SELECT count(*) FROM listed)",
                            &s, d);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        int added;
        size_t n;
        const char *t = (const char *)sqlite3_column_text(s, 0);
        n = (size_t)sqlite3_column_bytes(s, 0);
        if (t && n)
            tm_map_intern(out, t, n, &added);
    }
    db_done(m->st, s);
    return rc;
}
