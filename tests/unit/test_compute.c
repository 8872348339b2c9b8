/* test_compute.c - the computations on planted fixtures: recall and precision of shared
 * and unique topics (a non-TEE domain), gap exclusions and counts, debug patterns. */
#include "harness.h"
#include "compute/compute.h"

#include <stdio.h>
#include <stdlib.h>

void test_overlap_finds_planted_topics(void);
void test_gap_excludes_covered_and_counts_mentions(void);
void test_debug_groups_patterns_and_rejects_noise(void);

static const char filler[] =
    "We should check the function that returns an error when the file is missing, then run "
    "the tests again and update the config so the build passes. ";

/* A profile from sessions: each session holds filler plus `reps` copies of its words. */
static void build(struct tm_profile *p, const struct tm_taxonomy *tax, const struct tm_background *bg,
                  const char *const *words, size_t nw, int sessions, int reps)
{
    struct tm_an *an = tm_an_new(tax, bg);
    tm_an_file(an);
    struct tm_buf b;
    tm_buf_init(&b);
    for (int s = 0; s < sessions; s++) {
        tm_an_unit(an, (uint32_t)s);
        for (int r = 0; r < reps; r++) {
            tm_buf_reset(&b);
            tm_buf_adds(&b, filler);
            for (size_t w = 0; w < nw; w++) {
                tm_buf_adds(&b, words[w]);
                tm_buf_adds(&b, ". ");
            }
            tm_an_text(an, b.ptr, b.len);
            tm_an_record_end(an);
        }
    }
    tm_buf_release(&b);
    tm_an_finish(an, 3, p);
    tm_an_free(an);
}

static int in_array(const cJSON *a, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
            return 1;
        if (cJSON_IsObject(it)) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "topic");
            if (cJSON_IsString(t) && !strcmp(t->valuestring, s))
                return 1;
        }
    }
    return 0;
}

void test_overlap_finds_planted_topics(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile a = {0}, b = {0};
    cJSON *res = NULL;
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    /* robotics: shared lidar odometry kalman slam; A adds gazebo urdf moveit; B ros2
     * costmap apriltag */
    static const char *const wa[] = {"lidar", "odometry", "kalman", "slam", "gazebo", "urdf", "moveit"};
    static const char *const wb[] = {"lidar", "odometry", "kalman", "slam", "ros2", "costmap", "apriltag"};
    build(&a, &tax, &bg, wa, 7, 5, 3);
    build(&b, &tax, &bg, wb, 7, 4, 3);
    struct tm_compute_in in = {&tax, &bg, {"a", "b"}, {&a, &b}, 2, NULL, {0}, {0}, NULL, NULL};
    res = tm_computation("overlap")->run(&in, &d);
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(res, "overlap");
    const cJSON *shared = cJSON_GetObjectItemCaseSensitive(o, "shared_topics");
    const cJSON *u1 = cJSON_GetObjectItemCaseSensitive(o, "unique_to_dataset_1");
    const cJSON *u2 = cJSON_GetObjectItemCaseSensitive(o, "unique_to_dataset_2");
    /* recall 1 and precision 1: exactly the planted terms, no filler vocabulary */
    CHECK_INT_EQ(cJSON_GetArraySize(shared), 4);
    for (int i = 0; i < 4; i++)
        CHECK(in_array(shared, wa[i]));
    CHECK_INT_EQ(cJSON_GetArraySize(u1), 3);
    CHECK_INT_EQ(cJSON_GetArraySize(u2), 3);
    for (int i = 4; i < 7; i++) {
        CHECK(in_array(u1, wa[i]));
        CHECK(in_array(u2, wb[i]));
    }
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "jaccard_similarity")->valuedouble == 0.4);
    CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(res, "insight")->valuestring, "complementary");
done:
    cJSON_Delete(res);
    tm_profile_release(&a);
    tm_profile_release(&b);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

void test_gap_excludes_covered_and_counts_mentions(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile target = {0}, mine = {0};
    cJSON *res = NULL;
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    static const char *const wt[] = {"enclave", "sgx", "mrenclave", "appauth", "kmsauth", "gramine"};
    static const char *const wm[] = {"enclave", "sgx", "mrenclave", "gramine"};
    build(&target, &tax, &bg, wt, 6, 4, 5); /* each word 20 times, in 4 sessions */
    build(&mine, &tax, &bg, wm, 4, 3, 2);
    struct tm_compute_in in = {&tax, &bg, {"t", "m"}, {&target, &mine}, 2, NULL, {0}, {0}, NULL, NULL};
    res = tm_computation("gap")->run(&in, &d);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(res, "gap_analysis");
    const cJSON *adv = cJSON_GetObjectItemCaseSensitive(g, "missing_advanced");
    const cJSON *mid = cJSON_GetObjectItemCaseSensitive(g, "missing_intermediate");
    const cJSON *cov = cJSON_GetObjectItemCaseSensitive(g, "beginner_covered");
    int oc = tm_taxonomy_find(&tax, "onchain_authorization"), sg = tm_taxonomy_find(&tax, "sgx");
    CHECK(oc >= 0 && sg >= 0);
    const char *onchain = tax.topics[oc].label, *sgx = tax.topics[sg].label;
    CHECK(in_array(adv, onchain));
    CHECK(!in_array(adv, sgx) && !in_array(mid, sgx)); /* mine covers SGX: never missing */
    CHECK(in_array(cov, sgx));
    const cJSON *e;
    cJSON_ArrayForEach(e, adv)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "topic")->valuestring, onchain))
            continue;
        CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(e, "mentions")->valuedouble, 40); /* 2 words x 20 */
        CHECK(in_array(cJSON_GetObjectItemCaseSensitive(e, "keywords"), "appauth"));
    }
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "recommended_next_topics")) >= 1);
done:
    cJSON_Delete(res);
    tm_profile_release(&target);
    tm_profile_release(&mine);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

static void episode(struct tm_an *an, const char *problem, uint32_t unit, uint32_t project,
                    const char *solution)
{
    struct tm_episode ep = {0};
    tm_an_unit(an, unit); /* the session's text holds the problem and the fix */
    tm_an_text(an, problem, strlen(problem));
    if (solution)
        tm_an_text(an, solution, strlen(solution));
    ep.problem = tm_xstrdup(problem);
    ep.signature = tm_xstrdup(problem);
    ep.unit = unit;
    ep.project = project;
    ep.resolved = solution != NULL;
    ep.solution = solution ? tm_xstrdup(solution) : NULL;
    ep.steps[ep.nsteps++] = tm_xstrdup("Checked the RTMR3 value");
    tm_an_add_episode(an, &ep);
}

void test_debug_groups_patterns_and_rejects_noise(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile p = {0};
    cJSON *res = NULL, *params = NULL;
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    struct tm_an *an = tm_an_new(&tax, &bg);
    episode(an, "Error: attestation verification failed: Could not decode Header::version", 1, 0, NULL);
    episode(an, "attestation verification failed: could not decode header version zqxmarker", 2, 0,
            "Decode the quote hex once");
    episode(an, "Error: attestation verification failed: Could not decode Header::version", 3, 1, NULL);
    episode(an, "npm ERR! code ERESOLVE unable to resolve dependency tree", 4, 1, NULL);
    episode(an, "npm ERR! code ERESOLVE unable to resolve dependency tree", 5, 1, NULL);
    tm_an_finish(an, 3, &p);
    tm_an_free(an);
    struct tm_compute_in in = {&tax, &bg, {"x"}, {&p}, 1, NULL, {0}, {0}, NULL, NULL};
    params = cJSON_Parse("{\"query\":\"attestation verification failed decode header\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    const cJSON *pats = cJSON_GetObjectItemCaseSensitive(res, "matching_patterns");
    CHECK_INT_EQ(cJSON_GetArraySize(pats), 1);
    const cJSON *p0 = cJSON_GetArrayItem(pats, 0);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(p0, "sessions")->valuedouble, 3);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(p0, "projects")->valuedouble, 2);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(p0, "frequency")->valuestring, "Seen 3 times in dataset");
    /* the fix's words seen in one session only ("hex") are not released */
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(p0, "solution")->valuestring, "Decode the quote ... once");
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(res, "sources")->valuestring,
                 "3 debugging sessions across 2 projects");
    CHECK_NOT_CONTAINS(cJSON_GetObjectItemCaseSensitive(p0, "problem")->valuestring, "zqxmarker");
    cJSON_Delete(res);
    cJSON_Delete(params);
    /* npm: seen in 2 sessions only, below k = 3: not released, and nothing says so */
    params = cJSON_Parse("{\"query\":\"npm ERESOLVE dependency tree\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "matching_patterns")), 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(res, "withheld_patterns") == NULL);
    char *npm = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    cJSON_Delete(params);
    /* membership: a word in 1 session, in k-1 sessions or absent gives the same result */
    static const char *const probes[] = {"{\"query\":\"attestation verification failed zqxmarker\"}",
                                         "{\"query\":\"attestation verification failed eresolve\"}",
                                         "{\"query\":\"attestation verification failed qqqabsent\"}"};
    char *outs[3];
    for (int i = 0; i < 3; i++) {
        params = cJSON_Parse(probes[i]);
        in.params = params;
        res = tm_computation("debug")->run(&in, &d);
        outs[i] = cJSON_PrintUnformatted(res);
        cJSON_Delete(res);
        cJSON_Delete(params);
    }
    res = params = NULL;
    CHECK_STR_EQ(outs[0], outs[2]);
    CHECK_STR_EQ(outs[1], outs[2]);
    for (int i = 0; i < 3; i++)
        free(outs[i]);
    /* and the npm probe (k-1 sessions) answers as a query of absent words does */
    params = cJSON_Parse("{\"query\":\"qqqabsent zzzabsent\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    char *absent = cJSON_PrintUnformatted(res);
    CHECK_STR_EQ(npm, absent);
    free(npm);
    free(absent);
    cJSON_Delete(res);
    cJSON_Delete(params);
    /* a query with no good match: empty, low confidence */
    params = cJSON_Parse("{\"query\":\"kubernetes pod eviction memory pressure\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "matching_patterns")), 0);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(res, "confidence")->valuestring, "low");
done:
    cJSON_Delete(res);
    cJSON_Delete(params);
    tm_profile_release(&p);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

void test_gap_levels_from_the_market(void);

/* Without a taxonomy, a missing term's level comes from the market: what several datasets
 * know is intermediate, what only the target knows is advanced; with too few datasets to
 * judge (common == NULL) both stay in missing_other. */
void test_gap_levels_from_the_market(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile target = {0}, mine = {0};
    struct tm_map common;
    cJSON *res = NULL, *res2 = NULL;
    tm_map_init(&common);
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    static const char *const wt[] = {"lidar", "odometry", "costmap", "apriltag"};
    static const char *const wm[] = {"lidar", "odometry"};
    build(&target, &tax, &bg, wt, 4, 4, 5);
    build(&mine, &tax, &bg, wm, 2, 3, 2);
    (void)tm_map_intern(&common, "costmap", 7, NULL); /* another dataset knows costmaps too */
    struct tm_compute_in in = {&tax, &bg, {"t", "m"}, {&target, &mine}, 2, NULL, {0}, {0}, NULL, &common};
    res = tm_computation("gap")->run(&in, &d);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(res, "gap_analysis");
    const cJSON *mid = cJSON_GetObjectItemCaseSensitive(g, "missing_intermediate");
    const cJSON *adv = cJSON_GetObjectItemCaseSensitive(g, "missing_advanced");
    const cJSON *oth = cJSON_GetObjectItemCaseSensitive(g, "missing_other");
    CHECK(in_array(mid, "costmap") && !in_array(adv, "costmap"));
    CHECK(in_array(adv, "apriltag") && !in_array(mid, "apriltag"));
    CHECK(!in_array(mid, "lidar") && !in_array(adv, "lidar")); /* mine knows it */
    CHECK_INT_EQ(cJSON_GetArraySize(oth), 0);
    /* the next topics start with the intermediate one */
    CHECK_STR_EQ(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "recommended_next_topics"), 0)->valuestring,
                 "costmap");
    in.common = NULL;
    res2 = tm_computation("gap")->run(&in, &d);
    g = cJSON_GetObjectItemCaseSensitive(res2, "gap_analysis");
    oth = cJSON_GetObjectItemCaseSensitive(g, "missing_other");
    CHECK(in_array(oth, "costmap") && in_array(oth, "apriltag"));
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "missing_advanced")), 0);
done:
    cJSON_Delete(res);
    cJSON_Delete(res2);
    tm_map_release(&common);
    tm_profile_release(&target);
    tm_profile_release(&mine);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

void test_debug_releases_steps_and_solution_in_shape(void);

/* An episode of session and project u, its text said in the session; prompt and
 * solution may be NULL (unresolved without a solution). */
static void full_episode(struct tm_an *an, uint32_t u, const char *problem, const char *prompt,
                         const char *solution, const char *const *steps, size_t nsteps)
{
    struct tm_episode ep = {0};
    const char *said[2] = {prompt, solution};
    tm_an_unit(an, u);
    tm_an_text(an, problem, strlen(problem));
    for (int i = 0; i < 2; i++)
        if (said[i])
            tm_an_text(an, said[i], strlen(said[i]));
    for (size_t i = 0; i < nsteps; i++) {
        tm_an_text(an, steps[i], strlen(steps[i]));
        ep.steps[ep.nsteps++] = tm_xstrdup(steps[i]);
    }
    ep.problem = tm_xstrdup(problem);
    ep.prompt = prompt ? tm_xstrdup(prompt) : NULL;
    ep.signature = tm_xstrdup(problem);
    ep.unit = u;
    ep.project = u;
    ep.resolved = solution != NULL;
    ep.solution = solution ? tm_xstrdup(solution) : NULL;
    tm_an_add_episode(an, &ep);
}

/* Steps are released as short past-tense lines and the solution as an imperative, from
 * released words only: asides dropped, "Found it" dropped, a tool's description made past. */
void test_debug_releases_steps_and_solution_in_shape(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile p = {0};
    cJSON *res = NULL, *params = NULL;
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    struct tm_an *an = tm_an_new(&tax, &bg);
    static const char problem[] = "quote rejected: rtmr3 does not match the expected value";
    static const char solution[] = "I pinned the new compose hash and redeployed the cvm (took a while)";
    static const char *const steps[] = {"Ran: Query the registry for the hash", "Found it. The hash differs",
                                        "Compared rtmr3 with the pinned value (twice)"};
    for (uint32_t u = 1; u <= 3; u++)
        full_episode(an, u, problem, NULL, solution, steps, 3);
    tm_an_finish(an, 3, &p);
    tm_an_free(an);
    struct tm_compute_in in = {&tax, &bg, {"x"}, {&p}, 1, NULL, {0}, {0}, NULL, NULL};
    params = cJSON_Parse("{\"query\":\"quote rejected rtmr3 does not match\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    const cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "matching_patterns"), 0);
    CHECK(p0 != NULL);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(p0, "solution")->valuestring,
                 "Pin the new compose hash and redeploy the cvm");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(p0, "investigation_steps");
    CHECK_INT_EQ(cJSON_GetArraySize(st), 2);
    CHECK_STR_EQ(cJSON_GetArrayItem(st, 0)->valuestring, "Queried the registry for the hash");
    CHECK_STR_EQ(cJSON_GetArrayItem(st, 1)->valuestring, "Compared rtmr3 with the pinned value");
    cJSON_Delete(res);
    cJSON_Delete(params);
    res = params = NULL;
    tm_profile_release(&p);
    /* verbs English does not know keep their silent e; names keep their case; words that
     * only end like a verb form ("during") are not verbs */
    an = tm_an_new(&tax, &bg);
    static const char problem2[] = "quote parse failed: unexpected header version";
    static const char solution2[] = "Rebased onto main during the freeze, tokenized the TDX quote and proceeded";
    for (uint32_t u = 1; u <= 3; u++)
        full_episode(an, u, problem2, NULL, solution2, NULL, 0);
    tm_an_finish(an, 3, &p);
    tm_an_free(an);
    params = cJSON_Parse("{\"query\":\"quote parse failed unexpected header version\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "matching_patterns"), 0);
    CHECK(p0 != NULL);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(p0, "solution")->valuestring,
                 "Rebase onto main during the freeze, tokenize the TDX quote and proceed");
done:
    cJSON_Delete(res);
    cJSON_Delete(params);
    tm_profile_release(&p);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

void test_debug_frequency_does_not_depend_on_the_query(void);

/* Two clusters whose problems read the same (one adds a word) are one pattern whatever
 * the query: asked in words both share or in the word only one has, it was seen in the
 * same 6 sessions. */
void test_debug_frequency_does_not_depend_on_the_query(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile p = {0};
    cJSON *res = NULL, *params = NULL;
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    struct tm_an *an = tm_an_new(&tax, &bg);
    for (uint32_t u = 1; u <= 3; u++)
        episode(an, "bam index failed: file not sorted by coordinate", u, u, "Sort the bam file first");
    for (uint32_t u = 4; u <= 6; u++)
        episode(an, "bam index failed: file not sorted by coordinate position", u, u, "Sort the bam file first");
    tm_an_finish(an, 3, &p);
    tm_an_free(an);
    CHECK_INT_EQ(p.nepisodes, 2); /* two clusters at onboarding */
    struct tm_compute_in in = {&tax, &bg, {"x"}, {&p}, 1, NULL, {0}, {0}, NULL, NULL};
    static const char *const queries[] = {"{\"query\":\"bam index failed not sorted\"}", "{\"query\":\"position\"}"};
    for (int i = 0; i < 2; i++) {
        params = cJSON_Parse(queries[i]);
        in.params = params;
        res = tm_computation("debug")->run(&in, &d);
        const cJSON *pats = cJSON_GetObjectItemCaseSensitive(res, "matching_patterns");
        CHECK_INT_EQ(cJSON_GetArraySize(pats), 1);
        CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(pats, 0), "sessions")->valuedouble, 6);
        cJSON_Delete(res);
        cJSON_Delete(params);
        res = params = NULL;
    }
done:
    cJSON_Delete(res);
    cJSON_Delete(params);
    tm_profile_release(&p);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

void test_debug_finds_patterns_by_the_users_words(void);

/* BM25F: the user's report of a problem finds it even when the tool's error says it in
 * other words; words found only in the investigation steps do not make a match. */
void test_debug_finds_patterns_by_the_users_words(void)
{
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile p = {0};
    cJSON *res = NULL, *params = NULL;
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    struct tm_an *an = tm_an_new(&tax, &bg);
    static const char problem[] = "Error: ENOSPC: no space left on device, write";
    static const char prompt[] = "the nightly backup dies when the volume fills up";
    static const char step[] = "Checked the snapshot retention";
    static const char *const steps[] = {step};
    for (uint32_t u = 1; u <= 3; u++)
        full_episode(an, u, problem, prompt, NULL, steps, 1);
    tm_an_finish(an, 3, &p);
    tm_an_free(an);
    struct tm_compute_in in = {&tax, &bg, {"x"}, {&p}, 1, NULL, {0}, {0}, NULL, NULL};
    params = cJSON_Parse("{\"query\":\"nightly backup dies, volume fills up\"}");
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    const cJSON *pats = cJSON_GetObjectItemCaseSensitive(res, "matching_patterns");
    CHECK_INT_EQ(cJSON_GetArraySize(pats), 1);
    CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(pats, 0), "problem")->valuestring, "ENOSPC");
    char *out = cJSON_PrintUnformatted(pats);
    int leaked = strstr(out, "nightly") != NULL; /* the report is searched, never released */
    free(out);
    CHECK(!leaked);
    cJSON_Delete(res);
    cJSON_Delete(params);
    params = cJSON_Parse("{\"query\":\"snapshot retention\"}"); /* the steps' words alone */
    in.params = params;
    res = tm_computation("debug")->run(&in, &d);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "matching_patterns")), 0);
done:
    cJSON_Delete(res);
    cJSON_Delete(params);
    tm_profile_release(&p);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}
