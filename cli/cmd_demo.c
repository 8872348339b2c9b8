/* cmd_demo.c - teemed demo: the seed's scenarios end to end on the bundled samples, in
 * a throw-away data dir, through the same library calls as every other command. */
#include "cli.h"
#include "attest/attest.h"
#include "core/mediator.h"
#include "core/workflow.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: teemed demo [EXAMPLES_DIR]\n"
    "\n"
    "Onboard the three sample datasets (EXAMPLES_DIR, default ./examples) into a\n"
    "temporary data dir, show their cards, run the seed's three collaborations with the\n"
    "owners' approvals, print each result and verify each attestation.\n";

static void title(const char *s) { printf("\n\033[1m== %s\033[0m\n", s); }

static int64_t now_ms(void) { return (int64_t)time(NULL) * 1000; }

static int fail(enum tm_rc rc, struct tm_diag *d) { return cli_fail(rc, d); }

static char *id_of(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "request_id");
    char *r = cJSON_IsString(id) ? strdup(id->valuestring) : NULL;
    cJSON_Delete(o);
    return r;
}

/* Print the result part like the seed does, then verify the whole envelope. */
static int show_result(struct tm_med *m, const char *rid, const char *who)
{
    struct tm_diag d = {{0}};
    char *env = NULL;
    enum tm_rc rc = tm_result(m, rid, who, &env, &d);
    if (rc)
        return fail(rc, &d);
    cJSON *o = cJSON_Parse(env);
    char *pretty = cJSON_Print(cJSON_GetObjectItemCaseSensitive(o, "result"));
    printf("Result (sent to %s):\n%s\n", who, pretty ? pretty : "?");
    free(pretty);
    cJSON_Delete(o);
    struct tm_verify v;
    struct tm_verify_opts vo = {.allow_simulated = 1};
    rc = tm_attest_verify(env, strlen(env), &vo, &v, &d);
    printf("attestation: %s (", rc ? "NOT VERIFIED" : "verified");
    for (size_t i = 0; i < v.nchecks; i++)
        printf("%s%s %s", i ? ", " : "", v.checks[i].name, v.checks[i].ok ? "ok" : "FAILED");
    printf("; simulated TEE)\n");
    free(env);
    return rc ? EX_VERIFY : EX_OK;
}

static int scenario(struct tm_med *m, struct tm_request_opts *ro, const char *owner,
                    const char *reader)
{
    struct tm_diag d = {{0}};
    char *out = NULL;
    ro->now_ms = now_ms();
    enum tm_rc rc = tm_request(m, ro, &out, &d);
    if (rc)
        return fail(rc, &d);
    char *rid = id_of(out);
    printf("%s -> mediator: %s over", ro->requester, ro->kind);
    for (size_t i = 0; i < ro->ndatasets; i++)
        printf(" %s", ro->datasets[i]);
    printf("%s%s%s\n  %s\n", ro->query ? " \"" : "", ro->query ? ro->query : "", ro->query ? "\"" : "", out);
    free(out);
    char *inbox = NULL;
    rc = tm_inbox(m, owner, &inbox, &d);
    if (!rc) {
        cJSON *a = cJSON_Parse(inbox);
        const cJSON *e;
        cJSON_ArrayForEach(e, a)
        {
            const cJSON *rel = cJSON_GetObjectItemCaseSensitive(e, "releases");
            printf("%s's inbox: %s asks; would release %s\n", owner,
                   cJSON_GetObjectItemCaseSensitive(e, "requester")->valuestring,
                   cJSON_IsString(rel) ? rel->valuestring : "?");
        }
        cJSON_Delete(a);
        free(inbox);
        rc = tm_decide(m, rid, owner, 1, NULL, now_ms(), &out, &d);
    }
    if (rc) {
        free(rid);
        return fail(rc, &d);
    }
    printf("%s approves -> %s\n", owner, out);
    free(out);
    int ex = show_result(m, rid, reader);
    free(rid);
    return ex;
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "demo", usage, 0, 1, "at most one DIR of example datasets");
    if (ex != CLI_GO)
        return ex;
    const char *ex_dir = optind < argc ? argv[optind] : "examples";
    char tmpl[] = "/tmp/teemed-demo-XXXXXX", dir[600], path[3][700];
    if (!mkdtemp(tmpl)) {
        cli_err("demo: cannot create a temporary directory");
        return EX_INTERNAL;
    }
    snprintf(dir, sizeof dir, "%s/data", tmpl);
    struct tm_diag d = {{0}};
    struct tm_med *m = NULL;
    ex = EX_OK;
    enum tm_rc rc = tm_med_init(dir, TM_TEE_SIM, &d);
    if (!rc)
        rc = tm_med_open(dir, &m, &d);
    if (rc) {
        ex = fail(rc, &d);
        goto out;
    }
    title("Phase 1: three owners onboard their Claude Code logs (simulated TEE backend)");
    static const char *const who[3] = {"amiller", "cloudmolty", "newbiemolty"};
    static const char *const ids[3] = {"tee-expertise-001", "gcp-tee-002", "tee-learning-003"};
    static const char *const sub[3] = {"tee-expert", "gcp-tee", "tee-beginner"};
    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", ex_dir, sub[i]);
        const char *paths[1] = {path[i]};
        struct tm_onboard_opts oo = {who[i], ids[i], NULL, 3, paths, 1, now_ms(), NULL, NULL, NULL};
        char *card = NULL;
        rc = tm_onboard(m, &oo, &card, &d);
        if (rc) {
            ex = fail(rc, &d);
            goto out;
        }
        cli_print_card_text(card);
        struct tm_verify v;
        struct tm_verify_opts vo = {.allow_simulated = 1};
        printf("  card attestation: %s\n\n",
               tm_attest_verify(card, strlen(card), &vo, &v, &d) ? "NOT VERIFIED" : "verified (simulated TEE)");
        free(card);
    }
    title("Phase 2, query 1: CloudMolty asks for the topic overlap with tee-expertise-001");
    const char *ov[2] = {"gcp-tee-002", "tee-expertise-001"};
    struct tm_request_opts r1 = {"cloudmolty", "overlap", ov, 2, NULL, 0, 0};
    ex = scenario(m, &r1, "amiller", "cloudmolty");
    if (ex)
        goto out;
    title("Phase 2, query 2: NewbieMolty asks what advanced concepts it is missing");
    const char *gp[2] = {"tee-expertise-001", "tee-learning-003"};
    struct tm_request_opts r2 = {"newbiemolty", "gap", gp, 2, NULL, 0, 0};
    ex = scenario(m, &r2, "amiller", "newbiemolty");
    if (ex)
        goto out;
    title("Phase 2, query 3: DebugMolty looks for debugging patterns");
    const char *dg[1] = {"tee-expertise-001"};
    struct tm_request_opts r3 = {"debugmolty", "debug", dg, 1,
                                 "I'm seeing 'attestation verification failed' errors", 0, 0};
    ex = scenario(m, &r3, "amiller", "debugmolty");
    if (ex)
        goto out;
    title("Phase 3: the owner's audit trail");
    char *audit = NULL;
    int ok = 0;
    rc = tm_audit(m, "tee-expertise-001", "amiller", &audit, &ok, &d);
    if (rc) {
        ex = fail(rc, &d);
        goto out;
    }
    cJSON *a = cJSON_Parse(audit);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(a, "entries"))
    {
        const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e, "request");
        printf("  #%d %-8s %-8s by %-12s %s\n", cJSON_GetObjectItemCaseSensitive(e, "seq")->valueint,
               cJSON_GetObjectItemCaseSensitive(e, "event")->valuestring,
               cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "kind"))
                   ? cJSON_GetObjectItemCaseSensitive(e, "kind")->valuestring : "",
               cJSON_GetObjectItemCaseSensitive(e, "by")->valuestring, cJSON_IsString(rq) ? rq->valuestring : "");
    }
    printf("  hash chain: %s\n", ok ? "intact" : "BROKEN");
    cJSON_Delete(a);
    free(audit);
    printf("\nNobody revealed their raw data: every result above was computed on sealed\n"
           "profiles, released only to its parties, and verified offline.\n");
out:
    tm_med_close(m);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        cli_err("demo: could not remove %s", tmpl);
    return ex;
}
