/* ops.c - the operations of the op table (data/api/ops.json), each a thin adapter
 * from checked JSON input to a core function and back. Inputs arrive already checked
 * against the op's schema (svc.c), so types and bounds hold here. */
#include "svc/svc_int.h"
#include "base/base.h"
#include "base/canon.h"
#include "core/audit.h"
#include "core/dataset.h"
#include "core/ledger.h"
#include "core/market.h"
#include "pipeline/profile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *op_print(cJSON *o)
{
    char *s = tm_canonical(o);
    cJSON_Delete(o);
    return s;
}

const char *op_str(const cJSON *in, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int op_int(const cJSON *in, const char *key, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    int64_t x;
    return tm_json_int(v, INT_MIN, INT_MAX, &x) ? (int)x : dflt;
}

int op_bool(const cJSON *in, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, key));
}

/* Hand a cJSON result to the caller as text. */
static enum tm_rc emit(enum tm_rc rc, cJSON *o, char **out)
{
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = op_print(o);
    return TM_OK;
}

/* ---- mediator and accounts ---- */

static enum tm_rc op_health(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)in;
    (void)d;
    char backend[16] = "unknown", path[4200];
    snprintf(path, sizeof path, "%s/tee/backend", tm_shared_dir(c->m->sh));
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(backend, sizeof backend, f))
            backend[strcspn(backend, "\n")] = 0;
        fclose(f);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "software", "teemed");
    cJSON_AddStringToObject(o, "version", TM_VERSION);
    cJSON_AddStringToObject(o, "backend", backend);
    return emit(TM_OK, o, out);
}

static enum tm_rc op_attest(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    const char *hex = op_str(in, "nonce");
    uint8_t nonce[64];
    size_t n = 0;
    if (hex && (tm_unhex(hex, strlen(hex), nonce, sizeof nonce, &n) || n < 16))
        return tm_fail(d, TM_EINVAL, "nonce: 16 to 64 bytes of hex");
    return tm_med_attest(c->m, hex ? nonce : NULL, n, c->now, out, d);
}

static enum tm_rc op_account_create(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    char token[TM_TOKEN_LEN + 1];
    const char *role = op_str(in, "role");
    enum tm_role r = role && !strcmp(role, "operator") ? TM_ROLE_OPERATOR : TM_ROLE_MEMBER;
    int is_operator = c->local_operator || (c->who && c->who->role == TM_ROLE_OPERATOR);
    if (r == TM_ROLE_OPERATOR && !is_operator)
        return tm_fail(d, TM_EDENIED, "only the operator creates operator accounts");
    enum tm_rc rc = tm_account_create(c->m, op_str(in, "name"), r, token, NULL, d);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", op_str(in, "name"));
    cJSON_AddStringToObject(o, "role", tm_role_name(r));
    cJSON_AddStringToObject(o, "token", token);
    memset(token, 0, sizeof token);
    return emit(TM_OK, o, out);
}

static enum tm_rc op_account_list(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)in;
    cJSON *list;
    enum tm_rc rc = tm_account_list(c->m, &list, d);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "accounts", list);
    return emit(TM_OK, o, out);
}

static enum tm_rc op_account_rotate(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    char token[TM_TOKEN_LEN + 1];
    const char *name = op_str(in, "name");
    int is_operator = c->who && c->who->role == TM_ROLE_OPERATOR;
    if (!is_operator && strcmp(c->who->name, name))
        return tm_fail(d, TM_EDENIED, "only '%s' or the operator may renew its token", name);
    enum tm_rc rc = tm_account_rotate(c->m, name, token, d);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "token", token);
    memset(token, 0, sizeof token);
    return emit(TM_OK, o, out);
}

static enum tm_rc op_whoami(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)in;
    (void)d;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", c->who->name);
    cJSON_AddStringToObject(o, "role", tm_role_name(c->who->role));
    return emit(TM_OK, o, out);
}

/* ---- datasets and cards ---- */

static enum tm_rc op_onboard(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(in, "paths"), *p;
    size_t n = (size_t)cJSON_GetArraySize(paths), i = 0;
    const char **v = tm_xcalloc(n ? n : 1, sizeof *v);
    cJSON_ArrayForEach(p, paths)
        v[i++] = p->valuestring;
    struct tm_onboard_opts o = {0};
    o.owner = c->who;
    o.id = op_str(in, "id");
    o.title = op_str(in, "title");
    o.k = op_int(in, "k", TM_K_DEFAULT);
    o.paths = v;
    o.npaths = n;
    o.now_ms = c->now;
    if (c->ctx) {
        o.ctx = c->ctx->cb;
        o.warn = c->ctx->warn;
        o.progress = c->ctx->progress;
    }
    enum tm_rc rc = tm_onboard(c->m, &o, out, d);
    free(v);
    return rc;
}

/* The market figures of each listed id, as JSON text into b. */
static enum tm_rc market_of(struct call *c, const cJSON *ids, struct tm_buf *b, struct tm_diag *d)
{
    cJSON *mk = cJSON_CreateObject();
    const cJSON *id;
    enum tm_rc rc = TM_OK;
    cJSON_ArrayForEach(id, ids)
    {
        cJSON *one;
        rc = tm_market_of(c->m, id->valuestring, c->now, &one, d);
        if (rc)
            break;
        cJSON_AddItemToObject(mk, id->valuestring, one);
    }
    if (!rc) {
        char *t = tm_canonical(mk);
        tm_buf_adds(b, t);
        free(t);
    }
    cJSON_Delete(mk);
    return rc;
}

/* Cards by reputation, demand or relevance: a page of ids in that order (cursor
 * "o:OFFSET"), each card as signed, and the figures. */
static enum tm_rc cards_sorted(struct call *c, const cJSON *in, const char *sort, struct tm_buf *b, struct tm_diag *d)
{
    const char *cur = op_str(in, "cursor");
    int limit = op_int(in, "limit", 20), more = 0;
    long off = 0;
    if (cur && *cur) {
        char *end;
        off = strncmp(cur, "o:", 2) ? -1 : strtol(cur + 2, &end, 10);
        if (off < 0 || off > 1000000 || *end)
            return tm_fail(d, TM_EINVAL, "invalid cursor '%.40s' (pass next_cursor as returned)", cur);
    }
    cJSON *ids;
    enum tm_rc rc = tm_market_order(c->m, sort, op_str(in, "search"), (int)off, limit, c->now, &ids, &more, d);
    if (rc)
        return rc;
    tm_buf_adds(b, "{\"cards\":[");
    const cJSON *id;
    int n = 0;
    cJSON_ArrayForEach(id, ids)
    {
        char *card;
        rc = tm_card_get(c->m, id->valuestring, &card, d);
        if (rc == TM_ENOTFOUND) { /* withdrawn meanwhile */
            rc = TM_OK;
            continue;
        }
        if (rc)
            break;
        tm_buf_adds(b, n++ ? "," : "");
        tm_buf_adds(b, card);
        free(card);
    }
    tm_buf_adds(b, "],\"market\":");
    if (!rc)
        rc = market_of(c, ids, b, d);
    if (more)
        tm_buf_addf(b, ",\"next_cursor\":\"o:%ld\"}", off + limit);
    else
        tm_buf_adds(b, ",\"next_cursor\":null}");
    cJSON_Delete(ids);
    return rc;
}

static enum tm_rc op_cards_list(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    struct tm_buf b, res;
    const char *sort = op_str(in, "sort");
    cJSON *ids = cJSON_CreateArray();
    enum tm_rc rc;
    tm_buf_init(&b);
    tm_buf_init(&res);
    if (sort && strcmp(sort, "newest")) {
        rc = cards_sorted(c, in, sort, &res, d);
    } else {
        rc = tm_cards_list(c->m, op_str(in, "search"), op_int(in, "limit", 20), op_str(in, "cursor"), &b, ids, d);
        /* {"cards":[...],"next_cursor":X} becomes {"cards":[...],"market":{...},"next_cursor":X} */
        const char *tail = NULL;
        for (const char *p = b.ptr; !rc && p && (p = strstr(p, "],\"next_cursor\":")); p++)
            tail = p;
        if (!rc && !tail)
            rc = tm_fail(d, TM_EDB, "cards: unexpected listing");
        if (!rc) {
            tm_buf_add(&res, b.ptr, (size_t)(tail - b.ptr));
            tm_buf_adds(&res, "],\"market\":");
            rc = market_of(c, ids, &res, d);
            tm_buf_adds(&res, tail + 1);
        }
    }
    cJSON_Delete(ids);
    tm_buf_release(&b);
    if (rc) {
        tm_buf_release(&res);
        return rc;
    }
    *out = tm_buf_detach(&res);
    return TM_OK;
}

static enum tm_rc op_card_get(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    return tm_card_get(c->m, op_str(in, "id"), out, d);
}

static enum tm_rc op_budget(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_budget(c->m, op_str(in, "id"), c->who ? c->who->name : NULL, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_withdraw(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_dataset_withdraw(c->m, c->who, op_str(in, "id"), c->now, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_policy_get(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_policy_get(c->m, c->who, op_str(in, "id"), &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_policy_set(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *patch = cJSON_Duplicate(in, 1), *o;
    cJSON_DeleteItemFromObjectCaseSensitive(patch, "id");
    enum tm_rc rc = tm_policy_patch(c->m, c->who, op_str(in, "id"), patch, c->now, &o, d);
    cJSON_Delete(patch);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_audit(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    int64_t owner;
    int withdrawn, ok;
    const char *id = op_str(in, "id");
    enum tm_rc rc = tm_dataset_owner(c->m, id, &owner, &withdrawn, d);
    if (!rc && owner != c->who->id)
        rc = tm_fail(d, TM_EDENIED, "only the owner of '%s' may read its audit trail", id);
    cJSON *o = NULL;
    if (!rc)
        rc = tm_audit_read(c->m, id, op_int(in, "limit", 1000), op_str(in, "cursor"), &o, &ok, d);
    if (!rc) { /* the head, signed: an owner who keeps it detects a later truncation */
        const struct tm_tee *tee;
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "dataset_id", id);
        cJSON_AddItemToObject(h, "seq", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o, "seq"), 1));
        cJSON_AddStringToObject(h, "head", op_str(o, "head"));
        rc = tm_med_tee(c->m, &tee, d);
        if (!rc)
            rc = tm_tee_sign(tee, h, "audit-head", NULL, NULL, c->now, d);
        if (rc)
            cJSON_Delete(h);
        else
            cJSON_AddItemToObject(o, "signed_head", h);
    }
    if (!rc && !ok) { /* the trail is shown (it is the evidence) and the call fails */
        *out = op_print(o);
        return tm_fail(d, TM_EVERIFY, "the audit trail of '%s' is broken: an entry was changed or removed", id);
    }
    return emit(rc, o, out);
}

/* ---- requests ---- */

static enum tm_rc op_request_create(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(in, "datasets"), *x;
    const char *v[8];
    size_t n = 0;
    cJSON_ArrayForEach(x, ds)
        if (n < 8)
            v[n++] = x->valuestring;
    struct tm_request_opts o = {c->who, op_str(in, "computation"), v, n, op_str(in, "query"),
                                op_int(in, "limit", 0), c->now};
    cJSON *st;
    enum tm_rc rc = tm_request_create(c->m, &o, &st, c->job, d);
    return emit(rc, rc ? NULL : st, out);
}

static enum tm_rc op_request_list(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    const char *s = op_str(in, "status");
    cJSON *o;
    enum tm_rc rc = tm_requests_list(c->m, c->who, s ? tm_req_state_parse(s) : -1, op_int(in, "limit", 20),
                                     op_str(in, "cursor"), &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* With wait, poll (every 100 ms) until the status or its update time changes, or the
 * wait is over: one call instead of a client's polling loop. */
static enum tm_rc op_request_get(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    const char *id = op_str(in, "id");
    enum tm_rc rc = tm_request_status(c->m, c->who, id, &o, d);
    int64_t until = mono_ms() + 1000 * (int64_t)op_int(in, "wait", 0);
    while (!rc && mono_ms() < until) {
        const char *st = cJSON_GetObjectItemCaseSensitive(o, "status")->valuestring;
        if (tm_req_final((enum tm_req_state)tm_req_state_parse(st)))
            break;
        struct timespec nap = {0, 100 * 1000000L};
        nanosleep(&nap, NULL);
        cJSON *now;
        rc = tm_request_status(c->m, c->who, id, &now, d);
        if (rc)
            break;
        int changed = strcmp(st, cJSON_GetObjectItemCaseSensitive(now, "status")->valuestring) ||
                      strcmp(cJSON_GetObjectItemCaseSensitive(o, "updated_at")->valuestring,
                             cJSON_GetObjectItemCaseSensitive(now, "updated_at")->valuestring);
        cJSON_Delete(o);
        o = now;
        if (changed)
            break;
    }
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_request_result(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *st = NULL;
    enum tm_rc rc = tm_request_result(c->m, c->who, op_str(in, "id"), out, &st, d);
    if (!rc && st)
        *out = op_print(st);
    return rc;
}

static enum tm_rc decide(struct call *c, const cJSON *in, int approve, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_request_decide(c->m, c->who, op_str(in, "id"), approve, op_str(in, "reason"), c->now, &o,
                                      c->job, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_approve(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    return decide(c, in, 1, out, d);
}

static enum tm_rc op_reject(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    return decide(c, in, 0, out, d);
}

static enum tm_rc op_cancel(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_request_cancel(c->m, c->who, op_str(in, "id"), c->now, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_inbox(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_inbox(c->m, c->who, op_int(in, "limit", 20), op_str(in, "cursor"), &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_rate(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_rate(c->m, c->who, op_str(in, "id"), op_bool(in, "helpful"), op_str(in, "comment"), c->now, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_discover(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_discover(c->m, c->who, op_str(in, "id"), op_int(in, "limit", 10), c->now, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_credits_get(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_credits_get(c->m, c->who, op_int(in, "limit", 20), op_str(in, "cursor"), &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_credits_statement(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)in;
    return tm_credits_statement(c->m, c->who, c->now, out, d);
}

static enum tm_rc op_credits_mint(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    int64_t amount;
    if (!tm_json_int(cJSON_GetObjectItemCaseSensitive(in, "amount"), 1, (double)TM_CREDITS_MAX, &amount))
        return tm_fail(d, TM_EINVAL, "amount must be a whole number from 1 to %lld", TM_CREDITS_MAX);
    struct tm_account op = {0};
    const struct tm_account *who = c->who;
    if (!who) { /* the local operator acting without a token */
        op.role = TM_ROLE_OPERATOR;
        snprintf(op.name, sizeof op.name, "operator");
        who = &op;
    }
    enum tm_rc rc = tm_credits_mint(c->m, who, op_str(in, "account"), amount, op_str(in, "memo"), c->now, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_credits_config(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    cJSON *o;
    enum tm_rc rc = tm_credits_config(c->m, cJSON_GetArraySize(in) ? in : NULL, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_credits_check(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)in;
    cJSON *o;
    enum tm_rc rc = tm_credits_check(c->m, &o, d);
    return emit(rc, rc ? NULL : o, out);
}

static enum tm_rc op_jobs_run(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    char ids[64][TM_REQ_ID_MAX];
    size_t n = 0;
    int max = op_int(in, "max", 64);
    tm_store_gc(c->m->st, 1); /* after a crash: settle the sealed files too */
    enum tm_rc rc = tm_jobs_runnable(c->m, c->now, ids, (size_t)(max < 64 ? max : 64), &n, d);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject(), *ran = cJSON_AddArrayToObject(o, "ran"),
          *errs = cJSON_AddArrayToObject(o, "errors");
    for (size_t i = 0; i < n; i++) {
        struct tm_diag jd = {{0}};
        int lease_s = op_int(in, "lease", 0);
        enum tm_rc jrc = lease_s > 0 ? tm_job_run_lease(c->m, ids[i], c->now, (int64_t)lease_s * 1000, &jd)
                                     : tm_job_run(c->m, ids[i], c->now, &jd);
        if (jrc == TM_OK) {
            cJSON_AddItemToArray(ran, cJSON_CreateString(ids[i]));
        } else {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "request_id", ids[i]);
            cJSON_AddStringToObject(e, "error", jd.msg[0] ? jd.msg : tm_rc_name(jrc));
            cJSON_AddItemToArray(errs, e);
        }
    }
    return emit(TM_OK, o, out);
}

/* datasets.upload takes a stream: svc.c refuses it as JSON before this would run */
static enum tm_rc op_upload(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)c, (void)in, (void)out;
    return tm_fail(d, TM_EINVAL, "datasets.upload takes a stream");
}

const struct op_impl tm_op_impls[] = {
    {"datasets.upload", op_upload},
    {"health", op_health},
    {"mediator.attest", op_attest},
    {"accounts.create", op_account_create},
    {"accounts.list", op_account_list},
    {"accounts.rotate", op_account_rotate},
    {"accounts.whoami", op_whoami},
    {"datasets.onboard", op_onboard},
    {"cards.list", op_cards_list},
    {"cards.get", op_card_get},
    {"datasets.budget", op_budget},
    {"datasets.withdraw", op_withdraw},
    {"datasets.policy.get", op_policy_get},
    {"datasets.policy.set", op_policy_set},
    {"datasets.audit", op_audit},
    {"requests.create", op_request_create},
    {"requests.list", op_request_list},
    {"requests.get", op_request_get},
    {"requests.result", op_request_result},
    {"requests.approve", op_approve},
    {"requests.reject", op_reject},
    {"requests.cancel", op_cancel},
    {"inbox.list", op_inbox},
    {"requests.rate", op_rate},
    {"discover", op_discover},
    {"credits.get", op_credits_get},
    {"credits.statement", op_credits_statement},
    {"credits.mint", op_credits_mint},
    {"credits.config", op_credits_config},
    {"credits.check", op_credits_check},
    {"jobs.run", op_jobs_run},
    {"verify", op_verify},
    {"quote.show", op_quote},
    {"audit.check", op_audit_check},
};
const size_t tm_nop_impls = sizeof tm_op_impls / sizeof tm_op_impls[0];
