/* test_text.c - tokenizer and canonical terms. */
#include "harness.h"
#include "tm/text.h"

void test_canon_merges_spelling_variants(void);
void test_canon_folds_plurals_carefully(void);

void test_canon_merges_spelling_variants(void)
{
    static const char *const variants[] = {"compose hash", "compose_hash", "compose-hash",
                                           "composeHash", "ComposeHash", "COMPOSE_HASH",
                                           "compose hashes"};
    char out[64];
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        tm_canon(variants[i], strlen(variants[i]), out, sizeof out);
        CHECK_STR_EQ(out, "compose_hash");
    }
    tm_canon("HTTPServer", 10, out, sizeof out);
    CHECK_STR_EQ(out, "http_server");
    tm_canon("getQuote", 8, out, sizeof out);
    CHECK_STR_EQ(out, "get_quote");
    tm_canon("isAppAllowed", 12, out, sizeof out);
    CHECK_STR_EQ(out, "app_allowed"); /* "is" is a function word, not a term */
    tm_canon("PCCS", 4, out, sizeof out);
    CHECK_STR_EQ(out, "pccs"); /* acronyms in capitals are not plurals */
    tm_canon("RTMR3", 5, out, sizeof out);
    CHECK_STR_EQ(out, "rtmr3");
    tm_canon("mrtd-39", 7, out, sizeof out);
    CHECK_STR_EQ(out, "mrtd"); /* numbers are not terms */
done:;
}

void test_canon_folds_plurals_carefully(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"quotes", "quote"}, {"policies", "policy"}, {"enclaves", "enclave"},
        {"matches", "match"}, {"processes", "process"}, {"status", "status"},
        {"tls", "tls"}, {"kubernetes", "kubernetes"}, {"analysis", "analysis"},
        {"caches", "cache"}, {"cookies", "cookie"}, {"boxes", "box"}, {"ideas", "idea"},
        {"class", "class"}, {"https", "https"}, {"repos", "repo"},
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tm_canon(cases[i].in, strlen(cases[i].in), out, sizeof out);
        CHECK_STR_EQ(out, cases[i].out);
    }
done:;
}
