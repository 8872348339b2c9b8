/* crypto.h - the only interface to OpenSSL 3: hashes, Ed25519, AES-256-GCM, HKDF, a
 * streaming Merkle tree (RFC 6962 hashing) and constant-time helpers. */
#ifndef TM_CRYPTO_H
#define TM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include "tm/err.h"

#define TM_SHA256_LEN 32
#define TM_ED25519_PUB 32
#define TM_ED25519_SIG 64
#define TM_GCM_NONCE 12
#define TM_GCM_TAG 16

void tm_sha256(const void *p, size_t n, uint8_t out[32]);
void tm_sha512(const void *p, size_t n, uint8_t out[64]);
enum tm_rc tm_random(void *p, size_t n, struct tm_diag *d) TM_NODISCARD;
void tm_cleanse(void *p, size_t n);
int tm_ct_equal(const void *a, const void *b, size_t n);

/* HKDF-SHA256 (RFC 5869). */
enum tm_rc tm_hkdf(const uint8_t *key, size_t klen, const void *salt, size_t slen,
                   const char *info, uint8_t *out, size_t olen, struct tm_diag *d) TM_NODISCARD;

/* Ed25519 from a 32-byte seed. */
enum tm_rc tm_ed25519_public(const uint8_t seed[32], uint8_t pub[32], struct tm_diag *d) TM_NODISCARD;
/* X25519 (RFC 7748): the public key of priv, and the shared secret with peer (an
 * all-zero result - a small-order peer key - fails). */
enum tm_rc tm_x25519_public(const uint8_t priv[32], uint8_t pub[32], struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_x25519(const uint8_t priv[32], const uint8_t peer[32], uint8_t shared[32],
                     struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_ed25519_sign(const uint8_t seed[32], const void *msg, size_t n, uint8_t sig[64],
                           struct tm_diag *d) TM_NODISCARD;
/* 1 when a 32-byte point encoding is non-canonical or of small order (refused as a
 * public key or as a signature's R). */
int tm_ed25519_weak_point(const uint8_t enc[32]);
/* Return TM_OK when sig is valid for msg under pub, TM_EVERIFY otherwise (also for a
 * weak public key or R: tm_ed25519_weak_point). */
enum tm_rc tm_ed25519_verify(const uint8_t pub[32], const void *msg, size_t n,
                             const uint8_t sig[64]) TM_NODISCARD;

/* AES-256-GCM with a caller-chosen unique nonce. out receives n bytes of ciphertext. */
enum tm_rc tm_gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                       size_t alen, const void *in, size_t n, uint8_t *out, uint8_t tag[16],
                       struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_gcm_open(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                       size_t alen, const uint8_t *in, size_t n, const uint8_t tag[16],
                       uint8_t *out, struct tm_diag *d) TM_NODISCARD;

/* Seal a small blob under key: returns "TMS1" || nonce || ciphertext || tag (owned,
 * free()); *outlen receives the size. aad binds the blob to its place. */
enum tm_rc tm_seal(const uint8_t key[32], const char *aad, const void *in, size_t n,
                   uint8_t **out, size_t *outlen, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_unseal(const uint8_t key[32], const char *aad, const uint8_t *in, size_t n,
                     uint8_t **out, size_t *outlen, struct tm_diag *d) TM_NODISCARD;

/* Streaming Merkle tree hash: leaves in order, RFC 6962 MTH (leaf = H(0x00||d),
 * node = H(0x01||l||r)); memory O(log n). */
struct tm_merkle {
    uint8_t stack[64][32];
    uint64_t size[64];
    int top;
    uint64_t leaves;
};
void tm_merkle_init(struct tm_merkle *m);
void tm_merkle_leaf(struct tm_merkle *m, const void *data, size_t n);
void tm_merkle_root(const struct tm_merkle *m, uint8_t root[32]);

void tm_b64(const uint8_t *p, size_t n, char *out /* 4*ceil(n/3)+1 */);
int tm_unb64(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen);

/* SHA-256 of the running binary (/proc/self/exe), hex; "unknown" if unreadable. */
const char *tm_code_measurement(void);

#endif
