/* fuzz_collateral.c - the collateral and event-log JSON readers on arbitrary bytes: the
 * event log replay, and full DCAP verification of a real quote (fuzz/corpus/quote/tdx_v4,
 * read once from the repository root) against fuzzed collateral: no crash, no leak, no
 * read outside the input, whatever the JSON holds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "attest/attest.h"
#include "attest/dcap.h"
#include "attest/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t quote[8192];
static size_t qlen;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm_diag d;
    struct tm_eventlog el;
    if (tm_eventlog_replay((const char *)data, size, &el, &d) == TM_OK && el.events > 4096)
        abort();
    if (!qlen) {
        FILE *f = fopen("fuzz/corpus/quote/tdx_v4", "rb");
        if (!f)
            abort(); /* run from the repository root */
        qlen = fread(quote, 1, sizeof quote, f);
        fclose(f);
    }
    struct tm_quote q;
    if (tm_quote_parse(quote, qlen, &q, &d) != TM_OK)
        abort();
    struct tm_dcap out;
    struct tm_verify v;
    enum tm_rc rc = tm_dcap_verify(quote, qlen, &q, (const char *)data, size, 1752919234, &out, &v, &d);
    cJSON_Delete(out.advisories);
    if (rc == TM_OK && !out.evaluated) /* a pass always comes with a TCB status */
        abort();
    return 0;
}
