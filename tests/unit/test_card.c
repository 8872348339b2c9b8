/* test_card.c - the profile's serialisation: the hand-written terms array against what
 * cJSON prints for the same values, and the round trip through tm_profile_from_json. */
#include "harness.h"
#include "pipeline/card.h"
#include "base/json.h"
#include "pipeline/profile.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

void test_profile_json_matches_cjson(void);

static uint64_t next(uint64_t *r)
{
    *r = *r * 6364136223846793005ull + 1442695040888963407ull;
    return *r >> 11;
}

/* What the terms array was before it was written by hand: every value through cJSON. */
static cJSON *reference_terms(const struct tm_profile *p)
{
    cJSON *terms = cJSON_CreateArray();
    for (size_t i = 0; i < p->nterms; i++) {
        const struct tm_pterm *t = &p->terms[i];
        cJSON *e = cJSON_CreateArray();
        cJSON_AddItemToArray(e, cJSON_CreateString(t->term));
        cJSON_AddItemToArray(e, cJSON_CreateNumber((double)t->mentions));
        cJSON_AddItemToArray(e, cJSON_CreateNumber(t->df));
        cJSON_AddItemToArray(e, cJSON_CreateNumber(t->flags));
        cJSON_AddItemToArray(e, cJSON_CreateNumber(floor(t->score * 1000 + 0.5) / 1000));
        cJSON_AddItemToArray(e, cJSON_CreateNumber((double)t->clipped));
        cJSON_AddItemToArray(terms, e);
    }
    return terms;
}

/* Exact equality of two parsed values: same types, same strings, same doubles. */
static int same(const cJSON *a, const cJSON *b)
{

    if ((a->type & 0xff) != (b->type & 0xff))
        return 0;
    if (cJSON_IsString(a))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsNumber(a))
        return a->valuedouble == b->valuedouble || (isnan(a->valuedouble) && isnan(b->valuedouble));
    if (cJSON_IsArray(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!same(x, y))
                return 0;
        return !x && !y;
    }
    return 1;
}

void test_profile_json_matches_cjson(void)
{
    static const double scores[] = {0, 0.0004, 0.0005, -0.0005, 0.1, 0.125, 1.5, 12.345, -12.345,
                                    999.9995, 123456.789, 1e11 + 0.25, 2e12, -3.5e15, 1e300,
                                    5e-324, -0.0, INFINITY, -INFINITY, NAN};
    static const char *const words[] = {"compose_hash", "a\"b", "back\\slash", "tab\there",
                                        "nl\nx", "\x01\x1f ctl", "caf\xc3\xa9", "", "\x7f", "x/y"};
    const size_t n = 4000;
    struct tm_profile p = {0}, back = {0};
    static struct tm_taxonomy tax;
    struct tm_jdoc jd;
    char *json = NULL;
    cJSON *got = NULL, *ref = NULL;
    p.k = 3;
    p.terms = calloc(n, sizeof *p.terms);
    p.nterms = n;
    uint64_t r = 42;
    for (size_t i = 0; i < n; i++) {
        struct tm_pterm *t = &p.terms[i];
        char w[64];
        snprintf(w, sizeof w, "%s%zu", words[i % (sizeof words / sizeof *words)], i);
        t->term = tm_xstrdup(w);
        /* some beyond 2^32; below 10^15, where cJSON's "%1.15g" is exact (above it cJSON
         * rounds to 15 digits, which the hand-written array does not) */
        t->mentions = i % 7 == 0 ? next(&r) % 1000000000000000ull : next(&r) % 100000;
        t->df = (uint32_t)next(&r);
        t->flags = (uint32_t)(next(&r) % 16);
        t->clipped = next(&r) % 5000;
        if (i < sizeof scores / sizeof *scores)
            t->score = scores[i];
        else
            t->score = ((double)(next(&r) % 2000000) - 1000000) / (double)(1 + next(&r) % 977);
    }
    json = tm_profile_to_json(&p, &tax);
    /* strict JSON (cJSON would also take raw control characters in strings) */
    tm_json_init(&jd);
    size_t used = tm_json_parse(&jd, json, strlen(json));
    tm_json_release(&jd);
    CHECK_INT_EQ(used, strlen(json));
    got = cJSON_Parse(json);
    CHECK(got != NULL);
    ref = reference_terms(&p);
    /* through text and back, as cJSON itself would have written it */
    char *rs = cJSON_PrintUnformatted(ref);
    cJSON_Delete(ref);
    ref = cJSON_Parse(rs);
    free(rs);
    const cJSON *terms = cJSON_GetObjectItemCaseSensitive(got, "terms");
    CHECK(cJSON_IsArray(terms));
    CHECK_INT_EQ(cJSON_GetArraySize(terms), n);
    CHECK(same(terms, ref));
    /* and the reader gets every field back */
    struct tm_diag d;
    CHECK_INT_EQ(tm_profile_from_json(json, strlen(json), &tax, &back, &d), TM_OK);
    CHECK_INT_EQ(back.nterms, n);
    for (size_t i = 0; i < n; i++) {
        CHECK_STR_EQ(back.terms[i].term, p.terms[i].term);
        CHECK_INT_EQ(back.terms[i].mentions, p.terms[i].mentions);
        CHECK_INT_EQ(back.terms[i].df, p.terms[i].df);
        CHECK_INT_EQ(back.terms[i].flags, p.terms[i].flags);
        CHECK_INT_EQ(back.terms[i].clipped, p.terms[i].clipped);
        if (isfinite(p.terms[i].score))
            CHECK(back.terms[i].score == floor(p.terms[i].score * 1000 + 0.5) / 1000);
    }
done:
    cJSON_Delete(got);
    cJSON_Delete(ref);
    free(json);
    tm_profile_release(&p);
    tm_profile_release(&back);
}
