/* workflow.c - requests, decisions, results, audit trail and policies (see workflow.h).
 *
 * Tables (schema 2): requests, approvals (one row per dataset whose owner must decide),
 * results (signed envelopes), audit (per dataset, hash-chained), policies. */
#include "store/store_int.h"
#include "attest/attest.h"
#include "pipeline/card.h"
#include "compute/compute.h"
#include "base/crypto.h"
#include "core/workflow.h"
#include "pipeline/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum tm_rc db_fail(struct tm_med *m, struct tm_diag *d, const char *what)
{
    return tm_fail(d, TM_EDB, "database: %s: %s", what, sqlite3_errmsg(store_db(m->store)));
}

static sqlite3_stmt *prep(struct tm_med *m, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(store_db(m->store), sql, -1, &s, NULL) != SQLITE_OK)
        return NULL;
    return s;
}

static char *print(cJSON *o)
{
    char *s = tm_canonical(o);
    cJSON_Delete(o);
    return s;
}

static void iso(int64_t ms, char out[32]) { tm_format_time(ms, out); }

/* ---- datasets and policies ---- */

struct ds {
    char id[65];
    int64_t owner;
    char owner_name[65];
    char commitment[80];
};

static enum tm_rc dataset(struct tm_med *m, const char *id, struct ds *o, struct tm_diag *d)
{
    sqlite3_stmt *s = prep(m, "SELECT d.id, d.owner, a.name, d.commitment FROM datasets d"
                              " JOIN accounts a ON a.id = d.owner WHERE d.id = ?");
    if (!s)
        return db_fail(m, d, "dataset");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    enum tm_rc rc = TM_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(o->id, sizeof o->id, "%s", (const char *)sqlite3_column_text(s, 0));
        o->owner = sqlite3_column_int64(s, 1);
        snprintf(o->owner_name, sizeof o->owner_name, "%s", (const char *)sqlite3_column_text(s, 2));
        snprintf(o->commitment, sizeof o->commitment, "%s", (const char *)sqlite3_column_text(s, 3));
    } else {
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%s'", id);
    }
    sqlite3_finalize(s);
    return rc;
}

static cJSON *policy_of(struct tm_med *m, const char *ds)
{
    sqlite3_stmt *s = prep(m, "SELECT policy FROM policies WHERE dataset_id = ?");
    cJSON *p = NULL;
    if (s) {
        sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            p = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    if (!cJSON_IsObject(p)) {
        cJSON_Delete(p);
        p = cJSON_Parse("{\"auto_approve\":[],\"review\":false}");
    }
    return p;
}

static int auto_approves(const cJSON *policy, const char *kind, const char *requester)
{
    const cJSON *rule;
    cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(policy, "auto_approve"))
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(rule, "kind");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(rule, "requester");
        if ((!cJSON_IsString(k) || !strcmp(k->valuestring, kind)) &&
            (!cJSON_IsString(r) || !strcmp(r->valuestring, requester)))
            return 1;
    }
    return 0;
}

static enum tm_rc audit_add(struct tm_med *m, const char *ds, const char *event, const char *request,
                            const char *kind, const char *by, const char *detail, int64_t now,
                            struct tm_diag *d);

/* ---- differential privacy: a per-dataset epsilon budget ---- */

static int dp_of(const cJSON *policy, double *budget, double *per_query)
{
    const cJSON *dp = cJSON_GetObjectItemCaseSensitive(policy, "dp");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(dp, "budget");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(dp, "per_query");
    if (!cJSON_IsNumber(b) || !cJSON_IsNumber(q))
        return 0;
    *budget = b->valuedouble;
    *per_query = q->valuedouble;
    return 1;
}

static double dp_spent(struct tm_med *m, const char *ds)
{
    sqlite3_stmt *s = prep(m, "SELECT spent FROM budgets WHERE dataset_id = ?");
    double v = 0;
    if (s) {
        sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_double(s, 0);
        sqlite3_finalize(s);
    }
    return v;
}

/* May a query on ds spend its epsilon? Sets *eps (0 when DP is off). */
static enum tm_rc dp_check(struct tm_med *m, const char *ds, double *eps, struct tm_diag *d)
{
    double budget, per;
    cJSON *pol = policy_of(m, ds);
    int on = dp_of(pol, &budget, &per);
    cJSON_Delete(pol);
    *eps = 0;
    if (!on)
        return TM_OK;
    double spent = dp_spent(m, ds);
    if (spent + per > budget + 1e-9)
        return tm_fail(d, TM_EPOLICY,
                       "dataset '%s' has spent its privacy budget (epsilon %.2f of %.2f used; this "
                       "query needs %.2f): ask its owner to raise it", ds, spent, budget, per);
    *eps = per;
    return TM_OK;
}

static enum tm_rc dp_spend(struct tm_med *m, const char *ds, double eps, const char *rid,
                           const char *kind, int64_t now, struct tm_diag *d)
{
    sqlite3_stmt *s = prep(m, "INSERT INTO budgets(dataset_id, spent) VALUES(?, ?) ON CONFLICT(dataset_id)"
                              " DO UPDATE SET spent = spent + excluded.spent");
    if (!s)
        return db_fail(m, d, "budget");
    sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 2, eps);
    int ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    if (!ok)
        return db_fail(m, d, "budget");
    double budget = 0, per = 0;
    cJSON *pol = policy_of(m, ds);
    dp_of(pol, &budget, &per);
    cJSON_Delete(pol);
    char detail[160];
    snprintf(detail, sizeof detail, "epsilon %.2f spent, %.2f of %.2f left", eps, budget - dp_spent(m, ds), budget);
    return audit_add(m, ds, "dp-spend", rid, kind, "mediator", detail, now, d);
}

/* ---- audit trail: entry i stores hash_i = SHA-256(hash_{i-1} "\n" canonical entry_i) ---- */

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

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

static enum tm_rc audit_add(struct tm_med *m, const char *ds, const char *event, const char *request,
                            const char *kind, const char *by, const char *detail, int64_t now,
                            struct tm_diag *d)
{
    sqlite3_stmt *s = prep(m, "SELECT seq, hash FROM audit WHERE dataset_id = ? ORDER BY seq DESC LIMIT 1");
    if (!s)
        return db_fail(m, d, "audit");
    sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
    int64_t seq = 1;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    if (sqlite3_step(s) == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    char ts[32];
    iso(now, ts);
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
    char *entry = print(e), hash[65];
    chain_hash(prev, entry, hash);
    s = prep(m, "INSERT INTO audit(dataset_id, seq, entry, prev, hash) VALUES(?,?,?,?,?)");
    enum tm_rc rc = TM_OK;
    if (!s) {
        rc = db_fail(m, d, "audit");
    } else {
        sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, seq);
        sqlite3_bind_text(s, 3, entry, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, prev, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, hash, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = db_fail(m, d, "audit insert");
        sqlite3_finalize(s);
    }
    free(entry);
    return rc;
}

/* ---- requests ---- */

struct req {
    char id[40], kind[24], status[16], requester[65];
    int64_t requester_id, created_ms;
    cJSON *params; /* {"datasets": [...], "limit": n, "query": "..."} */
    char *reason;
};

static void req_release(struct req *r)
{
    cJSON_Delete(r->params);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

static enum tm_rc load_req(struct tm_med *m, const char *id, struct req *r, struct tm_diag *d)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *s = prep(m, "SELECT r.id, r.kind, r.status, a.name, r.requester, r.created_ms,"
                              " r.params, r.reason FROM requests r JOIN accounts a ON a.id = r.requester"
                              " WHERE r.id = ?");
    if (!s)
        return db_fail(m, d, "request");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    enum tm_rc rc = TM_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(r->kind, sizeof r->kind, "%s", (const char *)sqlite3_column_text(s, 1));
        snprintf(r->status, sizeof r->status, "%s", (const char *)sqlite3_column_text(s, 2));
        snprintf(r->requester, sizeof r->requester, "%s", (const char *)sqlite3_column_text(s, 3));
        r->requester_id = sqlite3_column_int64(s, 4);
        r->created_ms = sqlite3_column_int64(s, 5);
        r->params = cJSON_Parse((const char *)sqlite3_column_text(s, 6));
        if (sqlite3_column_type(s, 7) != SQLITE_NULL)
            r->reason = tm_xstrdup((const char *)sqlite3_column_text(s, 7));
    } else {
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%s'", id);
    }
    sqlite3_finalize(s);
    return rc;
}

static enum tm_rc set_status(struct tm_med *m, const char *id, const char *status, const char *reason,
                             int64_t now, struct tm_diag *d)
{
    sqlite3_stmt *s = prep(m, "UPDATE requests SET status = ?, reason = coalesce(?, reason),"
                              " updated_ms = ? WHERE id = ?");
    if (!s)
        return db_fail(m, d, "status");
    sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, id, -1, SQLITE_STATIC);
    int ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    return ok ? TM_OK : db_fail(m, d, "status");
}

enum tm_rc tm_med_profile(struct tm_med *m, const char *id, struct tm_profile *p, struct tm_diag *d)
{
    uint8_t *blob = NULL, *plain = NULL;
    size_t bl = 0, pl = 0;
    char aad[128];
    snprintf(aad, sizeof aad, "teemed-profile-v1|%s", id);
    enum tm_rc rc = tm_store_profile(m->store, id, &blob, &bl, d);
    if (!rc)
        rc = tm_unseal(m->tee.seal_key, aad, blob, bl, &plain, &pl, d);
    if (!rc)
        rc = tm_profile_from_json((const char *)plain, pl, &m->tax, p, d);
    free(blob);
    if (plain)
        tm_cleanse(plain, pl);
    free(plain);
    return rc;
}

/* The request part of an envelope: what was asked, of which datasets (with their
 * commitments), by whom, with which parameters. */
static cJSON *request_json(struct tm_med *m, const struct req *r, struct tm_diag *d, enum tm_rc *rc)
{
    cJSON *o = cJSON_CreateObject();
    char ts[32];
    cJSON_AddStringToObject(o, "request_id", r->id);
    cJSON_AddStringToObject(o, "computation", r->kind);
    cJSON_AddStringToObject(o, "requester", r->requester);
    cJSON *dsa = cJSON_AddArrayToObject(o, "datasets");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->params, "datasets"))
    {
        struct ds x;
        *rc = dataset(m, it->valuestring, &x, d);
        if (*rc)
            break;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "dataset_id", x.id);
        cJSON_AddStringToObject(e, "owner", x.owner_name);
        cJSON_AddStringToObject(e, "commitment", x.commitment);
        cJSON_AddItemToArray(dsa, e);
    }
    cJSON *params = cJSON_Duplicate(r->params, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(params, "datasets");
    cJSON_AddItemToObject(o, "parameters", params);
    iso(r->created_ms, ts);
    cJSON_AddStringToObject(o, "requested_at", ts);
    return o;
}

static char *sha_hex(const cJSON *o)
{
    char *c = tm_canonical(o), *hex = tm_xmalloc(65);
    uint8_t h[32];
    tm_sha256(c, strlen(c), h);
    tm_hex(h, 32, hex);
    free(c);
    return hex;
}

static enum tm_rc pending_count(struct tm_med *m, const char *id, const char *decision, int *n,
                                struct tm_diag *d)
{
    sqlite3_stmt *s = prep(m, "SELECT count(*) FROM approvals WHERE request_id = ? AND decision = ?");
    if (!s)
        return db_fail(m, d, "approvals");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, decision, -1, SQLITE_STATIC);
    *n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return TM_OK;
}

/* The owner's policy may ask for a higher k than the one the dataset was onboarded
 * with: terms and topics seen in fewer sessions stop being publishable. */
static void raise_k(struct tm_profile *p, int k)
{
    p->k = k;
    for (size_t i = 0; i < p->nterms; i++)
        if (p->terms[i].df < (uint32_t)k)
            p->terms[i].flags &= ~(uint32_t)TM_T_PUBLIC;
    for (size_t i = 0; i < p->ntopics; i++)
        p->topics[i].publishable = p->topics[i].df >= (uint32_t)k;
}

/* Run the computation, sign the envelope, store it; status becomes done or review. */
static enum tm_rc run(struct tm_med *m, struct req *r, int64_t now, struct tm_diag *d)
{
    const struct tm_computation *c = tm_computation(r->kind);
    struct tm_profile prof[TM_COMPUTE_MAX_DS];
    struct tm_compute_in in = {&m->tax, &m->bg, {0}, {0}, 0, r->params, {0}};
    cJSON *result = NULL, *env = NULL, *reqj = NULL;
    enum tm_rc rc = TM_OK;
    int review = 0;
    memset(prof, 0, sizeof prof);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->params, "datasets"))
    {
        if (in.n == TM_COMPUTE_MAX_DS)
            break;
        in.ids[in.n] = it->valuestring;
        rc = tm_med_profile(m, it->valuestring, &prof[in.n], d);
        if (rc)
            goto out;
        in.prof[in.n] = &prof[in.n];
        in.n++;
        cJSON *pol = policy_of(m, it->valuestring);
        review |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pol, "review"));
        const cJSON *pk = cJSON_GetObjectItemCaseSensitive(pol, "k");
        if (cJSON_IsNumber(pk) && pk->valuedouble > prof[in.n - 1].k)
            raise_k(&prof[in.n - 1], (int)pk->valuedouble);
        cJSON_Delete(pol);
        if (c->releases_counts) {
            rc = dp_check(m, it->valuestring, &in.dp_epsilon[in.n - 1], d);
            if (rc)
                goto out;
        }
    }
    for (size_t i = 0; i < in.n; i++)
        if (in.dp_epsilon[i] > 0) {
            rc = dp_spend(m, in.ids[i], in.dp_epsilon[i], r->id, r->kind, now, d);
            if (rc)
                goto out;
        }
    result = c->run(&in, d);
    if (!result) {
        rc = TM_EINVAL;
        goto out;
    }
    reqj = request_json(m, r, d, &rc);
    if (rc)
        goto out;
    env = cJSON_CreateObject();
    cJSON *extra = cJSON_CreateObject();
    char *rh = sha_hex(reqj), *sh = sha_hex(result);
    cJSON_AddStringToObject(extra, "request_sha256", rh);
    cJSON_AddStringToObject(extra, "result_sha256", sh);
    cJSON_AddStringToObject(extra, "code_measurement", tm_code_measurement());
    free(rh);
    free(sh);
    cJSON_AddItemToObject(env, "request", reqj);
    reqj = NULL;
    cJSON_AddItemToObject(env, "result", result);
    result = NULL;
    rc = tm_tee_sign(&m->tee, env, "result", extra, now, d);
    if (rc)
        goto out;
    char *text = tm_canonical(env);
    sqlite3_stmt *s = prep(m, "INSERT OR REPLACE INTO results(request_id, envelope, created_ms) VALUES(?,?,?)");
    if (!s) {
        free(text);
        rc = db_fail(m, d, "result");
        goto out;
    }
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    free(text);
    if (!ok) {
        rc = db_fail(m, d, "result");
        goto out;
    }
    if (review) { /* owners with a review policy see the result before it is released */
        s = prep(m, "UPDATE approvals SET decision = 'review' WHERE request_id = ? AND dataset_id IN"
                    " (SELECT dataset_id FROM policies WHERE json_extract(policy, '$.review') = 1)");
        if (s) {
            sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
            sqlite3_step(s);
            sqlite3_finalize(s);
        }
    }
    int reviewers = 0;
    if (review)
        rc = pending_count(m, r->id, "review", &reviewers, d);
    if (!rc)
        rc = set_status(m, r->id, reviewers ? "review" : "done", NULL, now, d);
    review = reviewers > 0;
    for (size_t i = 0; !rc && i < in.n; i++)
        rc = audit_add(m, in.ids[i], "run", r->id, r->kind, "mediator",
                       review ? "result computed, held for the owner's review" : "result computed and released",
                       now, d);
out:
    for (size_t i = 0; i < TM_COMPUTE_MAX_DS; i++)
        tm_profile_release(&prof[i]);
    cJSON_Delete(result);
    cJSON_Delete(reqj);
    cJSON_Delete(env);
    return rc;
}

static cJSON *awaiting(struct tm_med *m, const char *id, const char *decision)
{
    cJSON *a = cJSON_CreateArray();
    sqlite3_stmt *s = prep(m, "SELECT ap.dataset_id, a.name FROM approvals ap JOIN accounts a"
                              " ON a.id = ap.owner WHERE ap.request_id = ? AND ap.decision = ?"
                              " ORDER BY ap.dataset_id");
    if (!s)
        return a;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, decision, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "dataset_id", (const char *)sqlite3_column_text(s, 0));
        cJSON_AddStringToObject(e, "owner", (const char *)sqlite3_column_text(s, 1));
        cJSON_AddItemToArray(a, e);
    }
    sqlite3_finalize(s);
    return a;
}

static cJSON *status_json(struct tm_med *m, const struct req *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "request_id", r->id);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddStringToObject(o, "computation", r->kind);
    cJSON_AddItemToObject(o, "datasets",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r->params, "datasets"), 1));
    if (!strcmp(r->status, "pending"))
        cJSON_AddItemToObject(o, "awaiting_approval", awaiting(m, r->id, "pending"));
    if (!strcmp(r->status, "review"))
        cJSON_AddItemToObject(o, "awaiting_review", awaiting(m, r->id, "review"));
    if (r->reason)
        cJSON_AddStringToObject(o, "reason", r->reason);
    return o;
}

/* End a request's transaction: commit (or roll back on rc) and reply with its status. */
static enum tm_rc finish(struct tm_med *m, enum tm_rc rc, struct req *r, char **out, struct tm_diag *d)
{
    if (!rc)
        rc = tm_store_commit(m->store, d);
    if (rc) {
        tm_store_rollback(m->store);
        req_release(r);
        return rc;
    }
    char id[40];
    snprintf(id, sizeof id, "%s", r->id);
    req_release(r);
    rc = load_req(m, id, r, d);
    if (!rc)
        *out = print(status_json(m, r));
    req_release(r);
    return rc;
}

static void new_id(char out[40])
{
    uint8_t b[8];
    char hex[17];
    if (tm_random(b, sizeof b, NULL))
        memset(b, 0, sizeof b);
    tm_hex(b, 8, hex);
    snprintf(out, 40, "req-%s", hex);
}

enum tm_rc tm_request(struct tm_med *m, const struct tm_request_opts *o, char **out, struct tm_diag *d)
{
    const struct tm_computation *c = tm_computation(o->kind);
    *out = NULL;
    if (!c)
        return tm_fail(d, TM_EINVAL, "unknown computation '%s' (use overlap, gap or debug)", o->kind);
    if (o->ndatasets < c->min_ds || o->ndatasets > c->max_ds)
        return tm_fail(d, TM_EINVAL, "%s needs %zu%s dataset%s (got %zu)", c->name, c->min_ds,
                       c->max_ds > c->min_ds ? " or more" : "", c->min_ds == 1 ? "" : "s", o->ndatasets);
    if (c->needs_query && !(o->query && *o->query))
        return tm_fail(d, TM_EINVAL, "%s needs the query text", c->name);
    if (!c->needs_query && o->query)
        return tm_fail(d, TM_EINVAL, "%s takes no query text", c->name);
    struct ds ds[TM_COMPUTE_MAX_DS];
    for (size_t i = 0; i < o->ndatasets; i++) {
        enum tm_rc rc = dataset(m, o->datasets[i], &ds[i], d);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(ds[j].id, ds[i].id))
                return tm_fail(d, TM_EINVAL, "dataset '%s' named twice", ds[i].id);
    }
    for (size_t i = 0; i < o->ndatasets && c->releases_counts; i++) {
        double eps;
        enum tm_rc rc = dp_check(m, ds[i].id, &eps, d);
        if (rc)
            return rc;
    }
    int64_t requester;
    enum tm_rc rc = tm_store_begin(m->store, d);
    if (rc)
        return rc;
    rc = tm_store_account(m->store, o->requester, 1, &requester, d);
    struct req r = {0};
    if (rc)
        goto fail;
    new_id(r.id);
    snprintf(r.kind, sizeof r.kind, "%s", c->name);
    snprintf(r.status, sizeof r.status, "pending");
    snprintf(r.requester, sizeof r.requester, "%s", o->requester);
    r.requester_id = requester;
    r.created_ms = o->now_ms;
    r.params = cJSON_CreateObject();
    cJSON *dsa = cJSON_AddArrayToObject(r.params, "datasets");
    for (size_t i = 0; i < o->ndatasets; i++)
        cJSON_AddItemToArray(dsa, cJSON_CreateString(ds[i].id));
    if (o->limit > 0)
        cJSON_AddNumberToObject(r.params, "limit", o->limit);
    if (o->query)
        cJSON_AddStringToObject(r.params, "query", o->query);
    char *params = tm_canonical(r.params);
    sqlite3_stmt *s = prep(m, "INSERT INTO requests(id, kind, requester, params, status, created_ms,"
                              " updated_ms) VALUES(?,?,?,?,'pending',?,?)");
    if (!s) {
        free(params);
        rc = db_fail(m, d, "request");
        goto fail;
    }
    sqlite3_bind_text(s, 1, r.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r.kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, requester);
    sqlite3_bind_text(s, 4, params, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, o->now_ms);
    sqlite3_bind_int64(s, 6, o->now_ms);
    int ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    free(params);
    if (!ok) {
        rc = db_fail(m, d, "request");
        goto fail;
    }
    for (size_t i = 0; i < o->ndatasets && !rc; i++) {
        const char *decision = NULL;
        if (ds[i].owner != requester) {
            cJSON *pol = policy_of(m, ds[i].id);
            decision = auto_approves(pol, c->name, o->requester) ? "auto" : "pending";
            cJSON_Delete(pol);
            s = prep(m, "INSERT INTO approvals(request_id, dataset_id, owner, decision, decided_ms)"
                        " VALUES(?,?,?,?,?)");
            if (!s) {
                rc = db_fail(m, d, "approval");
                break;
            }
            sqlite3_bind_text(s, 1, r.id, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, ds[i].id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, ds[i].owner);
            sqlite3_bind_text(s, 4, decision, -1, SQLITE_STATIC);
            if (!strcmp(decision, "auto"))
                sqlite3_bind_int64(s, 5, o->now_ms);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(m, d, "approval");
            sqlite3_finalize(s);
        }
        if (!rc)
            rc = audit_add(m, ds[i].id, "request", r.id, c->name, o->requester,
                           !decision ? "requested by the owner" :
                           !strcmp(decision, "auto") ? "approved by the dataset's auto-approve policy" :
                                                       "awaiting the owner's decision",
                           o->now_ms, d);
    }
    int pending = 0;
    if (!rc)
        rc = pending_count(m, r.id, "pending", &pending, d);
    if (!rc && !pending) {
        rc = run(m, &r, o->now_ms, d);
        if (!rc)
            snprintf(r.status, sizeof r.status, "%s", "done");
    }
    return finish(m, rc, &r, out, d);
fail:
    tm_store_rollback(m->store);
    req_release(&r);
    return rc;
}

/* ---- decisions ---- */

static int may_read(struct tm_med *m, const struct req *r, int64_t who)
{
    if (who == r->requester_id)
        return 1;
    const struct tm_computation *c = tm_computation(r->kind);
    if (!c || !c->all_owners_read)
        return 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->params, "datasets"))
    {
        struct ds x;
        if (!dataset(m, it->valuestring, &x, NULL) && x.owner == who)
            return 1;
    }
    return 0;
}

enum tm_rc tm_decide(struct tm_med *m, const char *id, const char *owner, int approve,
                     const char *reason, int64_t now, char **out, struct tm_diag *d)
{
    *out = NULL;
    int64_t who;
    struct req r = {0};
    if (tm_store_account(m->store, owner, 0, &who, NULL))
        return tm_fail(d, TM_ENOTFOUND, "no request '%s' awaits a decision by '%s'", id, owner);
    enum tm_rc rc = tm_store_begin(m->store, d);
    if (rc)
        return rc;
    rc = load_req(m, id, &r, NULL);
    /* the owner's open decisions on this request: approvals, or releases under review */
    const char *stage = !rc && !strcmp(r.status, "pending") ? "pending"
                        : !rc && !strcmp(r.status, "review") ? "review" : NULL;
    sqlite3_stmt *s = stage ? prep(m, "SELECT dataset_id FROM approvals WHERE request_id = ? AND"
                                      " owner = ? AND decision = ?")
                            : NULL;
    char dsets[TM_COMPUTE_MAX_DS][65];
    size_t nds = 0;
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, who);
        sqlite3_bind_text(s, 3, stage, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW && nds < TM_COMPUTE_MAX_DS)
            snprintf(dsets[nds++], 65, "%s", (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    if (!nds) {
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%s' awaits a decision by '%s'", id, owner);
        goto fail;
    }
    const char *decision = approve ? (!strcmp(stage, "review") ? "released" : "approved") : "rejected";
    s = prep(m, "UPDATE approvals SET decision = ?, reason = ?, decided_ms = ? WHERE request_id = ?"
                " AND owner = ? AND decision = ?");
    if (!s) {
        rc = db_fail(m, d, "decision");
        goto fail;
    }
    sqlite3_bind_text(s, 1, decision, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, who);
    sqlite3_bind_text(s, 6, stage, -1, SQLITE_STATIC);
    int ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    if (!ok) {
        rc = db_fail(m, d, "decision");
        goto fail;
    }
    for (size_t i = 0; i < nds && !rc; i++)
        rc = audit_add(m, dsets[i], approve ? (!strcmp(stage, "review") ? "release" : "approve")
                                            : (!strcmp(stage, "review") ? "withhold" : "reject"),
                       id, r.kind, owner, reason, now, d);
    if (rc)
        goto fail;
    if (!approve) {
        rc = set_status(m, id, "rejected", reason ? reason : "rejected by the data owner", now, d);
        if (!rc && !strcmp(stage, "review")) { /* a withheld result is destroyed */
            s = prep(m, "DELETE FROM results WHERE request_id = ?");
            if (s) {
                sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
                sqlite3_step(s);
                sqlite3_finalize(s);
            }
        }
    } else {
        int left = 0;
        rc = pending_count(m, id, stage, &left, d);
        if (!rc && !left)
            rc = !strcmp(stage, "review") ? set_status(m, id, "done", NULL, now, d) : run(m, &r, now, d);
    }
    return finish(m, rc, &r, out, d);
fail:
    tm_store_rollback(m->store);
    req_release(&r);
    return rc;
}

enum tm_rc tm_result(struct tm_med *m, const char *id, const char *who_name, char **out,
                     struct tm_diag *d)
{
    *out = NULL;
    int64_t who;
    struct req r = {0};
    /* unknown account, unknown id, or no right to read: one and the same answer */
    if (tm_store_account(m->store, who_name, 0, &who, NULL) || load_req(m, id, &r, NULL) ||
        !may_read(m, &r, who)) {
        req_release(&r);
        return tm_fail(d, TM_ENOTFOUND, "no request '%s'", id);
    }
    enum tm_rc rc = TM_OK;
    if (!strcmp(r.status, "done")) {
        sqlite3_stmt *s = prep(m, "SELECT envelope FROM results WHERE request_id = ?");
        if (!s) {
            rc = db_fail(m, d, "result");
        } else {
            sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
            if (sqlite3_step(s) == SQLITE_ROW)
                *out = tm_xstrdup((const char *)sqlite3_column_text(s, 0));
            else
                rc = tm_fail(d, TM_ESTATE, "request '%s' is done but its result is missing", id);
            sqlite3_finalize(s);
        }
    } else {
        *out = print(status_json(m, &r));
    }
    req_release(&r);
    return rc;
}

enum tm_rc tm_inbox(struct tm_med *m, const char *owner, char **out, struct tm_diag *d)
{
    int64_t who;
    *out = NULL;
    cJSON *list = cJSON_CreateArray();
    if (tm_store_account(m->store, owner, 0, &who, NULL)) {
        *out = print(list); /* nobody asked anything of an account that does not exist */
        return TM_OK;
    }
    sqlite3_stmt *s = prep(m, "SELECT ap.request_id, ap.dataset_id, ap.decision FROM approvals ap"
                              " JOIN requests r ON r.id = ap.request_id WHERE ap.owner = ? AND"
                              " ap.decision IN ('pending', 'review') ORDER BY r.created_ms, ap.request_id");
    if (!s) {
        cJSON_Delete(list);
        return db_fail(m, d, "inbox");
    }
    sqlite3_bind_int64(s, 1, who);
    enum tm_rc rc = TM_OK;
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct req r;
        const char *rid = (const char *)sqlite3_column_text(s, 0);
        const char *decision = (const char *)sqlite3_column_text(s, 2);
        if (load_req(m, rid, &r, d))
            continue;
        const struct tm_computation *c = tm_computation(r.kind);
        cJSON *e = cJSON_CreateObject();
        char ts[32];
        cJSON_AddStringToObject(e, "request_id", r.id);
        cJSON_AddStringToObject(e, "stage", !strcmp(decision, "review") ? "review result" : "approve request");
        cJSON_AddStringToObject(e, "requester", r.requester);
        cJSON_AddStringToObject(e, "computation", r.kind);
        cJSON_AddStringToObject(e, "your_dataset", (const char *)sqlite3_column_text(s, 1));
        cJSON *params = cJSON_Duplicate(r.params, 1);
        cJSON_AddItemToObject(e, "parameters", params);
        cJSON_AddStringToObject(e, "releases", c ? c->releases : "");
        iso(r.created_ms, ts);
        cJSON_AddStringToObject(e, "requested_at", ts);
        if (!strcmp(decision, "review")) {
            sqlite3_stmt *q = prep(m, "SELECT envelope FROM results WHERE request_id = ?");
            if (q) {
                sqlite3_bind_text(q, 1, r.id, -1, SQLITE_STATIC);
                if (sqlite3_step(q) == SQLITE_ROW) {
                    cJSON *env = cJSON_Parse((const char *)sqlite3_column_text(q, 0));
                    cJSON_AddItemToObject(e, "result", cJSON_DetachItemFromObjectCaseSensitive(env, "result"));
                    cJSON_Delete(env);
                }
                sqlite3_finalize(q);
            }
        }
        cJSON_AddItemToArray(list, e);
        req_release(&r);
    }
    sqlite3_finalize(s);
    *out = print(list);
    return rc;
}

static enum tm_rc owner_check(struct tm_med *m, const char *ds, const char *owner, struct tm_diag *d)
{
    struct ds x;
    int64_t who;
    enum tm_rc rc = dataset(m, ds, &x, d);
    if (rc)
        return rc;
    if (tm_store_account(m->store, owner, 0, &who, NULL) || who != x.owner)
        return tm_fail(d, TM_EPOLICY, "only the owner of '%s' may do this", ds);
    return TM_OK;
}

enum tm_rc tm_audit(struct tm_med *m, const char *ds, const char *owner, char **out, int *chain_ok,
                    struct tm_diag *d)
{
    *out = NULL;
    *chain_ok = 1;
    enum tm_rc rc = owner_check(m, ds, owner, d);
    if (rc)
        return rc;
    sqlite3_stmt *s = prep(m, "SELECT seq, entry, prev, hash FROM audit WHERE dataset_id = ? ORDER BY seq");
    if (!s)
        return db_fail(m, d, "audit");
    sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
    cJSON *o = cJSON_CreateObject(), *entries = cJSON_CreateArray();
    char prev[65];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int64_t expect = 1;
    char problem[200] = "";
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *entry = (const char *)sqlite3_column_text(s, 1);
        const char *eprev = (const char *)sqlite3_column_text(s, 2);
        const char *hash = (const char *)sqlite3_column_text(s, 3);
        char h[65];
        chain_hash(prev, entry, h);
        cJSON *e = cJSON_Parse(entry);
        const cJSON *eseq = cJSON_GetObjectItemCaseSensitive(e, "seq");
        if (*chain_ok && (seq != expect || strcmp(eprev, prev) || strcmp(h, hash) ||
                          !cJSON_IsNumber(eseq) || (int64_t)eseq->valuedouble != seq)) {
            *chain_ok = 0;
            snprintf(problem, sizeof problem, "entry %lld: %s", (long long)seq,
                     seq != expect ? "an entry before it is missing"
                                   : "changed after it was written (hash chain broken)");
        }
        cJSON_AddItemToArray(entries, e ? e : cJSON_CreateString(entry));
        snprintf(prev, sizeof prev, "%s", hash);
        expect = seq + 1;
    }
    sqlite3_finalize(s);
    cJSON_AddStringToObject(o, "dataset_id", ds);
    cJSON_AddBoolToObject(o, "chain_ok", *chain_ok);
    if (!*chain_ok)
        cJSON_AddStringToObject(o, "problem", problem);
    cJSON_AddStringToObject(o, "head", prev);
    cJSON_AddItemToObject(o, "entries", entries);
    *out = print(o);
    return TM_OK;
}

enum tm_rc tm_policy(struct tm_med *m, const char *ds, const char *owner, const char *policy_json,
                     int64_t now, char **out, struct tm_diag *d)
{
    *out = NULL;
    enum tm_rc rc = owner_check(m, ds, owner, d);
    if (rc)
        return rc;
    if (!policy_json) {
        *out = print(policy_of(m, ds));
        return TM_OK;
    }
    cJSON *p = cJSON_Parse(policy_json);
    const cJSON *aa = cJSON_GetObjectItemCaseSensitive(p, "auto_approve");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(p, "review");
    if (!cJSON_IsObject(p) || (aa && !cJSON_IsArray(aa)) || (rv && !cJSON_IsBool(rv))) {
        cJSON_Delete(p);
        return tm_fail(d, TM_EINVAL, "policy: expected {\"auto_approve\": [{\"kind\": K, "
                                     "\"requester\": R}], \"review\": true|false}");
    }
    cJSON *clean = cJSON_CreateObject(), *rules = cJSON_AddArrayToObject(clean, "auto_approve");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, aa)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(rule, "kind");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(rule, "requester");
        if (!cJSON_IsObject(rule) || (k && (!cJSON_IsString(k) || !tm_computation(k->valuestring))) ||
            (r && !cJSON_IsString(r))) {
            cJSON_Delete(p);
            cJSON_Delete(clean);
            return tm_fail(d, TM_EINVAL, "policy: each auto_approve rule is {\"kind\": a computation, "
                                         "\"requester\": an account}, both optional");
        }
        cJSON *x = cJSON_CreateObject();
        if (k)
            cJSON_AddStringToObject(x, "kind", k->valuestring);
        if (r)
            cJSON_AddStringToObject(x, "requester", r->valuestring);
        cJSON_AddItemToArray(rules, x);
    }
    cJSON_AddBoolToObject(clean, "review", cJSON_IsTrue(rv));
    const cJSON *kk = cJSON_GetObjectItemCaseSensitive(p, "k");
    if (kk) {
        if (!cJSON_IsNumber(kk) || kk->valuedouble < TM_K_MIN || kk->valuedouble > 1000000) {
            cJSON_Delete(p);
            cJSON_Delete(clean);
            return tm_fail(d, TM_EINVAL, "policy: k must be a number >= %d", TM_K_MIN);
        }
        cJSON_AddNumberToObject(clean, "k", (int)kk->valuedouble);
    }
    double budget, per;
    if (cJSON_GetObjectItemCaseSensitive(p, "dp")) {
        if (!dp_of(p, &budget, &per) || budget <= 0 || per <= 0 || per > budget || budget > 1000) {
            cJSON_Delete(p);
            cJSON_Delete(clean);
            return tm_fail(d, TM_EINVAL, "policy: dp needs 0 < per_query <= budget <= 1000");
        }
        cJSON *dp = cJSON_AddObjectToObject(clean, "dp");
        cJSON_AddNumberToObject(dp, "budget", budget);
        cJSON_AddNumberToObject(dp, "per_query", per);
    }
    cJSON_Delete(p);
    char *text = tm_canonical(clean);
    rc = tm_store_begin(m->store, d);
    if (!rc) {
        sqlite3_stmt *s = prep(m, "INSERT OR REPLACE INTO policies(dataset_id, policy) VALUES(?,?)");
        if (!s) {
            rc = db_fail(m, d, "policy");
        } else {
            sqlite3_bind_text(s, 1, ds, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(m, d, "policy");
            sqlite3_finalize(s);
        }
        if (!rc)
            rc = audit_add(m, ds, "policy", NULL, NULL, owner, text, now, d);
        if (!rc)
            rc = tm_store_commit(m->store, d);
        if (rc)
            tm_store_rollback(m->store);
    }
    if (rc) {
        free(text);
        cJSON_Delete(clean);
        return rc;
    }
    free(text);
    *out = print(clean);
    return TM_OK;
}

enum tm_rc tm_budget(struct tm_med *m, const char *ds, char **out, struct tm_diag *d)
{
    struct ds x;
    *out = NULL;
    enum tm_rc rc = dataset(m, ds, &x, d);
    if (rc)
        return rc;
    cJSON *pol = policy_of(m, ds), *o = cJSON_CreateObject();
    double budget, per;
    int on = dp_of(pol, &budget, &per);
    cJSON_Delete(pol);
    cJSON_AddBoolToObject(o, "differential_privacy", on);
    if (on) {
        double spent = dp_spent(m, ds);
        cJSON_AddNumberToObject(o, "epsilon_budget", budget);
        cJSON_AddNumberToObject(o, "epsilon_per_query", per);
        cJSON_AddNumberToObject(o, "epsilon_spent", spent);
        cJSON_AddNumberToObject(o, "epsilon_left", budget - spent > 0 ? budget - spent : 0);
    }
    *out = print(o);
    return TM_OK;
}
