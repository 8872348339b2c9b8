/* quote_verify.c - DCAP checks that need no collateral (see quote.h): OpenSSL 3 for
 * X.509 path validation and ECDSA P-256; the anchor is the embedded Intel SGX Root CA. */
#include "tm/attest.h"
#include "tm/base.h"
#include "tm/crypto.h"
#include "tm/embed.h"
#include "tm/quote.h"
#include "quote_int.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const uint8_t intel_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                            0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/* ECDSA P-256 / SHA-256: sig is r||s (32 + 32 bytes, big-endian). */
int tm_ecdsa_p256_ok(EVP_PKEY *key, const uint8_t *msg, size_t n, const uint8_t sig[64])
{
    int ok = 0;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;
    int dl = 0;
    if (s && r && ss && ECDSA_SIG_set0(s, r, ss)) {
        r = ss = NULL; /* owned by s now */
        dl = i2d_ECDSA_SIG(s, &der);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (dl > 0 && ctx && EVP_DigestVerifyInit(ctx, NULL, tm_md_sha256(), NULL, key) == 1 &&
        EVP_DigestVerify(ctx, der, (size_t)dl, msg, n) == 1)
        ok = 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    BN_free(r);
    BN_free(ss);
    ECDSA_SIG_free(s);
    ERR_clear_error();
    return ok;
}

/* The attestation key (X||Y) as a P-256 public key, built from parameters rather than
 * through d2i_PUBKEY, whose OpenSSL 3 decoder lookup cost more than the signature check. */
static EVP_PKEY *p256_key(const uint8_t xy[64])
{
    uint8_t pt[65];
    pt[0] = 0x04; /* uncompressed point */
    memcpy(pt + 1, xy, 64);
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt),
                           OSSL_PARAM_construct_end()};
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        k = NULL;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return k;
}

/* Parsed once per process and never freed: the pinned root (callers take their own
 * reference through X509_STORE_add_cert) and an explicitly fetched SHA-256, which spares
 * OpenSSL 3 a provider lookup in every EVP_DigestVerifyInit. */
static X509 *g_root;
static EVP_MD *g_sha256;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
    for (size_t i = 0; i < tm_nembedded; i++)
        if (!strcmp(tm_embedded[i].name, "intel/sgx-root-ca.der")) {
            const unsigned char *p = tm_embedded[i].data;
            g_root = d2i_X509(NULL, &p, (long)tm_embedded[i].len);
        }
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    ERR_clear_error();
}

X509 *tm_intel_root(void)
{
    pthread_once(&g_once, init_once);
    return g_root;
}

const EVP_MD *tm_md_sha256(void)
{
    pthread_once(&g_once, init_once);
    return g_sha256 ? g_sha256 : tm_md_sha256();
}

/* Verify the PEM chain to the pinned root at time at, with revocation when crls (a
 * NULL-terminated array) is given; *leaf receives the leaf (owned). */
static int chain_ok(const struct tm_span pem, int64_t at, X509_CRL **crls, X509 **leaf, char *why,
                    size_t whylen)
{
    int ok = 0;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509 *root = tm_intel_root();
    size_t n = pem.len;
    while (n && pem.ptr[n - 1] == 0) /* the blob ends with a NUL byte */
        n--;
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)n);
    *leaf = NULL;
    snprintf(why, whylen, "no PEM certificates in the quote");
    if (!untrusted || !store || !ctx || !root || !bio)
        goto out;
    X509 *c;
    while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!*leaf)
            *leaf = c;
        else
            sk_X509_push(untrusted, c);
    }
    ERR_clear_error();
    if (!*leaf)
        goto out;
    X509_STORE_add_cert(store, root);
    for (int i = 0; crls && crls[i]; i++)
        X509_STORE_add_crl(store, crls[i]);
    if (!X509_STORE_CTX_init(ctx, store, *leaf, untrusted))
        goto out;
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)at);
    if (crls && crls[0])
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    if (X509_verify_cert(ctx) == 1) {
        ok = 1;
        snprintf(why, whylen, "PCK chain of %d certificates leads to the pinned Intel SGX Root CA%s",
                 X509_STORE_CTX_get0_chain(ctx) ? sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) : 0,
                 crls && crls[0] ? ", none revoked" : "");
    } else {
        snprintf(why, whylen, "PCK chain does not verify: %s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
out:
    ERR_clear_error();
    BIO_free(bio);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_pop_free(untrusted, X509_free);
    return ok;
}

enum tm_rc tm_quote_check(const uint8_t *buf, size_t len, const struct tm_quote *q, int64_t at,
                          struct tm_verify *v, struct tm_diag *d)
{
    return quote_checks(buf, len, q, at, NULL, NULL, v, d);
}

enum tm_rc quote_checks(const uint8_t *buf, size_t len, const struct tm_quote *q, int64_t at,
                        X509_CRL **crls, X509 **leaf_out, struct tm_verify *v, struct tm_diag *d)
{
    (void)d;
    memset(v, 0, sizeof *v);
    v->ok = 1;
    snprintf(v->kind, sizeof v->kind, "%s", q->body_type == 1 ? "sgx-quote" : "tdx-quote");
    snprintf(v->backend, sizeof v->backend, "dcap");
    int intel = q->qe_vendor_id.len == 16 && !memcmp(q->qe_vendor_id.ptr, intel_qe_vendor, 16);
    tm_verify_add(v, "header", intel, intel ? "quote v%u, ECDSA P-256 key, Intel QE" : "QE vendor is not Intel",
          q->version);
    X509 *leaf = NULL;
    char why[200];
    int chain = chain_ok(q->pck_chain, at, crls, &leaf, why, sizeof why);
    tm_verify_add(v, "pck-chain", chain, "%s%s", why, crls ? "" : " (revocation needs the collateral's CRLs)");
    EVP_PKEY *pck = leaf ? X509_get0_pubkey(leaf) : NULL;
    int qsig = pck && q->qe_report.len == 384 &&
               tm_ecdsa_p256_ok(pck, q->qe_report.ptr, q->qe_report.len, q->qe_report_signature.ptr);
    tm_verify_add(v, "qe-report-signature", qsig, qsig ? "the PCK leaf key signed the QE report"
                                               : "the QE report signature does not verify");
    /* QE.REPORTDATA = SHA-256(attestation key || QE auth data) || 32 zero bytes */
    uint8_t h[32];
    int bind = 0;
    if (q->qe_report.len == 384 && q->attestation_key.len == 64) {
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        unsigned int hl = 32;
        bind = c && EVP_DigestInit_ex(c, tm_md_sha256(), NULL) &&
               EVP_DigestUpdate(c, q->attestation_key.ptr, 64) &&
               EVP_DigestUpdate(c, q->qe_auth_data.ptr ? (const void *)q->qe_auth_data.ptr : (const void *)"",
                                q->qe_auth_data.len) &&
               EVP_DigestFinal_ex(c, h, &hl);
        EVP_MD_CTX_free(c);
        static const uint8_t zero[32];
        bind = bind && tm_ct_equal(q->qe_report.ptr + 320, h, 32) && !memcmp(q->qe_report.ptr + 352, zero, 32);
    }
    tm_verify_add(v, "qe-report-data", bind, bind ? "the QE report binds the attestation key"
                                          : "the QE report does not bind the attestation key");
    EVP_PKEY *ak = q->attestation_key.len == 64 ? p256_key(q->attestation_key.ptr) : NULL;
    int sig = ak && q->signature.len == 64 && q->signed_len <= len && tm_ecdsa_p256_ok(ak, buf, q->signed_len, q->signature.ptr);
    tm_verify_add(v, "quote-signature", sig, sig ? "the attestation key signed the quote"
                                         : "the quote signature does not verify");
    if (q->body_type != 1)
        tm_verify_add(v, "td-attributes", !q->debug, q->debug ? "a debug TD: its memory is readable by the host"
                                                      : "not a debug TD");
    EVP_PKEY_free(ak);
    if (leaf_out)
        *leaf_out = leaf;
    else
        X509_free(leaf);
    return v->ok ? TM_OK : TM_EVERIFY;
}
