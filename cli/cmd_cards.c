/* cmd_cards.c - teemed cards / teemed card: discover datasets by their public cards. */
#include "cli.h"
#include "core/mediator.h"
#include "core/workflow.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_cards[] =
    "usage: teemed cards [--search TEXT]\n"
    "\n"
    "List the published dataset cards, newest first. --search keeps the cards whose id,\n"
    "owner, topic, expertise or topics contain every word of TEXT (case-insensitive).\n"
    "JSON output is one array of cards.\n";

static const char usage_card[] =
    "usage: teemed card ID\n"
    "\n"
    "Print the signed card of dataset ID (JSON when piped or with --json; save it and\n"
    "check it with 'teemed verify FILE').\n";

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void join(const cJSON *arr, const char *field)
{
    const cJSON *it;
    int first = 1;
    cJSON_ArrayForEach(it, arr)
    {
        const char *s = cJSON_IsString(it) ? it->valuestring : field ? jstr(it, field) : "";
        printf("%s%s", first ? "" : ", ", s);
        first = 0;
    }
    if (first)
        printf("-");
}

void cli_print_card_text(const char *json)
{
    cJSON *c = cJSON_Parse(json);
    if (!c)
        return;
    const cJSON *vol = cJSON_GetObjectItemCaseSensitive(c, "volume");
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(c, "primary_focus");
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(c, "attestation");
    const cJSON *priv = cJSON_GetObjectItemCaseSensitive(c, "privacy");
    printf("%s  (owner %s)\n", jstr(c, "dataset_id"), jstr(c, "owner"));
    printf("  topic          %s\n", jstr(c, "topic"));
    printf("  volume         %s\n", jstr(vol, "summary"));
    const cJSON *mal = cJSON_GetObjectItemCaseSensitive(vol, "malformed");
    printf("  dates          %s .. %s, %d active days%s\n", jstr(vol, "first"), jstr(vol, "last"),
           cJSON_GetObjectItemCaseSensitive(vol, "active_days")
               ? cJSON_GetObjectItemCaseSensitive(vol, "active_days")->valueint
               : 0,
           cJSON_IsNumber(mal) && mal->valuedouble > 0 ? " (some lines malformed)" : "");
    printf("  primary focus  %s\n", cJSON_IsObject(pf) ? jstr(pf, "summary") : "-");
    printf("  expertise      ");
    join(cJSON_GetObjectItemCaseSensitive(c, "key_expertise"), NULL);
    printf("\n  topics         ");
    join(cJSON_GetObjectItemCaseSensitive(c, "topics"), NULL);
    printf("\n  themes         ");
    join(cJSON_GetObjectItemCaseSensitive(c, "themes"), "label");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(priv, "k");
    printf("\n  privacy        k=%d, scrubbed before analysis\n", cJSON_IsNumber(k) ? k->valueint : 0);
    printf("  commitment     %s\n", jstr(c, "commitment"));
    const cJSON *sim = cJSON_GetObjectItemCaseSensitive(att, "simulated");
    printf("  attestation    %s%s, signer %.24s...\n", jstr(att, "backend"),
           cJSON_IsTrue(sim) ? " (SIMULATED: software keys)" : "", jstr(att, "signer"));
    cJSON_Delete(c);
}

int cli_emit_card(const struct cli *c, char *card)
{
    if (c->json)
        puts(card);
    else
        cli_print_card_text(card);
    free(card);
    return EX_OK;
}

struct list {
    struct cli *c;
    size_t n;
};

static void each(void *ctx, const char *id, const char *card)
{
    struct list *l = ctx;
    (void)id;
    if (l->c->json)
        printf("%s%s", l->n ? ",\n" : "", card);
    else {
        if (l->n)
            putchar('\n');
        cli_print_card_text(card);
    }
    l->n++;
}

int cmd_cards(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"search", required_argument, NULL, 's'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    const char *search = NULL;
    int o;
    while ((o = getopt_long(argc, argv, ":s:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_cards, EX_OK);
        if (o == 's')
            search = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option("cards", argv);
    }
    if (optind < argc) {
        cli_err("cards: unexpected argument '%s' (did you mean --search?)", argv[optind]);
        return EX_USAGE;
    }
    struct tm_med *m;
    int ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    struct list l = {c, 0};
    if (c->json)
        putchar('[');
    enum tm_rc rc = tm_store_cards(m->store, search, each, &l, &d);
    if (c->json)
        puts("]");
    else if (!l.n)
        printf("no cards%s\n", search ? " match" : " yet");
    tm_med_close(m);
    return rc ? cli_fail(rc, &d) : EX_OK;
}

int cmd_card(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "card", usage_card, 1, 1, "one dataset ID");
    if (ex != CLI_GO)
        return ex;
    struct tm_med *m;
    ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *card = NULL, *budget = NULL;
    enum tm_rc rc = tm_store_card(m->store, argv[optind], &card, &d);
    if (!rc && !c->json && !tm_budget(m, argv[optind], &budget, NULL)) {
        /* the budget changes as queries run, so it is not part of the signed card */
        cJSON *b = cJSON_Parse(budget);
        const cJSON *left = cJSON_GetObjectItemCaseSensitive(b, "epsilon_left");
        const cJSON *tot = cJSON_GetObjectItemCaseSensitive(b, "epsilon_budget");
        cli_print_card_text(card);
        if (cJSON_IsNumber(left))
            printf("  privacy budget differential privacy on: epsilon %.2f of %.2f left\n",
                   left->valuedouble, tot->valuedouble);
        else
            printf("  privacy budget differential privacy off (exact counts, k-threshold applies)\n");
        cJSON_Delete(b);
        free(budget);
        free(card);
        tm_med_close(m);
        return EX_OK;
    }
    tm_med_close(m);
    return rc ? cli_fail(rc, &d) : cli_emit_card(c, card);
}
