/* account.h - accounts, roles and bearer tokens. Library-internal.
 *
 * An account is created explicitly and receives a token once: "tmd_" and 43 characters
 * of base64url (32 random bytes). The store keeps only SHA-256 of the token; a caller is
 * found by hashing the token it presents and looking the hash up (then compared in
 * constant time), so a copy of the database lets nobody act as anyone. There is no
 * implicit account creation and no acting as a bare name.
 *
 * Roles: "member" (owns datasets, asks for computations) and "operator" (administers
 * the mediator: accounts, attestation). `teemed init` creates the operator account. */
#ifndef TM_ACCOUNT_H
#define TM_ACCOUNT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/mediator.h"

enum tm_role { TM_ROLE_MEMBER, TM_ROLE_OPERATOR };

#define TM_TOKEN_LEN 47 /* "tmd_" + 43 */

struct tm_account {
    int64_t id;
    char name[65];
    enum tm_role role;
};

const char *tm_role_name(enum tm_role r);

/* Create account name with role; token receives its token (NUL-terminated). TM_EEXIST
 * when the name is taken, TM_EINVAL for a name outside [A-Za-z0-9][A-Za-z0-9._-]{0,63}
 * or a reserved one ("mediator"). */
enum tm_rc tm_account_create(struct tm_med *m, const char *name, enum tm_role role,
                             char token[TM_TOKEN_LEN + 1], struct tm_account *out,
                             struct tm_diag *d) TM_NODISCARD;
/* The account token names: TM_EAUTH when it names none (the message never says
 * whether the token was well formed). */
enum tm_rc tm_account_by_token(struct tm_med *m, const char *token, struct tm_account *out,
                               struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_account_by_name(struct tm_med *m, const char *name, struct tm_account *out,
                              struct tm_diag *d) TM_NODISCARD;
/* Issue a new token for name (the old one stops working at once). */
enum tm_rc tm_account_rotate(struct tm_med *m, const char *name, char token[TM_TOKEN_LEN + 1],
                             struct tm_diag *d) TM_NODISCARD;
/* Accounts, by name: [{"name", "role", "created_at", "datasets"}] (owned). */
enum tm_rc tm_account_list(struct tm_med *m, cJSON **out, struct tm_diag *d) TM_NODISCARD;

#endif
