/* simd.h - byte classes sixteen at a time for the text hot paths (internal).
 * SSE2 is part of x86-64, so no dispatch is needed; elsewhere a scalar loop gives the
 * same masks. Callers guarantee that 16 bytes are readable at p. */
#ifndef TM_SIMD_H
#define TM_SIMD_H

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

#endif
