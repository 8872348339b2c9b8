/* crypto.c - OpenSSL 3 EVP wrappers (see crypto.h). */
#include "base/crypto.h"
#include "base/base.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static enum tm_rc ossl_fail(struct tm_diag *d, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[128] = "unknown error";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return tm_fail(d, TM_ECRYPTO, "%s failed: %s", what, buf);
}

/* SHA-256 is fetched from the provider once per process: with EVP_sha256() OpenSSL 3
 * looks the algorithm up again on every init, which cost more than hashing a typical
 * 1.5 KB record (Merkle leaves and nodes are hashed once per record). The object lives
 * until exit. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

/* H(a || b), two parts so that a Merkle prefix byte needs no copy of the data */
static void sha256_2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[32])
{
    pthread_once(&sha256_once, sha256_fetch);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int l = 32;
    if (!sha256_md || !ctx || !EVP_DigestInit_ex2(ctx, sha256_md, NULL) ||
        !EVP_DigestUpdate(ctx, a, an) || (bn && !EVP_DigestUpdate(ctx, b, bn)) ||
        !EVP_DigestFinal_ex(ctx, out, &l))
        abort(); /* cannot fail with the default provider's digest */
    EVP_MD_CTX_free(ctx);
}

void tm_sha256(const void *p, size_t n, uint8_t out[32]) { sha256_2(p, n, NULL, 0, out); }

void tm_sha512(const void *p, size_t n, uint8_t out[64])
{
    unsigned int len = 64;
    if (!EVP_Digest(p, n, out, &len, EVP_sha512(), NULL))
        abort();
}

enum tm_rc tm_random(void *p, size_t n, struct tm_diag *d)
{
    if (RAND_bytes(p, (int)n) != 1)
        return ossl_fail(d, "random");
    return TM_OK;
}

void tm_cleanse(void *p, size_t n) { OPENSSL_cleanse(p, n); }
int tm_ct_equal(const void *a, const void *b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

enum tm_rc tm_hkdf(const uint8_t *key, size_t klen, const void *salt, size_t slen,
                   const char *info, uint8_t *out, size_t olen, struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[5], *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, klen);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    if (slen)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, slen);
    *p = OSSL_PARAM_construct_end();
    if (!ctx || EVP_KDF_derive(ctx, out, olen, params) != 1)
        rc = ossl_fail(d, "hkdf");
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

enum tm_rc tm_ed25519_public(const uint8_t seed[32], uint8_t pub[32], struct tm_diag *d)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    size_t n = 32;
    enum tm_rc rc = TM_OK;
    if (!k || EVP_PKEY_get_raw_public_key(k, pub, &n) != 1 || n != 32)
        rc = ossl_fail(d, "ed25519 key");
    EVP_PKEY_free(k);
    return rc;
}

enum tm_rc tm_x25519_public(const uint8_t priv[32], uint8_t pub[32], struct tm_diag *d)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
    size_t n = 32;
    enum tm_rc rc = TM_OK;
    if (!k || EVP_PKEY_get_raw_public_key(k, pub, &n) != 1 || n != 32)
        rc = ossl_fail(d, "x25519 key");
    EVP_PKEY_free(k);
    return rc;
}

enum tm_rc tm_x25519(const uint8_t priv[32], const uint8_t peer[32], uint8_t shared[32], struct tm_diag *d)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
    EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, 32);
    EVP_PKEY_CTX *ctx = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
    size_t n = 32;
    enum tm_rc rc = TM_OK;
    if (!k || !p || !ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, p) != 1 ||
        EVP_PKEY_derive(ctx, shared, &n) != 1 || n != 32)
        rc = ossl_fail(d, "x25519 key agreement");
    uint8_t zero[32] = {0};
    if (!rc && tm_ct_equal(shared, zero, 32)) /* a small-order peer key: no secret at all */
        rc = tm_fail(d, TM_ECRYPTO, "x25519: the peer's key is of small order");
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(p);
    EVP_PKEY_free(k);
    return rc;
}

enum tm_rc tm_ed25519_sign(const uint8_t seed[32], const void *msg, size_t n, uint8_t sig[64],
                           struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sl = 64;
    if (!k || !ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(ctx, sig, &sl, msg, n) != 1 || sl != 64)
        rc = ossl_fail(d, "ed25519 sign");
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rc;
}

/* Is a point encoding one a verifier must refuse: not canonical (its y, the low 255
 * bits, is >= p = 2^255 - 19) or a point of small order (y one of 0, 1, p - 1 and the two
 * order-8 values; either sign of x)? A small-order key with a small-order R and S = 0
 * "verifies" any message, and OpenSSL 3.0 accepts both. The order-8 y values are
 * the roots of d*y^4 + 2*y^2 - 1 = 0 that lie on the curve (computed, not copied). */
int tm_ed25519_weak_point(const uint8_t enc[32])
{
    static const uint8_t y8[2][32] = {
        {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
         0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
        {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
         0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    };
    uint8_t y[32];
    memcpy(y, enc, 32);
    y[31] &= 0x7f; /* the sign of x */
    /* y >= p: bytes 1..30 all 0xff, byte 31 0x7f, byte 0 >= 0xed */
    int high = y[31] == 0x7f;
    for (int i = 1; i < 31; i++)
        high &= y[i] == 0xff;
    if (high && y[0] >= 0xed)
        return 1;
    int zero_hi = 1; /* y is 0 or 1 */
    for (int i = 1; i < 32; i++)
        zero_hi &= y[i] == 0;
    if (zero_hi && y[0] <= 1)
        return 1;
    if (high && y[0] == 0xec) /* p - 1 */
        return 1;
    return !memcmp(y, y8[0], 32) || !memcmp(y, y8[1], 32);
}

enum tm_rc tm_ed25519_verify(const uint8_t pub[32], const void *msg, size_t n, const uint8_t sig[64])
{
    enum tm_rc rc = TM_EVERIFY;
    if (tm_ed25519_weak_point(pub) || tm_ed25519_weak_point(sig))
        return TM_EVERIFY; /* a key or R that binds nothing */
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestVerify(ctx, sig, 64, msg, n) == 1)
        rc = TM_OK;
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return rc;
}

static enum tm_rc gcm(int enc, const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                      size_t alen, const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[16],
                      struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    if (n > INT32_MAX || alen > INT32_MAX) {
        rc = tm_fail(d, TM_ETOOBIG, "aes-gcm: input too large");
        goto out;
    }
    if (!ctx || EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce, enc) != 1) {
        rc = ossl_fail(d, "aes-gcm init");
        goto out;
    }
    if ((alen && EVP_CipherUpdate(ctx, NULL, &len, aad, (int)alen) != 1) ||
        (n && EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1)) {
        rc = ossl_fail(d, "aes-gcm");
        goto out;
    }
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1) {
        rc = ossl_fail(d, "aes-gcm tag");
        goto out;
    }
    if (EVP_CipherFinal_ex(ctx, out + (n ? len : 0), &len) != 1) {
        ERR_clear_error();
        rc = tm_fail(d, TM_EVERIFY, "sealed data failed authentication (changed or wrong key)");
        goto out;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
        rc = ossl_fail(d, "aes-gcm tag");
out:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

enum tm_rc tm_gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                       size_t alen, const void *in, size_t n, uint8_t *out, uint8_t tag[16],
                       struct tm_diag *d)
{
    return gcm(1, key, nonce, aad, alen, in, n, out, tag, d);
}

enum tm_rc tm_gcm_open(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                       size_t alen, const uint8_t *in, size_t n, const uint8_t tag[16],
                       uint8_t *out, struct tm_diag *d)
{
    uint8_t t[16];
    memcpy(t, tag, 16);
    return gcm(0, key, nonce, aad, alen, in, n, out, t, d);
}

enum tm_rc tm_seal(const uint8_t key[32], const char *aad, const void *in, size_t n,
                   uint8_t **out, size_t *outlen, struct tm_diag *d)
{
    uint8_t *o = tm_xmalloc(4 + 12 + n + 16);
    memcpy(o, "TMS1", 4);
    enum tm_rc rc = tm_random(o + 4, 12, d);
    if (!rc)
        rc = tm_gcm_seal(key, o + 4, aad, strlen(aad), in, n, o + 16, o + 16 + n, d);
    if (rc) {
        free(o);
        return rc;
    }
    *out = o;
    *outlen = 4 + 12 + n + 16;
    return TM_OK;
}

enum tm_rc tm_unseal(const uint8_t key[32], const char *aad, const uint8_t *in, size_t n,
                     uint8_t **out, size_t *outlen, struct tm_diag *d)
{
    if (n < 32 || memcmp(in, "TMS1", 4) != 0)
        return tm_fail(d, TM_EPARSE, "sealed blob: bad header");
    size_t cl = n - 32;
    uint8_t *o = tm_xmalloc(cl + 1);
    enum tm_rc rc = tm_gcm_open(key, in + 4, aad, strlen(aad), in + 16, cl, in + 16 + cl, o, d);
    if (rc) {
        free(o);
        return rc;
    }
    o[cl] = 0;
    *out = o;
    *outlen = cl;
    return TM_OK;
}

/* ---- Merkle ---- */

void tm_merkle_init(struct tm_merkle *m) { memset(m, 0, sizeof *m); }

static void node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    tm_sha256(buf, sizeof buf, out);
}

void tm_merkle_leaf(struct tm_merkle *m, const void *data, size_t n)
{
    uint8_t h[32];
    static const uint8_t zero = 0;
    sha256_2(&zero, 1, data, n, h);
    m->leaves++;
    /* push, then merge equal-sized perfect subtrees */
    memcpy(m->stack[m->top], h, 32);
    m->size[m->top++] = 1;
    while (m->top >= 2 && m->size[m->top - 1] == m->size[m->top - 2]) {
        node(m->stack[m->top - 2], m->stack[m->top - 1], m->stack[m->top - 2]);
        m->size[m->top - 2] *= 2;
        m->top--;
    }
}

void tm_merkle_root(const struct tm_merkle *m, uint8_t root[32])
{
    if (!m->top) {
        tm_sha256("", 0, root); /* RFC 6962: MTH({}) = SHA-256() */
        return;
    }
    uint8_t h[32];
    memcpy(h, m->stack[m->top - 1], 32);
    for (int i = m->top - 2; i >= 0; i--)
        node(m->stack[i], h, h);
    memcpy(root, h, 32);
}

void tm_b64(const uint8_t *p, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

int tm_unb64(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    if (n % 4 || n / 4 * 3 > cap + 2 || n > INT32_MAX)
        return -1;
    uint8_t *tmp = tm_xmalloc(n / 4 * 3 + 1);
    int len = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
    if (len < 0) {
        free(tmp);
        return -1;
    }
    if (n >= 1 && s[n - 1] == '=')
        len--;
    if (n >= 2 && s[n - 2] == '=')
        len--;
    if ((size_t)len > cap) {
        free(tmp);
        return -1;
    }
    memcpy(out, tmp, (size_t)len);
    free(tmp);
    *outlen = (size_t)len;
    return 0;
}

const char *tm_code_measurement(void)
{
    static char hex[65];
    if (hex[0])
        return hex;
    FILE *f = fopen("/proc/self/exe", "rb");
    if (!f)
        return "unknown";
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[65536], h[32];
    unsigned int hl = 32;
    size_t n;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n);
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, h, &hl);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return "unknown";
    tm_hex(h, 32, hex);
    return hex;
}
