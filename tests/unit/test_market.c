/* test_market.c - reputation's lower bound and discovery's affinity (core/market.h,
 * compute/compute.h). */
#include "harness.h"
#include "compute/compute.h"
#include "core/market.h"

#include <math.h>

void test_wilson_lower_bound(void)
{
    CHECK(tm_wilson_lower(0, 0) == 0);
    CHECK(tm_wilson_lower(0, 10) == 0);
    CHECK(fabs(tm_wilson_lower(1, 1) - 0.2065) < 0.001);   /* one lucky rating */
    CHECK(fabs(tm_wilson_lower(4, 4) - 0.5101) < 0.001);
    CHECK(fabs(tm_wilson_lower(45, 50) - 0.7864) < 0.001);
    /* a long record outranks a short one with a better share */
    CHECK(tm_wilson_lower(45, 50) > tm_wilson_lower(5, 5));
    CHECK(tm_wilson_lower(5, 5) > tm_wilson_lower(1, 1));
    /* more helpful of the same count is better; more ratings at the same share is better */
    for (uint64_t n = 1; n < 60; n++)
        for (uint64_t h = 1; h <= n; h++) {
            CHECK(tm_wilson_lower(h, n) > tm_wilson_lower(h - 1, n));
            CHECK(tm_wilson_lower(h, n) < 1);
        }
    CHECK(tm_wilson_lower(20, 20) > tm_wilson_lower(10, 10));
done:;
}

void test_affinity_ranks_complementary_above_duplicate_and_unrelated(void)
{
    uint32_t mine[40], dup[40], comp[40], unrel[40];
    uint8_t ambient[200] = {0};
    struct tm_affinity a_dup, a_comp, a_unrel, a_amb;
    for (uint32_t i = 0; i < 40; i++) {
        mine[i] = i;             /* terms 0..39 */
        dup[i] = i;              /* the same */
        comp[i] = i < 15 ? i : 100 + i; /* 15 shared, 25 new */
        unrel[i] = 150 + i;      /* nothing in common */
    }
    tm_affinity(mine, 40, dup, 40, NULL, &a_dup);
    tm_affinity(mine, 40, comp, 40, NULL, &a_comp);
    tm_affinity(mine, 40, unrel, 40, NULL, &a_unrel);
    CHECK_INT_EQ((int)a_dup.shared, 40);
    CHECK(a_dup.complementarity == 0);        /* nothing new */
    CHECK(a_unrel.complementarity == 0);      /* no footing */
    CHECK_INT_EQ((int)a_comp.shared, 15);
    CHECK_INT_EQ((int)a_comp.other_only, 25);
    CHECK(a_comp.complementarity > 0.4);
    CHECK(fabs(a_comp.shared_frac + a_comp.adds_frac - 1) < 1e-9);
    /* ambient terms (shared by everyone) count for nothing: with 0..9 ambient, an
     * unrelated dataset that shares only those is still unrelated */
    for (int i = 0; i < 10; i++)
        ambient[i] = 1;
    uint32_t chatty[40];
    for (uint32_t i = 0; i < 40; i++)
        chatty[i] = i < 10 ? i : 150 + i;
    tm_affinity(mine, 40, chatty, 40, ambient, &a_amb);
    CHECK_INT_EQ((int)a_amb.shared, 0);
    CHECK(a_amb.complementarity == 0);
    tm_affinity(mine, 40, chatty, 40, NULL, &a_amb);
    CHECK(a_amb.complementarity > 0);          /* without the pooled background it would look related */
done:;
}
