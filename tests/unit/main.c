/* main.c - the unit test runner: runs every test in tests.h (or those named on the
 * command line) and prints "N passed, N failed". */
#include "harness.h"
#include "pipeline/profile.h"

#include <stdlib.h>
#include <unistd.h>

int harness_failed;

#define T(name) void name(void);
#include "tests.h"
#undef T

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define T(name) {#name, name},
#include "tests.h"
#undef T
};

struct found {
    const char *term;
    uint64_t mentions;
};

static void found(void *ctx, const char *t, size_t len, uint64_t mentions, uint32_t df)
{
    struct found *f = ctx;
    (void)df;
    if (len == strlen(f->term) && !memcmp(t, f->term, len))
        f->mentions = mentions;
}

unsigned long long harness_mentions(struct tm_an *an, const char *term, unsigned min_df)
{
    struct found f = {term, 0};
    tm_an_dump(an, min_df, 1, found, &f);
    return f.mentions;
}

const char *harness_shared(void)
{
    static const char *const cands[] = {"../shared/testdata", "../../shared/testdata"};
    const char *e = getenv("TEEMED_SHARED_TESTDATA");
    if (e && access(e, R_OK) == 0)
        return e;
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++)
        if (access(cands[i], R_OK) == 0)
            return cands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        if (argc > 1) {
            int want = 0;
            for (int a = 1; a < argc; a++)
                want |= strstr(tests[i].name, argv[a]) != NULL;
            if (!want)
                continue;
        }
        harness_failed = 0;
        tests[i].fn();
        if (harness_failed) {
            fprintf(stderr, "FAIL %s\n", tests[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
