/* remote.c - the front door over HTTP (see remote.h), with libcurl. */
#include "svc/remote.h"
#include "attest/attest.h"
#include "attest/dcap.h"
#include "base/base.h"
#include "base/crypto.h"
#include "core/upload.h"
#include "svc/svc_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANSWER_MAX (64u << 20)

struct remote {
    char *base; /* without a trailing slash */
    CURL *curl;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

enum tm_rc remote_open(const char *url, struct remote **out, struct tm_diag *d)
{
    *out = NULL;
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
        return tm_fail(d, TM_EINVAL, "--server takes an http:// or https:// URL (got '%.100s')", url);
    pthread_once(&curl_once, curl_init);
    struct remote *r = tm_xcalloc(1, sizeof *r);
    size_t n = strlen(url);
    while (n > 8 && url[n - 1] == '/')
        n--;
    r->base = tm_xstrndup(url, n);
    r->curl = curl_easy_init();
    if (!r->curl) {
        remote_close(r);
        return tm_fail(d, TM_EIO, "cannot start an HTTP client");
    }
    *out = r;
    return TM_OK;
}

void remote_close(struct remote *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    free(r->base);
    free(r);
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
    struct tm_buf *b = ctx;
    if (b->len + size * n > ANSWER_MAX)
        return 0; /* curl reports a write error */
    tm_buf_add(b, p, size * n);
    return size * n;
}

/* Append value to the URL, percent-encoded. */
static void add_escaped(CURL *c, struct tm_buf *url, const char *v)
{
    char *e = curl_easy_escape(c, v, 0);
    tm_buf_adds(url, e ? e : "");
    curl_free(e);
}

/* The op's URL: path parameters from the input (removed from it), and for GET and
 * DELETE the other fields as the query. */
static void build_url(struct remote *r, const struct tm_op_info *op, cJSON *in, int query, struct tm_buf *url)
{
    tm_buf_adds(url, r->base);
    for (const char *p = op->path; *p;) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
            cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(in, name);
            add_escaped(r->curl, url, cJSON_IsString(v) ? v->valuestring : "");
            cJSON_Delete(v);
            p = end + 1;
        } else {
            tm_buf_addc(url, *p++);
        }
    }
    if (!query)
        return;
    char sep = '?';
    const cJSON *f;
    cJSON_ArrayForEach(f, in)
    {
        char *v = cJSON_IsString(f) ? NULL : cJSON_PrintUnformatted(f);
        tm_buf_addc(url, sep);
        add_escaped(r->curl, url, f->string);
        tm_buf_addc(url, '=');
        add_escaped(r->curl, url, cJSON_IsString(f) ? f->valuestring : v);
        free(v);
        sep = '&';
    }
}

/* Turn an HTTP answer into the call's outcome. */
static enum tm_rc answer(long status, struct tm_buf *body, char **json_out, struct tm_diag *d)
{
    if (status >= 200 && status < 300) {
        *json_out = tm_buf_detach(body);
        if (!*json_out)
            *json_out = tm_xstrdup("{}");
        return TM_OK;
    }
    cJSON *e = cJSON_Parse(body->ptr ? body->ptr : "");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(e, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
    enum tm_rc rc;
    if (cJSON_IsString(code))
        rc = tm_fail(d, tm_rc_from_name(code->valuestring), "%s",
                     cJSON_IsString(msg) ? msg->valuestring : code->valuestring);
    else
        rc = tm_fail(d, status == 429 ? TM_ELIMIT : status >= 500 ? TM_EBUSY : TM_EPARSE,
                     "the mediator answered HTTP %ld without an error object", status);
    /* a report that comes with a failure (an audit trail whose chain broke) */
    const cJSON *report = cJSON_GetObjectItemCaseSensitive(e, "report");
    if (report)
        *json_out = cJSON_PrintUnformatted(report);
    cJSON_Delete(e);
    return rc;
}

static enum tm_rc curl_fail(struct remote *r, CURLcode cc, const char *errbuf, struct tm_diag *d)
{
    return tm_fail(d, TM_ESTATE, "cannot reach the mediator at %s: %s", r->base,
                   errbuf[0] ? errbuf : curl_easy_strerror(cc));
}

static struct curl_slist *headers(const char *token, const char *type)
{
    struct curl_slist *h = NULL;
    char line[300];
    h = curl_slist_append(h, "Accept: application/json");
    if (type) {
        snprintf(line, sizeof line, "Content-Type: %s", type);
        h = curl_slist_append(h, line);
    }
    if (token && *token) {
        snprintf(line, sizeof line, "Authorization: Bearer %.200s", token);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    return h;
}

enum tm_rc remote_call(struct remote *r, const struct tm_op_info *op, const char *token, const char *json_in,
                       char **json_out, struct tm_diag *d)
{
    *json_out = NULL;
    if (!op->method || !op->path)
        return tm_fail(d, TM_EINVAL, "'%s' has no HTTP route", op->name);
    cJSON *in = cJSON_Parse(json_in && *json_in ? json_in : "{}");
    if (!cJSON_IsObject(in)) {
        cJSON_Delete(in);
        return tm_fail(d, TM_EINVAL, "%s: the input is not a JSON object", op->name);
    }
    int get = !strcmp(op->method, "GET") || !strcmp(op->method, "DELETE");
    struct tm_buf url, body;
    char errbuf[CURL_ERROR_SIZE] = "";
    tm_buf_init(&url);
    tm_buf_init(&body);
    build_url(r, op, in, get, &url);
    char *payload = get ? NULL : cJSON_PrintUnformatted(in);
    cJSON_Delete(in);
    struct curl_slist *h = headers(token, payload ? "application/json" : NULL);
    CURL *c = r->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.ptr);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, op->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "teemed/" TM_VERSION);
    if (payload) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    }
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    enum tm_rc rc = cc == CURLE_OK ? answer(status, &body, json_out, d) : curl_fail(r, cc, errbuf, d);
    curl_slist_free_all(h);
    free(payload);
    tm_buf_release(&url);
    tm_buf_release(&body);
    return rc;
}

/* ---- push ---- */

struct pushing {
    struct tm_upload_tx *tx;
    const struct tm_ctx *ctx;
    uint64_t total;
    enum tm_rc rc;
    struct tm_diag diag;
};

static size_t read_stream(char *buf, size_t size, size_t n, void *p)
{
    struct pushing *ps = p;
    size_t got = tm_upload_tx_read(ps->tx, (uint8_t *)buf, size * n, &ps->rc, &ps->diag);
    if (ps->rc)
        return CURL_READFUNC_ABORT;
    if (ps->ctx && ps->ctx->progress)
        ps->ctx->progress(ps->ctx->cb, tm_upload_tx_done(ps->tx), ps->total);
    return got;
}

/* Fetch the mediator's attestation with a fresh nonce and check it: signature, key
 * binding with the nonce, the TEE evidence and what the caller expects. */
static enum tm_rc attested_key(struct remote *r, const cJSON *in, uint8_t pub[32], struct tm_diag *d)
{
    uint8_t nonce[32];
    char hex[65], q[100], *doc = NULL;
    enum tm_rc rc = tm_random(nonce, sizeof nonce, d);
    if (rc)
        return rc;
    tm_hex(nonce, sizeof nonce, hex);
    snprintf(q, sizeof q, "{\"nonce\":\"%s\"}", hex);
    rc = remote_call(r, tm_svc_op("mediator.attest"), NULL, q, &doc, d);
    if (rc)
        return rc;
    struct tm_expect x;
    op_expect(in, &x);
    const cJSON *col = cJSON_GetObjectItemCaseSensitive(in, "collateral");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(in, "at");
    struct tm_verify_opts vo = {0};
    vo.allow_simulated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "allow_simulated"));
    vo.expect = tm_expect_any(&x) ? &x : NULL;
    vo.accept_tcb = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(in, "accept_tcb"))
                        ? cJSON_GetObjectItemCaseSensitive(in, "accept_tcb")->valuestring
                        : NULL;
    vo.accept_disk_key = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "accept_disk_key"));
    vo.collateral = cJSON_IsString(col) ? col->valuestring : NULL;
    vo.collateral_len = vo.collateral ? strlen(vo.collateral) : 0;
    int64_t atv;
    vo.at = tm_json_int(at, -1e15, 1e15, &atv) ? atv : (int64_t)time(NULL);
    struct tm_verify v;
    struct tm_diag vd = {{0}};
    rc = tm_attest_verify(doc, strlen(doc), &vo, &v, &vd);
    cJSON *j = cJSON_Parse(doc);
    free(doc);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "attestation");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(a, "kind"), *n = cJSON_GetObjectItemCaseSensitive(a, "nonce");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "mediator"), "upload_key");
    size_t kl = 0;
    if (rc) {
        const char *why = vd.msg;
        for (size_t i = 0; i < v.nchecks; i++)
            if (!v.checks[i].ok) {
                snprintf(vd.msg, sizeof vd.msg, "%s: %s", v.checks[i].name, v.checks[i].detail);
                break;
            }
        rc = tm_fail(d, TM_EVERIFY, "the mediator's attestation does not verify (%.300s): nothing was sent", why);
    } else if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "mediator") || !cJSON_IsString(n) ||
               strcmp(n->valuestring, hex)) {
        rc = tm_fail(d, TM_EVERIFY, "the mediator answered with another document or an old one (no fresh nonce): "
                                    "nothing was sent");
    } else if (!cJSON_IsString(key) || strncmp(key->valuestring, "x25519:", 7) ||
               tm_unhex(key->valuestring + 7, strlen(key->valuestring + 7), pub, 32, &kl) || kl != 32) {
        rc = tm_fail(d, TM_EVERIFY, "the mediator's attestation names no upload key: nothing was sent");
    }
    cJSON_Delete(j);
    return rc;
}

enum tm_rc remote_push(struct remote *r, const struct tm_ctx *ctx, const char *json_in, char **json_out,
                       struct tm_diag *d)
{
    struct tm_filelist fl = {0};
    struct pushing ps;
    struct tm_buf url, body;
    uint8_t pub[32];
    char errbuf[CURL_ERROR_SIZE] = "";
    memset(&ps, 0, sizeof ps);
    tm_buf_init(&url);
    tm_buf_init(&body);
    *json_out = NULL;
    cJSON *in = cJSON_Parse(json_in ? json_in : "{}");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(in, "id"), *paths = cJSON_GetObjectItemCaseSensitive(in, "paths");
    if (!cJSON_IsString(id) || !tm_valid_name(id->valuestring) || !cJSON_IsArray(paths) || !cJSON_GetArraySize(paths)) {
        cJSON_Delete(in);
        return tm_fail(d, TM_EINVAL, "push: needs a valid dataset id and at least one path");
    }
    size_t np = (size_t)cJSON_GetArraySize(paths), i = 0;
    const char **pv = tm_xcalloc(np, sizeof *pv);
    const cJSON *p;
    cJSON_ArrayForEach(p, paths)
        pv[i++] = cJSON_IsString(p) ? p->valuestring : "";
    enum tm_rc rc = tm_ingest_collect(pv, np, &fl, d); /* a bad path fails before the network is used */
    free(pv);
    if (!rc && !fl.n)
        rc = tm_fail(d, TM_EPARSE, "no input files (.jsonl, .md, .txt) under the given paths");
    if (!rc)
        rc = attested_key(r, in, pub, d);
    if (!rc)
        rc = tm_upload_tx_new(pub, &fl, &ps.tx, d);
    if (rc)
        goto out;
    ps.ctx = ctx;
    ps.total = fl.bytes;
    /* the route from the table, with title and k as the query */
    cJSON *q = cJSON_CreateObject();
    cJSON_AddStringToObject(q, "id", id->valuestring);
    static const char *const keep[] = {"title", "k"};
    for (size_t k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, keep[k]);
        if (v)
            cJSON_AddItemToObject(q, keep[k], cJSON_Duplicate(v, 1));
    }
    build_url(r, tm_svc_op("datasets.upload"), q, 1, &url);
    cJSON_Delete(q);
    struct curl_slist *h = headers(ctx ? ctx->token : NULL, "application/x-teemed-upload");
    CURL *c = r->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.ptr);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_stream);
    curl_easy_setopt(c, CURLOPT_READDATA, &ps);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "teemed/" TM_VERSION);
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    if (ps.rc)
        rc = tm_fail(d, ps.rc, "%s (nothing was kept by the mediator)", ps.diag.msg);
    else if (cc != CURLE_OK && !(status >= 400 && body.len))
        rc = tm_fail(d, TM_ESTATE, "the upload to %s was cut (%s): nothing was kept, it is safe to retry", r->base,
                     errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else
        rc = answer(status, &body, json_out, d);
out:
    tm_upload_tx_free(ps.tx);
    tm_filelist_release(&fl);
    tm_buf_release(&url);
    tm_buf_release(&body);
    cJSON_Delete(in);
    return rc;
}
