/* dstack.c - the dstack guest agent client (see dstack.h). */
#include "tee/dstack.h"
#include "base/base.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const places[] = {"/var/run/%s.sock", "/run/%s.sock", "/var/run/%s/%s.sock", "/run/%s/%s.sock"};

const char *tm_agent_api_name(enum tm_agent_api api) { return api == TM_AGENT_TAPPD ? "tappd" : "dstack"; }

static enum tm_rc from_env(struct tm_agent *a, const char *var, enum tm_agent_api api, struct tm_diag *d)
{
    const char *env = getenv(var);
    if (!strncmp(env, "http://", 7) || !strncmp(env, "https://", 8))
        return tm_fail(d, TM_EINVAL, "%s: only a unix socket path is supported, not '%s'", var, env);
    if (strlen(env) >= sizeof a->path)
        return tm_fail(d, TM_EINVAL, "%s: socket path too long", var);
    snprintf(a->path, sizeof a->path, "%s", env);
    a->api = api;
    return TM_OK;
}

enum tm_rc tm_dstack_find(struct tm_agent *a, struct tm_diag *d)
{
    static const char *const names[] = {"dstack", "tappd"};
    struct stat st;
    memset(a, 0, sizeof *a);
    const char *env = getenv("DSTACK_SIMULATOR_ENDPOINT");
    if (env && env[0])
        return from_env(a, "DSTACK_SIMULATOR_ENDPOINT", TM_AGENT_DSTACK, d);
    env = getenv("TAPPD_SIMULATOR_ENDPOINT");
    if (env && env[0])
        return from_env(a, "TAPPD_SIMULATOR_ENDPOINT", TM_AGENT_TAPPD, d);
    for (int api = 0; api < 2; api++)
        for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
            char p[64];
            snprintf(p, sizeof p, places[i], names[api], names[api]);
            if (stat(p, &st) == 0 && S_ISSOCK(st.st_mode)) {
                snprintf(a->path, sizeof a->path, "%s", p);
                a->api = (enum tm_agent_api)api;
                return TM_OK;
            }
        }
    return tm_fail(d, TM_ESTATE,
                   "no dstack guest agent socket (looked for dstack.sock, then the legacy tappd.sock, in "
                   "/var/run, /run, /var/run/<name>/, /run/<name>/; mount it into the container or set "
                   "DSTACK_SIMULATOR_ENDPOINT)");
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Decode a chunked body in place; returns its length or -1 when malformed. */
static long dechunk(char *p, size_t n)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        if (in >= n)
            return -1;
        errno = 0;
        unsigned long len = strtoul(p + in, &end, 16);
        if (end == p + in || errno)
            return -1;
        char *crlf = memchr(end, '\n', n - (size_t)(end - p));
        if (!crlf)
            return -1;
        in = (size_t)(crlf - p) + 1;
        if (len == 0)
            return (long)out;
        if (len > n - in)
            return -1;
        memmove(p + out, p + in, len);
        out += len;
        in += len;
        if (in + 2 > n || p[in] != '\r' || p[in + 1] != '\n')
            return -1;
        in += 2;
    }
}

enum tm_rc tm_dstack_parse_response(char *buf, size_t n, const char *method, char **resp, int *statusp,
                                    struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    *resp = NULL;
    if (statusp)
        *statusp = 0;
    buf[n] = 0;
    int status = 0;
    char *hdr_end = strstr(buf, "\r\n\r\n");
    if (!hdr_end || sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        rc = tm_fail(d, TM_EPARSE, "dstack: %s: not an HTTP response", method);
        goto out;
    }
    if (statusp)
        *statusp = status;
    *hdr_end = 0;
    char *bodyp = hdr_end + 4;
    size_t blen = n - (size_t)(bodyp - buf);
    long clen = -1;
    int chunked = 0;
    for (char *line = strstr(buf, "\r\n"); line && line < hdr_end; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (!strncasecmp(h, "content-length:", 15))
            clen = strtol(h + 15, NULL, 10);
        else if (!strncasecmp(h, "transfer-encoding:", 18) && strstr(h, "chunked"))
            chunked = 1;
    }
    if (chunked) {
        long l = dechunk(bodyp, blen);
        if (l < 0) {
            rc = tm_fail(d, TM_EPARSE, "dstack: %s: malformed chunked body", method);
            goto out;
        }
        blen = (size_t)l;
    } else if (clen >= 0) {
        if ((size_t)clen > blen) {
            rc = tm_fail(d, TM_EPARSE, "dstack: %s: body shorter than its Content-Length", method);
            goto out;
        }
        blen = (size_t)clen;
    }
    bodyp[blen] = 0;
    if (status < 200 || status > 299) {
        cJSON *e = cJSON_ParseWithLength(bodyp, blen);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "error");
        rc = tm_fail(d, TM_EIO, "dstack: %s answered HTTP %d: %.200s", method, status,
                     cJSON_IsString(m) ? m->valuestring : "(no error text)");
        cJSON_Delete(e);
        goto out;
    }
    *resp = malloc(blen + 1);
    if (!*resp) {
        rc = tm_fail(d, TM_EIO, "out of memory");
        goto out;
    }
    memcpy(*resp, bodyp, blen + 1);
out:
    return rc;
}

enum tm_rc tm_dstack_call(const struct tm_agent *a, const char *method, const char *body, char **resp,
                          int *status, struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    char *buf = NULL, head[512];
    const char *sock = a->path, *prefix = a->api == TM_AGENT_TAPPD ? "prpc/Tappd." : "";
    *resp = NULL;
    if (status)
        *status = 0;
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof sa.sun_path)
        return tm_fail(d, TM_EINVAL, "dstack: socket path too long");
    memcpy(sa.sun_path, sock, strlen(sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        rc = tm_fail(d, TM_EIO, "dstack: cannot connect to '%s': %s", sock, strerror(errno));
        goto out;
    }
    size_t bl = strlen(body);
    int hl = snprintf(head, sizeof head,
                      "POST /%s%s HTTP/1.1\r\nHost: dstack\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      prefix, method, bl);
    if (hl < 0 || (size_t)hl >= sizeof head || send_all(fd, head, (size_t)hl) || send_all(fd, body, bl)) {
        rc = tm_fail(d, TM_EIO, "dstack: cannot send %s to '%s': %s", method, sock, strerror(errno));
        goto out;
    }
    buf = malloc(TM_DSTACK_RESP_MAX + 1);
    if (!buf) {
        rc = tm_fail(d, TM_EIO, "out of memory");
        goto out;
    }
    size_t n = 0;
    for (;;) {
        if (n == TM_DSTACK_RESP_MAX) {
            rc = tm_fail(d, TM_ETOOBIG, "dstack: %s response over %u bytes", method, TM_DSTACK_RESP_MAX);
            goto out;
        }
        ssize_t r = recv(fd, buf + n, TM_DSTACK_RESP_MAX - n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = tm_fail(d, TM_EIO, "dstack: reading the %s response: %s", method, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    rc = tm_dstack_parse_response(buf, n, method, resp, status, d);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* Call method with req (consumed); *out receives the response object (owned). */
static enum tm_rc call_json(const struct tm_agent *a, const char *method, cJSON *req, cJSON **out, int *status,
                            struct tm_diag *d)
{
    char *body = cJSON_PrintUnformatted(req), *resp = NULL;
    cJSON_Delete(req);
    *out = NULL;
    if (!body)
        return tm_fail(d, TM_EIO, "out of memory");
    enum tm_rc rc = tm_dstack_call(a, method, body, &resp, status, d);
    free(body);
    if (rc)
        return rc;
    cJSON *j = cJSON_Parse(resp);
    free(resp);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return tm_fail(d, TM_EPARSE, "dstack: %s: the response is not a JSON object", method);
    }
    *out = j;
    return TM_OK;
}

enum tm_rc tm_dstack_key(const struct tm_agent *a, const char *path, uint8_t key[32], struct tm_diag *d)
{
    int legacy = a->api == TM_AGENT_TAPPD;
    const char *method = legacy ? "DeriveK256Key" : "GetKey";
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "path", path);
    cJSON_AddStringToObject(req, "purpose", "teemed");
    cJSON *j;
    enum tm_rc rc = call_json(a, method, req, &j, NULL, d);
    if (rc)
        return rc;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, legacy ? "k256_key" : "key");
    size_t n = 0;
    if (!cJSON_IsString(k) || tm_unhex(k->valuestring, strlen(k->valuestring), key, 32, &n) || n != 32)
        rc = tm_fail(d, TM_EPARSE, "dstack: %s did not return a 32-byte hex key", method);
    cJSON_Delete(j);
    return rc;
}

enum tm_rc tm_dstack_quote(const struct tm_agent *a, const uint8_t report_data[64], uint8_t **quote, size_t *qlen,
                           char **event_log, struct tm_diag *d)
{
    int legacy = a->api == TM_AGENT_TAPPD;
    const char *method = legacy ? "TdxQuote" : "GetQuote";
    char hex[129];
    *quote = NULL;
    *qlen = 0;
    *event_log = NULL;
    tm_hex(report_data, 64, hex);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "report_data", hex);
    if (legacy) /* the 64 bytes as they are: no prefix, no hash */
        cJSON_AddStringToObject(req, "hash_algorithm", "raw");
    cJSON *j;
    enum tm_rc rc = call_json(a, method, req, &j, NULL, d);
    if (rc)
        return rc;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "quote");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event_log");
    size_t ql = cJSON_IsString(q) ? strlen(q->valuestring) : 0;
    if (!ql) {
        rc = tm_fail(d, TM_ESTATE, "dstack: %s returned no quote (not a TDX platform?)", method);
        goto out;
    }
    *quote = malloc(ql / 2 + 1);
    if (!*quote || tm_unhex(q->valuestring, ql, *quote, ql / 2 + 1, qlen)) {
        rc = tm_fail(d, TM_EPARSE, "dstack: %s returned a quote that is not hex", method);
        goto out;
    }
    if (cJSON_IsString(ev) && ev->valuestring[0] && !(*event_log = strdup(ev->valuestring)))
        rc = tm_fail(d, TM_EIO, "out of memory");
out:
    if (rc) {
        free(*quote);
        *quote = NULL;
        *qlen = 0;
    }
    cJSON_Delete(j);
    return rc;
}

/* A hex field of Info: "" when absent or empty, else exactly n bytes of hex (lowercased). */
static int info_hex(const cJSON *j, const char *key, size_t n, char *dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    dst[0] = 0;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    const char *s = v->valuestring;
    size_t l = strlen(s);
    if (l == 0)
        return 0;
    if (l != 2 * n)
        return -1;
    for (size_t i = 0; i < l; i++) {
        int c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return -1;
        dst[i] = (char)(c >= 'A' && c <= 'F' ? c + 32 : c);
    }
    dst[l] = 0;
    return 0;
}

enum tm_rc tm_dstack_info(const struct tm_agent *a, struct tm_dstack_info *info, struct tm_diag *d)
{
    memset(info, 0, sizeof *info);
    cJSON *j;
    enum tm_rc rc = call_json(a, "Info", cJSON_CreateObject(), &j, NULL, d);
    if (rc)
        return rc;
    static const char *const keys[] = {"app_id", "instance_id", "compose_hash", "os_image_hash"};
    char *const dst[] = {info->app_id, info->instance_id, info->compose_hash, info->os_image_hash};
    static const size_t len[] = {20, 20, 32, 32};
    for (size_t i = 0; i < 4; i++)
        if (info_hex(j, keys[i], len[i], dst[i])) {
            rc = tm_fail(d, TM_EPARSE, "dstack: Info: %s is not %zu bytes of hex", keys[i], len[i]);
            goto out;
        }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "app_name");
    if (cJSON_IsString(name))
        snprintf(info->app_name, sizeof info->app_name, "%s", name->valuestring);
    /* tcb_info is a JSON document inside a JSON string; app_compose is its exact text */
    const cJSON *tcb = cJSON_GetObjectItemCaseSensitive(j, "tcb_info");
    cJSON *t = cJSON_IsString(tcb) && tcb->valuestring[0] ? cJSON_Parse(tcb->valuestring) : NULL;
    const cJSON *ac = cJSON_GetObjectItemCaseSensitive(t, "app_compose");
    if (cJSON_IsString(ac) && ac->valuestring[0] && !(info->app_compose = strdup(ac->valuestring)))
        rc = tm_fail(d, TM_EIO, "out of memory");
    cJSON_Delete(t);
out:
    if (rc)
        tm_dstack_info_release(info);
    cJSON_Delete(j);
    return rc;
}

void tm_dstack_info_release(struct tm_dstack_info *info)
{
    free(info->app_compose);
    memset(info, 0, sizeof *info);
}

enum tm_rc tm_dstack_emit(const struct tm_agent *a, const char *event, const uint8_t *payload, size_t n,
                          struct tm_diag *d)
{
    if (a->api == TM_AGENT_TAPPD)
        return tm_fail(d, TM_ENOTFOUND, "the legacy tappd API has no EmitEvent");
    char *hex = tm_xmalloc(2 * n + 1), *resp = NULL;
    tm_hex(payload, n, hex);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "event", event);
    cJSON_AddStringToObject(req, "payload", hex);
    free(hex);
    char *body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (!body)
        return tm_fail(d, TM_EIO, "out of memory");
    int status = 0;
    enum tm_rc rc = tm_dstack_call(a, "EmitEvent", body, &resp, &status, d);
    free(body);
    free(resp);
    if (rc && (status == 404 || status == 501))
        rc = tm_fail(d, TM_ENOTFOUND, "the agent has no EmitEvent (HTTP %d; dstack OS < 0.5.0, or a build "
                     "without it)", status);
    return rc;
}
