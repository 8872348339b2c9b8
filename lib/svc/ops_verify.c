/* ops_verify.c - the offline ops: verify (a signed teemed document, or a DCAP quote)
 * and quote.show. They need no mediator: anyone checks what the mediator signed with
 * the teemed binary alone. */
#include "svc/svc_int.h"
#include "attest/attest.h"
#include "attest/dcap.h"
#include "attest/eventlog.h"
#include "attest/quote.h"
#include "base/base.h"
#include "base/canon.h"
#include "base/crypto.h"
#include "core/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_MAX (16u << 20)

/* The file the caller sent, decoded from base64 (owned: free()). */
static enum tm_rc file_of(const cJSON *in, uint8_t **buf, size_t *len, struct tm_diag *d)
{
    const char *b64 = op_str(in, "data_b64");
    size_t n = strlen(b64), cap = n / 4 * 3 + 3;
    *buf = tm_xmalloc(cap + 1);
    if (tm_unb64(b64, n, *buf, cap, len) != 0) {
        free(*buf);
        *buf = NULL;
        return tm_fail(d, TM_EINVAL, "data_b64 is not base64");
    }
    if (*len > VERIFY_MAX) {
        free(*buf);
        *buf = NULL;
        return tm_fail(d, TM_ETOOBIG, "the file is larger than %u bytes", VERIFY_MAX);
    }
    (*buf)[*len] = 0;
    return TM_OK;
}

void op_expect(const cJSON *in, struct tm_expect *x)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(in, "expect");
    memset(x, 0, sizeof *x);
    x->mrtd = op_str(e, "mrtd");
    x->compose_hash = op_str(e, "compose_hash");
    x->app_id = op_str(e, "app_id");
    x->code_measurement = op_str(e, "code_measurement");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "rtmr");
    for (int i = 0; i < 4; i++) {
        const cJSON *v = cJSON_GetArrayItem(r, i);
        x->rtmr[i] = cJSON_IsString(v) ? v->valuestring : NULL;
    }
}

/* Did every check but "code-pinned" pass? */
static int only_unpinned(const struct tm_verify *v)
{
    for (size_t i = 0; i < v->nchecks; i++)
        if (!v->checks[i].ok && strcmp(v->checks[i].name, "code-pinned"))
            return 0;
    return 1;
}

static cJSON *checks_json(const struct tm_verify *v)
{
    cJSON *cs = cJSON_CreateArray();
    for (size_t i = 0; i < v->nchecks; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "check", v->checks[i].name);
        cJSON_AddBoolToObject(x, "ok", v->checks[i].ok);
        cJSON_AddStringToObject(x, "detail", v->checks[i].detail);
        cJSON_AddItemToArray(cs, x);
    }
    return cs;
}

/* The first failed check, as the call's message. */
static enum tm_rc first_failure(const struct tm_verify *v, const char *what, struct tm_diag *d)
{
    for (size_t i = 0; i < v->nchecks; i++)
        if (!v->checks[i].ok)
            return tm_fail(d, TM_EVERIFY, "%s: %s check failed: %s", what, v->checks[i].name, v->checks[i].detail);
    return tm_fail(d, TM_EVERIFY, "%s: a check failed", what);
}

/* Show (and with check, verify) the quote in data[0..n). *out: the quote's fields, the
 * event log replay, and with check the checks, TCB status and "verified". */
static enum tm_rc quote_report(const char *data, size_t n, int check, int require_collateral, const cJSON *in,
                               cJSON **out, struct tm_verify *v, struct tm_diag *d)
{
    uint8_t *bin = NULL;
    size_t bl = 0;
    char *ev = NULL;
    struct tm_quote q;
    struct tm_dcap dc = {{0}, NULL, 0};
    struct tm_eventlog el;
    struct tm_expect x;
    const char *col = op_str(in, "collateral");
    int64_t at = (int64_t)op_int(in, "at", 0);
    const cJSON *atj = cJSON_GetObjectItemCaseSensitive(in, "at");
    int64_t atv;
    if (tm_json_int(atj, -1e15, 1e15, &atv))
        at = atv;
    *out = NULL;
    memset(v, 0, sizeof *v);
    v->ok = 1;
    op_expect(in, &x);
    if (tm_expect_any(&x))
        check = 1;
    enum tm_rc rc = tm_quote_decode(data, n, &bin, &bl, &ev, d);
    if (!rc)
        rc = tm_quote_parse(bin, bl, &q, d);
    if (!rc && ev)
        rc = tm_eventlog_replay(ev, strlen(ev), &el, d);
    if (rc)
        goto out;
    cJSON *j = tm_quote_json(&q);
    int el_ok = 1;
    if (ev) {
        cJSON *e = cJSON_AddObjectToObject(j, "event_log"), *rr = cJSON_AddArrayToObject(e, "rtmr_replayed"),
              *mm = cJSON_AddArrayToObject(e, "replay_matches_quote");
        cJSON_AddNumberToObject(e, "events", el.events);
        for (int i = 0; i < 4; i++) {
            char hx[97];
            tm_hex(el.rtmr[i], 48, hx);
            cJSON_AddItemToArray(rr, cJSON_CreateString(hx));
            int match = q.rtmr[i].len == 48 && !memcmp(q.rtmr[i].ptr, el.rtmr[i], 48);
            cJSON_AddItemToArray(mm, cJSON_CreateBool(match));
            el_ok &= match;
        }
        cJSON_AddStringToObject(e, "compose_hash", el.compose_hash);
        cJSON_AddStringToObject(e, "app_id", el.app_id);
        cJSON_AddStringToObject(e, "instance_id", el.instance_id);
        cJSON_AddStringToObject(e, "os_image_hash", el.os_image_hash);
        cJSON_AddStringToObject(e, "key_provider", el.key_provider);
        cJSON_AddNumberToObject(e, "app_events", el.app_events);
    }
    if (check) {
        struct tm_diag vd = {{0}};
        enum tm_rc vrc = col ? tm_dcap_verify(bin, bl, &q, col, strlen(col), at, &dc, v, &vd)
                             : tm_quote_check(bin, bl, &q, at, v, &vd);
        (void)vrc; /* every outcome is in v */
        if (ev)
            tm_verify_add(v, "event-log", el_ok, "%s", el_ok ? "the event log replays to RTMR0-3 of the quote"
                                                             : "the event log does not replay to the quote's RTMRs");
        tm_quote_expect(&q, ev ? &el : NULL, el_ok, &x, v);
        if (!col && require_collateral)
            tm_verify_add(v, "tcb", 0, "%s", "the TCB status was not evaluated: give the collateral (--collateral FILE)");
        cJSON_AddItemToObject(j, "checks", checks_json(v));
        cJSON_AddStringToObject(j, "tcb_status", col ? dc.status : "not evaluated (needs collateral)");
        cJSON_AddItemToObject(j, "advisory_ids", dc.advisories ? dc.advisories : cJSON_CreateArray());
        dc.advisories = NULL;
        cJSON_AddBoolToObject(j, "verified", v->ok && col != NULL);
    }
    *out = j;
out:
    cJSON_Delete(dc.advisories);
    free(bin);
    free(ev);
    return rc;
}

enum tm_rc op_quote(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)c;
    uint8_t *buf;
    size_t n;
    cJSON *j;
    struct tm_verify v;
    int check = op_bool(in, "check") || cJSON_GetObjectItemCaseSensitive(in, "collateral") ||
                cJSON_GetObjectItemCaseSensitive(in, "expect");
    enum tm_rc rc = file_of(in, &buf, &n, d);
    if (rc)
        return rc;
    rc = quote_report((const char *)buf, n, check, 0, in, &j, &v, d);
    free(buf);
    if (rc)
        return rc;
    *out = op_print(j);
    return check && !v.ok ? first_failure(&v, "quote", d) : TM_OK;
}

enum tm_rc op_verify(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)c;
    uint8_t *buf;
    size_t n;
    struct tm_verify v;
    struct tm_expect x;
    enum tm_rc rc = file_of(in, &buf, &n, d);
    if (rc)
        return rc;
    const char *col = op_str(in, "collateral");
    const cJSON *atj = cJSON_GetObjectItemCaseSensitive(in, "at");
    op_expect(in, &x);
    struct tm_verify_opts vo = {0};
    vo.allow_simulated = op_bool(in, "allow_simulated");
    vo.collateral = col;
    vo.collateral_len = col ? strlen(col) : 0;
    int64_t atv;
    vo.at = tm_json_int(atj, -1e15, 1e15, &atv) ? atv : (int64_t)(c->now / 1000);
    vo.expect = tm_expect_any(&x) ? &x : NULL;
    vo.accept_tcb = op_str(in, "accept_tcb");
    vo.accept_disk_key = op_bool(in, "accept_disk_key");
    struct tm_diag vd = {{0}};
    rc = tm_attest_verify((const char *)buf, n, &vo, &v, &vd);
    if (rc == TM_EPARSE) { /* not a teemed document: a quote, perhaps */
        cJSON *j;
        cJSON *in2 = cJSON_Duplicate(in, 1);
        if (!cJSON_GetObjectItemCaseSensitive(in2, "at"))
            cJSON_AddNumberToObject(in2, "at", (double)vo.at);
        rc = quote_report((const char *)buf, n, 1, 1, in2, &j, &v, d);
        cJSON_Delete(in2);
        free(buf);
        if (rc)
            return rc;
        cJSON_AddBoolToObject(j, "ok", v.ok);
        cJSON_AddStringToObject(j, "what", "quote");
        *out = op_print(j);
        return v.ok ? TM_OK : first_failure(&v, "verify", d);
    }
    free(buf);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "ok", v.ok);
    cJSON_AddStringToObject(j, "what", "document");
    cJSON_AddStringToObject(j, "kind", v.kind);
    cJSON_AddStringToObject(j, "backend", v.backend);
    cJSON_AddBoolToObject(j, "simulated", v.simulated);
    cJSON_AddBoolToObject(j, "hardware_backed", v.hardware && v.pinned && v.ok);
    cJSON_AddBoolToObject(j, "pinned", v.pinned);
    /* one word on what the document proves */
    const char *verdict = !v.ok && v.hardware && !v.pinned && only_unpinned(&v) ? "TEE verified, code not pinned"
                          : !v.ok                                             ? "not verified"
                          : v.simulated                                       ? "simulated: software keys, no TEE"
                                                                              : "hardware-backed teemed";
    cJSON_AddStringToObject(j, "verdict", verdict);
    if (v.tcb_status[0])
        cJSON_AddStringToObject(j, "tcb_status", v.tcb_status);
    else
        cJSON_AddNullToObject(j, "tcb_status");
    cJSON *adv = cJSON_AddArrayToObject(j, "advisory_ids");
    for (const char *p = v.advisories; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char id[64];
        if (l >= sizeof id)
            l = sizeof id - 1;
        memcpy(id, p, l);
        id[l] = 0;
        cJSON_AddItemToArray(adv, cJSON_CreateString(id));
        p += l + (e != NULL);
    }
    cJSON_AddItemToObject(j, "checks", checks_json(&v));
    *out = op_print(j);
    return v.ok ? TM_OK : first_failure(&v, "verify", d);
}

/* ---- audit.check: a later trail against an earlier signed head ---- */

/* Verify a document's integrity (canonical form, payload hash, Ed25519 signature, the
 * report_data binding); *signer: its signer (borrowed from doc). Whether the key is
 * hardware-backed is verify's question: here both heads need only the same signer. */
static int head_doc_ok(const cJSON *doc, const char **signer, char *why, size_t wl)
{
    char *text = tm_canonical(doc);
    struct tm_verify_opts vo = {0};
    vo.allow_simulated = 1;
    vo.accept_disk_key = 1;
    struct tm_verify v;
    struct tm_diag vd = {{0}};
    enum tm_rc rc = tm_attest_verify(text, strlen(text), &vo, &v, &vd);
    free(text);
    if (rc == TM_EPARSE) {
        snprintf(why, wl, "not a signed teemed document: %.200s", vd.msg);
        return 0;
    }
    static const char *const need[] = {"canonical", "payload-hash", "signature", "report-data"};
    for (size_t i = 0; i < v.nchecks; i++)
        for (size_t k = 0; k < sizeof need / sizeof *need; k++)
            if (!strcmp(v.checks[i].name, need[k]) && !v.checks[i].ok) {
                snprintf(why, wl, "%s: %s", v.checks[i].name, v.checks[i].detail);
                return 0;
            }
    *signer = op_str(cJSON_GetObjectItemCaseSensitive(doc, "attestation"), "signer");
    return *signer != NULL;
}

/* The (seq, head) a signed document names for dataset ds: an audit-head's own, or the
 * audit_heads of a result's attestation. */
static int head_of(const cJSON *doc, const char *ds, int64_t *seq, const char **head)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "attestation");
    const char *kind = op_str(a, "kind");
    const cJSON *src = NULL, *h;
    if (kind && !strcmp(kind, "audit-head"))
        src = doc;
    else if (kind && !strcmp(kind, "result"))
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(a, "audit_heads")) if (!src && op_str(h, "dataset_id") &&
                                                                                     !strcmp(op_str(h, "dataset_id"), ds))
            src = h;
    if (!src || !op_str(src, "dataset_id") || strcmp(op_str(src, "dataset_id"), ds))
        return 0;
    *head = op_str(src, "head");
    return *head && tm_json_int(cJSON_GetObjectItemCaseSensitive(src, "seq"), 0, 9e15, seq);
}

enum tm_rc op_audit_check(struct call *c, const cJSON *in, char **out, struct tm_diag *d)
{
    (void)c;
    const cJSON *trail = cJSON_GetObjectItemCaseSensitive(in, "trail");
    const cJSON *since = cJSON_GetObjectItemCaseSensitive(in, "since");
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(trail, "signed_head");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(trail, "entries");
    const char *ds = op_str(trail, "dataset_id"), *s_old = NULL, *s_new = NULL, *h_old = NULL, *h_new = NULL;
    char why[300] = "";
    int64_t q_old = -1, q_new = -1;
    int ok = ds && cJSON_IsArray(entries) && cJSON_IsObject(now);
    if (!ok)
        snprintf(why, sizeof why, "the trail is not a datasets.audit output with its signed_head");
    if (ok && !(ok = head_doc_ok(now, &s_new, why, sizeof why)))
        snprintf(why + strlen(why), sizeof why - strlen(why), " (the trail's signed head)");
    if (ok && !(ok = head_doc_ok(since, &s_old, why, sizeof why)))
        snprintf(why + strlen(why), sizeof why - strlen(why), " (the earlier head)");
    if (ok && !(ok = !strcmp(s_old, s_new)))
        snprintf(why, sizeof why, "the earlier head was signed by another key than the trail's head");
    if (ok && !(ok = head_of(now, ds, &q_new, &h_new) && head_of(since, ds, &q_old, &h_old)))
        snprintf(why, sizeof why, "the documents name no head of dataset '%s'", ds);
    if (ok && !(ok = tm_audit_extends(entries, q_new, h_new, why, sizeof why) &&
                     (q_new == 0 || cJSON_GetArraySize(entries) == q_new)))
        if (!why[0])
            snprintf(why, sizeof why, "the trail does not end at its signed head");
    if (ok && q_old > q_new) {
        ok = 0;
        snprintf(why, sizeof why, "the trail ends at entry %lld, before entry %lld of the earlier head: it was "
                                  "truncated", (long long)q_new, (long long)q_old);
    }
    if (ok)
        ok = tm_audit_extends(entries, q_old, h_old, why, sizeof why);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", ok);
    cJSON_AddStringToObject(o, "dataset_id", ds ? ds : "");
    cJSON_AddNumberToObject(o, "since_seq", (double)q_old);
    cJSON_AddNumberToObject(o, "seq", (double)q_new);
    if (ok)
        cJSON_AddNullToObject(o, "problem");
    else
        cJSON_AddStringToObject(o, "problem", why);
    *out = op_print(o);
    return ok ? TM_OK : tm_fail(d, TM_EVERIFY, "audit: %s", why);
}
