/* xbench.c - teemed-dev x-bench-compute and x-bench-quote: timings for `make bench`.
 * Overlap and gap run on two onboarded datasets (profiles already built); debug runs on
 * a profile whose episodes come from 10,000 sessions. Prints median and p99 in ms. */
#include "dev.h"
#include "compute/compute.h"
#include "core/mediator.h"
#include "attest/check.h"
#include "attest/dcap.h"
#include "attest/quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { return dev_now_ms(); }

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    printf("%-34s p50 %7.3f ms  p99 %7.3f ms  (%d runs)\n", what, v[n / 2], v[n * 99 / 100], n);
}

static void time_runs(const char *what, const struct tm_computation *c, const struct tm_compute_in *in, int n)
{
    double *v = malloc((size_t)n * sizeof *v);
    struct tm_diag d;
    for (int i = 0; i < n; i++) {
        double t0 = now();
        cJSON *r = c->run(in, &d);
        v[i] = now() - t0;
        cJSON_Delete(r);
    }
    report(what, v, n);
    free(v);
}

int x_bench_compute(int argc, char **argv)
{
    if (argc != 3) {
        dev_err("usage: teemed-dev x-bench-compute DATASET_A DATASET_B");
        return EX_USAGE;
    }
    struct tm_shared *sh;
    struct tm_med *m;
    int ex = dev_open(&sh, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    const struct tm_taxonomy *tax;
    const struct tm_background *bg;
    if (tm_med_tax(m, &tax, &d) || tm_med_bg(m, &bg, &d)) {
        dev_close(sh, m);
        return dev_fail(TM_ESTATE, &d);
    }
    struct tm_profile a = {0}, b = {0}, dbg = {0};
    double t0 = now();
    enum tm_rc rc = tm_med_profile(m, argv[1], &a, &d);
    if (!rc)
        rc = tm_med_profile(m, argv[2], &b, &d);
    if (rc) {
        dev_close(sh, m);
        return dev_fail(rc, &d);
    }
    printf("%-34s %7.3f ms (both, once per request)\n", "unseal + parse two profiles", now() - t0);
    struct tm_compute_in in = {tax, bg, {argv[1], argv[2]}, {&a, &b}, 2, NULL, {0}, {0}, NULL, NULL};
    time_runs("overlap (two 200 MB datasets)", tm_computation("overlap"), &in, 200);
    time_runs("gap (two 200 MB datasets)", tm_computation("gap"), &in, 200);

    /* debug: episodes of 10,000 sessions over 12 projects, 400 problems of 8 families */
    static const char *const fam[8] = {
        "attestation verification failed: Could not decode Header::version",
        "TLS handshake error: x509: certificate signed by unknown authority",
        "docker: Error response from daemon: no space left on device",
        "npm ERR! code ERESOLVE unable to resolve dependency tree",
        "panic: runtime error: index out of range with length",
        "Traceback KeyError: report_data missing in quote response",
        "RTMR3 mismatch between event log replay and quote",
        "compose_hash not whitelisted in AppAuth contract",
    };
    static const char *const var[5] = {"", " in gateway", " after upgrade", " on staging", " during build"};
    struct tm_an *an = tm_an_new(tax, bg);
    char buf[300];
    for (uint32_t s = 0; s < 10000; s++) {
        struct tm_episode ep = {0};
        uint32_t p = s % 400;
        snprintf(buf, sizeof buf, "Error: %s%s (case %u)", fam[p % 8], var[p / 8 % 5], p / 40);
        ep.problem = strdup(buf);
        ep.signature = strdup(buf);
        ep.steps[ep.nsteps++] = strdup("Checked the configuration");
        ep.solution = strdup("Fixed the configuration and re-ran");
        ep.resolved = 1;
        ep.unit = s;
        ep.project = s % 12;
        tm_an_add_episode(an, &ep);
    }
    tm_an_finish(an, 3, &dbg);
    tm_an_free(an);
    static const char *const queries[4] = {"attestation verification failed",
                                           "certificate signed by unknown authority",
                                           "RTMR3 mismatch event log", "kubernetes pod evicted"};
    cJSON *params[4];
    double *v = malloc(400 * sizeof *v);
    for (int q = 0; q < 4; q++) {
        params[q] = cJSON_CreateObject();
        cJSON_AddStringToObject(params[q], "query", queries[q]);
    }
    struct tm_compute_in din = {tax, bg, {"bench"}, {&dbg}, 1, NULL, {0}, {0}, NULL, NULL};
    for (int i = 0; i < 400; i++) {
        din.params = params[i % 4];
        double t1 = now();
        cJSON *r = tm_computation("debug")->run(&din, &d);
        v[i] = now() - t1;
        cJSON_Delete(r);
    }
    char what[80];
    snprintf(what, sizeof what, "debug (10,000 sessions, %zu patterns)", dbg.nepisodes);
    report(what, v, 400);
    free(v);
    for (int q = 0; q < 4; q++)
        cJSON_Delete(params[q]);
    tm_profile_release(&a);
    tm_profile_release(&b);
    tm_profile_release(&dbg);
    dev_close(sh, m);
    return EX_OK;
}

/* teemed x-bench-quote QUOTE COLLATERAL NOW: full DCAP verifications per second on one
 * core, each one parsing the quote and the collateral as the npm verifiers do. */
int x_bench_quote(int argc, char **argv)
{
    if (argc != 4) {
        dev_err("usage: teemed-dev x-bench-quote QUOTE COLLATERAL UNIX_TIME");
        return EX_USAGE;
    }
    static char qbuf[1 << 20], cbuf[1 << 20];
    size_t qn = 0, cn = 0;
    FILE *f = fopen(argv[1], "rb");
    if (f) {
        qn = fread(qbuf, 1, sizeof qbuf, f);
        fclose(f);
    }
    f = fopen(argv[2], "rb");
    if (f) {
        cn = fread(cbuf, 1, sizeof cbuf, f);
        fclose(f);
    }
    int64_t at = strtoll(argv[3], NULL, 10);
    struct tm_diag d;
    long runs = 0;
    double t0 = now();
    for (;;) {
        uint8_t *bin = NULL;
        size_t bl = 0;
        char *ev = NULL;
        struct tm_quote q;
        struct tm_dcap out;
        struct tm_verify v;
        enum tm_rc rc = tm_quote_decode(qbuf, qn, &bin, &bl, &ev, &d);
        if (!rc)
            rc = tm_quote_parse(bin, bl, &q, &d);
        if (!rc)
            rc = tm_dcap_verify(bin, bl, &q, cbuf, cn, at, &out, &v, &d);
        cJSON_Delete(out.advisories);
        free(bin);
        free(ev);
        if (rc) {
            dev_err("x-bench-quote: verification failed");
            return EX_VERIFY;
        }
        runs++;
        if (now() - t0 > 3000)
            break;
    }
    double s = (now() - t0) / 1000;
    printf("%-36s %9.1f verifications/s\n", "teemed (C, OpenSSL 3)", (double)runs / s);
    return EX_OK;
}
