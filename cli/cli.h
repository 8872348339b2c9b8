/* cli.h - shared pieces of the teemed command-line tool (every cli/ file).
 *
 * Exit codes (docs/cli.md): 0 ok, 1 verification failed, 2 usage, 3 input (cannot
 * read, malformed), 4 not found, 5 already exists, 6 data dir not initialised or
 * damaged, 7 internal (database, crypto). */
#ifndef TM_CLI_H
#define TM_CLI_H

#include <getopt.h>
#include <stdint.h>
#include "attest/dcap.h"
#include "tm/err.h"

enum { EX_OK = 0, EX_VERIFY = 1, EX_USAGE = 2, EX_INPUT = 3, EX_NOTFOUND = 4, EX_EXISTS = 5,
       EX_STATE = 6, EX_INTERNAL = 7 };

struct cli {
    const char *data_dir; /* resolved */
    int json;             /* JSON on stdout (piped or --json) */
    int tty_err;          /* stderr is a terminal */
};

/* Print "teemed: MSG" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Map a library failure to its exit code after printing its message. */
int cli_fail(enum tm_rc rc, const struct tm_diag *d);
/* Print usage (on stdout for --help, stderr otherwise); return ex. */
int cli_usage(const char *usage, int ex);
/* For a command with only the common options and min..max operands (described by
 * `operands` in the error): parse argv; return CLI_GO to go on with the operands at
 * argv[optind..], else the exit code to return (EX_OK after --help). */
#define CLI_GO (-1)
int cli_plain_args(struct cli *c, int argc, char **argv, const char *cmd, const char *usage,
                   int min, int max, const char *operands);

int cmd_attest(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_onboard(struct cli *c, int argc, char **argv);
int cmd_cards(struct cli *c, int argc, char **argv);
int cmd_card(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_request(struct cli *c, int argc, char **argv);
int cmd_inbox(struct cli *c, int argc, char **argv);
int cmd_approve(struct cli *c, int argc, char **argv);
int cmd_reject(struct cli *c, int argc, char **argv);
int cmd_result(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_policy(struct cli *c, int argc, char **argv);
int cmd_demo(struct cli *c, int argc, char **argv);
int cmd_quote(struct cli *c, int argc, char **argv);
int cmd_x_background(struct cli *c, int argc, char **argv);
int cmd_x_bench_compute(struct cli *c, int argc, char **argv);
int cmd_x_bench_quote(struct cli *c, int argc, char **argv);
int cmd_x_terms(struct cli *c, int argc, char **argv);
int cmd_x_parse(struct cli *c, int argc, char **argv);
int cmd_x_floor(struct cli *c, int argc, char **argv);

/* Options every command accepts, and their handling inside a getopt loop. */
#define CLI_COMMON_OPTS                                                                    \
    {"data", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},              \
        {"text", no_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'}
/* Handle a common option o; return 1 if it was one. */
int cli_common(struct cli *c, int o);
/* The data dir: --data, else $TEEMED_DATA, else ~/.local/share/teemed. */
const char *cli_data_dir(const struct cli *c);
/* Report an unknown option or missing argument the getopt way; returns EX_USAGE. */
int cli_bad_option(const char *cmd, char **argv);

/* Open the mediator of the data dir; EX_OK, or the exit code after printing why. */
struct tm_med;
int cli_open_med(const struct cli *c, struct tm_med **m);

/* Read path ("-": stdin) into b, at most cap bytes (TM_ETOOBIG beyond). */
struct tm_buf;
enum tm_rc cli_read_file(const char *path, size_t cap, struct tm_buf *b, struct tm_diag *d);

/* Quote handling shared by quote and verify (cmd_quote.c). */
struct cli_quote_opts {
    const char *cmd;
    int check;
    int require_collateral; /* verify: without collateral, no pass */
    const char *collateral;
    int64_t at;
    struct tm_expect expect; /* the --expect-* options */
};
#define CLI_QUOTE_OPTS                                                                     \
    {"collateral", required_argument, NULL, 'C'}, {"at", required_argument, NULL, 't'},    \
        {"expect-mrtd", required_argument, NULL, 'M'},                                     \
        {"expect-rtmr", required_argument, NULL, 'R'},                                     \
        {"expect-compose-hash", required_argument, NULL, 'P'},                             \
        {"expect-app-id", required_argument, NULL, 'A'},                                   \
        {"expect-code-measurement", required_argument, NULL, 'K'}
int cli_quote_option(struct cli_quote_opts *q, int o, const char *arg, int *ex);
/* Show (and with o->check, verify) the quote in data[0..n); col[0..cl) is the collateral
 * named by o->collateral, already read (NULL when none). */
int cli_quote(struct cli *c, const char *data, size_t n, const char *col, size_t cl,
              const struct cli_quote_opts *o);

/* Print a card as readable text on stdout. */
void cli_print_card_text(const char *card_json);
/* Print a card as JSON or text (per c->json) and free it; returns EX_OK. */
int cli_emit_card(const struct cli *c, char *card_json);

#endif
