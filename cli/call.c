/* call.c - how a command reaches the mediator: the token it acts with, and one call
 * through the front door (tm_svc_call) on the local data dir. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read a token from path: a 0600 (or stricter) file of the caller's. NULL, after the
 * message, when it cannot be used; *missing when it does not exist. */
static char *token_from(const char *path, int *missing)
{
    struct stat st;
    *missing = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        *missing = errno == ENOENT;
        if (!*missing)
            cli_err("cannot read the token file '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) || st.st_uid != geteuid()) {
        cli_err("the token file '%s' is readable by others or not yours (mode %03o): chmod 600 it", path,
                (unsigned)(st.st_mode & 0777));
        close(fd);
        return NULL;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        cli_err("the token file '%s' is empty", path);
        return NULL;
    }
    buf[n] = 0;
    buf[strcspn(buf, " \t\r\n")] = 0;
    return strdup(buf);
}

/* The token of this invocation (see cli.h); 0, or an exit code after the message. */
static int resolve_token(struct cli *c)
{
    char dir[4096], path[4400];
    int missing;
    if (c->token_resolved)
        return EX_OK;
    c->token_resolved = 1;
    if (c->token_opt) {
        c->token = strdup(c->token_opt);
        return EX_OK;
    }
    if (c->token_file) {
        c->token = token_from(c->token_file, &missing);
        if (!c->token && missing)
            cli_err("no token file '%s'", c->token_file);
        return c->token ? EX_OK : EX_USAGE;
    }
    cli_config_dir(dir, sizeof dir);
    if (c->as) {
        if (strchr(c->as, '/') || c->as[0] == '.' || !c->as[0]) {
            cli_err("--as takes an account name (got '%s')", c->as);
            return EX_USAGE;
        }
        snprintf(path, sizeof path, "%s/tokens/%s", dir, c->as);
        c->token = token_from(path, &missing);
        if (!c->token && missing)
            cli_err("no token saved for '%s' (%s): create the account with 'teemed account create %s --save',"
                    " or pass --token", c->as, path, c->as);
        return c->token ? EX_OK : EX_USAGE;
    }
    const char *e = getenv("TEEMED_TOKEN");
    if (e && *e) {
        c->token = strdup(e);
        return EX_OK;
    }
    snprintf(path, sizeof path, "%s/token", dir);
    c->token = token_from(path, &missing);
    return c->token || missing ? EX_OK : EX_USAGE;
}

/* The mediator: --server URL, else $TEEMED_SERVER, else the data dir. */
static enum tm_rc open_svc(struct cli *c, struct tm_diag *d)
{
    if (c->svc)
        return TM_OK;
    const char *url = c->server ? c->server : getenv("TEEMED_SERVER");
    if (url && *url)
        return tm_svc_open_remote(url, &c->svc, d);
    enum tm_rc rc = tm_svc_open(cli_data_dir(c), &c->svc, d);
    /* $TEEMED_JOB_LEASE: how long the claims on jobs this process runs last (s) */
    const char *lease = getenv("TEEMED_JOB_LEASE");
    char *end;
    long s = lease && *lease ? strtol(lease, &end, 10) : 0;
    if (!rc && s >= 1 && s <= 86400 && !*end)
        tm_svc_set_job_lease(c->svc, (unsigned)s);
    return rc;
}

int cli_call_cb(struct cli *c, const char *op, cJSON *in, char **out, void *cb, void (*warn)(void *, const char *),
                void (*progress)(void *, uint64_t, uint64_t))
{
    struct tm_diag d = {{0}};
    const struct tm_op_info *info = tm_svc_op(op);
    char *json = in ? cJSON_PrintUnformatted(in) : NULL;
    cJSON_Delete(in);
    *out = NULL;
    int ex = resolve_token(c);
    if (ex) {
        free(json);
        return ex;
    }
    enum tm_rc rc = TM_OK;
    if (info && !info->offline)
        rc = open_svc(c, &d);
    if (!rc) {
        struct tm_ctx ctx = {c->token, TM_CTX_LOCAL, 0, cb, warn, progress};
        rc = tm_svc_call(info && info->offline ? NULL : c->svc, &ctx, op, json, out, &d);
    }
    free(json);
    return rc ? cli_fail(rc, &d) : EX_OK;
}

int cli_push(struct cli *c, cJSON *in, char **out, void *cb, void (*warn)(void *, const char *),
             void (*progress)(void *, uint64_t, uint64_t))
{
    struct tm_diag d = {{0}};
    char *json = cJSON_PrintUnformatted(in);
    cJSON_Delete(in);
    *out = NULL;
    int ex = resolve_token(c);
    enum tm_rc rc = ex ? TM_OK : open_svc(c, &d);
    if (!ex && !rc) {
        struct tm_ctx ctx = {c->token, TM_CTX_LOCAL, 0, cb, warn, progress};
        rc = tm_svc_push(c->svc, &ctx, json, out, &d);
    }
    free(json);
    return ex ? ex : rc ? cli_fail(rc, &d) : EX_OK;
}

int cli_call(struct cli *c, const char *op, cJSON *in, char **out)
{
    return cli_call_cb(c, op, in, out, NULL, NULL, NULL);
}

void cli_close(struct cli *c)
{
    tm_svc_close(c->svc);
    c->svc = NULL;
    if (c->token) {
        memset(c->token, 0, strlen(c->token));
        free(c->token);
        c->token = NULL;
    }
}

char *cli_read_file(const char *path, size_t cap, size_t *len, int *ex)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    *len = 0;
    if (!f) {
        cli_err("cannot read '%s': %s", path, strerror(errno));
        *ex = EX_INPUT;
        return NULL;
    }
    size_t cap0 = 65536, n = 0;
    char *buf = malloc(cap0 + 1);
    for (;;) {
        if (!buf) {
            cli_err("out of memory");
            *ex = EX_INTERNAL;
            break;
        }
        size_t got = fread(buf + n, 1, cap0 - n, f);
        n += got;
        if (n > cap) {
            cli_err("'%s' is larger than %zu bytes", path, cap);
            *ex = EX_INPUT;
            free(buf);
            buf = NULL;
            break;
        }
        if (got == 0) {
            if (ferror(f)) {
                cli_err("cannot read '%s': %s", path, strerror(errno));
                *ex = EX_INPUT;
                free(buf);
                buf = NULL;
            }
            break;
        }
        if (n == cap0) {
            cap0 *= 2;
            char *nb = realloc(buf, cap0 + 1);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

char *cli_b64(const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out)
        abort();
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = 0;
    return out;
}
