/* cls64.h - byte classes of 64 bytes at once, as bitmasks (library-internal).
 *
 * A scanner describes up to eight classes in a table (one byte of class bits per ASCII
 * byte, one class byte for every byte >= 0x80); tm_cls64 turns 64 bytes of text into
 * eight 64-bit masks, bit j of mask k set when byte j has class bit k. The scanners then
 * find word and chunk boundaries with bit operations (ctz) instead of one table lookup
 * and one branch per byte.
 *
 * Two implementations give identical masks: AVX-512 VBMI (a 128-entry table lookup of
 * all 64 bytes in one instruction; Intel since Ice Lake, which includes every TDX host,
 * and AMD since Zen 4), chosen at run time, and SSE2 (part of x86-64) or plain C
 * elsewhere. tests/unit/test_cls64.c checks that they agree. */
#ifndef TM_CLS64_H
#define TM_CLS64_H

#include <stddef.h>
#include <stdint.h>

struct tm_cls64 {
    uint8_t ascii[128];
    uint8_t high; /* the class bits of every byte >= 0x80 */
    int vbmi;     /* use the AVX-512 VBMI lookup */
};

/* Fill t->ascii and t->high first; this picks the implementation. */
void tm_cls64_init(struct tm_cls64 *t);

/* m[k] = mask of class bit k over p[0, n), n <= 64; bits at and past n are zero. */
void tm_cls64(const struct tm_cls64 *t, const char *p, size_t n, uint64_t m[8]);

/* The portable implementation alone (for the tests). */
void tm_cls64_portable(const struct tm_cls64 *t, const char *p, size_t n, uint64_t m[8]);

#endif
