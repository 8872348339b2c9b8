/* json.c - the hot-path JSON scanner (see json.h). */
#include "base/json.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void tm_json_init(struct tm_jdoc *d) { memset(d, 0, sizeof *d); }

void tm_json_release(struct tm_jdoc *d)
{
    free(d->t);
    memset(d, 0, sizeof *d);
}

struct p {
    struct tm_jdoc *d;
    const char *s;
    size_t n, i;
    int depth;
};

__attribute__((noinline)) static void grow(struct tm_jdoc *d)
{
    d->cap = d->cap ? d->cap * 2 : 256;
    d->t = tm_xrealloc(d->t, d->cap * sizeof *d->t);
}

/* push and ws run for every value: inlined, the table's growth out of line. */
static inline __attribute__((always_inline)) uint32_t push(struct p *p, uint8_t type, size_t start)
{
    struct tm_jdoc *d = p->d;
    if (d->n == d->cap)
        grow(d);
    struct tm_jtok *t = &d->t[d->n];
    t->type = type;
    t->start = (uint32_t)start;
    t->len = 0;
    t->esc = 0;
    t->end = d->n + 1;
    return d->n++;
}

static inline __attribute__((always_inline)) void ws(struct p *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        p->i++;
    }
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
/* bytes of x equal to zero / less than b (b <= 128), as high bits */
static inline uint64_t zero_bytes(uint64_t x) { return (x - ONES) & ~x & HIGHS; }
static inline uint64_t less_bytes(uint64_t x, uint8_t b) { return (x - ONES * b) & ~x & HIGHS; }

static int u4(const char *s, unsigned *v)
{
    unsigned x = 0;
    for (int k = 0; k < 4; k++) {
        int h = tm_hexval((unsigned char)s[k]);
        if (h < 0)
            return -1;
        x = x << 4 | (unsigned)h;
    }
    *v = x;
    return 0;
}

/* p->i is at the opening quote. */
static int string(struct p *p)
{
    uint32_t t = push(p, TM_J_STRING, p->i + 1);
    size_t i = p->i + 1, n = p->n;
    const char *s = p->s;
    for (;;) {
#ifdef __SSE2__
        /* sixteen plain bytes at a time: stop at '"', '\\' or a control character */
        const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f); /* v <= 0x1f */
            int m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)), ctl));
            if (m) {
                i += (size_t)__builtin_ctz((unsigned)m);
                break;
            }
            i += 16;
        }
#endif
        while (i + 8 <= n) { /* eight plain bytes at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (zero_bytes(w ^ (ONES * '"')) | zero_bytes(w ^ (ONES * '\\')) | less_bytes(w, 0x20))
                break;
            i += 8;
        }
        if (i >= n)
            return -1;
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            i++;
            continue;
        }
        p->d->t[t].esc = 1;
        if (i + 1 >= n)
            return -1;
        char e = s[i + 1];
        if (e == 'u') {
            unsigned v, lo;
            if (i + 6 > n || u4(s + i + 2, &v))
                return -1;
            i += 6;
            if (v >= 0xdc00 && v <= 0xdfff)
                return -1; /* a lone low surrogate */
            if (v >= 0xd800 && v <= 0xdbff) {
                if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u' || u4(s + i + 2, &lo) ||
                    lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                i += 6;
            }
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
            i += 2;
        } else {
            return -1;
        }
    }
    p->d->t[t].len = (uint32_t)(i - (p->i + 1));
    p->i = i + 1;
    return 0;
}

static int digits(struct p *p)
{
    size_t st = p->i;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
    return p->i > st ? 0 : -1;
}

static int number(struct p *p)
{
    size_t st = p->i;
    uint32_t t = push(p, TM_J_NUMBER, st);
    if (p->s[p->i] == '-')
        p->i++;
    if (p->i >= p->n)
        return -1;
    if (p->s[p->i] == '0')
        p->i++;
    else if (digits(p))
        return -1;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (digits(p))
            return -1;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (digits(p))
            return -1;
    }
    p->d->t[t].len = (uint32_t)(p->i - st);
    return 0;
}

static int literal(struct p *p, const char *lit, uint8_t type)
{
    size_t l = strlen(lit);
    if (p->n - p->i < l || memcmp(p->s + p->i, lit, l) != 0)
        return -1;
    uint32_t t = push(p, type, p->i);
    p->d->t[t].len = (uint32_t)l;
    p->i += l;
    return 0;
}

static int value(struct p *p);

static int container(struct p *p, int obj)
{
    if (++p->depth > TM_JSON_DEPTH)
        return -1;
    size_t st = p->i;
    uint32_t t = push(p, obj ? TM_J_OBJECT : TM_J_ARRAY, st);
    char close = obj ? '}' : ']';
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
    } else {
        for (;;) {
            if (obj) {
                ws(p);
                if (p->i >= p->n || p->s[p->i] != '"' || string(p))
                    return -1;
                ws(p);
                if (p->i >= p->n || p->s[p->i] != ':')
                    return -1;
                p->i++;
            }
            ws(p);
            if (value(p))
                return -1;
            ws(p);
            if (p->i >= p->n)
                return -1;
            if (p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->s[p->i] != close)
                return -1;
            p->i++;
            break;
        }
    }
    p->d->t[t].len = (uint32_t)(p->i - st);
    p->d->t[t].end = p->d->n;
    p->depth--;
    return 0;
}

static int value(struct p *p)
{
    if (p->i >= p->n)
        return -1;
    switch (p->s[p->i]) {
    case '{': return container(p, 1);
    case '[': return container(p, 0);
    case '"': return string(p);
    case 't': return literal(p, "true", TM_J_TRUE);
    case 'f': return literal(p, "false", TM_J_FALSE);
    case 'n': return literal(p, "null", TM_J_NULL);
    default:
        if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
            return number(p);
        return -1;
    }
}

size_t tm_json_parse(struct tm_jdoc *d, const char *s, size_t n)
{
    struct p p = {d, s, n, 0, 0};
    d->src = s;
    d->n = 0;
    if (n >= UINT32_MAX)
        return 0;
    ws(&p);
    size_t st = p.i;
    if (value(&p))
        return 0;
    (void)st;
    return p.i;
}

uint32_t tm_json_getn(const struct tm_jdoc *d, uint32_t o, const char *key, size_t kl)
{
    if (o >= d->n || d->t[o].type != TM_J_OBJECT)
        return UINT32_MAX;
    for (uint32_t i = o + 1; i < d->t[o].end; i = d->t[i + 1].end) {
        const struct tm_jtok *k = &d->t[i];
        if (k->len == kl && memcmp(d->src + k->start, key, kl) == 0)
            return i + 1;
    }
    return UINT32_MAX;
}

int tm_json_isn(const struct tm_jdoc *d, uint32_t i, const char *lit, size_t l)
{
    if (i >= d->n || d->t[i].type != TM_J_STRING)
        return 0;
    return d->t[i].len == l && memcmp(d->src + d->t[i].start, lit, l) == 0;
}

static void put_utf8(struct tm_buf *b, unsigned cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        o[0] = (char)(0xf0 | cp >> 18);
        o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    tm_buf_add(b, o, n);
}

const char *tm_json_str(const struct tm_jdoc *d, uint32_t i, struct tm_buf *scratch, size_t *len)
{
    if (i >= d->n || d->t[i].type != TM_J_STRING) {
        *len = 0;
        return "";
    }
    const char *s = d->src + d->t[i].start;
    size_t n = d->t[i].len;
    if (!d->t[i].esc) {
        *len = n;
        return s;
    }
    /* the scanner validated every escape: decode without re-checking */
    tm_buf_reset(scratch);
    tm_buf_reserve(scratch, n);
    size_t k = 0;
    while (k < n) {
        const char *bs = memchr(s + k, '\\', n - k);
        size_t run = bs ? (size_t)(bs - (s + k)) : n - k;
        tm_buf_add(scratch, s + k, run);
        k += run;
        if (k >= n)
            break;
        char e = s[k + 1];
        k += 2;
        switch (e) {
        case 'n': tm_buf_addc(scratch, '\n'); break;
        case 't': tm_buf_addc(scratch, '\t'); break;
        case 'r': tm_buf_addc(scratch, '\r'); break;
        case 'b': tm_buf_addc(scratch, '\b'); break;
        case 'f': tm_buf_addc(scratch, '\f'); break;
        case 'u': {
            unsigned v = 0, lo = 0;
            u4(s + k, &v);
            k += 4;
            if (v >= 0xd800 && v <= 0xdbff) {
                u4(s + k + 2, &lo);
                k += 6;
                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
            }
            put_utf8(scratch, v);
            break;
        }
        default: tm_buf_addc(scratch, e); break; /* " \ / */
        }
    }
    *len = scratch->len;
    return scratch->ptr ? scratch->ptr : "";
}
