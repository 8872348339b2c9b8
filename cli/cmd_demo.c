/* cmd_demo.c - teemed demo: the seed's scenarios end to end on the bundled samples, in
 * a throw-away data dir, through the same front door as every other command: the
 * operator creates the four agents' accounts, each agent acts with its own token. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: teemed demo [EXAMPLES_DIR]\n"
    "\n"
    "Onboard the three sample datasets (EXAMPLES_DIR, default ./examples) into a\n"
    "temporary data dir, show their cards, run the seed's three collaborations with the\n"
    "owners' approvals (paid in query credits), print each result and verify each\n"
    "attestation; the requesters rate the results; Phase 3 shows what each participant\n"
    "got, the credits that moved and the reputation gained, from the ledger itself.\n";

struct demo {
    struct cli *c;
    struct tm_svc *svc;
    char *tokens[5]; /* amiller, cloudmolty, newbiemolty, debugmolty, operator */
    char got[4][400];  /* what each requester learned, for Phase 3 */
};

enum { AMILLER, CLOUD, NEWBIE, DEBUG };
static const char *const who[4] = {"amiller", "cloudmolty", "newbiemolty", "debugmolty"};

/* Call op as agent a (or the local operator for a < 0); in is consumed. */
static int call(struct demo *dm, int a, const char *op, cJSON *in, cJSON **out)
{
    struct tm_diag d = {{0}};
    struct tm_ctx ctx = {a >= 0 ? dm->tokens[a] : NULL, TM_CTX_LOCAL, 0, NULL, NULL, NULL};
    char *json = in ? cJSON_PrintUnformatted(in) : NULL, *res = NULL;
    cJSON_Delete(in);
    enum tm_rc rc = tm_svc_call(dm->svc, &ctx, op, json, &res, &d);
    free(json);
    if (rc) {
        free(res);
        return cli_fail(rc, &d);
    }
    *out = cJSON_Parse(res);
    free(res);
    return *out ? EX_OK : EX_INTERNAL;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Verify a signed document offline, as any reader would, and say so. */
static int verified(const char *doc)
{
    struct tm_diag d = {{0}};
    cJSON *in = cJSON_CreateObject();
    char *b64 = cli_b64((const unsigned char *)doc, strlen(doc)), *json, *out = NULL;
    cJSON_AddStringToObject(in, "data_b64", b64);
    cJSON_AddBoolToObject(in, "allow_simulated", 1);
    free(b64);
    json = cJSON_PrintUnformatted(in);
    cJSON_Delete(in);
    enum tm_rc rc = tm_svc_call(NULL, NULL, "verify", json, &out, &d);
    free(json);
    cJSON *r = cJSON_Parse(out ? out : "{}");
    free(out);
    const cJSON *x;
    printf("  attestation: %s (", rc ? "NOT VERIFIED" : "verified");
    int first = 1;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "checks"))
    {
        printf("%s%s %s", first ? "" : ", ", str(x, "check"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "ok")) ? "ok" : "FAILED");
        first = 0;
    }
    printf("; simulated TEE)\n");
    cJSON_Delete(r);
    return rc ? EX_VERIFY : EX_OK;
}

static void pretty(const char *prefix, const cJSON *o)
{
    char *p = cJSON_Print(o);
    printf("%s%s\n", prefix, p ? p : "?");
    free(p);
}

static int onboard(struct demo *dm, const char *dir, int a, const char *id, const char *sub)
{
    char path[4200];
    cJSON *in = cJSON_CreateObject(), *paths = cJSON_AddArrayToObject(in, "paths"), *card;
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    cJSON_AddItemToArray(paths, cJSON_CreateString(path));
    cJSON_AddStringToObject(in, "id", id);
    int ex = call(dm, a, "datasets.onboard", in, &card);
    if (ex)
        return ex;
    cli_print_card(card);
    char *text = cJSON_PrintUnformatted(card);
    cJSON_Delete(card);
    ex = verified(text);
    free(text);
    putchar('\n');
    return ex;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* What a result gave its requester, in a line. */
static void summarise(struct demo *dm, int requester, const cJSON *result)
{
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(result, "overlap");
    const cJSON *gap = cJSON_GetObjectItemCaseSensitive(result, "gap_analysis");
    const cJSON *pats = cJSON_GetObjectItemCaseSensitive(result, "matching_patterns");
    char *g = dm->got[requester];
    if (ov)
        snprintf(g, sizeof dm->got[0], "learned: %s", str(result, "insight"));
    else if (gap)
        snprintf(g, sizeof dm->got[0], "got a learning roadmap: %d advanced topics to study next",
                 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(gap, "missing_advanced")));
    else if (pats)
        snprintf(g, sizeof dm->got[0], "got %d proven debugging pattern%s for the problem",
                 cJSON_GetArraySize(pats), cJSON_GetArraySize(pats) == 1 ? "" : "s");
}

/* One collaboration: the request (its price held), the owner's inbox and approval, the
 * result, the requester's rating. */
static int scenario(struct demo *dm, int requester, cJSON *req, int owner)
{
    cJSON *st, *inbox, *res;
    char *desc = cJSON_PrintUnformatted(req);
    printf("%s -> mediator: %s\n", who[requester], desc);
    free(desc);
    int ex = call(dm, requester, "requests.create", req, &st);
    if (ex)
        return ex;
    char rid[64];
    snprintf(rid, sizeof rid, "%s", str(st, "request_id"));
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(st, "price");
    printf("  %s is %s; %.0f credits %s from %s's balance\n", rid, str(st, "status"), num(price, "total"),
           str(price, "credits"), who[requester]);
    cJSON_Delete(st);
    if ((ex = call(dm, owner, "inbox.list", NULL, &inbox)) != EX_OK)
        return ex;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(inbox, "inbox"))
        printf("%s's inbox: %s (%.0f earlier requests) asks for %s over %s, earning %s %.0f credits; would "
               "release %s\n", who[owner], str(e, "requester"),
               num(cJSON_GetObjectItemCaseSensitive(e, "requester_standing"), "requests") - 1, str(e, "computation"),
               str(e, "your_dataset"), who[owner], num(e, "you_earn"), str(e, "releases"));
    cJSON_Delete(inbox);
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", rid);
    if ((ex = call(dm, owner, "requests.approve", in, &st)) != EX_OK)
        return ex;
    printf("%s approves -> %s\n", who[owner], str(st, "status"));
    cJSON_Delete(st);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", rid);
    if ((ex = call(dm, requester, "requests.result", in, &res)) != EX_OK)
        return ex;
    char head[80];
    snprintf(head, sizeof head, "Result (sent to %s):\n", who[requester]);
    pretty(head, cJSON_GetObjectItemCaseSensitive(res, "result"));
    summarise(dm, requester, cJSON_GetObjectItemCaseSensitive(res, "result"));
    char *text = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    ex = verified(text);
    free(text);
    if (ex)
        return ex;
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", rid);
    cJSON_AddBoolToObject(in, "helpful", 1);
    if ((ex = call(dm, requester, "requests.rate", in, &st)) != EX_OK)
        return ex;
    printf("%s rates the result: helpful\n", who[requester]);
    cJSON_Delete(st);
    return EX_OK;
}

/* Phase 3, from the ledger and the market figures. */
static int value_exchange(struct demo *dm)
{
    cJSON *cr, *cards, *disc, *chk;
    int ex;
    static const char *const roles[4] = {"owner of tee-expertise-001", "owner of gcp-tee-002",
                                         "owner of tee-learning-003", "no dataset"};
    for (int a = 0; a < 4; a++) {
        if ((ex = call(dm, a, "credits.get", NULL, &cr)) != EX_OK)
            return ex;
        printf("%s (%s):\n", who[a], roles[a]);
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cr, "earnings"))
            if (num(e, "earned") > 0)
                printf("  - earned %.0f credits: %.0f paid requests over %s\n", num(e, "earned"),
                       num(e, "paid_requests"), str(e, "dataset_id"));
        if (dm->got[a][0])
            printf("  - %s\n", dm->got[a]);
        double paid = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cr, "history"))
            if (!strcmp(str(e, "kind"), "hold"))
                paid -= num(e, "amount");
        if (paid > 0)
            printf("  - paid %.0f credits for it\n", paid);
        printf("  - balance: %.0f credits (started with the grant of a new account)\n", num(cr, "balance"));
        cJSON_Delete(cr);
    }
    cJSON *in = cJSON_CreateObject();
    if ((ex = call(dm, -1, "cards.list", in, &cards)) != EX_OK)
        return ex;
    const cJSON *mk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cards, "market"),
                                                       "tee-expertise-001");
    printf("Reputation gained: tee-expertise-001 helped %.0f of %.0f requesters (reputation %.2f, the lower "
           "bound of a 95%% interval), %.0f queries served\n", num(mk, "helpful"), num(mk, "ratings"),
           num(mk, "reputation"), num(mk, "queries_served"));
    cJSON_Delete(cards);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", "gcp-tee-002");
    if ((ex = call(dm, CLOUD, "discover", in, &disc)) != EX_OK)
        return ex;
    const cJSON *top = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(disc, "candidates"), 0);
    if (top)
        printf("Marketplace: cloudmolty's best match for collaboration is %s - %s\n", str(top, "dataset_id"),
               str(top, "reason"));
    cJSON_Delete(disc);
    if ((ex = call(dm, -1, "credits.check", NULL, &chk)) != EX_OK)
        return ex;
    printf("Ledger: %.0f credits issued, %.0f in fees to the mediator, %.0f held; every movement balanced: %s\n",
           num(chk, "issued"), num(chk, "fees"), num(chk, "held"),
           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(chk, "ok")) ? "yes" : "NO");
    ex = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(chk, "ok")) ? EX_OK : EX_VERIFY;
    cJSON_Delete(chk);
    return ex;
}

static int run(struct demo *dm, const char *ex_dir)
{
    struct cli *c = dm->c;
    int ex;
    cli_heading(c, "Setup: the operator creates one account per agent; each acts with its own token");
    for (int i = 0; i < 4; i++) {
        cJSON *in = cJSON_CreateObject(), *acct;
        cJSON_AddStringToObject(in, "name", who[i]);
        if ((ex = call(dm, -1, "accounts.create", in, &acct)) != EX_OK)
            return ex;
        dm->tokens[i] = strdup(str(acct, "token"));
        printf("  %-12s token %.8s... (shown once, held by the agent)\n", who[i], dm->tokens[i]);
        cJSON_Delete(acct);
    }
    cli_heading(c, "Phase 1: three owners onboard their Claude Code logs (simulated TEE backend)");
    if ((ex = onboard(dm, ex_dir, AMILLER, "tee-expertise-001", "tee-expert")) ||
        (ex = onboard(dm, ex_dir, CLOUD, "gcp-tee-002", "gcp-tee")) ||
        (ex = onboard(dm, ex_dir, NEWBIE, "tee-learning-003", "tee-beginner")))
        return ex;

    cli_heading(c, "Prices: amiller charges query credits for computations over tee-expertise-001");
    cJSON *pol = cJSON_CreateObject(), *pr = cJSON_AddObjectToObject(pol, "prices"), *out;
    cJSON_AddStringToObject(pol, "id", "tee-expertise-001");
    cJSON_AddNumberToObject(pr, "overlap", 5);
    cJSON_AddNumberToObject(pr, "gap", 10);
    cJSON_AddNumberToObject(pr, "debug", 15);
    if ((ex = call(dm, AMILLER, "datasets.policy.set", pol, &out)) != EX_OK)
        return ex;
    cJSON_Delete(out);
    cJSON *fee = cJSON_CreateObject();
    cJSON_AddNumberToObject(fee, "fee_percent", 10);
    if ((ex = call(dm, -1, "credits.config", fee, &out)) != EX_OK)
        return ex;
    printf("  overlap 5, gap 10, debug 15 credits; the mediator keeps %.0f%%; each new account got %.0f credits\n",
           num(out, "fee_percent"), num(out, "grant"));
    cJSON_Delete(out);

    cli_heading(c, "Phase 2, query 1: CloudMolty asks for the topic overlap with tee-expertise-001");
    cJSON *r = cJSON_CreateObject(), *ds = cJSON_AddArrayToObject(r, "datasets");
    cJSON_AddStringToObject(r, "computation", "overlap");
    cJSON_AddItemToArray(ds, cJSON_CreateString("gcp-tee-002"));
    cJSON_AddItemToArray(ds, cJSON_CreateString("tee-expertise-001"));
    if ((ex = scenario(dm, CLOUD, r, AMILLER)) != EX_OK)
        return ex;

    cli_heading(c, "Phase 2, query 2: NewbieMolty asks what advanced concepts it is missing");
    r = cJSON_CreateObject();
    ds = cJSON_AddArrayToObject(r, "datasets");
    cJSON_AddStringToObject(r, "computation", "gap");
    cJSON_AddItemToArray(ds, cJSON_CreateString("tee-expertise-001"));
    cJSON_AddItemToArray(ds, cJSON_CreateString("tee-learning-003"));
    if ((ex = scenario(dm, NEWBIE, r, AMILLER)) != EX_OK)
        return ex;

    cli_heading(c, "Phase 2, query 3: DebugMolty looks for debugging patterns");
    r = cJSON_CreateObject();
    ds = cJSON_AddArrayToObject(r, "datasets");
    cJSON_AddStringToObject(r, "computation", "debug");
    cJSON_AddItemToArray(ds, cJSON_CreateString("tee-expertise-001"));
    cJSON_AddStringToObject(r, "query", "I'm seeing 'attestation verification failed' errors");
    if ((ex = scenario(dm, DEBUG, r, AMILLER)) != EX_OK)
        return ex;

    cli_heading(c, "The owner's audit trail");
    cJSON *in = cJSON_CreateObject(), *audit;
    cJSON_AddStringToObject(in, "id", "tee-expertise-001");
    if ((ex = call(dm, AMILLER, "datasets.audit", in, &audit)) != EX_OK)
        return ex;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(audit, "entries"))
        printf("  #%-3d %-8s %-8s by %-12s %s\n", cJSON_GetObjectItemCaseSensitive(e, "seq")->valueint,
               str(e, "event"), str(e, "kind"), str(e, "by"), str(e, "request"));
    printf("  hash chain: %s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(audit, "chain_ok")) ? "intact" : "BROKEN");
    cJSON_Delete(audit);
    cli_heading(c, "Phase 3: value exchange - what did participants get?");
    if ((ex = value_exchange(dm)) != EX_OK)
        return ex;
    printf("\nNobody revealed their raw data: every result above was computed on sealed\n"
           "profiles, released only to its parties, and verified offline.\n");
    return EX_OK;
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "demo", usage, 0, 1, "at most one DIR of example datasets");
    if (ex != CLI_GO)
        return ex;
    const char *ex_dir = optind < argc ? argv[optind] : "examples";
    char tmpl[] = "/tmp/teemed-demo-XXXXXX", dir[600];
    if (!mkdtemp(tmpl)) {
        cli_err("demo: cannot create a temporary directory");
        return EX_INTERNAL;
    }
    snprintf(dir, sizeof dir, "%s/data", tmpl);
    struct tm_diag d = {{0}};
    struct demo dm;
    memset(&dm, 0, sizeof dm);
    dm.c = c;
    char *init = NULL;
    enum tm_rc rc = tm_svc_init(dir, "sim", &init, &d);
    free(init);
    if (!rc)
        rc = tm_svc_open(dir, &dm.svc, &d);
    ex = rc ? cli_fail(rc, &d) : run(&dm, ex_dir);
    tm_svc_close(dm.svc);
    for (int i = 0; i < 5; i++)
        free(dm.tokens[i]);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        cli_err("demo: could not remove %s", tmpl);
    return ex;
}
