/* harness.h - a tiny test harness: CHECK macros that report values and jump to the
 * test's single `done:` cleanup label on failure. Tests are listed in tests.h. */
#ifndef TM_HARNESS_H
#define TM_HARNESS_H

#include <stdio.h>
#include <string.h>

extern int harness_failed;

/* Every test's prototype, from the registry. */
#define T(name) void name(void);
#include "tests.h"
#undef T

#define FAILF(...)                                                                         \
    do {                                                                                   \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                  \
        fprintf(stderr, __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                               \
        harness_failed = 1;                                                                \
        goto done;                                                                         \
    } while (0)

#define CHECK(c)                                                                           \
    do {                                                                                   \
        if (!(c))                                                                          \
            FAILF("check failed: %s", #c);                                                 \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                 \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        if (a_ != b_)                                                                      \
            FAILF("%s == %s: %lld != %lld", #a, #b, a_, b_);                               \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                 \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                             \
            FAILF("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                        \
    do {                                                                                   \
        const char *h_ = (hay), *n_ = (needle);                                            \
        if (!h_ || !strstr(h_, n_))                                                        \
            FAILF("expected \"%s\" in \"%.300s\"", n_, h_ ? h_ : "(null)");                \
    } while (0)

#define CHECK_NOT_CONTAINS(hay, needle)                                                    \
    do {                                                                                   \
        const char *h_ = (hay), *n_ = (needle);                                            \
        if (h_ && strstr(h_, n_))                                                          \
            FAILF("unexpected \"%s\" in \"%.300s\"", n_, h_);                              \
    } while (0)

/* Where the shared test data lives (../shared/testdata), or NULL. */
const char *harness_shared(void);
/* Mentions the analyser counted for term (terms with df >= min_df), or 0. */
struct tm_an;
unsigned long long harness_mentions(struct tm_an *an, const char *term, unsigned min_df);

#endif
