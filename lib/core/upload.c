/* upload.c - the encrypted upload stream: the mediator's receiving side (decrypt, split
 * into files, ingest as the bytes arrive) and the owner's sending side (read, frame,
 * encrypt). The format is upload.h's. */
#include "core/upload.h"
#include "base/base.h"
#include "base/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INFO "teemed-upload-v1"
#define TX_CHUNK (256u * 1024)

static void frame_iv(uint64_t i, uint8_t nonce[12], uint8_t aad[sizeof INFO - 1 + 9], int final)
{
    memset(nonce, 0, 4);
    for (int k = 0; k < 8; k++)
        nonce[4 + k] = aad[sizeof INFO - 1 + k] = (uint8_t)(i >> (56 - 8 * k));
    memcpy(aad, INFO, sizeof INFO - 1);
    aad[sizeof INFO - 1 + 8] = (uint8_t)(final != 0);
}

/* The stream key from our private key and the peer's public key (either side). */
static enum tm_rc stream_key(const uint8_t priv[32], const uint8_t peer[32], const uint8_t eph_pub[32],
                             const uint8_t mediator_pub[32], uint8_t key[32], struct tm_diag *d)
{
    uint8_t shared[32], salt[64];
    enum tm_rc rc = tm_x25519(priv, peer, shared, d);
    memcpy(salt, eph_pub, 32);
    memcpy(salt + 32, mediator_pub, 32);
    if (!rc)
        rc = tm_hkdf(shared, 32, salt, sizeof salt, INFO, key, 32, d);
    tm_cleanse(shared, sizeof shared);
    return rc;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- receiving ---- */

enum rx_state { RX_HEADER, RX_FRAME_HEAD, RX_FRAME_BODY, RX_DONE };
enum ar_state { AR_TYPE, AR_NAME_LEN, AR_NAME, AR_PROJ_LEN, AR_PROJ, AR_KIND, AR_SIZE, AR_DATA, AR_END };

struct tm_upload {
    struct tm_onboarding *ob;
    uint8_t priv[32], pub[32], key[32];
    enum rx_state st;
    uint8_t head[TM_UP_HEADER];
    size_t got;          /* bytes of the current header, frame head or frame body */
    uint32_t flen;
    int ffinal;
    uint8_t *frame, *plain;
    uint64_t index;
    /* the archive inside */
    enum ar_state as;
    uint8_t num[8];
    size_t need, have;   /* bytes of the current field */
    char name[TM_UP_NAME_MAX + 1], project[TM_UP_PROJECT_MAX + 1];
    int kind;
    uint64_t left, files;
};

enum tm_rc tm_upload_begin(struct tm_med *m, const struct tm_onboard_opts *o, struct tm_upload **out,
                           struct tm_diag *d)
{
    const struct tm_tee *tee;
    *out = NULL;
    enum tm_rc rc = tm_med_tee(m, &tee, d);
    if (rc)
        return rc;
    struct tm_upload *up = tm_xcalloc(1, sizeof *up);
    memcpy(up->priv, tee->upload_priv, 32);
    memcpy(up->pub, tee->upload_pub, 32);
    up->frame = tm_xmalloc(TM_UP_FRAME_MAX + 16);
    up->plain = tm_xmalloc(TM_UP_FRAME_MAX);
    rc = tm_onboarding_begin(m, o, 0, TM_INGEST_FULL, &up->ob, d);
    if (rc) {
        tm_upload_abort(up);
        return rc;
    }
    *out = up;
    return TM_OK;
}

void tm_upload_abort(struct tm_upload *up)
{
    if (!up)
        return;
    tm_onboarding_abort(up->ob);
    tm_cleanse(up->priv, sizeof up->priv);
    tm_cleanse(up->key, sizeof up->key);
    if (up->plain)
        tm_cleanse(up->plain, TM_UP_FRAME_MAX);
    free(up->frame);
    free(up->plain);
    free(up);
}

static enum tm_rc bad(struct tm_diag *d, const char *why)
{
    return tm_fail(d, TM_EPARSE, "upload: %s (nothing was kept; it is safe to retry)", why);
}

/* Take `need` bytes of a field into dst, across calls; 1 when complete. */
static int take(struct tm_upload *up, const uint8_t **p, size_t *n, uint8_t *dst)
{
    size_t k = up->need - up->have < *n ? up->need - up->have : *n;
    memcpy(dst + up->have, *p, k);
    up->have += k;
    *p += k;
    *n -= k;
    return up->have == up->need;
}

static void expect(struct tm_upload *up, enum ar_state s, size_t need)
{
    up->as = s;
    up->need = need;
    up->have = 0;
}

/* The plaintext of one frame: the archive of files, fed to ingest as it comes. */
static enum tm_rc archive(struct tm_upload *up, const uint8_t *p, size_t n, struct tm_diag *d)
{
    struct tm_ingest *in = tm_onboarding_ingest(up->ob);
    while (n) {
        switch (up->as) {
        case AR_TYPE:
            if (*p == 'E') {
                up->as = AR_END;
                p++, n--;
                break;
            }
            if (*p != 'F')
                return bad(d, "a file record was expected");
            if (++up->files > TM_FILES_MAX)
                return bad(d, "too many files");
            p++, n--;
            expect(up, AR_NAME_LEN, 2);
            break;
        case AR_NAME_LEN:
            if (take(up, &p, &n, up->num)) {
                size_t len = (size_t)le(up->num, 2);
                if (!len || len > TM_UP_NAME_MAX)
                    return bad(d, "a file name is empty or too long");
                expect(up, AR_NAME, len);
            }
            break;
        case AR_NAME:
            if (take(up, &p, &n, (uint8_t *)up->name)) {
                up->name[up->need] = 0;
                if (strlen(up->name) != up->need)
                    return bad(d, "a file name holds a NUL byte");
                expect(up, AR_PROJ_LEN, 2);
            }
            break;
        case AR_PROJ_LEN:
            if (take(up, &p, &n, up->num)) {
                size_t len = (size_t)le(up->num, 2);
                if (len > TM_UP_PROJECT_MAX)
                    return bad(d, "a project name is too long");
                up->project[0] = 0;
                expect(up, len ? AR_PROJ : AR_KIND, len ? len : 1);
            }
            break;
        case AR_PROJ:
            if (take(up, &p, &n, (uint8_t *)up->project)) {
                up->project[up->need] = 0;
                if (strlen(up->project) != up->need)
                    return bad(d, "a project name holds a NUL byte");
                expect(up, AR_KIND, 1);
            }
            break;
        case AR_KIND:
            if (*p != 'j' && *p != 't')
                return bad(d, "a file kind is neither 'j' nor 't'");
            up->kind = *p;
            p++, n--;
            expect(up, AR_SIZE, 8);
            break;
        case AR_SIZE:
            if (take(up, &p, &n, up->num)) {
                up->left = le(up->num, 8);
                if (up->left > ((uint64_t)1 << 40))
                    return bad(d, "a file is larger than 1 TiB");
                tm_ingest_begin(in, up->name, up->name, up->project[0] ? up->project : NULL,
                                up->kind == 'j' ? TM_FILE_JSONL : TM_FILE_TEXT);
                up->as = AR_DATA;
                if (!up->left) {
                    tm_ingest_end(in);
                    up->as = AR_TYPE;
                }
            }
            break;
        case AR_DATA: {
            size_t k = up->left < n ? (size_t)up->left : n;
            tm_ingest_feed(in, p, k);
            p += k;
            n -= k;
            up->left -= k;
            if (!up->left) {
                tm_ingest_end(in);
                up->as = AR_TYPE;
            }
            break;
        }
        case AR_END:
            return bad(d, "data after the end mark");
        }
    }
    return TM_OK;
}

static enum tm_rc open_frame(struct tm_upload *up, struct tm_diag *d)
{
    uint8_t nonce[12], aad[sizeof INFO - 1 + 9];
    size_t n = up->flen - 16;
    frame_iv(up->index, nonce, aad, up->ffinal);
    if (tm_gcm_open(up->key, nonce, aad, sizeof aad, up->frame, n, up->frame + n, up->plain, NULL))
        return bad(d, "a frame does not decrypt: corrupted, reordered, replayed or not for this mediator");
    up->index++;
    enum tm_rc rc = archive(up, up->plain, n, d);
    if (!rc && up->ffinal)
        up->st = RX_DONE;
    return rc;
}

enum tm_rc tm_upload_feed(struct tm_upload *up, const void *data, size_t n, struct tm_diag *d)
{
    const uint8_t *p = data;
    while (n) {
        switch (up->st) {
        case RX_HEADER: {
            size_t k = TM_UP_HEADER - up->got < n ? TM_UP_HEADER - up->got : n;
            memcpy(up->head + up->got, p, k);
            up->got += k, p += k, n -= k;
            if (up->got < TM_UP_HEADER)
                break;
            if (memcmp(up->head, TM_UP_MAGIC, 8))
                return bad(d, "not a teemed upload stream (Content-Type application/x-teemed-upload)");
            enum tm_rc rc = stream_key(up->priv, up->head + 8, up->head + 8, up->pub, up->key, d);
            if (rc)
                return rc == TM_ECRYPTO ? bad(d, "the sender's key is not usable") : rc;
            up->st = RX_FRAME_HEAD;
            up->got = 0;
            break;
        }
        case RX_FRAME_HEAD: {
            size_t k = 5 - up->got < n ? 5 - up->got : n;
            memcpy(up->head + up->got, p, k);
            up->got += k, p += k, n -= k;
            if (up->got < 5)
                break;
            up->flen = (uint32_t)le(up->head, 4);
            up->ffinal = up->head[4];
            if (up->flen < 16 || up->flen > TM_UP_FRAME_MAX + 16 || up->ffinal > 1)
                return bad(d, "a frame header is malformed");
            up->st = RX_FRAME_BODY;
            up->got = 0;
            break;
        }
        case RX_FRAME_BODY: {
            size_t k = up->flen - up->got < n ? up->flen - up->got : n;
            memcpy(up->frame + up->got, p, k);
            up->got += k, p += k, n -= k;
            if (up->got < up->flen)
                break;
            enum tm_rc rc = open_frame(up, d);
            if (rc)
                return rc;
            up->got = 0;
            if (up->st != RX_DONE)
                up->st = RX_FRAME_HEAD;
            break;
        }
        case RX_DONE:
            return bad(d, "data after the final frame");
        }
    }
    return TM_OK;
}

enum tm_rc tm_upload_finish(struct tm_med *m, struct tm_upload *up, char **card, struct tm_diag *d)
{
    *card = NULL;
    enum tm_rc rc = TM_OK;
    if (up->st != RX_DONE)
        rc = bad(d, up->st == RX_HEADER && !up->got ? "the stream is empty" : "the stream was cut before its final frame");
    else if (up->as != AR_END)
        rc = bad(d, "the stream ends inside a file, or without its end mark");
    if (rc) {
        tm_upload_abort(up);
        return rc;
    }
    struct tm_onboarding *ob = up->ob;
    up->ob = NULL;
    tm_upload_abort(up);
    return tm_onboarding_finish(m, ob, card, d);
}

/* ---- sending ---- */

struct tm_upload_tx {
    const struct tm_filelist *fl;
    size_t fi;             /* the current file */
    int fd, in_file;
    uint64_t left;         /* bytes of it still to send */
    uint8_t key[32], eph_pub[32];
    uint64_t index, done;
    int header_out, final_out, end_mark;
    uint8_t *plain, *out;
    size_t out_len, out_off;
};

enum tm_rc tm_upload_tx_new(const uint8_t mediator_pub[32], const struct tm_filelist *fl, struct tm_upload_tx **out,
                            struct tm_diag *d)
{
    uint8_t eph[32];
    *out = NULL;
    struct tm_upload_tx *tx = tm_xcalloc(1, sizeof *tx);
    tx->fl = fl;
    tx->fd = -1;
    enum tm_rc rc = tm_random(eph, sizeof eph, d);
    if (!rc)
        rc = tm_x25519_public(eph, tx->eph_pub, d);
    if (!rc)
        rc = stream_key(eph, mediator_pub, tx->eph_pub, mediator_pub, tx->key, d);
    tm_cleanse(eph, sizeof eph);
    if (rc) {
        tm_upload_tx_free(tx);
        return rc;
    }
    tx->plain = tm_xmalloc(TX_CHUNK);
    tx->out = tm_xmalloc(TX_CHUNK + 16 + 5 + TM_UP_HEADER);
    *out = tx;
    return TM_OK;
}

void tm_upload_tx_free(struct tm_upload_tx *tx)
{
    if (!tx)
        return;
    if (tx->fd >= 0)
        close(tx->fd);
    tm_cleanse(tx->key, sizeof tx->key);
    free(tx->plain);
    free(tx->out);
    free(tx);
}

uint64_t tm_upload_tx_done(const struct tm_upload_tx *tx) { return tx->done; }

static void put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Fill tx->plain with up to TX_CHUNK bytes of the archive; *last when it is all. */
static enum tm_rc fill(struct tm_upload_tx *tx, size_t *len, int *last, struct tm_diag *d)
{
    size_t n = 0;
    *last = 0;
    while (n < TX_CHUNK) {
        if (!tx->in_file) {
            if (tx->fi == tx->fl->n) {
                if (!tx->end_mark) {
                    tx->plain[n++] = 'E';
                    tx->end_mark = 1;
                }
                *last = 1;
                break;
            }
            const struct tm_file *f = &tx->fl->v[tx->fi];
            size_t nl = strlen(f->rel), pl = f->project ? strlen(f->project) : 0;
            if (nl > TM_UP_NAME_MAX || pl > TM_UP_PROJECT_MAX)
                return tm_fail(d, TM_EINVAL, "'%s': the name is too long to upload", f->path);
            if (TX_CHUNK - n < 1 + 2 + nl + 2 + pl + 1 + 8)
                break; /* the record header goes into the next frame, whole */
            tx->fd = open(f->path, O_RDONLY | O_CLOEXEC);
            if (tx->fd < 0)
                return tm_fail(d, TM_EIO, "cannot read '%s': %s", f->path, strerror(errno));
            tx->left = f->size;
            tx->plain[n++] = 'F';
            put(tx->plain + n, nl, 2);
            memcpy(tx->plain + n + 2, f->rel, nl);
            n += 2 + nl;
            put(tx->plain + n, pl, 2);
            if (pl)
                memcpy(tx->plain + n + 2, f->project, pl);
            n += 2 + pl;
            tx->plain[n++] = f->kind == TM_FILE_JSONL ? 'j' : 't';
            put(tx->plain + n, tx->left, 8);
            n += 8;
            tx->in_file = 1;
        }
        size_t want = TX_CHUNK - n < tx->left ? TX_CHUNK - n : (size_t)tx->left;
        while (want) {
            ssize_t r = read(tx->fd, tx->plain + n, want);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return tm_fail(d, TM_EIO, "cannot read '%s': %s", tx->fl->v[tx->fi].path,
                               r < 0 ? strerror(errno) : "it got shorter while being read");
            n += (size_t)r;
            want -= (size_t)r;
            tx->left -= (uint64_t)r;
            tx->done += (uint64_t)r;
        }
        if (!tx->left) {
            close(tx->fd);
            tx->fd = -1;
            tx->in_file = 0;
            tx->fi++;
        }
    }
    *len = n;
    return TM_OK;
}

/* The next frame (and before the first, the header) into tx->out. */
static enum tm_rc next_frame(struct tm_upload_tx *tx, struct tm_diag *d)
{
    size_t o = 0, n = 0;
    int last = 0;
    if (!tx->header_out) {
        memcpy(tx->out, TM_UP_MAGIC, 8);
        memcpy(tx->out + 8, tx->eph_pub, 32);
        o = TM_UP_HEADER;
        tx->header_out = 1;
    }
    enum tm_rc rc = fill(tx, &n, &last, d);
    if (rc)
        return rc;
    uint8_t nonce[12], aad[sizeof INFO - 1 + 9];
    frame_iv(tx->index, nonce, aad, last);
    put(tx->out + o, n + 16, 4);
    tx->out[o + 4] = (uint8_t)last;
    rc = tm_gcm_seal(tx->key, nonce, aad, sizeof aad, tx->plain, n, tx->out + o + 5, tx->out + o + 5 + n, d);
    if (rc)
        return rc;
    tx->index++;
    tx->out_len = o + 5 + n + 16;
    tx->out_off = 0;
    tx->final_out = last;
    return TM_OK;
}

size_t tm_upload_tx_read(struct tm_upload_tx *tx, uint8_t *buf, size_t cap, enum tm_rc *rc, struct tm_diag *d)
{
    size_t n = 0;
    *rc = TM_OK;
    while (n < cap) {
        if (tx->out_off == tx->out_len) {
            if (tx->final_out)
                break;
            *rc = next_frame(tx, d);
            if (*rc)
                return 0;
        }
        size_t k = tx->out_len - tx->out_off < cap - n ? tx->out_len - tx->out_off : cap - n;
        memcpy(buf + n, tx->out + tx->out_off, k);
        tx->out_off += k;
        n += k;
    }
    return n;
}
