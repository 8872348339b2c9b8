/* cmd_request.c - the collaboration commands: request, requests, status, result,
 * cancel, inbox, approve, reject, audit, policy. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_request[] =
    "usage: teemed request overlap DS1 DS2 [--limit N]\n"
    "       teemed request gap --target DS --mine DS [--limit N]\n"
    "       teemed request debug --target DS [--target DS ...] \"QUERY TEXT\" [--limit N]\n"
    "\n"
    "Ask the mediator for a computation over datasets, as the account your token names.\n"
    "Each dataset you do not own needs its owner's approval (see 'teemed inbox') unless\n"
    "its policy approves such requests; the computation runs when the last approval\n"
    "arrives. Prints the request's status; fetch the signed result with\n"
    "'teemed result REQUEST_ID'.\n";

int cmd_request(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"target", required_argument, NULL, 't'}, {"mine", required_argument, NULL, 'm'},
        {"limit", required_argument, NULL, 'l'},  CLI_COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    const char *targets[8], *mine = NULL;
    size_t nt = 0;
    long limit = 0;
    int o;
    while ((o = getopt_long(argc, argv, ":t:m:l:d:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'h': return cli_usage(usage_request, EX_OK);
        case 'm': mine = optarg; break;
        case 't':
            if (nt == 8) {
                cli_err("request: at most 8 --target datasets");
                return EX_USAGE;
            }
            targets[nt++] = optarg;
            break;
        case 'l':
            if ((limit = cli_number("request", "--limit", optarg, 1, 1000)) < 0)
                return EX_USAGE;
            break;
        default:
            if (!cli_common(c, o))
                return cli_bad_option("request", argv);
        }
    }
    if (optind >= argc) {
        cli_err("request: give a computation: overlap, gap or debug (see 'teemed request --help')");
        return EX_USAGE;
    }
    const char *kind = argv[optind++];
    cJSON *in = cJSON_CreateObject(), *ds = cJSON_AddArrayToObject(in, "datasets");
    cJSON_AddStringToObject(in, "computation", kind);
    if (!strcmp(kind, "overlap")) {
        while (optind < argc)
            cJSON_AddItemToArray(ds, cJSON_CreateString(argv[optind++]));
    } else if (!strcmp(kind, "gap")) {
        if (nt != 1 || !mine) {
            cJSON_Delete(in);
            cli_err("request gap: needs --target DS and --mine DS");
            return EX_USAGE;
        }
        cJSON_AddItemToArray(ds, cJSON_CreateString(targets[0]));
        cJSON_AddItemToArray(ds, cJSON_CreateString(mine));
    } else if (!strcmp(kind, "debug")) {
        for (size_t i = 0; i < nt; i++)
            cJSON_AddItemToArray(ds, cJSON_CreateString(targets[i]));
        if (optind < argc)
            cJSON_AddStringToObject(in, "query", argv[optind++]);
    } else {
        cJSON_Delete(in);
        cli_err("request: unknown computation '%s' (use overlap, gap or debug)", kind);
        return EX_USAGE;
    }
    if (optind < argc) {
        cJSON_Delete(in);
        cli_err("request: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    if (limit)
        cJSON_AddNumberToObject(in, "limit", (double)limit);
    char *out;
    int ex = cli_call(c, "requests.create", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

/* A command with the common options, one REQUEST_ID (or DS) and op over {"id": ...}. */
static int on_id(struct cli *c, int argc, char **argv, const char *cmd, const char *usage, const char *op)
{
    int ex = cli_plain_args(c, argc, argv, cmd, usage, 1, 1, "one id");
    if (ex != CLI_GO)
        return ex;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    char *out;
    ex = cli_call(c, op, in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static const char usage_requests[] =
    "usage: teemed requests [--status STATE] [--limit N] [--cursor C]\n"
    "\n"
    "Your requests, newest first, with their states (pending, queued, running, review,\n"
    "done, rejected, cancelled, failed).\n";

int cmd_requests(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"status", required_argument, NULL, 's'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"cursor", required_argument, NULL, 'c'},
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    cJSON *in = cJSON_CreateObject();
    int o;
    long limit;
    while ((o = getopt_long(argc, argv, ":s:l:c:d:jh", opts, NULL)) != -1) {
        if (o == 'h') {
            cJSON_Delete(in);
            return cli_usage(usage_requests, EX_OK);
        }
        if (o == 's' || o == 'c') {
            cJSON_AddStringToObject(in, o == 's' ? "status" : "cursor", optarg);
        } else if (o == 'l') {
            if ((limit = cli_number("requests", "--limit", optarg, 1, 100)) < 0) {
                cJSON_Delete(in);
                return EX_USAGE;
            }
            cJSON_AddNumberToObject(in, "limit", (double)limit);
        } else if (!cli_common(c, o)) {
            cJSON_Delete(in);
            return cli_bad_option("requests", argv);
        }
    }
    if (optind < argc) {
        cJSON_Delete(in);
        cli_err("requests: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    char *out;
    int ex = cli_call(c, "requests.list", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static const char usage_status[] =
    "usage: teemed status REQUEST_ID [--wait SECONDS]\n"
    "\n"
    "Where a request stands, for its requester and the datasets' owners; --wait returns\n"
    "as soon as it changes (at most SECONDS, up to 60).\n";

int cmd_status(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"wait", required_argument, NULL, 'w'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    long wait = 0;
    int o;
    while ((o = getopt_long(argc, argv, ":w:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_status, EX_OK);
        if (o == 'w') {
            if ((wait = cli_number("status", "--wait", optarg, 0, 60)) < 0)
                return EX_USAGE;
        } else if (!cli_common(c, o))
            return cli_bad_option("status", argv);
    }
    if (argc - optind != 1) {
        cli_err("status: expected one REQUEST_ID");
        return EX_USAGE;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    if (wait)
        cJSON_AddNumberToObject(in, "wait", (double)wait);
    char *out;
    int ex = cli_call(c, "requests.get", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static const char usage_result[] =
    "usage: teemed result REQUEST_ID\n"
    "\n"
    "The signed result envelope {\"request\", \"result\", \"attestation\"} once the\n"
    "computation ran (check it with 'teemed verify FILE'), else the request's status.\n"
    "Only its readers may see it; to anyone else the request does not exist.\n";

int cmd_result(struct cli *c, int argc, char **argv)
{
    return on_id(c, argc, argv, "result", usage_result, "requests.result");
}

static const char usage_cancel[] = "usage: teemed cancel REQUEST_ID\n\nWithdraw your open request.\n";

int cmd_cancel(struct cli *c, int argc, char **argv)
{
    return on_id(c, argc, argv, "cancel", usage_cancel, "requests.cancel");
}

static const char usage_inbox[] =
    "usage: teemed inbox [--limit N] [--cursor C]\n"
    "\n"
    "Requests waiting for your decision on your datasets: who asks, which computation,\n"
    "the exact parameters and what would be released; results held for your review.\n";

static void inbox_text(const cJSON *o)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "inbox");
    if (!cJSON_GetArraySize(list)) {
        puts("nothing waits for your decision");
        return;
    }
    cli_print_text(o);
}

int cmd_inbox(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"limit", required_argument, NULL, 'l'},
                                         {"cursor", required_argument, NULL, 'c'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    cJSON *in = cJSON_CreateObject();
    int o;
    long limit;
    while ((o = getopt_long(argc, argv, ":l:c:d:jh", opts, NULL)) != -1) {
        if (o == 'h') {
            cJSON_Delete(in);
            return cli_usage(usage_inbox, EX_OK);
        }
        if (o == 'c') {
            cJSON_AddStringToObject(in, "cursor", optarg);
        } else if (o == 'l') {
            if ((limit = cli_number("inbox", "--limit", optarg, 1, 100)) < 0) {
                cJSON_Delete(in);
                return EX_USAGE;
            }
            cJSON_AddNumberToObject(in, "limit", (double)limit);
        } else if (!cli_common(c, o)) {
            cJSON_Delete(in);
            return cli_bad_option("inbox", argv);
        }
    }
    if (optind < argc) {
        cJSON_Delete(in);
        cli_err("inbox: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    char *out;
    int ex = cli_call(c, "inbox.list", in, &out);
    return ex ? ex : cli_emit(c, out, inbox_text);
}

static const char usage_decide[] =
    "usage: teemed approve REQUEST_ID\n"
    "       teemed reject REQUEST_ID [--reason TEXT]\n"
    "\n"
    "Decide on a request for your dataset, or on a result held for your review\n"
    "(approve releases it, reject withholds and destroys it).\n";

static int decide(struct cli *c, int argc, char **argv, int approve)
{
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    const char *reason = NULL, *cmd = approve ? "approve" : "reject";
    int o;
    while ((o = getopt_long(argc, argv, ":r:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_decide, EX_OK);
        if (o == 'r')
            reason = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option(cmd, argv);
    }
    if (argc - optind != 1) {
        cli_err("%s: expected one REQUEST_ID (see 'teemed %s --help')", cmd, cmd);
        return EX_USAGE;
    }
    if (approve && reason) {
        cli_err("approve: --reason is for reject");
        return EX_USAGE;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    if (reason)
        cJSON_AddStringToObject(in, "reason", reason);
    char *out;
    int ex = cli_call(c, approve ? "requests.approve" : "requests.reject", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

int cmd_approve(struct cli *c, int argc, char **argv) { return decide(c, argc, argv, 1); }
int cmd_reject(struct cli *c, int argc, char **argv) { return decide(c, argc, argv, 0); }

static const char usage_audit[] =
    "usage: teemed audit DS [--since FILE]\n"
    "\n"
    "Every onboarding, request, decision, run and policy change on your dataset, oldest\n"
    "first, hash-chained, with the chain's head signed by the mediator (signed_head:\n"
    "keep it). Exit 1 when the chain shows that an entry was changed or removed.\n"
    "\n"
    "  --since FILE  a signed head kept earlier (or a result envelope, which names the\n"
    "                heads of its datasets): the whole trail is read and must still hold\n"
    "                that head - a trail truncated below it, or rewritten and re-hashed,\n"
    "                fails (exit 1). Prints the check.\n";

int cmd_audit(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, NULL, 'S'}, CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    const char *since = NULL;
    int o, ex = EX_OK;
    while ((o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_audit, EX_OK);
        if (o == 'S')
            since = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option("audit", argv);
    }
    if (argc - optind != 1) {
        cli_err("audit: expected one dataset id (see 'teemed audit --help')");
        return EX_USAGE;
    }
    char *out = NULL;
    if (!since) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "id", argv[optind]);
        ex = cli_call(c, "datasets.audit", in, &out);
        if (out)
            cli_emit(c, out, NULL);
        return ex;
    }
    size_t n;
    char *text = cli_read_file(since, 16u << 20, &n, &ex);
    if (!text)
        return ex;
    cJSON *head = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(head)) {
        cJSON_Delete(head);
        cli_err("audit: %s is not a JSON document", since);
        return EX_INPUT;
    }
    /* the whole trail, page by page */
    cJSON *trail = NULL, *all = cJSON_CreateArray();
    char cursor[64] = "";
    for (;;) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "id", argv[optind]);
        cJSON_AddNumberToObject(in, "limit", 1000);
        if (cursor[0])
            cJSON_AddStringToObject(in, "cursor", cursor);
        ex = cli_call(c, "datasets.audit", in, &out);
        cJSON *page = out ? cJSON_Parse(out) : NULL;
        free(out);
        out = NULL;
        if (ex || !page) {
            cJSON_Delete(page);
            break;
        }
        cJSON *e;
        while ((e = cJSON_DetachItemFromArray(cJSON_GetObjectItemCaseSensitive(page, "entries"), 0)))
            cJSON_AddItemToArray(all, e);
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(page, "next_cursor");
        int more = cJSON_IsString(next);
        if (more)
            snprintf(cursor, sizeof cursor, "%s", next->valuestring);
        if (!trail)
            trail = page;
        else
            cJSON_Delete(page);
        if (!more)
            break;
    }
    if (ex || !trail) {
        cJSON_Delete(trail);
        cJSON_Delete(all);
        cJSON_Delete(head);
        return ex ? ex : EX_INTERNAL;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(trail, "entries", all);
    cJSON *in = cJSON_CreateObject();
    cJSON_AddItemToObject(in, "trail", trail);
    cJSON_AddItemToObject(in, "since", head);
    ex = cli_call(c, "audit.check", in, &out);
    if (out)
        cli_emit(c, out, NULL);
    return ex;
}

static const char usage_policy[] =
    "usage: teemed policy DS [--auto-approve KIND[:REQUESTER]]... [--no-auto-approve]\n"
    "                        [--review | --no-review] [--k N | --no-k]\n"
    "                        [--dp-budget EPSILON --dp-per-query EPSILON\n"
    "                         [--dp-per-requester EPSILON] | --no-dp] [--max-terms N]\n"
    "                        [--price KIND=CREDITS]... [--free]\n"
    "\n"
    "Show your dataset's policy, or change the fields you name (the others stay): the\n"
    "computations approved without asking you (by kind and/or requester; KIND may be\n"
    "'*'; the rules given replace the list), whether you review each result before it\n"
    "is released, a higher k-threshold for computations than at onboarding, how many of\n"
    "your dataset's terms one result may release (--max-terms, default 20), and\n"
    "differential privacy: counts released by gap and debug get Laplace noise and each\n"
    "query spends --dp-per-query of the --dp-budget, and of the requester's share of it\n"
    "(--dp-per-requester, default a quarter of the budget); a request that would\n"
    "overspend either is refused. --price sets what one computation of KIND (overlap,\n"
    "gap, debug) over your dataset costs the requester in credits (held when asked, paid\n"
    "to you on delivery, less the mediator's fee; refunded otherwise; 0 or --free: free;\n"
    "the kinds not named keep their price).\n";

int cmd_policy(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"auto-approve", required_argument, NULL, 'A'}, {"no-auto-approve", no_argument, NULL, 'X'},
        {"review", no_argument, NULL, 'R'},             {"no-review", no_argument, NULL, 'N'},
        {"dp-budget", required_argument, NULL, 'B'},    {"dp-per-query", required_argument, NULL, 'Q'},
        {"no-dp", no_argument, NULL, 'D'},              {"k", required_argument, NULL, 'K'},
        {"no-k", no_argument, NULL, 'Z'},               {"dp-per-requester", required_argument, NULL, 'P'},
        {"max-terms", required_argument, NULL, 'M'},    {"price", required_argument, NULL, 'C'},
        {"free", no_argument, NULL, 'F'},               CLI_COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    cJSON *in = cJSON_CreateObject(), *rules = NULL;
    double dpb = 0, dpq = 0, dpr = 0;
    int o, ex = EX_OK;
    while (!ex && (o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            cJSON_Delete(in);
            return cli_usage(usage_policy, EX_OK);
        case 'A': {
            if (!rules)
                rules = cJSON_AddArrayToObject(in, "auto_approve");
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
            break;
        }
        case 'X':
            if (!rules)
                rules = cJSON_AddArrayToObject(in, "auto_approve");
            break;
        case 'R': case 'N':
            cJSON_DeleteItemFromObjectCaseSensitive(in, "review");
            cJSON_AddBoolToObject(in, "review", o == 'R');
            break;
        case 'K': {
            long k = cli_number("policy", "--k", optarg, 2, 1000000);
            if (k < 0)
                ex = EX_USAGE;
            cJSON_DeleteItemFromObjectCaseSensitive(in, "k");
            cJSON_AddNumberToObject(in, "k", (double)k);
            break;
        }
        case 'Z':
            cJSON_DeleteItemFromObjectCaseSensitive(in, "k");
            cJSON_AddNullToObject(in, "k");
            break;
        case 'D':
            cJSON_DeleteItemFromObjectCaseSensitive(in, "dp");
            cJSON_AddNullToObject(in, "dp");
            break;
        case 'B': case 'Q': case 'P': {
            char *end;
            double v = strtod(optarg, &end);
            const char *name = o == 'B' ? "dp-budget" : o == 'Q' ? "dp-per-query" : "dp-per-requester";
            if (*end || end == optarg || !(v > 0)) {
                cli_err("policy: --%s must be a positive number (got '%s')", name, optarg);
                ex = EX_USAGE;
            }
            *(o == 'B' ? &dpb : o == 'Q' ? &dpq : &dpr) = v;
            break;
        }
        case 'C': {
            const char *eq = strchr(optarg, '=');
            char kind[16];
            if (!eq || eq - optarg >= (long)sizeof kind) {
                cli_err("policy: --price takes KIND=CREDITS, e.g. --price gap=10");
                ex = EX_USAGE;
                break;
            }
            snprintf(kind, sizeof kind, "%.*s", (int)(eq - optarg), optarg);
            long n = cli_number("policy", "--price", eq + 1, 0, 1000000000);
            if (n < 0) {
                ex = EX_USAGE;
                break;
            }
            cJSON *pr = cJSON_GetObjectItemCaseSensitive(in, "prices");
            if (!cJSON_IsObject(pr)) {
                cJSON_DeleteItemFromObjectCaseSensitive(in, "prices");
                pr = cJSON_AddObjectToObject(in, "prices");
            }
            cJSON_DeleteItemFromObjectCaseSensitive(pr, kind);
            cJSON_AddNumberToObject(pr, kind, (double)n);
            break;
        }
        case 'F':
            cJSON_DeleteItemFromObjectCaseSensitive(in, "prices");
            cJSON_AddNullToObject(in, "prices");
            break;
        case 'M': {
            long n = cli_number("policy", "--max-terms", optarg, 1, 1000);
            if (n < 0)
                ex = EX_USAGE;
            cJSON_DeleteItemFromObjectCaseSensitive(in, "max_terms");
            cJSON_AddNumberToObject(in, "max_terms", (double)n);
            break;
        }
        default:
            if (!cli_common(c, o))
                ex = cli_bad_option("policy", argv);
        }
    }
    if (!ex && argc - optind != 1) {
        cli_err("policy: expected one dataset id (see 'teemed policy --help')");
        ex = EX_USAGE;
    }
    if (!ex && ((dpb > 0) != (dpq > 0) || (dpr > 0 && !(dpb > 0)))) {
        cli_err("policy: differential privacy needs both --dp-budget and --dp-per-query (and "
                "--dp-per-requester only with them)");
        ex = EX_USAGE;
    }
    if (ex) {
        cJSON_Delete(in);
        return ex;
    }
    if (dpb > 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(in, "dp");
        cJSON *dp = cJSON_AddObjectToObject(in, "dp");
        cJSON_AddNumberToObject(dp, "budget", dpb);
        cJSON_AddNumberToObject(dp, "per_query", dpq);
        if (dpr > 0)
            cJSON_AddNumberToObject(dp, "per_requester", dpr);
    }
    int set = in->child != NULL;
    cJSON_AddStringToObject(in, "id", argv[optind]);
    char *out;
    ex = cli_call(c, set ? "datasets.policy.set" : "datasets.policy.get", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}
