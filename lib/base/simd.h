/* simd.h - byte classes sixteen at a time for the text hot paths (internal).
 * SSE2 is part of x86-64, so no dispatch is needed; elsewhere a scalar loop gives the
 * same masks. Callers guarantee that 16 bytes are readable at p. */
#ifndef TM_SIMD_H
#define TM_SIMD_H

#include <stddef.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bit k of the result is set when p[k] is in [A-Za-z0-9_]; bit k of *lower when p[k]
 * is in [a-z]. */
static inline unsigned tm_word16(const char *p, unsigned *lower)
{
#ifdef __SSE2__
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* x in [lo, lo + n) <=> (signed)(x + 128 - lo) < -128 + n */
    const __m128i lo = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(128 - 'a'))),
                                      _mm_set1_epi8((char)(-128 + 26)));
    const __m128i up = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(128 - 'A'))),
                                      _mm_set1_epi8((char)(-128 + 26)));
    const __m128i dg = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(128 - '0'))),
                                      _mm_set1_epi8((char)(-128 + 10)));
    const __m128i us = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
    *lower = (unsigned)_mm_movemask_epi8(lo);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(lo, up), _mm_or_si128(dg, us)));
#else
    unsigned w = 0, l = 0;
    for (int k = 0; k < 16; k++) {
        unsigned char c = (unsigned char)p[k];
        int isl = c >= 'a' && c <= 'z';
        l |= (unsigned)isl << k;
        w |= (unsigned)(isl || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') << k;
    }
    *lower = l;
    return w;
#endif
}

/* Nonzero when one of the 32 bytes at p is not ASCII. */
static inline unsigned tm_high32(const char *p)
{
#ifdef __SSE2__
    const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(a, b));
#else
    unsigned h = 0;
    for (int k = 0; k < 32; k++)
        h |= (unsigned char)p[k] & 0x80u;
    return h;
#endif
}

/* Bit k of the result is set when p[k] is a space or a tab. */
static inline unsigned tm_blank16(const char *p)
{
#ifdef __SSE2__
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
#else
    unsigned m = 0;
    for (int k = 0; k < 16; k++)
        m |= (unsigned)(p[k] == ' ' || p[k] == '\t') << k;
    return m;
#endif
}

/* The index of the first byte at or after i that is not a space or a tab. One blank
 * (between words) is stepped over in place; longer runs (indentation) sixteen at a
 * time. */
static inline size_t tm_skip_blanks(const char *p, size_t i, size_t len)
{
    if (i < len && (p[i] == ' ' || p[i] == '\t')) {
        i++;
        if (i < len && (p[i] == ' ' || p[i] == '\t')) {
            while (len - i >= 16) {
                unsigned nb = ~tm_blank16(p + i) & 0xffffu;
                if (nb)
                    return i + (size_t)__builtin_ctz(nb);
                i += 16;
            }
            while (i < len && (p[i] == ' ' || p[i] == '\t'))
                i++;
        }
    }
    return i;
}

#endif
