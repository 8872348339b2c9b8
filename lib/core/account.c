/* account.c - accounts and tokens (see account.h). */
#include "core/account.h"
#include "base/base.h"
#include "base/crypto.h"
#include "core/ledger.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *tm_role_name(enum tm_role r) { return r == TM_ROLE_OPERATOR ? "operator" : "member"; }

static enum tm_rc new_token(char token[TM_TOKEN_LEN + 1], uint8_t hash[32], struct tm_diag *d)
{
    uint8_t raw[32];
    char b64[48];
    enum tm_rc rc = tm_random(raw, sizeof raw, d);
    if (rc)
        return rc;
    tm_b64(raw, sizeof raw, b64);
    tm_cleanse(raw, sizeof raw);
    /* base64url without padding: 43 characters */
    for (char *c = b64; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    snprintf(token, TM_TOKEN_LEN + 1, "tmd_%.43s", b64);
    tm_cleanse(b64, sizeof b64);
    tm_sha256(token, strlen(token), hash);
    return TM_OK;
}

static enum tm_rc row(struct tm_med *m, const char *sql, const char *fmt, const void *key,
                      size_t keylen, struct tm_account *out, uint8_t hash_out[32], struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, sql, &s, d);
    if (rc)
        return rc;
    rc = fmt[0] == 'b' ? db_bind(m->st, s, d, "b", key, keylen) : db_bind(m->st, s, d, "t", (const char *)key);
    int r = rc ? -1 : db_step(m->st, s, &rc, d);
    if (r == 1) {
        out->id = sqlite3_column_int64(s, 0);
        snprintf(out->name, sizeof out->name, "%s", db_text(s, 1));
        out->role = !strcmp(db_text(s, 2), "operator") ? TM_ROLE_OPERATOR : TM_ROLE_MEMBER;
        if (hash_out) {
            const void *h = sqlite3_column_blob(s, 3);
            if (h && sqlite3_column_bytes(s, 3) == 32)
                memcpy(hash_out, h, 32);
            else
                memset(hash_out, 0, 32);
        }
    } else if (r == 0) {
        rc = TM_ENOTFOUND;
    }
    db_done(m->st, s);
    return rc;
}

enum tm_rc tm_account_by_token(struct tm_med *m, const char *token, struct tm_account *out,
                               struct tm_diag *d)
{
    uint8_t h[32], stored[32];
    if (!token || strlen(token) != TM_TOKEN_LEN || strncmp(token, "tmd_", 4))
        return tm_fail(d, TM_EAUTH, "the token names no account (check --token, $TEEMED_TOKEN or the token file)");
    tm_sha256(token, TM_TOKEN_LEN, h);
    enum tm_rc rc = row(m, "SELECT id, name, role, token_hash FROM accounts WHERE token_hash = ?", "b", h,
                        sizeof h, out, stored, d);
    if (rc == TM_ENOTFOUND || (!rc && !tm_ct_equal(h, stored, 32)))
        return tm_fail(d, TM_EAUTH, "the token names no account (check --token, $TEEMED_TOKEN or the token file)");
    return rc;
}

enum tm_rc tm_account_by_name(struct tm_med *m, const char *name, struct tm_account *out,
                              struct tm_diag *d)
{
    enum tm_rc rc = row(m, "SELECT id, name, role, NULL FROM accounts WHERE name = ?", "t", name, 0, out,
                        NULL, d);
    if (rc == TM_ENOTFOUND)
        return tm_fail(d, TM_ENOTFOUND, "no account '%s'", name);
    return rc;
}

enum tm_rc tm_account_create(struct tm_med *m, const char *name, enum tm_role role,
                             char token[TM_TOKEN_LEN + 1], struct tm_account *out, struct tm_diag *d)
{
    uint8_t h[32];
    if (!tm_valid_name(name))
        return tm_fail(d, TM_EINVAL,
                       "invalid account name '%.80s' (use letters, digits, '.', '_', '-'; at most 64)", name);
    if (!strcmp(name, "mediator"))
        return tm_fail(d, TM_EINVAL, "'mediator' is reserved (the audit trail's name for teemed itself)");
    enum tm_rc rc = new_token(token, h, d);
    if (!rc)
        rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = db_run(m->st, d, "INSERT INTO accounts(name, role, token_hash, created_ms)"
                          " VALUES(?, ?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)",
                "ttb", name, tm_role_name(role), h, sizeof h);
    if (rc == TM_EEXIST)
        rc = tm_fail(d, TM_EEXIST, "account '%s' already exists", name);
    int64_t id = rc ? 0 : db_last_id(m->st);
    if (!rc && role == TM_ROLE_MEMBER) { /* the configured grant, in the same transaction */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rc = tm_credits_grant(m, name, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, d);
    }
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        tm_cleanse(token, TM_TOKEN_LEN + 1);
        return rc;
    }
    if (out) {
        out->id = id;
        snprintf(out->name, sizeof out->name, "%s", name);
        out->role = role;
    }
    return TM_OK;
}

enum tm_rc tm_account_rotate(struct tm_med *m, const char *name, char token[TM_TOKEN_LEN + 1],
                             struct tm_diag *d)
{
    uint8_t h[32];
    enum tm_rc rc = new_token(token, h, d);
    if (!rc)
        rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = db_run(m->st, d, "UPDATE accounts SET token_hash = ? WHERE name = ?", "bt", h, sizeof h, name);
    if (!rc && db_changes(m->st) != 1)
        rc = tm_fail(d, TM_ENOTFOUND, "no account '%s'", name);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        tm_cleanse(token, TM_TOKEN_LEN + 1);
    }
    return rc;
}

enum tm_rc tm_account_list(struct tm_med *m, cJSON **out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    enum tm_rc rc = db_prep(m->st,
                            "SELECT a.name, a.role, a.created_ms, a.token_hash IS NOT NULL,"
                            " (SELECT count(*) FROM datasets ds WHERE ds.owner = a.id AND ds.withdrawn_ms IS NULL)"
                            " FROM accounts a ORDER BY a.name", &s, d);
    if (rc)
        return rc;
    cJSON *list = cJSON_CreateArray();
    int r;
    while ((r = db_step(m->st, s, &rc, d)) > 0) {
        char ts[32];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", db_text(s, 0));
        cJSON_AddStringToObject(e, "role", db_text(s, 1));
        tm_format_time(sqlite3_column_int64(s, 2), ts);
        cJSON_AddStringToObject(e, "created_at", ts);
        cJSON_AddBoolToObject(e, "has_token", sqlite3_column_int(s, 3));
        cJSON_AddNumberToObject(e, "datasets", sqlite3_column_int(s, 4));
        cJSON_AddItemToArray(list, e);
    }
    db_done(m->st, s);
    if (r < 0) {
        cJSON_Delete(list);
        return rc;
    }
    *out = list;
    return TM_OK;
}
