/* audit.h - each dataset's audit trail: every onboarding, request, decision, run,
 * policy change, privacy-budget spend and withdrawal, hash-chained so that a changed or
 * removed entry shows. Library-internal.
 *
 * Entry i stores hash_i = SHA-256(hash_{i-1} "\n" canonical entry_i), hash_0 = 64 zeros. */
#ifndef TM_AUDIT_H
#define TM_AUDIT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/mediator.h"

/* Append an entry (inside the caller's write transaction). request, kind and detail may
 * be NULL; by is an account name or "mediator". */
enum tm_rc tm_audit_add(struct tm_med *m, const char *ds, const char *event, const char *request,
                        const char *kind, const char *by, const char *detail, int64_t now_ms,
                        struct tm_diag *d) TM_NODISCARD;

/* The trail of ds, with the whole chain checked: {"dataset_id", "chain_ok", "problem"?,
 * "head", "entries": [...at most limit, from after cursor...], "next_cursor"} (owned).
 * *chain_ok is 0 when an entry was changed or removed. */
enum tm_rc tm_audit_read(struct tm_med *m, const char *ds, int limit, const char *cursor,
                         cJSON **out, int *chain_ok, struct tm_diag *d) TM_NODISCARD;

#endif
