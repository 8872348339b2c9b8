/* dataset.h - datasets: onboarding (logs in, signed card out), the public cards,
 * withdrawal. Library-internal.
 *
 * Onboarding reads, scrubs, analyses and seals with no lock held, then publishes in one
 * short transaction: the dataset row, its sealed profile, its search entry and the
 * first audit entry appear together or not at all, whatever is killed when. */
#ifndef TM_DATASET_H
#define TM_DATASET_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "base/base.h"
#include "core/account.h"
#include "core/mediator.h"
#include "pipeline/ingest.h"

struct tm_onboard_opts {
    const struct tm_account *owner;
    const char *id;      /* dataset id */
    const char *title;   /* overrides the computed topic; may be NULL */
    int k;               /* k-threshold, >= TM_K_MIN */
    const char *const *paths;
    size_t npaths;
    int64_t now_ms;
    void *ctx;
    void (*warn)(void *ctx, const char *msg);                   /* may be NULL */
    void (*progress)(void *ctx, uint64_t done, uint64_t total); /* may be NULL */
};

/* Ingest, scrub, analyse, seal and publish a dataset; on success *card receives the
 * signed card JSON (owned, free()). On failure nothing of the dataset remains. */
enum tm_rc tm_onboard(struct tm_med *m, const struct tm_onboard_opts *o, char **card,
                      struct tm_diag *d) TM_NODISCARD;

/* An onboarding whose files arrive one by one (an upload): begin (checks the options,
 * opens the sealed file; total is the bytes expected, 0 if unknown, for progress), feed
 * each file through tm_ingest_begin/feed/end on the session's ingest, then finish
 * (analyse, sign, seal, publish; *card as for tm_onboard) or abort (nothing remains).
 * finish and abort free the session. */
struct tm_onboarding;
enum tm_rc tm_onboarding_begin(struct tm_med *m, const struct tm_onboard_opts *o, uint64_t total,
                               enum tm_ingest_depth depth, struct tm_onboarding **s,
                               struct tm_diag *d) TM_NODISCARD;
struct tm_ingest *tm_onboarding_ingest(struct tm_onboarding *s);
enum tm_rc tm_onboarding_finish(struct tm_med *m, struct tm_onboarding *s, char **card,
                                struct tm_diag *d) TM_NODISCARD;
void tm_onboarding_abort(struct tm_onboarding *s);

/* For `make bench`: the onboarding pipeline cut at depth (see tm_ingest_set_depth) -
 * inputs read, every record committed and sealed to a file that is fsynced and then
 * removed. Publishes nothing; *records receives the records read. */
enum tm_rc tm_onboard_floor(struct tm_med *m, const struct tm_onboard_opts *o,
                            enum tm_ingest_depth depth, uint64_t *records,
                            struct tm_diag *d) TM_NODISCARD;

/* The signed card of a listed dataset, byte for byte as signed (owned, free()). */
enum tm_rc tm_card_get(struct tm_med *m, const char *id, char **card, struct tm_diag *d) TM_NODISCARD;

/* Listed cards, newest first, as JSON text {"cards": [...], "next_cursor": ...} into
 * out. search (may be NULL): every word must start a word of the card's id, owner,
 * topic, focus, expertise, topics or themes (the FTS5 index, case-insensitive). At most
 * limit cards after cursor (a next_cursor returned earlier, or NULL). ids (may be NULL):
 * an array that receives the listed ids. */
enum tm_rc tm_cards_list(struct tm_med *m, const char *search, int limit, const char *cursor,
                         struct tm_buf *out, cJSON *ids, struct tm_diag *d) TM_NODISCARD;

/* The FTS5 query for a card search: each word (letters, digits, '_', '-', '.') as a
 * quoted prefix phrase, all required; empty when search has no word. */
void tm_cards_fts_query(const char *search, struct tm_buf *q);
/* Who owns dataset id (listed or withdrawn): *owner receives the account id. */
enum tm_rc tm_dataset_owner(struct tm_med *m, const char *id, int64_t *owner, int *withdrawn,
                            struct tm_diag *d) TM_NODISCARD;

/* Withdraw a dataset (its owner only): the card stops being listed, the sealed profile
 * and records are deleted, open requests on it are cancelled, the audit keeps the event.
 * *out: {"dataset_id", "withdrawn_at", "cancelled_requests": [...]} (owned). */
enum tm_rc tm_dataset_withdraw(struct tm_med *m, const struct tm_account *who, const char *id,
                               int64_t now_ms, cJSON **out, struct tm_diag *d) TM_NODISCARD;

#endif
