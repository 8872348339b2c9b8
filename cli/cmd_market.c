/* cmd_market.c - the economy: credits, ratings, discovery. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_credits[] =
    "usage: teemed credits [--limit N] [--cursor C]\n"
    "       teemed credits statement\n"
    "       teemed credits mint ACCOUNT AMOUNT [--memo TEXT]     (operator)\n"
    "       teemed credits config [--grant N] [--fee-percent P]  (operator)\n"
    "       teemed credits check                                 (operator)\n"
    "\n"
    "Query credits. Without a subcommand: your balance, the credits held for your open\n"
    "requests, what each of your datasets earned, and your history, newest first (a\n"
    "page of --limit movements; --cursor for the next). A request holds the price of the\n"
    "datasets it names; delivery pays their owners (less the mediator's fee), any other\n"
    "end refunds it.\n"
    "  statement  the same with the whole history, signed by the mediator: keep it, check\n"
    "             it with 'teemed verify FILE'\n"
    "  mint       add AMOUNT credits to ACCOUNT (recorded in the ledger like any movement)\n"
    "  config     show or change the grant of each new account and the mediator's fee\n"
    "  check      check the ledger (every movement balanced, issued = grants + mints, no\n"
    "             balance below zero, no hold left on an ended request); exit 1 if not\n";

static void credits_text(const cJSON *o)
{
    const cJSON *v;
    printf("account: ");
    cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "account")));
    printf("\nbalance: %.0f credits", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "balance")));
    printf(" (%.0f held for open requests)\n", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "held")));
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(o, "holds"))
    {
        printf("  held %.0f for ", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "amount")));
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "request_id")));
        printf(" (");
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "computation")));
        printf(", ");
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "status")));
        puts(")");
    }
    const cJSON *earn = cJSON_GetObjectItemCaseSensitive(o, "earnings");
    if (cJSON_GetArraySize(earn))
        puts("earnings:");
    cJSON_ArrayForEach(v, earn)
    {
        printf("  ");
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "dataset_id")));
        printf(": %.0f credits from %.0f paid requests\n",
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "earned")),
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "paid_requests")));
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "history");
    puts(cJSON_GetArraySize(h) ? "history:" : "history: none");
    cJSON_ArrayForEach(v, h)
    {
        printf("  ");
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "at")));
        printf("  %+6.0f  ", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "amount")));
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "kind")));
        const char *fields[] = {"request_id", "dataset_id", "memo"};
        for (size_t i = 0; i < 3; i++) {
            const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, fields[i]));
            if (s) {
                printf("  ");
                cli_puts_safe(s);
            }
        }
        putchar('\n');
    }
    const char *next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "next_cursor"));
    if (next)
        printf("(more: --cursor %s)\n", next);
}

static int credits_mint(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"memo", required_argument, NULL, 'm'}, CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    const char *memo = NULL;
    int o;
    while ((o = getopt_long(argc, argv, ":m:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_credits, EX_OK);
        if (o == 'm')
            memo = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option("credits mint", argv);
    }
    if (argc - optind != 2) {
        cli_err("credits mint: expected ACCOUNT AMOUNT");
        return EX_USAGE;
    }
    long amount = cli_number("credits mint", "AMOUNT", argv[optind + 1], 1, 1000000000);
    if (amount < 0)
        return EX_USAGE;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "account", argv[optind]);
    cJSON_AddNumberToObject(in, "amount", (double)amount);
    if (memo)
        cJSON_AddStringToObject(in, "memo", memo);
    char *out;
    int ex = cli_call(c, "credits.mint", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static int credits_config(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"grant", required_argument, NULL, 'g'},
                                         {"fee-percent", required_argument, NULL, 'f'},
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    cJSON *in = cJSON_CreateObject();
    int o;
    while ((o = getopt_long(argc, argv, ":g:f:d:jh", opts, NULL)) != -1) {
        long n;
        if (o == 'h') {
            cJSON_Delete(in);
            return cli_usage(usage_credits, EX_OK);
        }
        if (o == 'g' || o == 'f') {
            n = cli_number("credits config", o == 'g' ? "--grant" : "--fee-percent", optarg, 0,
                           o == 'g' ? 1000000000 : 100);
            if (n < 0) {
                cJSON_Delete(in);
                return EX_USAGE;
            }
            const char *k = o == 'g' ? "grant" : "fee_percent";
            cJSON_DeleteItemFromObjectCaseSensitive(in, k);
            cJSON_AddNumberToObject(in, k, (double)n);
        } else if (!cli_common(c, o)) {
            cJSON_Delete(in);
            return cli_bad_option("credits config", argv);
        }
    }
    if (optind < argc) {
        cJSON_Delete(in);
        cli_err("credits config: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    char *out;
    int ex = cli_call(c, "credits.config", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

int cmd_credits(struct cli *c, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (sub && !strcmp(sub, "mint"))
        return credits_mint(c, argc - 1, argv + 1);
    if (sub && !strcmp(sub, "config"))
        return credits_config(c, argc - 1, argv + 1);
    if (sub && (!strcmp(sub, "statement") || !strcmp(sub, "check"))) {
        int ex = cli_plain_args(c, argc - 1, argv + 1, sub, usage_credits, 0, 0, "no operand");
        if (ex != CLI_GO)
            return ex;
        char *out;
        int stmt = !strcmp(sub, "statement");
        ex = cli_call(c, stmt ? "credits.statement" : "credits.check", NULL, &out);
        if (ex)
            return ex;
        int bad = !stmt && !strstr(out, "\"ok\":true");
        if (stmt && !c->json) { /* a document to keep: print it whole, as signed */
            puts(out);
            free(out);
            return EX_OK;
        }
        cli_emit(c, out, NULL);
        return bad ? EX_VERIFY : EX_OK;
    }
    if (sub) {
        cli_err("credits: unknown subcommand '%s' (statement, mint, config, check)", sub);
        return EX_USAGE;
    }
    static const struct option opts[] = {{"limit", required_argument, NULL, 'l'},
                                         {"cursor", required_argument, NULL, 'c'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    cJSON *in = cJSON_CreateObject();
    int o;
    while ((o = getopt_long(argc, argv, ":l:c:d:jh", opts, NULL)) != -1) {
        long n;
        if (o == 'h') {
            cJSON_Delete(in);
            return cli_usage(usage_credits, EX_OK);
        }
        if (o == 'c') {
            cJSON_AddStringToObject(in, "cursor", optarg);
        } else if (o == 'l') {
            if ((n = cli_number("credits", "--limit", optarg, 1, 100)) < 0) {
                cJSON_Delete(in);
                return EX_USAGE;
            }
            cJSON_AddNumberToObject(in, "limit", (double)n);
        } else if (!cli_common(c, o)) {
            cJSON_Delete(in);
            return cli_bad_option("credits", argv);
        }
    }
    if (optind < argc) {
        cJSON_Delete(in);
        cli_err("credits: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    char *out;
    int ex = cli_call(c, "credits.get", in, &out);
    return ex ? ex : cli_emit(c, out, credits_text);
}

static const char usage_rate[] =
    "usage: teemed rate REQUEST_ID --helpful | --not-helpful [--comment TEXT]\n"
    "\n"
    "Rate the result of your delivered request, once: was it helpful? The rating counts\n"
    "toward the reputation of the datasets it used and of their owners. The comment (at\n"
    "most 280 bytes) is shown to those owners; one that holds what the privacy filter\n"
    "removes (a key, an e-mail address, a name, a host) is refused.\n";

int cmd_rate(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"helpful", no_argument, NULL, 'y'},
                                         {"not-helpful", no_argument, NULL, 'n'},
                                         {"comment", required_argument, NULL, 'm'},
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    int o, helpful = -1;
    const char *comment = NULL;
    while ((o = getopt_long(argc, argv, ":m:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_rate, EX_OK);
        if (o == 'y' || o == 'n') {
            if (helpful >= 0 && helpful != (o == 'y')) {
                cli_err("rate: --helpful or --not-helpful, not both");
                return EX_USAGE;
            }
            helpful = o == 'y';
        } else if (o == 'm') {
            comment = optarg;
        } else if (!cli_common(c, o)) {
            return cli_bad_option("rate", argv);
        }
    }
    if (argc - optind != 1 || helpful < 0) {
        cli_err("rate: expected REQUEST_ID and --helpful or --not-helpful (see 'teemed rate --help')");
        return EX_USAGE;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    cJSON_AddBoolToObject(in, "helpful", helpful);
    if (comment)
        cJSON_AddStringToObject(in, "comment", comment);
    char *out;
    int ex = cli_call(c, "requests.rate", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static const char usage_discover[] =
    "usage: teemed discover --for DATASET [--limit N]\n"
    "\n"
    "Datasets of other owners ranked for collaboration with your DATASET: computed inside\n"
    "the mediator over the sealed profiles - how much of their distinctive topics you\n"
    "share and how much each would add (duplicates and unrelated data rank low) - and\n"
    "weighted by reputation and demand. Each comes with its card's topic and a reason\n"
    "made of figures; no term of another dataset is shown beyond its public card.\n";

static void discover_text(const cJSON *o)
{
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(o, "candidates"))
    {
        printf("%d. ", ++n);
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "dataset_id")));
        printf(" (");
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "owner")));
        printf(") score %.2f - ", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "score")));
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "topic")));
        printf("\n   ");
        cli_puts_safe(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "reason")));
        putchar('\n');
    }
    if (!n)
        puts("no other listed dataset yet");
}

int cmd_discover(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"for", required_argument, NULL, 'f'},
                                         {"limit", required_argument, NULL, 'l'},
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    const char *ds = NULL;
    long limit = 10;
    int o;
    while ((o = getopt_long(argc, argv, ":f:l:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_discover, EX_OK);
        if (o == 'f')
            ds = optarg;
        else if (o == 'l') {
            if ((limit = cli_number("discover", "--limit", optarg, 1, 100)) < 0)
                return EX_USAGE;
        } else if (!cli_common(c, o))
            return cli_bad_option("discover", argv);
    }
    if (!ds || optind < argc) {
        cli_err("discover: expected --for DATASET (one of yours)");
        return EX_USAGE;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", ds);
    cJSON_AddNumberToObject(in, "limit", (double)limit);
    char *out;
    int ex = cli_call(c, "discover", in, &out);
    return ex ? ex : cli_emit(c, out, discover_text);
}
