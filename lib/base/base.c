/* base.c - allocation, buffers, the interning map, hex and time helpers (see base.h). */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "teemed: out of memory (%zu bytes)\n", n);
    abort();
}

void *tm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *tm_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *tm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *tm_xstrndup(const char *s, size_t n)
{
    char *p = tm_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *tm_xstrdup(const char *s)
{
    return tm_xstrndup(s, strlen(s));
}

/* The one table of result codes (err.h): exit statuses and HTTP statuses live here
 * and nowhere else. */
static const struct tm_rc_info rc_table[TM_RC_COUNT] = {
    [TM_OK] = {"ok", 0, 200, "success"},
    [TM_EINVAL] = {"invalid", 2, 400, "usage: unknown command or option, missing or invalid argument or field"},
    [TM_EIO] = {"io", 3, 500, "cannot read or write a file"},
    [TM_EPARSE] = {"malformed", 3, 400, "input: malformed or unusable (not JSON, not a signed document, no records)"},
    [TM_ETOOBIG] = {"too_big", 3, 413, "input over a documented size cap"},
    [TM_EDB] = {"database", 7, 500, "internal: database failure (the operation did nothing)"},
    [TM_ECRYPTO] = {"crypto", 7, 500, "internal: cryptographic failure (the operation did nothing)"},
    [TM_ENOTFOUND] = {"not_found", 4, 404, "no such dataset, request or account, or not yours to see"},
    [TM_EEXIST] = {"exists", 5, 409, "already exists (dataset id, account name, initialised data dir)"},
    [TM_EVERIFY] = {"verify_failed", 1, 422, "verification failed: a check of a signature, hash or quote"},
    [TM_EPOLICY] = {"policy_refused", 10, 422, "refused by a policy: privacy budget spent, owner's rules"},
    [TM_ESTATE] = {"unavailable", 6, 503, "data dir not initialised or damaged, schema newer than this binary"},
    [TM_EAUTH] = {"unauthenticated", 8, 401, "no token, or a token that names no account"},
    [TM_EDENIED] = {"forbidden", 9, 403, "this account may not do this (operator only, owner only)"},
    [TM_ECONFLICT] = {"conflict", 11, 409, "not in a state that allows this (already decided, withdrawn)"},
    [TM_ELIMIT] = {"rate_limited", 12, 429, "rate limit or quota reached: retry later"},
    [TM_EBUSY] = {"busy", 13, 503, "the store stayed locked or the service is overloaded: retry"},
    [TM_ECREDITS] = {"insufficient_credits", 14, 402, "the balance does not cover the price (the message says both)"},
};

const struct tm_rc_info *tm_rc_info(enum tm_rc rc)
{
    static const struct tm_rc_info internal = {"internal", 7, 500, "internal error"};
    if ((unsigned)rc < TM_RC_COUNT && rc_table[rc].name)
        return &rc_table[rc];
    return &internal;
}

const char *tm_rc_name(enum tm_rc rc)
{
    return tm_rc_info(rc)->name;
}

enum tm_rc tm_rc_from_name(const char *name)
{
    for (int i = 0; i < TM_RC_COUNT; i++)
        if (rc_table[i].name && name && !strcmp(rc_table[i].name, name))
            return (enum tm_rc)i;
    return TM_EDB;
}

enum tm_rc tm_fail(struct tm_diag *d, enum tm_rc rc, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ---- buffers ---- */

void tm_buf_init(struct tm_buf *b)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void tm_buf_release(struct tm_buf *b)
{
    free(b->ptr);
    tm_buf_init(b);
}

void tm_buf_reset(struct tm_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = 0;
}

void tm_buf_reserve(struct tm_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        oom(extra);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->ptr = tm_xrealloc(b->ptr, cap);
    b->cap = cap;
}

void tm_buf_add(struct tm_buf *b, const void *p, size_t n)
{
    tm_buf_reserve(b, n);
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = 0;
}

void tm_buf_addc(struct tm_buf *b, char c)
{
    if (b->len + 2 > b->cap)
        tm_buf_reserve(b, 1);
    b->ptr[b->len++] = c;
    b->ptr[b->len] = 0;
}

void tm_buf_adds(struct tm_buf *b, const char *s)
{
    tm_buf_add(b, s, strlen(s));
}

void tm_buf_addf(struct tm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        tm_buf_add(b, tmp, (size_t)n);
        return;
    }
    tm_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *tm_buf_detach(struct tm_buf *b)
{
    char *p = b->ptr ? b->ptr : tm_xstrdup("");
    tm_buf_init(b);
    return p;
}

/* ---- interning map (open addressing, linear probing) ---- */

uint32_t tm_hash(const void *p, size_t n)
{
    /* 8 bytes at a time, multiply-xorshift mixing: terms are short, and this is on the
     * hot path of every token. */
    const uint8_t *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) /* tail: a loop, not a variable-length memcpy call */
        w |= (uint64_t)s[i] << (8 * i);
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

void tm_map_init(struct tm_map *m)
{
    memset(m, 0, sizeof *m);
    tm_buf_init(&m->keys);
}

void tm_map_release(struct tm_map *m)
{
    free(m->slots);
    free(m->keyoff);
    free(m->hashes);
    tm_buf_release(&m->keys);
    tm_map_init(m);
}

static int key_eq(const struct tm_map *m, uint32_t idx, const void *key, size_t len)
{
    uint64_t ko = m->keyoff[idx];
    if ((ko & 0xffffff) != len)
        return 0;
    const char *a = m->keys.ptr + (ko >> 24), *b = key;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) { /* inline: terms are short, a libc call costs more */
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    for (; i < len; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static uint32_t find_h(const struct tm_map *m, const void *key, size_t len, uint32_t h)
{
    if (!m->nslots)
        return UINT32_MAX;
    uint32_t mask = m->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t s = m->slots[i];
        if (!s)
            return UINT32_MAX;
        if (m->hashes[s - 1] == h && key_eq(m, s - 1, key, len))
            return s - 1;
    }
}

uint32_t tm_map_find(const struct tm_map *m, const void *key, size_t len)
{
    return m->nslots ? find_h(m, key, len, tm_hash(key, len)) : UINT32_MAX;
}

static void rehash(struct tm_map *m, uint32_t nslots)
{
    free(m->slots);
    m->slots = tm_xcalloc(nslots, sizeof *m->slots);
    m->nslots = nslots;
    for (uint32_t idx = 0; idx < m->count; idx++) {
        uint32_t i = m->hashes[idx] & (nslots - 1);
        while (m->slots[i])
            i = (i + 1) & (nslots - 1);
        m->slots[i] = idx + 1;
    }
}

uint32_t tm_map_intern(struct tm_map *m, const void *key, size_t len, int *added)
{
    if (added)
        *added = 0;
    if (len > 0xffffff)
        len = 0xffffff;
    uint32_t h = tm_hash(key, len);
    uint32_t idx = find_h(m, key, len, h);
    if (idx != UINT32_MAX)
        return idx;
    if ((uint64_t)(m->count + 1) * 4 > (uint64_t)m->nslots * 3)
        rehash(m, m->nslots ? m->nslots * 2 : 1024);
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->keyoff = tm_xrealloc(m->keyoff, m->cap * sizeof *m->keyoff);
        m->hashes = tm_xrealloc(m->hashes, m->cap * sizeof *m->hashes);
    }
    idx = m->count++;
    m->hashes[idx] = h;
    m->keyoff[idx] = ((uint64_t)m->keys.len << 24) | len;
    tm_buf_add(&m->keys, key, len);
    uint32_t i = h & (m->nslots - 1);
    while (m->slots[i])
        i = (i + 1) & (m->nslots - 1);
    m->slots[i] = idx + 1;
    if (added)
        *added = 1;
    return idx;
}

const char *tm_map_key(const struct tm_map *m, uint32_t idx, size_t *len)
{
    uint64_t ko = m->keyoff[idx];
    if (len)
        *len = ko & 0xffffff;
    return m->keys.ptr + (ko >> 24);
}

void tm_map_filter(struct tm_map *m, const uint8_t *keep, uint32_t *newidx)
{
    struct tm_buf keys;
    tm_buf_init(&keys);
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->count; i++) {
        if (!keep[i]) {
            if (newidx)
                newidx[i] = UINT32_MAX;
            continue;
        }
        size_t len;
        const char *k = tm_map_key(m, i, &len);
        m->keyoff[n] = ((uint64_t)keys.len << 24) | len;
        m->hashes[n] = m->hashes[i];
        tm_buf_add(&keys, k, len);
        if (newidx)
            newidx[i] = n;
        n++;
    }
    tm_buf_release(&m->keys);
    m->keys = keys;
    m->count = n;
    uint32_t ns = 1024;
    while ((uint64_t)n * 4 > (uint64_t)ns * 3)
        ns *= 2;
    rehash(m, ns);
}

/* ---- hex and time ---- */

void tm_hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = 0;
}

int tm_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tm_unhex(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen)
{
    if (slen % 2 || slen / 2 > outcap)
        return -1;
    for (size_t i = 0; i < slen / 2; i++) {
        int hi = tm_hexval((unsigned char)s[2 * i]), lo = tm_hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (outlen)
        *outlen = slen / 2;
    return 0;
}

/* Days from civil date (proleptic Gregorian), Howard Hinnant's algorithm. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, size_t at, size_t cnt, int *v)
{
    if (at + cnt > n)
        return -1;
    int x = 0;
    for (size_t i = 0; i < cnt; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return -1;
        x = x * 10 + (c - '0');
    }
    *v = x;
    return 0;
}

int tm_parse_time(const char *s, size_t n, int64_t *ms)
{
    int Y, M, D, h, mi, se, frac = 0;
    if (digits(s, n, 0, 4, &Y) || n < 19 || s[4] != '-' || digits(s, n, 5, 2, &M) ||
        s[7] != '-' || digits(s, n, 8, 2, &D) || (s[10] != 'T' && s[10] != ' ') ||
        digits(s, n, 11, 2, &h) || s[13] != ':' || digits(s, n, 14, 2, &mi) || s[16] != ':' ||
        digits(s, n, 17, 2, &se))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        i++;
        int nd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (nd < 3)
                frac = frac * 10 + (s[i] - '0');
            nd++;
            i++;
        }
        if (!nd)
            return -1;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int64_t off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n)
            return -1;
        size_t j = i + 3;
        if (s[j] == ':')
            j++;
        if (digits(s, n, j, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (int64_t)(oh * 60 + om) * 60000 * (s[i] == '+' ? 1 : -1);
        i = j + 2;
    } else {
        return -1; /* no zone: ambiguous, not trusted */
    }
    if (i != n)
        return -1;
    int64_t days = days_from_civil(Y, (unsigned)M, (unsigned)D);
    *ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000 + frac - off;
    return 0;
}

int64_t tm_day_of(int64_t ms)
{
    int64_t d = ms / 86400000;
    if (ms % 86400000 < 0)
        d--;
    return d;
}

void tm_format_time(int64_t ms, char out[32])
{
    int64_t z = tm_day_of(ms), rem = ms - z * 86400000;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m % 100,
             d % 100, (unsigned)(rem / 3600000) % 100, (unsigned)(rem / 60000 % 60),
             (unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000));
    memcpy(out, tmp, 31);
    out[31] = 0;
}

void tm_format_count(uint64_t n, char out[32])
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
    int o = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = 0;
}

/* ---- a set of 64-bit values with O(1) clearing ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

void tm_set64_init(struct tm_set64 *s) { memset(s, 0, sizeof *s); }

void tm_set64_release(struct tm_set64 *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

void tm_set64_clear(struct tm_set64 *s)
{
    s->gen++;
    s->count = 0;
    if (s->gen == 0) { /* wrapped: really clear */
        for (uint32_t i = 0; i < s->cap; i++)
            s->slot[i].tag = 0;
        s->gen = 1;
    }
}

static void set64_grow(struct tm_set64 *s)
{
    uint32_t ncap = s->cap ? s->cap * 2 : 4096;
    struct tm_slot64 *slot = tm_xcalloc(ncap, sizeof *slot);
    if (!s->gen)
        s->gen = 1;
    for (uint32_t i = 0; i < s->cap; i++) {
        if (s->slot[i].tag != s->gen)
            continue;
        uint32_t j = (uint32_t)mix64(s->slot[i].key) & (ncap - 1);
        while (slot[j].tag == s->gen)
            j = (j + 1) & (ncap - 1);
        slot[j] = s->slot[i];
    }
    free(s->slot);
    s->slot = slot;
    s->cap = ncap;
}

int tm_set64_add(struct tm_set64 *s, uint64_t key)
{
    if ((uint64_t)(s->count + 1) * 2 > s->cap)
        set64_grow(s);
    uint32_t mask = s->cap - 1;
    for (uint32_t j = (uint32_t)mix64(key) & mask;; j = (j + 1) & mask) {
        struct tm_slot64 *e = &s->slot[j];
        if (e->tag != s->gen) {
            e->tag = s->gen;
            e->key = key;
            s->count++;
            return 1;
        }
        if (e->key == key)
            return 0;
    }
}

/* ---- 64-bit keys to 32-bit values ---- */

void tm_map64_init(struct tm_map64 *m) { memset(m, 0, sizeof *m); }

void tm_map64_release(struct tm_map64 *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

uint32_t tm_map64_get(const struct tm_map64 *m, uint64_t key)
{
    if (!m->cap)
        return UINT32_MAX;
    uint32_t mask = m->cap - 1;
    for (uint32_t j = (uint32_t)mix64(key) & mask;; j = (j + 1) & mask) {
        const struct tm_slot64 *e = &m->slot[j];
        if (!e->tag)
            return UINT32_MAX;
        if (e->key == key)
            return e->tag - 1;
    }
}

void tm_map64_put(struct tm_map64 *m, uint64_t key, uint32_t val)
{
    if ((uint64_t)(m->count + 1) * 2 > m->cap) {
        uint32_t ncap = m->cap ? m->cap * 2 : 4096;
        struct tm_slot64 *slot = tm_xcalloc(ncap, sizeof *slot);
        for (uint32_t i = 0; i < m->cap; i++) {
            if (!m->slot[i].tag)
                continue;
            uint32_t j = (uint32_t)mix64(m->slot[i].key) & (ncap - 1);
            while (slot[j].tag)
                j = (j + 1) & (ncap - 1);
            slot[j] = m->slot[i];
        }
        free(m->slot);
        m->slot = slot;
        m->cap = ncap;
    }
    uint32_t mask = m->cap - 1;
    for (uint32_t j = (uint32_t)mix64(key) & mask;; j = (j + 1) & mask) {
        struct tm_slot64 *e = &m->slot[j];
        if (!e->tag) {
            e->key = key;
            e->tag = val + 1;
            m->count++;
            return;
        }
        if (e->key == key) {
            e->tag = val + 1;
            return;
        }
    }
}
