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

/* The trail's last entry: its seq (0 when empty) and hash (the chain head). */
enum tm_rc tm_audit_head(struct tm_med *m, const char *ds, int64_t *seq, char head[65],
                         struct tm_diag *d) TM_NODISCARD;

/* Offline: do entries (a whole trail, oldest first, as tm_audit_read lists them)
 * re-hash to a chain whose entry seq has hash head? The chain head an owner kept (signed
 * by the mediator) must still be in the trail read later: a trail truncated below it, or
 * rewritten and re-hashed, fails. 1 when it holds; else 0 with the reason in problem. */
int tm_audit_extends(const cJSON *entries, int64_t seq, const char *head, char *problem, size_t plen);

#endif
