/* rd.c - bounds-checked reader (see rd.h). */
#include "base/rd.h"

#include <string.h>

void tm_rd_init(struct tm_rd *r, const uint8_t *p, size_t n)
{
    r->p = p;
    r->n = n;
    r->off = 0;
    r->err = 0;
}

size_t tm_rd_left(const struct tm_rd *r) { return r->err ? 0 : r->n - r->off; }

static const uint8_t *take(struct tm_rd *r, size_t n)
{
    if (r->err || n > r->n - r->off) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t tm_rd_u8(struct tm_rd *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint16_t tm_rd_u16(struct tm_rd *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t tm_rd_u32(struct tm_rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

struct tm_span tm_rd_bytes(struct tm_rd *r, size_t n)
{
    const uint8_t *p = take(r, n);
    struct tm_span s = {p, p ? n : 0};
    return s;
}

void tm_rd_copy(struct tm_rd *r, void *out, size_t n)
{
    const uint8_t *p = take(r, n);
    if (p)
        memcpy(out, p, n);
    else
        memset(out, 0, n);
}
