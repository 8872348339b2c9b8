/* attest.h - signing and verifying teemed documents (cards now, results later).
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
#include "tm/tee.h"

/* Append the attestation member to doc (an object) and sign it. The members of extra
 * (may be NULL; always consumed) are added to the attestation before signing, e.g. the
 * hashes of a result envelope's parts. */
enum tm_rc tm_attest_sign(const struct tm_tee *tee, cJSON *doc, const char *kind,
                          cJSON *extra, int64_t now_ms, struct tm_diag *d) TM_NODISCARD;
/* SHA-256 of the running binary (/proc/self/exe), hex; "unknown" if unreadable. */
const char *tm_code_measurement(void);

/* Canonical text of a document (owned, free()). */
char *tm_canonical(const cJSON *doc);

#define TM_CHECKS_MAX 32
struct tm_check {
    char name[40];
    int ok;
    char detail[240];
};

struct tm_verify {
    char kind[24];          /* "card", "result" */
    int simulated;
    char backend[16];
    struct tm_check checks[TM_CHECKS_MAX];
    size_t nchecks;
    int ok;                 /* every required check passed */
    int hardware;           /* an attached quote passed full DCAP verification */
    char tcb_status[48];    /* its TCB status, "" when not evaluated */
};

/* Record one check in v (name, pass/fail, printf-style reason). A failure marks v as
 * failed even when the list is full (TM_CHECKS_MAX), so no failure is ever lost. */
void tm_verify_add(struct tm_verify *v, const char *name, int ok, const char *fmt, ...) TM_PRINTF(4, 5);

struct tm_expect; /* dcap.h */
struct tm_verify_opts {
    int allow_simulated;
    const struct tm_expect *expect; /* measurements the attached quote must show, or NULL */
    const char *collateral; /* dcap-qvl collateral JSON for an attached quote, or NULL */
    size_t collateral_len;
    int64_t at;             /* verification time (Unix seconds) for the collateral */
};

/* Verify a signed document held in text[0..len). Fills *v with every check; returns
 * TM_OK when all pass, TM_EVERIFY when one fails, TM_EPARSE when text is not a
 * document at all. */
enum tm_rc tm_attest_verify(const char *text, size_t len, const struct tm_verify_opts *o,
                            struct tm_verify *v, struct tm_diag *d) TM_NODISCARD;

#endif
