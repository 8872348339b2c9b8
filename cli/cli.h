/* cli.h - the teemed tool: every command parses its options into one op's JSON input,
 * calls it through the library's front door (tm/svc.h) and prints the output as JSON
 * (piped, or --json) or readable text (a terminal, or --text). No cli/ file uses
 * anything of the library but include/tm/.
 *
 * Exit codes come from the one table of result codes (tm_rc_info, docs/cli.md). */
#ifndef TM_CLI_H
#define TM_CLI_H

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdint.h>
#include "tm/err.h"
#include "tm/svc.h"

enum { EX_OK = 0, EX_VERIFY = 1, EX_USAGE = 2, EX_INPUT = 3, EX_INTERNAL = 7 };

struct cli {
    const char *data_dir_opt; /* --data */
    const char *token_opt;    /* --token */
    const char *token_file;   /* --token-file */
    const char *as;           /* --as NAME: the token saved for NAME */
    const char *server;       /* --server URL (else $TEEMED_SERVER): a remote mediator */
    int json;                 /* JSON on stdout (piped or --json) */
    int tty_out, tty_err;     /* stdout / stderr are terminals */
    struct tm_svc *svc;       /* opened on first call */
    char *token;              /* resolved on first call */
    int token_resolved;
};

/* Print "teemed: MSG" on stderr (control characters escaped). */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a library failure (its message) and return its exit code. */
int cli_fail(enum tm_rc rc, const struct tm_diag *d);
/* Print usage (on stdout for --help, stderr otherwise); return ex. */
int cli_usage(const char *usage, int ex);
/* For a command with only the common options and min..max operands: parse argv; return
 * CLI_GO to go on with the operands at argv[optind..], else the exit code to return. */
#define CLI_GO (-1)
int cli_plain_args(struct cli *c, int argc, char **argv, const char *cmd, const char *usage, int min,
                   int max, const char *operands);

/* Options every command accepts, and their handling inside a getopt loop. */
#define CLI_COMMON_OPTS                                                                            \
    {"data", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},                      \
        {"text", no_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'},                        \
        {"token", required_argument, NULL, 1001}, {"token-file", required_argument, NULL, 1002},   \
        {"as", required_argument, NULL, 1003}, {"server", required_argument, NULL, 1004}
/* Handle a common option o; return 1 if it was one. */
int cli_common(struct cli *c, int o);
/* Report an unknown option or missing argument the getopt way; returns EX_USAGE. */
int cli_bad_option(const char *cmd, char **argv);
/* Parse a whole number in [lo, hi] for option name; -1 (after the message) if it is not. */
long cli_number(const char *cmd, const char *name, const char *arg, long lo, long hi);

/* The data dir: --data, else $TEEMED_DATA, else ~/.local/share/teemed. */
const char *cli_data_dir(const struct cli *c);
/* The config dir: $XDG_CONFIG_HOME/teemed, else ~/.config/teemed (buf). */
const char *cli_config_dir(char *buf, size_t n);

/* Call op with in (consumed; NULL means {}) and hand back its output (owned, free())
 * in *out. Returns EX_OK, or the exit code after printing the error. A report that
 * comes with a failure (verify) is still handed back in *out. */
int cli_call(struct cli *c, const char *op, cJSON *in, char **out);
/* The same with progress and warning callbacks (onboard). */
int cli_call_cb(struct cli *c, const char *op, cJSON *in, char **out, void *cb,
                void (*warn)(void *, const char *), void (*progress)(void *, uint64_t, uint64_t));
void cli_close(struct cli *c);
/* Upload or onboard local files (tm_svc_push: verified and encrypted when remote). */
int cli_push(struct cli *c, cJSON *in, char **out, void *cb, void (*warn)(void *, const char *),
             void (*progress)(void *, uint64_t, uint64_t));

/* Print an op's output: JSON as it came (compact) with --json or piped, else as text
 * (text(c, parsed) when given, else the generic renderer). Frees out; returns EX_OK. */
int cli_emit(struct cli *c, char *out, void (*text)(const cJSON *));
/* The generic text renderer: "key: value" lines, nested objects indented, lists of
 * words joined; every string printed with control characters escaped. */
void cli_print_text(const cJSON *v);
/* Print s with control characters and escapes made visible (\x1b -> "\x1b"). */
void cli_puts_safe(const char *s);
/* Bold on a terminal, plain otherwise. */
void cli_heading(const struct cli *c, const char *s);

/* The options of a quote check, shared by verify, quote and push: --collateral F,
 * --at T, --expect-mrtd, --expect-rtmr N=HEX, --expect-compose-hash, --expect-app-id,
 * --expect-code-measurement. */
#define CLI_QUOTE_OPTS                                                                             \
    {"collateral", required_argument, NULL, 'C'}, {"at", required_argument, NULL, 't'},            \
        {"expect-mrtd", required_argument, NULL, 'M'}, {"expect-rtmr", required_argument, NULL, 'R'}, \
        {"expect-compose-hash", required_argument, NULL, 'P'},                                     \
        {"expect-app-id", required_argument, NULL, 'A'},                                           \
        {"expect-code-measurement", required_argument, NULL, 'K'},                                 \
        {"accept-tcb", required_argument, NULL, 1101}, {"accept-disk-key", no_argument, NULL, 1102}, \
        {"policy", required_argument, NULL, 1103}
struct cli_qopts {
    const char *collateral;
    long long at;        /* -1: now */
    cJSON *expect;       /* owned until handed to the input */
    const char *rtmr[4];
    const char *accept_tcb;
    int accept_disk_key;
    const char *policy;  /* a JSON file of expectations and acceptances */
};
/* An option of CLI_QUOTE_OPTS: 1 if o was one, 0 if not, -1 on a bad value. */
int cli_quote_option(const char *cmd, struct cli_qopts *q, int o, const char *arg);
/* Add "collateral" (the file's text), "at" and "expect" to in; EX_OK or an exit code. */
int cli_quote_input(struct cli_qopts *q, cJSON *in);

/* Print a card as readable text. */
void cli_print_card(const cJSON *card);

/* Read path ("-": stdin) into a malloc'd buffer of at most cap bytes (*len set). NULL on
 * failure, after printing why (*ex receives the exit code). */
char *cli_read_file(const char *path, size_t cap, size_t *len, int *ex);
/* Base64 of p[0..n) (owned). */
char *cli_b64(const unsigned char *p, size_t n);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_credits(struct cli *c, int argc, char **argv);
int cmd_rate(struct cli *c, int argc, char **argv);
int cmd_discover(struct cli *c, int argc, char **argv);
int cmd_account(struct cli *c, int argc, char **argv);
int cmd_whoami(struct cli *c, int argc, char **argv);
int cmd_onboard(struct cli *c, int argc, char **argv);
int cmd_cards(struct cli *c, int argc, char **argv);
int cmd_card(struct cli *c, int argc, char **argv);
int cmd_withdraw(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_quote(struct cli *c, int argc, char **argv);
int cmd_attest(struct cli *c, int argc, char **argv);
int cmd_request(struct cli *c, int argc, char **argv);
int cmd_requests(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_result(struct cli *c, int argc, char **argv);
int cmd_cancel(struct cli *c, int argc, char **argv);
int cmd_inbox(struct cli *c, int argc, char **argv);
int cmd_approve(struct cli *c, int argc, char **argv);
int cmd_reject(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_policy(struct cli *c, int argc, char **argv);
int cmd_jobs(struct cli *c, int argc, char **argv);
int cmd_demo(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_push(struct cli *c, int argc, char **argv);

#endif
