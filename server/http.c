/* http.c - the HTTP front end of the op table over libmicrohttpd (see server.h).
 *
 * A request's life: the first call of the access handler (headers only) routes it, checks
 * the token's rate, the headers (one Content-Length, not with Transfer-Encoding) and the
 * declared size; later calls collect a JSON body (capped) or hand upload pieces to a
 * worker; the last call hands the op to a worker and suspends the connection until the
 * answer is there. Answering only at the last call keeps connections alive (answering
 * in the first forces Connection: close). One exception to the workers: an anonymous
 * read of a cacheable op (a card) whose answer the front door holds in memory
 * (tm_svc_call_cached, which never touches the store) is answered on the I/O thread. */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UPLOAD_TYPE "application/x-teemed-upload"
#define SEGS_MAX 8
#define RATE_SLOTS 4096
#define ANSWER_SLOTS 4096 /* cached answers of public reads (cards), about 3 KB each */

/* ---- routes ---- */

enum route_kind { RT_OP, RT_UPLOAD, RT_OPENAPI, RT_MCP };

struct route {
    enum route_kind kind;
    const struct tm_op_info *op;
    const char *method;
    char *segs[SEGS_MAX]; /* "{id}" marks a parameter */
    int nsegs;
    cJSON *props;         /* the op's input properties, $refs resolved one level */
};

/* ---- requests ---- */

enum job { J_NONE, J_CALL, J_UPLOAD, J_MCP };

/* An upload's body is gathered into pieces of UP_PIECE bytes or more; one piece is
 * decrypted and ingested by a worker while the next one is read. Reading stops (the
 * connection is suspended) only when the next piece reaches UP_PIECE_MAX first. */
#define UP_PIECE (256u * 1024)
#define UP_PIECE_MAX (1024u * 1024)

struct req {
    struct srv *s;
    struct MHD_Connection *c;
    const struct route *rt;
    char *token;
    char key[80];              /* the rate limiter's key */
    cJSON *params;             /* from the path and the query */
    char *body;
    size_t blen, bcap;
    int too_big;               /* discarding a body over the cap */
    struct answer a;
    int ready;                 /* a has the answer */
    int suspended;
    int in_cb;                 /* the access handler is running for it (resume only after) */
    enum job job;
    /* upload: under s->mu, except chunk (the worker's while in_flight) */
    struct tm_svc_upload *up;
    uint8_t *chunk, *pend;     /* the piece a worker ingests; the piece being read */
    size_t clen, ccap, nlen, ncap;
    uint64_t up_bytes;
    int up_failed;
    int started;               /* the first piece went to a worker */
    int in_flight;             /* a worker has the upload */
    int parked;                /* suspended until the worker takes the next piece */
    int finishing;             /* the body is all in: the worker publishes */
    int orphan;                /* the connection ended while in flight: the worker frees */
    /* long poll */
    int64_t wait_until;
    char *wait_seen;           /* status + updated_at when the wait began */
    struct req *next;
};

struct bucket {
    char key[80];
    double tokens;
    double at;                 /* seconds, monotonic */
};

struct srv {
    struct srv_config cfg;
    struct tm_svc *svc;
    struct MHD_Daemon *mhd;
    struct route *routes;
    size_t nroutes;
    char *openapi;
    /* workers */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct req *head, *tail;
    pthread_t *wk;
    int stopping;              /* the poller and the job thread end */
    int draining;              /* new requests are refused: the server is stopping */
    int workers_stop;          /* the workers end once the queue is empty */
    unsigned port;
    double log_window;         /* mhd_log's rate limit */
    unsigned logged;
    unsigned active;           /* requests between their first call and completion */
    /* long polls */
    pthread_mutex_t wmu;
    struct req *waiters;
    unsigned nwaiters;
    pthread_t poller, jobber;
    /* rate limits */
    pthread_mutex_t rmu;
    struct bucket *buckets;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- answers ---- */

void srv_json(struct answer *a, int status, char *body)
{
    a->status = status;
    a->body = body;
    a->len = body ? strlen(body) : 0;
    a->type = "application/json";
}

void srv_error(struct answer *a, enum tm_rc rc, const char *msg, const char *report)
{
    const struct tm_rc_info *i = tm_rc_info(rc);
    cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", i->name);
    cJSON_AddStringToObject(e, "message", msg && *msg ? msg : i->meaning);
    if (report) {
        cJSON *r = cJSON_Parse(report);
        if (r)
            cJSON_AddItemToObject(o, "report", r);
    }
    free(a->body);
    srv_json(a, i->http_status, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    if (rc == TM_ELIMIT && !a->retry_after)
        a->retry_after = 1;
    if (rc == TM_EBUSY)
        a->retry_after = 2;
}

static void fail_now(struct req *r, enum tm_rc rc, const char *msg)
{
    srv_error(&r->a, rc, msg, NULL);
    r->ready = 1;
}

static enum MHD_Result queue(struct req *r)
{
    struct answer *a = &r->a;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(a->no_body ? 0 : a->len, a->no_body ? "" : a->body,
                                        a->no_body ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (a->no_body)
        free(a->body);
    a->body = NULL;
    if (!resp)
        return MHD_NO;
    if (a->type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (a->retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%d", a->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    if (a->status == MHD_HTTP_METHOD_NOT_ALLOWED && r->rt)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->rt->method);
    enum MHD_Result res = MHD_queue_response(r->c, (unsigned)a->status, resp);
    MHD_destroy_response(resp);
    return res;
}

/* ---- the worker queue ---- */

/* Queue r for a worker; s->mu held. */
static void push_locked(struct req *r, enum job j)
{
    struct srv *s = r->s;
    r->job = j;
    r->next = NULL;
    if (s->tail)
        s->tail->next = r;
    else
        s->head = r;
    s->tail = r;
    pthread_cond_signal(&s->cv);
}

/* The piece being read becomes the worker's; the worker's (ingested) is reused. */
static void swap_pieces(struct req *r)
{
    uint8_t *b = r->chunk;
    size_t cap = r->ccap;
    r->chunk = r->pend, r->ccap = r->ncap, r->clen = r->nlen;
    r->pend = b, r->ncap = cap, r->nlen = 0;
}

/* Suspend r (from its access handler) and queue it for a worker, which resumes it. */
static void enqueue(struct req *r, enum job j)
{
    struct srv *s = r->s;
    __atomic_store_n(&r->suspended, 1, __ATOMIC_RELEASE);
    MHD_suspend_connection(r->c);
    pthread_mutex_lock(&s->mu);
    push_locked(r, j);
    pthread_mutex_unlock(&s->mu);
}

static void free_req(struct req *r);

/* Resume a suspended connection, once the access handler that suspended it has
 * returned: libmicrohttpd 0.9.75 (epoll) aborts when a connection is resumed while its
 * handler is still on the stack. */
static void resume(struct req *r)
{
    while (__atomic_load_n(&r->in_cb, __ATOMIC_ACQUIRE))
        sched_yield();
    __atomic_store_n(&r->suspended, 0, __ATOMIC_RELEASE);
    MHD_resume_connection(r->c);
}

/* A call's answer: its output, or its error with the status of its code. */
static void answer_call(struct req *r, enum tm_rc rc, char *out, const struct tm_diag *d)
{
    if (rc) {
        srv_error(&r->a, rc, d->msg, out);
        free(out);
    } else {
        const char *n = r->rt->op->name;
        int created = !strcmp(n, "requests.create") || !strcmp(n, "accounts.create") ||
                      !strcmp(n, "datasets.upload") || !strcmp(n, "requests.rate");
        srv_json(&r->a, created ? 201 : 200, out);
    }
    r->ready = 1;
}

/* The status of a request as "status|updated_at" (owned), for long polls. */
static char *seen_of(const char *status_json)
{
    cJSON *o = cJSON_Parse(status_json);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(o, "updated_at");
    char *r = NULL;
    if (cJSON_IsString(st) && cJSON_IsString(up) &&
        asprintf(&r, "%s|%s", st->valuestring, up->valuestring) < 0)
        r = NULL;
    cJSON_Delete(o);
    return r;
}

static int final_status(const char *seen)
{
    return !strncmp(seen, "done|", 5) || !strncmp(seen, "rejected|", 9) || !strncmp(seen, "cancelled|", 10) ||
           !strncmp(seen, "failed|", 7);
}

static void run_call(struct req *r)
{
    struct srv *s = r->s;
    struct tm_ctx ctx = {r->token, 0, 0, NULL, NULL, NULL};
    struct tm_diag d = {{0}};
    char *out = NULL, *in = NULL;
    const cJSON *wait = cJSON_GetObjectItemCaseSensitive(r->params, "wait");
    int wait_s = !strcmp(r->rt->op->name, "requests.get") && cJSON_IsNumber(wait) ? (int)wait->valuedouble : 0;
    if (wait_s) /* the server waits, not the op: a worker never sleeps */
        cJSON_DeleteItemFromObjectCaseSensitive(r->params, "wait");
    in = cJSON_PrintUnformatted(r->params);
    enum tm_rc rc = tm_svc_call(s->svc, &ctx, r->rt->op->name, in, &out, &d);
    free(in);
    if (!rc && wait_s > 0 && wait_s <= 60 && (r->wait_seen = seen_of(out)) && !final_status(r->wait_seen)) {
        pthread_mutex_lock(&s->wmu);
        if (s->nwaiters < s->cfg.max_waiters && !s->stopping) {
            r->wait_until = (int64_t)(mono() * 1000) + (int64_t)wait_s * 1000;
            r->next = s->waiters;
            s->waiters = r;
            s->nwaiters++;
            pthread_mutex_unlock(&s->wmu);
            free(out);
            return; /* stays suspended: the poller answers */
        }
        pthread_mutex_unlock(&s->wmu);
        free(out); /* too many waiting already: come back (the state is unchanged) */
        srv_error(&r->a, TM_EBUSY, "too many long polls at once: ask again in a moment", NULL);
        r->a.retry_after = 1;
        r->ready = 1;
        resume(r);
        return;
    }
    answer_call(r, rc, out, &d);
    resume(r);
}

/* A worker's turn on an upload: ingest the piece it was given and any that filled up
 * meanwhile; at the end of the body, publish. The I/O thread keeps reading into
 * r->next meanwhile (handle_upload_piece). */
static void run_upload(struct req *r)
{
    struct srv *s = r->s;
    struct tm_diag d = {{0}};
    enum tm_rc rc = TM_OK;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int gone = r->orphan;
        pthread_mutex_unlock(&s->mu);
        if (!r->up_failed && !r->up && !gone) {
            struct tm_ctx ctx = {r->token, 0, 0, NULL, NULL, NULL};
            char *in = cJSON_PrintUnformatted(r->params);
            rc = tm_svc_upload_begin(s->svc, &ctx, in, &r->up, &d);
            free(in);
        }
        if (!rc && !r->up_failed && !gone && r->clen)
            rc = tm_svc_upload_feed(r->up, r->chunk, r->clen, &d);
        r->clen = 0;
        pthread_mutex_lock(&s->mu);
        if (rc && !r->up_failed) { /* refused: the rest of the body is read and dropped */
            r->up_failed = 1;
            r->nlen = 0;
        }
        if (!r->orphan && r->nlen && (r->nlen >= UP_PIECE || r->parked || r->finishing)) {
            swap_pieces(r); /* take the next piece */
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        r->in_flight = 0;
        int orphan = r->orphan, finishing = r->finishing, wake = r->parked;
        r->parked = 0;
        pthread_mutex_unlock(&s->mu);
        if (orphan) { /* the connection is gone: nothing of the upload remains */
            free_req(r);
            return;
        }
        if (r->up_failed) {
            if (r->up) {
                tm_svc_upload_abort(r->up);
                r->up = NULL;
            }
            if (!r->a.body)
                srv_error(&r->a, rc, d.msg, NULL);
            if (finishing)
                r->ready = 1;
        } else if (finishing) {
            char *out = NULL;
            rc = tm_svc_upload_finish(r->up, &out, &d);
            r->up = NULL;
            if (rc)
                srv_error(&r->a, rc, d.msg, NULL);
            else
                answer_call(r, TM_OK, out, &d);
            r->ready = 1;
        }
        if (finishing || wake)
            resume(r);
        return;
    }
}

static void *worker(void *arg)
{
    struct srv *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->head && !s->workers_stop)
            pthread_cond_wait(&s->cv, &s->mu);
        struct req *r = s->head;
        if (!r) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        s->head = r->next;
        if (!s->head)
            s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        switch (r->job) {
        case J_CALL: run_call(r); break;
        case J_UPLOAD: run_upload(r); break;
        case J_MCP:
            srv_mcp(s->svc, r->token, r->body ? r->body : "", r->blen, &r->a);
            r->ready = 1;
            resume(r);
            break;
        default: resume(r);
        }
    }
}

/* ---- long polls: one thread checks every waiter five times a second ---- */

static void *poller(void *arg)
{
    struct srv *s = arg;
    while (!__atomic_load_n(&s->stopping, __ATOMIC_RELAXED)) {
        struct timespec nap = {0, 200 * 1000000L};
        nanosleep(&nap, NULL);
        pthread_mutex_lock(&s->wmu);
        struct req *list = s->waiters;
        s->waiters = NULL;
        pthread_mutex_unlock(&s->wmu);
        int64_t now = (int64_t)(mono() * 1000);
        while (list) {
            struct req *r = list;
            list = r->next;
            struct tm_ctx ctx = {r->token, 0, 0, NULL, NULL, NULL};
            struct tm_diag d = {{0}};
            char *out = NULL, *in = cJSON_PrintUnformatted(r->params);
            enum tm_rc rc = tm_svc_call(s->svc, &ctx, "requests.get", in, &out, &d);
            free(in);
            char *seen = rc ? NULL : seen_of(out);
            if (rc || !seen || strcmp(seen, r->wait_seen) || now >= r->wait_until) {
                s->nwaiters--; /* only this thread and run_call (under wmu) touch it */
                answer_call(r, rc, out, &d);
                resume(r);
            } else {
                free(out);
                pthread_mutex_lock(&s->wmu);
                r->next = s->waiters;
                s->waiters = r;
                pthread_mutex_unlock(&s->wmu);
            }
            free(seen);
        }
    }
    return NULL;
}

/* Computations whose worker died, and queued ones nobody ran: once a second. */
static void *jobber(void *arg)
{
    struct srv *s = arg;
    while (!__atomic_load_n(&s->stopping, __ATOMIC_RELAXED)) {
        tm_svc_run_jobs(s->svc, 16);
        for (int i = 0; i < 10 && !__atomic_load_n(&s->stopping, __ATOMIC_RELAXED); i++) {
            struct timespec nap = {0, 100 * 1000000L};
            nanosleep(&nap, NULL);
        }
    }
    return NULL;
}

/* ---- rate limits: a token bucket per token (or per address when anonymous) ---- */

static int rate_ok(struct srv *s, const char *key, int *retry)
{
    if (s->cfg.rate <= 0)
        return 1;
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    double now = mono();
    int ok;
    pthread_mutex_lock(&s->rmu);
    struct bucket *b = &s->buckets[h % RATE_SLOTS];
    if (strcmp(b->key, key)) { /* a new key takes the slot (an idle bucket is full anyway) */
        snprintf(b->key, sizeof b->key, "%s", key);
        b->tokens = s->cfg.burst;
        b->at = now;
    }
    b->tokens = fmin(s->cfg.burst, b->tokens + (now - b->at) * s->cfg.rate);
    b->at = now;
    ok = b->tokens >= 1;
    if (ok)
        b->tokens -= 1;
    else
        *retry = (int)ceil((1 - b->tokens) / s->cfg.rate);
    pthread_mutex_unlock(&s->rmu);
    return ok;
}

/* ---- parsing a request ---- */

static const struct route *route_of(struct srv *s, const char *method, const char *url, cJSON *params,
                                    int *method_wrong)
{
    char *segs[SEGS_MAX + 1];
    int n = 0;
    char *copy = strdup(url), *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t && n <= SEGS_MAX; t = strtok_r(NULL, "/", &save))
        segs[n++] = t;
    const struct route *hit = NULL;
    *method_wrong = 0;
    for (size_t i = 0; i < s->nroutes && !hit; i++) {
        const struct route *rt = &s->routes[i];
        if (rt->nsegs != n)
            continue;
        int ok = 1;
        for (int k = 0; k < n && ok; k++)
            ok = rt->segs[k][0] == '{' || !strcmp(rt->segs[k], segs[k]);
        if (!ok)
            continue;
        if (strcmp(rt->method, method)) {
            *method_wrong = 1;
            continue;
        }
        hit = rt;
        for (int k = 0; k < n; k++)
            if (rt->segs[k][0] == '{') {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)strlen(rt->segs[k]) - 2, rt->segs[k] + 1);
                cJSON_AddStringToObject(params, name, segs[k]);
            }
    }
    free(copy);
    if (hit)
        *method_wrong = 0;
    return hit;
}

struct hdrs {
    int content_length, transfer_encoding;
    const char *auth, *origin, *type;
    int multi_auth;
};

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct hdrs *h = cls;
    (void)kind;
    if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
        h->content_length++;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        h->transfer_encoding++;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION)) {
        h->multi_auth += h->auth != NULL;
        h->auth = value;
    } else if (!strcasecmp(key, "Origin"))
        h->origin = value;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE))
        h->type = value;
    return MHD_YES;
}

struct qctx {
    struct req *r;
    int bad;
    char why[160];
};

/* A query argument, typed by the op's input schema. */
static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct qctx *q = cls;
    (void)kind;
    cJSON *params = q->r->params;
    if (!value)
        value = "";
    if (cJSON_GetObjectItemCaseSensitive(params, key)) {
        q->bad = 1;
        snprintf(q->why, sizeof q->why, "the parameter '%.40s' is given twice", key);
        return MHD_NO;
    }
    const cJSON *prop = q->r->rt->props ? cJSON_GetObjectItemCaseSensitive(q->r->rt->props, key) : NULL;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(prop, "type");
    const char *t = cJSON_IsString(type) ? type->valuestring
                    : cJSON_IsArray(type) && cJSON_IsString(type->child) ? type->child->valuestring : "string";
    cJSON *v = NULL;
    if (!strcmp(t, "integer") || !strcmp(t, "number")) {
        char *end;
        errno = 0;
        double x = strtod(value, &end);
        if (!*value || *end || errno || !isfinite(x)) {
            q->bad = 1;
            snprintf(q->why, sizeof q->why, "%.40s: expected a number", key);
            return MHD_NO;
        }
        v = cJSON_CreateNumber(x);
    } else if (!strcmp(t, "boolean")) {
        if (strcmp(value, "true") && strcmp(value, "false")) {
            q->bad = 1;
            snprintf(q->why, sizeof q->why, "%.40s: expected true or false", key);
            return MHD_NO;
        }
        v = cJSON_CreateBool(!strcmp(value, "true"));
    } else if (!strcmp(t, "object") || !strcmp(t, "array")) {
        v = cJSON_Parse(value);
        if (!v) {
            q->bad = 1;
            snprintf(q->why, sizeof q->why, "%.40s: expected JSON", key);
            return MHD_NO;
        }
    } else {
        v = cJSON_CreateString(value);
    }
    cJSON_AddItemToObject(params, key, v);
    return MHD_YES;
}

/* The op's JSON input: the body's fields, then the path's and the query's. */
static int build_input(struct req *r)
{
    cJSON *in = NULL;
    if (r->blen) {
        struct tm_diag d = {{0}};
        if (tm_svc_check_json(r->body, r->blen, r->s->cfg.json_depth, &d)) {
            fail_now(r, TM_EINVAL, d.msg);
            return -1;
        }
        in = cJSON_ParseWithLength(r->body, r->blen);
        if (!cJSON_IsObject(in)) {
            cJSON_Delete(in);
            fail_now(r, TM_EINVAL, "the body is not a JSON object");
            return -1;
        }
    } else {
        in = cJSON_CreateObject();
    }
    cJSON *p;
    while ((p = r->params->child)) {
        cJSON_DetachItemViaPointer(r->params, p);
        if (cJSON_GetObjectItemCaseSensitive(in, p->string)) {
            char msg[120];
            snprintf(msg, sizeof msg, "'%.40s' is given both in the URL and in the body", p->string);
            cJSON_Delete(p);
            cJSON_Delete(in);
            fail_now(r, TM_EINVAL, msg);
            return -1;
        }
        cJSON_AddItemToObject(in, p->string, p);
    }
    cJSON_Delete(r->params);
    r->params = in;
    return 0;
}

static int origin_ok(const struct srv *s, const char *origin)
{
    if (!origin)
        return 1; /* not a browser */
    if (!strncmp(origin, "http://localhost", 16) || !strncmp(origin, "http://127.0.0.1", 16))
        return 1;
    if (!s->cfg.origins)
        return 0;
    const char *p = s->cfg.origins;
    size_t n = strlen(origin);
    while (*p) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, origin, n))
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

/* The first call: headers only. Refusals here are answered at once (and close the
 * connection, which is what a refused client deserves). */
static void first_call(struct req *r, const char *method, const char *url)
{
    struct srv *s = r->s;
    struct hdrs h = {0};
    MHD_get_connection_values(r->c, MHD_HEADER_KIND, header_cb, &h);
    if (h.content_length > 1 || (h.content_length && h.transfer_encoding) || h.transfer_encoding > 1) {
        fail_now(r, TM_EINVAL, "ambiguous body length: give one Content-Length, or Transfer-Encoding alone");
        return;
    }
    if (h.multi_auth || (h.auth && strncmp(h.auth, "Bearer ", 7))) {
        fail_now(r, TM_EAUTH, "give one 'Authorization: Bearer TOKEN' header");
        return;
    }
    if (h.auth)
        r->token = strndup(h.auth + 7, 200);
    /* the rate limiter's key: the token's account to be, or the address */
    if (r->token) {
        uint32_t x = 2166136261u;
        for (const char *p = r->token; *p; p++)
            x = (x ^ (uint8_t)*p) * 16777619u;
        snprintf(r->key, sizeof r->key, "t:%08x:%.8s", x, r->token + (strlen(r->token) > 12 ? 4 : 0));
    } else {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "?";
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, addr, sizeof addr);
        else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, addr, sizeof addr);
        snprintf(r->key, sizeof r->key, "a:%s", addr);
    }
    if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED)) {
        fail_now(r, TM_EBUSY, "the mediator is stopping: ask again in a moment");
        return;
    }
    int retry = 0;
    if (!rate_ok(s, r->key, &retry)) {
        fail_now(r, TM_ELIMIT, "too many requests: slow down");
        r->a.retry_after = retry > 0 ? retry : 1;
        return;
    }
    int wrong = 0;
    r->params = cJSON_CreateObject();
    r->rt = route_of(s, method, url, r->params, &wrong);
    if (!r->rt) {
        if (wrong) {
            srv_error(&r->a, TM_EINVAL, "this method is not allowed here", NULL);
            r->a.status = MHD_HTTP_METHOD_NOT_ALLOWED;
            r->ready = 1;
            /* find the route for the Allow header */
            for (size_t i = 0; i < s->nroutes; i++) {
                cJSON *tmp = cJSON_CreateObject();
                int w2 = 0;
                const struct route *any = route_of(s, s->routes[i].method, url, tmp, &w2);
                cJSON_Delete(tmp);
                if (any) {
                    r->rt = any;
                    break;
                }
            }
        } else {
            fail_now(r, TM_ENOTFOUND, "no such route (see GET /v1/openapi.json)");
        }
        return;
    }
    if (r->rt->kind == RT_MCP && !origin_ok(s, h.origin)) {
        fail_now(r, TM_EDENIED, "this Origin may not call the MCP endpoint");
        return;
    }
    const char *cl = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
    uint64_t cap = r->rt->kind == RT_UPLOAD ? s->cfg.max_upload : s->cfg.max_body;
    if (len > cap) {
        char msg[120];
        snprintf(msg, sizeof msg, "the body is larger than %llu bytes", (unsigned long long)cap);
        fail_now(r, TM_ETOOBIG, msg);
        return;
    }
    if (r->rt->kind == RT_UPLOAD && (!h.type || strncmp(h.type, UPLOAD_TYPE, strlen(UPLOAD_TYPE)))) {
        fail_now(r, TM_EINVAL, "an upload is a stream encrypted to the mediator (Content-Type " UPLOAD_TYPE
                               "): use 'teemed push'");
        return;
    }
    if (r->rt->kind == RT_OP || r->rt->kind == RT_UPLOAD) {
        struct qctx q = {r, 0, ""};
        MHD_get_connection_values(r->c, MHD_GET_ARGUMENT_KIND, query_cb, &q);
        if (q.bad)
            fail_now(r, TM_EINVAL, q.why);
    }
}

static enum MHD_Result handle(struct srv *s, struct MHD_Connection *c, const char *url, const char *method,
                              const char *upload, size_t *upload_size, void **con_cls);

/* n more bytes of an upload's body (I/O thread): add them to the piece being read; hand
 * it to a worker when none has the upload (the first bytes at once: they authenticate
 * it), or stop reading when it is full and the worker is still busy. */
static enum MHD_Result upload_piece(struct req *r, const char *p, size_t n)
{
    struct srv *s = r->s;
    enum MHD_Result res = MHD_YES;
    pthread_mutex_lock(&s->mu);
    if (r->up_failed) /* refused: the rest is read and dropped */
        goto out;
    if (r->nlen + n > r->ncap) {
        size_t cap = r->nlen + n > UP_PIECE_MAX ? r->nlen + n : UP_PIECE_MAX;
        uint8_t *b = realloc(r->pend, cap);
        if (!b) {
            res = MHD_NO;
            goto out;
        }
        r->pend = b, r->ncap = cap;
    }
    memcpy(r->pend + r->nlen, p, n);
    r->nlen += n;
    if (!r->in_flight && (r->nlen >= UP_PIECE || !r->started)) {
        r->started = 1;
        swap_pieces(r);
        r->in_flight = 1;
        push_locked(r, J_UPLOAD);
    } else if (r->in_flight && r->nlen >= UP_PIECE_MAX) {
        r->parked = 1; /* the worker takes this piece, then resumes the connection */
        __atomic_store_n(&r->suspended, 1, __ATOMIC_RELEASE);
        MHD_suspend_connection(r->c);
    }
out:
    pthread_mutex_unlock(&s->mu);
    return res;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct req *r = *con_cls;
    (void)version;
    if (r)
        __atomic_store_n(&r->in_cb, 1, __ATOMIC_RELEASE);
    enum MHD_Result res = handle(cls, c, url, method, upload, upload_size, con_cls);
    r = *con_cls;
    if (r)
        __atomic_store_n(&r->in_cb, 0, __ATOMIC_RELEASE);
    return res;
}

static enum MHD_Result handle(struct srv *s, struct MHD_Connection *c, const char *url, const char *method,
                              const char *upload, size_t *upload_size, void **con_cls)
{
    struct req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->s = s;
        r->c = c;
        r->in_cb = 1; /* access_cb clears it when this call returns */
        *con_cls = r;
        __atomic_add_fetch(&s->active, 1, __ATOMIC_RELAXED);
        first_call(r, method, url);
        if (r->ready && !r->a.body)
            return MHD_NO;
        /* Answering now closes the connection: only for what must not be read on (a body
         * over the cap, an ambiguous length, a bad Authorization); the others are
         * answered at the last call and the connection stays alive. */
        if (r->ready && (r->a.status == 413 || r->a.status == 401 ||
                         (r->a.status == 400 && strstr(r->a.body, "ambiguous body length"))))
            return queue(r);
        return MHD_YES;
    }
    if (__atomic_load_n(&r->suspended, __ATOMIC_ACQUIRE))
        return MHD_YES; /* called again before the suspension took: take nothing now */
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->ready) /* refused at the headers: the body is read and dropped */
            return MHD_YES;
        if (r->rt->kind == RT_UPLOAD) {
            r->up_bytes += n;
            if (r->up_bytes > s->cfg.max_upload)
                return MHD_NO; /* over the cap without a Content-Length: drop the connection */
            return upload_piece(r, upload, n);
        }
        if (r->blen + n > s->cfg.max_body)
            return MHD_NO; /* a chunked body over the cap: drop the connection */
        if (r->blen + n + 1 > r->bcap) {
            r->bcap = (r->blen + n + 1) * 2;
            char *nb = realloc(r->body, r->bcap);
            if (!nb)
                return MHD_NO;
            r->body = nb;
        }
        memcpy(r->body + r->blen, upload, n);
        r->blen += n;
        r->body[r->blen] = 0;
        return MHD_YES;
    }
    /* the whole request is in */
    if (r->ready)
        return queue(r);
    switch (r->rt->kind) {
    case RT_OPENAPI:
        srv_json(&r->a, 200, strdup(s->openapi));
        r->ready = 1;
        return queue(r);
    case RT_MCP:
        enqueue(r, J_MCP);
        return MHD_YES;
    case RT_UPLOAD: /* the body is all in: the worker publishes (now, or after its piece) */
        pthread_mutex_lock(&s->mu);
        r->finishing = 1;
        __atomic_store_n(&r->suspended, 1, __ATOMIC_RELEASE);
        MHD_suspend_connection(r->c);
        if (!r->in_flight) {
            r->in_flight = 1;
            push_locked(r, J_UPLOAD);
        }
        pthread_mutex_unlock(&s->mu);
        return MHD_YES;
    case RT_OP:
        if (build_input(r))
            return queue(r);
        if (!r->token && r->rt->op->cacheable) { /* a public read answered from memory, here */
            char *in = cJSON_PrintUnformatted(r->params), *out = NULL;
            enum tm_rc hit = in ? tm_svc_call_cached(s->svc, r->rt->op->name, in, &out) : TM_ENOTFOUND;
            free(in);
            if (hit == TM_OK) {
                answer_call(r, TM_OK, out, NULL);
                return queue(r);
            }
        }
        enqueue(r, J_CALL);
        return MHD_YES;
    }
    return MHD_NO;
}

static void free_req(struct req *r)
{
    struct srv *s = r->s;
    if (r->up) /* the connection was cut mid-upload: nothing of it remains */
        tm_svc_upload_abort(r->up);
    free(r->token);
    cJSON_Delete(r->params);
    free(r->body);
    free(r->chunk);
    free(r->pend);
    free(r->a.body);
    free(r->wait_seen);
    free(r);
    __atomic_sub_fetch(&s->active, 1, __ATOMIC_RELAXED);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    struct srv *s = cls;
    struct req *r = *con_cls;
    (void)c, (void)toe;
    if (!r)
        return;
    *con_cls = NULL;
    pthread_mutex_lock(&s->mu);
    int busy = r->in_flight;
    if (busy) /* a worker has its upload: it frees it when done */
        r->orphan = 1;
    pthread_mutex_unlock(&s->mu);
    if (!busy)
        free_req(r);
}

/* ---- setting up ---- */

/* The input properties of op, with $refs resolved into the table's $defs. */
static cJSON *props_of(const struct tm_op_info *op, const cJSON *defs)
{
    cJSON *schema = cJSON_Parse(op->input_schema);
    cJSON *props = cJSON_DetachItemFromObjectCaseSensitive(schema, "properties");
    cJSON_Delete(schema);
    cJSON *p;
    cJSON_ArrayForEach(p, props)
    {
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(p, "$ref");
        if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "#/$defs/", 8)) {
            const cJSON *def = cJSON_GetObjectItemCaseSensitive(defs, ref->valuestring + 8);
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(def, "type");
            if (t)
                cJSON_AddItemToObject(p, "type", cJSON_Duplicate(t, 1));
        }
    }
    return props;
}

static void add_route(struct srv *s, enum route_kind k, const struct tm_op_info *op, const char *method,
                      const char *path, const cJSON *defs)
{
    struct route *rt = &s->routes[s->nroutes++];
    memset(rt, 0, sizeof *rt);
    rt->kind = k;
    rt->op = op;
    rt->method = method;
    char *copy = strdup(path), *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t && rt->nsegs < SEGS_MAX; t = strtok_r(NULL, "/", &save))
        rt->segs[rt->nsegs++] = strdup(t);
    free(copy);
    rt->props = op ? props_of(op, defs) : NULL;
}

static void build_routes(struct srv *s)
{
    const struct tm_op_info *ops;
    size_t n = tm_svc_ops(&ops);
    cJSON *api = cJSON_Parse(tm_svc_api());
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(api, "$defs");
    s->routes = calloc(n + 4, sizeof *s->routes);
    for (size_t i = 0; i < n; i++)
        if (ops[i].method && ops[i].path)
            add_route(s, ops[i].stream ? RT_UPLOAD : RT_OP, &ops[i], ops[i].method, ops[i].path, defs);
    add_route(s, RT_OPENAPI, NULL, "GET", "/v1/openapi.json", defs);
    add_route(s, RT_MCP, NULL, "POST", "/v1/mcp", defs);
    cJSON_Delete(api);
}

static void free_routes(struct srv *s)
{
    for (size_t i = 0; i < s->nroutes; i++) {
        for (int k = 0; k < s->routes[i].nsegs; k++)
            free(s->routes[i].segs[k]);
        cJSON_Delete(s->routes[i].props);
    }
    free(s->routes);
}

/* "host:port" into an address; a non-loopback one needs cfg->allow_public. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len, int allow_public)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host) {
        fprintf(stderr, "teemed: serve: --listen takes HOST:PORT (got '%s')\n", spec);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        fprintf(stderr, "teemed: serve: bad port in '%s'\n", spec);
        return -1;
    }
    memset(ss, 0, sizeof *ss);
    int loopback;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        host[strlen(host) - 1] = 0;
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) {
            fprintf(stderr, "teemed: serve: bad address '%s'\n", spec);
            return -1;
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        if (!strcmp(host, "localhost"))
            snprintf(host, sizeof host, "127.0.0.1");
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            fprintf(stderr, "teemed: serve: bad address '%s' (an IPv4 address, [IPv6] or localhost)\n", spec);
            return -1;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
        loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
    }
    if (!loopback && !allow_public) {
        fprintf(stderr, "teemed: serve: refusing to listen on %s without TLS: teemed serves plain HTTP and "
                        "expects TLS to end in front of it (the dstack gateway; docs/deploy.md). Pass "
                        "--allow-public if that is so.\n", spec);
        return -1;
    }
    return 0;
}

/* One line per message, rate-limited: hostile clients must not flood the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct srv *s = cls;
    double now = mono();
    if (now - s->log_window > 10) {
        s->log_window = now;
        s->logged = 0;
    }
    if (++s->logged > 20)
        return;
    char msg[300];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = 0;
    fprintf(stderr, "teemed: http: %s%s\n", msg, s->logged == 20 ? " (more in the next 10 s not shown)" : "");
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { got_signal = sig; }

struct srv *srv_start(const char *data_dir, const struct srv_config *cfg, int *ex)
{
    struct srv *s = calloc(1, sizeof *s);
    struct tm_diag d = {{0}};
    struct sockaddr_storage ss;
    socklen_t sl;
    *ex = 0;
    s->cfg = *cfg;
    if (parse_listen(cfg->listen, &ss, &sl, cfg->allow_public)) {
        free(s);
        *ex = 2;
        return NULL;
    }
    enum tm_rc rc = tm_svc_open(data_dir, &s->svc, &d);
    if (rc) {
        fprintf(stderr, "teemed: serve: %s\n", d.msg);
        free(s);
        *ex = tm_rc_info(rc)->exit_code;
        return NULL;
    }
    tm_svc_open_registration(s->svc, cfg->open_registration);
    tm_svc_set_upload_limit(s->svc, cfg->uploads_per_account);
    tm_svc_cache_profiles(s->svc, cfg->profile_cache);
    tm_svc_set_job_lease(s->svc, cfg->job_lease_s);
    tm_svc_cache_answers(s->svc, ANSWER_SLOTS);
    build_routes(s);
    s->openapi = srv_openapi();
    s->buckets = calloc(RATE_SLOTS, sizeof *s->buckets);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    s->wk = calloc(cfg->workers, sizeof *s->wk);
    for (unsigned i = 0; i < cfg->workers; i++)
        pthread_create(&s->wk[i], NULL, worker, s);
    pthread_create(&s->poller, NULL, poller, s);
    pthread_create(&s->jobber, NULL, jobber, s);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    /* libmicrohttpd's own messages (a malformed request it refused) go through mhd_log */
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, s,
                              MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_per_ip,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout_s,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header,
                              MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                              /* one polling thread is no pool: the option ends the list then */
                              cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned)cfg->threads,
                              MHD_OPTION_END);
    if (!s->mhd) {
        fprintf(stderr, "teemed: serve: cannot listen on %s: %s\n", cfg->listen, strerror(errno));
        *ex = 6;
        srv_stop(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    return s;
}

unsigned srv_port(const struct srv *s) { return s->port; }

void srv_stop(struct srv *s)
{
    if (!s)
        return;
    if (s->mhd) {
        MHD_quiesce_daemon(s->mhd); /* no new connections */
        __atomic_store_n(&s->draining, 1, __ATOMIC_RELAXED); /* new requests: 503 */
    }
    /* long polls still waiting are answered with their state as it is */
    pthread_mutex_lock(&s->wmu);
    struct req *w = s->waiters;
    s->waiters = NULL;
    pthread_mutex_unlock(&s->wmu);
    __atomic_store_n(&s->stopping, 1, __ATOMIC_RELAXED); /* the poller and the job thread end */
    pthread_join(s->poller, NULL);
    pthread_join(s->jobber, NULL);
    while (w) {
        struct req *r = w;
        w = r->next;
        srv_error(&r->a, TM_EBUSY, "the mediator is stopping: ask again", NULL);
        r->ready = 1;
        resume(r);
    }
    /* requests under way finish (the workers still run), then the daemon stops */
    for (int i = 0; s->mhd && i < 300 && __atomic_load_n(&s->active, __ATOMIC_RELAXED); i++) {
        struct timespec nap = {0, 100 * 1000000L};
        nanosleep(&nap, NULL);
    }
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    pthread_mutex_lock(&s->mu);
    s->workers_stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->cfg.workers; i++)
        pthread_join(s->wk[i], NULL);
    tm_svc_close(s->svc);
    free_routes(s);
    free(s->openapi);
    free(s->buckets);
    free(s->wk);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->wmu);
    pthread_mutex_destroy(&s->rmu);
    free(s);
}

int srv_run(const char *data_dir, const struct srv_config *cfg)
{
    int ex;
    struct srv *s = srv_start(data_dir, cfg, &ex);
    if (!s)
        return ex;
    fprintf(stderr, "teemed: serving %s on %.*s:%u (%u threads, %u workers)\n", data_dir,
            (int)(strrchr(cfg->listen, ':') - cfg->listen), cfg->listen, srv_port(s), cfg->threads, cfg->workers);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!got_signal) {
        struct timespec nap = {0, 100 * 1000000L};
        nanosleep(&nap, NULL);
    }
    fprintf(stderr, "teemed: stopping (signal %d): finishing requests under way\n", (int)got_signal);
    srv_stop(s);
    return 0;
}
