/* mediator.h - the library's front door: one handle over the data dir (store, TEE
 * backend, taxonomies, background model) and the operations the CLI and the HTTP
 * server both call. */
#ifndef TM_MEDIATOR_H
#define TM_MEDIATOR_H

#include <stdint.h>
#include "pipeline/background.h"
#include "tm/err.h"
#include "pipeline/ingest.h"
#include "store/store.h"
#include "pipeline/taxonomy.h"
#include "tee/tee.h"

struct tm_med {
    char *dir;
    struct tm_store *store;
    struct tm_tee tee;
    struct tm_taxonomy tax;
    struct tm_background bg;
};

/* Create data_dir (and parents, mode 0700) and initialise it with a TEE backend. */
enum tm_rc tm_med_init(const char *data_dir, enum tm_tee_kind kind, struct tm_diag *d) TM_NODISCARD;
/* Open an initialised data dir. Owned: tm_med_close. */
enum tm_rc tm_med_open(const char *data_dir, struct tm_med **m, struct tm_diag *d) TM_NODISCARD;
void tm_med_close(struct tm_med *m);

/* The mediator's own attestation, for an owner to check before uploading anything: a
 * document of kind "mediator" (software, code measurement, backend) signed by the
 * mediator's key, whose attestation carries report_data and, on hardware backends, the
 * quote and event log. `teemed verify` checks it like a card. *out: canonical text (free()). */
enum tm_rc tm_med_attest(struct tm_med *m, int64_t now_ms, char **out, struct tm_diag *d) TM_NODISCARD;

struct tm_onboard_opts {
    const char *owner;   /* account name, created on first use */
    const char *id;      /* dataset id */
    const char *title;   /* overrides the computed topic; may be NULL */
    int k;               /* k-threshold, >= TM_K_MIN */
    const char *const *paths;
    size_t npaths;
    int64_t now_ms;
    void *ctx;
    void (*warn)(void *ctx, const char *msg);          /* may be NULL */
    void (*progress)(void *ctx, uint64_t done, uint64_t total); /* may be NULL */
};

/* Ingest, scrub, analyse, seal and publish a dataset in one transaction; on success
 * *card receives the signed card JSON (owned, free()). On failure nothing of the
 * dataset remains. */
enum tm_rc tm_onboard(struct tm_med *m, const struct tm_onboard_opts *o, char **card,
                      struct tm_diag *d) TM_NODISCARD;

/* For `make bench`: the onboarding pipeline cut at depth (see tm_ingest_set_depth) -
 * inputs read, every record committed and sealed to a file that is fsynced and then
 * removed - so that the cost of what onboarding must do before any analysis is measured
 * on the same code. Publishes nothing; *records receives the records read. */
enum tm_rc tm_onboard_floor(struct tm_med *m, const struct tm_onboard_opts *o,
                            enum tm_ingest_depth depth, uint64_t *records,
                            struct tm_diag *d) TM_NODISCARD;

/* Unseal and parse a dataset's profile (owned: tm_profile_release). For computations
 * inside the mediator only: a profile holds terms that are never published. */
struct tm_profile;
enum tm_rc tm_med_profile(struct tm_med *m, const char *id, struct tm_profile *p,
                          struct tm_diag *d) TM_NODISCARD;

#endif
