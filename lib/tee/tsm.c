/* tsm.c - TDX quotes through configfs-tsm (see tsm.h). */
#include "tee/tsm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read up to cap bytes of path into buf; *n gets the count. Fails on more than cap. */
static enum tm_rc read_capped(const char *path, uint8_t *buf, size_t cap, size_t *n, struct tm_diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tm_fail(d, TM_EIO, "configfs-tsm: cannot open '%s': %s", path, strerror(errno));
    size_t got = 0;
    enum tm_rc rc = TM_OK;
    for (;;) {
        if (got == cap) { /* one more byte would exceed the cap */
            uint8_t extra;
            ssize_t r = read(fd, &extra, 1);
            if (r > 0)
                rc = tm_fail(d, TM_ETOOBIG, "configfs-tsm: '%s' is over %zu bytes", path, cap);
            break;
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = tm_fail(d, TM_EIO, "configfs-tsm: cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *n = got;
    return rc;
}

static enum tm_rc read_u64(const char *path, uint64_t *v, struct tm_diag *d)
{
    uint8_t buf[32];
    size_t n;
    enum tm_rc rc = read_capped(path, buf, sizeof buf - 1, &n, d);
    if (rc)
        return rc;
    buf[n] = 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull((char *)buf, &end, 10);
    if (errno || end == (char *)buf || (*end && *end != '\n'))
        return tm_fail(d, TM_EPARSE, "configfs-tsm: '%s' is not a counter", path);
    *v = (uint64_t)x;
    return TM_OK;
}

enum tm_rc tm_tsm_quote(const char *root, const char *entry, const uint8_t report_data[64], uint8_t **quote,
                        size_t *len, struct tm_diag *d)
{
    char dir[4096], path[4200];
    uint8_t *buf = NULL;
    enum tm_rc rc = TM_OK;
    *quote = NULL;
    *len = 0;
    if (!entry[0] || strchr(entry, '/') || !strcmp(entry, ".") || !strcmp(entry, ".."))
        return tm_fail(d, TM_EINVAL, "configfs-tsm: bad entry name '%s'", entry);
    if ((size_t)snprintf(dir, sizeof dir, "%s/report/%s", root, entry) >= sizeof dir)
        return tm_fail(d, TM_EINVAL, "configfs-tsm: path too long");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return tm_fail(d, TM_EIO, "configfs-tsm: cannot create '%s': %s (is configfs mounted, are we root?)",
                       dir, strerror(errno));
    uint8_t prov[64];
    size_t pn;
    snprintf(path, sizeof path, "%s/provider", dir);
    if ((rc = read_capped(path, prov, sizeof prov, &pn, d)) != TM_OK)
        goto out;
    while (pn && (prov[pn - 1] == '\n' || prov[pn - 1] == 0))
        pn--;
    if (pn != 9 || memcmp(prov, "tdx_guest", 9)) {
        rc = tm_fail(d, TM_ESTATE, "configfs-tsm: provider is '%.*s', not tdx_guest", (int)pn, (const char *)prov);
        goto out;
    }
    buf = malloc(TM_TSM_QUOTE_MAX);
    if (!buf) {
        rc = tm_fail(d, TM_EIO, "out of memory");
        goto out;
    }
    for (int attempt = 1;; attempt++) {
        uint64_t g0, g1;
        snprintf(path, sizeof path, "%s/generation", dir);
        if ((rc = read_u64(path, &g0, d)) != TM_OK)
            goto out;
        snprintf(path, sizeof path, "%s/inblob", dir);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = tm_fail(d, TM_EIO, "configfs-tsm: cannot open '%s': %s", path, strerror(errno));
            goto out;
        }
        ssize_t w = write(fd, report_data, 64);
        int e = errno;
        close(fd);
        if (w != 64) {
            rc = tm_fail(d, TM_EIO, "configfs-tsm: writing 64 bytes of report data failed: %s",
                         w < 0 ? strerror(e) : "short write");
            goto out;
        }
        snprintf(path, sizeof path, "%s/outblob", dir);
        if ((rc = read_capped(path, buf, TM_TSM_QUOTE_MAX, len, d)) != TM_OK)
            goto out;
        snprintf(path, sizeof path, "%s/generation", dir);
        if ((rc = read_u64(path, &g1, d)) != TM_OK)
            goto out;
        if (g1 == g0 + 1 && *len > 0)
            break;
        if (attempt == TM_TSM_TRIES) {
            rc = tm_fail(d, TM_ESTATE,
                         "configfs-tsm: another writer changed '%s' during each of %d attempts "
                         "(generation %" PRIu64 " -> %" PRIu64 ")",
                         dir, TM_TSM_TRIES, g0, g1);
            goto out;
        }
    }
    *quote = buf;
    buf = NULL;
out:
    if (rc)
        *len = 0;
    free(buf);
    rmdir(dir); /* configfs removes the attributes with it; a fake tree keeps the directory */
    return rc;
}
