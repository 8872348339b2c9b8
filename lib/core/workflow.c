/* workflow.c - requests, decisions, jobs, results and policies (see workflow.h).
 *
 * Tables: requests (one row each, its state and job lease), request_datasets (its
 * datasets in order), approvals (one row per dataset whose owner decides), results
 * (signed envelopes), policies, budgets; the audit trail is audit.c. Every database
 * error fails the operation: nothing here reads a failed query as "no row". */
#include "core/workflow.h"
#include "attest/attest.h"
#include "base/base.h"
#include "base/crypto.h"
#include "compute/compute.h"
#include "core/audit.h"
#include "core/ledger.h"
#include "core/market.h"
#include "core/pool.h"
#include "core/dataset.h"
#include "pipeline/card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- states ---- */

static const char *const state_names[TM_RQ_NSTATES] = {
    "pending", "queued", "running", "review", "done", "rejected", "cancelled", "failed",
};

#define B(s) (1u << (s))
/* allowed[from] = the states it may move to */
static const unsigned allowed[TM_RQ_NSTATES] = {
    [TM_RQ_PENDING] = B(TM_RQ_QUEUED) | B(TM_RQ_REJECTED) | B(TM_RQ_CANCELLED),
    [TM_RQ_QUEUED] = B(TM_RQ_RUNNING) | B(TM_RQ_CANCELLED) | B(TM_RQ_FAILED),
    [TM_RQ_RUNNING] = B(TM_RQ_DONE) | B(TM_RQ_REVIEW) | B(TM_RQ_FAILED) | B(TM_RQ_CANCELLED) |
                      B(TM_RQ_QUEUED) | B(TM_RQ_RUNNING) /* a new claim after the lease expired */,
    [TM_RQ_REVIEW] = B(TM_RQ_DONE) | B(TM_RQ_REJECTED) | B(TM_RQ_CANCELLED),
};

const char *tm_req_state_name(enum tm_req_state s)
{
    return (unsigned)s < TM_RQ_NSTATES ? state_names[s] : "unknown";
}

int tm_req_state_parse(const char *name)
{
    for (int i = 0; i < TM_RQ_NSTATES; i++)
        if (!strcmp(state_names[i], name))
            return i;
    return -1;
}

int tm_req_may(enum tm_req_state from, enum tm_req_state to)
{
    return (unsigned)from < TM_RQ_NSTATES && (unsigned)to < TM_RQ_NSTATES && (allowed[from] & B(to)) != 0;
}

int tm_req_final(enum tm_req_state s)
{
    return s == TM_RQ_DONE || s == TM_RQ_REJECTED || s == TM_RQ_CANCELLED || s == TM_RQ_FAILED;
}

/* Move request id from `from` to `to` (checked against the table and against the row:
 * TM_ECONFLICT when the row is no longer in `from`). */
static enum tm_rc transition(struct tm_med *m, const char *id, enum tm_req_state from, enum tm_req_state to,
                             const char *reason, int64_t now, struct tm_diag *d)
{
    if (!tm_req_may(from, to))
        return tm_fail(d, TM_ECONFLICT, "request '%s' cannot go from %s to %s", id, tm_req_state_name(from),
                       tm_req_state_name(to));
    enum tm_rc rc = db_run(m->st, d,
                           "UPDATE requests SET status = ?, reason = coalesce(?, reason), updated_ms = ?,"
                           " lease_ms = NULL WHERE id = ? AND status = ?",
                           "ttitt", tm_req_state_name(to), reason, now, id, tm_req_state_name(from));
    if (!rc && db_changes(m->st) != 1)
        rc = tm_fail(d, TM_ECONFLICT, "request '%s' is no longer %s", id, tm_req_state_name(from));
    if (!rc && tm_req_final(to)) /* every end settles or refunds the hold, in the same transaction */
        rc = tm_credits_close(m, id, to == TM_RQ_DONE, now, d);
    return rc;
}

/* ---- datasets and policies ---- */

struct ds {
    char id[65];
    int64_t owner;
    char owner_name[65];
    char commitment[80];
    int withdrawn;
};

static enum tm_rc dataset(struct tm_med *m, const char *id, struct ds *o, struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, "SELECT ds.id, ds.owner, a.name, ds.commitment, ds.withdrawn_ms IS NOT NULL"
                                   " FROM datasets ds JOIN accounts a ON a.id = ds.owner WHERE ds.id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int r = rc ? -1 : db_step(m->st, s, &rc, d);
    if (r == 1) {
        snprintf(o->id, sizeof o->id, "%s", db_text(s, 0));
        o->owner = sqlite3_column_int64(s, 1);
        snprintf(o->owner_name, sizeof o->owner_name, "%s", db_text(s, 2));
        snprintf(o->commitment, sizeof o->commitment, "%s", db_text(s, 3));
        o->withdrawn = sqlite3_column_int(s, 4);
    } else if (r == 0) {
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%.80s'", id);
    }
    db_done(m->st, s);
    return rc;
}

/* The policy of ds (owned), the default when none was set. Fails on any database error
 * or a stored policy that does not parse: review and DP never silently turn off. */
static enum tm_rc policy_of(struct tm_med *m, const char *ds, cJSON **out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    enum tm_rc rc = db_prep(m->st, "SELECT policy FROM policies WHERE dataset_id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", ds);
    int r = rc ? -1 : db_step(m->st, s, &rc, d);
    cJSON *p = NULL;
    if (r == 1) {
        p = cJSON_Parse(db_text(s, 0));
        if (!cJSON_IsObject(p))
            rc = tm_fail(d, TM_EDB, "database: the policy of '%s' is damaged", ds);
    } else if (r == 0) {
        p = cJSON_Parse("{\"auto_approve\":[],\"review\":false,\"max_terms\":20}");
    }
    db_done(m->st, s);
    if (rc) {
        cJSON_Delete(p);
        return rc;
    }
    *out = p;
    return TM_OK;
}

enum tm_rc tm_policy_prices(struct tm_med *m, const char *ds, cJSON **out, struct tm_diag *d)
{
    cJSON *pol;
    *out = NULL;
    enum tm_rc rc = policy_of(m, ds, &pol, d);
    if (rc)
        return rc;
    static const char *const kinds[] = {"overlap", "gap", "debug"};
    *out = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        cJSON_AddNumberToObject(*out, kinds[i], (double)tm_price(pol, kinds[i]));
    cJSON_Delete(pol);
    return TM_OK;
}

enum tm_rc tm_policy_k(struct tm_med *m, const char *ds, int *k, struct tm_diag *d)
{
    cJSON *pol;
    *k = 0;
    enum tm_rc rc = policy_of(m, ds, &pol, d);
    if (rc)
        return rc;
    int64_t v;
    if (tm_json_int(cJSON_GetObjectItemCaseSensitive(pol, "k"), TM_K_MIN, 1000000, &v))
        *k = (int)v;
    cJSON_Delete(pol);
    return TM_OK;
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

/* ---- differential privacy: a per-dataset epsilon budget ---- */

/* The dataset's budget, what one query spends and what one requester may spend in all
 * (a policy set before per_requester existed: a quarter of the budget). */
static int dp_of(const cJSON *policy, double *budget, double *per_query, double *per_requester)
{
    const cJSON *dp = cJSON_GetObjectItemCaseSensitive(policy, "dp");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(dp, "budget");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(dp, "per_query");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(dp, "per_requester");
    if (!cJSON_IsNumber(b) || !cJSON_IsNumber(q))
        return 0;
    *budget = b->valuedouble;
    *per_query = q->valuedouble;
    *per_requester = cJSON_IsNumber(r) ? r->valuedouble : b->valuedouble / 4;
    if (*per_requester < *per_query)
        *per_requester = *per_query;
    return 1;
}

/* Spent on ds in all (requester NULL) or by one requester. */
static enum tm_rc dp_spent(struct tm_med *m, const char *ds, const char *requester, double *spent, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *spent = 0;
    enum tm_rc rc = requester ? db_prep(m->st, "SELECT spent FROM budget_spend WHERE dataset_id = ? AND requester = ?", &s, d)
                              : db_prep(m->st, "SELECT spent FROM budgets WHERE dataset_id = ?", &s, d);
    if (!rc)
        rc = requester ? db_bind(m->st, s, d, "tt", ds, requester) : db_bind(m->st, s, d, "t", ds);
    if (!rc && db_step(m->st, s, &rc, d) == 1)
        *spent = sqlite3_column_double(s, 0);
    db_done(m->st, s);
    return rc;
}

/* May requester's query on ds under policy pol spend its epsilon, within the dataset's
 * total and the requester's share? *eps: what it spends (0: DP off). */
static enum tm_rc dp_check(struct tm_med *m, const char *ds, const cJSON *pol, const char *requester, double *eps,
                           struct tm_diag *d)
{
    double budget, per, share, spent, mine;
    *eps = 0;
    if (!dp_of(pol, &budget, &per, &share))
        return TM_OK;
    enum tm_rc rc = dp_spent(m, ds, NULL, &spent, d);
    if (!rc)
        rc = dp_spent(m, ds, requester, &mine, d);
    if (rc)
        return rc;
    if (mine + per > share + 1e-9)
        return tm_fail(d, TM_EPOLICY,
                       "you have spent your share of dataset '%s''s privacy budget (epsilon %.2f of your "
                       "%.2f; this query needs %.2f): ask its owner to raise per_requester", ds, mine, share, per);
    if (spent + per > budget + 1e-9)
        return tm_fail(d, TM_EPOLICY,
                       "dataset '%s' has spent its privacy budget (epsilon %.2f of %.2f used; this "
                       "query needs %.2f): ask its owner to raise it", ds, spent, budget, per);
    *eps = per;
    return TM_OK;
}

static enum tm_rc dp_spend(struct tm_med *m, const char *ds, const cJSON *pol, const char *requester, double eps,
                           const char *rid, const char *kind, int64_t now, struct tm_diag *d)
{
    double budget = 0, per = 0, share = 0, spent = 0;
    dp_of(pol, &budget, &per, &share);
    enum tm_rc rc = db_run(m->st, d, "INSERT INTO budgets(dataset_id, spent) VALUES(?, ?) ON CONFLICT(dataset_id)"
                                     " DO UPDATE SET spent = spent + excluded.spent", "tf", ds, eps);
    if (!rc)
        rc = db_run(m->st, d, "INSERT INTO budget_spend(dataset_id, requester, spent) VALUES(?, ?, ?)"
                              " ON CONFLICT(dataset_id, requester) DO UPDATE SET spent = spent + excluded.spent",
                    "ttf", ds, requester, eps);
    if (!rc)
        rc = dp_spent(m, ds, NULL, &spent, d);
    if (rc)
        return rc;
    char detail[160];
    snprintf(detail, sizeof detail, "epsilon %.2f spent, %.2f of %.2f left", eps, budget - spent, budget);
    return tm_audit_add(m, ds, "dp-spend", rid, kind, "mediator", detail, now, d);
}

/* ---- requests ---- */

struct req {
    char id[TM_REQ_ID_MAX], kind[24], requester[65];
    enum tm_req_state state;
    int64_t requester_id, created_ms, updated_ms, lease_ms;
    int attempts;
    cJSON *params; /* {"datasets": [...], "limit": n, "query": "..."} */
    char *reason;
    char ds[TM_COMPUTE_MAX_DS][65];
    size_t nds;
};

static void req_release(struct req *r)
{
    cJSON_Delete(r->params);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

static enum tm_rc load_datasets(struct tm_med *m, struct req *r, struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, "SELECT dataset_id FROM request_datasets WHERE request_id = ? ORDER BY pos", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", r->id);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && r->nds < TM_COMPUTE_MAX_DS)
        snprintf(r->ds[r->nds++], 65, "%s", db_text(s, 0));
    db_done(m->st, s);
    return rc;
}

/* Load request id; TM_ENOTFOUND (with the same message as for anyone) when absent. */
static enum tm_rc load_req(struct tm_med *m, const char *id, struct req *r, struct tm_diag *d)
{
    sqlite3_stmt *s;
    memset(r, 0, sizeof *r);
    enum tm_rc rc = db_prep(m->st, "SELECT r.id, r.kind, r.status, a.name, r.requester, r.created_ms, r.updated_ms,"
                                   " r.params, r.reason, coalesce(r.lease_ms, 0), r.attempts"
                                   " FROM requests r JOIN accounts a ON a.id = r.requester WHERE r.id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int x = rc ? -1 : db_step(m->st, s, &rc, d);
    if (x == 1) {
        snprintf(r->id, sizeof r->id, "%s", db_text(s, 0));
        snprintf(r->kind, sizeof r->kind, "%s", db_text(s, 1));
        int st = tm_req_state_parse(db_text(s, 2));
        snprintf(r->requester, sizeof r->requester, "%s", db_text(s, 3));
        r->requester_id = sqlite3_column_int64(s, 4);
        r->created_ms = sqlite3_column_int64(s, 5);
        r->updated_ms = sqlite3_column_int64(s, 6);
        r->params = cJSON_Parse(db_text(s, 7));
        if (sqlite3_column_type(s, 8) != SQLITE_NULL)
            r->reason = tm_xstrdup(db_text(s, 8));
        r->lease_ms = sqlite3_column_int64(s, 9);
        r->attempts = sqlite3_column_int(s, 10);
        if (st < 0 || !cJSON_IsObject(r->params))
            rc = tm_fail(d, TM_EDB, "database: request '%s' is damaged", r->id);
        r->state = st < 0 ? TM_RQ_FAILED : (enum tm_req_state)st;
    } else if (x == 0) {
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s'", id);
    }
    db_done(m->st, s);
    if (!rc)
        rc = load_datasets(m, r, d);
    if (rc)
        req_release(r);
    return rc;
}

/* Is who a party of r (its requester or an owner of one of its datasets)? */
static enum tm_rc party(struct tm_med *m, const struct req *r, int64_t who, int *yes, int *owner,
                        struct tm_diag *d)
{
    *yes = who == r->requester_id;
    *owner = 0;
    for (size_t i = 0; i < r->nds; i++) {
        struct ds x;
        enum tm_rc rc = dataset(m, r->ds[i], &x, d);
        if (rc)
            return rc;
        if (x.owner == who)
            *yes = *owner = 1;
    }
    return TM_OK;
}

/* The open decisions on request id: [{"dataset_id", "owner", "stage"}]. */
static enum tm_rc awaiting(struct tm_med *m, const char *id, cJSON **out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    enum tm_rc rc = db_prep(m->st, "SELECT ap.dataset_id, a.name, ap.decision FROM approvals ap JOIN accounts a"
                                   " ON a.id = ap.owner WHERE ap.request_id = ? AND ap.decision IN ('pending', 'review')"
                                   " ORDER BY ap.dataset_id", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    cJSON *a = cJSON_CreateArray();
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "dataset_id", db_text(s, 0));
        cJSON_AddStringToObject(e, "owner", db_text(s, 1));
        cJSON_AddStringToObject(e, "stage", !strcmp(db_text(s, 2), "review") ? "review" : "approval");
        cJSON_AddItemToArray(a, e);
    }
    db_done(m->st, s);
    if (rc) {
        cJSON_Delete(a);
        return rc;
    }
    *out = a;
    return TM_OK;
}

/* What request id costs: {"total", "datasets": {id: price}, "credits": "free" | "held" |
 * "paid" | "refunded"}, from the prices held at request time and the ledger. */
static enum tm_rc price_json(struct tm_med *m, const char *id, cJSON **out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    int64_t total = 0;
    cJSON *o = cJSON_CreateObject(), *per = cJSON_CreateObject();
    enum tm_rc rc = db_prep(m->st, "SELECT dataset_id, price FROM request_datasets WHERE request_id = ? ORDER BY pos",
                            &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        cJSON_AddNumberToObject(per, db_text(s, 0), (double)sqlite3_column_int64(s, 1));
        total += sqlite3_column_int64(s, 1);
    }
    db_done(m->st, s);
    const char *state = "free";
    if (!rc && total) {
        state = "held";
        rc = db_prep(m->st, "SELECT kind FROM ledger_txns WHERE request_id = ? AND kind IN ('settle', 'refund')", &s, d);
        if (!rc)
            rc = db_bind(m->st, s, d, "t", id);
        if (!rc && db_step(m->st, s, &rc, d) == 1)
            state = !strcmp(db_text(s, 0), "settle") ? "paid" : "refunded";
        db_done(m->st, s);
    }
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON_AddItemToObject(o, "datasets", per);
    cJSON_AddStringToObject(o, "credits", state);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return TM_OK;
}

static enum tm_rc status_json(struct tm_med *m, const struct req *r, cJSON **out, struct tm_diag *d)
{
    cJSON *aw, *price = NULL;
    enum tm_rc rc = awaiting(m, r->id, &aw, d);
    if (!rc)
        rc = price_json(m, r->id, &price, d);
    if (rc) {
        cJSON_Delete(aw);
        return rc;
    }
    char ts[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "request_id", r->id);
    cJSON_AddStringToObject(o, "status", tm_req_state_name(r->state));
    cJSON_AddStringToObject(o, "computation", r->kind);
    cJSON_AddStringToObject(o, "requester", r->requester);
    cJSON *ds = cJSON_AddArrayToObject(o, "datasets");
    for (size_t i = 0; i < r->nds; i++)
        cJSON_AddItemToArray(ds, cJSON_CreateString(r->ds[i]));
    cJSON *params = cJSON_Duplicate(r->params, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(params, "datasets");
    cJSON_AddItemToObject(o, "parameters", params);
    cJSON_AddItemToObject(o, "awaiting", aw);
    cJSON_AddItemToObject(o, "price", price);
    if (r->reason)
        cJSON_AddStringToObject(o, "reason", r->reason);
    else
        cJSON_AddNullToObject(o, "reason");
    tm_format_time(r->created_ms, ts);
    cJSON_AddStringToObject(o, "requested_at", ts);
    tm_format_time(r->updated_ms, ts);
    cJSON_AddStringToObject(o, "updated_at", ts);
    *out = o;
    return TM_OK;
}

/* Reload request id and describe it (after a commit). */
static enum tm_rc fresh_status(struct tm_med *m, const char *id, cJSON **out, struct tm_diag *d)
{
    struct req r;
    enum tm_rc rc = load_req(m, id, &r, d);
    if (!rc)
        rc = status_json(m, &r, out, d);
    req_release(&r);
    return rc;
}

static void new_id(char out[TM_REQ_ID_MAX])
{
    uint8_t b[8];
    char hex[17];
    if (tm_random(b, sizeof b, NULL))
        abort(); /* no randomness: refuse to make guessable ids */
    tm_hex(b, 8, hex);
    snprintf(out, TM_REQ_ID_MAX, "req-%s", hex);
}

static enum tm_rc check_request(struct tm_med *m, const struct tm_request_opts *o,
                                const struct tm_computation **cp, struct ds *ds, struct tm_diag *d)
{
    const struct tm_computation *c = tm_computation(o->kind);
    *cp = c;
    if (!c)
        return tm_fail(d, TM_EINVAL, "unknown computation '%.40s' (use overlap, gap or debug)", o->kind);
    if (o->ndatasets < c->min_ds || o->ndatasets > c->max_ds)
        return tm_fail(d, TM_EINVAL, "%s needs %zu%s dataset%s (got %zu)", c->name, c->min_ds,
                       c->max_ds > c->min_ds ? " or more" : "", c->min_ds == 1 ? "" : "s", o->ndatasets);
    if (c->needs_query && !(o->query && *o->query))
        return tm_fail(d, TM_EINVAL, "%s needs the query text", c->name);
    if (!c->needs_query && o->query)
        return tm_fail(d, TM_EINVAL, "%s takes no query text", c->name);
    if (o->query && strlen(o->query) > 2000)
        return tm_fail(d, TM_EINVAL, "the query text is longer than 2000 bytes");
    if (o->limit < 0 || o->limit > 1000)
        return tm_fail(d, TM_EINVAL, "limit must be from 1 to 1000");
    for (size_t i = 0; i < o->ndatasets; i++) {
        enum tm_rc rc = dataset(m, o->datasets[i], &ds[i], d);
        if (rc)
            return rc;
        if (ds[i].withdrawn)
            return tm_fail(d, TM_ECONFLICT, "dataset '%s' was withdrawn by its owner", ds[i].id);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(ds[j].id, ds[i].id))
                return tm_fail(d, TM_EINVAL, "dataset '%s' named twice", ds[i].id);
    }
    return TM_OK;
}

/* Insert the request rows and its approvals; *queued when no owner needs to decide. */
static enum tm_rc insert_request(struct tm_med *m, const struct tm_request_opts *o, const struct tm_computation *c,
                                 const struct ds *ds, const char *id, int *queued, struct tm_diag *d)
{
    cJSON *params = cJSON_CreateObject(), *dsa = cJSON_AddArrayToObject(params, "datasets");
    for (size_t i = 0; i < o->ndatasets; i++)
        cJSON_AddItemToArray(dsa, cJSON_CreateString(ds[i].id));
    if (o->limit > 0)
        cJSON_AddNumberToObject(params, "limit", o->limit);
    if (o->query)
        cJSON_AddStringToObject(params, "query", o->query);
    char *text = tm_canonical(params);
    cJSON_Delete(params);
    enum tm_rc rc = db_run(m->st, d, "INSERT INTO requests(id, kind, requester, params, status, created_ms,"
                                     " updated_ms) VALUES(?, ?, ?, ?, 'pending', ?, ?)",
                           "ttitii", id, c->name, o->requester->id, text, o->now_ms, o->now_ms);
    free(text);
    int pending = 0;
    for (size_t i = 0; i < o->ndatasets && !rc; i++) {
        cJSON *pol = NULL;
        int64_t price = 0, fee = 0;
        if (ds[i].owner != o->requester->id) { /* an owner's own dataset is free to them */
            rc = policy_of(m, ds[i].id, &pol, d);
            price = rc ? 0 : tm_price(pol, c->name);
            if (!rc)
                rc = tm_credits_fee(m, price, &fee, d);
        }
        if (!rc)
            rc = db_run(m->st, d, "INSERT INTO request_datasets(request_id, pos, dataset_id, price, fee)"
                                  " VALUES(?, ?, ?, ?, ?)", "tdtii", id, (int)i, ds[i].id, price, fee);
        const char *decision = NULL;
        if (!rc && pol) {
            decision = auto_approves(pol, c->name, o->requester->name) ? "auto" : "pending";
            pending += !strcmp(decision, "pending");
            rc = db_run(m->st, d, "INSERT INTO approvals(request_id, dataset_id, owner, decision, decided_ms)"
                                  " VALUES(?, ?, ?, ?, CASE WHEN ? = 'auto' THEN ? END)",
                        "ttitti", id, ds[i].id, ds[i].owner, decision, decision, o->now_ms);
        }
        cJSON_Delete(pol);
        if (!rc)
            rc = tm_audit_add(m, ds[i].id, "request", id, c->name, o->requester->name,
                              !decision ? "requested by the owner"
                              : !strcmp(decision, "auto") ? "approved by the dataset's auto-approve policy"
                                                          : "awaiting the owner's decision",
                              o->now_ms, d);
    }
    if (!rc)
        rc = tm_credits_hold(m, id, o->requester->name, c->name, o->now_ms, d);
    *queued = !pending;
    return rc;
}

enum tm_rc tm_request_create(struct tm_med *m, const struct tm_request_opts *o, cJSON **out,
                             char job[TM_REQ_ID_MAX], struct tm_diag *d)
{
    const struct tm_computation *c;
    struct ds ds[TM_COMPUTE_MAX_DS];
    char id[TM_REQ_ID_MAX];
    int queued = 0;
    *out = NULL;
    job[0] = 0;
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = check_request(m, o, &c, ds, d);
    for (size_t i = 0; !rc && c->releases_counts && i < o->ndatasets; i++) {
        cJSON *pol;
        double eps;
        rc = policy_of(m, ds[i].id, &pol, d);
        if (!rc)
            rc = dp_check(m, ds[i].id, pol, o->requester->name, &eps, d); /* refuse now what would be refused at run time */
        cJSON_Delete(pol);
    }
    if (!rc) {
        new_id(id);
        rc = insert_request(m, o, c, ds, id, &queued, d);
    }
    if (!rc && queued)
        rc = transition(m, id, TM_RQ_PENDING, TM_RQ_QUEUED, NULL, o->now_ms, d);
    if (!rc) /* the reply is read inside the transaction: no error can follow the commit */
        rc = fresh_status(m, id, out, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        cJSON_Delete(*out);
        *out = NULL;
        return rc;
    }
    if (queued)
        snprintf(job, TM_REQ_ID_MAX, "%s", id);
    return TM_OK;
}

/* The datasets of request id on which who has an open decision at stage. */
static enum tm_rc open_decisions(struct tm_med *m, const char *id, int64_t who, const char *stage,
                                 char (*dsets)[65], size_t *n, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *n = 0;
    enum tm_rc rc = db_prep(m->st, "SELECT dataset_id FROM approvals WHERE request_id = ? AND owner = ? AND"
                                   " decision = ? ORDER BY dataset_id", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "tit", id, who, stage);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && *n < TM_COMPUTE_MAX_DS)
        snprintf(dsets[(*n)++], 65, "%s", db_text(s, 0));
    db_done(m->st, s);
    return rc;
}

static enum tm_rc count_decisions(struct tm_med *m, const char *id, const char *decision, int *n,
                                  struct tm_diag *d)
{
    sqlite3_stmt *s;
    *n = 0;
    enum tm_rc rc = db_prep(m->st, "SELECT count(*) FROM approvals WHERE request_id = ? AND decision = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "tt", id, decision);
    if (!rc && db_step(m->st, s, &rc, d) == 1)
        *n = sqlite3_column_int(s, 0);
    db_done(m->st, s);
    return rc;
}

enum tm_rc tm_request_decide(struct tm_med *m, const struct tm_account *who, const char *id, int approve,
                             const char *reason, int64_t now, cJSON **out, char job[TM_REQ_ID_MAX],
                             struct tm_diag *d)
{
    struct req r = {0};
    char dsets[TM_COMPUTE_MAX_DS][65];
    size_t nds = 0;
    *out = NULL;
    job[0] = 0;
    if (reason && strlen(reason) > 500)
        return tm_fail(d, TM_EINVAL, "the reason is longer than 500 bytes");
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = load_req(m, id, &r, d);
    const char *stage = NULL;
    if (!rc) { /* open decisions: approvals while pending, releases while under review */
        stage = r.state == TM_RQ_PENDING ? "pending" : r.state == TM_RQ_REVIEW ? "review" : NULL;
        if (stage)
            rc = open_decisions(m, id, who->id, stage, dsets, &nds, d);
    }
    if (rc == TM_ENOTFOUND || (!rc && !nds)) {
        int is_party = 0, is_owner = 0;
        if (!rc && !party(m, &r, who->id, &is_party, &is_owner, NULL) && is_owner)
            rc = tm_fail(d, TM_ECONFLICT, "request '%s' is %s: nothing awaits your decision", id,
                         tm_req_state_name(r.state));
        else
            rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s' awaits a decision by '%s'", id, who->name);
    }
    if (rc)
        goto fail;
    int review = !strcmp(stage, "review");
    const char *decision = approve ? (review ? "released" : "approved") : "rejected";
    rc = db_run(m->st, d, "UPDATE approvals SET decision = ?, reason = ?, decided_ms = ? WHERE request_id = ?"
                          " AND owner = ? AND decision = ?", "ttitit", decision, reason, now, id, who->id, stage);
    for (size_t i = 0; i < nds && !rc; i++)
        rc = tm_audit_add(m, dsets[i], approve ? (review ? "release" : "approve") : (review ? "withhold" : "reject"),
                          id, r.kind, who->name, reason, now, d);
    if (!rc && !approve) {
        rc = transition(m, id, r.state, TM_RQ_REJECTED, reason ? reason : "rejected by the data owner", now, d);
        if (!rc && review) /* a withheld result is destroyed */
            rc = db_run(m->st, d, "DELETE FROM results WHERE request_id = ?", "t", id);
    } else if (!rc) {
        int left = 0;
        rc = count_decisions(m, id, stage, &left, d);
        if (!rc && !left)
            rc = transition(m, id, r.state, review ? TM_RQ_DONE : TM_RQ_QUEUED, NULL, now, d);
        if (!rc && !left && !review)
            snprintf(job, TM_REQ_ID_MAX, "%s", id);
    }
    if (!rc)
        rc = fresh_status(m, id, out, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc)
        goto fail;
    req_release(&r);
    return TM_OK;
fail:
    job[0] = 0;
    tm_store_rollback(m->st);
    cJSON_Delete(*out);
    *out = NULL;
    req_release(&r);
    return rc;
}

enum tm_rc tm_request_cancel(struct tm_med *m, const struct tm_account *who, const char *id, int64_t now,
                             cJSON **out, struct tm_diag *d)
{
    struct req r = {0};
    *out = NULL;
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = load_req(m, id, &r, d);
    if (!rc && r.requester_id != who->id)
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s' of yours", id);
    else if (rc == TM_ENOTFOUND)
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s' of yours", id);
    if (!rc && !tm_req_may(r.state, TM_RQ_CANCELLED))
        rc = tm_fail(d, TM_ECONFLICT, "request '%s' is %s: it can no longer be cancelled", id,
                     tm_req_state_name(r.state));
    if (!rc)
        rc = transition(m, id, r.state, TM_RQ_CANCELLED, "cancelled by the requester", now, d);
    if (!rc)
        rc = db_run(m->st, d, "UPDATE approvals SET decision = 'cancelled' WHERE request_id = ? AND"
                              " decision IN ('pending', 'review')", "t", id);
    if (!rc)
        rc = db_run(m->st, d, "DELETE FROM results WHERE request_id = ?", "t", id);
    for (size_t i = 0; !rc && i < r.nds; i++)
        rc = tm_audit_add(m, r.ds[i], "cancel", id, r.kind, who->name, "cancelled by the requester", now, d);
    if (!rc)
        rc = fresh_status(m, id, out, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        cJSON_Delete(*out);
        *out = NULL;
    }
    req_release(&r);
    return rc;
}

enum tm_rc tm_requests_cancel_on(struct tm_med *m, const char *ds, const char *reason, int64_t now, cJSON **ids,
                                 struct tm_diag *d)
{
    sqlite3_stmt *s;
    *ids = cJSON_CreateArray();
    enum tm_rc rc = db_prep(m->st, "SELECT r.id, r.status, r.kind FROM requests r JOIN request_datasets rd"
                                   " ON rd.request_id = r.id WHERE rd.dataset_id = ? AND r.status IN"
                                   " ('pending', 'queued', 'running', 'review') ORDER BY r.id", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", ds);
    struct open {
        char id[TM_REQ_ID_MAX], kind[24];
        int state;
    } *v = NULL;
    size_t n = 0, cap = 0;
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            v = tm_xrealloc(v, cap * sizeof *v);
        }
        snprintf(v[n].id, sizeof v[n].id, "%s", db_text(s, 0));
        v[n].state = tm_req_state_parse(db_text(s, 1));
        snprintf(v[n].kind, sizeof v[n].kind, "%s", db_text(s, 2));
        n++;
    }
    db_done(m->st, s);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = transition(m, v[i].id, (enum tm_req_state)v[i].state, TM_RQ_CANCELLED, reason, now, d);
        if (!rc)
            rc = db_run(m->st, d, "UPDATE approvals SET decision = 'cancelled' WHERE request_id = ? AND"
                                  " decision IN ('pending', 'review')", "t", v[i].id);
        if (!rc)
            rc = db_run(m->st, d, "DELETE FROM results WHERE request_id = ?", "t", v[i].id);
        if (!rc)
            rc = tm_audit_add(m, ds, "cancel", v[i].id, v[i].kind, "mediator", reason, now, d);
        if (!rc)
            cJSON_AddItemToArray(*ids, cJSON_CreateString(v[i].id));
    }
    free(v);
    return rc;
}

static int may_read(const struct req *r, int64_t who, int is_owner)
{
    if (who == r->requester_id)
        return 1;
    const struct tm_computation *c = tm_computation(r->kind);
    return c && c->all_owners_read && is_owner;
}

enum tm_rc tm_request_status(struct tm_med *m, const struct tm_account *who, const char *id, cJSON **out,
                             struct tm_diag *d)
{
    struct req r;
    int is_party = 0, is_owner = 0;
    *out = NULL;
    enum tm_rc rc = load_req(m, id, &r, d);
    if (!rc)
        rc = party(m, &r, who->id, &is_party, &is_owner, d);
    if (!rc && !is_party)
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s'", id);
    if (!rc)
        rc = status_json(m, &r, out, d);
    req_release(&r);
    return rc;
}

enum tm_rc tm_request_result(struct tm_med *m, const struct tm_account *who, const char *id, char **env,
                             cJSON **status, struct tm_diag *d)
{
    struct req r;
    int is_party = 0, is_owner = 0;
    *env = NULL;
    *status = NULL;
    enum tm_rc rc = load_req(m, id, &r, d);
    if (!rc)
        rc = party(m, &r, who->id, &is_party, &is_owner, d);
    /* unknown id, or no right to read: one and the same answer */
    if (rc == TM_ENOTFOUND || (!rc && !may_read(&r, who->id, is_owner)))
        rc = tm_fail(d, TM_ENOTFOUND, "no request '%.60s'", id);
    if (rc) {
        req_release(&r);
        return rc;
    }
    if (r.state == TM_RQ_DONE) {
        sqlite3_stmt *s;
        rc = db_prep(m->st, "SELECT envelope FROM results WHERE request_id = ?", &s, d);
        if (!rc)
            rc = db_bind(m->st, s, d, "t", id);
        int x = rc ? -1 : db_step(m->st, s, &rc, d);
        if (x == 1)
            *env = tm_xstrdup(db_text(s, 0));
        else if (x == 0)
            rc = tm_fail(d, TM_EDB, "database: request '%s' is done but its result is missing", id);
        db_done(m->st, s);
    } else {
        rc = status_json(m, &r, status, d);
    }
    req_release(&r);
    return rc;
}

/* Request cursor: "<created_ms>.<id>". */
static int req_cursor(const char *c, int64_t *ms, char id[TM_REQ_ID_MAX])
{
    char *end;
    long long v = strtoll(c, &end, 10);
    if (end == c || *end != '.' || v < 0 || strlen(end + 1) >= TM_REQ_ID_MAX)
        return -1;
    *ms = v;
    snprintf(id, TM_REQ_ID_MAX, "%s", end + 1);
    return 0;
}

static void set_cursor(cJSON *o, int more, int64_t ms, const char *id)
{
    if (more) {
        char c[80];
        snprintf(c, sizeof c, "%lld.%s", (long long)ms, id);
        cJSON_AddStringToObject(o, "next_cursor", c);
    } else {
        cJSON_AddNullToObject(o, "next_cursor");
    }
}

enum tm_rc tm_requests_list(struct tm_med *m, const struct tm_account *who, int state, int limit,
                            const char *cursor, cJSON **out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    int64_t cms = INT64_MAX;
    char cid[TM_REQ_ID_MAX] = "";
    *out = NULL;
    if (cursor && *cursor && req_cursor(cursor, &cms, cid))
        return tm_fail(d, TM_EINVAL, "invalid cursor '%.40s' (pass next_cursor as returned)", cursor);
    enum tm_rc rc = db_prep(m->st, "SELECT id, created_ms FROM requests WHERE requester = ?1"
                                   " AND (?2 IS NULL OR status = ?2)"
                                   " AND (created_ms < ?3 OR (created_ms = ?3 AND id > ?4))"
                                   " ORDER BY created_ms DESC, id LIMIT ?5", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "itit" "d", who->id, state >= 0 ? tm_req_state_name((enum tm_req_state)state) : NULL,
                     cms, cid, limit + 1);
    char (*ids)[TM_REQ_ID_MAX] = tm_xcalloc((size_t)limit + 1, TM_REQ_ID_MAX);
    int64_t last_ms = 0;
    int n = 0, x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && n <= limit) {
        snprintf(ids[n], TM_REQ_ID_MAX, "%s", db_text(s, 0));
        if (n < limit)
            last_ms = sqlite3_column_int64(s, 1);
        n++;
    }
    db_done(m->st, s);
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "requests");
    for (int i = 0; i < n && i < limit && !rc; i++) {
        cJSON *st;
        rc = fresh_status(m, ids[i], &st, d);
        if (!rc)
            cJSON_AddItemToArray(list, st);
    }
    if (!rc)
        set_cursor(o, n > limit, last_ms, n > limit ? ids[limit - 1] : "");
    free(ids);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return TM_OK;
}

static enum tm_rc inbox_entry(struct tm_med *m, const char *rid, const char *your_ds, const char *decision,
                              cJSON **out, struct tm_diag *d)
{
    struct req r;
    *out = NULL;
    enum tm_rc rc = load_req(m, rid, &r, d);
    if (rc)
        return rc;
    const struct tm_computation *c = tm_computation(r.kind);
    int review = !strcmp(decision, "review");
    cJSON *e = cJSON_CreateObject();
    char ts[32];
    cJSON_AddStringToObject(e, "request_id", r.id);
    cJSON_AddStringToObject(e, "stage", review ? "review result" : "approve request");
    cJSON_AddStringToObject(e, "requester", r.requester);
    cJSON_AddStringToObject(e, "computation", r.kind);
    cJSON_AddStringToObject(e, "your_dataset", your_ds);
    cJSON *ds = cJSON_AddArrayToObject(e, "datasets");
    for (size_t i = 0; i < r.nds; i++)
        cJSON_AddItemToArray(ds, cJSON_CreateString(r.ds[i]));
    cJSON *params = cJSON_Duplicate(r.params, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(params, "datasets");
    cJSON_AddItemToObject(e, "parameters", params);
    cJSON_AddStringToObject(e, "releases", c ? c->releases : "");
    tm_format_time(r.created_ms, ts);
    cJSON_AddStringToObject(e, "requested_at", ts);
    { /* what the owner earns on delivery, and who is asking */
        sqlite3_stmt *s;
        int64_t earn = 0;
        rc = db_prep(m->st, "SELECT price - fee FROM request_datasets WHERE request_id = ? AND dataset_id = ?", &s, d);
        if (!rc)
            rc = db_bind(m->st, s, d, "tt", r.id, your_ds);
        if (!rc && db_step(m->st, s, &rc, d) == 1)
            earn = sqlite3_column_int64(s, 0);
        db_done(m->st, s);
        cJSON_AddNumberToObject(e, "you_earn", (double)earn);
        cJSON *st = NULL;
        if (!rc)
            rc = tm_standing(m, r.requester_id, &st, d);
        cJSON_AddItemToObject(e, "requester_standing", st ? st : cJSON_CreateNull());
    }
    cJSON *result = NULL;
    if (review && !rc) {
        sqlite3_stmt *s;
        rc = db_prep(m->st, "SELECT envelope FROM results WHERE request_id = ?", &s, d);
        if (!rc)
            rc = db_bind(m->st, s, d, "t", r.id);
        if (!rc && db_step(m->st, s, &rc, d) == 1) {
            cJSON *env = cJSON_Parse(db_text(s, 0));
            result = cJSON_DetachItemFromObjectCaseSensitive(env, "result");
            cJSON_Delete(env);
        }
        db_done(m->st, s);
    }
    cJSON_AddItemToObject(e, "result", result ? result : cJSON_CreateNull());
    req_release(&r);
    if (rc) {
        cJSON_Delete(e);
        return rc;
    }
    *out = e;
    return TM_OK;
}

enum tm_rc tm_inbox(struct tm_med *m, const struct tm_account *who, int limit, const char *cursor, cJSON **out,
                    struct tm_diag *d)
{
    sqlite3_stmt *s;
    int64_t cms = -1;
    char cid[TM_REQ_ID_MAX] = "";
    *out = NULL;
    if (cursor && *cursor && req_cursor(cursor, &cms, cid))
        return tm_fail(d, TM_EINVAL, "invalid cursor '%.40s' (pass next_cursor as returned)", cursor);
    enum tm_rc rc = db_prep(m->st, "SELECT ap.request_id, ap.dataset_id, ap.decision, r.created_ms FROM approvals ap"
                                   " JOIN requests r ON r.id = ap.request_id WHERE ap.owner = ?1 AND"
                                   " ap.decision IN ('pending', 'review')"
                                   " AND (r.created_ms > ?2 OR (r.created_ms = ?2 AND ap.request_id > ?3))"
                                   " ORDER BY r.created_ms, ap.request_id, ap.dataset_id LIMIT ?4", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "iitd", who->id, cms, cid, limit + 1);
    struct row {
        char rid[TM_REQ_ID_MAX], ds[65], decision[16];
        int64_t ms;
    } *v = tm_xcalloc((size_t)limit + 1, sizeof *v);
    int n = 0, x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && n <= limit) {
        snprintf(v[n].rid, sizeof v[n].rid, "%s", db_text(s, 0));
        snprintf(v[n].ds, sizeof v[n].ds, "%s", db_text(s, 1));
        snprintf(v[n].decision, sizeof v[n].decision, "%s", db_text(s, 2));
        v[n].ms = sqlite3_column_int64(s, 3);
        n++;
    }
    db_done(m->st, s);
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "inbox");
    for (int i = 0; i < n && i < limit && !rc; i++) {
        cJSON *e;
        rc = inbox_entry(m, v[i].rid, v[i].ds, v[i].decision, &e, d);
        if (!rc)
            cJSON_AddItemToArray(list, e);
    }
    if (!rc)
        set_cursor(o, n > limit, n > limit ? v[limit - 1].ms : 0, n > limit ? v[limit - 1].rid : "");
    free(v);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return TM_OK;
}

/* ---- jobs ---- */

enum tm_rc tm_jobs_runnable(struct tm_med *m, int64_t now, char (*ids)[TM_REQ_ID_MAX], size_t max, size_t *n,
                            struct tm_diag *d)
{
    sqlite3_stmt *s;
    *n = 0;
    enum tm_rc rc = db_prep(m->st, "SELECT id FROM requests WHERE status = 'queued' OR (status = 'running' AND"
                                   " lease_ms < ?) ORDER BY updated_ms, id LIMIT ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "id", now, (int)max);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0 && *n < max)
        snprintf(ids[(*n)++], TM_REQ_ID_MAX, "%s", db_text(s, 0));
    db_done(m->st, s);
    return rc;
}

/* Claim request id: queued, or running under an expired lease. *attempt receives the
 * claim's number; a job past TM_JOB_ATTEMPTS claims fails instead. */
static enum tm_rc claim(struct tm_med *m, const char *id, int64_t now, int64_t lease, int *attempt, int *gave_up,
                        struct tm_diag *d)
{
    struct req r;
    *gave_up = 0;
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = load_req(m, id, &r, d);
    if (!rc && !(r.state == TM_RQ_QUEUED || (r.state == TM_RQ_RUNNING && r.lease_ms < now)))
        rc = tm_fail(d, TM_ECONFLICT, "request '%s' is %s: no job to run", id, tm_req_state_name(r.state));
    if (!rc && r.attempts >= TM_JOB_ATTEMPTS) {
        *gave_up = 1;
        rc = transition(m, id, r.state, TM_RQ_FAILED, "the computation did not finish after 3 attempts", now, d);
        for (size_t i = 0; !rc && i < r.nds; i++)
            rc = tm_audit_add(m, r.ds[i], "fail", id, r.kind, "mediator", "did not finish after 3 attempts", now, d);
    } else if (!rc) {
        rc = tm_req_may(r.state, TM_RQ_RUNNING)
                 ? db_run(m->st, d, "UPDATE requests SET status = 'running', lease_ms = ?, attempts = attempts + 1,"
                                    " updated_ms = ? WHERE id = ? AND status = ?", "iitt",
                          now + lease, now, id, tm_req_state_name(r.state))
                 : TM_ECONFLICT;
        if (!rc && db_changes(m->st) != 1)
            rc = tm_fail(d, TM_ECONFLICT, "request '%s' was claimed by another worker", id);
        *attempt = r.attempts + 1;
    }
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc)
        tm_store_rollback(m->st);
    req_release(&r);
    return rc;
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
    tm_profile_vocab_raise(p, k);
}

/* What a job computed, to be committed. */
struct outcome {
    char *envelope;                  /* signed, canonical */
    cJSON *pol[TM_COMPUTE_MAX_DS];   /* policies as read for the computation */
    double eps[TM_COMPUTE_MAX_DS];   /* privacy budget each dataset spends */
    int review[TM_COMPUTE_MAX_DS];   /* owners who review before release */
};

static void outcome_release(struct outcome *oc)
{
    free(oc->envelope);
    for (size_t i = 0; i < TM_COMPUTE_MAX_DS; i++)
        cJSON_Delete(oc->pol[i]);
    memset(oc, 0, sizeof *oc);
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

/* The request part of an envelope: what was asked, of which datasets (with their
 * commitments), by whom, with which parameters. */
static enum tm_rc request_json(struct tm_med *m, const struct req *r, cJSON **out, struct tm_diag *d)
{
    cJSON *o = cJSON_CreateObject();
    char ts[32];
    enum tm_rc rc = TM_OK;
    cJSON_AddStringToObject(o, "request_id", r->id);
    cJSON_AddStringToObject(o, "computation", r->kind);
    cJSON_AddStringToObject(o, "requester", r->requester);
    cJSON *dsa = cJSON_AddArrayToObject(o, "datasets");
    for (size_t i = 0; i < r->nds && !rc; i++) {
        struct ds x;
        rc = dataset(m, r->ds[i], &x, d);
        if (rc)
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
    tm_format_time(r->created_ms, ts);
    cJSON_AddStringToObject(o, "requested_at", ts);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return TM_OK;
}

/* Run the computation with no lock held and sign its envelope. */
static enum tm_rc compute(struct tm_med *m, const struct req *r, int64_t now, struct outcome *oc, struct tm_diag *d)
{
    const struct tm_computation *c = tm_computation(r->kind);
    struct tm_profile prof[TM_COMPUTE_MAX_DS]; /* own copies, when a policy raises k */
    const struct tm_profile *shared[TM_COMPUTE_MAX_DS] = {0};
    void *ref[TM_COMPUTE_MAX_DS] = {0};
    const struct tm_tee *tee;
    struct tm_compute_in in;
    cJSON *result = NULL, *env = NULL, *reqj = NULL;
    memset(prof, 0, sizeof prof);
    memset(&in, 0, sizeof in);
    in.params = r->params;
    enum tm_rc rc = c ? TM_OK : tm_fail(d, TM_EDB, "database: request '%s' names no computation", r->id);
    if (!rc)
        rc = tm_med_tee(m, &tee, d);
    if (!rc)
        rc = tm_med_tax(m, &in.tax, d);
    if (!rc)
        rc = tm_med_bg(m, &in.bg, d);
    struct tm_map ambient, common;
    tm_map_init(&ambient);
    tm_map_init(&common);
    int have_common = 0;
    if (!rc)
        rc = tm_pool_ambient(m, &ambient, d);
    if (!rc && c->uses_market) /* only computations that read it pay for the query */
        rc = tm_pool_common(m, &common, &have_common, d);
    in.ambient = &ambient;
    in.common = have_common ? &common : NULL;
    for (size_t i = 0; i < r->nds && !rc; i++) {
        in.ids[i] = r->ds[i];
        rc = policy_of(m, r->ds[i], &oc->pol[i], d);
        const cJSON *pk = cJSON_GetObjectItemCaseSensitive(oc->pol[i], "k");
        if (!rc)
            rc = tm_med_profile_get(m, r->ds[i], &shared[i], &ref[i], d);
        if (rc)
            break;
        in.prof[i] = shared[i];
        uint64_t pkv;
        if (tm_json_whole(pk, 1000000, &pkv) && pkv > (uint64_t)shared[i]->k) { /* the cached profile is read-only */
            rc = tm_med_profile(m, r->ds[i], &prof[i], d);
            if (rc)
                break;
            raise_k(&prof[i], (int)pkv);
            in.prof[i] = &prof[i];
        }
        in.n = i + 1;
        oc->review[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(oc->pol[i], "review"));
        const cJSON *mt = cJSON_GetObjectItemCaseSensitive(oc->pol[i], "max_terms");
        in.max_terms[i] = (int)tm_json_whole_or(mt, 1000, TM_MAX_TERMS_DEFAULT);
        if (c->releases_counts)
            rc = dp_check(m, r->ds[i], oc->pol[i], r->requester, &in.dp_epsilon[i], d);
        oc->eps[i] = in.dp_epsilon[i];
    }
    if (!rc && !(result = c->run(&in, d)))
        rc = TM_EINVAL;
    if (!rc)
        rc = request_json(m, r, &reqj, d);
    if (rc)
        goto out;
    env = cJSON_CreateObject();
    cJSON *extra = cJSON_CreateObject();
    char *rh = sha_hex(reqj), *sh = sha_hex(result);
    cJSON_AddStringToObject(extra, "request_sha256", rh);
    cJSON_AddStringToObject(extra, "result_sha256", sh);
    cJSON_AddStringToObject(extra, "code_measurement", tm_code_measurement());
    /* each dataset's audit head as this computation began: signed with the result, so an
     * owner holding it detects a later truncation of the trail (audit.check) */
    cJSON *heads = cJSON_AddArrayToObject(extra, "audit_heads");
    for (size_t i = 0; i < r->nds && !rc; i++) {
        int64_t hs;
        char hh[65];
        rc = tm_audit_head(m, r->ds[i], &hs, hh, d);
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "dataset_id", r->ds[i]);
        cJSON_AddNumberToObject(h, "seq", (double)hs);
        cJSON_AddStringToObject(h, "head", hh);
        cJSON_AddItemToArray(heads, h);
    }
    free(rh);
    free(sh);
    cJSON_AddItemToObject(env, "request", reqj);
    reqj = NULL;
    cJSON_AddItemToObject(env, "result", result);
    result = NULL;
    if (!rc) /* a failed audit read fails the job (a head must never be missing or made up) */
        rc = tm_tee_sign(tee, env, "result", extra, NULL, now, d);
    else
        cJSON_Delete(extra);
    if (!rc)
        oc->envelope = tm_canonical(env);
out:
    for (size_t i = 0; i < TM_COMPUTE_MAX_DS; i++) {
        tm_profile_release(&prof[i]);
        tm_med_profile_put(m, shared[i], ref[i]);
    }
    tm_map_release(&ambient);
    tm_map_release(&common);
    cJSON_Delete(result);
    cJSON_Delete(reqj);
    cJSON_Delete(env);
    return rc;
}

/* Commit what the job computed, if its claim still holds. */
static enum tm_rc commit_outcome(struct tm_med *m, const char *id, int attempt, const struct outcome *oc,
                                 int64_t now, struct tm_diag *d)
{
    struct req r;
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = load_req(m, id, &r, d);
    if (!rc && (r.state != TM_RQ_RUNNING || r.attempts != attempt))
        rc = tm_fail(d, TM_ECONFLICT, "request '%s' is %s: the result is discarded", id, tm_req_state_name(r.state));
    for (size_t i = 0; !rc && i < r.nds; i++) {
        double eps;
        if (oc->eps[i] > 0) /* checked again under the lock: the budget may have been spent meanwhile */
            rc = dp_check(m, r.ds[i], oc->pol[i], r.requester, &eps, d);
        if (!rc && oc->eps[i] > 0)
            rc = dp_spend(m, r.ds[i], oc->pol[i], r.requester, oc->eps[i], id, r.kind, now, d);
    }
    if (!rc)
        rc = db_run(m->st, d, "INSERT OR REPLACE INTO results(request_id, envelope, created_ms) VALUES(?, ?, ?)",
                    "tti", id, oc->envelope, now);
    int reviewers = 0;
    for (size_t i = 0; !rc && i < r.nds; i++)
        if (oc->review[i]) {
            rc = db_run(m->st, d, "UPDATE approvals SET decision = 'review' WHERE request_id = ? AND dataset_id = ?",
                        "tt", id, r.ds[i]);
            reviewers += !rc && db_changes(m->st) > 0;
        }
    tm_fault_point("job.before-commit");
    if (!rc)
        rc = transition(m, id, TM_RQ_RUNNING, reviewers ? TM_RQ_REVIEW : TM_RQ_DONE, NULL, now, d);
    for (size_t i = 0; !rc && i < r.nds; i++)
        rc = tm_audit_add(m, r.ds[i], "run", id, r.kind, "mediator",
                          reviewers ? "result computed, held for the owner's review" : "result computed and released",
                          now, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc)
        tm_store_rollback(m->st);
    req_release(&r);
    return rc;
}

/* The computation failed for a reason of its own (a spent budget, a withdrawn
 * dataset): the request fails with that reason, recorded in the audit trail. */
static enum tm_rc fail_job(struct tm_med *m, const char *id, int attempt, const char *why, int64_t now,
                           struct tm_diag *d)
{
    struct req r;
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = load_req(m, id, &r, d);
    if (!rc && (r.state != TM_RQ_RUNNING || r.attempts != attempt)) {
        tm_store_rollback(m->st); /* cancelled or re-claimed meanwhile: not ours to fail */
        req_release(&r);
        return TM_OK;
    }
    if (!rc)
        rc = transition(m, id, TM_RQ_RUNNING, TM_RQ_FAILED, why, now, d);
    for (size_t i = 0; !rc && i < r.nds; i++)
        rc = tm_audit_add(m, r.ds[i], "fail", id, r.kind, "mediator", why, now, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc)
        tm_store_rollback(m->st);
    req_release(&r);
    return rc;
}

enum tm_rc tm_job_run(struct tm_med *m, const char *id, int64_t now, struct tm_diag *d)
{
    return tm_job_run_lease(m, id, now, tm_shared_job_lease(m->sh), d);
}

enum tm_rc tm_job_run_lease(struct tm_med *m, const char *id, int64_t now, int64_t lease_ms, struct tm_diag *d)
{
    struct req r;
    struct outcome oc;
    int attempt = 0, gave_up = 0;
    memset(&oc, 0, sizeof oc);
    enum tm_rc rc = claim(m, id, now, lease_ms > 0 ? lease_ms : 1, &attempt, &gave_up, d);
    if (rc || gave_up)
        return rc;
    tm_fault_point("job.after-claim");
    rc = load_req(m, id, &r, d);
    if (rc)
        return rc;
    struct tm_diag cd = {{0}};
    enum tm_rc crc = compute(m, &r, now, &oc, &cd);
    req_release(&r);
    tm_fault_point("job.after-compute");
    if (crc == TM_EPOLICY || crc == TM_ENOTFOUND || crc == TM_EINVAL) {
        rc = fail_job(m, id, attempt, cd.msg, now, d); /* the computation's own answer: final */
    } else if (crc) {
        rc = tm_fail(d, crc, "%s", cd.msg); /* a fault of ours: the lease expires, a retry follows */
    } else {
        rc = commit_outcome(m, id, attempt, &oc, now, d);
        if (rc == TM_EPOLICY) /* the budget was spent between the computation and the commit */
            rc = fail_job(m, id, attempt, d->msg, now, d);
    }
    outcome_release(&oc);
    return rc;
}

/* ---- policies ---- */

static enum tm_rc owner_check(struct tm_med *m, const char *ds, const struct tm_account *who, struct tm_diag *d)
{
    struct ds x;
    enum tm_rc rc = dataset(m, ds, &x, d);
    if (rc)
        return rc;
    if (who->id != x.owner)
        return tm_fail(d, TM_EDENIED, "only the owner of '%s' may do this", ds);
    if (x.withdrawn)
        return tm_fail(d, TM_ECONFLICT, "dataset '%s' was withdrawn", ds);
    return TM_OK;
}

enum tm_rc tm_policy_get(struct tm_med *m, const struct tm_account *who, const char *ds, cJSON **out,
                         struct tm_diag *d)
{
    *out = NULL;
    enum tm_rc rc = owner_check(m, ds, who, d);
    return rc ? rc : policy_of(m, ds, out, d);
}

/* Validate a whole policy and return its clean form (owned), or NULL with d set. */
static cJSON *clean_policy(const cJSON *p, struct tm_diag *d)
{
    const cJSON *aa = cJSON_GetObjectItemCaseSensitive(p, "auto_approve");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(p, "review");
    const cJSON *kk = cJSON_GetObjectItemCaseSensitive(p, "k");
    const cJSON *dp = cJSON_GetObjectItemCaseSensitive(p, "dp");
    if ((aa && !cJSON_IsArray(aa)) || (rv && !cJSON_IsBool(rv))) {
        tm_fail(d, TM_EINVAL, "policy: auto_approve is a list of rules and review true or false");
        return NULL;
    }
    cJSON *clean = cJSON_CreateObject(), *rules = cJSON_AddArrayToObject(clean, "auto_approve");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, aa)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(rule, "kind");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(rule, "requester");
        if (!cJSON_IsObject(rule) || (k && (!cJSON_IsString(k) || !tm_computation(k->valuestring))) ||
            (r && (!cJSON_IsString(r) || !tm_valid_name(r->valuestring))) || cJSON_GetArraySize(rules) >= 64) {
            tm_fail(d, TM_EINVAL, "policy: each auto_approve rule is {\"kind\": a computation, \"requester\": an "
                                  "account}, both optional, at most 64 rules");
            cJSON_Delete(clean);
            return NULL;
        }
        cJSON *x = cJSON_CreateObject();
        if (k)
            cJSON_AddStringToObject(x, "kind", k->valuestring);
        if (r)
            cJSON_AddStringToObject(x, "requester", r->valuestring);
        cJSON_AddItemToArray(rules, x);
    }
    cJSON_AddBoolToObject(clean, "review", cJSON_IsTrue(rv));
    if (kk && !cJSON_IsNull(kk)) {
        if (!cJSON_IsNumber(kk) || kk->valuedouble < TM_K_MIN || kk->valuedouble > 1000000 ||
            kk->valuedouble != (int)kk->valuedouble) {
            tm_fail(d, TM_EINVAL, "policy: k must be a whole number >= %d", TM_K_MIN);
            cJSON_Delete(clean);
            return NULL;
        }
        cJSON_AddNumberToObject(clean, "k", (int)kk->valuedouble);
    }
    double budget, per, share;
    if (dp && !cJSON_IsNull(dp)) {
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(dp, "per_requester");
        if (!dp_of(p, &budget, &per, &share) || budget <= 0 || per <= 0 || per > budget || budget > 1000 ||
            (pr && (!cJSON_IsNumber(pr) || pr->valuedouble < per || pr->valuedouble > budget))) {
            tm_fail(d, TM_EINVAL, "policy: dp needs 0 < per_query <= per_requester <= budget <= 1000");
            cJSON_Delete(clean);
            return NULL;
        }
        cJSON *x = cJSON_AddObjectToObject(clean, "dp");
        cJSON_AddNumberToObject(x, "budget", budget);
        cJSON_AddNumberToObject(x, "per_query", per);
        cJSON_AddNumberToObject(x, "per_requester", share);
    }
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(p, "max_terms");
    if (mt && !cJSON_IsNull(mt) &&
        (!cJSON_IsNumber(mt) || mt->valuedouble < 1 || mt->valuedouble > 1000 || mt->valuedouble != (int)mt->valuedouble)) {
        tm_fail(d, TM_EINVAL, "policy: max_terms must be a whole number from 1 to 1000");
        cJSON_Delete(clean);
        return NULL;
    }
    cJSON_AddNumberToObject(clean, "max_terms", mt && cJSON_IsNumber(mt) ? (int)mt->valuedouble : TM_MAX_TERMS_DEFAULT);
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(p, "prices"), *it;
    if (pr && !cJSON_IsNull(pr)) {
        cJSON *x = cJSON_AddObjectToObject(clean, "prices");
        int bad = !cJSON_IsObject(pr);
        cJSON_ArrayForEach(it, pr)
        {
            uint64_t v;
            if (bad || !it->string || !tm_computation(it->string) || !tm_json_whole(it, (double)TM_CREDITS_MAX, &v)) {
                bad = 1;
                break;
            }
            if (v)
                cJSON_AddNumberToObject(x, it->string, (double)v);
        }
        if (bad) {
            tm_fail(d, TM_EINVAL, "policy: prices is {\"overlap\"|\"gap\"|\"debug\": whole credits from 0 to %lld}",
                    TM_CREDITS_MAX);
            cJSON_Delete(clean);
            return NULL;
        }
    }
    return clean;
}

enum tm_rc tm_policy_patch(struct tm_med *m, const struct tm_account *who, const char *ds, const cJSON *patch,
                           int64_t now, cJSON **out, struct tm_diag *d)
{
    cJSON *cur = NULL, *clean = NULL;
    char *text = NULL;
    *out = NULL;
    if (!cJSON_IsObject(patch))
        return tm_fail(d, TM_EINVAL, "policy: expected an object of the fields to change");
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = owner_check(m, ds, who, d);
    if (!rc)
        rc = policy_of(m, ds, &cur, d);
    if (rc)
        goto out;
    const cJSON *f;
    cJSON_ArrayForEach(f, patch)
    {
        if (strcmp(f->string, "auto_approve") && strcmp(f->string, "review") && strcmp(f->string, "k") &&
            strcmp(f->string, "dp") && strcmp(f->string, "max_terms") && strcmp(f->string, "prices")) {
            rc = tm_fail(d, TM_EINVAL,
                         "policy: unknown field '%.40s' (auto_approve, review, k, dp, max_terms, prices)", f->string);
            goto out;
        }
        if (!strcmp(f->string, "prices") && cJSON_IsObject(f)) { /* prices change one by one; null clears */
            cJSON *have = cJSON_GetObjectItemCaseSensitive(cur, "prices");
            if (!cJSON_IsObject(have)) {
                cJSON_DeleteItemFromObjectCaseSensitive(cur, "prices");
                have = cJSON_AddObjectToObject(cur, "prices");
            }
            const cJSON *x;
            cJSON_ArrayForEach(x, f)
            {
                cJSON_DeleteItemFromObjectCaseSensitive(have, x->string);
                cJSON_AddItemToObject(have, x->string, cJSON_Duplicate(x, 1));
            }
            continue;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(cur, f->string);
        if (!cJSON_IsNull(f))
            cJSON_AddItemToObject(cur, f->string, cJSON_Duplicate(f, 1));
    }
    if (!(clean = clean_policy(cur, d))) {
        rc = TM_EINVAL;
        goto out;
    }
    text = tm_canonical(clean);
    rc = db_run(m->st, d, "INSERT OR REPLACE INTO policies(dataset_id, policy) VALUES(?, ?)", "tt", ds, text);
    if (!rc)
        rc = tm_audit_add(m, ds, "policy", NULL, NULL, who->name, text, now, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
out:
    if (rc) {
        tm_store_rollback(m->st);
        cJSON_Delete(clean);
        clean = NULL;
    }
    cJSON_Delete(cur);
    free(text);
    *out = clean;
    return rc;
}

enum tm_rc tm_budget(struct tm_med *m, const char *ds, const char *caller, cJSON **out, struct tm_diag *d)
{
    struct ds x;
    cJSON *pol = NULL;
    double budget = 0, per = 0, share = 0, spent = 0, mine = 0;
    *out = NULL;
    enum tm_rc rc = dataset(m, ds, &x, d);
    if (!rc && x.withdrawn)
        rc = tm_fail(d, TM_ENOTFOUND, "dataset '%s' was withdrawn by its owner", ds);
    if (!rc)
        rc = policy_of(m, ds, &pol, d);
    int on = !rc && dp_of(pol, &budget, &per, &share);
    if (!rc && on)
        rc = dp_spent(m, ds, NULL, &spent, d);
    if (!rc && on && caller)
        rc = dp_spent(m, ds, caller, &mine, d);
    cJSON_Delete(pol);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dataset_id", ds);
    cJSON_AddBoolToObject(o, "differential_privacy", on);
    if (on) {
        cJSON_AddNumberToObject(o, "epsilon_budget", budget);
        cJSON_AddNumberToObject(o, "epsilon_per_query", per);
        cJSON_AddNumberToObject(o, "epsilon_spent", spent);
        cJSON_AddNumberToObject(o, "epsilon_left", budget - spent > 0 ? budget - spent : 0);
        cJSON_AddNumberToObject(o, "epsilon_per_requester", share);
        if (caller)
            cJSON_AddNumberToObject(o, "epsilon_spent_by_you", mine);
        else
            cJSON_AddNullToObject(o, "epsilon_spent_by_you");
    } else {
        cJSON_AddNullToObject(o, "epsilon_budget");
        cJSON_AddNullToObject(o, "epsilon_per_query");
        cJSON_AddNullToObject(o, "epsilon_spent");
        cJSON_AddNullToObject(o, "epsilon_left");
        cJSON_AddNullToObject(o, "epsilon_per_requester");
        cJSON_AddNullToObject(o, "epsilon_spent_by_you");
    }
    *out = o;
    return TM_OK;
}
