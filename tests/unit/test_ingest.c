/* test_ingest.c - the log reader on messy input: what is counted, split, skipped. */
#include "harness.h"
#include "pipeline/ingest.h"
#include "pipeline/profile.h"

#include <stdlib.h>

void test_ingest_splits_back_to_back_objects(void);
void test_ingest_counts_and_skips_malformed_lines(void);
void test_ingest_handles_bom_crlf_blank_and_no_final_newline(void);
void test_ingest_counts_unknown_kinds_and_reads_generic_text(void);
void test_ingest_huge_line(void);
void test_utf8_validation(void);
void test_ingest_depth_cuts_the_pipeline(void);
void test_ingest_episodes_steps_and_fixes(void);

struct warns {
    int n;
    char last[512];
};

static void on_warn(void *ctx, const char *msg)
{
    struct warns *w = ctx;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static uint64_t type_count(const struct tm_volume *v, const char *t)
{
    uint32_t i = tm_map_find(&v->types, t, strlen(t));
    return i == UINT32_MAX ? 0 : v->type_counts[i];
}


/* How often the analyser counted term in the text of buf. */
static uint64_t mentions(const char *buf, const char *term)
{
    struct tm_an *an = tm_an_new(NULL, NULL);
    struct tm_ingest *ing = tm_ingest_new(an, NULL);
    tm_ingest_buffer(ing, "t.jsonl", buf, strlen(buf));
    tm_ingest_free(ing);
    uint64_t m = harness_mentions(an, term, 1);
    tm_an_free(an);
    return m;
}

void test_ingest_splits_back_to_back_objects(void)
{
    static const char buf[] =
        "{\"type\":\"user\",\"sessionId\":\"a\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}"
        "{\"type\":\"summary\",\"summary\":\"title\"}\n"
        "{\"type\":\"progress\",\"sessionId\":\"a\"} {\"type\":\"system\",\"sessionId\":\"b\"}\n";
    struct warns w = {0};
    struct tm_ingest_hooks h = {&w, NULL, on_warn, NULL};
    struct tm_ingest *ing = tm_ingest_new(NULL, &h);
    tm_ingest_buffer(ing, "x.jsonl", buf, strlen(buf));
    const struct tm_volume *v = tm_ingest_volume(ing);
    CHECK_INT_EQ(v->records, 4);
    CHECK_INT_EQ(v->malformed, 0);
    CHECK_INT_EQ(type_count(v, "summary"), 1);
    CHECK_INT_EQ(type_count(v, "system"), 1);
    CHECK_INT_EQ(v->sessions, 2);
    CHECK_INT_EQ(w.n, 0);
done:
    tm_ingest_free(ing);
}

void test_ingest_counts_and_skips_malformed_lines(void)
{
    static const char buf[] =
        "{\"type\":\"user\",\"sessionId\":\"a\"}\n"
        "{\"type\":\"user\",\"sessio\n"                     /* truncated */
        "[1,2,3]\n"                                          /* not an object */
        "{\"type\":\"user\",\"x\":\"\xc3\x28\"}\n"           /* invalid UTF-8 */
        "{\"type\":\"user\",\"x\":\"\xed\xa0\x80\"}\n"       /* encoded surrogate */
        "{\"type\":\"assistant\",\"sessionId\":\"a\"}{\"broken\n" /* one good, then junk */
        "{\"type\":\"user\",\"sessionId\":\"a\"}\n";
    struct warns w = {0};
    struct tm_ingest_hooks h = {&w, NULL, on_warn, NULL};
    struct tm_ingest *ing = tm_ingest_new(NULL, &h);
    tm_ingest_buffer(ing, "bad.jsonl", buf, strlen(buf));
    const struct tm_volume *v = tm_ingest_volume(ing);
    CHECK_INT_EQ(v->records, 3);
    CHECK_INT_EQ(v->malformed, 5);
    CHECK_INT_EQ(w.n, 5);
    CHECK_CONTAINS(w.last, "bad.jsonl:6:"); /* file and line, no content */
    CHECK_NOT_CONTAINS(w.last, "broken");
done:
    tm_ingest_free(ing);
}

void test_ingest_handles_bom_crlf_blank_and_no_final_newline(void)
{
    static const char buf[] =
        "\xef\xbb\xbf{\"type\":\"user\",\"sessionId\":\"a\",\"timestamp\":\"2026-01-01T00:00:00Z\"}\r\n"
        "\n   \n"
        "{\"type\":\"user\",\"sessionId\":\"a\",\"timestamp\":\"2026-01-03T00:00:00+01:00\"}";
    struct tm_ingest *ing = tm_ingest_new(NULL, NULL);
    tm_ingest_buffer(ing, "x.jsonl", buf, strlen(buf));
    const struct tm_volume *v = tm_ingest_volume(ing);
    CHECK_INT_EQ(v->records, 2);
    CHECK_INT_EQ(v->malformed, 0);
    CHECK_INT_EQ(v->active_days, 2);
    CHECK_INT_EQ(tm_day_of(v->last_ms) - tm_day_of(v->first_ms), 1); /* 01-02T23:00Z */
done:
    tm_ingest_free(ing);
}

void test_ingest_counts_unknown_kinds_and_reads_generic_text(void)
{
    static const char claude[] =
        "{\"type\":\"user\",\"sessionId\":\"a\",\"message\":{\"role\":\"user\",\"content\":\"zebra attestation\"}}\n"
        "{\"type\":\"brand-new-kind\",\"sessionId\":\"a\",\"text\":\"quokka\"}\n"
        "{\"type\":\"user\",\"isMeta\":true,\"sessionId\":\"a\",\"message\":{\"role\":\"user\",\"content\":\"metaword\"}}\n"
        "{\"type\":\"user\",\"sessionId\":\"a\",\"message\":{\"role\":\"user\",\"content\":\"<system-reminder>harnessword</system-reminder>\"}}\n"
        "{\"type\":\"user\",\"sessionId\":\"a\",\"message\":{\"role\":\"user\",\"content\":\"keepword <system-reminder>spanword</system-reminder> tailword\"}}\n"
        "{\"type\":\"assistant\",\"sessionId\":\"a\",\"message\":{\"role\":\"assistant\",\"content\":["
        "{\"type\":\"thinking\",\"thinking\":\"pondering\",\"signature\":\"sigword\"},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{\"command\":\"cargo nextest\"}}]}}\n"
        "{\"type\":\"user\",\"sessionId\":\"a\",\"toolUseResult\":{\"stdout\":\"dupword\"},\"message\":{\"role\":\"user\",\"content\":["
        "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"Exit code 1\\nerror: flaky widget\",\"is_error\":true}]}}\n"
        "{\"type\":\"progress\",\"sessionId\":\"a\",\"data\":{\"message\":{\"content\":\"progressword\"}}}\n";
    struct tm_ingest *ing = tm_ingest_new(NULL, NULL);
    tm_ingest_buffer(ing, "x.jsonl", claude, strlen(claude));
    const struct tm_volume *v = tm_ingest_volume(ing);
    CHECK_INT_EQ(v->records, 8);
    CHECK_INT_EQ(v->unknown_kinds, 1);
    CHECK_INT_EQ(type_count(v, "brand-new-kind"), 0); /* unknown types count as "other" */
    CHECK_INT_EQ(type_count(v, "other"), 1);
    CHECK_INT_EQ(v->tool_errors, 1);
    CHECK_INT_EQ(mentions(claude, "zebra"), 1);
    CHECK_INT_EQ(mentions(claude, "quokka"), 1);    /* unknown kind: generic text field */
    CHECK_INT_EQ(mentions(claude, "pondering"), 1); /* thinking counts */
    CHECK_INT_EQ(mentions(claude, "nextest"), 1);   /* tool input counts */
    CHECK_INT_EQ(mentions(claude, "widget"), 0);    /* tool output is not what was worked on */
    CHECK_INT_EQ(mentions(claude, "keepword"), 1);  /* a reminder appended to a prompt is cut out, */
    CHECK_INT_EQ(mentions(claude, "tailword"), 1);  /* the prompt around it stays */
    CHECK_INT_EQ(mentions(claude, "spanword"), 0);
    CHECK_INT_EQ(mentions(claude, "metaword"), 0);  /* isMeta does not */
    CHECK_INT_EQ(mentions(claude, "harnessword"), 0);
    CHECK_INT_EQ(mentions(claude, "sigword"), 0);   /* signatures are not text */
    CHECK_INT_EQ(mentions(claude, "dupword"), 0);   /* toolUseResult duplicates */
    CHECK_INT_EQ(mentions(claude, "progressword"), 0);
    CHECK_INT_EQ(mentions("{\"text\":\"plain quokka\"}\n{\"content\":\"more quokka\"}\n"
                          "{\"message\":\"quokka again\"}\n", "quokka"), 3);
done:
    tm_ingest_free(ing);
}

void test_ingest_huge_line(void)
{
    size_t n = 420000;
    char *buf = malloc(n + 200);
    int o = snprintf(buf, 200, "{\"type\":\"user\",\"sessionId\":\"a\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"data\":\"");
    memset(buf + o, 'A', n);
    strcpy(buf + o + n, "\"}}]}}\n{\"type\":\"user\",\"sessionId\":\"a\"}\n");
    struct tm_ingest *ing = tm_ingest_new(NULL, NULL);
    tm_ingest_buffer(ing, "x.jsonl", buf, strlen(buf));
    const struct tm_volume *v = tm_ingest_volume(ing);
    CHECK_INT_EQ(v->records, 2);
    CHECK_INT_EQ(v->malformed, 0);
    CHECK_INT_EQ(mentions(buf, "aaaa"), 0); /* images are not text */
done:
    tm_ingest_free(ing);
    free(buf);
}

void test_utf8_validation(void)
{
    CHECK(tm_utf8_valid("plain ascii", 11));
    CHECK(tm_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    CHECK(!tm_utf8_valid("\xc0\xaf", 2));          /* overlong */
    CHECK(!tm_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
    CHECK(!tm_utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
    CHECK(!tm_utf8_valid("\xe2\x82", 2));          /* truncated */
    CHECK(!tm_utf8_valid("abcdefgh\xff", 9));
    /* past the 32- and 8-byte ASCII steps: a bad or a good sequence at every offset */
    for (size_t at = 0; at + 2 <= 80; at++) {
        char b[80];
        memset(b, 'a', sizeof b);
        b[at] = (char)0xff;
        if (tm_utf8_valid(b, sizeof b))
            FAILF("0xff at %zu passed", at);
        b[at] = (char)0xc3;
        b[at + 1] = (char)0xa9;
        if (!tm_utf8_valid(b, sizeof b))
            FAILF("U+00E9 at %zu failed", at);
        b[at + 1] = 'a'; /* a lead byte without its continuation */
        if (tm_utf8_valid(b, sizeof b))
            FAILF("a lone lead byte at %zu passed", at);
    }
done:;
}

struct sink {
    int n;
    size_t bytes;
};

static void on_record(void *ctx, const char *bytes, size_t len)
{
    (void)bytes;
    struct sink *k = ctx;
    k->n++;
    k->bytes += len;
}

/* The floors `make bench` measures: SPLIT hands every non-blank line to the sink as it
 * is (no JSON, no UTF-8 check); PARSE splits objects and drops malformed lines but reads
 * nothing inside a record; FULL interprets them (sessions, types, text). */
void test_ingest_depth_cuts_the_pipeline(void)
{
    static const char buf[] =
        "{\"type\":\"user\",\"sessionId\":\"a\",\"message\":{\"content\":\"kubernetes\"}}"
        "{\"type\":\"system\",\"sessionId\":\"b\"}\n"
        "\n"
        "{\"type\":\"user\",\"x\":\"\xc3\x28\"}\n"
        "not json\n";
    static const enum tm_ingest_depth depth[3] = {TM_INGEST_SPLIT, TM_INGEST_PARSE, TM_INGEST_FULL};
    static const uint64_t records[3] = {3, 2, 2}, malformed[3] = {0, 2, 2};
    /* a file whose records name no session is one session (generic JSONL) */
    static const uint64_t sessions[3] = {1, 1, 2}, kube[3] = {0, 0, 1};
    static const int sunk[3] = {3, 2, 2};
    for (int i = 0; i < 3; i++) {
        struct sink k = {0};
        struct tm_ingest_hooks h = {&k, on_record, NULL, NULL};
        struct tm_an *an = tm_an_new(NULL, NULL);
        struct tm_ingest *ing = tm_ingest_new(an, &h);
        tm_ingest_set_depth(ing, depth[i]);
        tm_ingest_buffer(ing, "x.jsonl", buf, strlen(buf));
        const struct tm_volume *v = tm_ingest_volume(ing);
        uint64_t got[4] = {v->records, v->malformed, v->sessions, 0};
        tm_ingest_free(ing);
        got[3] = harness_mentions(an, "kubernetes", 1);
        tm_an_free(an);
        CHECK_INT_EQ(got[0], records[i]);
        CHECK_INT_EQ(got[1], malformed[i]);
        CHECK_INT_EQ(got[2], sessions[i]);
        CHECK_INT_EQ(got[3], kube[i]);
        CHECK_INT_EQ(k.n, sunk[i]);
    }
done:
    return;
}

/* Debugging episodes from Claude Code records: a harness complaint opens none; a failed
 * edit is no fix; a deploy is; steps become short past-tense lines; the labelled fix is
 * the solution. */
void test_ingest_episodes_steps_and_fixes(void)
{
#define U(c) "{\"type\":\"user\",\"sessionId\":\"s\",\"message\":{\"role\":\"user\",\"content\":" c "}}\n"
#define A(c) "{\"type\":\"assistant\",\"sessionId\":\"s\",\"message\":{\"role\":\"assistant\",\"content\":[" c "]}}\n"
#define TOOL(id, name, input) "{\"type\":\"tool_use\",\"id\":\"" id "\",\"name\":\"" name "\",\"input\":" input "}"
#define RES(id, text, err) U("[{\"type\":\"tool_result\",\"tool_use_id\":\"" id "\",\"content\":\"" text "\"" err "}]")
    static const char log[] =
        A(TOOL("t0", "Edit", "{\"file_path\":\"/x/a.py\",\"old_string\":\"a\",\"new_string\":\"b\"}"))
        RES("t0", "File has not been read yet. Read it first before writing to it.", ",\"is_error\":true")
        A(TOOL("t1", "Bash", "{\"command\":\"make check\"}"))
        RES("t1", "Error: sealed blob cannot be opened after the upgrade", ",\"is_error\":true")
        A("{\"type\":\"text\",\"text\":\"Let me read the sealing policy.\"}")
        A("{\"type\":\"text\",\"text\":\"You're right, good catch.\"}")
        A(TOOL("t2", "Edit", "{\"file_path\":\"/x/a.py\",\"old_string\":\"a\",\"new_string\":\"b\"}"))
        RES("t2", "String to replace not found in file.", ",\"is_error\":true")
        A("{\"type\":\"text\",\"text\":\"The cause: the policy bound the key to the old measurement.\"}")
        A(TOOL("t3", "Bash", "{\"command\":\"make deploy\"}"))
        RES("t3", "applied", "")
        A("{\"type\":\"text\",\"text\":\"Fix: Seal to the signer identity instead of the measurement.\"}")
        A(TOOL("t4", "Bash", "{\"command\":\"make check\"}"))
        RES("t4", "ok", "")
        U("\"works now, thanks\"");
    struct tm_an *an = tm_an_new(NULL, NULL);
    struct tm_ingest *ing = tm_ingest_new(an, NULL);
    struct tm_profile p = {0};
    tm_ingest_buffer(ing, "s.jsonl", log, strlen(log));
    tm_ingest_free(ing);
    tm_an_finish(an, 1, &p);
    CHECK_INT_EQ(p.nepisodes, 1); /* the harness's complaint opened none */
    const struct tm_episode *e = &p.episodes[0];
    CHECK_CONTAINS(e->problem, "sealed blob cannot be opened after the upgrade");
    CHECK(e->resolved);
    CHECK_STR_EQ(e->solution, "Seal to the signer identity instead of the measurement");
    int read = 0, cause = 0;
    for (size_t i = 0; i < e->nsteps; i++) {
        CHECK(strlen(e->steps[i]) <= 80);
        CHECK_NOT_CONTAINS(e->steps[i], "good catch"); /* chat is no step */
        read |= !strcmp(e->steps[i], "Read the sealing policy");
        cause |= !strcmp(e->steps[i], "Found the cause: the policy bound the key to the old measurement");
    }
    CHECK(read && cause);
done:
    tm_profile_release(&p);
    tm_an_free(an);
#undef U
#undef A
#undef TOOL
#undef RES
}
