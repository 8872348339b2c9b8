/* test_text.c - tokenizer and canonical terms. */
#include "harness.h"
#include "base/base.h"
#include "pipeline/text.h"

void test_canon_merges_spelling_variants(void);
void test_canon_folds_plurals_carefully(void);
void test_canon_keeps_names_whole(void);

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

static void log_run(void *ctx, const char *run, size_t n, int after_blank)
{
    struct tm_buf *log = ctx;
    tm_buf_add(log, run, n);
    tm_buf_addf(log, "|%d ", after_blank);
}

/* Blank runs of every length (the sixteen-at-a-time step and its tail) keep adjacency;
 * anything else among them breaks it; the words around them come out whole. */
void test_scan_runs_blank_runs(void);
void test_scan_runs_blank_runs(void)
{
    struct tm_buf text, log;
    tm_buf_init(&text);
    tm_buf_init(&log);
    for (size_t n = 1; n <= 40; n++) {
        for (int brk = 0; brk < 2; brk++) {
            tm_buf_reset(&text);
            tm_buf_reset(&log);
            tm_buf_add(&text, "alpha", 5);
            for (size_t k = 0; k < n; k++)
                tm_buf_addc(&text, k % 3 == 2 ? '\t' : ' ');
            if (brk)
                text.ptr[text.len - 1 - (n - 1) / 2] = ','; /* one byte among the blanks */
            tm_buf_add(&text, "beta\n", 5);
            tm_scan_runs(text.ptr, text.len, log_run, &log);
            tm_buf_addc(&log, 0);
            const char *want = brk ? "alpha|0 beta|0 " : "alpha|0 beta|1 ";
            if (strcmp(log.ptr, want) != 0)
                FAILF("%zu blanks%s: got '%s'", n, brk ? " with a comma" : "", log.ptr);
        }
    }
done:
    tm_buf_release(&text);
    tm_buf_release(&log);
}

/* Names of each kind, many of them: an acronym's plural is the acronym; a capitalised
 * name that ends in an acronym is one name; -ics words are not plurals; identifiers that
 * start in lowercase still split at every capital. */
void test_canon_keeps_names_whole(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"APIs", "api"},          {"CVMs", "cvm"},           {"URLs", "url"},
        {"GPUs", "gpu"},          {"VMs", "vm"},             {"CPUs", "cpu"},
        {"SDKs", "sdk"},          {"JWTs", "jwt"},           {"PRs", "pr"},
        {"GraphQL", "graphql"},   {"PostgreSQL", "postgresql"}, {"OpenAI", "openai"},
        {"MySQL", "mysql"},       {"NoSQL", "nosql"},        {"OpenSSL", "openssl"},
        {"LibreSSL", "libressl"}, {"BoringSSL", "boringssl"}, {"OpenAPI", "openapi"},
        {"genomics", "genomics"}, {"physics", "physics"},    {"analytics", "analytics"},
        {"robotics", "robotics"}, {"semantics", "semantics"}, {"graphics", "graphics"},
        {"forensics", "forensics"}, {"ethics", "ethics"},    {"logistics", "logistics"},
        {"composeHash", "compose_hash"}, {"getURL", "get_url"}, {"HTTPServer", "http_server"},
        {"XMLHttpRequest", "xml_http_request"}, {"parseHTTPResponse", "parse_http_response"},
        {"isAppAllowed", "app_allowed"}, /* "is": a function word */
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tm_canon(cases[i].in, strlen(cases[i].in), out, sizeof out);
        if (strcmp(out, cases[i].out))
            FAILF("%s -> %s, want %s", cases[i].in, out, cases[i].out);
    }
done:;
}
