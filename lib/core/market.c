/* market.c - ratings, reputation, demand and discovery (see market.h). */
#include "core/market.h"
#include "base/base.h"
#include "compute/compute.h"
#include "core/audit.h"
#include "core/dataset.h"
#include "core/ledger.h"
#include "core/workflow.h"
#include "pipeline/profile.h"
#include "pipeline/scrub.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double tm_wilson_lower(uint64_t helpful, uint64_t n)
{
    if (!n)
        return 0;
    const double z = 1.959963984540054, z2 = z * z;
    double p = (double)helpful / (double)n, nn = (double)n;
    double lo = (p + z2 / (2 * nn) - z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn))) / (1 + z2 / nn);
    return lo < 0 ? 0 : lo;
}

static double round2(double x)
{
    return floor(x * 100 + 0.5) / 100;
}

/* ---- ratings ---- */

/* A comment is published to the owners as written, so it must come through the
 * scrubber untouched: what it would remove (a key, an e-mail, a name, a host) is
 * refused with the kind, never stored. */
static enum tm_rc comment_ok(const char *c, struct tm_diag *d)
{
    size_t n = strlen(c);
    if (n > TM_COMMENT_MAX)
        return tm_fail(d, TM_EINVAL, "the comment is longer than %d bytes", TM_COMMENT_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
            return tm_fail(d, TM_EINVAL, "the comment holds a control character");
    struct tm_scrub s;
    struct tm_buf out;
    memset(&s, 0, sizeof s);
    tm_buf_init(&out);
    tm_scrub(&s, c, n, &out);
    tm_buf_release(&out);
    for (int k = 0; k < TM_S_NKINDS; k++)
        if (s.hits[k])
            return tm_fail(d, TM_EINVAL,
                           "the comment holds what the privacy filter removes (%s): rephrase it without it",
                           tm_scrub_kind_name((enum tm_scrub_kind)k));
    return TM_OK;
}

enum tm_rc tm_rate(struct tm_med *m, const struct tm_account *who, const char *id, int helpful, const char *comment,
                   int64_t now, cJSON **out, struct tm_diag *d)
{
    *out = NULL;
    if (comment && !*comment)
        comment = NULL;
    enum tm_rc rc = comment ? comment_ok(comment, d) : TM_OK;
    if (rc)
        return rc;
    rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    int found = 0;
    char status[16] = "", kind[24] = "";
    rc = db_prep(m->st, "SELECT status, kind FROM requests WHERE id = ? AND requester = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "ti", id, who->id);
    if (!rc && db_step(m->st, s, &rc, d) == 1) {
        found = 1;
        snprintf(status, sizeof status, "%s", db_text(s, 0));
        snprintf(kind, sizeof kind, "%s", db_text(s, 1));
    }
    db_done(m->st, s);
    if (!rc && !found) /* another's request does not exist for this caller */
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s' of yours", id);
    if (!rc && strcmp(status, "done"))
        rc = tm_fail(d, TM_ECONFLICT, "request '%s' is %s: only a delivered result can be rated", id, status);
    if (!rc) {
        rc = db_run(m->st, d, "INSERT INTO ratings(request_id, rater, helpful, comment, created_ms) VALUES(?, ?, ?, ?, ?)",
                    "tidti", id, who->id, helpful ? 1 : 0, comment, now);
        if (rc == TM_EEXIST)
            rc = tm_fail(d, TM_ECONFLICT, "request '%s' is already rated: a result is rated once", id);
    }
    /* the owners see each rating of their datasets in the audit trail */
    if (!rc)
        rc = db_prep(m->st, "SELECT rd.dataset_id FROM request_datasets rd JOIN datasets ds ON ds.id = rd.dataset_id"
                            " WHERE rd.request_id = ? AND ds.owner != ? ORDER BY rd.pos", &s, d);
    if (!rc) {
        char dsv[TM_COMPUTE_MAX_DS][65];
        size_t n = 0;
        int x;
        rc = db_bind(m->st, s, d, "ti", id, who->id);
        while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && n < TM_COMPUTE_MAX_DS)
            snprintf(dsv[n++], 65, "%s", db_text(s, 0));
        db_done(m->st, s);
        for (size_t i = 0; i < n && !rc; i++)
            rc = tm_audit_add(m, dsv[i], "rating", id, kind, who->name, helpful ? "helpful" : "not helpful", now, d);
    }
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        return rc;
    }
    char ts[32];
    tm_format_time(now, ts);
    *out = cJSON_CreateObject();
    cJSON_AddStringToObject(*out, "request_id", id);
    cJSON_AddBoolToObject(*out, "helpful", helpful);
    if (comment)
        cJSON_AddStringToObject(*out, "comment", comment);
    else
        cJSON_AddNullToObject(*out, "comment");
    cJSON_AddStringToObject(*out, "rated_at", ts);
    return TM_OK;
}

/* ---- standing and market figures ---- */

enum tm_rc tm_standing(struct tm_med *m, int64_t account, cJSON **out, struct tm_diag *d)
{
    int64_t req[1], dec[2], rat[2], since[1];
    *out = NULL;
    enum tm_rc rc = db_ints(m->st, d, req, 1, "SELECT count(*) FROM requests WHERE requester = ?", "i", account);
    if (!rc) /* owners' own decisions only: auto-approvals and cancellations say nothing of the requester */
        rc = db_ints(m->st, d, dec, 2,
                     "SELECT count(*), coalesce(sum(a.decision IN ('approved', 'released')), 0) FROM approvals a"
                     " JOIN requests r ON r.id = a.request_id WHERE r.requester = ? AND a.decision IN"
                     " ('approved', 'released', 'rejected')", "i", account);
    if (!rc)
        rc = db_ints(m->st, d, rat, 2, "SELECT count(*), coalesce(sum(helpful), 0) FROM ratings WHERE rater = ?", "i",
                     account);
    if (!rc)
        rc = db_ints(m->st, d, since, 1, "SELECT created_ms FROM accounts WHERE id = ?", "i", account);
    if (rc)
        return rc;
    char ts[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "requests", (double)req[0]);
    cJSON_AddNumberToObject(o, "decided", (double)dec[0]);
    cJSON_AddNumberToObject(o, "approved", (double)dec[1]);
    if (dec[0])
        cJSON_AddNumberToObject(o, "approval_rate", round2((double)dec[1] / (double)dec[0]));
    else
        cJSON_AddNullToObject(o, "approval_rate");
    cJSON_AddNumberToObject(o, "ratings_given", (double)rat[0]);
    cJSON_AddNumberToObject(o, "helpful_given", (double)rat[1]);
    tm_format_time(since[0], ts);
    ts[10] = 0; /* to the day */
    cJSON_AddStringToObject(o, "member_since", ts);
    *out = o;
    return TM_OK;
}

struct mstat {
    int64_t served, served30, ratings, helpful, ratings30;
};

/* The figures of many datasets at once: ids maps each dataset id to its index in out
 * (zeroed by the caller); two grouped queries instead of two per dataset. only (may be
 * NULL) restricts them to one dataset. */
static enum tm_rc stats_all(struct tm_med *m, int64_t now, const char *only, const struct tm_map *ids,
                            struct mstat *out, struct tm_diag *d);

static enum tm_rc stat_of(struct tm_med *m, const char *ds, int64_t now, struct mstat *st, struct tm_diag *d)
{
    struct tm_map one;
    tm_map_init(&one);
    tm_map_intern(&one, ds, strlen(ds), NULL);
    memset(st, 0, sizeof *st);
    enum tm_rc rc = stats_all(m, now, ds, &one, st, d);
    tm_map_release(&one);
    return rc;
}

static enum tm_rc stats_all(struct tm_med *m, int64_t now, const char *only, const struct tm_map *ids,
                            struct mstat *out, struct tm_diag *d)
{
    static const char *const sql[2] = {
        "SELECT rd.dataset_id, count(*), coalesce(sum(r.updated_ms >= ?1), 0), 0 FROM request_datasets rd"
        " JOIN requests r ON r.id = rd.request_id JOIN datasets ds ON ds.id = rd.dataset_id"
        " WHERE r.status = 'done' AND r.requester != ds.owner AND (?2 IS NULL OR rd.dataset_id = ?2)"
        " GROUP BY rd.dataset_id",
        "SELECT rd.dataset_id, count(*), coalesce(sum(g.helpful), 0), coalesce(sum(g.created_ms >= ?1), 0)"
        " FROM ratings g JOIN request_datasets rd ON rd.request_id = g.request_id"
        " JOIN datasets ds ON ds.id = rd.dataset_id WHERE g.rater != ds.owner AND (?2 IS NULL OR rd.dataset_id = ?2)"
        " GROUP BY rd.dataset_id"};
    enum tm_rc rc = TM_OK;
    for (int q = 0; q < 2 && !rc; q++) {
        sqlite3_stmt *s;
        rc = db_prep(m->st, sql[q], &s, d);
        if (!rc)
            rc = db_bind(m->st, s, d, "it", now - TM_DEMAND_WINDOW_MS, only);
        int x;
        while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
            const char *id = db_text(s, 0);
            uint32_t i = tm_map_find(ids, id, strlen(id));
            if (i == UINT32_MAX)
                continue;
            if (q == 0) {
                out[i].served = sqlite3_column_int64(s, 1);
                out[i].served30 = sqlite3_column_int64(s, 2);
            } else {
                out[i].ratings = sqlite3_column_int64(s, 1);
                out[i].helpful = sqlite3_column_int64(s, 2);
                out[i].ratings30 = sqlite3_column_int64(s, 3);
            }
        }
        db_done(m->st, s);
    }
    return rc;
}

enum tm_rc tm_market_of(struct tm_med *m, const char *ds, int64_t now, cJSON **out, struct tm_diag *d)
{
    struct mstat st;
    int64_t owner = 0, own[2];
    int withdrawn;
    *out = NULL;
    enum tm_rc rc = stat_of(m, ds, now, &st, d);
    if (!rc)
        rc = tm_dataset_owner(m, ds, &owner, &withdrawn, d);
    if (!rc) /* each rating once per owner, whichever of their datasets it concerns */
        rc = db_ints(m->st, d, own, 2,
                     "SELECT count(*), coalesce(sum(helpful), 0) FROM ratings g WHERE g.rater != ?1 AND EXISTS"
                     " (SELECT 1 FROM request_datasets rd JOIN datasets ds ON ds.id = rd.dataset_id"
                     " WHERE rd.request_id = g.request_id AND ds.owner = ?1)", "i", owner);
    cJSON *prices = NULL;
    if (!rc)
        rc = tm_policy_prices(m, ds, &prices, d);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "reputation", round2(tm_wilson_lower((uint64_t)st.helpful, (uint64_t)st.ratings)));
    cJSON_AddNumberToObject(o, "ratings", (double)st.ratings);
    cJSON_AddNumberToObject(o, "helpful", (double)st.helpful);
    cJSON_AddNumberToObject(o, "queries_served", (double)st.served);
    cJSON_AddNumberToObject(o, "queries_30d", (double)st.served30);
    cJSON_AddNumberToObject(o, "ratings_30d", (double)st.ratings30);
    cJSON_AddNumberToObject(o, "owner_reputation", round2(tm_wilson_lower((uint64_t)own[1], (uint64_t)own[0])));
    cJSON_AddNumberToObject(o, "owner_ratings", (double)own[0]);
    cJSON_AddItemToObject(o, "prices", prices);
    *out = o;
    return TM_OK;
}

/* ---- ordering the cards ---- */

struct ranked_ds {
    char *id;
    double k1, k2, k3;
};

static int by_keys(const void *a, const void *b)
{
    const struct ranked_ds *x = a, *y = b;
    if (x->k1 != y->k1)
        return x->k1 > y->k1 ? -1 : 1;
    if (x->k2 != y->k2)
        return x->k2 > y->k2 ? -1 : 1;
    if (x->k3 != y->k3)
        return x->k3 > y->k3 ? -1 : 1;
    return strcmp(x->id, y->id);
}

enum tm_rc tm_market_order(struct tm_med *m, const char *sort, const char *search, int offset, int limit,
                           int64_t now, cJSON **ids, int *more, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *ids = NULL;
    *more = 0;
    int rel = !strcmp(sort, "relevance");
    if (rel && !(search && *search))
        return tm_fail(d, TM_EINVAL, "sort by relevance needs a search (or rank for your dataset: discover --for)");
    if (!rel && strcmp(sort, "reputation") && strcmp(sort, "demand"))
        return tm_fail(d, TM_EINVAL, "unknown sort '%.20s' (newest, relevance, reputation or demand)", sort);
    struct tm_buf q;
    tm_buf_init(&q);
    if (search)
        tm_cards_fts_query(search, &q);
    enum tm_rc rc;
    if (q.len)
        rc = db_prep(m->st, "SELECT ds.id, ds.created_ms, -f.rank FROM cards_fts f JOIN datasets ds"
                            " ON ds.rowid = f.rowid WHERE cards_fts MATCH ?1 AND ds.withdrawn_ms IS NULL", &s, d);
    else
        rc = db_prep(m->st, "SELECT id, created_ms, 0 FROM datasets WHERE withdrawn_ms IS NULL AND ?1 IS NULL", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", q.len ? q.ptr : NULL);
    struct ranked_ds *v = NULL;
    size_t n = 0, cap = 0;
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = tm_xrealloc(v, cap * sizeof *v);
        }
        v[n].id = tm_xstrdup(db_text(s, 0));
        v[n].k3 = (double)sqlite3_column_int64(s, 1);
        v[n].k1 = sqlite3_column_double(s, 2);
        v[n].k2 = 0;
        n++;
    }
    db_done(m->st, s);
    tm_buf_release(&q);
    struct tm_map idx;
    struct mstat *stats = tm_xcalloc(n + 1, sizeof *stats);
    tm_map_init(&idx);
    for (size_t i = 0; i < n; i++)
        tm_map_intern(&idx, v[i].id, strlen(v[i].id), NULL); /* ids are unique: index i */
    if (!rc && !rel)
        rc = stats_all(m, now, NULL, &idx, stats, d);
    for (size_t i = 0; i < n && !rc && !rel; i++) {
        const struct mstat st = stats[i];
        if (!strcmp(sort, "reputation")) {
            v[i].k1 = tm_wilson_lower((uint64_t)st.helpful, (uint64_t)st.ratings);
            v[i].k2 = (double)st.ratings;
        } else {
            v[i].k1 = (double)st.served30;
            v[i].k2 = (double)st.served;
        }
    }
    if (!rc) {
        qsort(v, n, sizeof *v, by_keys);
        *ids = cJSON_CreateArray();
        for (size_t i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit; i++)
            cJSON_AddItemToArray(*ids, cJSON_CreateString(v[i].id));
        *more = (size_t)offset + (size_t)limit < n;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].id);
    free(v);
    free(stats);
    tm_map_release(&idx);
    return rc;
}

/* ---- discovery ---- */

#define DISCOVER_MAX 2000 /* candidates considered: the newest listed datasets */

struct cand {
    char id[65], owner[65];
    char *topic;
    struct tm_affinity a;
    struct mstat st;
    double rep, score;
};

static int by_score(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Shares said in tenths: the figures are coarse, never a count of terms. */
static double tenth(double x)
{
    return floor(x * 10 + 0.5) / 10;
}

static void reason_of(const struct cand *c, char *out, size_t n)
{
    int sh = (int)(tenth(c->a.shared_frac) * 100), ad = (int)(tenth(c->a.adds_frac) * 100);
    const char *fit = c->a.overlap < 0.05                          ? "unrelated to yours"
                      : c->a.adds_frac < 0.15                        ? "a near duplicate of yours"
                      : c->a.complementarity >= 0.4                  ? "complementary"
                      : c->a.adds_frac < 0.3                         ? "mostly what you have"
                                                                     : "partly complementary";
    size_t k = (size_t)snprintf(out, n, "%s: shares about %d%% of its distinctive topics with yours, and about %d%% "
                                        "would be new to you",
                                fit, sh, ad);
    if (k >= n)
        return;
    if (c->st.ratings)
        k += (size_t)snprintf(out + k, n - k, "; %lld of %lld requesters found it helpful", (long long)c->st.helpful,
                              (long long)c->st.ratings);
    else if (k < n)
        k += (size_t)snprintf(out + k, n - k, "; not rated yet");
    if (k < n)
        snprintf(out + k, n - k, "; %lld quer%s in 30 days", (long long)c->st.served30,
                 c->st.served30 == 1 ? "y" : "ies");
}

/* The ids of ds's top terms (interned in terms), sorted; *n of them. */
static enum tm_rc term_ids(struct tm_med *m, const char *ds, struct tm_map *terms, uint32_t *ids, size_t *n,
                           struct tm_diag *d)
{
    const struct tm_profile *p;
    const char *top[TM_AFFINITY_TERMS];
    void *ref;
    int k = 0;
    *n = 0;
    enum tm_rc rc = tm_policy_k(m, ds, &k, d);
    if (!rc)
        rc = tm_med_profile_get(m, ds, &p, &ref, d);
    if (rc)
        return rc;
    size_t nt = tm_affinity_top(p, k > p->k ? k : p->k, top);
    for (size_t i = 0; i < nt; i++) {
        int added;
        ids[(*n)++] = tm_map_intern(terms, top[i], strlen(top[i]), &added);
    }
    tm_med_profile_put(m, p, ref);
    for (size_t i = 1; i < *n; i++) /* insertion sort: at most 80 */
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            uint32_t t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    return TM_OK;
}

enum tm_rc tm_discover(struct tm_med *m, const struct tm_account *who, const char *ds, int limit, int64_t now,
                       cJSON **out, struct tm_diag *d)
{
    int64_t owner = 0;
    int withdrawn = 0;
    *out = NULL;
    enum tm_rc rc = tm_dataset_owner(m, ds, &owner, &withdrawn, d);
    if ((rc == TM_ENOTFOUND || (!rc && (owner != who->id || withdrawn))))
        return tm_fail(d, TM_ENOTFOUND, "no listed dataset '%.80s' of yours", ds);
    if (rc)
        return rc;
    struct tm_map terms;
    uint32_t mine[TM_AFFINITY_TERMS];
    size_t nmine = 0, n = 0;
    struct cand *v = tm_xcalloc(DISCOVER_MAX, sizeof *v);
    uint32_t(*tid)[TM_AFFINITY_TERMS] = tm_xcalloc(DISCOVER_MAX, sizeof *tid);
    size_t *ntid = tm_xcalloc(DISCOVER_MAX, sizeof *ntid);
    uint32_t *df = NULL;
    uint8_t *ambient = NULL;
    tm_map_init(&terms);
    rc = term_ids(m, ds, &terms, mine, &nmine, d);
    sqlite3_stmt *s;
    if (!rc)
        rc = db_prep(m->st, "SELECT ds.id, a.name, coalesce(json_extract(ds.card, '$.topic'), '') FROM datasets ds"
                            " JOIN accounts a ON a.id = ds.owner WHERE ds.withdrawn_ms IS NULL AND ds.owner != ?"
                            " ORDER BY ds.created_ms DESC, ds.id LIMIT ?", &s, d);
    if (!rc) {
        int x;
        rc = db_bind(m->st, s, d, "ii", who->id, (int64_t)DISCOVER_MAX);
        while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && n < DISCOVER_MAX) {
            snprintf(v[n].id, sizeof v[n].id, "%s", db_text(s, 0));
            snprintf(v[n].owner, sizeof v[n].owner, "%s", db_text(s, 1));
            v[n].topic = tm_xstrdup(db_text(s, 2));
            n++;
        }
        db_done(m->st, s);
    }
    /* pass 1: every candidate's distinctive terms */
    for (size_t i = 0; i < n && !rc; i++) {
        rc = term_ids(m, v[i].id, &terms, tid[i], &ntid[i], d);
        if (rc == TM_ENOTFOUND) { /* withdrawn meanwhile */
            rc = TM_OK;
            v[i].score = -1;
        }
    }
    /* the pooled background: with 3 or more datasets, a term distinctive in more than
     * three quarters of them (and in at least 3) is ambient vocabulary - what everyone's
     * conversations with an agent share - not a topic. (A half would make a domain that
     * most of a small market works in ambient.) */
    if (!rc) {
        df = tm_xcalloc(terms.count + 1, sizeof *df);
        ambient = tm_xcalloc(terms.count + 1, 1);
        size_t total = 1;
        for (size_t j = 0; j < nmine; j++)
            df[mine[j]]++;
        for (size_t i = 0; i < n; i++) {
            total += v[i].score >= 0;
            for (size_t j = 0; j < ntid[i] && v[i].score >= 0; j++)
                df[tid[i][j]]++;
        }
        for (uint32_t t = 0; t < terms.count && total >= 3; t++)
            ambient[t] = df[t] >= 3 && 4 * (size_t)df[t] > 3 * total;
    }
    /* pass 2: affinity, reputation, demand */
    struct tm_map idx;
    struct mstat *stats = tm_xcalloc(n + 1, sizeof *stats);
    tm_map_init(&idx);
    for (size_t i = 0; i < n; i++)
        tm_map_intern(&idx, v[i].id, strlen(v[i].id), NULL); /* ids are unique: index i */
    if (!rc)
        rc = stats_all(m, now, NULL, &idx, stats, d);
    for (size_t i = 0; i < n && !rc; i++) {
        if (v[i].score < 0)
            continue;
        tm_affinity(mine, nmine, tid[i], ntid[i], ambient, &v[i].a);
        v[i].st = stats[i];
        v[i].rep = tm_wilson_lower((uint64_t)v[i].st.helpful, (uint64_t)v[i].st.ratings);
        /* what collaboration would give, weighted by what others found (an unrated
         * dataset keeps half its weight) and, gently, by demand */
        v[i].score = v[i].a.complementarity * (0.5 + 0.5 * v[i].rep) * (1 + 0.1 * log1p((double)v[i].st.served30));
    }
    if (!rc) {
        qsort(v, n, sizeof *v, by_score);
        cJSON *o = cJSON_CreateObject(), *list;
        cJSON_AddStringToObject(o, "for", ds);
        list = cJSON_AddArrayToObject(o, "candidates");
        size_t considered = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i].score < 0)
                continue;
            considered++;
            if ((int)cJSON_GetArraySize(list) >= limit)
                continue;
            char reason[300];
            reason_of(&v[i], reason, sizeof reason);
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "dataset_id", v[i].id);
            cJSON_AddStringToObject(c, "owner", v[i].owner);
            cJSON_AddStringToObject(c, "topic", v[i].topic);
            cJSON_AddNumberToObject(c, "score", round2(v[i].score));
            cJSON_AddNumberToObject(c, "shared", tenth(v[i].a.shared_frac));
            cJSON_AddNumberToObject(c, "adds", tenth(v[i].a.adds_frac));
            cJSON_AddNumberToObject(c, "reputation", round2(v[i].rep));
            cJSON_AddNumberToObject(c, "ratings", (double)v[i].st.ratings);
            cJSON_AddNumberToObject(c, "queries_30d", (double)v[i].st.served30);
            cJSON_AddStringToObject(c, "reason", reason);
            cJSON_AddItemToArray(list, c);
        }
        cJSON_AddNumberToObject(o, "considered", (double)considered);
        *out = o;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].topic);
    free(v);
    free(tid);
    free(ntid);
    free(df);
    free(ambient);
    free(stats);
    tm_map_release(&idx);
    tm_map_release(&terms);
    return rc;
}
