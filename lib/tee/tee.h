/* tee.h - TEE backends: where the mediator's keys and attestation come from.
 *
 * dstack: the guest agent (dstack.h). The root secret is GetKey("teemed/root/v1"), the
 * same on every replica and restart of the app, so a mediator keeps its signing key and
 * can unseal its data; opening the backend fetches one quote and the event log.
 * tdx: Linux configfs-tsm (tsm.h) under $TEEMED_TSM_ROOT, else /sys/kernel/config/tsm.
 * Keys as for sim (a random master secret in DATA/tee/tdx-master.key, so the data dir
 * must live on the confidential VM's encrypted disk); the difference is that opening the
 * backend fetches one TDX quote over report_data, which every attestation carries.
 *
 * sim: a random master secret in DATA/tee/sim-master.key (0600); every attestation it
 * makes says "simulated" and carries no quote. The signing key (Ed25519) and the
 * sealing key (AES-256-GCM) are derived from the backend's root secret with HKDF, so a
 * hardware backend (dstack GetKey, issue 4) changes where the secret comes from and
 * nothing else. report_data binds the signing key:
 *   report_data = SHA-512("teemed-report-data-v1" || 0x00 || "ed25519" || 0x00 || pub[32])
 * (docs/attestation.md). */
#ifndef TM_TEE_H
#define TM_TEE_H

#include <stdint.h>
#include "tee/dstack.h"
#include <cjson/cJSON.h>
#include "tm/err.h"

enum tm_tee_kind { TM_TEE_SIM, TM_TEE_DSTACK, TM_TEE_TDX };

struct tm_tee {
    enum tm_tee_kind kind;
    int simulated;
    uint8_t sign_seed[32];
    uint8_t seal_key[32];
    uint8_t pub[32];
    uint8_t upload_priv[32];    /* X25519: owners encrypt uploads to upload_pub */
    uint8_t upload_pub[32];
    uint8_t report_data[64];
    uint8_t *quote; /* tdx: the quote over report_data (owned; NULL for sim) */
    size_t quote_len;
    char *event_log; /* dstack: the event log JSON from GetQuote (owned; may be NULL) */
    /* dstack only: */
    struct tm_agent agent;      /* the agent and API the keys and quote came from */
    struct tm_dstack_info info; /* Info's claims (owned), valid when has_info */
    int has_info;
    char event_status[16];      /* the code-measurement RTMR3 event (eventlog.h): emitted, already-emitted,
                                 * unsupported, failed, skipped ("" on other backends) */
    char event_detail[200];
};


const char *tm_tee_name(enum tm_tee_kind k);
int tm_tee_parse(const char *name, enum tm_tee_kind *k);

/* Create the backend's state in data_dir (fails with TM_EEXIST if already there). */
enum tm_rc tm_tee_init(const char *data_dir, enum tm_tee_kind kind, struct tm_diag *d) TM_NODISCARD;
/* Load the backend recorded in data_dir. Wipe with tm_tee_close. */
enum tm_rc tm_tee_open(const char *data_dir, struct tm_tee *t, struct tm_diag *d) TM_NODISCARD;
void tm_tee_close(struct tm_tee *t);

/* Evidence made fresh for a caller's nonce: report_data binds the signing key and the
 * nonce (attest/attest.h), with a new quote over it on hardware backends (and the
 * event log on dstack). Owned: tm_evidence_release. */
struct tm_evidence {
    uint8_t nonce[64];
    size_t nonce_len;
    uint8_t report_data[64];
    uint8_t *quote; /* NULL for sim */
    size_t quote_len;
    char *event_log;
};
enum tm_rc tm_tee_evidence(const struct tm_tee *tee, const uint8_t *nonce, size_t nonce_len,
                           struct tm_evidence *ev, struct tm_diag *d) TM_NODISCARD;
void tm_evidence_release(struct tm_evidence *ev);

/* Append the attestation member to doc (an object) and sign it with the backend's key
 * (format: attest/attest.h). The members of extra (may be NULL; always consumed) are
 * added to the attestation before signing, e.g. the hashes of a result envelope's parts.
 * ev (may be NULL) replaces the backend's standing evidence with fresh evidence. */
enum tm_rc tm_tee_sign(const struct tm_tee *tee, cJSON *doc, const char *kind, cJSON *extra,
                       const struct tm_evidence *ev, int64_t now_ms, struct tm_diag *d) TM_NODISCARD;

#endif
