/* svc.c - the front door (see tm/svc.h): the op table from data/api/ops.json, input
 * checks, authentication and authorization by role, a pool of connections, dispatch. */
#include "svc/svc_int.h"
#include "base/base.h"
#include "base/canon.h"
#include "base/embed.h"
#include "core/upload.h"
#include "pipeline/ingest.h"
#include "svc/remote.h"
#include "svc/schema.h"
#include "tee/tee.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INPUT_MAX (48u << 20) /* the largest input of any op (verify's base64 file) */
#define POOL_MAX 64

/* ---- the op table ---- */

struct op {
    struct tm_op_info info;
    const cJSON *in_schema, *out_schema;
    op_fn fn;
};

static struct {
    pthread_once_t once;
    cJSON *root;
    struct op *ops;
    size_t n;
    struct tm_op_info *infos;
    char *api;
    int ok;
} table = {PTHREAD_ONCE_INIT, NULL, NULL, 0, NULL, NULL, 0};

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void load_table(void)
{
    const char *text = NULL;
    for (size_t i = 0; i < tm_nembedded; i++)
        if (!strcmp(tm_embedded[i].name, "api/ops.json"))
            text = (const char *)tm_embedded[i].data;
    table.root = text ? cJSON_Parse(text) : NULL;
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(table.root, "ops");
    if (!cJSON_IsArray(ops))
        return;
    table.n = (size_t)cJSON_GetArraySize(ops);
    table.ops = tm_xcalloc(table.n, sizeof *table.ops);
    table.infos = tm_xcalloc(table.n, sizeof *table.infos);
    size_t i = 0, bound = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, ops)
    {
        struct op *p = &table.ops[i];
        const cJSON *http = cJSON_GetObjectItemCaseSensitive(o, "http");
        p->info.name = jstr(o, "name");
        p->info.summary = jstr(o, "summary");
        p->info.method = jstr(http, "method");
        p->info.path = jstr(http, "path");
        p->info.auth = jstr(o, "auth");
        p->info.access = jstr(o, "access");
        p->info.writes = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "writes"));
        p->info.local_only = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "local_only"));
        p->info.offline = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "offline"));
        p->info.stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "stream"));
        p->info.cacheable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cacheable"));
        p->in_schema = cJSON_GetObjectItemCaseSensitive(o, "input");
        p->out_schema = cJSON_GetObjectItemCaseSensitive(o, "output");
        p->info.input_schema = tm_canonical(p->in_schema);
        p->info.output_schema = tm_canonical(p->out_schema);
        p->info.example = tm_canonical(cJSON_GetObjectItemCaseSensitive(o, "example"));
        for (size_t k = 0; p->info.name && k < tm_nop_impls; k++)
            if (!strcmp(tm_op_impls[k].name, p->info.name)) {
                p->fn = tm_op_impls[k].fn;
                bound++;
            }
        if (!p->info.name || !p->info.auth || !p->fn)
            return; /* a table the code does not match: every call fails, and the tests say why */
        table.infos[i] = p->info;
        i++;
    }
    table.api = tm_canonical(table.root);
    table.ok = bound == tm_nop_impls && i == table.n;
}

static int table_ready(void)
{
    pthread_once(&table.once, load_table);
    return table.ok;
}

size_t tm_svc_ops(const struct tm_op_info **ops)
{
    if (!table_ready()) {
        *ops = NULL;
        return 0;
    }
    *ops = table.infos;
    return table.n;
}

static const struct op *find(const char *name)
{
    if (!table_ready() || !name)
        return NULL;
    for (size_t i = 0; i < table.n; i++)
        if (!strcmp(table.ops[i].info.name, name))
            return &table.ops[i];
    return NULL;
}

const struct tm_op_info *tm_svc_op(const char *name)
{
    const struct op *o = find(name);
    return o ? &o->info : NULL;
}

const char *tm_svc_api(void)
{
    return table_ready() ? table.api : NULL;
}

enum tm_rc tm_svc_check_output(const char *name, const char *json, struct tm_diag *d)
{
    const struct op *o = find(name);
    if (!o)
        return tm_fail(d, TM_EINVAL, "no op '%.60s'", name ? name : "");
    cJSON *v = cJSON_Parse(json);
    if (!v)
        return tm_fail(d, TM_EPARSE, "%s: the output is not JSON", name);
    enum tm_rc rc = tm_schema_check(table.root, o->out_schema, v, d);
    cJSON_Delete(v);
    return rc;
}

/* ---- the service ---- */

#define UPLOADERS_MAX 256

struct tm_svc {
    struct tm_shared *sh;
    struct remote *remote; /* a mediator over the network (remote.c), or NULL */
    pthread_mutex_t mu;
    struct tm_med *pool[POOL_MAX];
    size_t npool;
    int open_registration;
    int settled;           /* the full clean-up pass ran */
    unsigned upload_limit;
    struct {
        int64_t account;
        unsigned n;
    } uploading[UPLOADERS_MAX];
    /* answers of cacheable ops (tm_svc_cache_answers): a table of slots by key hash */
    pthread_mutex_t amu;
    struct answer *answers;
    unsigned nanswers;
};

struct answer {
    uint64_t gen;  /* the store's generation when it was read */
    int64_t at_ms; /* when (monotonic) */
    char *key;     /* op name, '\n', the input text */
    char *out;
};

#define ANSWER_TTL_MS 2000

enum tm_rc tm_svc_init(const char *dir, const char *tee, char **json_out, struct tm_diag *d)
{
    enum tm_tee_kind kind;
    struct tm_shared *sh = NULL;
    struct tm_med *m = NULL;
    char token[TM_TOKEN_LEN + 1];
    *json_out = NULL;
    if (tm_tee_parse(tee, &kind))
        return tm_fail(d, TM_EINVAL, "unknown TEE backend '%.20s' (use sim, dstack or tdx)", tee);
    enum tm_rc rc = tm_med_init(dir, kind, d);
    if (!rc)
        rc = tm_shared_new(dir, &sh, d);
    if (!rc)
        rc = tm_med_open(sh, &m, d);
    if (!rc)
        rc = tm_account_create(m, "operator", TM_ROLE_OPERATOR, token, NULL, d);
    tm_med_close(m);
    tm_shared_free(sh);
    if (rc)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "data_dir", dir);
    cJSON_AddStringToObject(o, "tee", tm_tee_name(kind));
    cJSON_AddBoolToObject(o, "simulated", kind == TM_TEE_SIM);
    cJSON_AddStringToObject(o, "operator", "operator");
    cJSON_AddStringToObject(o, "operator_token", token);
    *json_out = op_print(o);
    memset(token, 0, sizeof token);
    return TM_OK;
}

enum tm_rc tm_svc_open(const char *dir, struct tm_svc **out, struct tm_diag *d)
{
    *out = NULL;
    if (!table_ready())
        return tm_fail(d, TM_ESTATE, "the op table (data/api/ops.json) does not match the code");
    struct tm_svc *s = tm_xcalloc(1, sizeof *s);
    enum tm_rc rc = tm_shared_new(dir, &s->sh, d);
    struct tm_med *m = NULL;
    if (!rc) /* open one connection now: a damaged or newer database fails here, not later */
        rc = tm_med_open(s->sh, &m, d);
    if (rc) {
        tm_shared_free(s->sh);
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->amu, NULL);
    s->pool[s->npool++] = m;
    s->upload_limit = 2;
    *out = s;
    return TM_OK;
}

enum tm_rc tm_svc_open_remote(const char *url, struct tm_svc **out, struct tm_diag *d)
{
    *out = NULL;
    if (!table_ready())
        return tm_fail(d, TM_ESTATE, "the op table (data/api/ops.json) does not match the code");
    struct tm_svc *s = tm_xcalloc(1, sizeof *s);
    enum tm_rc rc = remote_open(url, &s->remote, d);
    if (rc) {
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->amu, NULL);
    *out = s;
    return TM_OK;
}

int tm_svc_is_remote(const struct tm_svc *s) { return s && s->remote; }

void tm_svc_close(struct tm_svc *s)
{
    if (!s)
        return;
    remote_close(s->remote);
    for (size_t i = 0; i < s->npool; i++)
        tm_med_close(s->pool[i]);
    tm_shared_free(s->sh);
    for (unsigned i = 0; i < s->nanswers; i++) {
        free(s->answers[i].key);
        free(s->answers[i].out);
    }
    free(s->answers);
    pthread_mutex_destroy(&s->amu);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void tm_svc_open_registration(struct tm_svc *s, int on) { s->open_registration = on; }

void tm_svc_set_job_lease(struct tm_svc *s, unsigned seconds)
{
    if (s->sh)
        tm_shared_set_job_lease(s->sh, (int64_t)seconds * 1000);
}

void tm_svc_cache_profiles(struct tm_svc *s, unsigned n)
{
    if (s->sh)
        tm_shared_cache_profiles(s->sh, n);
}

static enum tm_rc take(struct tm_svc *s, struct tm_med **m, struct tm_diag *d)
{
    pthread_mutex_lock(&s->mu);
    *m = s->npool ? s->pool[--s->npool] : NULL;
    pthread_mutex_unlock(&s->mu);
    return *m ? TM_OK : tm_med_open(s->sh, m, d);
}

static void give(struct tm_svc *s, struct tm_med *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->npool < POOL_MAX) {
        s->pool[s->npool++] = m;
        m = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    tm_med_close(m);
}

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- answers of cacheable ops ---- */

void tm_svc_cache_answers(struct tm_svc *s, unsigned slots)
{
    pthread_mutex_lock(&s->amu);
    if (!s->answers && slots && s->sh && tm_shared_has_generation(s->sh)) {
        s->answers = tm_xcalloc(slots, sizeof *s->answers);
        s->nanswers = slots;
    }
    pthread_mutex_unlock(&s->amu);
}

static struct answer *answer_slot(struct tm_svc *s, const char *op, const char *in)
{
    uint32_t h = 2166136261u;
    for (const char *p = op; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ '\n') * 16777619u;
    for (const char *p = in; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return &s->answers[h % s->nanswers];
}

static int answer_is(const struct answer *a, const char *op, const char *in)
{
    size_t n = strlen(op);
    return a->key && !strncmp(a->key, op, n) && a->key[n] == '\n' && !strcmp(a->key + n + 1, in);
}

enum tm_rc tm_svc_call_cached(struct tm_svc *s, const char *op, const char *json_in, char **json_out)
{
    *json_out = NULL;
    const struct op *o = find(op);
    if (!s || !s->nanswers || !o || !o->info.cacheable || !json_in)
        return TM_ENOTFOUND;
    uint64_t gen = tm_shared_generation(s->sh);
    int64_t now = mono_ms();
    pthread_mutex_lock(&s->amu);
    struct answer *a = answer_slot(s, op, json_in);
    if (answer_is(a, op, json_in) && a->gen == gen && now - a->at_ms < ANSWER_TTL_MS)
        *json_out = tm_xstrdup(a->out);
    pthread_mutex_unlock(&s->amu);
    return *json_out ? TM_OK : TM_ENOTFOUND;
}

/* Keep out as the answer of op for in, read at generation gen. */
static void answer_keep(struct tm_svc *s, const char *op, const char *in, uint64_t gen, const char *out)
{
    if (!s->nanswers || !in || !out || strlen(in) > 4096 || strlen(out) > (1u << 20))
        return;
    char *key = tm_xmalloc(strlen(op) + strlen(in) + 2), *copy = tm_xstrdup(out);
    sprintf(key, "%s\n%s", op, in);
    pthread_mutex_lock(&s->amu);
    struct answer *a = answer_slot(s, op, in);
    char *old_key = a->key, *old_out = a->out;
    a->key = key;
    a->out = copy;
    a->gen = gen;
    a->at_ms = mono_ms();
    pthread_mutex_unlock(&s->amu);
    free(old_key);
    free(old_out);
}

/* The store changed (or may have): cached answers read before are stale. */
static void changed(struct tm_svc *s)
{
    if (s && s->sh)
        tm_shared_bump(s->sh);
}

enum tm_rc tm_svc_check_json(const char *p, size_t n, unsigned max_depth, struct tm_diag *d)
{
    if (!tm_utf8_valid(p, n)) /* JSON text is UTF-8 (RFC 8259) */
        return tm_fail(d, TM_EINVAL, "the input is not valid UTF-8");
    unsigned depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '"') {
                in_str = 0;
            } else if (c == '\\' && i + 1 < n) {
                if (p[i + 1] == 'u' && i + 5 < n && !memcmp(p + i + 2, "0000", 4))
                    return tm_fail(d, TM_EINVAL, "a string holds a NUL character (\\u0000)");
                i++;
            }
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return tm_fail(d, TM_EINVAL, "the JSON is nested deeper than %u", max_depth);
        } else if ((c == '}' || c == ']') && depth) {
            depth--;
        }
    }
    return TM_OK;
}

/* Who is calling, and may they call op at all (the role table; what they may do to a
 * given dataset or request is the op's own check). */
static enum tm_rc authorize(struct call *c, const struct op *o, struct tm_account *acct, struct tm_diag *d)
{
    const char *auth = o->info.auth;
    int local = c->ctx && (c->ctx->flags & TM_CTX_LOCAL);
    const char *token = c->ctx ? c->ctx->token : NULL;
    if (o->info.local_only && !local)
        return tm_fail(d, TM_EDENIED, "'%s' runs only on the mediator's own machine", o->info.name);
    if (token && *token && c->m) {
        enum tm_rc rc = tm_account_by_token(c->m, token, acct, d);
        if (rc)
            return rc;
        c->who = acct;
    }
    if (!strcmp(auth, "anyone"))
        return TM_OK;
    if (!strcmp(auth, "operator")) {
        if (c->who && c->who->role == TM_ROLE_OPERATOR)
            return TM_OK;
        if (!c->who && local) { /* who holds the data dir holds everything in it */
            c->local_operator = 1;
            return TM_OK;
        }
        if (!c->who && !strcmp(o->info.name, "accounts.create") && c->svc && c->svc->open_registration)
            return TM_OK;
        if (!c->who)
            return tm_fail(d, TM_EAUTH, "'%s' needs the operator's token", o->info.name);
        return tm_fail(d, TM_EDENIED, "'%s' is for the operator only", o->info.name);
    }
    if (!c->who)
        return tm_fail(d, TM_EAUTH, "'%s' needs an account: give its token (--token, $TEEMED_TOKEN or "
                                    "~/.config/teemed/token; 'teemed account create NAME' makes one)",
                       o->info.name);
    return TM_OK;
}

enum tm_rc tm_svc_call(struct tm_svc *svc, const struct tm_ctx *ctx, const char *name, const char *json_in,
                       char **json_out, struct tm_diag *d)
{
    struct call c;
    struct tm_account acct;
    cJSON *in = NULL;
    memset(&c, 0, sizeof c);
    *json_out = NULL;
    const struct op *o = find(name);
    if (!o)
        return tm_fail(d, table_ready() ? TM_EINVAL : TM_ESTATE, "no operation '%.60s'", name ? name : "");
    if (!svc && !o->info.offline)
        return tm_fail(d, TM_ESTATE, "'%s' needs a mediator (a data dir or --server)", o->info.name);
    if (o->info.stream)
        return tm_fail(d, TM_EINVAL, "'%s' takes a stream, not JSON (tm_svc_upload_begin; teemed push)", o->info.name);
    if (svc && svc->remote && !o->info.offline) {
        if (o->info.local_only)
            return tm_fail(d, TM_EDENIED, "'%s' runs only on the mediator's own machine%s", o->info.name,
                           !strcmp(o->info.name, "datasets.onboard") ? ": upload with 'teemed push'" : "");
        return remote_call(svc->remote, &o->info, ctx ? ctx->token : NULL, json_in, json_out, d);
    }
    size_t in_len = json_in ? strlen(json_in) : 0;
    if (in_len > INPUT_MAX)
        return tm_fail(d, TM_ETOOBIG, "%s: the input is larger than %u bytes", o->info.name, INPUT_MAX);
    struct tm_diag cd = {{0}};
    if (json_in && tm_svc_check_json(json_in, in_len, 64, &cd))
        return tm_fail(d, TM_EINVAL, "%s: %s", o->info.name, cd.msg);
    in = cJSON_Parse(json_in && *json_in ? json_in : "{}");
    if (!in)
        return tm_fail(d, TM_EINVAL, "%s: the input is not JSON", o->info.name);
    struct tm_diag sd = {{0}};
    enum tm_rc rc = tm_schema_check(table.root, o->in_schema, in, &sd);
    if (rc) {
        rc = tm_fail(d, TM_EINVAL, "%s: %s", o->info.name, sd.msg);
        goto out;
    }
    c.svc = svc;
    c.ctx = ctx;
    c.now = ctx && ctx->now_ms ? ctx->now_ms : clock_ms();
    if (svc && (rc = take(svc, &c.m, d)) != TM_OK)
        goto out;
    rc = authorize(&c, o, &acct, d);
    /* a cacheable answer is kept with the generation taken before the store is read */
    uint64_t gen = o->info.cacheable && svc && svc->nanswers ? tm_shared_generation(svc->sh) : 0;
    if (!rc)
        rc = o->fn(&c, in, json_out, d);
    if (!rc && o->info.cacheable && svc && svc->nanswers)
        answer_keep(svc, o->info.name, json_in ? json_in : "", gen, *json_out);
    if (o->info.writes)
        changed(svc); /* after the commit: a reader that took the old generation drops what it read */
    if (!rc && c.job[0]) { /* the call queued a computation: run it now, then report */
        struct tm_diag jd = {{0}};
        enum tm_rc jrc = tm_job_run(c.m, c.job, c.now, &jd);
        if (jrc == TM_OK || jrc == TM_ECONFLICT) {
            cJSON *st = NULL;
            if (c.who && !tm_request_status(c.m, c.who, c.job, &st, NULL)) {
                free(*json_out);
                *json_out = op_print(st);
            }
        } /* else the lease expires and a job runner retries: the request stays queued */
    }
out:
    if (svc)
        give(svc, c.m);
    cJSON_Delete(in);
    return rc;
}

unsigned tm_svc_run_jobs(struct tm_svc *svc, unsigned max)
{
    struct tm_med *m;
    char ids[64][TM_REQ_ID_MAX];
    size_t n = 0;
    unsigned ran = 0;
    if (svc->remote || take(svc, &m, NULL))
        return 0;
    if (!svc->settled) { /* a long-running writer settles what a crash left, once */
        tm_store_gc(m->st, 1);
        svc->settled = 1;
    }
    int64_t now = clock_ms();
    if (!tm_jobs_runnable(m, now, ids, max < 64 ? max : 64, &n, NULL))
        for (size_t i = 0; i < n; i++)
            ran += tm_job_run(m, ids[i], now, NULL) == TM_OK;
    give(svc, m);
    if (ran)
        changed(svc);
    return ran;
}

/* ---- uploads ---- */

struct tm_svc_upload {
    struct tm_svc *svc;
    struct tm_account who;
    struct tm_upload *up;
    int64_t now;
};

void tm_svc_set_upload_limit(struct tm_svc *svc, unsigned per_account) { svc->upload_limit = per_account; }

/* Count one more upload of account (0 when over the limit), or one less (delta -1). */
static int uploading(struct tm_svc *s, int64_t account, int delta)
{
    int ok = 0;
    pthread_mutex_lock(&s->mu);
    size_t free_slot = UPLOADERS_MAX, i;
    for (i = 0; i < UPLOADERS_MAX; i++) {
        if (s->uploading[i].n && s->uploading[i].account == account)
            break;
        if (!s->uploading[i].n && free_slot == UPLOADERS_MAX)
            free_slot = i;
    }
    if (delta < 0 && i < UPLOADERS_MAX) {
        s->uploading[i].n--;
        ok = 1;
    } else if (delta > 0 && i < UPLOADERS_MAX && s->uploading[i].n < s->upload_limit) {
        s->uploading[i].n++;
        ok = 1;
    } else if (delta > 0 && i == UPLOADERS_MAX && free_slot < UPLOADERS_MAX && s->upload_limit) {
        s->uploading[free_slot].account = account;
        s->uploading[free_slot].n = 1;
        ok = 1;
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

enum tm_rc tm_svc_upload_begin(struct tm_svc *svc, const struct tm_ctx *ctx, const char *json_in,
                               struct tm_svc_upload **out, struct tm_diag *d)
{
    const struct op *o = find("datasets.upload");
    cJSON *in = NULL;
    struct tm_med *m = NULL;
    *out = NULL;
    if (!o || !svc || svc->remote)
        return tm_fail(d, TM_ESTATE, "uploads are received by a local service");
    in = cJSON_Parse(json_in && *json_in ? json_in : "{}");
    struct tm_diag sd = {{0}};
    enum tm_rc rc = !in ? tm_fail(d, TM_EINVAL, "datasets.upload: the input is not JSON")
                        : tm_schema_check(table.root, o->in_schema, in, &sd);
    if (rc == TM_EINVAL && sd.msg[0])
        rc = tm_fail(d, TM_EINVAL, "datasets.upload: %s", sd.msg);
    if (!rc)
        rc = take(svc, &m, d);
    struct tm_svc_upload *u = tm_xcalloc(1, sizeof *u);
    u->svc = svc;
    u->now = ctx && ctx->now_ms ? ctx->now_ms : clock_ms();
    if (!rc && !(ctx && ctx->token && *ctx->token))
        rc = tm_fail(d, TM_EAUTH, "uploading needs an account's token");
    if (!rc)
        rc = tm_account_by_token(m, ctx->token, &u->who, d);
    if (!rc && !uploading(svc, u->who.id, 1))
        rc = tm_fail(d, TM_ELIMIT, "account '%s' has %u uploads under way already: retry when one ends", u->who.name,
                     svc->upload_limit);
    if (!rc) {
        struct tm_onboard_opts oo = {0};
        oo.owner = &u->who;
        oo.id = cJSON_GetObjectItemCaseSensitive(in, "id")->valuestring;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "title"), *k = cJSON_GetObjectItemCaseSensitive(in, "k");
        oo.title = cJSON_IsString(t) ? t->valuestring : NULL;
        oo.k = cJSON_IsNumber(k) ? (int)k->valuedouble : TM_K_DEFAULT;
        oo.now_ms = u->now;
        if (ctx) {
            oo.ctx = ctx->cb;
            oo.warn = ctx->warn;
        }
        rc = tm_upload_begin(m, &oo, &u->up, d);
        if (rc)
            uploading(svc, u->who.id, -1);
    }
    give(svc, m);
    cJSON_Delete(in);
    if (rc) {
        free(u);
        return rc;
    }
    *out = u;
    return TM_OK;
}

enum tm_rc tm_svc_upload_feed(struct tm_svc_upload *u, const void *p, size_t n, struct tm_diag *d)
{
    return tm_upload_feed(u->up, p, n, d);
}

void tm_svc_upload_abort(struct tm_svc_upload *u)
{
    if (!u)
        return;
    tm_upload_abort(u->up);
    uploading(u->svc, u->who.id, -1);
    changed(u->svc);
    free(u);
}

enum tm_rc tm_svc_upload_finish(struct tm_svc_upload *u, char **json_out, struct tm_diag *d)
{
    struct tm_med *m = NULL;
    *json_out = NULL;
    enum tm_rc rc = take(u->svc, &m, d);
    if (rc) {
        tm_svc_upload_abort(u);
        return rc;
    }
    rc = tm_upload_finish(m, u->up, json_out, d);
    u->up = NULL;
    give(u->svc, m);
    changed(u->svc);
    uploading(u->svc, u->who.id, -1);
    free(u);
    return rc;
}

enum tm_rc tm_svc_push(struct tm_svc *svc, const struct tm_ctx *ctx, const char *json_in, char **json_out,
                       struct tm_diag *d)
{
    *json_out = NULL;
    if (!svc)
        return tm_fail(d, TM_ESTATE, "push needs a mediator (a data dir or --server)");
    if (svc->remote)
        return remote_push(svc->remote, ctx, json_in, json_out, d);
    cJSON *in = cJSON_Parse(json_in ? json_in : "{}");
    if (!in)
        return tm_fail(d, TM_EINVAL, "push: the input is not JSON");
    static const char *const remote_only[] = {"allow_simulated", "collateral", "at", "expect"};
    for (size_t i = 0; i < sizeof remote_only / sizeof *remote_only; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(in, remote_only[i]); /* nothing to verify locally */
    char *text = cJSON_PrintUnformatted(in);
    cJSON_Delete(in);
    enum tm_rc rc = tm_svc_call(svc, ctx, "datasets.onboard", text, json_out, d);
    free(text);
    return rc;
}
