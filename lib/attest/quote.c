/* quote.c - DCAP quote parsing (see quote.h). No struct is cast over the bytes: every
 * field is read through tm_rd, which checks the remaining length first. */
#include "attest/quote.h"
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#define TD10_SIZE 584
#define TD15_SIZE 648
#define SGX_REPORT_SIZE 384

static enum tm_rc bad(struct tm_diag *d, const char *what)
{
    return tm_fail(d, TM_EPARSE, "quote: %s", what);
}

static void td_report(struct tm_rd *r, struct tm_quote *q, int v15)
{
    q->tee_tcb_svn = tm_rd_bytes(r, 16);
    q->mr_seam = tm_rd_bytes(r, 48);
    q->mr_signer_seam = tm_rd_bytes(r, 48);
    q->seam_attributes = tm_rd_bytes(r, 8);
    q->td_attributes = tm_rd_bytes(r, 8);
    q->xfam = tm_rd_bytes(r, 8);
    q->mr_td = tm_rd_bytes(r, 48);
    q->mr_config_id = tm_rd_bytes(r, 48);
    q->mr_owner = tm_rd_bytes(r, 48);
    q->mr_owner_config = tm_rd_bytes(r, 48);
    for (int i = 0; i < 4; i++)
        q->rtmr[i] = tm_rd_bytes(r, 48);
    q->report_data = tm_rd_bytes(r, 64);
    if (v15) {
        q->tee_tcb_svn2 = tm_rd_bytes(r, 16);
        q->mr_service_td = tm_rd_bytes(r, 48);
    }
    q->debug = q->td_attributes.ptr && (q->td_attributes.ptr[0] & 1);
}

struct sgx_rep {
    struct tm_span cpu_svn, misc_select, attributes, mr_enclave, mr_signer, isv_prod_id, isv_svn,
        report_data;
};

/* An SGX enclave report (384 bytes): the body of an SGX quote, and every QE report. */
static void sgx_report(struct tm_rd *r, struct sgx_rep *o)
{
    o->cpu_svn = tm_rd_bytes(r, 16);
    o->misc_select = tm_rd_bytes(r, 4);
    tm_rd_bytes(r, 28);
    o->attributes = tm_rd_bytes(r, 16);
    o->mr_enclave = tm_rd_bytes(r, 32);
    tm_rd_bytes(r, 32);
    o->mr_signer = tm_rd_bytes(r, 32);
    tm_rd_bytes(r, 96);
    o->isv_prod_id = tm_rd_bytes(r, 2);
    o->isv_svn = tm_rd_bytes(r, 2);
    tm_rd_bytes(r, 60);
    o->report_data = tm_rd_bytes(r, 64);
}

/* QE report, its signature, QE auth data and the inner certification data. */
static enum tm_rc qe_part(struct tm_rd *r, struct tm_quote *q, struct tm_diag *d)
{
    struct sgx_rep qe;
    q->qe_report = tm_rd_bytes(r, SGX_REPORT_SIZE);
    struct tm_rd qr;
    tm_rd_init(&qr, q->qe_report.ptr, q->qe_report.len);
    sgx_report(&qr, &qe);
    q->qe_report_signature = tm_rd_bytes(r, 64);
    uint16_t auth = tm_rd_u16(r);
    q->qe_auth_data = tm_rd_bytes(r, auth);
    q->inner_cert_type = tm_rd_u16(r);
    uint32_t n = tm_rd_u32(r);
    q->pck_chain = tm_rd_bytes(r, n);
    if (r->err || qr.err)
        return bad(d, "QE report certification data is truncated");
    if (q->inner_cert_type != 5)
        return tm_fail(d, TM_EPARSE, "quote: certification data type %u (only 5, a PEM PCK certificate "
                                     "chain, can be verified offline)", q->inner_cert_type);
    return TM_OK;
}

enum tm_rc tm_quote_parse(const uint8_t *buf, size_t len, struct tm_quote *q, struct tm_diag *d)
{
    memset(q, 0, sizeof *q);
    if (len > TM_QUOTE_MAX)
        return tm_fail(d, TM_ETOOBIG, "quote: %zu bytes is larger than any quote", len);
    struct tm_rd r;
    tm_rd_init(&r, buf, len);
    q->version = tm_rd_u16(&r);
    q->att_key_type = tm_rd_u16(&r);
    q->tee_type = tm_rd_u32(&r);
    q->qe_svn = tm_rd_u16(&r);
    q->pce_svn = tm_rd_u16(&r);
    q->qe_vendor_id = tm_rd_bytes(&r, 16);
    q->user_data = tm_rd_bytes(&r, 20);
    if (r.err)
        return bad(d, "shorter than its 48-byte header");
    if (q->version < 3 || q->version > 5)
        return tm_fail(d, TM_EPARSE, "quote: version %u (3, 4 and 5 are known)", q->version);
    if (q->att_key_type != 2)
        return tm_fail(d, TM_EPARSE, "quote: attestation key type %u (only 2, ECDSA P-256, is in use)",
                       q->att_key_type);
    if (q->version == 3) {
        q->body_type = 1;
        q->body_size = SGX_REPORT_SIZE;
    } else if (q->version == 4) {
        q->body_type = 2;
        q->body_size = TD10_SIZE;
    } else {
        q->body_type = tm_rd_u16(&r);
        q->body_size = tm_rd_u32(&r);
        uint32_t want = q->body_type == 1 ? SGX_REPORT_SIZE : q->body_type == 2 ? TD10_SIZE
                        : q->body_type == 3 ? TD15_SIZE : 0;
        if (r.err || !want || q->body_size != want)
            return tm_fail(d, TM_EPARSE, "quote: v5 body type %u with size %u", q->body_type, q->body_size);
    }
    int sgx = q->body_type == 1;
    if ((sgx && q->tee_type != TM_TEE_TYPE_SGX) || (!sgx && q->tee_type != TM_TEE_TYPE_TDX))
        return tm_fail(d, TM_EPARSE, "quote: TEE type 0x%x does not match its body", q->tee_type);
    q->body_offset = r.off;
    struct tm_span body = tm_rd_bytes(&r, q->body_size);
    if (r.err)
        return bad(d, "report body is truncated");
    struct tm_rd br;
    tm_rd_init(&br, body.ptr, body.len);
    if (sgx) {
        struct sgx_rep e;
        sgx_report(&br, &e);
        q->cpu_svn = e.cpu_svn;
        q->misc_select = e.misc_select;
        q->attributes = e.attributes;
        q->mr_enclave = e.mr_enclave;
        q->mr_signer = e.mr_signer;
        q->isv_prod_id = e.isv_prod_id;
        q->isv_svn = e.isv_svn;
        q->sgx_report_data = e.report_data;
    } else
        td_report(&br, q, q->body_type == 3);
    if (br.err)
        return bad(d, "report body is truncated");
    q->signed_len = r.off;
    q->sig_data_len = tm_rd_u32(&r);
    struct tm_span sig = tm_rd_bytes(&r, q->sig_data_len);
    if (r.err)
        return bad(d, "signature data is truncated");
    q->trailing = tm_rd_left(&r);
    struct tm_rd sr;
    tm_rd_init(&sr, sig.ptr, sig.len);
    q->signature = tm_rd_bytes(&sr, 64);
    q->attestation_key = tm_rd_bytes(&sr, 64);
    if (sr.err)
        return bad(d, "signature or attestation key is truncated");
    if (q->version == 3)
        return qe_part(&sr, q, d);
    q->cert_type = tm_rd_u16(&sr);
    uint32_t n = tm_rd_u32(&sr);
    struct tm_span cert = tm_rd_bytes(&sr, n);
    if (sr.err)
        return bad(d, "certification data is truncated");
    if (q->cert_type != 6)
        return tm_fail(d, TM_EPARSE, "quote: certification data type %u (6, QE report data, expected)",
                       q->cert_type);
    struct tm_rd cr;
    tm_rd_init(&cr, cert.ptr, cert.len);
    return qe_part(&cr, q, d);
}

static int hexv(int c) { return tm_hexval(c); }

enum tm_rc tm_quote_decode(const char *text, size_t len, uint8_t **out, size_t *outlen,
                           char **event_log, struct tm_diag *d)
{
    *out = NULL;
    *outlen = 0;
    *event_log = NULL;
    if (len > 4 * TM_QUOTE_MAX)
        return tm_fail(d, TM_ETOOBIG, "quote: input larger than %u bytes", 4 * TM_QUOTE_MAX);
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
        i++;
    if (i < len && text[i] == '{') { /* a dstack GetQuote response */
        cJSON *o = cJSON_ParseWithLength(text, len);
        const cJSON *qh = cJSON_GetObjectItemCaseSensitive(o, "quote");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "event_log");
        enum tm_rc rc = TM_OK;
        if (!cJSON_IsString(qh))
            rc = tm_fail(d, TM_EPARSE, "quote: JSON without a \"quote\" hex string");
        else
            rc = tm_quote_decode(qh->valuestring, strlen(qh->valuestring), out, outlen, event_log, d);
        if (!rc && ev)
            *event_log = cJSON_IsString(ev) ? tm_xstrdup(ev->valuestring) : cJSON_PrintUnformatted(ev);
        cJSON_Delete(o);
        return rc;
    }
    /* hex text? (every non-space byte a hex digit, after an optional 0x) */
    size_t j = i;
    if (j + 1 < len && text[j] == '0' && (text[j + 1] == 'x' || text[j + 1] == 'X'))
        j += 2;
    size_t digits = 0;
    int hex = 1;
    for (size_t k = j; k < len && hex; k++) {
        if (hexv((unsigned char)text[k]) >= 0)
            digits++;
        else if (!strchr(" \n\r\t", text[k]) || !text[k])
            hex = 0;
    }
    if (hex && digits >= 96) {
        if (digits % 2)
            return tm_fail(d, TM_EPARSE, "quote: odd number of hex digits");
        uint8_t *b = tm_xmalloc(digits / 2 + 1);
        size_t o = 0;
        int hi = -1;
        for (size_t k = j; k < len; k++) {
            int v = hexv((unsigned char)text[k]);
            if (v < 0)
                continue;
            if (hi < 0) {
                hi = v;
            } else {
                b[o++] = (uint8_t)(hi << 4 | v);
                hi = -1;
            }
        }
        *out = b;
        *outlen = o;
        return TM_OK;
    }
    uint8_t *b = tm_xmalloc(len + 1);
    memcpy(b, text, len);
    *out = b;
    *outlen = len;
    return TM_OK;
}

static void add_hex(cJSON *o, const char *k, struct tm_span s)
{
    if (!s.ptr) {
        cJSON_AddNullToObject(o, k);
        return;
    }
    char *h = tm_xmalloc(2 * s.len + 1);
    tm_hex(s.ptr, s.len, h);
    cJSON_AddStringToObject(o, k, h);
    free(h);
}

cJSON *tm_quote_json(const struct tm_quote *q)
{
    cJSON *o = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(o, "header");
    cJSON_AddNumberToObject(h, "version", q->version);
    cJSON_AddNumberToObject(h, "att_key_type", q->att_key_type);
    cJSON_AddNumberToObject(h, "tee_type", q->tee_type);
    cJSON_AddNumberToObject(h, "qe_svn", q->qe_svn);
    cJSON_AddNumberToObject(h, "pce_svn", q->pce_svn);
    add_hex(h, "qe_vendor_id", q->qe_vendor_id);
    add_hex(h, "user_data", q->user_data);
    if (q->version == 5) {
        cJSON_AddNumberToObject(h, "body_type", q->body_type);
        cJSON_AddNumberToObject(h, "body_size", q->body_size);
    }
    cJSON_AddNumberToObject(o, "body_type", q->body_type);
    cJSON_AddNumberToObject(o, "body_offset", (double)q->body_offset);
    cJSON_AddNumberToObject(o, "signed_length", (double)q->signed_len);
    cJSON_AddNumberToObject(o, "sig_data_len", q->sig_data_len);
    cJSON_AddNumberToObject(o, "bytes_after_signature_data", (double)q->trailing);
    cJSON *r = cJSON_AddObjectToObject(o, "report");
    if (q->body_type == 1) {
        add_hex(r, "cpu_svn", q->cpu_svn);
        add_hex(r, "misc_select", q->misc_select);
        add_hex(r, "attributes", q->attributes);
        add_hex(r, "mr_enclave", q->mr_enclave);
        add_hex(r, "mr_signer", q->mr_signer);
        add_hex(r, "isv_prod_id", q->isv_prod_id);
        add_hex(r, "isv_svn", q->isv_svn);
        add_hex(r, "report_data", q->sgx_report_data);
    } else {
        static const char *const rt[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
        add_hex(r, "tee_tcb_svn", q->tee_tcb_svn);
        add_hex(r, "mr_seam", q->mr_seam);
        add_hex(r, "mr_signer_seam", q->mr_signer_seam);
        add_hex(r, "seam_attributes", q->seam_attributes);
        add_hex(r, "td_attributes", q->td_attributes);
        add_hex(r, "xfam", q->xfam);
        add_hex(r, "mr_td", q->mr_td);
        add_hex(r, "mr_config_id", q->mr_config_id);
        add_hex(r, "mr_owner", q->mr_owner);
        add_hex(r, "mr_owner_config", q->mr_owner_config);
        for (int i = 0; i < 4; i++)
            add_hex(r, rt[i], q->rtmr[i]);
        add_hex(r, "report_data", q->report_data);
        if (q->body_type == 3) {
            add_hex(r, "tee_tcb_svn2", q->tee_tcb_svn2);
            add_hex(r, "mr_service_td", q->mr_service_td);
        }
        cJSON_AddBoolToObject(r, "debug", q->debug);
    }
    cJSON *s = cJSON_AddObjectToObject(o, "signature_data");
    add_hex(s, "quote_signature_rs", q->signature);
    add_hex(s, "attestation_key_xy", q->attestation_key);
    if (q->version == 3)
        cJSON_AddNullToObject(s, "outer_cert_type"); /* SGX v3: no QE-report wrapper */
    else
        cJSON_AddNumberToObject(s, "outer_cert_type", q->cert_type);
    add_hex(s, "qe_report_signature_rs", q->qe_report_signature);
    add_hex(s, "qe_auth_data", q->qe_auth_data);
    cJSON_AddNumberToObject(s, "inner_cert_type", q->inner_cert_type);
    cJSON_AddNumberToObject(s, "pck_chain_len", (double)q->pck_chain.len);
    return o;
}
