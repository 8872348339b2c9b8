/* mediator.h - the mediator's state over one data dir, and the core operations'
 * common handle. Library-internal: front ends go through svc (include/tm/svc.h).
 *
 * struct tm_shared is what every connection of one process shares: the data dir and,
 * loaded on first use only, the TEE backend (key derivation, a quote on hardware), the
 * taxonomies and the background model. Read-only operations such as reading a card
 * never load them. Loading is thread-safe; what is loaded is read-only afterwards.
 *
 * struct tm_med is one store connection bound to a shared state: what one operation
 * (on one thread) works with. */
#ifndef TM_MEDIATOR_H
#define TM_MEDIATOR_H

#include <stdint.h>
#include "pipeline/background.h"
#include "pipeline/ingest.h"
#include "pipeline/profile.h"
#include "pipeline/taxonomy.h"
#include "store/store.h"
#include "tee/tee.h"
#include "tm/err.h"

struct tm_shared;

struct tm_med {
    struct tm_shared *sh;
    struct tm_store *st;
};

/* Create data_dir (and parents, mode 0700) with a TEE backend and the database. Refuses
 * a dir that is already initialised (TM_EEXIST). */
enum tm_rc tm_med_init(const char *data_dir, enum tm_tee_kind kind, struct tm_diag *d) TM_NODISCARD;

/* Shared state of an initialised data dir; checks that it is initialised and that its
 * permissions keep other users out, but loads nothing else. Owned: tm_shared_free. */
enum tm_rc tm_shared_new(const char *data_dir, struct tm_shared **sh, struct tm_diag *d) TM_NODISCARD;
void tm_shared_free(struct tm_shared *sh);
const char *tm_shared_dir(const struct tm_shared *sh);
/* The store's generation: a counter in DATA/generation, mapped shared, that every
 * process bumps after it changes the store (tm_shared_bump), so a long-running process
 * can tell in a memory read whether what it cached from the store may be stale. A
 * reader takes the generation before it reads the store; what it read is current while
 * the generation is unchanged. has_generation is 0 when the file could not be mapped:
 * then nothing may be cached. */
uint64_t tm_shared_generation(const struct tm_shared *sh);
void tm_shared_bump(struct tm_shared *sh);
int tm_shared_has_generation(const struct tm_shared *sh);

/* A connection on sh (the store, migrated). Owned: tm_med_close. */
enum tm_rc tm_med_open(struct tm_shared *sh, struct tm_med **m, struct tm_diag *d) TM_NODISCARD;
void tm_med_close(struct tm_med *m);

/* What is loaded on first use (borrowed: valid while sh lives). */
enum tm_rc tm_med_tee(struct tm_med *m, const struct tm_tee **tee, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_med_tax(struct tm_med *m, const struct tm_taxonomy **tax, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_med_bg(struct tm_med *m, const struct tm_background **bg, struct tm_diag *d) TM_NODISCARD;

/* The mediator's own attestation, for an owner to check before uploading anything: a
 * document of kind "mediator" (software, code measurement, backend, the X25519 key that
 * uploads are encrypted to) signed by the mediator's key, whose attestation carries
 * report_data and, on hardware backends, the quote and event log. With a nonce (16 to
 * 64 bytes) the evidence is made fresh: report_data binds the nonce too, over a new
 * quote. *out: canonical text (owned, free()). */
enum tm_rc tm_med_attest(struct tm_med *m, const uint8_t *nonce, size_t nonce_len, int64_t now_ms, char **out,
                         struct tm_diag *d) TM_NODISCARD;

/* Unseal and parse a dataset's profile (owned: tm_profile_release). For computations
 * inside the mediator only: a profile holds terms that are never published. */
enum tm_rc tm_med_profile(struct tm_med *m, const char *id, struct tm_profile *p,
                          struct tm_diag *d) TM_NODISCARD;

/* The same, from a cache of unsealed profiles shared by the process's connections
 * (tm_shared_cache_profiles): a long-running service pays the unsealing once per
 * dataset, not once per computation. *p is read-only and valid until
 * tm_med_profile_put(m, *p, *ref). A withdrawn dataset is never served from the cache. */
enum tm_rc tm_med_profile_get(struct tm_med *m, const char *id, const struct tm_profile **p, void **ref,
                              struct tm_diag *d) TM_NODISCARD;
void tm_med_profile_put(struct tm_med *m, const struct tm_profile *p, void *ref);
/* How long a job's claim holds before another worker may take the job up (ms). */
int64_t tm_shared_job_lease(const struct tm_shared *sh);
void tm_shared_set_job_lease(struct tm_shared *sh, int64_t ms);

/* Keep up to n profiles unsealed (least recently used out; 0: none, the default). */
void tm_shared_cache_profiles(struct tm_shared *sh, unsigned n);

/* Fault points for crash tests: when $TEEMED_FAULT names point, the process kills
 * itself there (SIGKILL, as a power cut would), e.g. "onboard.after-seal". */
void tm_fault_point(const char *point);

#endif
