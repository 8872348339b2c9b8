/* store.h - the data dir's SQLite database (WAL, busy timeout, versioned schema).
 *
 * Holds accounts, datasets (public card, sealed profile, commitment, where the sealed
 * raw records live) and metadata. Large sealed raw data lives in files under
 * DATA/sealed/, written and renamed into place before the row that names them commits,
 * so a crash leaves at most an unreferenced file, which the next open removes. */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <stdint.h>
#include "tm/err.h"

struct tm_store;

#define TM_SCHEMA_VERSION 3

enum tm_rc tm_store_open(const char *dir, struct tm_store **st, struct tm_diag *d) TM_NODISCARD;
void tm_store_close(struct tm_store *st);
const char *tm_store_dir(const struct tm_store *st);

enum tm_rc tm_store_begin(struct tm_store *st, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_store_commit(struct tm_store *st, struct tm_diag *d) TM_NODISCARD;
void tm_store_rollback(struct tm_store *st);

/* Look up an account by name; create it when create is set. */
enum tm_rc tm_store_account(struct tm_store *st, const char *name, int create, int64_t *id,
                            struct tm_diag *d) TM_NODISCARD;

struct tm_dataset_row {
    const char *id, *owner, *title;
    int k;
    int64_t created_ms;
    const char *commitment;
    const char *card;            /* signed card JSON */
    const uint8_t *profile;      /* sealed */
    size_t profile_len;
    const char *raw_file;        /* name under DATA/sealed/ */
    const uint8_t *raw_salt;
    size_t raw_salt_len;
    uint64_t raw_bytes;
    const char *search;          /* lowercase text searched by `cards --search` */
};

enum tm_rc tm_store_dataset_put(struct tm_store *st, const struct tm_dataset_row *r,
                                struct tm_diag *d) TM_NODISCARD;
int tm_store_dataset_exists(struct tm_store *st, const char *id);
/* The signed card of a dataset (owned, free()). */
enum tm_rc tm_store_card(struct tm_store *st, const char *id, char **card, struct tm_diag *d) TM_NODISCARD;
/* Call fn for every card whose search text contains every word of query (NULL: all),
 * newest first. */
enum tm_rc tm_store_cards(struct tm_store *st, const char *query,
                          void (*fn)(void *ctx, const char *id, const char *card), void *ctx,
                          struct tm_diag *d) TM_NODISCARD;
/* The sealed profile of a dataset (owned, free()). */
enum tm_rc tm_store_profile(struct tm_store *st, const char *id, uint8_t **blob, size_t *len,
                            struct tm_diag *d) TM_NODISCARD;

/* Valid dataset ids and account names: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
int tm_valid_name(const char *s);

#endif
