/* quote_verify.c - DCAP checks that need no collateral (see quote.h): OpenSSL 3 for
 * X.509 path validation and ECDSA P-256; the anchor is the embedded Intel SGX Root CA. */
#include "attest/attest.h"
#include "base/base.h"
#include "base/crypto.h"
#include "base/embed.h"
#include "attest/quote.h"
#include "attest/quote_int.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <limits.h>
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
static const uint8_t *g_root_der;
static size_t g_root_len;
static EVP_MD *g_sha256;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
    for (size_t i = 0; i < tm_nembedded; i++)
        if (!strcmp(tm_embedded[i].name, "intel/sgx-root-ca.der")) {
            const unsigned char *p = tm_embedded[i].data;
            g_root = d2i_X509(NULL, &p, (long)tm_embedded[i].len);
            g_root_der = tm_embedded[i].data;
            g_root_len = tm_embedded[i].len;
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

STACK_OF(X509) *tm_pem_certs(const char *pem, size_t n)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *root = tm_intel_root();
    while (n && pem[n - 1] == 0) /* a quote's blob ends with a NUL byte */
        n--;
    BIO *bio = n <= INT_MAX ? BIO_new_mem_buf(pem, (int)n) : NULL;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    while (sk && bio && PEM_read_bio(bio, &name, &header, &der, &len) == 1) {
        int cert = !strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE");
        X509 *c = NULL;
        if (cert && root && (size_t)len == g_root_len && !memcmp(der, g_root_der, g_root_len)) {
            if (X509_up_ref(root) == 1)
                c = root; /* the pinned root again: the same bytes, parsed once per process */
        } else if (cert) {
            const unsigned char *p = der;
            c = d2i_X509(NULL, &p, len);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        name = header = NULL;
        der = NULL;
        if (cert && !c)
            break; /* as PEM_read_bio_X509: stop at a certificate that does not parse */
        if (c && !sk_X509_push(sk, c)) {
            X509_free(c);
            break;
        }
    }
    ERR_clear_error();
    BIO_free(bio);
    return sk;
}

int tm_chain_verify(STACK_OF(X509) *chain, X509_CRL **crls, int64_t at, char *why, size_t wl)
{
    int ok = 0;
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509 *root = tm_intel_root();
    snprintf(why, wl, "no certificates");
    if (!st || !ctx || !untrusted || !root || !chain || sk_X509_num(chain) < 1)
        goto out;
    X509_STORE_add_cert(st, root);
    for (int i = 0; crls && crls[i]; i++)
        X509_STORE_add_crl(st, crls[i]);
    for (int i = 1; i < sk_X509_num(chain); i++)
        sk_X509_push(untrusted, sk_X509_value(chain, i));
    if (!X509_STORE_CTX_init(ctx, st, sk_X509_value(chain, 0), untrusted))
        goto out;
    X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(p, (time_t)at);
    if (crls && crls[0])
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    ok = X509_verify_cert(ctx) == 1;
    if (ok)
        snprintf(why, wl, "chain of %d certificates to the pinned Intel SGX Root CA%s",
                 X509_STORE_CTX_get0_chain(ctx) ? sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) : 0,
                 crls && crls[0] ? ", none revoked" : "");
    else
        snprintf(why, wl, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
    ERR_clear_error();
    sk_X509_free(untrusted); /* the certificates belong to chain */
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return ok;
}

/* The quote's PCK chain to the pinned root; *leaf receives the leaf (owned). */
static int chain_ok(const struct tm_span pem, int64_t at, X509_CRL **crls, X509 **leaf, char *why,
                    size_t whylen)
{
    char w[200];
    STACK_OF(X509) *chain = tm_pem_certs((const char *)pem.ptr, pem.len);
    *leaf = NULL;
    if (!chain || sk_X509_num(chain) < 1) {
        snprintf(why, whylen, "no PEM certificates in the quote");
        sk_X509_pop_free(chain, X509_free);
        return 0;
    }
    int ok = tm_chain_verify(chain, crls, at, w, sizeof w);
    snprintf(why, whylen, ok ? "PCK %s" : "PCK chain does not verify: %s", w);
    *leaf = sk_X509_shift(chain);
    sk_X509_pop_free(chain, X509_free);
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
    if (q->body_type != 1) {
        /* TD attributes: bit 0 DEBUG (the host reads the TD's memory), bits 1-27 and 32-62
         * reserved (must be 0), 28 SEPT_VE_DISABLE (required: no #VE on EPT violations),
         * 29 MIGRATABLE (refused: the TD and its keys may move to another host), 30 PKS,
         * 31 KL and 63 PERFMON allowed */
        uint64_t a = 0;
        for (int i = 0; i < 8 && q->td_attributes.len == 8; i++)
            a |= (uint64_t)q->td_attributes.ptr[i] << (8 * i);
        const uint64_t reserved = 0x0ffffffeULL | 0x7fffffff00000000ULL;
        const char *bad = q->td_attributes.len != 8 ? "no TD attributes"
                          : (a & 1)                  ? "a debug TD: its memory is readable by the host"
                          : (a & reserved)           ? "reserved TD attribute bits are set"
                          : !(a & (1ULL << 28))      ? "SEPT_VE_DISABLE is off: the TD takes #VE on EPT violations"
                          : (a & (1ULL << 29))       ? "a migratable TD: its state and keys may move to another host"
                                                     : NULL;
        tm_verify_add(v, "td-attributes", !bad, "%s", bad ? bad : "not a debug TD; TD attributes as the policy asks");
    } else { /* an enclave: its DEBUG attribute bit */
        int dbg = q->attributes.len >= 1 && (q->attributes.ptr[0] & 0x02);
        tm_verify_add(v, "enclave-attributes", !dbg, "%s", dbg ? "a debug enclave: its memory is readable" : "not a debug enclave");
    }
    EVP_PKEY_free(ak);
    if (leaf_out)
        *leaf_out = leaf;
    else
        X509_free(leaf);
    return v->ok ? TM_OK : TM_EVERIFY;
}
