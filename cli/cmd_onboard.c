/* cmd_onboard.c - teemed onboard: logs in, signed card out. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] =
    "usage: teemed onboard --id ID [--title T] [--k N] [--quiet] [PATH...]\n"
    "       teemed push --server URL --id ID [--title T] [--k N] [--allow-simulated]\n"
    "                   [--collateral F] [--expect-...] [--quiet] [PATH...]\n"
    "\n"
    "Read Claude Code logs (a ~/.claude/projects tree, project dirs, session .jsonl\n"
    "files), generic JSONL or Markdown/text files; scrub private data; profile the\n"
    "text; seal records and profile; publish and print the signed dataset card. The\n"
    "dataset belongs to the account your token names. With no PATH: ~/.claude/projects.\n"
    "A path that starts with '-' (every Claude Code project folder does) goes after '--'\n"
    "or gets './' in front.\n"
    "\n"
    "With a server (--server URL or $TEEMED_SERVER) the files are pushed: the mediator's\n"
    "attestation is fetched with a fresh nonce and verified first (a simulated TEE is\n"
    "refused without --allow-simulated; --collateral and --expect-* as for 'teemed\n"
    "verify'), then the files stream encrypted to its attested key (X25519, HKDF-SHA256,\n"
    "AES-256-GCM); the mediator decrypts and ingests them as they arrive and keeps no\n"
    "plaintext. A cut connection leaves nothing behind: it is safe to retry.\n"
    "\n"
    "  --id ID      dataset id: letters, digits, '.', '_', '-' (at most 64)\n"
    "  --title T    topic shown on the card instead of the computed one\n"
    "  --k N        k-threshold: a term is published only if it occurs in at least\n"
    "               N distinct sessions (default 3, at least 2)\n"
    "  --quiet      no progress bar or warnings on stderr\n";

#define MAX_WARN 20

struct ui {
    struct cli *c;
    int quiet;
    unsigned warnings;
    double start;
    int bar;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void clear_bar(struct ui *u)
{
    if (u->bar) {
        fputs("\r\033[K", stderr);
        u->bar = 0;
    }
}

static void warn(void *ctx, const char *msg)
{
    struct ui *u = ctx;
    if (u->quiet)
        return;
    if (++u->warnings <= MAX_WARN) {
        clear_bar(u);
        cli_err("warning: %s", msg);
    }
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    struct ui *u = ctx;
    if (u->quiet || !u->c->tty_err || !total)
        return;
    double el = now_s() - u->start;
    int pct = (int)(done * 100 / total);
    int fill = pct * 30 / 100;
    fprintf(stderr, "\r[%.*s%*s] %3d%%  %.1f/%.1f MB  %.0f MB/s", fill, "##############################", 30 - fill,
            "", pct, done / 1e6, total / 1e6, el > 0 ? done / 1e6 / el : 0.0);
    u->bar = 1;
}

/* getopt took a path that starts with '-' for options: say how to pass it. */
static int dash_hint(int argc, char **argv)
{
    const char *arg = argv[optind - 1];
    for (int i = 1; i < argc; i++) /* the element that held the unknown option */
        if (argv[i][0] == '-' && argv[i][1] != '-' && strlen(argv[i]) > 2 && strchr(argv[i], optopt)) {
            arg = argv[i];
            break;
        }
    if (arg[0] == '-' && arg[1] != '-' && strlen(arg) > 2)
        cli_err("unknown option '%s' (a path that starts with '-', as Claude Code project folders do, "
                "goes after '--' or gets './' in front)", arg);
    else
        return cli_bad_option("onboard", argv);
    return EX_USAGE;
}

static int onboard_or_push(struct cli *c, int argc, char **argv, int push)
{
    static const struct option opts[] = {
        {"id", required_argument, NULL, 'i'}, {"title", required_argument, NULL, 'T' + 256},
        {"k", required_argument, NULL, 'k'},  {"quiet", no_argument, NULL, 'q'},
        {"allow-simulated", no_argument, NULL, 's'}, CLI_QUOTE_OPTS,
        CLI_COMMON_OPTS,                      {NULL, 0, NULL, 0},
    };
    const char *id = NULL, *title = NULL, *cmd = push ? "push" : "onboard";
    long k = 0;
    struct ui u = {c, 0, 0, now_s(), 0};
    struct cli_qopts q = {NULL, -1, NULL, {NULL, NULL, NULL, NULL}, NULL, 0, NULL};
    int o, allow_sim = 0, qr;
    struct stat st;
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) /* "-home-..." would read as -h -o -m -e */
        if (argv[i][0] == '-' && argv[i][1] != '-' && strlen(argv[i]) > 2 && stat(argv[i], &st) == 0) {
            cli_err("%s: '%s' is a path that starts with '-': write 'teemed %s ... -- %s' or './%s'", cmd,
                    argv[i], cmd, argv[i], argv[i]);
            return EX_USAGE;
        }
    q.expect = cJSON_CreateObject();
    int ex = EX_OK;
    while (!ex && (o = getopt_long(argc, argv, ":i:k:qd:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'h': cJSON_Delete(q.expect); return cli_usage(usage, EX_OK);
        case 'i': id = optarg; break;
        case 'T' + 256: title = optarg; break;
        case 'q': u.quiet = 1; break;
        case 's': allow_sim = 1; break;
        case 'k':
            if ((k = cli_number(cmd, "--k", optarg, 2, 1000000)) < 0)
                ex = EX_USAGE;
            break;
        default:
            if ((qr = cli_quote_option(cmd, &q, o, optarg)) < 0)
                ex = EX_USAGE;
            else if (!qr && !cli_common(c, o))
                ex = o == '?' ? dash_hint(argc, argv) : cli_bad_option(cmd, argv);
        }
    }
    if (!ex && !id) {
        cli_err("%s: --id ID is required (see 'teemed %s --help')", cmd, cmd);
        ex = EX_USAGE;
    }
    if (ex) {
        cJSON_Delete(q.expect);
        return ex;
    }
    cJSON *in = cJSON_CreateObject(), *paths = cJSON_AddArrayToObject(in, "paths");
    cJSON_AddStringToObject(in, "id", id);
    if (title)
        cJSON_AddStringToObject(in, "title", title);
    if (k)
        cJSON_AddNumberToObject(in, "k", (double)k);
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            cJSON_AddItemToArray(paths, cJSON_CreateString(argv[i]));
    } else {
        const char *home = getenv("HOME");
        char def[4096];
        snprintf(def, sizeof def, "%s/.claude/projects", home && *home ? home : ".");
        if (!u.quiet)
            cli_err("reading %s (no PATH given)", def);
        cJSON_AddItemToArray(paths, cJSON_CreateString(def));
    }
    if (allow_sim)
        cJSON_AddBoolToObject(in, "allow_simulated", 1);
    if ((ex = cli_quote_input(&q, in)) != EX_OK) {
        cJSON_Delete(q.expect);
        cJSON_Delete(in);
        return ex;
    }
    cJSON_Delete(q.expect);
    char *card = NULL;
    ex = cli_push(c, in, &card, &u, warn, progress);
    clear_bar(&u);
    if (u.warnings > MAX_WARN && !u.quiet)
        cli_err("warning: %u more malformed lines not shown", u.warnings - MAX_WARN);
    return ex ? ex : cli_emit(c, card, cli_print_card);
}

int cmd_onboard(struct cli *c, int argc, char **argv) { return onboard_or_push(c, argc, argv, 0); }

int cmd_push(struct cli *c, int argc, char **argv)
{
    if (!c->server && !(getenv("TEEMED_SERVER") && *getenv("TEEMED_SERVER"))) {
        for (int i = 1; i < argc; i++) /* --server may come after the command */
            if (!strncmp(argv[i], "--server", 8))
                return onboard_or_push(c, argc, argv, 1);
        cli_err("push: give the mediator with --server URL (or $TEEMED_SERVER); 'teemed onboard' reads into a "
                "local data dir");
        return EX_USAGE;
    }
    return onboard_or_push(c, argc, argv, 1);
}
