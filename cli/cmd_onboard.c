/* cmd_onboard.c - teemed onboard: logs in, signed card out. */
#include "cli.h"
#include "core/mediator.h"
#include "pipeline/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: teemed onboard --as OWNER --id ID [--title T] [--k N] PATH...\n"
    "\n"
    "Read Claude Code logs (a ~/.claude/projects tree, project dirs, session .jsonl\n"
    "files), generic JSONL or Markdown/text files; scrub private data; profile the\n"
    "text; seal records and profile; publish and print the signed dataset card.\n"
    "\n"
    "  --as OWNER   the data owner's account (created on first use)\n"
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
        fprintf(stderr, "teemed: warning: %s\n", msg);
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
    fprintf(stderr, "\r[%.*s%*s] %3d%%  %.1f/%.1f MB  %.0f MB/s", fill,
            "##############################", 30 - fill, "", pct, done / 1e6, total / 1e6,
            el > 0 ? done / 1e6 / el : 0.0);
    u->bar = 1;
}

int cmd_onboard(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as", required_argument, NULL, 'a'},  {"id", required_argument, NULL, 'i'},
        {"title", required_argument, NULL, 't'}, {"k", required_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'},     CLI_COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    struct tm_onboard_opts oo = {0};
    struct ui u = {c, 0, 0, now_s(), 0};
    oo.k = TM_K_DEFAULT;
    int o;
    while ((o = getopt_long(argc, argv, ":a:i:t:k:qd:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'h': return cli_usage(usage, EX_OK);
        case 'a': oo.owner = optarg; break;
        case 'i': oo.id = optarg; break;
        case 't': oo.title = optarg; break;
        case 'q': u.quiet = 1; break;
        case 'k': {
            char *end;
            long k = strtol(optarg, &end, 10);
            if (*end || end == optarg || k < TM_K_MIN || k > 1000000) {
                cli_err("onboard: --k must be a number >= %d (got '%s')", TM_K_MIN, optarg);
                return EX_USAGE;
            }
            oo.k = (int)k;
            break;
        }
        default:
            if (!cli_common(c, o))
                return cli_bad_option("onboard", argv);
        }
    }
    if (!oo.owner || !oo.id) {
        cli_err("onboard: --as OWNER and --id ID are required (see 'teemed onboard --help')");
        return EX_USAGE;
    }
    if (optind >= argc) {
        cli_err("onboard: no PATH given (see 'teemed onboard --help')");
        return EX_USAGE;
    }
    oo.paths = (const char *const *)(argv + optind);
    oo.npaths = (size_t)(argc - optind);
    oo.now_ms = (int64_t)time(NULL) * 1000;
    oo.ctx = &u;
    oo.warn = warn;
    oo.progress = progress;

    struct tm_med *m;
    int ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *card = NULL;
    enum tm_rc rc = tm_onboard(m, &oo, &card, &d);
    clear_bar(&u);
    tm_med_close(m);
    if (u.warnings > MAX_WARN && !u.quiet)
        fprintf(stderr, "teemed: warning: %u more malformed lines not shown\n", u.warnings - MAX_WARN);
    return rc ? cli_fail(rc, &d) : cli_emit_card(c, card);
}

/* teemed x-floor (split|parse) PATH...: onboarding cut short (tm_onboard_floor), for the
 * floor figures `make bench` prints. */
int cmd_x_floor(struct cli *c, int argc, char **argv)
{
    static const char xusage[] = "usage: teemed x-floor split|parse PATH...\n";
    int ex = cli_plain_args(c, argc, argv, "x-floor", xusage, 2, 1 << 20, "split|parse PATH...");
    if (ex != CLI_GO)
        return ex;
    const char *how = argv[optind];
    enum tm_ingest_depth depth;
    if (strcmp(how, "split") == 0)
        depth = TM_INGEST_SPLIT;
    else if (strcmp(how, "parse") == 0)
        depth = TM_INGEST_PARSE;
    else {
        cli_err("x-floor: depth must be 'split' or 'parse' (got '%s')", how);
        return EX_USAGE;
    }
    struct tm_onboard_opts oo = {0};
    oo.owner = "floor";
    oo.id = "floor";
    oo.k = TM_K_DEFAULT;
    oo.paths = (const char *const *)(argv + optind + 1);
    oo.npaths = (size_t)(argc - optind - 1);
    struct tm_med *m;
    ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    uint64_t records = 0;
    enum tm_rc rc = tm_onboard_floor(m, &oo, depth, &records, &d);
    tm_med_close(m);
    if (rc)
        return cli_fail(rc, &d);
    printf("%llu records\n", (unsigned long long)records);
    return EX_OK;
}
