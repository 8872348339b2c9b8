/* sign.c - sign teemed documents with the backend's key (the format is attest/attest.h). */
#include "attest/attest.h"
#include "base/base.h"
#include "base/crypto.h"
#include "tee/tee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tm_rc tm_tee_sign(const struct tm_tee *tee, cJSON *doc, const char *kind, cJSON *extra,
                       const struct tm_evidence *ev, int64_t now_ms, struct tm_diag *d)
{
    const uint8_t *rd = ev ? ev->report_data : tee->report_data;
    const uint8_t *quote = ev ? ev->quote : tee->quote;
    size_t quote_len = ev ? ev->quote_len : tee->quote_len;
    const char *event_log = ev ? ev->event_log : tee->event_log;
    char hex[129], ts[32];
    if (strlen(kind) > TM_DOC_KIND_MAX) {
        cJSON_Delete(extra);
        return tm_fail(d, TM_EINVAL, "attest: kind too long");
    }
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "format", "teemed-attestation-v1");
    cJSON_AddStringToObject(a, "kind", kind);
    cJSON_AddStringToObject(a, "backend", tm_tee_name(tee->kind));
    cJSON_AddBoolToObject(a, "simulated", tee->simulated);
    if (tee->simulated)
        cJSON_AddStringToObject(a, "note", "simulated TEE: software keys, not hardware-backed");
    tm_hex(tee->pub, 32, hex);
    char signer[144];
    snprintf(signer, sizeof signer, "ed25519:%s", hex);
    cJSON_AddStringToObject(a, "signer", signer);
    tm_hex(rd, 64, hex);
    cJSON_AddStringToObject(a, "report_data", hex);
    if (ev) {
        tm_hex(ev->nonce, ev->nonce_len, hex);
        cJSON_AddStringToObject(a, "nonce", hex);
    }
    if (quote && quote_len) {
        char *qh = malloc(quote_len * 2 + 1);
        if (!qh) {
            cJSON_Delete(extra);
            cJSON_Delete(a);
            return tm_fail(d, TM_EIO, "out of memory");
        }
        tm_hex(quote, quote_len, qh);
        cJSON_AddStringToObject(a, "quote", qh);
        free(qh);
    } else {
        cJSON_AddNullToObject(a, "quote");
    }
    if (event_log)
        cJSON_AddStringToObject(a, "event_log", event_log);
    if (tee->kind == TM_TEE_DSTACK && tee->has_info) { /* the agent's Info: claims the verifier checks */
        cJSON *ds = cJSON_AddObjectToObject(a, "dstack");
        cJSON_AddStringToObject(ds, "api", tm_agent_api_name(tee->agent.api));
        cJSON_AddStringToObject(ds, "app_id", tee->info.app_id);
        cJSON_AddStringToObject(ds, "instance_id", tee->info.instance_id);
        cJSON_AddStringToObject(ds, "compose_hash", tee->info.compose_hash);
        if (tee->info.os_image_hash[0])
            cJSON_AddStringToObject(ds, "os_image_hash", tee->info.os_image_hash);
    }
    tm_format_time(now_ms, ts);
    cJSON_AddStringToObject(a, "signed_at", ts);
    while (extra && extra->child) {
        cJSON *it = cJSON_DetachItemViaPointer(extra, extra->child);
        cJSON_AddItemToObject(a, it->string, it); /* the key string moves with the item */
    }
    cJSON_Delete(extra);
    cJSON_AddItemToObject(doc, "attestation", a);

    char *payload = tm_canonical(doc);
    uint8_t h[32], msg[TM_DOC_MSG_MAX], sig[64];
    size_t mn;
    tm_sha256(payload, strlen(payload), h);
    free(payload);
    tm_doc_message(kind, h, msg, &mn);
    enum tm_rc rc = tm_ed25519_sign(tee->sign_seed, msg, mn, sig, d);
    if (rc)
        return rc;
    /* payload_sha256 is informative and covered: insert it before signing would change
     * the payload, so it is added after and excluded like the signature. */
    tm_hex(h, 32, hex);
    cJSON_AddStringToObject(a, "payload_sha256", hex);
    char b64[96];
    tm_b64(sig, 64, b64);
    cJSON_AddStringToObject(a, "signature", b64);
    return TM_OK;
}
