/* dstack.c - the dstack guest agent client (see dstack.h). */
#include "tm/dstack.h"
#include "tm/base.h"

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

static const char *const socks[] = {"/var/run/dstack.sock", "/run/dstack.sock", "/var/run/dstack/dstack.sock",
                                    "/run/dstack/dstack.sock"};

const char *tm_dstack_socket(char *buf, size_t cap, struct tm_diag *d)
{
    struct stat st;
    const char *env = getenv("DSTACK_SIMULATOR_ENDPOINT");
    if (env && env[0]) {
        if (!strncmp(env, "http://", 7) || !strncmp(env, "https://", 8)) {
            tm_fail(d, TM_EINVAL, "DSTACK_SIMULATOR_ENDPOINT: only a unix socket path is supported, not '%s'", env);
            return NULL;
        }
        snprintf(buf, cap, "%s", env);
        return buf;
    }
    for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++)
        if (stat(socks[i], &st) == 0 && S_ISSOCK(st.st_mode)) {
            snprintf(buf, cap, "%s", socks[i]);
            return buf;
        }
    tm_fail(d, TM_ESTATE,
            "no dstack guest agent socket (looked for /var/run/dstack.sock, /run/dstack.sock, "
            "/var/run/dstack/dstack.sock, /run/dstack/dstack.sock; mount it into the container "
            "or set DSTACK_SIMULATOR_ENDPOINT)");
    return NULL;
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

enum tm_rc tm_dstack_parse_response(char *buf, size_t n, const char *method, char **resp, struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    *resp = NULL;
    buf[n] = 0;
    int status = 0;
    char *hdr_end = strstr(buf, "\r\n\r\n");
    if (!hdr_end || sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        rc = tm_fail(d, TM_EPARSE, "dstack: %s: not an HTTP response", method);
        goto out;
    }
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

enum tm_rc tm_dstack_call(const char *sock, const char *method, const char *body, char **resp,
                          struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    char *buf = NULL, head[512];
    *resp = NULL;
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
                      "POST /%s HTTP/1.1\r\nHost: dstack\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      method, bl);
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
    rc = tm_dstack_parse_response(buf, n, method, resp, d);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* Call method with req (consumed); *out receives the response object (owned). */
static enum tm_rc call_json(const char *sock, const char *method, cJSON *req, cJSON **out, struct tm_diag *d)
{
    char *body = cJSON_PrintUnformatted(req), *resp = NULL;
    cJSON_Delete(req);
    *out = NULL;
    if (!body)
        return tm_fail(d, TM_EIO, "out of memory");
    enum tm_rc rc = tm_dstack_call(sock, method, body, &resp, d);
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

enum tm_rc tm_dstack_key(const char *sock, const char *path, uint8_t key[32], struct tm_diag *d)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "path", path);
    cJSON_AddStringToObject(req, "purpose", "teemed");
    cJSON *j;
    enum tm_rc rc = call_json(sock, "GetKey", req, &j, d);
    if (rc)
        return rc;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "key");
    size_t n = 0;
    if (!cJSON_IsString(k) || tm_unhex(k->valuestring, strlen(k->valuestring), key, 32, &n) || n != 32)
        rc = tm_fail(d, TM_EPARSE, "dstack: GetKey did not return a 32-byte hex key");
    cJSON_Delete(j);
    return rc;
}

enum tm_rc tm_dstack_quote(const char *sock, const uint8_t report_data[64], uint8_t **quote, size_t *qlen,
                           char **event_log, struct tm_diag *d)
{
    char hex[129];
    *quote = NULL;
    *qlen = 0;
    *event_log = NULL;
    tm_hex(report_data, 64, hex);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "report_data", hex);
    cJSON *j;
    enum tm_rc rc = call_json(sock, "GetQuote", req, &j, d);
    if (rc)
        return rc;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "quote");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event_log");
    size_t ql = cJSON_IsString(q) ? strlen(q->valuestring) : 0;
    if (!ql) {
        rc = tm_fail(d, TM_ESTATE, "dstack: GetQuote returned no quote (not a TDX platform?)");
        goto out;
    }
    *quote = malloc(ql / 2 + 1);
    if (!*quote || tm_unhex(q->valuestring, ql, *quote, ql / 2 + 1, qlen)) {
        rc = tm_fail(d, TM_EPARSE, "dstack: GetQuote returned a quote that is not hex");
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
