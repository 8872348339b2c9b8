/* cmd_cards.c - discover datasets by their public cards; withdraw your own. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_cards[] =
    "usage: teemed cards [--search TEXT] [--sort newest|relevance|reputation|demand]\n"
    "                    [--limit N] [--cursor C | --all]\n"
    "\n"
    "List the published dataset cards, newest first. --search keeps the cards in which\n"
    "every word of TEXT starts a word of the id, owner, topic, focus, expertise, topics\n"
    "or themes (case-insensitive). --sort relevance orders a search by its rank,\n"
    "reputation by the lower confidence bound of helpful ratings, demand by queries\n"
    "served in the last 30 days. Each card comes with its market figures (reputation,\n"
    "ratings, queries served, prices in credits). A page holds --limit cards (default\n"
    "20); JSON output is {\"cards\": [...], \"market\": {ID: {...}}, \"next_cursor\"}: pass\n"
    "next_cursor to --cursor for the next page, or --all to walk every page.\n";

static const char usage_card[] =
    "usage: teemed card ID\n"
    "\n"
    "Print the signed card of dataset ID (JSON when piped or with --json: save it and\n"
    "check it with 'teemed verify FILE'), with its privacy budget on a terminal.\n";

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "market: reputation 0.79 (45 of 50 helpful) - 12 queries in 30 days (40 in all) -
 * overlap 5, gap free, debug 20 credits" */
static void market_line(const cJSON *mk)
{
    if (!cJSON_IsObject(mk))
        return;
    if (num(mk, "ratings") > 0)
        printf("  market: reputation %.2f (%.0f of %.0f helpful)", num(mk, "reputation"), num(mk, "helpful"),
               num(mk, "ratings"));
    else
        printf("  market: not rated yet");
    printf(" - %.0f quer%s in 30 days (%.0f in all) - ", num(mk, "queries_30d"),
           num(mk, "queries_30d") == 1 ? "y" : "ies", num(mk, "queries_served"));
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(mk, "prices"), *x;
    int i = 0;
    cJSON_ArrayForEach(x, pr)
    {
        if (!x->string || !cJSON_IsNumber(x))
            continue;
        printf("%s", i++ ? ", " : "");
        cli_puts_safe(x->string);
        if (x->valuedouble > 0)
            printf(" %.0f", x->valuedouble);
        else
            printf(" free");
    }
    puts(i ? " (credits)" : "");
}

static void cards_text(const cJSON *o)
{
    const cJSON *cards = cJSON_GetObjectItemCaseSensitive(o, "cards"), *x;
    const cJSON *market = cJSON_GetObjectItemCaseSensitive(o, "market");
    int n = 0;
    cJSON_ArrayForEach(x, cards)
    {
        if (n++)
            putchar('\n');
        cli_print_card(x);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "dataset_id");
        if (cJSON_IsString(id))
            market_line(cJSON_GetObjectItemCaseSensitive(market, id->valuestring));
    }
    if (!n)
        puts("no cards");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(o, "next_cursor");
    if (cJSON_IsString(next))
        printf("\n(more: --cursor %s, or --all)\n", next->valuestring);
}

int cmd_cards(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"search", required_argument, NULL, 's'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"cursor", required_argument, NULL, 'c'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"sort", required_argument, NULL, 'S'},
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    const char *search = NULL, *cursor = NULL, *sort = NULL;
    long limit = 20;
    int o, all = 0;
    while ((o = getopt_long(argc, argv, ":s:l:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_cards, EX_OK);
        if (o == 's')
            search = optarg;
        else if (o == 'c')
            cursor = optarg;
        else if (o == 'a')
            all = 1;
        else if (o == 'S')
            sort = optarg;
        else if (o == 'l') {
            if ((limit = cli_number("cards", "--limit", optarg, 1, 100)) < 0)
                return EX_USAGE;
        } else if (!cli_common(c, o))
            return cli_bad_option("cards", argv);
    }
    if (optind < argc) {
        cli_err("cards: unexpected argument '%s' (did you mean --search?)", argv[optind]);
        return EX_USAGE;
    }
    cJSON *acc = all ? cJSON_CreateArray() : NULL, *macc = all ? cJSON_CreateObject() : NULL;
    char *next = cursor ? strdup(cursor) : NULL;
    for (;;) {
        cJSON *in = cJSON_CreateObject();
        if (search)
            cJSON_AddStringToObject(in, "search", search);
        if (sort)
            cJSON_AddStringToObject(in, "sort", sort);
        cJSON_AddNumberToObject(in, "limit", (double)limit);
        if (next)
            cJSON_AddStringToObject(in, "cursor", next);
        free(next);
        next = NULL;
        char *out;
        int ex = cli_call(c, "cards.list", in, &out);
        if (ex) {
            cJSON_Delete(acc);
            cJSON_Delete(macc);
            return ex;
        }
        if (!all)
            return cli_emit(c, out, cards_text);
        cJSON *page = cJSON_Parse(out);
        free(out);
        cJSON *cards = cJSON_GetObjectItemCaseSensitive(page, "cards");
        while (cards && cards->child)
            cJSON_AddItemToArray(acc, cJSON_DetachItemViaPointer(cards, cards->child));
        cJSON *mk = cJSON_GetObjectItemCaseSensitive(page, "market");
        while (mk && mk->child) {
            cJSON *x = cJSON_DetachItemViaPointer(mk, mk->child);
            const char *k = x->string;
            x->string = NULL;
            cJSON_AddItemToObject(macc, k, x);
            cJSON_free((void *)k);
        }
        const cJSON *nc = cJSON_GetObjectItemCaseSensitive(page, "next_cursor");
        if (cJSON_IsString(nc))
            next = strdup(nc->valuestring);
        cJSON_Delete(page);
        if (!next)
            break;
    }
    cJSON *o2 = cJSON_CreateObject();
    cJSON_AddItemToObject(o2, "cards", acc);
    cJSON_AddItemToObject(o2, "market", macc);
    cJSON_AddNullToObject(o2, "next_cursor");
    char *text = cJSON_PrintUnformatted(o2);
    cJSON_Delete(o2);
    return cli_emit(c, text, cards_text);
}

int cmd_card(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "card", usage_card, 1, 1, "one dataset ID");
    if (ex != CLI_GO)
        return ex;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    char *card;
    ex = cli_call(c, "cards.get", in, &card);
    if (ex || c->json)
        return ex ? ex : cli_emit(c, card, NULL);
    /* on a terminal, the budget too: it changes as queries run, so it is not signed */
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    char *budget = NULL;
    ex = cli_call(c, "datasets.budget", in, &budget);
    cli_emit(c, card, cli_print_card);
    if (ex)
        return ex;
    cJSON *b = cJSON_Parse(budget);
    const cJSON *left = cJSON_GetObjectItemCaseSensitive(b, "epsilon_left");
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(b, "epsilon_budget");
    const cJSON *share = cJSON_GetObjectItemCaseSensitive(b, "epsilon_per_requester");
    const cJSON *mine = cJSON_GetObjectItemCaseSensitive(b, "epsilon_spent_by_you");
    if (cJSON_IsNumber(left) && cJSON_IsNumber(tot)) {
        printf("  %-14s differential privacy on: epsilon %.2f of %.2f left\n", "privacy budget", left->valuedouble,
               tot->valuedouble);
        if (cJSON_IsNumber(share) && cJSON_IsNumber(mine))
            printf("  %-14s epsilon %.2f of your %.2f spent\n", "your share", mine->valuedouble, share->valuedouble);
    } else
        printf("  %-14s differential privacy off (exact counts, k-threshold applies)\n", "privacy budget");
    cJSON_Delete(b);
    free(budget);
    return EX_OK;
}

static const char usage_withdraw[] =
    "usage: teemed withdraw DS\n"
    "\n"
    "Withdraw your dataset: its card stops being listed, its sealed profile and records\n"
    "are deleted, open requests on it are cancelled; the audit trail keeps the event and\n"
    "results already delivered stay with their readers. The id is not reused.\n";

int cmd_withdraw(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "withdraw", usage_withdraw, 1, 1, "one dataset id");
    if (ex != CLI_GO)
        return ex;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "id", argv[optind]);
    char *out;
    ex = cli_call(c, "datasets.withdraw", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}
