/* cls64.c - byte classes of 64 bytes at once (see cls64.h). */
#include "cls64.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_VBMI_PATH 1
#endif

static uint64_t below(size_t n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

void tm_cls64_portable(const struct tm_cls64 *t, const char *p, size_t n, uint64_t m[8])
{
    if (n > 64)
        n = 64;
    uint8_t c[64];
    for (size_t j = 0; j < n; j++) {
        unsigned char b = (unsigned char)p[j];
        c[j] = b < 128 ? t->ascii[b] : t->high;
    }
    memset(c + n, 0, 64 - n);
#ifdef __SSE2__
    /* bit k of every class byte moved to bit 7, then one movemask per 16 bytes */
    for (int k = 0; k < 8; k++)
        m[k] = 0;
    for (int q = 0; q < 4; q++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(c + 16 * q));
        m[7] |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << (16 * q);
        m[6] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 1)) << (16 * q);
        m[5] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 2)) << (16 * q);
        m[4] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 3)) << (16 * q);
        m[3] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 4)) << (16 * q);
        m[2] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 5)) << (16 * q);
        m[1] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 6)) << (16 * q);
        m[0] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 7)) << (16 * q);
    }
#else
    for (int k = 0; k < 8; k++) {
        uint64_t x = 0;
        for (int j = 0; j < 64; j++)
            x |= (uint64_t)((c[j] >> k) & 1) << j;
        m[k] = x;
    }
#endif
}

#ifdef HAVE_VBMI_PATH
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void
cls64_vbmi(const struct tm_cls64 *t, const char *p, size_t n, uint64_t m[8])
{
    const __mmask64 keep = below(n);
    /* masked lanes are neither read nor able to fault: no copy of a short tail */
    const __m512i v = _mm512_maskz_loadu_epi8(keep, p);
    const __m512i lo = _mm512_loadu_si512((const void *)t->ascii);
    const __m512i hi = _mm512_loadu_si512((const void *)(t->ascii + 64));
    __m512i c = _mm512_permutex2var_epi8(lo, v, hi); /* index bit 6 picks the half */
    c = _mm512_mask_mov_epi8(c, _mm512_movepi8_mask(v), _mm512_set1_epi8((char)t->high));
    for (int k = 0; k < 8; k++)
        m[k] = _mm512_mask_test_epi8_mask(keep, c, _mm512_set1_epi8((char)(1u << k)));
}
#endif

void tm_cls64_init(struct tm_cls64 *t)
{
    t->vbmi = 0;
#ifdef HAVE_VBMI_PATH
    /* TEEMED_PORTABLE_SCAN=1 forces the portable path (for comparisons; same output) */
    const char *off = getenv("TEEMED_PORTABLE_SCAN");
    t->vbmi = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
              __builtin_cpu_supports("avx512vbmi") && !(off && *off && strcmp(off, "0") != 0);
#endif
}

void tm_cls64(const struct tm_cls64 *t, const char *p, size_t n, uint64_t m[8])
{
#ifdef HAVE_VBMI_PATH
    if (t->vbmi) {
        cls64_vbmi(t, p, n, m);
        return;
    }
#endif
    tm_cls64_portable(t, p, n, m);
}
