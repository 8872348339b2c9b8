/* fuzz_http.c - the HTTP front end as a whole: arbitrary bytes sent to a live in-process
 * `teemed serve` (libmicrohttpd, the routes, the workers, the ops, the store) over a
 * loopback socket. "TOKEN" in an input becomes a real account's token and "OPERATOR"
 * the operator's, so authenticated routes are reached. Invariants: what the server
 * answers is HTTP, whole, and never a 5xx; after each input it still serves a health check
 * at once. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct srv *srv;
static char token[64], operator_token[64];

static void field(const char *json, const char *key, char *out, size_t n)
{
    cJSON *o = cJSON_Parse(json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
    cJSON_Delete(o);
}

static void setup(void)
{
    static char dir[] = "/tmp/teemed-fuzz-http-XXXXXX";
    char data[128], *out = NULL;
    struct tm_diag d;
    if (!mkdtemp(dir))
        abort();
    snprintf(data, sizeof data, "%s/data", dir);
    if (tm_svc_init(data, "sim", &out, &d))
        abort();
    field(out, "operator_token", operator_token, sizeof operator_token);
    free(out);
    struct tm_svc *svc;
    if (tm_svc_open(data, &svc, &d))
        abort();
    struct tm_ctx ctx = {operator_token, 0, 0, NULL, NULL, NULL};
    if (tm_svc_call(svc, &ctx, "accounts.create", "{\"name\":\"fuzzer\"}", &out, &d))
        abort();
    field(out, "token", token, sizeof token);
    free(out);
    tm_svc_close(svc);
    struct srv_config cfg = {"127.0.0.1:0", 0, 1, 2, 64, 64, 1, 16384, 65536, 1u << 20, 16, 0, 0,
                             0 /* no long polls: a wait would stall the fuzzer */, 1, 4, 2, 0, NULL};
    int ex;
    srv = srv_start(data, &cfg, &ex);
    if (!srv)
        abort();
}

/* Replace every "TOKEN" and "OPERATOR" in the input by the real tokens. */
static uint8_t *with_tokens(const uint8_t *p, size_t n, size_t *len)
{
    uint8_t *o = malloc(n * 12 + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (n - i >= 5 && !memcmp(p + i, "TOKEN", 5)) {
            memcpy(o + k, token, strlen(token));
            k += strlen(token), i += 5;
        } else if (n - i >= 8 && !memcmp(p + i, "OPERATOR", 8)) {
            memcpy(o + k, operator_token, strlen(operator_token));
            k += strlen(operator_token), i += 8;
        } else {
            o[k++] = p[i++];
        }
    }
    *len = k;
    return o;
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)srv_port(srv));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a))
        abort(); /* the server stopped accepting */
    return fd;
}

/* The bytes the whole responses at the start of buf span (each: headers, then a body of
 * its Content-Length); 0 when not even one is whole yet. */
static size_t whole(const char *buf, size_t got)
{
    size_t done = 0;
    for (;;) {
        const char *p = buf + done, *end = memmem(p, got - done, "\r\n\r\n", 4);
        if (!end)
            return done;
        size_t body = 0;
        for (const char *h = p; h && h < end; h = memchr(h, '\n', (size_t)(end - h))) {
            h += *h == '\n';
            if (!strncasecmp(h, "Content-Length:", 15))
                body = strtoul(h + 15, NULL, 10);
        }
        size_t need = (size_t)(end + 4 - p) + body;
        if (need > got - done)
            return done;
        done += need;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        setup();
    if (size > (1u << 20))
        return 0;
    size_t n;
    uint8_t *req = with_tokens(data, size, &n);
    int fd = dial();
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server closed early: fine */
        off += (size_t)w;
    }
    free(req);
    shutdown(fd, SHUT_WR);
    /* Read the answers. libmicrohttpd closes a half-closed connection only at its next
     * wake-up, so the end is not awaited: reading stops when the answers received are
     * whole and nothing more comes for 20 ms, or when nothing came in 300 ms (a request
     * left incomplete is not answered). An answer cut short is a failure. */
    char buf[65536];
    size_t got = 0;
    for (;;) {
        size_t w = whole(buf, got);
        int wait = got == 0 ? 300 : w == got ? 20 : 5000;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, wait) <= 0) {
            if (got && w != got)
                abort(); /* an answer cut short, or a hang in the middle of one */
            break;
        }
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == sizeof buf - 1)
            break; /* long enough to judge */
    }
    buf[got] = 0;
    close(fd);
    if (got && strncmp(buf, "HTTP/1.", 7))
        abort(); /* not HTTP */
    /* 503 (stopping) and 505 (HTTP/0.x, answered by libmicrohttpd) are answers; any
     * other 5xx is an internal error on some input */
    for (char *s = buf; (s = strstr(s, "HTTP/1.1 5")); s++)
        if (strncmp(s, "HTTP/1.1 503", 12) && strncmp(s, "HTTP/1.1 505", 12))
            abort();
    /* and the server still serves a normal client at once */
    fd = dial();
    static const char health[] = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    if (send(fd, health, sizeof health - 1, MSG_NOSIGNAL) != (ssize_t)sizeof health - 1)
        abort();
    got = 0;
    while (whole(buf, got) == 0) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t r;
        if (poll(&p, 1, 5000) <= 0 || (r = recv(fd, buf + got, sizeof buf - 1 - got, 0)) <= 0)
            abort(); /* the server stopped serving */
        got += (size_t)r;
    }
    if (strncmp(buf, "HTTP/1.1 200", 12))
        abort();
    close(fd);
    return 0;
}
