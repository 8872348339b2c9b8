/* main.c - the teemed tool: global options, the command table, argument helpers. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct command {
    const char *name;
    int (*fn)(struct cli *, int, char **);
    const char *summary;
} commands[] = {
    {"init", cmd_init, "create a data dir with a TEE backend and the operator account"},
    {"account", cmd_account, "create, list or renew accounts (create | list | rotate)"},
    {"whoami", cmd_whoami, "the account your token names"},
    {"onboard", cmd_onboard, "ingest logs and publish a signed dataset card"},
    {"push", cmd_push, "upload logs encrypted to an attested mediator (--server)"},
    {"cards", cmd_cards, "list or search dataset cards"},
    {"card", cmd_card, "print one dataset card"},
    {"withdraw", cmd_withdraw, "withdraw your dataset"},
    {"verify", cmd_verify, "verify a signed card, result or quote offline"},
    {"request", cmd_request, "ask for overlap, gap or debug over datasets"},
    {"requests", cmd_requests, "your requests and their states"},
    {"status", cmd_status, "where one request stands"},
    {"result", cmd_result, "the signed result of a request"},
    {"cancel", cmd_cancel, "withdraw your open request"},
    {"inbox", cmd_inbox, "requests waiting for your decision"},
    {"approve", cmd_approve, "approve a request (or release a reviewed result)"},
    {"reject", cmd_reject, "reject a request (or withhold a reviewed result)"},
    {"rate", cmd_rate, "rate a delivered result: helpful or not"},
    {"credits", cmd_credits, "your query credits: balance, holds, earnings, history"},
    {"discover", cmd_discover, "datasets ranked for collaboration with yours"},
    {"audit", cmd_audit, "the hash-chained audit trail of your dataset"},
    {"policy", cmd_policy, "show or change your dataset's policy"},
    {"jobs", cmd_jobs, "run computations that are waiting (operator)"},
    {"attest", cmd_attest, "print the mediator's own signed attestation"},
    {"quote", cmd_quote, "parse a TDX/SGX DCAP quote and show its fields"},
    {"serve", cmd_serve, "serve the data dir over HTTP (the API, MCP, uploads)"},
    {"demo", cmd_demo, "the seed's scenarios end to end on the bundled samples"},
};

static const char usage_main[] =
    "usage: teemed [--data DIR | --server URL] [--token TOKEN | --as NAME] [--json|--text] COMMAND [ARGS]\n"
    "\n"
    "teemed mediates private datasets (Claude Code logs) inside a TEE: it scrubs,\n"
    "profiles and seals them, publishes signed cards computed from the data, and runs\n"
    "owner-approved computations whose results anyone can verify offline.\n"
    "\n"
    "commands:\n";

static void print_usage(FILE *f)
{
    fputs(usage_main, f);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\noptions (before or after the command):\n"
          "  --data DIR        data dir (default: $TEEMED_DATA, else ~/.local/share/teemed)\n"
          "  --token TOKEN     act as the account this token names (default: $TEEMED_TOKEN,\n"
          "                    else the file ~/.config/teemed/token)\n"
          "  --token-file F    read the token from F (mode 0600)\n"
          "  --as NAME         use the token saved for NAME ('account create NAME --save')\n"
          "  --server URL      a mediator over HTTP (default: $TEEMED_SERVER, else the data dir)\n"
          "  --json            JSON on stdout (the default when stdout is not a terminal)\n"
          "  --text            readable text on stdout even when piped\n"
          "  --help            this help; 'teemed COMMAND --help' for a command\n"
          "  --version         print the version\n",
          f);
}

void cli_err(const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fputs("teemed: ", stderr);
    for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
        if (*p < 32 || *p == 127)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
}

int cli_fail(enum tm_rc rc, const struct tm_diag *d)
{
    cli_err("%s", d && d->msg[0] ? d->msg : tm_rc_name(rc));
    return tm_rc_info(rc)->exit_code;
}

int cli_usage(const char *usage, int ex)
{
    fputs(usage, ex ? stderr : stdout);
    return ex;
}

int cli_common(struct cli *c, int o)
{
    switch (o) {
    case 'd': c->data_dir_opt = optarg; return 1;
    case 'j': c->json = 1; return 1;
    case 'T': c->json = 0; return 1;
    case 1001: c->token_opt = optarg; return 1;
    case 1002: c->token_file = optarg; return 1;
    case 1003: c->as = optarg; return 1;
    case 1004: c->server = optarg; return 1;
    default: return 0;
    }
}

int cli_bad_option(const char *cmd, char **argv)
{
    if (optopt > 0 && optopt < 256)
        cli_err("%s: option '-%c' %s (see 'teemed %s --help')", cmd, optopt,
                strchr("djh", optopt) ? "needs an argument" : "is unknown", cmd);
    else
        cli_err("%s: bad option '%s' (see 'teemed %s --help')", cmd, argv[optind - 1], cmd);
    return EX_USAGE;
}

long cli_number(const char *cmd, const char *name, const char *arg, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi) {
        cli_err("%s: %s must be a whole number from %ld to %ld (got '%s')", cmd, name, lo, hi, arg);
        return -1;
    }
    return v;
}

int cli_plain_args(struct cli *c, int argc, char **argv, const char *cmd, const char *usage, int min,
                   int max, const char *operands)
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
    if (c->data_dir_opt)
        return c->data_dir_opt;
    const char *e = getenv("TEEMED_DATA");
    if (e && *e)
        return e;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return ".teemed";
    snprintf(buf, sizeof buf, "%s/.local/share/teemed", home);
    return buf;
}

const char *cli_config_dir(char *buf, size_t n)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(buf, n, "%s/teemed", x);
    else
        snprintf(buf, n, "%s/.config/teemed", home && *home ? home : ".");
    return buf;
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    c.tty_out = isatty(STDOUT_FILENO);
    c.tty_err = isatty(STDERR_FILENO);
    c.json = !c.tty_out;
    static const struct option opts[] = {CLI_COMMON_OPTS, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "+d:jhV", opts, NULL)) != -1) {
        if (o == 'h') {
            print_usage(stdout);
            return EX_OK;
        }
        if (o == 'V') {
            printf("teemed %s\n", TM_VERSION);
            return EX_OK;
        }
        if (!cli_common(&c, o)) {
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
        /* The command parses its own options (and the common ones again, so they may
         * come after the command or after operands). */
        int cargc = argc - optind;
        char **cargv = argv + optind;
        optind = 0; /* full re-initialisation of getopt for the command */
        int ex = commands[i].fn(&c, cargc, cargv);
        cli_close(&c);
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
