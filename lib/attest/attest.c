/* attest.c - the teemed document format and its offline verification (see attest.h).
 * Signing lives with the keys, in tee/sign.c. */
#include "attest/attest.h"
#include "base/base.h"
#include "base/crypto.h"
#include "attest/dcap.h"
#include "attest/eventlog.h"
#include "attest/quote.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>


void tm_report_data_nonce(const uint8_t pub[32], const uint8_t *nonce, size_t nlen, uint8_t out[64])
{
    static const char dom[] = "teemed-report-data-v2\0ed25519"; /* 22 + 8 bytes with NULs */
    uint8_t buf[sizeof dom + 32 + TM_NONCE_MAX];
    if (nlen > TM_NONCE_MAX)
        nlen = TM_NONCE_MAX;
    memcpy(buf, dom, sizeof dom);
    memcpy(buf + sizeof dom, pub, 32);
    memcpy(buf + sizeof dom + 32, nonce, nlen);
    tm_sha512(buf, sizeof dom + 32 + nlen, out);
}

void tm_report_data(const uint8_t pub[32], uint8_t out[64])
{
    static const char dom[] = "teemed-report-data-v1\0ed25519"; /* 22 + 8 bytes with NULs */
    uint8_t buf[sizeof dom + 32];
    memcpy(buf, dom, sizeof dom); /* includes the trailing NUL after "ed25519" */
    memcpy(buf + sizeof dom, pub, 32);
    tm_sha512(buf, sizeof buf, out);
}

void tm_doc_message(const char *kind, const uint8_t h[32], uint8_t *msg, size_t *n)
{
    static const char dom[] = "teemed-sign-v1";
    size_t o = 0, kl = strnlen(kind, TM_DOC_KIND_MAX);
    memcpy(msg, dom, sizeof dom); /* with its NUL */
    o += sizeof dom;
    memcpy(msg + o, kind, kl);
    o += kl;
    msg[o++] = 0;
    memcpy(msg + o, h, 32);
    *n = o + 32;
}




static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The attestation's TDX quote: it parses, its report_data is this signer's binding (rdb,
 * NULL when the binding itself failed), and with collateral the full DCAP verification,
 * whose checks join v. */
/* The agent's Info in the attestation (ds): each claim must equal the replayed log's. */
static void verify_info(struct tm_verify *v, const cJSON *ds, const struct tm_eventlog *el, int el_ok)
{
    static const char *const keys[] = {"app_id", "instance_id", "compose_hash", "os_image_hash"};
    if (!el || !el_ok) {
        tm_verify_add(v, "dstack-info", 0, "%s", "the agent's Info cannot be checked: no event log replays to the quote");
        return;
    }
    const char *const want[] = {el->app_id, el->instance_id, el->compose_hash, el->os_image_hash};
    for (size_t i = 0; i < 4; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(ds, keys[i]);
        if (!c && i == 3)
            continue; /* os_image_hash is claimed only when the log measures it */
        if (!cJSON_IsString(c) || strcmp(c->valuestring, want[i]) || el->duplicate[0]) {
            tm_verify_add(v, "dstack-info", 0, "the agent's Info says %s %.64s, the replayed event log %.64s%s", keys[i],
                          cJSON_IsString(c) ? c->valuestring : "(missing)", want[i][0] ? want[i] : "(no event)",
                          el->duplicate[0] ? " (and repeats a boot claim)" : "");
            return;
        }
    }
    tm_verify_add(v, "dstack-info", 1, "%s", "the agent's Info (app id, instance id, compose hash) matches the replayed event log");
}

/* A mediator document: the app-compose text it ships must hash to the measured compose
 * hash, and its code measurement must be the teemed event the log records. */
static void verify_mediator(struct tm_verify *v, const cJSON *med, const struct tm_eventlog *el, int el_ok,
                            const struct tm_verify_opts *o)
{
    const cJSON *ac = cJSON_GetObjectItemCaseSensitive(med, "app_compose");
    const cJSON *cm = cJSON_GetObjectItemCaseSensitive(med, "code_measurement");
    if (cJSON_IsString(ac)) {
        uint8_t h[32];
        char hx[65];
        tm_sha256(ac->valuestring, strlen(ac->valuestring), h);
        tm_hex(h, 32, hx);
        int ok = el && el_ok && !el->duplicate[0] && !strcmp(hx, el->compose_hash);
        tm_verify_add(v, "app-compose", ok, ok ? "the shipped app-compose.json hashes to the measured compose hash %.16s..."
                                           : "the shipped app-compose.json hashes to %.16s..., not the measured compose hash",
                      hx);
    }
    if (!el || !el_ok || !cJSON_IsString(cm))
        return;
    if (!el->teemed_events) {
        tm_verify_add(v, "measurement-event", 1, "%s",
                      "no " TM_MEASUREMENT_EVENT " event in the log (the agent has no EmitEvent, or it was not emitted)");
    } else {
        int ok = !strcmp(cm->valuestring, el->teemed_measurement);
        tm_verify_add(v, "measurement-event", ok,
                      ok ? "RTMR3 records this binary's measurement (%u teemed event(s) this boot)"
                         : "the code measurement is not the one RTMR3 records last (%u teemed event(s))",
                      el->teemed_events);
    }
    if (o && o->expect && o->expect->code_measurement) {
        const char *w = o->expect->code_measurement;
        w += !strncmp(w, "0x", 2) ? 2 : 0;
        int ok = !strcasecmp(w, cm->valuestring);
        tm_verify_add(v, "expect-code-measurement-doc", ok, "%s",
                      ok ? "the document's code measurement is as expected" : "the document's code measurement differs");
    }
}

static void verify_quote(struct tm_verify *v, const char *hex, const char *event_log, const uint8_t *rdb,
                         const cJSON *ds, const cJSON *med, const struct tm_verify_opts *o)
{
    size_t hl = strlen(hex), qn = 0;
    uint8_t *qb = hl / 2 <= TM_QUOTE_MAX ? malloc(hl / 2 + 1) : NULL;
    struct tm_quote q;
    struct tm_diag qd = {{0}};
    int parsed = qb && !tm_unhex(hex, hl, qb, hl / 2 + 1, &qn) && tm_quote_parse(qb, qn, &q, &qd) == TM_OK;
    if (!parsed) {
        tm_verify_add(v, "quote", 0, "the attached quote does not parse%s%s", qd.msg[0] ? ": " : "", qd.msg);
        goto out;
    }
    tm_verify_add(v, "quote", 1, "%s quote v%u attached", q.body_type == 1 ? "SGX" : "TDX", (unsigned)q.version);
    if (q.body_type == 1) /* an enclave's quote: teemed runs in a TD, and the SGX path pins no enclave */
        tm_verify_add(v, "quote-type", 0, "an SGX quote: teemed documents need a TDX quote");
    const struct tm_span qrd = q.body_type == 1 ? q.sgx_report_data : q.report_data;
    int bind = rdb && qrd.len == 64 && tm_ct_equal(qrd.ptr, rdb, 64);
    tm_verify_add(v, "quote-report-data", bind,
          bind ? "the quote's report_data is this signer's key binding"
               : "the quote's report_data does not bind this signer: a replayed or foreign quote");
    struct tm_eventlog el;
    int el_ok = 0;
    if (event_log) { /* dstack: the log must replay to RTMR0-3 of this very quote */
        el_ok = tm_eventlog_replay(event_log, strlen(event_log), &el, &qd) == TM_OK;
        for (int i = 0; el_ok && i < 4; i++)
            el_ok = q.rtmr[i].len == 48 && !memcmp(q.rtmr[i].ptr, el.rtmr[i], 48);
        if (el_ok)
            tm_verify_add(v, "event-log", 1, "the event log (%u events) replays to RTMR0-3 of the quote; compose hash %s",
                  el.events, el.compose_hash[0] ? el.compose_hash : "none");
        else
            tm_verify_add(v, "event-log", 0, "the event log does not replay to the quote's RTMRs");
    }
    if (ds)
        verify_info(v, ds, event_log ? &el : NULL, el_ok);
    if (med)
        verify_mediator(v, med, event_log ? &el : NULL, el_ok, o);
    if (o && o->expect)
        tm_quote_expect(&q, event_log ? &el : NULL, el_ok, o->expect, v);
    if (!o || !o->collateral) {
        tm_verify_add(v, "dcap", 0, "a hardware quote is attached: verifying it needs the collateral (--collateral FILE)");
        goto out;
    }
    struct tm_verify qv;
    struct tm_dcap dc;
    if (tm_dcap_verify(qb, qn, &q, o->collateral, o->collateral_len, o->at, &dc, &qv, &qd) == TM_OK)
        v->hardware = 1;
    for (size_t i = 0; i < qv.nchecks; i++)
        tm_verify_add(v, qv.checks[i].name, qv.checks[i].ok, "%s", qv.checks[i].detail);
    snprintf(v->tcb_status, sizeof v->tcb_status, "%s", dc.status);
    const cJSON *adv;
    cJSON_ArrayForEach(adv, dc.advisories)
    {
        size_t l = strlen(v->advisories);
        if (cJSON_IsString(adv) && l + strlen(adv->valuestring) + 2 < sizeof v->advisories)
            snprintf(v->advisories + l, sizeof v->advisories - l, "%s%s", l ? "," : "", adv->valuestring);
    }
    cJSON_Delete(dc.advisories);
    if (v->hardware && dc.evaluated) {
        int ok = tm_tcb_acceptable(dc.status, o->accept_tcb);
        tm_verify_add(v, "tcb-policy", ok,
                      ok ? "TCB status %s is acceptable%s%s"
                         : "TCB status %s: the platform misses security updates; refused unless accepted "
                           "with --accept-tcb %s",
                      dc.status, ok && v->advisories[0] ? "; advisories " : "", ok ? v->advisories : dc.status);
    }
    /* hardware-backed teemed: the quote is genuine AND the expectations pin the code that
     * runs - the compose hash or the binary's measurement (dstack), or MRTD and RTMR0-3 */
    const struct tm_expect *x = o->expect;
    v->pinned = x && (x->compose_hash || x->code_measurement || (x->mrtd && x->rtmr[0] && x->rtmr[1] && x->rtmr[2] &&
                                                                 x->rtmr[3]));
    if (v->hardware)
        tm_verify_add(v, "code-pinned", v->pinned, "%s",
                      v->pinned ? "the expected measurements pin the code that runs"
                                : "TEE verified, code not pinned: any TD could have made this quote; give "
                                  "--expect-compose-hash or --expect-code-measurement (dstack), or --expect-mrtd "
                                  "with --expect-rtmr 0..3 (TDX), or --policy FILE");
out:
    free(qb);
}

enum tm_rc tm_attest_verify(const char *text, size_t len, const struct tm_verify_opts *o,
                            struct tm_verify *v, struct tm_diag *d)
{
    memset(v, 0, sizeof *v);
    v->ok = 1;
    enum tm_rc rc = TM_OK;
    char *canon = NULL, *payload = NULL;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!cJSON_IsObject(doc)) {
        rc = tm_fail(d, TM_EPARSE, "not a JSON document");
        goto out;
    }
    cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "attestation");
    if (!cJSON_IsObject(a) || !str(a, "format") || strcmp(str(a, "format"), "teemed-attestation-v1")) {
        rc = tm_fail(d, TM_EPARSE, "not a signed teemed document (no attestation member)");
        goto out;
    }
    const char *kind = str(a, "kind");
    if (!kind || !*kind || strlen(kind) > TM_DOC_KIND_MAX) {
        rc = tm_fail(d, TM_EPARSE, "attestation has no valid kind");
        goto out;
    }
    snprintf(v->kind, sizeof v->kind, "%s", kind);
    snprintf(v->backend, sizeof v->backend, "%s", str(a, "backend") ? str(a, "backend") : "?");

    /* 1. canonical form: the bytes given are exactly what teemed prints. */
    canon = tm_canonical(doc);
    size_t cl = strlen(canon), tl = len;
    if (tl && text[tl - 1] == '\n')
        tl--;
    int canonical = cl == tl && memcmp(canon, text, cl) == 0;
    tm_verify_add(v, "canonical", canonical, canonical ? "document is in canonical form"
                                               : "document bytes differ from its canonical form "
                                                 "(reformatted or edited)");

    /* 2. signature over the payload */
    const char *sig64 = str(a, "signature"), *signer = str(a, "signer");
    const char *rd = str(a, "report_data"), *ph = str(a, "payload_sha256");
    uint8_t pub[32], sig[64], h[32], msg[TM_DOC_MSG_MAX], rdb[64], want[64];
    size_t n = 0;
    int have_pub = signer && !strncmp(signer, "ed25519:", 8) &&
                   !tm_unhex(signer + 8, strlen(signer + 8), pub, 32, &n) && n == 32;
    int have_sig = sig64 && !tm_unb64(sig64, strlen(sig64), sig, 64, &n) && n == 64;
    cJSON_DeleteItemFromObjectCaseSensitive(a, "signature");
    cJSON *phi = cJSON_DetachItemFromObjectCaseSensitive(a, "payload_sha256");
    payload = tm_canonical(doc);
    tm_sha256(payload, strlen(payload), h);
    char hx[129];
    tm_hex(h, 32, hx);
    tm_verify_add(v, "payload-hash", ph && !strcmp(ph, hx),
          ph && !strcmp(ph, hx) ? "payload_sha256 matches the document"
                                : "payload_sha256 does not match the document");
    tm_doc_message(v->kind, h, msg, &n);
    int sig_ok = have_pub && have_sig && tm_ed25519_verify(pub, msg, n, sig) == TM_OK;
    tm_verify_add(v, "signature", sig_ok,
          !have_pub ? "signer is not an ed25519 public key"
          : !have_sig ? "signature is not 64 bytes of base64"
          : sig_ok ? "Ed25519 signature by %.24s... is valid" : "Ed25519 signature does not verify",
          signer ? signer : "");
    cJSON_Delete(phi);

    /* 2b. a result envelope: the hashes of its request and result parts */
    static const char *const parts[] = {"request", "result"};
    for (int k = 0; k < 2; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s_sha256", parts[k]);
        const char *want_h = str(a, key);
        if (!want_h)
            continue;
        cJSON *part = cJSON_GetObjectItemCaseSensitive(doc, parts[k]);
        char *pc = part ? tm_canonical(part) : NULL;
        uint8_t ph2[32];
        char phx[65] = "";
        if (pc) {
            tm_sha256(pc, strlen(pc), ph2);
            tm_hex(ph2, 32, phx);
        }
        int ok = pc != NULL && !strcmp(phx, want_h);
        free(pc);
        char name[40];
        snprintf(name, sizeof name, "%s-hash", parts[k]);
        tm_verify_add(v, name, ok, ok ? "%s_sha256 matches the %s" : "%s_sha256 does not match the %s",
              parts[k], parts[k]);
    }

    /* 3. report_data binds the signing key */
    int rd_ok = 0;
    const char *nonce = str(a, "nonce");
    uint8_t nb[TM_NONCE_MAX];
    size_t nl = 0;
    int nonce_ok = !nonce || (!tm_unhex(nonce, strlen(nonce), nb, sizeof nb, &nl) && nl >= 16);
    if (have_pub && nonce_ok && rd && !tm_unhex(rd, strlen(rd), rdb, 64, &n) && n == 64) {
        if (nonce) /* a fresh attestation: the caller's nonce is bound into report_data too */
            tm_report_data_nonce(pub, nb, nl, want);
        else
            tm_report_data(pub, want);
        rd_ok = tm_ct_equal(want, rdb, 64);
    }
    tm_verify_add(v, "report-data", rd_ok,
                  rd_ok ? (nonce ? "report_data binds the signing key and the nonce" : "report_data binds the signing key")
                  : nonce_ok ? "report_data does not bind the signing key"
                             : "the nonce is not 16 to 64 bytes of hex");

    /* 4. hardware backing */
    const cJSON *simj = cJSON_GetObjectItemCaseSensitive(a, "simulated");
    const cJSON *quote = cJSON_GetObjectItemCaseSensitive(a, "quote");
    v->simulated = !cJSON_IsFalse(simj) || !cJSON_IsString(quote);
    if (v->simulated && o && tm_expect_any(o->expect))
        tm_verify_add(v, "expect", 0, "measurements were expected, but the attestation carries no quote");
    if (v->simulated)
        tm_verify_add(v, "tee", o && o->allow_simulated,
              o && o->allow_simulated
                  ? "simulated TEE (software keys): accepted because --allow-simulated was given"
                  : "simulated TEE (software keys): not hardware-backed; refused without "
                    "--allow-simulated");
    else
        verify_quote(v, quote->valuestring,
                     cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "event_log"))
                         ? cJSON_GetObjectItemCaseSensitive(a, "event_log")->valuestring
                         : NULL,
                     rd_ok ? rdb : NULL, cJSON_GetObjectItemCaseSensitive(a, "dstack"),
                     !strcmp(v->kind, "mediator") ? cJSON_GetObjectItemCaseSensitive(doc, "mediator") : NULL, o);
    if (!v->simulated && !strcmp(v->backend, "tdx")) /* attestation.md, "Key custody" */
        tm_verify_add(v, "key-custody", o && o->accept_disk_key, "%s",
                      o && o->accept_disk_key
                          ? "the tdx backend's key is kept in a file on the data disk: accepted with --accept-disk-key"
                          : "the tdx backend keeps its signing key in a file on the data disk, bound to no "
                            "measurement: whoever holds the disk signs as this mediator (--accept-disk-key to "
                            "accept; dstack keys come from its KMS)");
    rc = v->ok ? TM_OK : TM_EVERIFY;
out:
    free(canon);
    free(payload);
    cJSON_Delete(doc);
    return rc;
}

int tm_tcb_acceptable(const char *status, const char *accept)
{
    static const char *const ok[] = {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                                     "ConfigurationAndSWHardeningNeeded"};
    static const char *const maybe[] = {"OutOfDate", "OutOfDateConfigurationNeeded"};
    if (!status)
        return 0;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!strcmp(status, ok[i]))
            return 1;
    int known = 0;
    for (size_t i = 0; i < sizeof maybe / sizeof *maybe; i++)
        known |= !strcmp(status, maybe[i]);
    if (!known || !accept)
        return 0;
    size_t sl = strlen(status);
    for (const char *p = accept; *p;) { /* a comma-separated list */
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == sl && !strncmp(p, status, l))
            return 1;
        p += l + (e != NULL);
    }
    return 0;
}
