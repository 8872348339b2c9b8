/* test_svc.c - the front door: the op table, the authorization table op by op, the
 * output schemas, the request state table, and the workflow failing closed on every
 * injected database error. */
#define _DEFAULT_SOURCE
#include "harness.h"
#include "core/account.h"
#include "core/dataset.h"
#include "core/ledger.h"
#include "core/market.h"
#include "core/mediator.h"
#include "core/workflow.h"
#include "svc/schema.h"
#include "tm/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a scratch mediator with accounts and two datasets ---- */

struct fx {
    char dir[64], data[96], logs[96];
    struct tm_svc *svc;
    char *tok[4]; /* operator, alice (owns "a"), bob (owns "b"), eve (owns nothing) */
};

enum { OPR, ALICE, BOB, EVE, NOBODY };

static void write_logs(const char *dir, const char *word)
{
    char path[256];
    mkdir(dir, 0700);
    for (int s = 0; s < 4; s++) {
        snprintf(path, sizeof path, "%s/s%d.jsonl", dir, s);
        FILE *f = fopen(path, "w");
        fprintf(f, "{\"type\":\"user\",\"sessionId\":\"s%d\",\"timestamp\":\"2026-01-1%dT10:00:00.000Z\","
                   "\"message\":{\"role\":\"user\",\"content\":\"The attestation quote %s with the rtmr3 "
                   "value and the compose hash failed: attestation verification failed.\"}}\n",
                s, s, word);
        fclose(f);
    }
}

static char *field(const char *json, const char *key)
{
    cJSON *o = cJSON_Parse(json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char *r = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
    cJSON_Delete(o);
    return r;
}

/* Call op as identity who with input in; the output (owned) in *out when asked. */
static enum tm_rc as(struct fx *f, int who, const char *op, const char *in, char **out)
{
    struct tm_diag d = {{0}};
    struct tm_ctx ctx = {who == NOBODY ? NULL : f->tok[who], 0, 0, NULL, NULL, NULL};
    char *o = NULL;
    enum tm_rc rc = tm_svc_call(f->svc, &ctx, op, in, &o, &d);
    if (out)
        *out = o;
    else
        free(o);
    return rc;
}

static int fx_setup(struct fx *f)
{
    struct tm_diag d = {{0}};
    char *out = NULL;
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/teemed-unit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    if (tm_svc_init(f->data, "sim", &out, &d) != TM_OK)
        return -1;
    f->tok[OPR] = field(out, "operator_token");
    free(out);
    if (tm_svc_open(f->data, &f->svc, &d) != TM_OK)
        return -1;
    static const char *const names[] = {NULL, "alice", "bob", "eve"};
    for (int i = ALICE; i <= EVE; i++) {
        char in[64];
        snprintf(in, sizeof in, "{\"name\":\"%s\"}", names[i]);
        if (as(f, OPR, "accounts.create", in, &out) != TM_OK)
            return -1;
        f->tok[i] = field(out, "token");
        free(out);
    }
    for (int i = 0; i < 2; i++) {
        char logs[128], in[300];
        snprintf(logs, sizeof logs, "%s/logs%d", f->dir, i);
        write_logs(logs, i ? "bobword" : "aliceword");
        snprintf(in, sizeof in, "{\"id\":\"%s\",\"paths\":[\"%s\"],\"k\":2}", i ? "b" : "a", logs);
        struct tm_ctx ctx = {f->tok[i ? BOB : ALICE], TM_CTX_LOCAL, 0, NULL, NULL, NULL};
        if (tm_svc_call(f->svc, &ctx, "datasets.onboard", in, &out, &d) != TM_OK) {
            fprintf(stderr, "  onboard: %s\n", d.msg);
            return -1;
        }
        free(out);
    }
    return 0;
}

static void fx_teardown(struct fx *f)
{
    char cmd[128];
    tm_svc_close(f->svc);
    for (int i = 0; i < 4; i++)
        free(f->tok[i]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", f->dir);
}

/* ---- the op table ---- */

void test_svc_op_table_is_complete(void)
{
    const struct tm_op_info *ops;
    size_t n = tm_svc_ops(&ops);
    cJSON *root = cJSON_Parse(tm_svc_api());
    CHECK(n >= 20);
    CHECK(root != NULL);
    for (size_t i = 0; i < n; i++) {
        const struct tm_op_info *o = &ops[i];
        struct tm_diag d = {{0}};
        CHECK(o->name && o->summary && o->access && o->input_schema && o->output_schema && o->example);
        CHECK(!strcmp(o->auth, "anyone") || !strcmp(o->auth, "account") || !strcmp(o->auth, "operator"));
        if (!o->local_only && !o->offline) /* everything the service offers has a route */
            CHECK(o->method && o->path && !strncmp(o->path, "/v1/", 4));
        if (o->cacheable) /* a cached answer is given to anyone, and only reads may be cached */
            CHECK(!strcmp(o->auth, "anyone") && !o->writes && !o->local_only && !o->offline);
        cJSON *schema = cJSON_Parse(o->input_schema), *ex = cJSON_Parse(o->example);
        enum tm_rc rc = tm_schema_check(root, schema, ex, &d);
        if (rc)
            FAILF("%s: its example does not fit its input schema: %s", o->name, d.msg);
        cJSON_Delete(schema);
        cJSON_Delete(ex);
        for (size_t j = 0; j < i; j++) {
            CHECK(strcmp(ops[j].name, o->name) != 0);
            if (o->path && ops[j].path && !strcmp(o->path, ops[j].path))
                CHECK(strcmp(o->method, ops[j].method) != 0); /* one route, one op */
        }
    }
done:
    cJSON_Delete(root);
}

/* Cached answers (tm_svc_call_cached): given only after a call made them, for exactly
 * that input, never for errors or ops that are not cacheable, and dropped as soon as
 * the store changes - through this service or another one on the same data dir (another
 * process: the local CLI next to a server). */
void test_svc_cached_answers_follow_the_store(void)
{
    struct fx f;
    struct tm_svc *other = NULL;
    struct tm_diag d = {{0}};
    char *out = NULL, *got = NULL;
    CHECK(fx_setup(&f) == 0);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_ENOTFOUND); /* not on */
    tm_svc_cache_answers(f.svc, 64);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_ENOTFOUND); /* not read yet */
    CHECK(as(&f, NOBODY, "cards.get", "{\"id\":\"a\"}", &out) == TM_OK);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_OK);
    CHECK_STR_EQ(got, out);
    free(got);
    got = NULL;
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"b\"}", &got) == TM_ENOTFOUND);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\": \"a\"}", &got) == TM_ENOTFOUND); /* other text */
    CHECK(as(&f, NOBODY, "cards.get", "{\"id\":\"nosuch\"}", NULL) == TM_ENOTFOUND);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"nosuch\"}", &got) == TM_ENOTFOUND);
    CHECK(as(&f, NOBODY, "cards.list", "{}", NULL) == TM_OK);
    CHECK(tm_svc_call_cached(f.svc, "cards.list", "{}", &got) == TM_ENOTFOUND); /* not cacheable */
    /* a write through this service drops every answer read before it */
    CHECK(as(&f, OPR, "accounts.create", "{\"name\":\"carol\"}", NULL) == TM_OK);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_ENOTFOUND);
    /* read again, then the owner withdraws it through another service on the data dir */
    free(out);
    CHECK(as(&f, NOBODY, "cards.get", "{\"id\":\"a\"}", &out) == TM_OK);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_OK);
    free(got);
    got = NULL;
    CHECK(tm_svc_open(f.data, &other, &d) == TM_OK);
    struct tm_ctx alice = {f.tok[ALICE], 0, 0, NULL, NULL, NULL};
    char *w = NULL;
    CHECK(tm_svc_call(other, &alice, "datasets.withdraw", "{\"id\":\"a\"}", &w, &d) == TM_OK);
    free(w);
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_ENOTFOUND);
    CHECK(as(&f, NOBODY, "cards.get", "{\"id\":\"a\"}", NULL) == TM_ENOTFOUND); /* and it is gone */
    CHECK(tm_svc_call_cached(f.svc, "cards.get", "{\"id\":\"a\"}", &got) == TM_ENOTFOUND);
done:
    free(out);
    free(got);
    tm_svc_close(other);
    fx_teardown(&f);
}

void test_schema_checks_types_bounds_and_fields(void)
{
    cJSON *root = cJSON_Parse(tm_svc_api());
    const struct tm_op_info *op = tm_svc_op("requests.create");
    cJSON *schema = cJSON_Parse(op->input_schema);
    static const struct {
        const char *in;
        int ok;
        const char *msg;
    } cases[] = {
        {"{\"computation\":\"overlap\",\"datasets\":[\"a\",\"b\"]}", 1, NULL},
        {"{\"computation\":\"overlap\"}", 0, "missing field 'datasets'"},
        {"{\"computation\":\"sum\",\"datasets\":[\"a\"]}", 0, "computation: not one of the allowed values"},
        {"{\"computation\":\"gap\",\"datasets\":\"a\"}", 0, "datasets: expected array"},
        {"{\"computation\":\"gap\",\"datasets\":[\"a b\"]}", 0, "datasets[0]: not a valid name"},
        {"{\"computation\":\"gap\",\"datasets\":[]}", 0, "datasets: must not be empty"},
        {"{\"computation\":\"gap\",\"datasets\":[\"a\"],\"limit\":1.5}", 0, "limit: expected integer"},
        {"{\"computation\":\"gap\",\"datasets\":[\"a\"],\"limit\":100000}", 0, "limit: must be at most 1000"},
        {"{\"computation\":\"gap\",\"datasets\":[\"a\"],\"x\":1}", 0, "unknown field 'x'"},
        {"{\"computation\":\"gap\",\"datasets\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}", 0,
         "datasets: more than 8 items"},
        {"[]", 0, "expected object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct tm_diag d = {{0}};
        cJSON *v = cJSON_Parse(cases[i].in);
        enum tm_rc rc = tm_schema_check(root, schema, v, &d);
        cJSON_Delete(v);
        if (cases[i].ok)
            CHECK_INT_EQ(rc, TM_OK);
        else {
            CHECK_INT_EQ(rc, TM_EINVAL);
            CHECK_CONTAINS(d.msg, cases[i].msg);
        }
    }
done:
    cJSON_Delete(schema);
    cJSON_Delete(root);
}

void test_request_states_follow_the_table(void)
{
    CHECK(tm_req_may(TM_RQ_PENDING, TM_RQ_QUEUED));
    CHECK(tm_req_may(TM_RQ_RUNNING, TM_RQ_REVIEW));
    CHECK(tm_req_may(TM_RQ_REVIEW, TM_RQ_REJECTED));
    CHECK(!tm_req_may(TM_RQ_PENDING, TM_RQ_DONE)); /* nothing is done without running */
    CHECK(!tm_req_may(TM_RQ_QUEUED, TM_RQ_DONE));
    for (int s = 0; s < TM_RQ_NSTATES; s++) {
        CHECK_INT_EQ(tm_req_state_parse(tm_req_state_name((enum tm_req_state)s)), s);
        for (int t = 0; t < TM_RQ_NSTATES; t++)
            if (tm_req_final((enum tm_req_state)s))
                CHECK(!tm_req_may((enum tm_req_state)s, (enum tm_req_state)t)); /* final is final */
    }
    CHECK_INT_EQ(tm_req_state_parse("approved"), -1);
done:;
}

/* ---- the authorization table, op by op ---- */

struct authz {
    const char *op;
    const char *in;          /* "%R" becomes the request id of the case */
    enum tm_rc want[5];      /* for OPR, ALICE, BOB, EVE, NOBODY; tried in the order of `order` */
};

/* Try identities denied first and the allowed one last, so a state change by the
 * allowed caller cannot mask a wrong answer to another. */
static int check_row(struct fx *f, const struct authz *a, const char *rid)
{
    char in[400];
    const char *p = strstr(a->in, "%R");
    if (p)
        snprintf(in, sizeof in, "%.*s%s%s", (int)(p - a->in), a->in, rid, p + 2);
    else
        snprintf(in, sizeof in, "%s", a->in);
    static const int order[5] = {NOBODY, EVE, OPR, BOB, ALICE};
    int bad = 0;
    for (int pass = 0; pass < 2; pass++) /* denied identities first, then the allowed ones */
        for (int i = 0; i < 5; i++) {
            int who = order[i];
            if ((a->want[who] == TM_OK) != pass)
                continue;
            enum tm_rc rc = as(f, who, a->op, in, NULL);
            if (rc != a->want[who]) {
                static const char *const nm[] = {"operator", "alice", "bob", "eve", "no token"};
                fprintf(stderr, "  %s as %s: got %s, want %s\n", a->op, nm[who], tm_rc_name(rc), tm_rc_name(a->want[who]));
                bad = 1;
            }
        }
    return bad;
}

void test_svc_authorization_table(void)
{
    struct fx f;
    char *out = NULL, *rid = NULL, *rid2 = NULL;
    CHECK(fx_setup(&f) == 0);
    /* bob asks for an overlap of his "b" with alice's "a": alice decides */
    CHECK_INT_EQ(as(&f, BOB, "requests.create", "{\"computation\":\"overlap\",\"datasets\":[\"b\",\"a\"]}", &out), TM_OK);
    rid = field(out, "request_id");
    free(out);
    CHECK_INT_EQ(as(&f, BOB, "requests.create", "{\"computation\":\"gap\",\"datasets\":[\"a\",\"b\"]}", &out), TM_OK);
    rid2 = field(out, "request_id");
    free(out);
    out = NULL;
    const enum tm_rc OK = TM_OK, AU = TM_EAUTH, DN = TM_EDENIED, NF = TM_ENOTFOUND;
    /*                          operator alice bob eve  no-token */
    static struct authz rows[] = {
        {"health", "{}", {0, 0, 0, 0, 0}},
        {"cards.list", "{}", {0, 0, 0, 0, 0}},
        {"cards.get", "{\"id\":\"a\"}", {0, 0, 0, 0, 0}},
        {"datasets.budget", "{\"id\":\"a\"}", {0, 0, 0, 0, 0}},
        {"mediator.attest", "{}", {0, 0, 0, 0, 0}},
        {"accounts.whoami", "{}", {0, 0, 0, 0, TM_EAUTH}},
        {"accounts.list", "{}", {0, TM_EDENIED, TM_EDENIED, TM_EDENIED, TM_EAUTH}},
        {"accounts.create", "{\"name\":\"zed\"}", {0, TM_EDENIED, TM_EDENIED, TM_EDENIED, TM_EAUTH}},
        {"jobs.run", "{}", {0, TM_EDENIED, TM_EDENIED, TM_EDENIED, TM_EAUTH}},
        {"datasets.policy.get", "{\"id\":\"a\"}", {TM_EDENIED, 0, TM_EDENIED, TM_EDENIED, TM_EAUTH}},
        {"datasets.policy.set", "{\"id\":\"a\",\"review\":false}", {TM_EDENIED, 0, TM_EDENIED, TM_EDENIED, TM_EAUTH}},
        {"datasets.audit", "{\"id\":\"a\"}", {TM_EDENIED, 0, TM_EDENIED, TM_EDENIED, TM_EAUTH}},
        {"inbox.list", "{}", {0, 0, 0, 0, TM_EAUTH}},
        {"requests.list", "{}", {0, 0, 0, 0, TM_EAUTH}},
        /* a request exists for its parties only */
        {"requests.get", "{\"id\":\"%R\"}", {TM_ENOTFOUND, 0, 0, TM_ENOTFOUND, TM_EAUTH}},
        {"requests.result", "{\"id\":\"%R\"}", {TM_ENOTFOUND, TM_ENOTFOUND, 0, TM_ENOTFOUND, TM_EAUTH}},
        {"requests.cancel", "{\"id\":\"%R\"}", {TM_ENOTFOUND, TM_ENOTFOUND, 0, TM_ENOTFOUND, TM_EAUTH}},
        {"datasets.onboard", "{\"id\":\"x\",\"paths\":[\"/nonexistent\"]}", {TM_EDENIED, TM_EDENIED, TM_EDENIED, TM_EDENIED, TM_EDENIED}},
    };
    (void)OK, (void)AU, (void)DN, (void)NF;
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        bad |= check_row(&f, &rows[i], rid2);
    /* decisions: only the owner who must decide; the requester may not approve for her */
    static struct authz decide[] = {
        {"requests.reject", "{\"id\":\"%R\"}", {TM_ENOTFOUND, 0, TM_ENOTFOUND, TM_ENOTFOUND, TM_EAUTH}},
    };
    static struct authz approve[] = {
        /* bob asked and owns the other dataset: a party with nothing to decide */
        {"requests.approve", "{\"id\":\"%R\"}", {TM_ENOTFOUND, 0, TM_ECONFLICT, TM_ENOTFOUND, TM_EAUTH}},
    };
    CHECK_INT_EQ(as(&f, BOB, "requests.create", "{\"computation\":\"overlap\",\"datasets\":[\"a\",\"c\"]}", NULL),
                 TM_ENOTFOUND); /* no dataset c */
    bad |= check_row(&f, &approve[0], rid);
    char *rid3 = NULL;
    CHECK_INT_EQ(as(&f, EVE, "requests.create", "{\"computation\":\"debug\",\"datasets\":[\"a\"],\"query\":\"quote failed\"}", &out), TM_OK);
    rid3 = field(out, "request_id");
    free(out);
    out = NULL;
    bad |= check_row(&f, &decide[0], rid3);
    free(rid3);
    /* the overlap result goes to the requester and both owners; gap only to its requester */
    CHECK_INT_EQ(as(&f, ALICE, "requests.result", "{\"id\":\"x\"}", NULL), TM_ENOTFOUND);
    char in[100];
    snprintf(in, sizeof in, "{\"id\":\"%s\"}", rid);
    CHECK_INT_EQ(as(&f, ALICE, "requests.result", in, &out), TM_OK);
    CHECK_CONTAINS(out, "\"jaccard_similarity\"");
    free(out);
    out = NULL;
    CHECK_INT_EQ(as(&f, EVE, "requests.result", in, NULL), TM_ENOTFOUND);
    /* last, as they change who is who: withdrawing, renewing a token */
    static struct authz last[] = {
        {"datasets.withdraw", "{\"id\":\"b\"}", {TM_EDENIED, TM_EDENIED, 0, TM_EDENIED, TM_EAUTH}},
        {"accounts.rotate", "{\"name\":\"eve\"}", {0, TM_EDENIED, TM_EDENIED, 0, TM_EAUTH}},
    };
    for (size_t i = 0; i < sizeof last / sizeof *last; i++)
        bad |= check_row(&f, &last[i], "");
    CHECK_INT_EQ(as(&f, EVE, "accounts.whoami", "{}", NULL), TM_EAUTH); /* the old token is dead */
    CHECK(!bad);
done:
    free(out);
    free(rid);
    free(rid2);
    fx_teardown(&f);
}

/* Every op's output fits its documented schema, along one pass through the workflow. */
void test_svc_outputs_fit_their_schemas(void)
{
    struct fx f;
    char *out = NULL, *rid = NULL;
    struct tm_diag d = {{0}};
    CHECK(fx_setup(&f) == 0);
    static const struct {
        int who;
        const char *op, *in;
    } calls[] = {
        {NOBODY, "health", "{}"},
        {NOBODY, "cards.list", "{\"limit\":1}"},
        {NOBODY, "cards.get", "{\"id\":\"a\"}"},
        {NOBODY, "datasets.budget", "{\"id\":\"a\"}"},
        {NOBODY, "mediator.attest", "{}"},
        {ALICE, "accounts.whoami", "{}"},
        {OPR, "accounts.list", "{}"},
        {ALICE, "datasets.policy.set", "{\"id\":\"a\",\"review\":true,\"dp\":{\"budget\":5,\"per_query\":1}}"},
        {ALICE, "datasets.policy.get", "{\"id\":\"a\"}"},
        {BOB, "requests.create", "{\"computation\":\"gap\",\"datasets\":[\"a\",\"b\"]}"},
        {ALICE, "inbox.list", "{}"},
        {ALICE, "requests.approve", "{\"id\":\"%R\"}"},
        {ALICE, "inbox.list", "{}"},               /* the result held for review */
        {BOB, "requests.result", "{\"id\":\"%R\"}"}, /* the status while under review */
        {ALICE, "requests.approve", "{\"id\":\"%R\"}"},
        {BOB, "requests.result", "{\"id\":\"%R\"}"}, /* the envelope */
        {BOB, "requests.get", "{\"id\":\"%R\"}"},
        {BOB, "requests.list", "{}"},
        {ALICE, "datasets.audit", "{\"id\":\"a\",\"limit\":2}"},
        {OPR, "jobs.run", "{}"},
        {EVE, "accounts.rotate", "{\"name\":\"eve\"}"},
        {ALICE, "datasets.withdraw", "{\"id\":\"a\"}"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        char in[300];
        const char *p = strstr(calls[i].in, "%R");
        if (p)
            snprintf(in, sizeof in, "%.*s%s%s", (int)(p - calls[i].in), calls[i].in, rid, p + 2);
        else
            snprintf(in, sizeof in, "%s", calls[i].in);
        enum tm_rc rc = as(&f, calls[i].who, calls[i].op, in, &out);
        if (rc)
            FAILF("%s: %s", calls[i].op, tm_rc_name(rc));
        if (tm_svc_check_output(calls[i].op, out, &d))
            FAILF("%s: the output does not fit its schema: %s", calls[i].op, d.msg);
        if (!rid && !strcmp(calls[i].op, "requests.create"))
            rid = field(out, "request_id");
        free(out);
        out = NULL;
    }
    /* the other computations' envelopes: overlap (bob asks, alice decides) and debug
     * (alice asks of bob's dataset); "a" is withdrawn by now, so both use "b" */
    static const struct {
        int asker, owner;
        const char *in;
    } flows[] = {
        {ALICE, BOB, "{\"computation\":\"overlap\",\"datasets\":[\"b\",\"b2\"]}"},
        {ALICE, BOB, "{\"computation\":\"debug\",\"datasets\":[\"b\"],\"query\":\"attestation verification failed\"}"},
    };
    {
        char logs[128], in[300];
        snprintf(logs, sizeof logs, "%s/logs1", f.dir);
        snprintf(in, sizeof in, "{\"id\":\"b2\",\"paths\":[\"%s\"],\"k\":2}", logs);
        struct tm_ctx ctx = {f.tok[ALICE], TM_CTX_LOCAL, 0, NULL, NULL, NULL};
        CHECK(tm_svc_call(f.svc, &ctx, "datasets.onboard", in, &out, &d) == TM_OK);
        free(out);
        out = NULL;
    }
    for (size_t i = 0; i < sizeof flows / sizeof *flows; i++) {
        char in[100], *id;
        CHECK_INT_EQ(as(&f, flows[i].asker, "requests.create", flows[i].in, &out), TM_OK);
        id = field(out, "request_id");
        free(out);
        snprintf(in, sizeof in, "{\"id\":\"%s\"}", id);
        free(id);
        CHECK_INT_EQ(as(&f, flows[i].owner, "requests.approve", in, NULL), TM_OK);
        CHECK_INT_EQ(as(&f, flows[i].asker, "requests.result", in, &out), TM_OK);
        if (tm_svc_check_output("requests.result", out, &d) || !strstr(out, "\"attestation\""))
            FAILF("%s: the envelope does not fit its schema: %s", flows[i].in, d.msg);
        free(out);
        out = NULL;
    }
    /* the offline op: a card verified with no service at all */
    CHECK_INT_EQ(as(&f, NOBODY, "cards.get", "{\"id\":\"b\"}", &out), TM_OK);
    {
        cJSON *in = cJSON_CreateObject();
        char b64[8192];
        size_t n = strlen(out);
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t o = 0;
        for (size_t i = 0; i < n && o + 5 < sizeof b64; i += 3) {
            unsigned v = (unsigned)(unsigned char)out[i] << 16 | (i + 1 < n ? (unsigned)(unsigned char)out[i + 1] << 8 : 0) |
                         (i + 2 < n ? (unsigned char)out[i + 2] : 0);
            b64[o++] = tab[v >> 18];
            b64[o++] = tab[(v >> 12) & 63];
            b64[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
            b64[o++] = i + 2 < n ? tab[v & 63] : '=';
        }
        b64[o] = 0;
        cJSON_AddStringToObject(in, "data_b64", b64);
        cJSON_AddBoolToObject(in, "allow_simulated", 1);
        char *text = cJSON_PrintUnformatted(in), *rep = NULL;
        cJSON_Delete(in);
        free(out);
        out = NULL;
        enum tm_rc rc = tm_svc_call(NULL, NULL, "verify", text, &rep, &d);
        free(text);
        CHECK_INT_EQ(rc, TM_OK);
        CHECK(tm_svc_check_output("verify", rep, &d) == TM_OK);
        CHECK_CONTAINS(rep, "\"ok\":true");
        free(rep);
    }
done:
    free(out);
    free(rid);
    fx_teardown(&f);
}

/* ---- the workflow fails closed: an injected database error at any statement fails
 * the operation, and leaves no partial state ---- */

struct counts {
    long requests, approvals, audit, results, budgets, txns, moved, ratings;
};

static void count(struct tm_med *m, struct counts *c)
{
    static const char *const sql[] = {"SELECT count(*) FROM requests", "SELECT count(*) FROM approvals",
                                      "SELECT count(*) FROM audit", "SELECT count(*) FROM results",
                                      "SELECT coalesce(sum(spent), 0) * 1000 FROM budgets",
                                      "SELECT count(*) FROM ledger_txns", "SELECT coalesce(sum(abs(amount)), 0) FROM ledger",
                                      "SELECT count(*) FROM ratings"};
    long *v[] = {&c->requests, &c->approvals, &c->audit, &c->results, &c->budgets, &c->txns, &c->moved, &c->ratings};
    for (int i = 0; i < 8; i++) {
        sqlite3_stmt *s;
        enum tm_rc rc;
        *v[i] = -1;
        if (!db_prep(m->st, sql[i], &s, NULL) && db_step(m->st, s, &rc, NULL) == 1)
            *v[i] = sqlite3_column_int64(s, 0);
        db_done(m->st, s);
    }
}

static int same(const struct counts *a, const struct counts *b)
{
    return a->requests == b->requests && a->approvals == b->approvals && a->audit == b->audit &&
           a->results == b->results && a->budgets == b->budgets && a->txns == b->txns && a->moved == b->moved &&
           a->ratings == b->ratings;
}

/* Run one workflow step with a fault at statement n = 1, 2, ...: every run that hits
 * its fault fails and changes nothing; the first run that finishes before its fault
 * succeeds. Returns the number of statements the step needs, or -1. */
typedef enum tm_rc (*step_fn)(struct tm_med *m, void *arg);

static long faults(struct tm_med *m, step_fn fn, step_fn reset, void *arg)
{
    for (long n = 1; n < 500; n++) {
        struct counts before, after;
        if (reset && reset(m, arg))
            return -1;
        count(m, &before);
        tm_store_fault_at(m->st, n);
        enum tm_rc rc = fn(m, arg);
        long left = tm_store_faults_left(m->st);
        tm_store_fault_at(m->st, 0);
        if (left > 0) /* finished before the fault: done */
            return rc == TM_OK ? n - 1 : -1;
        count(m, &after);
        if (rc == TM_OK || !same(&before, &after)) {
            fprintf(stderr, "  fault at statement %ld: %s, state %s\n", n, rc ? "failed" : "SUCCEEDED",
                    same(&before, &after) ? "unchanged" : "CHANGED");
            return -1;
        }
    }
    return -1;
}

struct wf {
    struct tm_account alice, bob;
    char rid[TM_REQ_ID_MAX];
};

static enum tm_rc step_policy(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    cJSON *patch = cJSON_Parse("{\"review\":true,\"dp\":{\"budget\":100,\"per_query\":1},\"prices\":{\"gap\":7}}"),
          *out = NULL;
    enum tm_rc rc = tm_policy_patch(m, &w->alice, "a", patch, 1000, &out, NULL);
    cJSON_Delete(patch);
    cJSON_Delete(out);
    return rc;
}

static enum tm_rc step_create(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    const char *ds[2] = {"a", "b"};
    struct tm_request_opts o = {&w->bob, "gap", ds, 2, NULL, 0, 2000};
    cJSON *out = NULL;
    char job[TM_REQ_ID_MAX];
    enum tm_rc rc = tm_request_create(m, &o, &out, job, NULL);
    if (!rc) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(out, "request_id");
        snprintf(w->rid, sizeof w->rid, "%s", id->valuestring);
    }
    cJSON_Delete(out);
    return rc;
}

static enum tm_rc step_approve(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    cJSON *out = NULL;
    char job[TM_REQ_ID_MAX];
    enum tm_rc rc = tm_request_decide(m, &w->alice, w->rid, 1, NULL, 3000, &out, job, NULL);
    cJSON_Delete(out);
    return rc;
}

static enum tm_rc step_job(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    return tm_job_run(m, w->rid, 4000, NULL);
}

/* A job stopped by a fault stays claimed until its lease expires: start each try from
 * a queued job, as the retry after the lease would. */
static enum tm_rc reset_job(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    return db_run(m->st, NULL, "UPDATE requests SET status = 'queued', attempts = 0, lease_ms = NULL WHERE id = ?",
                  "t", w->rid);
}

static enum tm_rc step_release(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    cJSON *out = NULL;
    char job[TM_REQ_ID_MAX];
    enum tm_rc rc = tm_request_decide(m, &w->alice, w->rid, 1, NULL, 5000, &out, job, NULL);
    cJSON_Delete(out);
    return rc;
}

static enum tm_rc step_rate(struct tm_med *m, void *arg)
{
    struct wf *w = arg;
    cJSON *out = NULL;
    enum tm_rc rc = tm_rate(m, &w->bob, w->rid, 1, "clear and useful", 6000, &out, NULL);
    cJSON_Delete(out);
    return rc;
}

static enum tm_rc step_mint(struct tm_med *m, void *arg)
{
    (void)arg;
    struct tm_account op = {0, "operator", TM_ROLE_OPERATOR};
    cJSON *out = NULL;
    enum tm_rc rc = tm_credits_mint(m, &op, "bob", 5, "test", 7000, &out, NULL);
    cJSON_Delete(out);
    return rc;
}

static enum tm_rc step_budget(struct tm_med *m, void *arg)
{
    (void)arg;
    cJSON *out = NULL;
    enum tm_rc rc = tm_budget(m, "a", "bob", &out, NULL); /* a read: it fails rather than answer "DP off" */
    cJSON_Delete(out);
    return rc;
}

void test_workflow_fails_closed_on_every_db_error(void)
{
    struct fx f;
    struct tm_shared *sh = NULL;
    struct tm_med *m = NULL;
    struct wf w;
    struct tm_diag d = {{0}};
    CHECK(fx_setup(&f) == 0);
    CHECK(tm_shared_new(f.data, &sh, &d) == TM_OK);
    CHECK(tm_med_open(sh, &m, &d) == TM_OK);
    CHECK(tm_account_by_name(m, "alice", &w.alice, &d) == TM_OK);
    CHECK(tm_account_by_name(m, "bob", &w.bob, &d) == TM_OK);
    static const struct {
        const char *name;
        step_fn fn, reset;
    } steps[] = {{"policy", step_policy, NULL}, {"budget", step_budget, NULL}, {"create", step_create, NULL},
                 {"approve", step_approve, NULL}, {"job", step_job, reset_job}, {"release", step_release, NULL},
                 {"rate", step_rate, NULL}, {"mint", step_mint, NULL}};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        long n = faults(m, steps[i].fn, steps[i].reset, &w);
        if (n <= 0)
            FAILF("step %s: a database error did not fail closed", steps[i].name);
    }
    /* and the whole path really happened: the result is out, the budget spent */
    struct tm_account *bob = &w.bob;
    char *env = NULL;
    cJSON *st = NULL;
    CHECK(tm_request_result(m, bob, w.rid, &env, &st, &d) == TM_OK);
    CHECK_CONTAINS(env, "\"differential_privacy\"");
    free(env);
    cJSON_Delete(st);
    /* and paid: the 7 credits held at creation went to alice on release; bob was minted 5 */
    cJSON *cr = NULL;
    CHECK(tm_credits_get(m, &w.alice, 20, NULL, &cr, &d) == TM_OK);
    CHECK_INT_EQ((int)cJSON_GetObjectItemCaseSensitive(cr, "balance")->valuedouble, 107);
    cJSON_Delete(cr);
    CHECK(tm_credits_get(m, &w.bob, 20, NULL, &cr, &d) == TM_OK);
    CHECK_INT_EQ((int)cJSON_GetObjectItemCaseSensitive(cr, "balance")->valuedouble, 98);
    cJSON_Delete(cr);
    CHECK(tm_credits_check(m, &cr, &d) == TM_OK);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cr, "ok")));
    cJSON_Delete(cr);
done:
    tm_med_close(m);
    tm_shared_free(sh);
    fx_teardown(&f);
}
