/* attest.h - the format of signed teemed documents (cards, results, the mediator's own
 * attestation) and their offline verification. Signing is tm_tee_sign (tee/tee.h).
 *
 * A signed document is a JSON object whose last member is "attestation":
 *   {"format": "teemed-attestation-v1", "kind": "card", "backend": "sim",
 *    "simulated": true, "signer": "ed25519:<hex>", "report_data": "<hex>",
 *    "quote": null, "payload_sha256": "<hex>", "signed_at": "<ISO time>",
 *    "signature": "<base64>"}
 * The payload is the document printed compactly (teemed's canonical form) with the
 * "signature" member absent; the signature is Ed25519 over
 *   "teemed-sign-v1" || 0x00 || kind || 0x00 || SHA-256(payload).
 * A verifier parses the file, requires that it is exactly the canonical form (so any
 * changed byte fails), recomputes the payload and checks every binding. */
#ifndef TM_ATTEST_H
#define TM_ATTEST_H

#include <cjson/cJSON.h>
#include "tm/err.h"
#include <stdint.h>
#include "attest/check.h"
#include "base/canon.h"

/* The bytes an Ed25519 signature covers: "teemed-sign-v1" || 0x00 || kind || 0x00 ||
 * SHA-256(payload), into msg (TM_DOC_MSG_MAX bytes; kind at most TM_DOC_KIND_MAX bytes). */
#define TM_DOC_KIND_MAX 20
#define TM_DOC_MSG_MAX (sizeof "teemed-sign-v1" + TM_DOC_KIND_MAX + 1 + 32)
void tm_doc_message(const char *kind, const uint8_t h[32], uint8_t *msg, size_t *n);
/* report_data binding a signing key:
 *   SHA-512("teemed-report-data-v1" || 0x00 || "ed25519" || 0x00 || pub[32])
 * and, for an attestation made fresh for a caller's nonce (16 to 64 bytes; the
 * attestation then carries "nonce": hex):
 *   SHA-512("teemed-report-data-v2" || 0x00 || "ed25519" || 0x00 || pub[32] || nonce) */
#define TM_NONCE_MAX 64
void tm_report_data(const uint8_t pub[32], uint8_t out[64]);
void tm_report_data_nonce(const uint8_t pub[32], const uint8_t *nonce, size_t nlen, uint8_t out[64]);

struct tm_expect; /* dcap.h */
struct tm_verify_opts {
    int allow_simulated;
    const struct tm_expect *expect; /* measurements the attached quote must show, or NULL */
    const char *collateral; /* dcap-qvl collateral JSON for an attached quote, or NULL */
    size_t collateral_len;
    int64_t at;             /* verification time (Unix seconds) for the collateral */
    const char *accept_tcb; /* TCB statuses accepted beyond the default ones (OutOfDate, ...) */
    int accept_disk_key;    /* accept the tdx backend's key kept in a file (see attestation.md) */
};

/* Verify a signed document held in text[0..len). Fills *v with every check; returns
 * TM_OK when all pass, TM_EVERIFY when one fails, TM_EPARSE when text is not a
 * document at all. */
enum tm_rc tm_attest_verify(const char *text, size_t len, const struct tm_verify_opts *o,
                            struct tm_verify *v, struct tm_diag *d) TM_NODISCARD;

#endif
