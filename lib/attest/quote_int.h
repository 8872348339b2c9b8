/* quote_int.h - quote checks shared by quote_verify.c and dcap.c (library-internal). */
#ifndef TM_QUOTE_INT_H
#define TM_QUOTE_INT_H

#include <openssl/x509.h>
#include "attest/check.h"
#include "attest/quote.h"

/* tm_quote_check, with the PCK chain checked for revocation against crls (a
 * NULL-terminated array; NULL: no revocation check) in the same path validation. */
enum tm_rc quote_checks(const uint8_t *buf, size_t len, const struct tm_quote *q, int64_t at,
                        X509_CRL **crls, X509 **leaf_out, struct tm_verify *v, struct tm_diag *d);
/* leaf_out (may be NULL) receives the PCK leaf certificate (owned: X509_free). */

/* The pinned Intel SGX Root CA, parsed once (borrowed: never free it), and SHA-256
 * fetched once; both safe to call from any thread. */
X509 *tm_intel_root(void);
const EVP_MD *tm_md_sha256(void);

/* The certificates of a PEM text, in order (owned: sk_X509_pop_free), stopping at one
 * that does not parse; a byte-identical copy of the pinned root shares the pinned object
 * instead of being parsed again (X.509 parsing is a third of a DCAP verification). */
STACK_OF(X509) *tm_pem_certs(const char *pem, size_t n);
/* Validate chain[0] through chain[1..] to the pinned root at `at`, with revocation of
 * every certificate when crls (NULL-terminated) is given; why receives the verdict. */
int tm_chain_verify(STACK_OF(X509) *chain, X509_CRL **crls, int64_t at, char *why, size_t wl);

/* ECDSA P-256 with SHA-256 over msg[0..n); sig is r || s (32 + 32 bytes, big-endian),
 * as in quotes and in the collateral's signatures. */
int tm_ecdsa_p256_ok(EVP_PKEY *key, const uint8_t *msg, size_t n, const uint8_t sig[64]);

#endif
