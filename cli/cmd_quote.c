/* cmd_quote.c - teemed quote: parse a DCAP quote and show its fields (the first stage of
 * offline verification; the DCAP chain and TCB checks come next). */
#include "cli.h"
#include "tm/attest.h"
#include "tm/dcap.h"
#include "tm/eventlog.h"
#include "tm/base.h"
#include "tm/quote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: teemed quote [--check] [--collateral FILE] [--at UNIX_TIME] FILE\n"
    "\n"
    "Parse an Intel DCAP quote (TDX v4/v5, SGX v3) given as binary, hex (with or without\n"
    "0x) or a dstack GetQuote JSON response, and print its fields: header, TD report\n"
    "(MRTD, RTMR0-3, report_data, debug flag) or enclave report, signature data.\n"
    "\n"
    "  --check        also run the DCAP checks that need no collateral: the PCK chain to\n"
    "                 the pinned Intel SGX Root CA (no CRLs), the QE report signature, the\n"
    "                 QE's binding of the attestation key, the quote signature, no debug\n"
    "                 TD; exit 1 if one fails. TCB status and revocation need collateral\n"
    "                 (not yet supported): a passing --check is not a full verification.\n"
    "  --collateral F full DCAP verification with a collateral bundle (dcap-qvl JSON):\n"
    "                 CRLs, TCB info and QE identity (window, chain, signature), PCK\n"
    "                 revocation, QE policy, TCB level, TDX module; prints the TCB status\n"
    "                 and advisories; exit 1 if a check fails\n"
    "  --at T         verify at Unix time T (default: now)\n";

int cmd_quote(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"check", no_argument, NULL, 'c'},
                                         {"collateral", required_argument, NULL, 'C'},
                                         {"at", required_argument, NULL, 't'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    int o, do_check = 0;
    const char *colpath = NULL;
    int64_t at = (int64_t)time(NULL);
    while ((o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK);
        if (o == 'c') {
            do_check = 1;
        } else if (o == 'C') {
            colpath = optarg;
            do_check = 1;
        } else if (o == 't') {
            char *end;
            long long t = strtoll(optarg, &end, 10);
            if (*end || end == optarg || t < 0) {
                cli_err("quote: --at must be a Unix time in seconds (got '%s')", optarg);
                return EX_USAGE;
            }
            at = (int64_t)t;
        } else if (!cli_common(c, o)) {
            return cli_bad_option("quote", argv);
        }
    }
    if (argc - optind != 1) {
        cli_err("quote: expected one FILE (see 'teemed quote --help')");
        return EX_USAGE;
    }
    const char *path = argv[optind];
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        cli_err("cannot read '%s': %s", path, strerror(errno));
        return EX_INPUT;
    }
    size_t cap = 4 * TM_QUOTE_MAX + 1, n;
    char *buf = malloc(cap);
    n = buf ? fread(buf, 1, cap, f) : 0;
    if (f != stdin)
        fclose(f);
    struct tm_diag d = {{0}};
    uint8_t *bin = NULL;
    size_t bl = 0;
    char *ev = NULL;
    enum tm_rc rc = n == cap ? tm_fail(&d, TM_ETOOBIG, "'%s' is too large to be a quote", path)
                             : tm_quote_decode(buf, n, &bin, &bl, &ev, &d);
    free(buf);
    struct tm_quote q;
    if (!rc)
        rc = tm_quote_parse(bin, bl, &q, &d);
    if (rc) {
        free(bin);
        free(ev);
        return cli_fail(rc, &d);
    }
    cJSON *j = tm_quote_json(&q);
    struct tm_eventlog el;
    int el_ok = -1; /* -1: no event log */
    if (ev) {
        if (tm_eventlog_replay(ev, strlen(ev), &el, &d)) {
            cJSON_Delete(j);
            free(bin);
            free(ev);
            return cli_fail(TM_EPARSE, &d);
        }
        cJSON *e = cJSON_AddObjectToObject(j, "event_log"), *rr = cJSON_AddArrayToObject(e, "rtmr_replayed"),
              *mm = cJSON_AddArrayToObject(e, "replay_matches_quote");
        cJSON_AddNumberToObject(e, "events", el.events);
        el_ok = 1;
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
    struct tm_verify v;
    struct tm_dcap dc = {{0}, NULL, 0};
    int failed = 0;
    char *col = NULL;
    size_t cl = 0;
    if (colpath) {
        FILE *cf = fopen(colpath, "rb");
        if (!cf) {
            cli_err("cannot read '%s': %s", colpath, strerror(errno));
            cJSON_Delete(j);
            free(bin);
            free(ev);
            return EX_INPUT;
        }
        col = malloc(TM_QUOTE_MAX + 1);
        cl = col ? fread(col, 1, TM_QUOTE_MAX, cf) : 0;
        fclose(cf);
    }
    if (do_check) {
        failed = (col ? tm_dcap_verify(bin, bl, &q, col, cl, at, &dc, &v, &d)
                      : tm_quote_check(bin, bl, &q, at, &v, &d)) != TM_OK;
        if (el_ok >= 0 && v.nchecks < TM_CHECKS_MAX) { /* the event log must replay to the quote */
            struct tm_check *x = &v.checks[v.nchecks++];
            snprintf(x->name, sizeof x->name, "event-log");
            x->ok = el_ok;
            snprintf(x->detail, sizeof x->detail, "%s", el_ok ? "the event log replays to RTMR0-3 of the quote"
                                                            : "the event log does not replay to the quote's RTMRs");
            failed |= !el_ok;
            v.ok &= el_ok;
        }
        cJSON *cs = cJSON_AddArrayToObject(j, "checks");
        for (size_t i = 0; i < v.nchecks; i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "check", v.checks[i].name);
            cJSON_AddBoolToObject(x, "ok", v.checks[i].ok);
            cJSON_AddStringToObject(x, "detail", v.checks[i].detail);
            cJSON_AddItemToArray(cs, x);
        }
        if (col) {
            cJSON_AddStringToObject(j, "tcb_status", dc.status);
            cJSON_AddItemToObject(j, "advisory_ids", dc.advisories ? dc.advisories : cJSON_CreateArray());
            dc.advisories = NULL;
        } else {
            cJSON_AddStringToObject(j, "tcb_status", "not evaluated (needs collateral)");
        }
    }
    free(col);
    char *s = c->json ? cJSON_PrintUnformatted(j) : cJSON_Print(j);
    puts(s);
    free(s);
    cJSON_Delete(j);
    free(bin);
    free(ev);
    if (failed) {
        for (size_t i = 0; i < v.nchecks; i++)
            if (!v.checks[i].ok) {
                cli_err("quote: %s check failed: %s", v.checks[i].name, v.checks[i].detail);
                break;
            }
        return EX_VERIFY;
    }
    return EX_OK;
}
