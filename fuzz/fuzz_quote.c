/* fuzz_quote.c - the DCAP quote parser and input decoder on arbitrary bytes. Invariant:
 * every span the parser returns lies inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include "attest/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *b, size_t n, struct tm_span s)
{
    if (s.ptr && (s.ptr < b || s.ptr + s.len > b + n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm_quote q;
    struct tm_diag d;
    if (tm_quote_parse(data, size, &q, &d) == TM_OK) {
        struct tm_span all[] = {q.qe_vendor_id, q.user_data, q.mr_td, q.rtmr[0], q.rtmr[3], q.report_data,
                                q.mr_service_td, q.signature, q.attestation_key, q.qe_report,
                                q.qe_report_signature, q.qe_auth_data, q.pck_chain, q.sgx_report_data};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++)
            inside(data, size, all[i]);
        if (q.signed_len > size)
            abort();
        cJSON_Delete(tm_quote_json(&q));
    }
    uint8_t *bin = NULL;
    size_t bl = 0;
    char *ev = NULL;
    if (tm_quote_decode((const char *)data, size, &bin, &bl, &ev, &d) == TM_OK && bl > size)
        abort();
    free(bin);
    free(ev);
    return 0;
}
