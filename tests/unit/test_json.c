/* test_json.c - the hot-path scanner: RFC 8259 strictness, decoding, lookup. */
#include "harness.h"
#include "base/json.h"

#include <stdlib.h>

void test_json_accepts_and_rejects_like_the_rfc(void);
void test_json_decodes_strings_and_finds_members(void);

void test_json_accepts_and_rejects_like_the_rfc(void)
{
    static const char *const good[] = {
        "{}", "[]", "0", "-0", "1e5", "-1.25E-3", "\"\"", "true", "null",
        "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}", " { \"a\" : 1 } ",
        "\"\\u00e9\\n\\t\\\"\\\\\\/\"", "\"\\ud83d\\ude00\"", "[[[[[[]]]]]]",
    };
    static const char *const bad[] = {
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"",
        "\"a\tb\"", "{a:1}", "{\"a\" 1}", "[1 2]", "NaN", "Infinity", "'x'",
    };
    struct tm_jdoc d;
    tm_json_init(&d);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        size_t n = strlen(good[i]), used = tm_json_parse(&d, good[i], n);
        if (!used)
            FAILF("rejected valid JSON: %s", good[i]);
        while (used < n && good[i][used] == ' ')
            used++;
        if (used != n)
            FAILF("did not consume all of %s", good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t n = strlen(bad[i]), used = tm_json_parse(&d, bad[i], n);
        if (used == n && n)
            FAILF("accepted invalid JSON: %s", bad[i]);
    }
    /* depth: 256 nested arrays parse, 257 do not */
    char deep[600];
    for (int depth = 256; depth <= 257; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        size_t used = tm_json_parse(&d, deep, 2 * (size_t)depth);
        CHECK_INT_EQ(used != 0, depth == 256);
    }
    /* two values back to back: the first is consumed exactly */
    CHECK_INT_EQ(tm_json_parse(&d, "{\"a\":1}{\"b\":2}", 14), 7);
done:
    tm_json_release(&d);
}

void test_json_decodes_strings_and_finds_members(void)
{
    struct tm_jdoc d;
    struct tm_buf scratch;
    tm_json_init(&d);
    tm_buf_init(&scratch);
    const char *src = "{\"type\":\"user\",\"msg\":{\"text\":\"caf\\u00e9 \\ud83d\\ude00\\nok\"},\"n\":[1,2]}";
    CHECK(tm_json_parse(&d, src, strlen(src)) > 0);
    uint32_t t = tm_json_get(&d, 0, "type"), m = tm_json_get(&d, 0, "msg");
    CHECK(tm_json_is(&d, t, "user"));
    CHECK_INT_EQ(d.t[m].type, TM_J_OBJECT);
    uint32_t x = tm_json_get(&d, m, "text");
    size_t n;
    const char *s = tm_json_str(&d, x, &scratch, &n);
    CHECK_INT_EQ(n, strlen("caf\xc3\xa9 \xf0\x9f\x98\x80\nok"));
    CHECK(!memcmp(s, "caf\xc3\xa9 \xf0\x9f\x98\x80\nok", n));
    CHECK_INT_EQ(tm_json_get(&d, 0, "missing"), UINT32_MAX);
    uint32_t arr = tm_json_get(&d, 0, "n");
    CHECK_INT_EQ(d.t[arr].type, TM_J_ARRAY);
    CHECK_INT_EQ(d.t[arr].end - arr - 1, 2); /* two elements, no descendants */
done:
    tm_buf_release(&scratch);
    tm_json_release(&d);
}
