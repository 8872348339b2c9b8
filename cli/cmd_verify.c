/* cmd_verify.c - teemed verify: check a signed card or result offline. */
#include "cli.h"
#include "attest/dcap.h"
#include "attest/attest.h"
#include "base/base.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VERIFY_MAX (16u << 20)

static const char usage[] =
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

int cmd_verify(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"allow-simulated", no_argument, NULL, 's'}, CLI_QUOTE_OPTS,
                                         CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    struct tm_verify_opts vo = {0};
    struct cli_quote_opts qo = {0};
    qo.cmd = "verify";
    qo.check = 1;
    qo.require_collateral = 1;
    qo.at = (int64_t)time(NULL);
    int o, ex = EX_OK;
    while ((o = getopt_long(argc, argv, ":sd:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK);
        if (o == 's')
            vo.allow_simulated = 1;
        else if (!cli_quote_option(&qo, o, optarg, &ex) && !cli_common(c, o))
            return cli_bad_option("verify", argv);
        if (ex)
            return ex;
    }
    if (argc - optind != 1) {
        cli_err("verify: expected one FILE (see 'teemed verify --help')");
        return EX_USAGE;
    }
    struct tm_buf b;
    tm_buf_init(&b);
    struct tm_diag d = {{0}};
    enum tm_rc rc = cli_read_file(argv[optind], VERIFY_MAX, &b, &d);
    if (rc) {
        tm_buf_release(&b);
        return cli_fail(rc, &d);
    }
    struct tm_buf col; /* collateral for a quote attached to a card or result */
    tm_buf_init(&col);
    if (qo.collateral && (rc = cli_read_file(qo.collateral, VERIFY_MAX, &col, &d)) != TM_OK) {
        tm_buf_release(&b);
        tm_buf_release(&col);
        return cli_fail(rc, &d);
    }
    vo.collateral = qo.collateral ? (col.ptr ? col.ptr : "") : NULL;
    vo.collateral_len = col.len;
    vo.at = qo.at;
    vo.expect = tm_expect_any(&qo.expect) ? &qo.expect : NULL;
    struct tm_verify v;
    rc = tm_attest_verify(b.ptr ? b.ptr : "", b.len, &vo, &v, &d);
    if (rc == TM_EPARSE) { /* not a teemed document: a quote, perhaps (the bytes already read) */
        int qex = cli_quote(c, b.ptr ? b.ptr : "", b.len, vo.collateral, col.len, &qo);
        tm_buf_release(&b);
        tm_buf_release(&col);
        return qex;
    }
    tm_buf_release(&b);
    tm_buf_release(&col);
    if (c->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "ok", v.ok);
        cJSON_AddStringToObject(j, "kind", v.kind);
        cJSON_AddStringToObject(j, "backend", v.backend);
        cJSON_AddBoolToObject(j, "simulated", v.simulated);
        cJSON_AddBoolToObject(j, "hardware_backed", v.hardware && v.ok);
        if (v.tcb_status[0])
            cJSON_AddStringToObject(j, "tcb_status", v.tcb_status);
        cJSON *cs = cJSON_CreateArray();
        for (size_t i = 0; i < v.nchecks; i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "check", v.checks[i].name);
            cJSON_AddBoolToObject(x, "ok", v.checks[i].ok);
            cJSON_AddStringToObject(x, "detail", v.checks[i].detail);
            cJSON_AddItemToArray(cs, x);
        }
        cJSON_AddItemToObject(j, "checks", cs);
        char *s = cJSON_PrintUnformatted(j);
        puts(s);
        free(s);
        cJSON_Delete(j);
    } else {
        for (size_t i = 0; i < v.nchecks; i++)
            printf("%-4s %-13s %s\n", v.checks[i].ok ? "ok" : "FAIL", v.checks[i].name,
                   v.checks[i].detail);
        printf("%s: %s %s\n", v.ok ? "verified" : "NOT VERIFIED", v.kind,
               v.simulated ? "(simulated TEE, not hardware-backed)"
                           : v.hardware && v.ok ? "(hardware-backed: Intel TDX, DCAP verified)" : "");
    }
    if (!v.ok) {
        for (size_t i = 0; i < v.nchecks; i++)
            if (!v.checks[i].ok) {
                cli_err("verify: %s check failed: %s", v.checks[i].name, v.checks[i].detail);
                break;
            }
        return EX_VERIFY;
    }
    return EX_OK;
}
