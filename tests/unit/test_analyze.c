/* test_analyze.c - counting, ranking, the k-threshold and the identity filters. */
#include "harness.h"
#include "pipeline/profile.h"
#include "pipeline/scrub.h"
#include "pipeline/taxonomy.h"
#include "pipeline/text.h"

#include <stdlib.h>

void test_analyze_k_threshold_counts_sessions(void);
void test_analyze_generic_words_are_never_expertise(void);
void test_analyze_interleaved_sessions_counted_exactly(void);
void test_analyze_identity_words_withheld(void);
void test_analyze_word_cache_tells_runs_apart(void);

static const struct tm_pterm *term(const struct tm_profile *p, const char *t)
{
    for (size_t i = 0; i < p->nterms; i++)
        if (!strcmp(p->terms[i].term, t))
            return &p->terms[i];
    return NULL;
}

static void text(struct tm_an *an, unsigned unit, const char *s)
{
    tm_an_unit(an, unit);
    tm_an_text(an, s, strlen(s));
    tm_an_record_end(an);
}

void test_analyze_k_threshold_counts_sessions(void)
{
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile p = {0};
    struct tm_an *an = NULL;
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    an = tm_an_new(NULL, &bg);
    tm_an_file(an);
    for (unsigned s = 0; s < 3; s++)
        text(an, s, "The zorbulator quote needs a fresh gribblewick value.");
    for (int i = 0; i < 40; i++) /* frequent, but in one session only */
        text(an, 0, "flumpish flumpish");
    text(an, 1, "gribblewick again");
    tm_an_finish(an, 3, &p);
    const struct tm_pterm *z = term(&p, "zorbulator"), *f = term(&p, "flumpish");
    const struct tm_pterm *g = term(&p, "gribblewick");
    CHECK(z && (z->flags & TM_T_PUBLIC));
    CHECK_INT_EQ(z->df, 3);
    CHECK_INT_EQ(g->mentions, 4);
    CHECK(!f || !(f->flags & TM_T_PUBLIC)); /* 80 mentions, 1 session: withheld */
    tm_profile_release(&p);
    tm_an_free(an);
    an = tm_an_new(NULL, &bg);
    tm_an_file(an);
    for (unsigned s = 0; s < 3; s++)
        text(an, s, "zorbulator");
    tm_an_finish(an, 4, &p); /* k = 4: three sessions are not enough */
    CHECK(!(term(&p, "zorbulator")->flags & TM_T_PUBLIC));
done:
    tm_profile_release(&p);
    tm_an_free(an);
    tm_background_release(&bg);
}

void test_analyze_generic_words_are_never_expertise(void)
{
    struct tm_background bg;
    struct tm_diag d;
    struct tm_profile p = {0};
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    CHECK(bg.total > 1000000); /* the shipped model is real */
    struct tm_an *an = tm_an_new(NULL, &bg);
    tm_an_file(an);
    for (unsigned s = 0; s < 6; s++)
        for (int i = 0; i < 20; i++)
            text(an, s, "The function in this file returns an error when the tests fail; "
                        "check the attestation quote and the enclave measurement.");
    tm_an_finish(an, 3, &p);
    static const char *const generic[] = {"function", "file", "error", "test", "return", "fail"};
    static const char *const expert[] = {"attestation", "enclave", "measurement"};
    for (size_t i = 0; i < sizeof generic / sizeof *generic; i++) {
        const struct tm_pterm *t = term(&p, generic[i]);
        if (t && !(t->flags & TM_T_GENERIC))
            FAILF("'%s' counted as expertise", generic[i]);
    }
    for (size_t i = 0; i < sizeof expert / sizeof *expert; i++) {
        const struct tm_pterm *t = term(&p, expert[i]);
        if (!t || (t->flags & TM_T_GENERIC) || !(t->flags & TM_T_PUBLIC))
            FAILF("'%s' not distinctive", expert[i]);
    }
    const struct tm_pterm *top[5];
    size_t n = tm_profile_top(&p, top, 5);
    CHECK(n >= 2);
    for (size_t i = 0; i < n; i++)
        CHECK(strcmp(top[i]->term, "function") && strcmp(top[i]->term, "file"));
    tm_profile_release(&p);
    tm_an_free(an);
done:
    tm_background_release(&bg);
}

void test_analyze_interleaved_sessions_counted_exactly(void)
{
    struct tm_profile p = {0};
    struct tm_an *an = tm_an_new(NULL, NULL);
    tm_an_file(an);
    /* sessions 0 and 1 alternate inside one file (as in a real transcript) */
    for (int i = 0; i < 10; i++) {
        text(an, 0, "wobbler");
        text(an, 1, "wobbler");
    }
    tm_an_file(an);
    text(an, 2, "wobbler");
    tm_an_finish(an, 3, &p);
    CHECK_INT_EQ(term(&p, "wobbler")->df, 3);
    CHECK_INT_EQ(p.revisits, 0);
    tm_profile_release(&p);
    tm_an_free(an);
    /* a session coming back in a later file is a revisit: df stays an upper bound */
    an = tm_an_new(NULL, NULL);
    tm_an_file(an);
    text(an, 0, "wobbler");
    tm_an_file(an);
    text(an, 1, "wobbler");
    tm_an_file(an);
    text(an, 0, "wobbler");
    tm_an_finish(an, 2, &p);
    CHECK(term(&p, "wobbler")->df <= 2);
    CHECK_INT_EQ(p.revisits, 1);
done:
    tm_profile_release(&p);
    tm_an_free(an);
}

void test_analyze_identity_words_withheld(void)
{
    struct tm_profile p = {0};
    struct tm_an *an = tm_an_new(NULL, NULL);
    tm_an_file(an);
    tm_scrub_harvest_path(tm_an_deny_strict(an), tm_an_deny_soft(an),
                          "/Users/qqalice/code/zebracorn", 29);
    for (unsigned s = 0; s < 4; s++)
        text(an, s, "zebracorn qqalice attestation zebracorn_api");
    tm_an_finish(an, 3, &p);
    CHECK(term(&p, "zebracorn")->flags & TM_T_DENIED);
    CHECK(term(&p, "qqalice")->flags & TM_T_DENIED);
    CHECK(!(term(&p, "attestation")->flags & TM_T_DENIED));
    const struct tm_pterm *top[10];
    size_t n = tm_profile_top(&p, top, 10);
    for (size_t i = 0; i < n; i++)
        CHECK(!strstr(top[i]->term, "zebracorn") && !strstr(top[i]->term, "qqalice"));
done:
    tm_profile_release(&p);
    tm_an_free(an);
}

void test_analyze_taxonomy_terms_are_canonical(void);
void test_analyze_identifier_trigrams(void);

/* Every taxonomy term must be what the tokenizer makes of it, or it can never match. */
void test_analyze_taxonomy_terms_are_canonical(void)
{
    struct tm_taxonomy t;
    struct tm_diag d;
    CHECK_INT_EQ(tm_taxonomy_load(&t, &d), TM_OK);
    CHECK(t.ntopics >= 14);
    for (size_t i = 0; i < t.ntopics; i++)
        for (size_t j = 0; j < t.topics[i].nterms; j++) {
            char out[128];
            const char *w = t.topics[i].terms[j];
            tm_canon(w, strlen(w), out, sizeof out);
            if (strcmp(out, w))
                FAILF("taxonomy term '%s' (%s) canonicalises to '%s'", w, t.topics[i].id, out);
            size_t us = 0;
            for (const char *c = w; *c; c++)
                us += *c == '_';
            if (us > 2)
                FAILF("taxonomy term '%s' has more than three words", w);
        }
done:
    tm_taxonomy_release(&t);
}

void test_analyze_identifier_trigrams(void)
{
    struct tm_profile p = {0};
    struct tm_an *an = tm_an_new(NULL, NULL);
    tm_an_file(an);
    for (unsigned s = 0; s < 3; s++)
        text(an, s, "export SOURCE_DATE_EPOCH=0; the source date epoch matters");
    tm_an_finish(an, 2, &p);
    const struct tm_pterm *t = term(&p, "source_date_epoch");
    CHECK(t != NULL);
    CHECK_INT_EQ(t->mentions, 3); /* the identifier only, not the prose */
    CHECK_INT_EQ(term(&p, "source_date")->mentions, 6);
done:
    tm_profile_release(&p);
    tm_an_free(an);
}

void test_analyze_episodes_cluster_by_problem(void);
void test_analyze_plural_only_words_keep_their_name(void);

static void episode(struct tm_an *an, const char *sig, uint32_t unit, uint32_t project,
                    const char *solution)
{
    struct tm_episode ep = {0};
    ep.problem = tm_xstrdup(sig);
    ep.signature = tm_xstrdup(sig);
    ep.unit = unit;
    ep.project = project;
    ep.resolved = solution != NULL;
    ep.solution = solution ? tm_xstrdup(solution) : NULL;
    tm_an_add_episode(an, &ep);
}

void test_analyze_episodes_cluster_by_problem(void)
{
    struct tm_profile p = {0};
    struct tm_an *an = tm_an_new(NULL, NULL);
    episode(an, "attestation verification failed", 1, 0, NULL);
    episode(an, "attestation verification failed", 1, 0, NULL); /* same session again */
    episode(an, "tls handshake error", 2, 0, "pin the ca");
    episode(an, "attestation verification failed", 3, 1, "whitelist the compose hash");
    episode(an, "attestation verification failed", 4, 1, NULL);
    tm_an_finish(an, 2, &p);
    CHECK_INT_EQ(p.nepisodes, 2);
    const struct tm_episode *a = !strcmp(p.episodes[0].signature, "tls handshake error")
                                     ? &p.episodes[1] : &p.episodes[0];
    CHECK_INT_EQ(a->count, 4);
    CHECK_INT_EQ(a->sessions, 3);
    CHECK_INT_EQ(a->nprojects, 2);
    CHECK_STR_EQ(a->solution, "whitelist the compose hash"); /* the resolved one represents */
done:
    tm_profile_release(&p);
    tm_an_free(an);
}

/* The word cache compares short runs as overlapping words: two runs of one length that
 * differ in any single byte must never share an entry. */
void test_analyze_word_cache_tells_runs_apart(void)
{
    static const size_t lens[] = {2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24};
    const char *letters = "zqxjkvbwpfghmntyuioaelcdr";
    struct tm_an *an = tm_an_new(NULL, NULL);
    char base[32], var[32], buf[256];
    tm_an_file(an);
    tm_an_unit(an, 0);
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
        size_t n = lens[l];
        memcpy(base, letters, n);
        base[n] = 0;
        for (size_t k = 0; k < n; k++) {
            memcpy(var, base, n + 1);
            var[k] = 'q' == base[k] ? 'x' : 'q';
            snprintf(buf, sizeof buf, "%s %s %s %s %s", base, var, base, var, base);
            tm_an_text(an, buf, strlen(buf));
            CHECK_INT_EQ(harness_mentions(an, var, 0), 2); /* each variant only here, twice */
        }
        CHECK_INT_EQ(harness_mentions(an, base, 0), 3 * n);
    }
done:
    tm_an_free(an);
}

/* A word only ever written as a plural is a name and keeps its plural (samtools,
 * bcftools); one also written in the singular is folded (quotes + quote -> quote). */
void test_analyze_plural_only_words_keep_their_name(void)
{
    struct tm_profile p = {0};
    struct tm_an *an = tm_an_new(NULL, NULL);
    for (unsigned s = 0; s < 3; s++) {
        text(an, s, "ran samtools and bcftools over the quotes");
        text(an, s, "one quote was bad; the libraries were fine");
    }
    tm_an_finish(an, 2, &p);
    CHECK(term(&p, "samtools") != NULL);
    CHECK(term(&p, "samtool") == NULL);
    CHECK(term(&p, "bcftools") != NULL);
    CHECK(term(&p, "quote") != NULL);
    CHECK_INT_EQ(term(&p, "quote")->mentions, 6);
    CHECK(term(&p, "quotes") == NULL);
    CHECK(term(&p, "libraries") != NULL); /* plural-only: ies restored */
done:
    tm_profile_release(&p);
    tm_an_free(an);
}

void test_analyze_parts_of_speech_and_parts(void);
void test_analyze_lexicon_parse_rejects_bad_lines(void);

/* The part-of-speech prior and "never count both", on a conversation that repeats its
 * everyday words as often as its topics. */
void test_analyze_parts_of_speech_and_parts(void)
{
    struct tm_background bg;
    struct tm_taxonomy tax;
    struct tm_diag d;
    struct tm_profile p = {0};
    struct tm_an *an = NULL;
    CHECK_INT_EQ(tm_background_load(&bg, &d), TM_OK);
    CHECK_INT_EQ(tm_taxonomy_load(&tax, &d), TM_OK);
    /* the shipped lexicon: verbs, adjectives, adverbs are not nouns; unknown words are */
    CHECK(tm_background_noun_pct(&bg, "explain", 7) < 20);
    CHECK(tm_background_noun_pct(&bg, "reasonable", 10) < 20);
    CHECK(tm_background_noun_pct(&bg, "together", 8) < 20);
    CHECK(tm_background_noun_pct(&bg, "checked", 7) < 20);
    CHECK_INT_EQ(tm_background_noun_pct(&bg, "haplotype", 9), 100);
    CHECK_INT_EQ(tm_background_noun_pct(&bg, "costmap", 7), 100);
    CHECK(tm_background_adj_pct(&bg, "structural", 10) >= 20);
    an = tm_an_new(&tax, &bg);
    tm_an_file(an);
    for (unsigned s = 0; s < 6; s++)
        for (int i = 0; i < 6; i++) {
            text(an, s, "That looks reasonable, let me explain how the haplotype phasing fits together; "
                        "I checked the duplicate marking step.");
            text(an, s, "We run SLAM on the lidar; the tdx module measured the structural variant.");
        }
    tm_an_finish(an, 3, &p);
    static const char *const not_topics[] = {"reasonable", "explain", "together", "checked", "fit"};
    for (size_t i = 0; i < sizeof not_topics / sizeof *not_topics; i++) {
        const struct tm_pterm *t = term(&p, not_topics[i]);
        if (t && !(t->flags & TM_T_NOTOPIC))
            FAILF("'%s' is a topic", not_topics[i]);
    }
    static const char *const topics[] = {"haplotype_phasing", "duplicate_marking", "slam", "lidar",
                                         "structural_variant"};
    for (size_t i = 0; i < sizeof topics / sizeof *topics; i++) {
        const struct tm_pterm *t = term(&p, topics[i]);
        if (!t || (t->flags & TM_T_NOTOPIC) || !(t->flags & TM_T_PUBLIC))
            FAILF("'%s' is not a topic", topics[i]);
    }
    /* the phrase carries every use of its words: they are parts, not topics of their own */
    static const char *const parts[] = {"duplicate", "marking", "haplotype", "phasing"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (!term(&p, parts[i]) || !(term(&p, parts[i])->flags & TM_T_PART))
            FAILF("'%s' is not a part of its phrase", parts[i]);
    CHECK(term(&p, "structural") && (term(&p, "structural")->flags & TM_T_NOTOPIC));
    /* "tdx module" is one mention of Intel TDX (36 sentences), not two */
    int tdx = tm_taxonomy_find(&tax, "tdx");
    CHECK(tdx >= 0);
    int found = 0;
    for (size_t i = 0; i < p.ntopics; i++)
        if (p.topics[i].topic == tdx) {
            CHECK_INT_EQ(p.topics[i].mentions, 36);
            found = 1;
        }
    CHECK(found);
done:
    tm_profile_release(&p);
    tm_an_free(an);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
}

void test_analyze_lexicon_parse_rejects_bad_lines(void)
{
    static const char *const bad[] = {"word\t50\n", "word\t50\t\n", "word\t101\t0\n", "\t5\t5\n",
                                      "word\tx\t1\n", "word\t5\t5\t5\n", "word\t1234\t0\n"};
    struct tm_diag d;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct tm_background bg = {0};
        tm_map_init(&bg.terms);
        tm_map_init(&bg.lex);
        if (tm_lexicon_parse(&bg, bad[i], strlen(bad[i]), &d) != TM_EPARSE)
            FAILF("lexicon line %zu accepted", i);
        tm_background_release(&bg);
    }
    struct tm_background bg = {0};
    tm_map_init(&bg.terms);
    tm_map_init(&bg.lex);
    static const char good[] = "# comment\nrun\t12\t0\nquick\t2\t80\n\nlast\t40\t55";
    CHECK_INT_EQ(tm_lexicon_parse(&bg, good, sizeof good - 1, &d), TM_OK);
    CHECK_INT_EQ(tm_background_noun_pct(&bg, "run", 3), 12);
    CHECK_INT_EQ(tm_background_adj_pct(&bg, "quick", 5), 80);
    CHECK_INT_EQ(tm_background_noun_pct(&bg, "last", 4), 40);
    CHECK_INT_EQ(tm_background_noun_pct(&bg, "lidar", 5), 100);
    CHECK_INT_EQ(tm_background_adj_pct(&bg, "lidar", 5), 0);
done:
    tm_background_release(&bg);
}
