/* cmd_verify.c - teemed verify and teemed quote: check a signed card, result or mediator
 * attestation, or an Intel DCAP quote, with no access to any mediator. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FILE_MAX (16u << 20)

static const char usage_verify[] =
    "usage: teemed verify [--allow-simulated] [--collateral FILE] [--at UNIX_TIME]\n"
    "                     [--expect-mrtd HEX] [--expect-rtmr N=HEX]... [--expect-compose-hash HEX]\n"
    "                     [--expect-app-id HEX] [--expect-code-measurement HEX] FILE\n"
    "\n"
    "Check, with no access to the mediator, a signed card or result (FILE, or - for\n"
    "stdin): canonical form (any changed byte fails), payload hash, Ed25519 signature,\n"
    "request and result hashes, report_data binding of the signing key, and the TEE\n"
    "evidence; attestations from the 'sim' backend are refused unless --allow-simulated.\n"
    "Or an Intel DCAP quote (binary, hex, or a dstack GetQuote JSON response): the checks\n"
    "of 'teemed quote --check', full DCAP verification with --collateral, the event log\n"
    "replay and the expected measurements (see 'teemed quote --help').\n"
    "Exit 0 only when every check passes, 1 when one fails.\n";

static const char usage_quote[] =
    "usage: teemed quote [--check] [--collateral FILE] [--at UNIX_TIME] [--expect-mrtd HEX]\n"
    "                    [--expect-rtmr N=HEX]... [--expect-compose-hash HEX]\n"
    "                    [--expect-app-id HEX] [--expect-code-measurement HEX] FILE\n"
    "\n"
    "Parse an Intel DCAP quote (TDX v4/v5, SGX v3) given as binary, hex (with or without\n"
    "0x) or a dstack GetQuote JSON response, and print its fields: header, TD report\n"
    "(MRTD, RTMR0-3, report_data, debug flag) or enclave report, signature data, and the\n"
    "replay of a dstack event log with its app claims. 'teemed verify FILE' does the same\n"
    "with --check implied.\n"
    "\n"
    "  --check        the DCAP checks that need no collateral: the PCK chain to the pinned\n"
    "                 Intel SGX Root CA (no CRLs), the QE report signature, the QE's\n"
    "                 binding of the attestation key, the quote signature, no debug TD,\n"
    "                 and the event log replay; exit 1 if one fails. Without collateral\n"
    "                 the TCB status is not evaluated: not a full verification.\n"
    "  --collateral F full DCAP verification with a collateral bundle (dcap-qvl JSON):\n"
    "                 CRLs, TCB info and QE identity (window, chain, signature), PCK\n"
    "                 revocation, QE policy, TCB level, TDX module; prints the TCB status\n"
    "                 and advisories\n"
    "  --at T         verify at Unix time T (default: now)\n"
    "  --expect-mrtd HEX, --expect-rtmr N=HEX, --expect-compose-hash HEX,\n"
    "  --expect-app-id HEX, --expect-code-measurement HEX\n"
    "                 require these measurements (the compose hash from the event log, or\n"
    "                 from MRCONFIGID 0x01 || compose_hash; the app id (20 bytes) from the\n"
    "                 event log's app-id event, which must replay to RTMR3; the teemed\n"
    "                 binary's SHA-256 from the log's last teemed-code-measurement event)\n";

int cli_quote_option(const char *cmd, struct cli_qopts *q, int o, const char *arg)
{
    static const struct { int o; const char *key; } keys[] = {
        {'M', "mrtd"}, {'P', "compose_hash"}, {'A', "app_id"}, {'K', "code_measurement"}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (o == keys[i].o) {
            cJSON_DeleteItemFromObjectCaseSensitive(q->expect, keys[i].key);
            cJSON_AddStringToObject(q->expect, keys[i].key, arg);
            return 1;
        }
    if (o == 'C') {
        q->collateral = arg;
        return 1;
    }
    if (o == 1101) {
        q->accept_tcb = arg;
        return 1;
    }
    if (o == 1102) {
        q->accept_disk_key = 1;
        return 1;
    }
    if (o == 1103) {
        q->policy = arg;
        return 1;
    }
    if (o == 't') {
        char *end;
        q->at = strtoll(arg, &end, 10);
        if (*end || end == arg || q->at < 0) {
            cli_err("%s: --at must be a Unix time in seconds (got '%s')", cmd, arg);
            return -1;
        }
        return 1;
    }
    if (o == 'R') {
        if (arg[0] < '0' || arg[0] > '3' || arg[1] != '=') {
            cli_err("%s: --expect-rtmr takes N=HEX with N from 0 to 3 (got '%s')", cmd, arg);
            return -1;
        }
        q->rtmr[arg[0] - '0'] = arg + 2;
        return 1;
    }
    return 0;
}

int cli_quote_input(struct cli_qopts *q, cJSON *in)
{
    size_t n;
    int ex = EX_OK;
    if (!q->expect)
        q->expect = cJSON_CreateObject();
    if (q->policy) { /* {"mrtd", "rtmr": [...], "compose_hash", "app_id", "code_measurement",
                      *  "accept_tcb": [...], "accept_disk_key"}: options given here win */
        char *pt = cli_read_file(q->policy, 1 << 16, &n, &ex);
        if (!pt)
            return ex;
        cJSON *p = cJSON_Parse(pt);
        free(pt);
        if (!cJSON_IsObject(p)) {
            cJSON_Delete(p);
            cli_err("--policy %s: not a JSON object", q->policy);
            return EX_USAGE;
        }
        static const char *const keys[] = {"mrtd", "compose_hash", "app_id", "code_measurement", "rtmr"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, keys[i]);
            if (v && !cJSON_GetObjectItemCaseSensitive(q->expect, keys[i]))
                cJSON_AddItemToObject(q->expect, keys[i], cJSON_Duplicate(v, 1));
        }
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "accept_tcb"), *x;
        if (!q->accept_tcb && cJSON_IsArray(t)) {
            char list[256] = "";
            cJSON_ArrayForEach(x, t) if (cJSON_IsString(x) && strlen(list) + strlen(x->valuestring) + 2 < sizeof list)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? "," : "", x->valuestring);
            if (list[0])
                cJSON_AddStringToObject(in, "accept_tcb", list);
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "accept_disk_key")))
            q->accept_disk_key = 1;
        cJSON_Delete(p);
    }
    if (q->accept_tcb)
        cJSON_AddStringToObject(in, "accept_tcb", q->accept_tcb);
    if (q->accept_disk_key)
        cJSON_AddBoolToObject(in, "accept_disk_key", 1);
    if (q->collateral) {
        char *col = cli_read_file(q->collateral, FILE_MAX, &n, &ex);
        if (!col)
            return ex;
        cJSON_AddStringToObject(in, "collateral", col);
        free(col);
    }
    cJSON_AddNumberToObject(in, "at", (double)(q->at >= 0 ? q->at : (long long)time(NULL)));
    int any_rtmr = 0;
    for (int i = 0; i < 4; i++)
        any_rtmr |= q->rtmr[i] != NULL;
    if (any_rtmr) {
        cJSON_DeleteItemFromObjectCaseSensitive(q->expect, "rtmr"); /* options win over --policy */
        cJSON *r = cJSON_AddArrayToObject(q->expect, "rtmr");
        for (int i = 0; i < 4; i++)
            cJSON_AddItemToArray(r, q->rtmr[i] ? cJSON_CreateString(q->rtmr[i]) : cJSON_CreateNull());
    }
    if (q->expect->child)
        cJSON_AddItemToObject(in, "expect", q->expect);
    else
        cJSON_Delete(q->expect);
    q->expect = NULL;
    return EX_OK;
}

/* The op's input: the file (base64), the collateral's text, the time, the expectations. */
static int build_input(const char *path, struct cli_qopts *q, cJSON *in)
{
    size_t n;
    int ex = EX_OK;
    char *buf = cli_read_file(path, FILE_MAX, &n, &ex);
    if (!buf)
        return ex;
    char *b64 = cli_b64((const unsigned char *)buf, n);
    free(buf);
    cJSON_AddStringToObject(in, "data_b64", b64);
    free(b64);
    return cli_quote_input(q, in);
}

static void verify_text(const cJSON *o)
{
    const cJSON *what = cJSON_GetObjectItemCaseSensitive(o, "what"), *x;
    if (cJSON_IsString(what) && !strcmp(what->valuestring, "quote")) {
        cli_print_text(o);
        return;
    }
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "checks"))
    {
        printf("%-4s %-13s ", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "ok")) ? "ok" : "FAIL",
               cJSON_GetObjectItemCaseSensitive(x, "check")->valuestring);
        cli_puts_safe(cJSON_GetObjectItemCaseSensitive(x, "detail")->valuestring);
        putchar('\n');
    }
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
    int sim = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "simulated"));
    int hw = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "hardware_backed"));
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    printf("%s: ", ok ? "verified" : "NOT VERIFIED");
    cli_puts_safe(cJSON_IsString(kind) ? kind->valuestring : "");
    printf(" %s\n", sim ? "(simulated TEE, not hardware-backed)" : hw ? "(hardware-backed: Intel TDX, DCAP verified)" : "");
}

static int run(struct cli *c, int argc, char **argv, int is_verify)
{
    static const struct option vopts[] = {{"allow-simulated", no_argument, NULL, 's'}, CLI_QUOTE_OPTS, CLI_COMMON_OPTS,
                                          {NULL, 0, NULL, 0}};
    static const struct option qopts_[] = {{"check", no_argument, NULL, 'c'}, CLI_QUOTE_OPTS, CLI_COMMON_OPTS,
                                           {NULL, 0, NULL, 0}};
    const char *cmd = is_verify ? "verify" : "quote";
    struct cli_qopts q = {NULL, -1, cJSON_CreateObject(), {NULL, NULL, NULL, NULL}, NULL, 0, NULL};
    int o, allow_sim = 0, check = 0, ex = EX_OK;
    while ((o = getopt_long(argc, argv, ":d:jh", is_verify ? vopts : qopts_, NULL)) != -1) {
        int r;
        if (o == 'h') {
            cJSON_Delete(q.expect);
            return cli_usage(is_verify ? usage_verify : usage_quote, EX_OK);
        }
        if (o == 's')
            allow_sim = 1;
        else if (o == 'c')
            check = 1;
        else if ((r = cli_quote_option(cmd, &q, o, optarg)) < 0)
            ex = EX_USAGE;
        else if (!r && !cli_common(c, o))
            ex = cli_bad_option(cmd, argv);
        if (ex) {
            cJSON_Delete(q.expect);
            return ex;
        }
    }
    if (argc - optind != 1) {
        cJSON_Delete(q.expect);
        cli_err("%s: expected one FILE (see 'teemed %s --help')", cmd, cmd);
        return EX_USAGE;
    }
    cJSON *in = cJSON_CreateObject();
    ex = build_input(argv[optind], &q, in);
    cJSON_Delete(q.expect);
    if (ex) {
        cJSON_Delete(in);
        return ex;
    }
    if (allow_sim)
        cJSON_AddBoolToObject(in, "allow_simulated", 1);
    if (check)
        cJSON_AddBoolToObject(in, "check", 1);
    char *out = NULL;
    ex = cli_call(c, is_verify ? "verify" : "quote.show", in, &out);
    if (out)
        cli_emit(c, out, verify_text);
    return ex;
}

int cmd_verify(struct cli *c, int argc, char **argv) { return run(c, argc, argv, 1); }
int cmd_quote(struct cli *c, int argc, char **argv) { return run(c, argc, argv, 0); }
