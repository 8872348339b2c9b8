/* rawseal.c - streaming sealed raw-record file (see rawseal.h). */
#ifdef __linux__
#define _GNU_SOURCE /* sync_file_range */
#endif
#include "store/rawseal.h"
#include "base/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/uio.h>
#include <string.h>
#include <unistd.h>

/* Start writeback every this many bytes, so that the final fsync waits for the last
 * stretch only, not for the whole file (about 0.08 s for 210 MB here). */
#define WRITEBACK_STEP (8u << 20)
#define HDR_LEN 24 /* "TMRAW1\0\0" || salt */

static int writev_all(int fd, struct iovec *v, int nv)
{
    while (nv) {
        ssize_t w = writev(fd, v, nv);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        while (nv && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            nv--;
        }
        if (nv) {
            v->iov_base = (uint8_t *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    return 0;
}

enum tm_rc rawseal_open(struct rawseal *w, const char *path, const uint8_t seal_key[32],
                        const char *id, struct tm_diag *d)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    tm_buf_init(&w->plain);
    enum tm_rc rc = tm_random(w->salt, sizeof w->salt, d);
    if (rc)
        return rc;
    char info[128];
    snprintf(info, sizeof info, "teemed/raw/v1|%s", id);
    rc = tm_hkdf(seal_key, 32, w->salt, sizeof w->salt, info, w->key, 32, d);
    if (rc)
        return rc;
    w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (w->fd < 0)
        return tm_fail(d, TM_EIO, "cannot create '%s': %s", path, strerror(errno));
    /* held until rawseal_close: the store's garbage collector leaves locked files alone */
    if (flock(w->fd, LOCK_EX | LOCK_NB) != 0)
        return tm_fail(d, TM_EIO, "cannot lock '%s': %s", path, strerror(errno));
    uint8_t hdr[HDR_LEN];
    memcpy(hdr, "TMRAW1\0\0", 8);
    memcpy(hdr + 8, w->salt, 16);
    struct iovec v = {hdr, sizeof hdr};
    if (writev_all(w->fd, &v, 1))
        return tm_fail(d, TM_EIO, "cannot write '%s': %s", path, strerror(errno));
    w->ct = tm_xmalloc(RAW_CHUNK + 64);
    tm_buf_reserve(&w->plain, RAW_CHUNK + 64);
    return TM_OK;
}

static void flush(struct rawseal *w, int final)
{
    if (w->err)
        return;
    uint8_t nonce[12] = {0}, aad[14 + 9], tag[16], len[4];
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(w->chunk >> (56 - 8 * i));
    memcpy(aad, "teemed-raw-v1", 14);
    memcpy(aad + 14, nonce + 4, 8);
    aad[22] = (uint8_t)final;
    size_t n = w->plain.len;
    w->err = tm_gcm_seal(w->key, nonce, aad, sizeof aad, w->plain.ptr, n, w->ct, tag, &w->diag);
    if (w->err)
        return;
    for (int i = 0; i < 4; i++)
        len[i] = (uint8_t)(n >> (8 * i));
    struct iovec v[3] = {{len, 4}, {w->ct, n}, {tag, 16}};
    if (writev_all(w->fd, v, 3)) {
        w->err = tm_fail(&w->diag, TM_EIO, "cannot write sealed records: %s", strerror(errno));
        return;
    }
    w->bytes += 4 + n + 16;
#ifdef __linux__
    /* asynchronous: a failure here shows again at the final fsync */
    if (w->bytes - w->queued >= WRITEBACK_STEP) {
        (void)sync_file_range(w->fd, (off_t)(HDR_LEN + w->queued), (off_t)(w->bytes - w->queued),
                              SYNC_FILE_RANGE_WRITE);
        w->queued = w->bytes;
    }
#endif
    w->chunk++;
    w->plain.len = 0;
}

void rawseal_add(struct rawseal *w, const char *p, size_t n)
{
    while (!w->err) {
        uint8_t len[4];
        for (int i = 0; i < 4; i++)
            len[i] = (uint8_t)(n >> (8 * i));
        if (w->plain.len + 4 + n <= RAW_CHUNK) {
            tm_buf_add(&w->plain, len, 4);
            tm_buf_add(&w->plain, p, n);
            return;
        }
        if (w->plain.len == 0) {
            /* a record larger than a chunk: spill it over several chunks */
            tm_buf_add(&w->plain, len, 4);
            size_t first = RAW_CHUNK - 4;
            tm_buf_add(&w->plain, p, first);
            flush(w, 0);
            p += first;
            n -= first;
            while (n > 0 && !w->err) {
                size_t take = n < RAW_CHUNK ? n : RAW_CHUNK;
                tm_buf_add(&w->plain, p, take);
                p += take;
                n -= take;
                if (w->plain.len == RAW_CHUNK)
                    flush(w, 0);
            }
            return;
        }
        flush(w, 0);
    }
}

enum tm_rc rawseal_finish(struct rawseal *w, struct tm_diag *d)
{
    flush(w, 1);
    if (!w->err && fsync(w->fd) != 0)
        w->err = tm_fail(&w->diag, TM_EIO, "cannot sync sealed records: %s", strerror(errno));
    enum tm_rc rc = w->err;
    if (rc && d)
        *d = w->diag;
    tm_cleanse(w->key, sizeof w->key);
    tm_buf_release(&w->plain);
    free(w->ct);
    w->ct = NULL;
    return rc;
}

void rawseal_close(struct rawseal *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

void rawseal_abort(struct rawseal *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    tm_cleanse(w->key, sizeof w->key);
    tm_buf_release(&w->plain);
    free(w->ct);
    w->ct = NULL;
}
