/* quote.h - Intel DCAP quotes: TDX v4 and v5 (TD report 1.0 and 1.5) and SGX v3, parsed
 * through the bounds-checked reader into spans (borrowed from the input buffer).
 * Layout: docs/attestation.md (from ../shared/docs/attestation.md, section c).
 * Parsing is the first stage only; the DCAP chain, signatures and TCB evaluation are
 * the next (issue 4). */
#ifndef TM_QUOTE_H
#define TM_QUOTE_H

#include <cjson/cJSON.h>
#include "tm/err.h"
#include "base/rd.h"

#define TM_QUOTE_MAX (1u << 20) /* quotes are ~5 KB; anything over 1 MiB is not a quote */

enum { TM_TEE_TYPE_SGX = 0x00, TM_TEE_TYPE_TDX = 0x81 };

struct tm_quote {
    uint16_t version, att_key_type;
    uint32_t tee_type;
    uint16_t qe_svn, pce_svn; /* SGX v3 only */
    struct tm_span qe_vendor_id, user_data;
    uint16_t body_type;       /* v5 descriptor: 1 SGX, 2 TD 1.0, 3 TD 1.5; v4: 2; v3: 1 */
    uint32_t body_size;
    size_t body_offset, signed_len;
    /* TD report (tee_type TDX) */
    struct tm_span tee_tcb_svn, mr_seam, mr_signer_seam, seam_attributes, td_attributes, xfam,
        mr_td, mr_config_id, mr_owner, mr_owner_config, rtmr[4], report_data, tee_tcb_svn2,
        mr_service_td;
    /* SGX enclave report (tee_type SGX) */
    struct tm_span cpu_svn, misc_select, attributes, mr_enclave, mr_signer, isv_prod_id,
        isv_svn, sgx_report_data;
    /* signature data */
    uint32_t sig_data_len;
    struct tm_span signature, attestation_key;
    uint16_t cert_type;       /* outer: 6 for v4/v5 */
    struct tm_span qe_report, qe_report_signature, qe_auth_data, pck_chain;
    uint16_t inner_cert_type; /* 5: PEM PCK certificate chain */
    size_t trailing;          /* bytes after the signature data */
    int debug;                /* TD attribute bit 0: a debug TD (never trustworthy) */
};

/* Parse buf[0..len) (borrowed by the spans). TM_EPARSE names the first bad field. */
enum tm_rc tm_quote_parse(const uint8_t *buf, size_t len, struct tm_quote *q, struct tm_diag *d) TM_NODISCARD;
/* Turn a file's bytes into a binary quote: binary as is, hex (with or without 0x, any
 * whitespace), or a dstack GetQuote JSON response {"quote": hex, "event_log": ...}.
 * *out is owned (free()); *event_log (owned, may be NULL) receives the event log JSON text. */
enum tm_rc tm_quote_decode(const char *text, size_t len, uint8_t **out, size_t *outlen,
                           char **event_log, struct tm_diag *d) TM_NODISCARD;
/* The parsed fields as JSON (owned: cJSON_Delete). */
cJSON *tm_quote_json(const struct tm_quote *q);

struct tm_verify;
/* The collateral-free DCAP checks, each recorded in *v (attest.h) with its reason:
 * header (versions, key type, Intel QE vendor), pck-chain (the quote's PCK chain to the
 * pinned Intel SGX Root CA at time at_s, without CRLs), qe-report-signature (PCK leaf key
 * over the QE report), qe-report-data (SHA-256(attestation key || QE auth data) bound by
 * the QE), quote-signature (attestation key over the signed region), td-attributes (no
 * debug TD). TCB evaluation and revocation need the collateral (next stage). Returns
 * TM_OK when every check passes. buf/len must be the bytes q was parsed from. */
enum tm_rc tm_quote_check(const uint8_t *buf, size_t len, const struct tm_quote *q, int64_t at_s,
                          struct tm_verify *v, struct tm_diag *d) TM_NODISCARD;

#endif
