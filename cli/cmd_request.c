/* cmd_request.c - the collaboration commands: request, inbox, approve, reject, result,
 * audit, policy. Each prints JSON (indented on a terminal, one line when piped). */
#include "cli.h"
#include "core/workflow.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_request[] =
    "usage: teemed request overlap DS1 DS2 --as WHO [--limit N]\n"
    "       teemed request gap --target DS --mine DS --as WHO [--limit N]\n"
    "       teemed request debug --target DS [--target DS ...] \"QUERY TEXT\" --as WHO\n"
    "\n"
    "Ask the mediator for a computation over datasets. Each dataset you do not own needs\n"
    "its owner's approval (see 'teemed inbox'); the computation runs when the last one\n"
    "arrives. Prints {\"request_id\", \"status\", ...}; fetch the signed result with\n"
    "'teemed result REQUEST_ID --as WHO'.\n";

static int64_t now_ms(void) { return (int64_t)time(NULL) * 1000; }

/* Print a JSON reply (owned) and free it. */
static int emit(const struct cli *c, char *json)
{
    if (c->json) {
        puts(json);
    } else {
        cJSON *o = cJSON_Parse(json);
        char *pretty = o ? cJSON_Print(o) : NULL;
        puts(pretty ? pretty : json);
        free(pretty);
        cJSON_Delete(o);
    }
    free(json);
    return EX_OK;
}

int cmd_request(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as", required_argument, NULL, 'a'},   {"target", required_argument, NULL, 't'},
        {"mine", required_argument, NULL, 'm'}, {"limit", required_argument, NULL, 'l'},
        CLI_COMMON_OPTS,                        {NULL, 0, NULL, 0},
    };
    const char *as = NULL, *targets[8], *mine = NULL;
    size_t nt = 0;
    int limit = 0, o;
    while ((o = getopt_long(argc, argv, ":a:t:m:l:d:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'h': return cli_usage(usage_request, EX_OK);
        case 'a': as = optarg; break;
        case 'm': mine = optarg; break;
        case 't':
            if (nt == 8) {
                cli_err("request: at most 8 --target datasets");
                return EX_USAGE;
            }
            targets[nt++] = optarg;
            break;
        case 'l': {
            char *end;
            long l = strtol(optarg, &end, 10);
            if (*end || l < 1 || l > 1000) {
                cli_err("request: --limit must be a number from 1 to 1000 (got '%s')", optarg);
                return EX_USAGE;
            }
            limit = (int)l;
            break;
        }
        default:
            if (!cli_common(c, o))
                return cli_bad_option("request", argv);
        }
    }
    if (!as || optind >= argc) {
        cli_err("request: give a computation and --as WHO (see 'teemed request --help')");
        return EX_USAGE;
    }
    const char *kind = argv[optind++];
    const char *ds[8];
    size_t n = 0;
    const char *query = NULL;
    if (!strcmp(kind, "overlap")) {
        while (optind < argc && n < 8)
            ds[n++] = argv[optind++];
    } else if (!strcmp(kind, "gap")) {
        if (nt != 1 || !mine) {
            cli_err("request gap: needs --target DS and --mine DS");
            return EX_USAGE;
        }
        ds[n++] = targets[0];
        ds[n++] = mine;
    } else if (!strcmp(kind, "debug")) {
        for (size_t i = 0; i < nt; i++)
            ds[n++] = targets[i];
        if (optind < argc)
            query = argv[optind++];
    }
    if (optind < argc) {
        cli_err("request: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    struct tm_med *m;
    int ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_request_opts ro = {as, kind, ds, n, query, limit, now_ms()};
    struct tm_diag d = {{0}};
    char *out = NULL;
    enum tm_rc rc = tm_request(m, &ro, &out, &d);
    tm_med_close(m);
    return rc ? cli_fail(rc, &d) : emit(c, out);
}

/* Parse the options of a command that takes --as WHO and exactly nargs operands. */
static int parse_as(struct cli *c, int argc, char **argv, const char *cmd, const char *usage,
                    const char *syntax, size_t nargs, const char **as)
{
    static const struct option opts[] = {{"as", required_argument, NULL, 'a'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    int o;
    *as = NULL;
    while ((o = getopt_long(argc, argv, ":a:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK) - 1; /* -1: done, exit 0 */
        if (o == 'a')
            *as = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option(cmd, argv);
    }
    if (!*as || (size_t)(argc - optind) != nargs) {
        cli_err("%s: usage: teemed %s", cmd, syntax);
        return EX_USAGE;
    }
    return EX_OK;
}

static const char usage_inbox[] =
    "usage: teemed inbox --as OWNER\n"
    "\n"
    "Requests waiting for your decision on your datasets: who asks, which computation,\n"
    "the exact parameters and what would be released; results held for your review.\n";

int cmd_inbox(struct cli *c, int argc, char **argv)
{
    const char *as;
    int ex = parse_as(c, argc, argv, "inbox", usage_inbox, "inbox --as OWNER", 0, &as);
    if (ex)
        return ex < 0 ? EX_OK : ex;
    struct tm_med *m;
    ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *out = NULL;
    enum tm_rc rc = tm_inbox(m, as, &out, &d);
    tm_med_close(m);
    return rc ? cli_fail(rc, &d) : emit(c, out);
}

static const char usage_decide[] =
    "usage: teemed approve REQUEST_ID --as OWNER\n"
    "       teemed reject REQUEST_ID --as OWNER [--reason TEXT]\n"
    "\n"
    "Decide on a request for your dataset, or on a result held for your review\n"
    "(approve releases it, reject withholds and destroys it).\n";

static int decide(struct cli *c, int argc, char **argv, int approve)
{
    static const struct option opts[] = {{"as", required_argument, NULL, 'a'},
                                         {"reason", required_argument, NULL, 'r'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    const char *as = NULL, *reason = NULL, *cmd = approve ? "approve" : "reject";
    int o;
    while ((o = getopt_long(argc, argv, ":a:r:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_decide, EX_OK);
        if (o == 'a')
            as = optarg;
        else if (o == 'r')
            reason = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option(cmd, argv);
    }
    if (!as || argc - optind != 1) {
        cli_err("%s: usage: teemed %s REQUEST_ID --as OWNER", cmd, cmd);
        return EX_USAGE;
    }
    if (approve && reason) {
        cli_err("approve: --reason is for reject");
        return EX_USAGE;
    }
    struct tm_med *m;
    int ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *out = NULL;
    enum tm_rc rc = tm_decide(m, argv[optind], as, approve, reason, now_ms(), &out, &d);
    tm_med_close(m);
    return rc ? cli_fail(rc, &d) : emit(c, out);
}

int cmd_approve(struct cli *c, int argc, char **argv) { return decide(c, argc, argv, 1); }
int cmd_reject(struct cli *c, int argc, char **argv) { return decide(c, argc, argv, 0); }

static const char usage_result[] =
    "usage: teemed result REQUEST_ID --as WHO\n"
    "\n"
    "The signed result envelope {\"request\", \"result\", \"attestation\"} once the\n"
    "computation ran (check it with 'teemed verify FILE'), else the request's status.\n"
    "Only its parties may read it; to anyone else the request does not exist.\n";

int cmd_result(struct cli *c, int argc, char **argv)
{
    const char *as;
    int ex = parse_as(c, argc, argv, "result", usage_result, "result REQUEST_ID --as WHO", 1, &as);
    if (ex)
        return ex < 0 ? EX_OK : ex;
    struct tm_med *m;
    ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *out = NULL;
    enum tm_rc rc = tm_result(m, argv[optind], as, &out, &d);
    tm_med_close(m);
    return rc ? cli_fail(rc, &d) : emit(c, out);
}

static const char usage_audit[] =
    "usage: teemed audit DS --as OWNER\n"
    "\n"
    "Every request, decision and run on your dataset, oldest first, hash-chained.\n"
    "Exit 1 when the chain shows that an entry was changed or removed.\n";

int cmd_audit(struct cli *c, int argc, char **argv)
{
    const char *as;
    int ex = parse_as(c, argc, argv, "audit", usage_audit, "audit DS --as OWNER", 1, &as);
    if (ex)
        return ex < 0 ? EX_OK : ex;
    struct tm_med *m;
    ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *out = NULL;
    int ok = 1;
    enum tm_rc rc = tm_audit(m, argv[optind], as, &out, &ok, &d);
    tm_med_close(m);
    if (rc)
        return cli_fail(rc, &d);
    emit(c, out);
    if (!ok) {
        cli_err("audit: the hash chain of '%s' is broken: an entry was changed or removed", argv[optind]);
        return EX_VERIFY;
    }
    return EX_OK;
}

static const char usage_policy[] =
    "usage: teemed policy DS --as OWNER [--auto-approve KIND[:REQUESTER]]... [--review|--no-review]\n"
    "                                   [--k N] [--dp-budget EPSILON --dp-per-query EPSILON]\n"
    "\n"
    "Show or set the dataset's policy: computations approved without asking you (by\n"
    "kind and/or requester; KIND may be '*'), and whether you review each result before\n"
    "it is released, a higher k-threshold for computations than at onboarding (--k), and\n"
    "differential privacy: counts released by gap and debug get\n"
    "Laplace noise and each query spends --dp-per-query of the --dp-budget; a request\n"
    "that would overspend is refused. Setting replaces the whole policy.\n";

int cmd_policy(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as", required_argument, NULL, 'a'},   {"auto-approve", required_argument, NULL, 'A'},
        {"review", no_argument, NULL, 'R'},     {"no-review", no_argument, NULL, 'N'},
        {"dp-budget", required_argument, NULL, 'B'}, {"dp-per-query", required_argument, NULL, 'Q'},
        {"k", required_argument, NULL, 'K'},
        CLI_COMMON_OPTS,                        {NULL, 0, NULL, 0},
    };
    const char *as = NULL;
    int o, set = 0, review = 0;
    double dpb = 0, dpq = 0;
    long kval = 0;
    cJSON *rules = cJSON_CreateArray();
    while ((o = getopt_long(argc, argv, ":a:d:jh", opts, NULL)) != -1) {
        if (o == 'h') {
            cJSON_Delete(rules);
            return cli_usage(usage_policy, EX_OK);
        }
        if (o == 'a') {
            as = optarg;
        } else if (o == 'A') {
            set = 1;
            cJSON *r = cJSON_CreateObject();
            char *k = strdup(optarg), *colon = strchr(k, ':');
            if (colon)
                *colon = 0;
            if (strcmp(k, "*") != 0)
                cJSON_AddStringToObject(r, "kind", k);
            if (colon && colon[1])
                cJSON_AddStringToObject(r, "requester", colon + 1);
            free(k);
            cJSON_AddItemToArray(rules, r);
        } else if (o == 'K') {
            char *end;
            kval = strtol(optarg, &end, 10);
            if (*end || end == optarg || kval < 2) {
                cJSON_Delete(rules);
                cli_err("policy: --k must be a number >= 2 (got '%s')", optarg);
                return EX_USAGE;
            }
            set = 1;
        } else if (o == 'B' || o == 'Q') {
            char *end;
            double v = strtod(optarg, &end);
            if (*end || end == optarg || v <= 0) {
                cJSON_Delete(rules);
                cli_err("policy: --%s must be a positive number (got '%s')",
                        o == 'B' ? "dp-budget" : "dp-per-query", optarg);
                return EX_USAGE;
            }
            *(o == 'B' ? &dpb : &dpq) = v;
            set = 1;
        } else if (o == 'R' || o == 'N') {
            set = 1;
            review = o == 'R';
        } else if (!cli_common(c, o)) {
            cJSON_Delete(rules);
            return cli_bad_option("policy", argv);
        }
    }
    if (!as || argc - optind != 1) {
        cJSON_Delete(rules);
        cli_err("policy: usage: teemed policy DS --as OWNER [options]");
        return EX_USAGE;
    }
    char *pj = NULL;
    if (set) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "auto_approve", rules);
        cJSON_AddBoolToObject(p, "review", review);
        if (kval)
            cJSON_AddNumberToObject(p, "k", (double)kval);
        if (dpb > 0 || dpq > 0) {
            cJSON *dp = cJSON_AddObjectToObject(p, "dp");
            cJSON_AddNumberToObject(dp, "budget", dpb);
            cJSON_AddNumberToObject(dp, "per_query", dpq);
        }
        pj = cJSON_PrintUnformatted(p);
        cJSON_Delete(p);
    } else {
        cJSON_Delete(rules);
    }
    struct tm_med *m;
    int ex = cli_open_med(c, &m);
    if (ex) {
        free(pj);
        return ex;
    }
    struct tm_diag d = {{0}};
    char *out = NULL;
    enum tm_rc rc = tm_policy(m, argv[optind], as, pj, now_ms(), &out, &d);
    tm_med_close(m);
    free(pj);
    return rc ? cli_fail(rc, &d) : emit(c, out);
}
