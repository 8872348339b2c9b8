/* cmd_admin.c - the mediator's administration: init, account, whoami, jobs, attest. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Save token for name as CONFIG/tokens/name (0600, never over an existing file unless
 * force). Returns 0, or prints why and returns an exit code. */
static int save_token(const char *name, const char *token, int force)
{
    char dir[4096], path[4400];
    cli_config_dir(dir, sizeof dir);
    for (char *p = dir + 1; *p; p++) /* mkdir -p, 0700 */
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0700);
            *p = '/';
        }
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/tokens", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/tokens/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0600);
    if (fd < 0) {
        cli_err("cannot save the token to '%s': %s%s", path, strerror(errno),
                errno == EEXIST ? " (--force replaces it)" : "");
        return EX_INPUT;
    }
    size_t n = strlen(token);
    int ok = fchmod(fd, 0600) == 0 && write(fd, token, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        cli_err("cannot write '%s': %s", path, strerror(errno));
        unlink(path);
        return EX_INPUT;
    }
    fprintf(stderr, "teemed: saved the token of '%s' in %s (use --as %s)\n", name, path, name);
    return EX_OK;
}

static const char usage_init[] =
    "usage: teemed init [--tee sim|dstack|tdx] [--save]\n"
    "\n"
    "Create the data dir (mode 0700) with its database, the TEE backend that holds the\n"
    "mediator's keys, and the operator account. The operator's token is printed once\n"
    "(--save also keeps it as ~/.config/teemed/tokens/operator, mode 0600); whoever holds\n"
    "the data dir administers the mediator without it. 'sim' keeps software keys in the\n"
    "data dir and labels every attestation as simulated.\n";

static void init_text(const cJSON *o)
{
    const cJSON *sim = cJSON_GetObjectItemCaseSensitive(o, "simulated");
    printf("initialised %s (TEE backend: %s%s)\n", cJSON_GetObjectItemCaseSensitive(o, "data_dir")->valuestring,
           cJSON_GetObjectItemCaseSensitive(o, "tee")->valuestring, cJSON_IsTrue(sim) ? ", simulated" : "");
    printf("operator token (shown once; keep it secret): %s\n",
           cJSON_GetObjectItemCaseSensitive(o, "operator_token")->valuestring);
}

int cmd_init(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"tee", required_argument, NULL, 't'}, {"save", no_argument, NULL, 's'},
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    const char *tee = "sim";
    int o, save = 0;
    while ((o = getopt_long(argc, argv, ":t:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_init, EX_OK);
        if (o == 't')
            tee = optarg;
        else if (o == 's')
            save = 1;
        else if (!cli_common(c, o))
            return cli_bad_option("init", argv);
    }
    if (optind < argc) {
        cli_err("init: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    struct tm_diag d = {{0}};
    char *out = NULL;
    enum tm_rc rc = tm_svc_init(cli_data_dir(c), tee, &out, &d);
    if (rc)
        return cli_fail(rc, &d);
    if (save) {
        cJSON *j = cJSON_Parse(out);
        int ex = save_token("operator", cJSON_GetObjectItemCaseSensitive(j, "operator_token")->valuestring, 0);
        cJSON_Delete(j);
        if (ex) {
            free(out);
            return ex;
        }
    }
    return cli_emit(c, out, init_text);
}

static const char usage_account[] =
    "usage: teemed account create NAME [--role member|operator] [--save [--force]]\n"
    "       teemed account list\n"
    "       teemed account rotate NAME [--save --force]\n"
    "\n"
    "Accounts are created by the operator (on the mediator's machine no token is needed:\n"
    "whoever holds the data dir is the operator). The new token is printed once; --save\n"
    "keeps it as ~/.config/teemed/tokens/NAME (mode 0600) so that '--as NAME' uses it.\n"
    "rotate issues a new token (the old one stops working): for the operator, or the\n"
    "account itself.\n";

static void token_text(const cJSON *o)
{
    printf("account %s", cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "role");
    if (cJSON_IsString(r))
        printf(" (%s)", r->valuestring);
    printf("\ntoken (shown once; keep it secret): %s\n", cJSON_GetObjectItemCaseSensitive(o, "token")->valuestring);
}

int cmd_account(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'}, {"save", no_argument, NULL, 's'},
                                         {"force", no_argument, NULL, 'f'}, CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    const char *role = NULL;
    int o, save = 0, force = 0;
    while ((o = getopt_long(argc, argv, ":r:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_account, EX_OK);
        if (o == 'r')
            role = optarg;
        else if (o == 's')
            save = 1;
        else if (o == 'f')
            force = 1;
        else if (!cli_common(c, o))
            return cli_bad_option("account", argv);
    }
    const char *sub = optind < argc ? argv[optind] : "";
    int nargs = argc - optind - 1;
    char *out = NULL;
    int ex;
    if (!strcmp(sub, "list") && nargs == 0) {
        ex = cli_call(c, "accounts.list", NULL, &out);
        return ex ? ex : cli_emit(c, out, NULL);
    }
    if ((strcmp(sub, "create") && strcmp(sub, "rotate")) || nargs != 1) {
        cli_err("account: expected 'create NAME', 'list' or 'rotate NAME' (see 'teemed account --help')");
        return EX_USAGE;
    }
    const char *name = argv[optind + 1];
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", name);
    if (role)
        cJSON_AddStringToObject(in, "role", role);
    ex = cli_call(c, !strcmp(sub, "create") ? "accounts.create" : "accounts.rotate", in, &out);
    if (ex)
        return ex;
    if (save) {
        cJSON *j = cJSON_Parse(out);
        ex = save_token(name, cJSON_GetObjectItemCaseSensitive(j, "token")->valuestring,
                        force || !strcmp(sub, "rotate"));
        cJSON_Delete(j);
        if (ex) {
            free(out);
            return ex;
        }
    }
    return cli_emit(c, out, token_text);
}

static const char usage_whoami[] = "usage: teemed whoami\n\nThe account (and role) your token names.\n";

int cmd_whoami(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "whoami", usage_whoami, 0, 0, NULL);
    if (ex != CLI_GO)
        return ex;
    char *out;
    ex = cli_call(c, "accounts.whoami", NULL, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static const char usage_jobs[] =
    "usage: teemed jobs run [--max N] [--lease S]\n"
    "\n"
    "Run the computations that are waiting: queued, or claimed by a process that died\n"
    "(its lease expired). 'teemed serve' does this by itself; on a machine without it,\n"
    "the operator runs it after a crash. --lease: how long this run's claims last (s,\n"
    "default 300): if it dies, another run may take its jobs up after that.\n";

int cmd_jobs(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"max", required_argument, NULL, 'm'},
                                         {"lease", required_argument, NULL, 'L'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    long max = 64, lease = 0;
    int o;
    while ((o = getopt_long(argc, argv, ":m:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage_jobs, EX_OK);
        if (o == 'L') {
            if ((lease = cli_number("jobs", "--lease", optarg, 1, 86400)) < 0)
                return EX_USAGE;
        } else if (o == 'm') {
            if ((max = cli_number("jobs", "--max", optarg, 1, 1000)) < 0)
                return EX_USAGE;
        } else if (!cli_common(c, o))
            return cli_bad_option("jobs", argv);
    }
    if (argc - optind != 1 || strcmp(argv[optind], "run")) {
        cli_err("jobs: expected 'run' (see 'teemed jobs --help')");
        return EX_USAGE;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddNumberToObject(in, "max", (double)max);
    if (lease)
        cJSON_AddNumberToObject(in, "lease", (double)lease);
    char *out;
    int ex = cli_call(c, "jobs.run", in, &out);
    return ex ? ex : cli_emit(c, out, NULL);
}

static const char usage_attest[] =
    "usage: teemed attest\n"
    "\n"
    "Print the mediator's attestation: a document of kind \"mediator\" (software, code\n"
    "measurement, TEE backend) signed by the mediator's key, whose attestation carries\n"
    "report_data (the key's binding) and, on dstack/tdx, the TDX quote and event log.\n"
    "Check it before uploading anything:\n"
    "  teemed attest > mediator.json\n"
    "  teemed verify --collateral COLLATERAL.json mediator.json\n"
    "The output is the canonical signed JSON document (--text changes nothing).\n";

int cmd_attest(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "attest", usage_attest, 0, 0, NULL);
    if (ex != CLI_GO)
        return ex;
    char *out;
    ex = cli_call(c, "mediator.attest", NULL, &out);
    if (ex)
        return ex;
    puts(out); /* a signed document is printed byte for byte, whatever the mode */
    free(out);
    return EX_OK;
}
