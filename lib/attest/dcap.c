/* dcap.c - DCAP verification with a collateral bundle (dcap-qvl's QuoteCollateralV3 JSON):
 * TCB info and QE identity (validity window, issuer chain with CRLs, signature), the PCK
 * chain with revocation, the QE identity policy and TCB status, the platform TCB level
 * from the PCK certificate's Intel SGX extension, the TDX module identity, and the
 * combined status with advisories. Steps and order: ../shared/docs/attestation.md,
 * section d. The collateral-free checks are in quote_verify.c. */
#include "attest/check.h"
#include "base/base.h"
#include "base/crypto.h"
#include "attest/dcap.h"
#include "attest/eventlog.h"
#include "base/embed.h"
#include "attest/quote_int.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jtime(const cJSON *o, const char *k)
{
    const char *s = jstr(o, k);
    int64_t ms;
    return s && !tm_parse_time(s, strlen(s), &ms) ? ms / 1000 : -1;
}

static X509_CRL *hex_crl(const char *hex)
{
    if (!hex)
        return NULL;
    size_t hl = strlen(hex), n = 0;
    uint8_t *der = tm_xmalloc(hl / 2 + 1);
    X509_CRL *crl = NULL;
    if (!tm_unhex(hex, hl, der, hl / 2 + 1, &n)) {
        const unsigned char *p = der;
        crl = d2i_X509_CRL(NULL, &p, (long)n);
    }
    free(der);
    ERR_clear_error();
    return crl;
}

/* A signed collateral part (TCB info, QE identity): window, chain, signature. Returns the
 * parsed JSON (owned) or NULL. */
/* TCB info and QE identity usually share one issuer chain: its verdict is kept here
 * so the same PEM text is validated once per verification. */
struct chain_memo {
    const char *pem;
    STACK_OF(X509) *chain; /* parsed once, freed by the caller */
    int ok;
    char why[200];
};

static cJSON *signed_part(struct tm_verify *v, const cJSON *col, const char *name, const char *body_key,
                          const char *sig_key, const char *chain_key, X509_CRL **crls, int64_t at,
                          struct chain_memo *memo)
{
    char cname[40], why[200];
    const char *text = jstr(col, body_key), *sig = jstr(col, sig_key), *pem = jstr(col, chain_key);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    snprintf(cname, sizeof cname, "%s", name);
    if (!j || !sig || !pem) {
        tm_verify_add(v, cname, 0, "collateral lacks %s, %s or %s", body_key, sig_key, chain_key);
        cJSON_Delete(j);
        return NULL;
    }
    int64_t issue = jtime(j, "issueDate"), next = jtime(j, "nextUpdate");
    int window = issue >= 0 && next >= 0 && issue <= at && at <= next;
    STACK_OF(X509) *chain;
    int chain_ok;
    if (memo->pem && !strcmp(memo->pem, pem)) {
        chain = memo->chain;
        chain_ok = memo->ok;
        snprintf(why, sizeof why, "%s", memo->why);
    } else {
        chain = tm_pem_certs(pem, strlen(pem));
        chain_ok = tm_chain_verify(chain, crls, at, why, sizeof why);
        if (!memo->pem) { /* keep the first chain for the next part */
            memo->pem = pem;
            memo->chain = chain;
            memo->ok = chain_ok;
            snprintf(memo->why, sizeof memo->why, "%s", why);
        }
    }
    uint8_t rs[64];
    size_t n = 0;
    int sig_ok = chain_ok && !tm_unhex(sig, strlen(sig), rs, 64, &n) && n == 64 &&
                 tm_ecdsa_p256_ok(X509_get0_pubkey(sk_X509_value(chain, 0)), (const uint8_t *)text, strlen(text), rs);
    if (chain != memo->chain)
        sk_X509_pop_free(chain, X509_free);
    if (!window)
        tm_verify_add(v, cname, 0, "not valid at this time (issueDate %s, nextUpdate %s)", jstr(j, "issueDate"),
              jstr(j, "nextUpdate"));
    else if (!chain_ok)
        tm_verify_add(v, cname, 0, "issuer chain: %s", why);
    else
        tm_verify_add(v, cname, sig_ok, sig_ok ? "signed by Intel, valid until %s" : "signature does not verify",
              jstr(j, "nextUpdate"));
    if (!window || !chain_ok || !sig_ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* ---- the PCK certificate's Intel SGX extension (OID 1.2.840.113741.1.13.1) ---- */

struct pck_ext {
    uint8_t comp[16];
    int pcesvn;
    uint8_t fmspc[6], pceid[2];
    int have_tcb, have_fmspc, have_pceid;
};

static int der_tlv(struct tm_rd *r, uint8_t *tag, struct tm_span *val)
{
    *tag = tm_rd_u8(r);
    uint8_t l = tm_rd_u8(r);
    size_t len = l;
    if (l & 0x80) {
        int nb = l & 0x7f;
        if (nb < 1 || nb > 3)
            return -1;
        len = 0;
        for (int i = 0; i < nb; i++)
            len = len << 8 | tm_rd_u8(r);
    }
    *val = tm_rd_bytes(r, len);
    return r->err ? -1 : 0;
}

static const uint8_t sgx_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

/* Which child of the SGX OID is oid (".2" -> 2, ".2.17" -> 217), or -1. */
static int sgx_child(struct tm_span oid)
{
    if (oid.len < sizeof sgx_oid + 1 || memcmp(oid.ptr, sgx_oid, sizeof sgx_oid))
        return -1;
    if (oid.len == sizeof sgx_oid + 1)
        return oid.ptr[sizeof sgx_oid];
    if (oid.len == sizeof sgx_oid + 2)
        return oid.ptr[sizeof sgx_oid] * 100 + oid.ptr[sizeof sgx_oid + 1];
    return -1;
}

static long der_int(struct tm_span v)
{
    long x = 0;
    for (size_t i = 0; i < v.len && i < 4; i++)
        x = x << 8 | v.ptr[i];
    return x;
}

static int parse_pck_ext(X509 *leaf, struct pck_ext *e)
{
    memset(e, 0, sizeof *e);
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    int idx = obj ? X509_get_ext_by_OBJ(leaf, obj, -1) : -1;
    ASN1_OBJECT_free(obj);
    if (idx < 0)
        return -1;
    ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
    struct tm_rd r, seq;
    uint8_t tag;
    struct tm_span v;
    tm_rd_init(&r, ASN1_STRING_get0_data(os), (size_t)ASN1_STRING_length(os));
    if (der_tlv(&r, &tag, &v) || tag != 0x30)
        return -1;
    tm_rd_init(&seq, v.ptr, v.len);
    while (tm_rd_left(&seq)) {
        struct tm_span item, oid, val;
        struct tm_rd ir;
        if (der_tlv(&seq, &tag, &item) || tag != 0x30)
            return -1;
        tm_rd_init(&ir, item.ptr, item.len);
        if (der_tlv(&ir, &tag, &oid) || tag != 0x06 || der_tlv(&ir, &tag, &val))
            return -1;
        int which = sgx_child(oid);
        if (which == 2 && tag == 0x30) { /* TCB: SEQUENCE of {OID .2.N, value} */
            struct tm_rd tr;
            tm_rd_init(&tr, val.ptr, val.len);
            while (tm_rd_left(&tr)) {
                struct tm_span c, coid, cval;
                struct tm_rd cr;
                if (der_tlv(&tr, &tag, &c) || tag != 0x30)
                    return -1;
                tm_rd_init(&cr, c.ptr, c.len);
                if (der_tlv(&cr, &tag, &coid) || der_tlv(&cr, &tag, &cval))
                    return -1;
                int sub = sgx_child(coid);
                if (sub >= 201 && sub <= 216)
                    e->comp[sub - 201] = (uint8_t)der_int(cval);
                else if (sub == 217)
                    e->pcesvn = (int)der_int(cval);
            }
            e->have_tcb = 1;
        } else if (which == 3 && val.len == 2) {
            memcpy(e->pceid, val.ptr, 2);
            e->have_pceid = 1;
        } else if (which == 4 && val.len == 6) {
            memcpy(e->fmspc, val.ptr, 6);
            e->have_fmspc = 1;
        }
    }
    return e->have_tcb && e->have_fmspc ? 0 : -1;
}

/* ---- statuses ---- */

static const char *const order[] = {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                                    "ConfigurationAndSWHardeningNeeded", "OutOfDate",
                                    "OutOfDateConfigurationNeeded", "Revoked"};

static int severity(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (s && !strcmp(s, order[i]))
            return i;
    return 7; /* unknown: worse than anything */
}

static void add_advisories(cJSON *into, const cJSON *level)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(level, "advisoryIDs"))
    {
        int dup = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, into) dup |= cJSON_IsString(a) && !strcmp(x->valuestring, a->valuestring);
        if (cJSON_IsString(a) && !dup)
            cJSON_AddItemToArray(into, cJSON_CreateString(a->valuestring));
    }
}

static int hexeq(const char *hex, const uint8_t *b, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int hi = tm_hexval((unsigned char)hex[2 * i]), lo = tm_hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != b[i])
            return 0;
    }
    return 1;
}

/* (value & mask) == (want & mask), bytewise over n bytes of hex want/mask. */
static int masked_eq(const uint8_t *value, const char *want, const char *mask, size_t n)
{
    uint8_t w[64], m[64];
    size_t a, b;
    if (!want || !mask || n > 64 || tm_unhex(want, strlen(want), w, 64, &a) ||
        tm_unhex(mask, strlen(mask), m, 64, &b) || a != n || b != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((value[i] & m[i]) != (w[i] & m[i]))
            return 0;
    return 1;
}

/* First level of levels (highest first) whose isvsvn the given svn reaches. */
static const cJSON *svn_level(const cJSON *levels, int svn)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, levels)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(l, "tcb");
        const cJSON *is = cJSON_GetObjectItemCaseSensitive(t, "isvsvn");
        if (cJSON_IsNumber(is) && svn >= is->valueint)
            return l;
    }
    return NULL;
}

enum tm_rc tm_dcap_verify(const uint8_t *buf, size_t len, const struct tm_quote *q, const char *col_json,
                          size_t col_len, int64_t at, struct tm_dcap *out, struct tm_verify *v,
                          struct tm_diag *d)
{
    memset(out, 0, sizeof *out);
    cJSON *col = cJSON_ParseWithLength(col_json, col_len), *tcb = NULL, *qei = NULL;
    X509_CRL *root_crl = NULL, *pck_crl = NULL;
    struct chain_memo memo = {NULL, NULL, 0, ""};
    X509 *leaf = NULL;
    out->advisories = cJSON_CreateArray();
    snprintf(out->status, sizeof out->status, "none");
    root_crl = cJSON_IsObject(col) ? hex_crl(jstr(col, "root_ca_crl")) : NULL;
    pck_crl = cJSON_IsObject(col) ? hex_crl(jstr(col, "pck_crl")) : NULL;
    X509_CRL *root_only[2] = {root_crl, NULL}, *both[3] = {root_crl, pck_crl, NULL};
    /* the collateral-free checks, the PCK chain among them now checked for revocation */
    enum tm_rc rc = quote_checks(buf, len, q, at, root_crl && pck_crl ? both : NULL, &leaf, v, d);
    (void)rc; /* every check is recorded in v */
    if (!cJSON_IsObject(col)) {
        tm_verify_add(v, "collateral", 0, "not a collateral JSON object");
        goto out;
    }
    tm_verify_add(v, "crls", root_crl && pck_crl, root_crl && pck_crl ? "root CA CRL and PCK CRL decoded"
                                                               : "collateral lacks a decodable CRL");
    int sgx = q->body_type == 1;
    tcb = signed_part(v, col, "tcb-info", "tcb_info", "tcb_info_signature", "tcb_info_issuer_chain", root_only,
                      at, &memo);
    qei = signed_part(v, col, "qe-identity", "qe_identity", "qe_identity_signature",
                      "qe_identity_issuer_chain", root_only, at, &memo);
    if (tcb) {
        const char *id = jstr(tcb, "id");
        int okid = id && !strcmp(id, sgx ? "SGX" : "TDX");
        tm_verify_add(v, "tcb-info-id", okid, "TCB info is for %s", id ? id : "?");
    }
    if (qei) {
        const char *id = jstr(qei, "id");
        int okid = id && !strcmp(id, sgx ? "QE" : "TD_QE");
        tm_verify_add(v, "qe-identity-id", okid, "QE identity is %s", id ? id : "?");
    }
    int pck_ok = v->ok && leaf;
    if (!tcb || !qei || !pck_ok)
        goto out;
    /* QE identity policy and the QE's TCB status */
    const uint8_t *qr = q->qe_report.ptr;
    int pol = hexeq(jstr(qei, "mrsigner"), qr + 128, 32) &&
              cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(qei, "isvprodid")) &&
              (qr[256] | qr[257] << 8) == cJSON_GetObjectItemCaseSensitive(qei, "isvprodid")->valueint &&
              masked_eq(qr + 16, jstr(qei, "miscselect"), jstr(qei, "miscselectMask"), 4) &&
              masked_eq(qr + 48, jstr(qei, "attributes"), jstr(qei, "attributesMask"), 16) && !(qr[48] & 2);
    const cJSON *qlvl = svn_level(cJSON_GetObjectItemCaseSensitive(qei, "tcbLevels"), qr[258] | qr[259] << 8);
    tm_verify_add(v, "qe-identity-policy", pol && qlvl,
          !pol ? "the QE is not Intel's quoting enclave for this collateral"
               : qlvl ? "QE ISVSVN %d: %s" : "QE ISVSVN %d is below every QE TCB level",
          qr[258] | qr[259] << 8, qlvl ? jstr(qlvl, "tcbStatus") : "");
    /* the platform: the PCK extension against the TCB levels */
    struct pck_ext e;
    if (parse_pck_ext(leaf, &e)) {
        tm_verify_add(v, "pck-extension", 0, "the PCK certificate has no readable Intel SGX extension");
        goto out;
    }
    int fm = hexeq(jstr(tcb, "fmspc"), e.fmspc, 6);
    if (fm)
        tm_verify_add(v, "fmspc", 1, "FMSPC %s matches the TCB info", jstr(tcb, "fmspc"));
    else
        tm_verify_add(v, "fmspc", 0, "FMSPC mismatch: PCK %02X%02X%02X%02X%02X%02X, TCB info %s", e.fmspc[0],
              e.fmspc[1], e.fmspc[2], e.fmspc[3], e.fmspc[4], e.fmspc[5],
              jstr(tcb, "fmspc") ? jstr(tcb, "fmspc") : "?");
    if (!fm)
        goto out;
    /* the PCE the certificate names is the one the TCB info is about */
    int pce = e.have_pceid && hexeq(jstr(tcb, "pceId"), e.pceid, 2);
    tm_verify_add(v, "pceid", pce, pce ? "PCEID %s matches the TCB info" : "PCEID mismatch with the TCB info (%s)",
                  jstr(tcb, "pceId") ? jstr(tcb, "pceId") : "none");
    if (!pce)
        goto out;
    const cJSON *plvl = NULL, *l;
    const uint8_t *tee = q->tee_tcb_svn.ptr;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(tcb, "tcbLevels"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(l, "tcb");
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(t, "sgxtcbcomponents");
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(t, "tdxtcbcomponents");
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(t, "pcesvn");
        if (cJSON_GetArraySize(sc) != 16 || !cJSON_IsNumber(ps) || e.pcesvn < ps->valueint)
            continue;
        int good = 1;
        for (int i = 0; i < 16 && good; i++)
            good = e.comp[i] >= cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(sc, i), "svn")->valueint;
        if (good && !sgx) { /* Intel's QVL skips components 0 and 1 when TEE_TCB_SVN[1] > 0 */
            if (cJSON_GetArraySize(tc) != 16 || !tee)
                continue;
            for (int i = tee[1] > 0 ? 2 : 0; i < 16 && good; i++)
                good = tee[i] >= cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tc, i), "svn")->valueint;
        }
        if (good) {
            plvl = l;
            break;
        }
    }
    tm_verify_add(v, "tcb-level", plvl != NULL, plvl ? "platform TCB level: %s" : "No matching TCB level for this platform",
          plvl ? jstr(plvl, "tcbStatus") : "");
    if (!plvl)
        goto out;
    const cJSON *mlvl = NULL;
    int module_ok = 1;
    if (!sgx) { /* the TDX module's identity and status */
        const cJSON *mod = NULL, *m;
        if (tee[1] == 0) {
            mod = cJSON_GetObjectItemCaseSensitive(tcb, "tdxModule");
        } else {
            char want[16];
            snprintf(want, sizeof want, "TDX_%02X", tee[1]);
            cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(tcb, "tdxModuleIdentities"))
            {
                const char *id = jstr(m, "id");
                if (id && !strcasecmp(id, want))
                    mod = m;
            }
        }
        module_ok = mod && hexeq(jstr(mod, "mrsigner"), q->mr_signer_seam.ptr, 48) &&
                    masked_eq(q->seam_attributes.ptr, jstr(mod, "attributes"), jstr(mod, "attributesMask"), 8);
        if (module_ok && tee[1] != 0) {
            mlvl = svn_level(cJSON_GetObjectItemCaseSensitive(mod, "tcbLevels"), tee[0]);
            module_ok = mlvl != NULL;
        }
        if (module_ok)
            tm_verify_add(v, "tdx-module", 1, "TDX module major %u, SVN %u: %s", tee[1], tee[0],
                  mlvl ? jstr(mlvl, "tcbStatus") : "identity matches");
        else
            tm_verify_add(v, "tdx-module", 0, "TDX module major %u, SVN %u: unknown identity or below every level",
                  tee[1], tee[0]);
        if (!module_ok)
            goto out;
    }
    /* combine: the most severe status, advisories in order platform, module, QE */
    const char *st = jstr(plvl, "tcbStatus");
    if (mlvl && severity(jstr(mlvl, "tcbStatus")) > severity(st))
        st = jstr(mlvl, "tcbStatus");
    if (qlvl && severity(jstr(qlvl, "tcbStatus")) > severity(st))
        st = jstr(qlvl, "tcbStatus");
    snprintf(out->status, sizeof out->status, "%s", st ? st : "?");
    add_advisories(out->advisories, plvl);
    if (mlvl)
        add_advisories(out->advisories, mlvl);
    if (qlvl)
        add_advisories(out->advisories, qlvl);
    tm_verify_add(v, "tcb-status", severity(st) < 6, "TCB status %s", out->status);
    out->evaluated = 1;
out:
    if (!out->evaluated && !strcmp(out->status, "none"))
        snprintf(out->status, sizeof out->status, "not evaluated");
    sk_X509_pop_free(memo.chain, X509_free);
    X509_free(leaf);
    X509_CRL_free(root_crl);
    X509_CRL_free(pck_crl);
    cJSON_Delete(tcb);
    cJSON_Delete(qei);
    cJSON_Delete(col);
    return v->ok ? TM_OK : TM_EVERIFY;
}

/* want (hex, optional 0x) equals p[0..n) */
static int hex_is(const char *want, const uint8_t *p, size_t n)
{
    if (!want || !p)
        return 0;
    if (!strncmp(want, "0x", 2))
        want += 2;
    char got[200];
    if (2 * n + 1 > sizeof got)
        return 0;
    tm_hex(p, n, got);
    return strlen(want) == 2 * n && !strcasecmp(want, got);
}

int tm_expect_any(const struct tm_expect *x)
{
    return x && (x->mrtd || x->compose_hash || x->app_id || x->code_measurement || x->rtmr[0] || x->rtmr[1] || x->rtmr[2] || x->rtmr[3]);
}

void tm_quote_expect(const struct tm_quote *q, const struct tm_eventlog *el, int el_ok, const struct tm_expect *x,
                     struct tm_verify *v)
{
    if (!x)
        return;
    if (x->mrtd) {
        int ok = q->mr_td.len == 48 && hex_is(x->mrtd, q->mr_td.ptr, 48);
        tm_verify_add(v, "expect-mrtd", ok, "%s", ok ? "MRTD is as expected" : "MRTD differs");
    }
    for (int i = 0; i < 4; i++)
        if (x->rtmr[i]) {
            char name[24];
            int ok = q->rtmr[i].len == 48 && hex_is(x->rtmr[i], q->rtmr[i].ptr, 48);
            snprintf(name, sizeof name, "expect-rtmr%d", i);
            tm_verify_add(v, name, ok, "RTMR%d %s", i, ok ? "is as expected" : "differs");
        }
    if (x->compose_hash) {
        const char *w = !strncmp(x->compose_hash, "0x", 2) ? x->compose_hash + 2 : x->compose_hash;
        int from_log = el && el->compose_hash[0], ok;
        if (el && el->duplicate[0])
            ok = 0;
        else if (from_log)
            ok = !strcasecmp(w, el->compose_hash) && el_ok;
        else
            ok = q->mr_config_id.len >= 33 && q->mr_config_id.ptr[0] == 1 && hex_is(w, q->mr_config_id.ptr + 1, 32);
        tm_verify_add(v, "expect-compose-hash", ok, "%s",
                      ok ? (from_log ? "the replayed event log holds the expected compose hash"
                                     : "MRCONFIGID holds the expected compose hash")
                      : el && el->duplicate[0] ? "the event log repeats a boot claim before system-ready"
                                               : "the compose hash differs (or no event log and no MRCONFIGID v1)");
    }
    if (x->app_id) {
        const char *w = !strncmp(x->app_id, "0x", 2) ? x->app_id + 2 : x->app_id;
        if (!el || !el_ok)
            tm_verify_add(v, "expect-app-id", 0, "%s",
                          el ? "the event log does not replay to the quote, so its app id is not evidence"
                             : "no event log: the app id is only measured in RTMR3's app-id event");
        else if (el->duplicate[0])
            tm_verify_add(v, "expect-app-id", 0, "the event log repeats the %s event before system-ready",
                          el->duplicate);
        else if (!el->app_id[0])
            tm_verify_add(v, "expect-app-id", 0, "%s", "the replayed event log has no app-id event");
        else if (strlen(w) != 40 || strcasecmp(w, el->app_id))
            tm_verify_add(v, "expect-app-id", 0, "the app id differs: the replayed event log says %s", el->app_id);
        else
            tm_verify_add(v, "expect-app-id", 1, "%s", "the replayed event log holds the expected app id");
    }
    if (x->code_measurement) {
        const char *w = !strncmp(x->code_measurement, "0x", 2) ? x->code_measurement + 2 : x->code_measurement;
        int ok = el && el_ok && el->teemed_events && strlen(w) == 64 && !strcasecmp(w, el->teemed_measurement);
        tm_verify_add(v, "expect-code-measurement", ok, "%s",
                      ok ? "RTMR3's last teemed-code-measurement event holds the expected binary"
                      : !el || !el_ok ? "no event log that replays to the quote"
                      : !el->teemed_events ? "the replayed event log has no teemed-code-measurement event"
                                           : "the last teemed-code-measurement event holds another binary");
    }
}
