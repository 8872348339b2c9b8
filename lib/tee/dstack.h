/* dstack.h - the dstack guest agent client: HTTP/1.1 over its unix socket.
 *
 * Two APIs, one agent: the current DstackGuest service (`POST /<Method>`, dstack >= 0.5)
 * and the legacy Tappd service (`POST /prpc/Tappd.<Method>`, 0.3/0.4, still served by
 * 0.5 agents). The agent is, in this order: $DSTACK_SIMULATOR_ENDPOINT (a path; current
 * API), $TAPPD_SIMULATOR_ENDPOINT (a path; legacy), the first existing socket of
 * /var/run/dstack.sock, /run/dstack.sock, /var/run/dstack/dstack.sock,
 * /run/dstack/dstack.sock (current), then of the same four tappd.sock paths (legacy).
 *
 * Method mapping (docs/attestation.md, "Legacy tappd"):
 *   key    GetKey {path, purpose} -> key          | Tappd.DeriveK256Key {path, purpose} -> k256_key
 *   quote  GetQuote {report_data}                 | Tappd.TdxQuote {report_data, hash_algorithm: "raw"}
 *   info   Info                                   | Tappd.Info
 *   event  EmitEvent {event, payload}             | none (reported as unsupported)
 * On one agent both key calls run the same derivation (HKDF-SHA256, salt "RATLS", info =
 * path, over the app's k256 key), so the 32 bytes are the same.
 *
 * Responses are read to a 4 MiB cap, with Content-Length, chunked, or close-delimited
 * bodies; a non-2xx status becomes an error carrying the agent's {"error": ...} text. */
#ifndef TM_DSTACK_H
#define TM_DSTACK_H

#include <stddef.h>
#include <stdint.h>
#include "tm/err.h"

#define TM_DSTACK_RESP_MAX (4u << 20)

enum tm_agent_api { TM_AGENT_DSTACK, TM_AGENT_TAPPD };

struct tm_agent {
    char path[108]; /* sun_path */
    enum tm_agent_api api;
};

/* "dstack" or "tappd". */
const char *tm_agent_api_name(enum tm_agent_api api);

/* Find the agent (see above); TM_ESTATE naming every place looked at when none. */
enum tm_rc tm_dstack_find(struct tm_agent *a, struct tm_diag *d) TM_NODISCARD;

/* POST method (the bare name, e.g. "GetKey": the API adds its prefix) with body (JSON
 * text); *resp (free()) receives the response body. *status (may be NULL) receives the
 * HTTP status, 0 when there was no response. */
enum tm_rc tm_dstack_call(const struct tm_agent *a, const char *method, const char *body, char **resp,
                          int *status, struct tm_diag *d) TM_NODISCARD;

/* Parse a raw HTTP response buf[0..n) (buf must have room for n + 1 bytes; it is
 * modified in place): status, headers, body framing. *resp (free()) receives the body of
 * a 2xx response; other statuses fail with the agent's error text. *status (may be
 * NULL) receives the status code, 0 when there is none. */
enum tm_rc tm_dstack_parse_response(char *buf, size_t n, const char *method, char **resp, int *status,
                                    struct tm_diag *d) TM_NODISCARD;

/* The 32-byte app key for path (the same bytes on every replica of the app). */
enum tm_rc tm_dstack_key(const struct tm_agent *a, const char *path, uint8_t key[32], struct tm_diag *d) TM_NODISCARD;

/* A quote over report_data (*quote, free()) and the event log JSON text (*event_log,
 * free(); may be NULL when the agent sent none). */
enum tm_rc tm_dstack_quote(const struct tm_agent *a, const uint8_t report_data[64], uint8_t **quote, size_t *qlen,
                           char **event_log, struct tm_diag *d) TM_NODISCARD;

/* What the agent says about the app (Info). Claims, not evidence: the verifier checks
 * each against the replayed event log. Hex fields are lowercase, "" when absent. */
struct tm_dstack_info {
    char app_id[41], instance_id[41], compose_hash[65], os_image_hash[65];
    char app_name[128];
    char *app_compose; /* tcb_info.app_compose, the exact app-compose.json text (owned; may be NULL) */
};
enum tm_rc tm_dstack_info(const struct tm_agent *a, struct tm_dstack_info *info, struct tm_diag *d) TM_NODISCARD;
void tm_dstack_info_release(struct tm_dstack_info *info);

/* EmitEvent(event, payload): extend RTMR3 through the agent. TM_ENOTFOUND when the
 * agent does not offer it (legacy API, HTTP 404/400/501), other codes for failures. */
enum tm_rc tm_dstack_emit(const struct tm_agent *a, const char *event, const uint8_t *payload, size_t n,
                          struct tm_diag *d) TM_NODISCARD;

#endif
