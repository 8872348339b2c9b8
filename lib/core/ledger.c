/* ledger.c - query credits (see ledger.h). */
#include "core/ledger.h"
#include "base/base.h"
#include "base/canon.h"
#include "core/audit.h"
#include "store/store.h"
#include "tee/tee.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEDGER_ACCT_MAX 80

struct entry {
    char account[LEDGER_ACCT_MAX];
    int64_t amount;
    const char *ds; /* the dataset it concerns, or NULL */
};

static void user_acct(char out[LEDGER_ACCT_MAX], const char *name)
{
    snprintf(out, LEDGER_ACCT_MAX, "user:%s", name);
}

static void hold_acct(char out[LEDGER_ACCT_MAX], const char *id)
{
    snprintf(out, LEDGER_ACCT_MAX, "hold:%s", id);
}

/* One transaction: the entries must sum to zero and each be within bounds, or nothing
 * is written (an unbalanced movement is a bug: fail closed). */
static enum tm_rc post(struct tm_med *m, const char *kind, const char *request, const char *by, const char *memo,
                       const struct entry *e, size_t n, int64_t now, struct tm_diag *d)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].amount < -TM_CREDITS_MAX * 1000 || e[i].amount > TM_CREDITS_MAX * 1000)
            return tm_fail(d, TM_EDB, "ledger: an entry of %" PRId64 " credits is out of range", e[i].amount);
        sum += e[i].amount;
    }
    if (sum != 0)
        return tm_fail(d, TM_EDB, "ledger: a %s transaction does not balance (%" PRId64 "): refused", kind, sum);
    enum tm_rc rc = db_run(m->st, d, "INSERT INTO ledger_txns(kind, request_id, by, memo, created_ms)"
                                     " VALUES(?, ?, ?, ?, ?)", "tttti", kind, request, by, memo, now);
    int64_t txn = rc ? 0 : db_last_id(m->st);
    for (size_t i = 0; i < n && !rc; i++)
        if (e[i].amount)
            rc = db_run(m->st, d, "INSERT INTO ledger(txn, account, amount, dataset_id) VALUES(?, ?, ?, ?)", "itit",
                        txn, e[i].account, e[i].amount, e[i].ds);
    return rc;
}

static enum tm_rc balance(struct tm_med *m, const char *account, int64_t *out, struct tm_diag *d)
{
    return db_ints(m->st, d, out, 1, "SELECT coalesce(sum(amount), 0) FROM ledger WHERE account = ?", "t", account);
}

/* ---- configuration (the meta table) ---- */

static enum tm_rc meta_int(struct tm_med *m, const char *key, int64_t dflt, int64_t *out, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *out = dflt;
    enum tm_rc rc = db_prep(m->st, "SELECT value FROM meta WHERE key = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", key);
    if (!rc && db_step(m->st, s, &rc, d) == 1) {
        char *end;
        long long v = strtoll(db_text(s, 0), &end, 10);
        if (*end || v < 0 || v > TM_CREDITS_MAX)
            rc = tm_fail(d, TM_EDB, "database: the setting '%s' is damaged", key);
        else
            *out = v;
    }
    db_done(m->st, s);
    return rc;
}

static enum tm_rc fee_percent(struct tm_med *m, int64_t *pct, struct tm_diag *d)
{
    enum tm_rc rc = meta_int(m, "credits.fee_percent", 0, pct, d);
    if (!rc && *pct > 100)
        rc = tm_fail(d, TM_EDB, "database: the fee is damaged");
    return rc;
}

int64_t tm_price(const cJSON *policy, const char *kind)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(policy, "prices"), kind);
    uint64_t v;
    return tm_json_whole(p, (double)TM_CREDITS_MAX, &v) ? (int64_t)v : 0;
}

enum tm_rc tm_credits_fee(struct tm_med *m, int64_t price, int64_t *fee, struct tm_diag *d)
{
    int64_t pct;
    enum tm_rc rc = fee_percent(m, &pct, d);
    *fee = rc ? 0 : price * pct / 100;
    return rc;
}

enum tm_rc tm_credits_grant(struct tm_med *m, const char *name, int64_t now, struct tm_diag *d)
{
    int64_t grant;
    enum tm_rc rc = meta_int(m, "credits.grant", TM_CREDITS_GRANT_DEFAULT, &grant, d);
    if (rc || !grant)
        return rc;
    struct entry e[2] = {{"issuer", -grant, NULL}, {"", grant, NULL}};
    user_acct(e[1].account, name);
    return post(m, "grant", NULL, "mediator", "the grant of a new account", e, 2, now, d);
}

/* ---- holds ---- */

struct priced {
    char ds[65];
    char owner[65];
    int64_t price, fee;
};

/* The priced datasets of request id (price > 0), in order. */
static enum tm_rc priced(struct tm_med *m, const char *id, struct priced *v, size_t max, size_t *n,
                         int64_t *total, struct tm_diag *d)
{
    sqlite3_stmt *s;
    *n = 0;
    *total = 0;
    enum tm_rc rc = db_prep(m->st, "SELECT rd.dataset_id, a.name, rd.price, rd.fee FROM request_datasets rd"
                                   " JOIN datasets ds ON ds.id = rd.dataset_id JOIN accounts a ON a.id = ds.owner"
                                   " WHERE rd.request_id = ? AND rd.price > 0 ORDER BY rd.pos", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        if (*n == max) {
            rc = tm_fail(d, TM_EDB, "database: request '%s' names too many datasets", id);
            break;
        }
        struct priced *p = &v[(*n)++];
        snprintf(p->ds, sizeof p->ds, "%s", db_text(s, 0));
        snprintf(p->owner, sizeof p->owner, "%s", db_text(s, 1));
        p->price = sqlite3_column_int64(s, 2);
        p->fee = sqlite3_column_int64(s, 3);
        if (p->price < 0 || p->price > TM_CREDITS_MAX || p->fee < 0 || p->fee > p->price)
            rc = tm_fail(d, TM_EDB, "database: the price of '%s' in request '%s' is damaged", p->ds, id);
        *total += p->price;
    }
    db_done(m->st, s);
    return rc;
}

#define HOLD_MAX_DS 16

enum tm_rc tm_credits_hold(struct tm_med *m, const char *id, const char *requester, const char *kind, int64_t now,
                           struct tm_diag *d)
{
    struct priced v[HOLD_MAX_DS];
    size_t n;
    int64_t total, have;
    char acct[LEDGER_ACCT_MAX];
    enum tm_rc rc = priced(m, id, v, HOLD_MAX_DS, &n, &total, d);
    if (rc || !total)
        return rc;
    user_acct(acct, requester);
    rc = balance(m, acct, &have, d);
    if (rc)
        return rc;
    if (have < total) {
        char each[400] = "";
        size_t used = 0;
        for (size_t i = 0; i < n && used < sizeof each - 100; i++)
            used += (size_t)snprintf(each + used, sizeof each - used, "%s%s %" PRId64, i ? ", " : "", v[i].ds,
                                     v[i].price);
        return tm_fail(d, TM_ECREDITS,
                       "this %s costs %" PRId64 " credits (%s) and your balance is %" PRId64
                       ": ask the operator for credits, or choose free datasets",
                       kind, total, each, have);
    }
    struct entry e[2] = {{"", -total, NULL}, {"", total, NULL}};
    snprintf(e[0].account, sizeof e[0].account, "%s", acct);
    hold_acct(e[1].account, id);
    rc = post(m, "hold", id, requester, NULL, e, 2, now, d);
    for (size_t i = 0; i < n && !rc; i++) {
        char detail[120];
        snprintf(detail, sizeof detail, "%" PRId64 " credits held from %s for this dataset", v[i].price, requester);
        rc = tm_audit_add(m, v[i].ds, "credits", id, kind, "mediator", detail, now, d);
    }
    return rc;
}

enum tm_rc tm_credits_close(struct tm_med *m, const char *id, int delivered, int64_t now, struct tm_diag *d)
{
    char hold[LEDGER_ACCT_MAX], requester[65] = "", kind[24] = "";
    int64_t held;
    hold_acct(hold, id);
    enum tm_rc rc = balance(m, hold, &held, d);
    if (rc || !held)
        return rc;
    sqlite3_stmt *s;
    rc = db_prep(m->st, "SELECT a.name, r.kind FROM requests r JOIN accounts a ON a.id = r.requester WHERE r.id = ?",
                 &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    if (!rc && db_step(m->st, s, &rc, d) == 1) {
        snprintf(requester, sizeof requester, "%s", db_text(s, 0));
        snprintf(kind, sizeof kind, "%s", db_text(s, 1));
    } else if (!rc) {
        rc = tm_fail(d, TM_EDB, "database: request '%s' holds credits but does not exist", id);
    }
    db_done(m->st, s);
    struct priced v[HOLD_MAX_DS];
    size_t n = 0;
    int64_t total = 0;
    if (!rc)
        rc = priced(m, id, v, HOLD_MAX_DS, &n, &total, d);
    if (!rc && total != held)
        rc = tm_fail(d, TM_EDB, "ledger: request '%s' holds %" PRId64 " credits but was priced %" PRId64, id, held,
                     total);
    if (rc)
        return rc;
    struct entry e[1 + 2 * HOLD_MAX_DS];
    size_t ne = 0;
    e[ne++] = (struct entry){"", -held, NULL};
    snprintf(e[0].account, sizeof e[0].account, "%s", hold);
    if (delivered) {
        for (size_t i = 0; i < n; i++) {
            e[ne] = (struct entry){"", v[i].price - v[i].fee, v[i].ds};
            user_acct(e[ne++].account, v[i].owner);
            if (v[i].fee)
                e[ne++] = (struct entry){"mediator", v[i].fee, v[i].ds};
        }
    } else {
        e[ne] = (struct entry){"", held, NULL};
        user_acct(e[ne++].account, requester);
    }
    rc = post(m, delivered ? "settle" : "refund", id, "mediator", NULL, e, ne, now, d);
    for (size_t i = 0; i < n && !rc; i++) {
        char detail[160];
        if (delivered)
            snprintf(detail, sizeof detail, "%" PRId64 " credits paid to %s (fee %" PRId64 ")", v[i].price - v[i].fee,
                     v[i].owner, v[i].fee);
        else
            snprintf(detail, sizeof detail, "%" PRId64 " credits refunded to %s", v[i].price, requester);
        rc = tm_audit_add(m, v[i].ds, "credits", id, kind, "mediator", detail, now, d);
    }
    return rc;
}

/* ---- mint, statements, configuration ---- */

enum tm_rc tm_credits_mint(struct tm_med *m, const struct tm_account *who, const char *name, int64_t amount,
                           const char *memo, int64_t now, cJSON **out, struct tm_diag *d)
{
    struct tm_account a;
    *out = NULL;
    if (who->role != TM_ROLE_OPERATOR)
        return tm_fail(d, TM_EDENIED, "only the operator mints credits");
    if (amount < 1 || amount > TM_CREDITS_MAX)
        return tm_fail(d, TM_EINVAL, "amount must be from 1 to %lld", TM_CREDITS_MAX);
    if (memo && strlen(memo) > 200)
        return tm_fail(d, TM_EINVAL, "the memo is longer than 200 bytes");
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = tm_account_by_name(m, name, &a, d);
    struct entry e[2] = {{"issuer", -amount, NULL}, {"", amount, NULL}};
    user_acct(e[1].account, name);
    if (!rc)
        rc = post(m, "mint", NULL, who->name, memo, e, 2, now, d);
    int64_t bal = 0;
    if (!rc)
        rc = balance(m, e[1].account, &bal, d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc) {
        tm_store_rollback(m->st);
        return rc;
    }
    *out = cJSON_CreateObject();
    cJSON_AddStringToObject(*out, "account", name);
    cJSON_AddNumberToObject(*out, "minted", (double)amount);
    cJSON_AddNumberToObject(*out, "balance", (double)bal);
    return TM_OK;
}

enum tm_rc tm_credits_config(struct tm_med *m, const cJSON *patch, cJSON **out, struct tm_diag *d)
{
    static const char *const keys[2][2] = {{"grant", "credits.grant"}, {"fee_percent", "credits.fee_percent"}};
    *out = NULL;
    enum tm_rc rc = TM_OK;
    if (patch) {
        for (int i = 0; i < 2; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(patch, keys[i][0]);
            uint64_t x;
            if (v && !tm_json_whole(v, i ? 100 : (double)TM_CREDITS_MAX, &x))
                return tm_fail(d, TM_EINVAL, "%s must be a whole number from 0 to %lld", keys[i][0],
                               i ? 100LL : TM_CREDITS_MAX);
        }
        rc = tm_store_begin(m->st, d);
        for (int i = 0; i < 2 && !rc; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(patch, keys[i][0]);
            uint64_t x;
            char txt[24];
            if (!v || !tm_json_whole(v, (double)TM_CREDITS_MAX, &x))
                continue;
            snprintf(txt, sizeof txt, "%" PRIu64, x);
            rc = db_run(m->st, d, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", "tt", keys[i][1], txt);
        }
        if (!rc)
            rc = tm_store_commit(m->st, d);
        if (rc) {
            tm_store_rollback(m->st);
            return rc;
        }
    }
    int64_t grant, pct;
    rc = meta_int(m, "credits.grant", TM_CREDITS_GRANT_DEFAULT, &grant, d);
    if (!rc)
        rc = fee_percent(m, &pct, d);
    if (rc)
        return rc;
    *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(*out, "grant", (double)grant);
    cJSON_AddNumberToObject(*out, "fee_percent", (double)pct);
    return TM_OK;
}

/* History entries of account acct, newest first: limit rows before txn cursor (0: the
 * newest), into arr; *next the txn to continue from (0: no more). */
static enum tm_rc history(struct tm_med *m, const char *acct, int limit, int64_t before, cJSON *arr, int64_t *next,
                          struct tm_diag *d)
{
    sqlite3_stmt *s;
    *next = 0;
    enum tm_rc rc = db_prep(m->st,
                            "SELECT t.id, t.kind, t.request_id, t.by, t.memo, t.created_ms, sum(l.amount),"
                            " min(l.dataset_id) FROM ledger l JOIN ledger_txns t ON t.id = l.txn"
                            " WHERE l.account = ?1 AND (?2 = 0 OR t.id < ?2) GROUP BY t.id ORDER BY t.id DESC"
                            " LIMIT ?3", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "tii", acct, before, (int64_t)limit + 1);
    int x, n = 0;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        if (n++ == limit) {
            break;
        }
        char ts[32];
        cJSON *e = cJSON_CreateObject();
        *next = sqlite3_column_int64(s, 0);
        cJSON_AddNumberToObject(e, "txn", (double)*next);
        tm_format_time(sqlite3_column_int64(s, 5), ts);
        cJSON_AddStringToObject(e, "at", ts);
        cJSON_AddStringToObject(e, "kind", db_text(s, 1));
        cJSON_AddNumberToObject(e, "amount", (double)sqlite3_column_int64(s, 6));
        if (sqlite3_column_type(s, 2) != SQLITE_NULL)
            cJSON_AddStringToObject(e, "request_id", db_text(s, 2));
        if (sqlite3_column_type(s, 7) != SQLITE_NULL)
            cJSON_AddStringToObject(e, "dataset_id", db_text(s, 7));
        if (sqlite3_column_type(s, 4) != SQLITE_NULL)
            cJSON_AddStringToObject(e, "memo", db_text(s, 4));
        cJSON_AddItemToArray(arr, e);
    }
    if (n <= limit)
        *next = 0;
    db_done(m->st, s);
    return rc;
}

/* balance, held, holds and earnings of who into o */
static enum tm_rc summary(struct tm_med *m, const struct tm_account *who, cJSON *o, struct tm_diag *d)
{
    char acct[LEDGER_ACCT_MAX];
    int64_t bal;
    user_acct(acct, who->name);
    enum tm_rc rc = balance(m, acct, &bal, d);
    if (rc)
        return rc;
    cJSON_AddStringToObject(o, "account", who->name);
    cJSON_AddNumberToObject(o, "balance", (double)bal);
    sqlite3_stmt *s;
    cJSON *holds = cJSON_AddArrayToObject(o, "holds");
    int64_t held = 0;
    rc = db_prep(m->st, "SELECT r.id, r.kind, r.status, sum(l.amount) FROM requests r JOIN ledger l"
                        " ON l.account = 'hold:' || r.id WHERE r.requester = ? GROUP BY r.id"
                        " HAVING sum(l.amount) != 0 ORDER BY r.created_ms, r.id", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "i", who->id);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "request_id", db_text(s, 0));
        cJSON_AddStringToObject(h, "computation", db_text(s, 1));
        cJSON_AddStringToObject(h, "status", db_text(s, 2));
        cJSON_AddNumberToObject(h, "amount", (double)sqlite3_column_int64(s, 3));
        held += sqlite3_column_int64(s, 3);
        cJSON_AddItemToArray(holds, h);
    }
    db_done(m->st, s);
    cJSON_AddNumberToObject(o, "held", (double)held);
    cJSON *earn = cJSON_AddArrayToObject(o, "earnings");
    if (!rc)
        rc = db_prep(m->st, "SELECT ds.id, coalesce(sum(l.amount), 0), count(l.txn) FROM datasets ds LEFT JOIN ledger l"
                            " ON l.dataset_id = ds.id AND l.account = ?2 WHERE ds.owner = ?1 GROUP BY ds.id"
                            " ORDER BY ds.id", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "it", who->id, acct);
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "dataset_id", db_text(s, 0));
        cJSON_AddNumberToObject(e, "earned", (double)sqlite3_column_int64(s, 1));
        cJSON_AddNumberToObject(e, "paid_requests", (double)sqlite3_column_int64(s, 2));
        cJSON_AddItemToArray(earn, e);
    }
    db_done(m->st, s);
    return rc;
}

enum tm_rc tm_credits_get(struct tm_med *m, const struct tm_account *who, int limit, const char *cursor, cJSON **out,
                          struct tm_diag *d)
{
    int64_t before = 0, next;
    *out = NULL;
    if (cursor && *cursor) {
        char *end;
        long long v = strtoll(cursor, &end, 10);
        if (*end || v < 1)
            return tm_fail(d, TM_EINVAL, "invalid cursor '%.40s' (pass next_cursor as returned)", cursor);
        before = v;
    }
    cJSON *o = cJSON_CreateObject();
    char acct[LEDGER_ACCT_MAX];
    user_acct(acct, who->name);
    enum tm_rc rc = summary(m, who, o, d);
    if (!rc)
        rc = history(m, acct, limit, before, cJSON_AddArrayToObject(o, "history"), &next, d);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    if (next) {
        char c[24];
        snprintf(c, sizeof c, "%" PRId64, next);
        cJSON_AddStringToObject(o, "next_cursor", c);
    } else {
        cJSON_AddNullToObject(o, "next_cursor");
    }
    *out = o;
    return TM_OK;
}

enum tm_rc tm_credits_statement(struct tm_med *m, const struct tm_account *who, int64_t now, char **doc,
                                struct tm_diag *d)
{
    const struct tm_tee *tee;
    char acct[LEDGER_ACCT_MAX], ts[32];
    int64_t next;
    *doc = NULL;
    user_acct(acct, who->name);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", "teemed.credit-statement");
    tm_format_time(now, ts);
    cJSON_AddStringToObject(o, "as_of", ts);
    enum tm_rc rc = tm_store_begin(m->st, d); /* one consistent snapshot */
    if (!rc) {
        rc = summary(m, who, o, d);
        if (!rc)
            rc = history(m, acct, 100000, 0, cJSON_AddArrayToObject(o, "history"), &next, d);
        if (!rc && next)
            rc = tm_fail(d, TM_ETOOBIG, "the history is longer than 100000 movements");
        tm_store_rollback(m->st);
    }
    if (!rc)
        rc = tm_med_tee(m, &tee, d);
    if (!rc)
        rc = tm_tee_sign(tee, o, "credit-statement", NULL, NULL, now, d);
    if (!rc)
        *doc = tm_canonical(o);
    cJSON_Delete(o);
    return rc;
}

/* ---- invariants ---- */

static void problem(cJSON *list, const char *fmt, ...) TM_PRINTF(2, 3);
static void problem(cJSON *list, const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (cJSON_GetArraySize(list) < 50)
        cJSON_AddItemToArray(list, cJSON_CreateString(buf));
}

/* Run one query whose rows are problems (a text column). */
static enum tm_rc each_problem(struct tm_med *m, const char *sql, cJSON *list, struct tm_diag *d)
{
    sqlite3_stmt *s;
    enum tm_rc rc = db_prep(m->st, sql, &s, d);
    int x;
    while (!rc && (x = db_step(m->st, s, &rc, d)) > 0)
        problem(list, "%s", db_text(s, 0));
    db_done(m->st, s);
    return rc;
}

enum tm_rc tm_credits_check(struct tm_med *m, cJSON **out, struct tm_diag *d)
{
    cJSON *o = cJSON_CreateObject(), *pr = cJSON_CreateArray();
    int64_t issued, created, accounts, held, fees, txns;
    *out = NULL;
    enum tm_rc rc = tm_store_begin(m->st, d); /* one snapshot, no writer in between */
    if (rc) {
        cJSON_Delete(o);
        cJSON_Delete(pr);
        return rc;
    }
    rc = each_problem(m, "SELECT 'transaction ' || txn || ' sums to ' || sum(amount) FROM ledger GROUP BY txn"
                             " HAVING sum(amount) != 0", pr, d);
    if (!rc)
        rc = db_ints(m->st, d, &issued, 1, "SELECT -coalesce(sum(amount), 0) FROM ledger WHERE account = 'issuer'", "");
    if (!rc)
        rc = db_ints(m->st, d, &created, 1, "SELECT coalesce(sum(l.amount), 0) FROM ledger l JOIN ledger_txns t ON t.id = l.txn"
                       " WHERE t.kind IN ('grant', 'mint') AND l.account != 'issuer'", "");
    if (!rc && issued != created)
        problem(pr, "the issuer owes %" PRId64 " but grants and mints total %" PRId64, issued, created);
    if (!rc)
        rc = each_problem(m, "SELECT account || ' is negative (' || sum(amount) || ')' FROM ledger"
                             " WHERE account != 'issuer' GROUP BY account HAVING sum(amount) < 0", pr, d);
    if (!rc)
        rc = each_problem(m, "SELECT 'account ' || account || ' belongs to nobody' FROM ledger"
                             " WHERE account LIKE 'user:%' AND substr(account, 6) NOT IN (SELECT name FROM accounts)"
                             " GROUP BY account", pr, d);
    if (!rc) /* ended requests hold nothing */
        rc = each_problem(m, "SELECT 'request ' || r.id || ' is ' || r.status || ' and still holds ' || sum(l.amount)"
                             " FROM requests r JOIN ledger l ON l.account = 'hold:' || r.id"
                             " WHERE r.status IN ('done', 'rejected', 'cancelled', 'failed')"
                             " GROUP BY r.id HAVING sum(l.amount) != 0", pr, d);
    if (!rc) /* open requests hold their price, exactly */
        rc = each_problem(m, "SELECT 'request ' || r.id || ' (' || r.status || ') holds ' ||"
                             " (SELECT coalesce(sum(amount), 0) FROM ledger WHERE account = 'hold:' || r.id) ||"
                             " ' but is priced ' || (SELECT coalesce(sum(price), 0) FROM request_datasets"
                             " WHERE request_id = r.id) FROM requests r"
                             " WHERE r.status IN ('pending', 'queued', 'running', 'review') AND"
                             " (SELECT coalesce(sum(amount), 0) FROM ledger WHERE account = 'hold:' || r.id) !="
                             " (SELECT coalesce(sum(price), 0) FROM request_datasets WHERE request_id = r.id)", pr, d);
    if (!rc)
        rc = each_problem(m, "SELECT 'hold ' || account || ' names no request' FROM ledger WHERE account LIKE 'hold:%'"
                             " AND substr(account, 6) NOT IN (SELECT id FROM requests) GROUP BY account", pr, d);
    if (!rc)
        rc = db_ints(m->st, d, &accounts, 1, "SELECT coalesce(sum(amount), 0) FROM ledger WHERE account LIKE 'user:%'", "");
    if (!rc)
        rc = db_ints(m->st, d, &held, 1, "SELECT coalesce(sum(amount), 0) FROM ledger WHERE account LIKE 'hold:%'", "");
    if (!rc)
        rc = db_ints(m->st, d, &fees, 1, "SELECT coalesce(sum(amount), 0) FROM ledger WHERE account = 'mediator'", "");
    if (!rc)
        rc = db_ints(m->st, d, &txns, 1, "SELECT count(*) FROM ledger_txns", "");
    if (!rc && accounts + held + fees != issued)
        problem(pr, "accounts %" PRId64 " + holds %" PRId64 " + fees %" PRId64 " != issued %" PRId64, accounts, held,
                fees, issued);
    tm_store_rollback(m->st);
    if (rc) {
        cJSON_Delete(o);
        cJSON_Delete(pr);
        return rc;
    }
    cJSON_AddBoolToObject(o, "ok", cJSON_GetArraySize(pr) == 0);
    cJSON_AddNumberToObject(o, "issued", (double)issued);
    cJSON_AddNumberToObject(o, "accounts", (double)accounts);
    cJSON_AddNumberToObject(o, "held", (double)held);
    cJSON_AddNumberToObject(o, "fees", (double)fees);
    cJSON_AddNumberToObject(o, "transactions", (double)txns);
    cJSON_AddItemToObject(o, "problems", pr);
    *out = o;
    return TM_OK;
}
