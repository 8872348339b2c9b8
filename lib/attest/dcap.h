/* dcap.h - full DCAP verification of a quote with a collateral bundle (dcap-qvl's
 * QuoteCollateralV3 JSON: PEM issuer chains, hex DER CRLs, the signed TCB info and QE
 * identity texts and their signatures), offline, at a given time. */
#ifndef TM_DCAP_H
#define TM_DCAP_H

#include <cjson/cJSON.h>
#include "attest/quote.h"

struct tm_dcap {
    char status[48];     /* UpToDate, SWHardeningNeeded, ..., or "not evaluated" */
    cJSON *advisories;   /* owned: array of "INTEL-SA-xxxxx" */
    int evaluated;       /* the TCB status was determined */
};

/* Run the collateral-free checks (tm_quote_check) and then: CRLs, TCB info and QE
 * identity (window at `at`, issuer chain with the root CA CRL, signature, id), PCK
 * chain revocation (root and PCK CRLs), QE identity policy and QE TCB level, PCK
 * extension (FMSPC, CPUSVN components, PCESVN) against the TCB levels (Intel's rule for
 * TDX components 0 and 1), the TDX module identity, and the combined status. Every
 * check goes into *v; TM_OK only when all pass (Revoked fails). Release out->advisories
 * with cJSON_Delete. */
enum tm_rc tm_dcap_verify(const uint8_t *quote, size_t qlen, const struct tm_quote *q,
                          const char *collateral, size_t clen, int64_t at, struct tm_dcap *out,
                          struct tm_verify *v, struct tm_diag *d) TM_NODISCARD;

/* Measurements the verifier demands (hex, optional 0x; NULL: not checked). */
struct tm_expect {
    const char *mrtd, *rtmr[4], *compose_hash;
    const char *app_id; /* dstack app id (20 bytes), from the event log's "app-id" event */
    const char *code_measurement; /* teemed binary SHA-256, from the last teemed-code-measurement event */
};
struct tm_eventlog;
int tm_expect_any(const struct tm_expect *x);
/* Add an expect-* check to v for each expectation in x. The compose hash is read from
 * the replayed event log el (NULL when there is none; el_ok: it replayed to the quote's
 * RTMRs), else from MRCONFIGID v1 (0x01 || compose hash || zeros). The app id only from
 * the replayed log (MRCONFIGID v2 hashes it with Keccak, which gives nothing to compare).
 * A log whose claims repeat before system-ready (el->duplicate) fails both. The code
 * measurement from the last teemed-code-measurement event of the replayed log. */
void tm_quote_expect(const struct tm_quote *q, const struct tm_eventlog *el, int el_ok, const struct tm_expect *x,
                     struct tm_verify *v);

#endif
