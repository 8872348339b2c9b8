/* test_base.c - base.c: time parsing, the interning map. */
#include "harness.h"
#include "base/base.h"

#include <stdlib.h>

void test_time_parses_iso_and_offsets(void);
void test_map_interns_and_filters(void);

void test_time_parses_iso_and_offsets(void)
{
    int64_t a, b, c;
    char out[32];
    CHECK_INT_EQ(tm_parse_time("2025-12-28T00:00:01.500Z", 24, &a), 0);
    CHECK_INT_EQ(tm_parse_time("2026-01-30T23:59:59Z", 20, &b), 0);
    CHECK_INT_EQ(tm_day_of(b) - tm_day_of(a), 33); /* the seed's 33 days */
    CHECK_INT_EQ(tm_parse_time("2026-01-31T01:00:00+02:00", 25, &c), 0);
    tm_format_time(c, out);
    CHECK_STR_EQ(out, "2026-01-30T23:00:00.000Z");
    tm_format_time(a, out);
    CHECK_STR_EQ(out, "2025-12-28T00:00:01.500Z");
    CHECK(tm_parse_time("2026-01-31T01:00:00", 19, &c) != 0); /* no zone */
    CHECK(tm_parse_time("2026-13-01T00:00:00Z", 20, &c) != 0);
    CHECK(tm_parse_time("2026-01-01", 10, &c) != 0);
done:;
}

void test_map_interns_and_filters(void)
{
    struct tm_map m;
    tm_map_init(&m);
    char key[16];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        int added;
        CHECK_INT_EQ(tm_map_intern(&m, key, (size_t)n, &added), i);
        CHECK_INT_EQ(added, 1);
    }
    CHECK_INT_EQ(tm_map_find(&m, "k4321", 5), 4321);
    CHECK_INT_EQ(tm_map_find(&m, "nope", 4), UINT32_MAX);
    uint8_t *keep = malloc(5000);
    uint32_t *nid = malloc(5000 * sizeof *nid);
    for (int i = 0; i < 5000; i++)
        keep[i] = i % 2 == 0;
    tm_map_filter(&m, keep, nid);
    CHECK_INT_EQ(m.count, 2500);
    CHECK_INT_EQ(tm_map_find(&m, "k4320", 5), nid[4320]);
    CHECK_INT_EQ(tm_map_find(&m, "k4321", 5), UINT32_MAX);
    free(keep);
    free(nid);
done:
    tm_map_release(&m);
}
