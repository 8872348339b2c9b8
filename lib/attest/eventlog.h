/* eventlog.h - the TDX/dstack event log: replay it to RTMR0-3 and read dstack's claims.
 *
 * Events {imr, event_type, digest, event, event_payload}. Boot events are replayed with
 * their digest as given; dstack runtime events (imr 3, type 0x08000001) have their digest
 * recomputed, never trusted: V1 SHA-384(LE32(type) ":" name ":" payload), V2 (events with
 * "version": 2) SHA-384 of the JCS text {"name","payload" (hex),"type"}. Each RTMR starts
 * at 48 zero bytes; RTMR = SHA-384(RTMR || digest) per event in order.
 *
 * Claims (app-id, compose-hash, instance-id, os-image-hash, key-provider) are read from
 * the dstack events before system-ready; the first one of each name counts. A second
 * event of a claimed name before system-ready is recorded in `duplicate`: a log like that
 * is ambiguous (0.3.x logs have no system-ready, so an application could emit its own
 * "app-id" later), and every expectation on a claim fails on it. */
#ifndef TM_EVENTLOG_H
#define TM_EVENTLOG_H

#include <stdint.h>
#include "tm/err.h"

/* The RTMR3 event a dstack mediator emits once per boot (tee.c): payload = the 32-byte
 * SHA-256 of its binary (tm_code_measurement). */
#define TM_MEASUREMENT_EVENT "teemed-code-measurement"

struct tm_eventlog {
    uint8_t rtmr[4][48];
    uint32_t events, per_imr[4];
    char compose_hash[65], app_id[41], instance_id[41], os_image_hash[65];
    char key_provider[256];
    uint32_t app_events; /* emitted by the application after system-ready */
    char teemed_measurement[65]; /* payload of the last teemed-code-measurement event, or "" */
    uint32_t teemed_events;      /* how many there were */
    uint32_t seen;       /* claims recorded so far (bit per claim name) */
    char duplicate[24];  /* name of the first claim seen twice before system-ready, or "" */
};

/* Replay json[0..len): a JSON array of events, or a JSON string holding one. */
enum tm_rc tm_eventlog_replay(const char *json, size_t len, struct tm_eventlog *out,
                              struct tm_diag *d) TM_NODISCARD;

#endif
