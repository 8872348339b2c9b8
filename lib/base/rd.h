/* rd.h - the bounds-checked little-endian reader: the only way untrusted binary input
 * (TDX/SGX quotes) is read. Every read checks the remaining length; the first failure
 * sets err and every later read returns zeros, so a parser checks once at the end. */
#ifndef TM_RD_H
#define TM_RD_H

#include <stddef.h>
#include <stdint.h>

struct tm_rd {
    const uint8_t *p;
    size_t n, off;
    int err;
};

/* A borrowed view into the reader's buffer. */
struct tm_span {
    const uint8_t *ptr;
    size_t len;
};

void tm_rd_init(struct tm_rd *r, const uint8_t *p, size_t n);
uint8_t tm_rd_u8(struct tm_rd *r);
uint16_t tm_rd_u16(struct tm_rd *r);
uint32_t tm_rd_u32(struct tm_rd *r);
/* n bytes as a span (ptr NULL and len 0 on failure). */
struct tm_span tm_rd_bytes(struct tm_rd *r, size_t n);
/* Copy n bytes into out (zeros on failure). */
void tm_rd_copy(struct tm_rd *r, void *out, size_t n);
size_t tm_rd_left(const struct tm_rd *r);

#endif
