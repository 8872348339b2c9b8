/* main.c - the teemed tool: global options, the command table, error reporting.
 * Every command calls the same library functions that `teemed serve` will call. */
#include "cli.h"
#include "base/base.h"
#include "core/mediator.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEEMED_VERSION "0.1.0"

static const struct command {
    const char *name;
    int (*fn)(struct cli *, int, char **);
    const char *summary;
} commands[] = {
    {"init", cmd_init, "create a data dir with a TEE backend"},
    {"onboard", cmd_onboard, "ingest logs and publish a signed dataset card"},
    {"cards", cmd_cards, "list or search dataset cards"},
    {"card", cmd_card, "print one dataset card"},
    {"verify", cmd_verify, "verify a signed card or result"},
    {"request", cmd_request, "ask for overlap, gap or debug over datasets"},
    {"inbox", cmd_inbox, "requests waiting for your decision"},
    {"approve", cmd_approve, "approve a request (or release a reviewed result)"},
    {"reject", cmd_reject, "reject a request (or withhold a reviewed result)"},
    {"result", cmd_result, "the signed result of a request"},
    {"audit", cmd_audit, "the hash-chained audit trail of your dataset"},
    {"policy", cmd_policy, "auto-approve rules and review for your dataset"},
    {"demo", cmd_demo, "the seed's scenarios end to end on the bundled samples"},
    {"attest", cmd_attest, "print the mediator's own signed attestation"},
    {"quote", cmd_quote, "parse a TDX/SGX DCAP quote and show its fields"},
    {"x-background", cmd_x_background, "(developers) build the background model"},
    {"x-terms", cmd_x_terms, "(developers) show ranked terms of raw input"},
    {"x-bench-compute", cmd_x_bench_compute, "(developers) time the computations"},
    {"x-bench-quote", cmd_x_bench_quote, "(developers) DCAP verifications per second"},
    {"x-parse", cmd_x_parse, "(developers) parse input with cJSON only (bench reference)"},
    {"x-floor", cmd_x_floor, "(developers) onboarding cut short: split|parse (bench floors)"},
};

static const char usage_main[] =
    "usage: teemed [--data DIR] [--json] COMMAND [ARGS]\n"
    "\n"
    "teemed mediates private datasets (Claude Code logs) inside a TEE: it scrubs,\n"
    "profiles and seals them, and publishes signed cards computed from the data.\n"
    "\n"
    "commands:\n";

static void print_usage(FILE *f)
{
    fputs(usage_main, f);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (commands[i].name[0] != 'x')
            fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\noptions:\n"
          "  --data DIR   data dir (default: $TEEMED_DATA, else ~/.local/share/teemed)\n"
          "  --json       JSON on stdout (the default when stdout is not a terminal)\n"
          "  --text       readable text on stdout even when piped\n"
          "  --help       this help; 'teemed COMMAND --help' for a command\n"
          "  --version    print the version\n",
          f);
}

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fputs("teemed: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(enum tm_rc rc, const struct tm_diag *d)
{
    cli_err("%s", d && d->msg[0] ? d->msg : tm_rc_name(rc));
    switch (rc) {
    case TM_OK: return EX_OK;
    case TM_EVERIFY: return EX_VERIFY;
    case TM_EINVAL: return EX_USAGE;
    case TM_EIO: case TM_EPARSE: case TM_ETOOBIG: return EX_INPUT;
    case TM_ENOTFOUND: return EX_NOTFOUND;
    case TM_EEXIST: return EX_EXISTS;
    case TM_ESTATE: return EX_STATE;
    case TM_EPOLICY: return EX_USAGE;
    default: return EX_INTERNAL;
    }
}

int cli_usage(const char *usage, int ex)
{
    fputs(usage, ex ? stderr : stdout);
    return ex;
}

int cli_common(struct cli *c, int o)
{
    if (o == 'd')
        c->data_dir = optarg;
    else if (o == 'j')
        c->json = 1;
    else if (o == 'T')
        c->json = 0;
    else
        return 0;
    return 1;
}

int cli_bad_option(const char *cmd, char **argv)
{
    if (optopt)
        cli_err("%s: option '-%c' %s (see 'teemed %s --help')", cmd, optopt,
                strchr("djh", optopt) ? "needs an argument" : "is unknown", cmd);
    else
        cli_err("%s: bad option '%s' (see 'teemed %s --help')", cmd, argv[optind - 1], cmd);
    return EX_USAGE;
}

int cli_open_med(const struct cli *c, struct tm_med **m)
{
    struct tm_diag d = {{0}};
    enum tm_rc rc = tm_med_open(cli_data_dir(c), m, &d);
    return rc ? cli_fail(rc, &d) : EX_OK;
}

int cli_plain_args(struct cli *c, int argc, char **argv, const char *cmd, const char *usage,
                   int min, int max, const char *operands)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK);
        if (!cli_common(c, o))
            return cli_bad_option(cmd, argv);
    }
    int n = argc - optind;
    if (n >= min && n <= max)
        return CLI_GO;
    if (max == 0)
        cli_err("%s: unexpected argument '%s'", cmd, argv[optind]);
    else
        cli_err("%s: expected %s (see 'teemed %s --help')", cmd, operands, cmd);
    return EX_USAGE;
}

const char *cli_data_dir(const struct cli *c)
{
    static char buf[4096];
    if (c->data_dir)
        return c->data_dir;
    const char *e = getenv("TEEMED_DATA");
    if (e && *e)
        return e;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return ".teemed";
    snprintf(buf, sizeof buf, "%s/.local/share/teemed", home);
    return buf;
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    c.json = !isatty(STDOUT_FILENO);
    c.tty_err = isatty(STDERR_FILENO);
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
        {"text", no_argument, NULL, 'T'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "+d:jhV", opts, NULL)) != -1) {
        switch (o) {
        case 'd': c.data_dir = optarg; break;
        case 'j': c.json = 1; break;
        case 'T': c.json = 0; break;
        case 'h': print_usage(stdout); return EX_OK;
        case 'V': printf("teemed %s\n", TEEMED_VERSION); return EX_OK;
        default:
            cli_err("unknown option '%s' (see 'teemed --help')", argv[optind - 1]);
            return EX_USAGE;
        }
    }
    if (optind >= argc) {
        print_usage(stderr);
        return EX_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(commands[i].name, name) != 0)
            continue;
        /* The command parses its own options (and --data/--json again, so they may
         * come after the command or after operands). */
        int cargc = argc - optind;
        char **cargv = argv + optind;
        optind = 0; /* full re-initialisation of getopt for the command */
        int ex = commands[i].fn(&c, cargc, cargv);
        fflush(stdout);
        if (ferror(stdout)) {
            cli_err("cannot write output");
            return EX_INTERNAL;
        }
        return ex;
    }
    cli_err("unknown command '%s' (see 'teemed --help')", name);
    return EX_USAGE;
}

enum tm_rc cli_read_file(const char *path, size_t cap, struct tm_buf *b, struct tm_diag *d)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return tm_fail(d, TM_EIO, "cannot read '%s': %s", path, strerror(errno));
    char tmp[65536];
    size_t n;
    enum tm_rc rc = TM_OK;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (b->len + n > cap) {
            rc = tm_fail(d, TM_ETOOBIG, "'%s' is larger than %zu bytes", path, cap);
            break;
        }
        tm_buf_add(b, tmp, n);
    }
    if (!rc && ferror(f))
        rc = tm_fail(d, TM_EIO, "cannot read '%s': %s", path, strerror(errno));
    if (f != stdin)
        fclose(f);
    return rc;
}
