/* cmd_quote.c - teemed quote, and the quote half of teemed verify: parse an Intel DCAP
 * quote, run the collateral-free checks or full DCAP verification, replay a dstack event
 * log, compare measurements with what the caller expects, print every check. */
#include "cli.h"
#include "attest/attest.h"
#include "base/base.h"
#include "attest/dcap.h"
#include "attest/eventlog.h"
#include "attest/quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char usage[] =
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

int cli_quote(struct cli *c, const char *data, size_t n, const char *col, size_t cl,
              const struct cli_quote_opts *o)
{
    char *ev = NULL;
    size_t bl = 0;
    uint8_t *bin = NULL;
    int ex = EX_OK;
    struct tm_diag d = {{0}};
    struct tm_quote q;
    struct tm_verify v;
    struct tm_dcap dc = {{0}, NULL, 0};
    struct tm_eventlog el;
    cJSON *j = NULL;
    enum tm_rc rc = TM_OK;
    if (ex)
        goto out;
    rc = tm_quote_decode(data, n, &bin, &bl, &ev, &d);
    if (!rc)
        rc = tm_quote_parse(bin, bl, &q, &d);
    if (!rc && ev)
        rc = tm_eventlog_replay(ev, strlen(ev), &el, &d);
    if (rc) {
        ex = cli_fail(rc, &d);
        goto out;
    }
    j = tm_quote_json(&q);
    int el_ok = 1;
    if (ev) {
        cJSON *e = cJSON_AddObjectToObject(j, "event_log"), *rr = cJSON_AddArrayToObject(e, "rtmr_replayed"),
              *mm = cJSON_AddArrayToObject(e, "replay_matches_quote");
        cJSON_AddNumberToObject(e, "events", el.events);
        for (int i = 0; i < 4; i++) {
            char hx[97];
            tm_hex(el.rtmr[i], 48, hx);
            cJSON_AddItemToArray(rr, cJSON_CreateString(hx));
            int match = q.rtmr[i].len == 48 && !memcmp(q.rtmr[i].ptr, el.rtmr[i], 48);
            cJSON_AddItemToArray(mm, cJSON_CreateBool(match));
            el_ok &= match;
        }
        cJSON_AddStringToObject(e, "compose_hash", el.compose_hash);
        cJSON_AddStringToObject(e, "app_id", el.app_id);
        cJSON_AddStringToObject(e, "instance_id", el.instance_id);
        cJSON_AddStringToObject(e, "os_image_hash", el.os_image_hash);
        cJSON_AddStringToObject(e, "key_provider", el.key_provider);
        cJSON_AddNumberToObject(e, "app_events", el.app_events);
    }
    if (o->check) {
        rc = col ? tm_dcap_verify(bin, bl, &q, col, cl, o->at, &dc, &v, &d) : tm_quote_check(bin, bl, &q, o->at, &v, &d);
        if (ev)
            tm_verify_add(&v, "event-log", el_ok, "%s", el_ok ? "the event log replays to RTMR0-3 of the quote"
                                                    : "the event log does not replay to the quote's RTMRs");
        tm_quote_expect(&q, ev ? &el : NULL, el_ok, &o->expect, &v);
        if (!col && o->require_collateral)
            tm_verify_add(&v, "tcb", 0, "%s", "the TCB status was not evaluated: give the collateral (--collateral FILE)");
        cJSON *cs = cJSON_AddArrayToObject(j, "checks");
        for (size_t i = 0; i < v.nchecks; i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "check", v.checks[i].name);
            cJSON_AddBoolToObject(x, "ok", v.checks[i].ok);
            cJSON_AddStringToObject(x, "detail", v.checks[i].detail);
            cJSON_AddItemToArray(cs, x);
        }
        cJSON_AddStringToObject(j, "tcb_status", col ? dc.status : "not evaluated (needs collateral)");
        cJSON_AddItemToObject(j, "advisory_ids", dc.advisories ? dc.advisories : cJSON_CreateArray());
        dc.advisories = NULL;
        cJSON_AddBoolToObject(j, "verified", v.ok && col != NULL);
    }
    char *s = c->json ? cJSON_PrintUnformatted(j) : cJSON_Print(j);
    puts(s);
    free(s);
    if (o->check && !v.ok) {
        for (size_t i = 0; i < v.nchecks; i++)
            if (!v.checks[i].ok) {
                cli_err("%s: %s check failed: %s", o->cmd, v.checks[i].name, v.checks[i].detail);
                break;
            }
        ex = EX_VERIFY;
    }
out:
    cJSON_Delete(j);
    cJSON_Delete(dc.advisories);
    free(bin);
    free(ev);
    return ex;
}

/* Options shared by quote and verify; returns 1 if o was one of them. */
int cli_quote_option(struct cli_quote_opts *q, int o, const char *arg, int *ex)
{
    switch (o) {
    case 'C': q->collateral = arg; q->check = 1; return 1;
    case 'M': q->expect.mrtd = arg; return 1;
    case 'P': q->expect.compose_hash = arg; return 1;
    case 'A': q->expect.app_id = arg; return 1;
    case 'K': q->expect.code_measurement = arg; return 1;
    case 't': {
        char *end;
        long long t = strtoll(arg, &end, 10);
        if (*end || end == arg || t < 0) {
            cli_err("%s: --at must be a Unix time in seconds (got '%s')", q->cmd, arg);
            *ex = EX_USAGE;
        }
        q->at = (int64_t)t;
        return 1;
    }
    case 'R': {
        if (arg[0] < '0' || arg[0] > '3' || arg[1] != '=') {
            cli_err("%s: --expect-rtmr takes N=HEX with N from 0 to 3 (got '%s')", q->cmd, arg);
            *ex = EX_USAGE;
        } else {
            q->expect.rtmr[arg[0] - '0'] = arg + 2;
        }
        return 1;
    }
    default: return 0;
    }
}

int cmd_quote(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"check", no_argument, NULL, 'c'}, CLI_QUOTE_OPTS, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    struct cli_quote_opts qo = {0};
    qo.cmd = "quote";
    qo.at = (int64_t)time(NULL);
    int o, ex = EX_OK;
    while ((o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK);
        if (o == 'c')
            qo.check = 1;
        else if (!cli_quote_option(&qo, o, optarg, &ex) && !cli_common(c, o))
            return cli_bad_option("quote", argv);
        if (ex)
            return ex;
    }
    if (tm_expect_any(&qo.expect))
        qo.check = 1;
    if (argc - optind != 1) {
        cli_err("quote: expected one FILE (see 'teemed quote --help')");
        return EX_USAGE;
    }
    struct tm_buf q, col;
    tm_buf_init(&q);
    tm_buf_init(&col);
    struct tm_diag d = {{0}};
    enum tm_rc rc = cli_read_file(argv[optind], 4 * TM_QUOTE_MAX, &q, &d);
    if (!rc && qo.collateral)
        rc = cli_read_file(qo.collateral, TM_QUOTE_MAX, &col, &d);
    ex = rc ? cli_fail(rc, &d)
            : cli_quote(c, q.ptr ? q.ptr : "", q.len, qo.collateral ? (col.ptr ? col.ptr : "") : NULL, col.len, &qo);
    tm_buf_release(&q);
    tm_buf_release(&col);
    return ex;
}
