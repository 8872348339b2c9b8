/* store.c - SQLite storage (see store.h). Schema migrations are applied in order and
 * the version is kept in PRAGMA user_version. */
#define _DEFAULT_SOURCE
#include "store/store.h"
#include "base/base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_SLOTS 128

struct cached {
    const char *sql; /* key: the literal's address */
    sqlite3_stmt *s;
    int busy;
};

struct tm_store {
    sqlite3 *db;
    char *dir;
    long fault; /* countdown to an injected failure; 0 = off */
    struct cached cache[CACHE_SLOTS];
};

static const char *const migrations[] = {
    /* 1: accounts, datasets, meta */
    "CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE datasets(id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES accounts(id),"
    " title TEXT, k INTEGER NOT NULL, created_ms INTEGER NOT NULL, commitment TEXT NOT NULL,"
    " card TEXT NOT NULL, profile BLOB NOT NULL, raw_file TEXT, raw_salt BLOB,"
    " raw_bytes INTEGER NOT NULL DEFAULT 0, search TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 2: collaborative computations */
    "CREATE TABLE requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " requester INTEGER NOT NULL REFERENCES accounts(id), params TEXT NOT NULL,"
    " status TEXT NOT NULL, reason TEXT, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE approvals(request_id TEXT NOT NULL REFERENCES requests(id),"
    " dataset_id TEXT NOT NULL REFERENCES datasets(id), owner INTEGER NOT NULL REFERENCES accounts(id),"
    " decision TEXT NOT NULL DEFAULT 'pending', reason TEXT, decided_ms INTEGER,"
    " PRIMARY KEY(request_id, dataset_id));"
    "CREATE INDEX approvals_owner ON approvals(owner, decision);"
    "CREATE TABLE results(request_id TEXT PRIMARY KEY REFERENCES requests(id),"
    " envelope TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE audit(dataset_id TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,"
    " prev TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY(dataset_id, seq));"
    "CREATE TABLE policies(dataset_id TEXT PRIMARY KEY REFERENCES datasets(id), policy TEXT NOT NULL);",
    /* 3: differential-privacy budgets */
    "CREATE TABLE budgets(dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),"
    " spent REAL NOT NULL DEFAULT 0);",
    /* 4: accounts with roles and token hashes; sealed profiles out of the dataset rows
     * (scans no longer read them); indexes on every lookup column; card search in FTS5;
     * the datasets of a request as rows; job leases; withdrawal */
    "ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT 'member';"
    "ALTER TABLE accounts ADD COLUMN token_hash BLOB;"
    "CREATE UNIQUE INDEX accounts_token ON accounts(token_hash);"
    "CREATE TABLE profiles(dataset_id TEXT PRIMARY KEY REFERENCES datasets(id), sealed BLOB NOT NULL);"
    "INSERT INTO profiles(dataset_id, sealed) SELECT id, profile FROM datasets;"
    "ALTER TABLE datasets DROP COLUMN profile;"
    "ALTER TABLE datasets ADD COLUMN withdrawn_ms INTEGER;"
    "CREATE INDEX datasets_raw_file ON datasets(raw_file);"
    "CREATE INDEX datasets_owner ON datasets(owner);"
    "CREATE INDEX datasets_listing ON datasets(created_ms DESC, id) WHERE withdrawn_ms IS NULL;"
    "CREATE VIRTUAL TABLE cards_fts USING fts5(search, tokenize='unicode61');"
    "INSERT INTO cards_fts(rowid, search) SELECT rowid, search FROM datasets;"
    "CREATE TABLE request_datasets(request_id TEXT NOT NULL REFERENCES requests(id),"
    " pos INTEGER NOT NULL, dataset_id TEXT NOT NULL REFERENCES datasets(id),"
    " PRIMARY KEY(request_id, pos));"
    "CREATE INDEX request_datasets_ds ON request_datasets(dataset_id);"
    "INSERT INTO request_datasets(request_id, pos, dataset_id)"
    " SELECT r.id, j.key, j.value FROM requests r, json_each(r.params, '$.datasets') j;"
    "ALTER TABLE requests ADD COLUMN lease_ms INTEGER;"
    "ALTER TABLE requests ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX requests_requester ON requests(requester, created_ms DESC, id);"
    "CREATE INDEX requests_status ON requests(status, updated_ms);"
    "CREATE INDEX approvals_dataset ON approvals(dataset_id);",
    /* 5: differential-privacy spending per requester, under each dataset's total (so no
     * requester can spend a dataset's budget for everyone) */
    "CREATE TABLE budget_spend(dataset_id TEXT NOT NULL REFERENCES datasets(id),"
    " requester TEXT NOT NULL, spent REAL NOT NULL DEFAULT 0, PRIMARY KEY(dataset_id, requester));",
    /* 6: the economy - a double-entry credit ledger (balances are sums of entries), the
     * price and fee each request holds per dataset, requesters' ratings of results */
    "CREATE TABLE ledger_txns(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, request_id TEXT, by TEXT, memo TEXT,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE ledger(txn INTEGER NOT NULL REFERENCES ledger_txns(id), account TEXT NOT NULL,"
    " amount INTEGER NOT NULL, dataset_id TEXT);"
    "CREATE INDEX ledger_account ON ledger(account, txn);"
    "CREATE INDEX ledger_txn ON ledger(txn);"
    "CREATE INDEX ledger_dataset ON ledger(dataset_id, account) WHERE dataset_id IS NOT NULL;"
    "CREATE INDEX ledger_txns_request ON ledger_txns(request_id) WHERE request_id IS NOT NULL;"
    "ALTER TABLE request_datasets ADD COLUMN price INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE request_datasets ADD COLUMN fee INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE ratings(request_id TEXT PRIMARY KEY REFERENCES requests(id),"
    " rater INTEGER NOT NULL REFERENCES accounts(id), helpful INTEGER NOT NULL, comment TEXT,"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX ratings_rater ON ratings(rater);"
    "CREATE INDEX requests_done ON requests(updated_ms) WHERE status = 'done';",
    /* 7: the pooled background - each dataset's distinctive terms, so that what most
     * datasets share is known as ambient vocabulary (core/pool.h) */
    "CREATE TABLE pool_terms(dataset_id TEXT NOT NULL REFERENCES datasets(id), term TEXT NOT NULL,"
    " PRIMARY KEY(dataset_id, term));"
    "CREATE INDEX pool_terms_term ON pool_terms(term);",
    /* 8: the pooled background kept as counts (a computation reads the ambient terms
     * by an index, not by grouping every dataset's terms): per term the listed datasets
     * that have it, per dataset whether it counts */
    "CREATE TABLE pool_counts(term TEXT PRIMARY KEY, datasets INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX pool_counts_n ON pool_counts(datasets);"
    "ALTER TABLE datasets ADD COLUMN pooled INTEGER NOT NULL DEFAULT 0;"
    "UPDATE datasets SET pooled = 1 WHERE withdrawn_ms IS NULL AND id IN (SELECT dataset_id FROM pool_terms);"
    "DELETE FROM pool_terms WHERE dataset_id IN (SELECT id FROM datasets WHERE withdrawn_ms IS NOT NULL);"
    "INSERT INTO pool_counts(term, datasets) SELECT term, count(*) FROM pool_terms GROUP BY term;",
};

/* ---- statements ---- */

static int injected(struct tm_store *st)
{
    return st->fault > 0 && --st->fault == 0;
}

static enum tm_rc db_error(struct tm_store *st, int code, struct tm_diag *d, const char *what)
{
    int prim = code & 0xff;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return tm_fail(d, TM_EBUSY, "database is busy (locked for more than %d s by another writer): retry",
                       TM_BUSY_TIMEOUT_MS / 1000);
    return tm_fail(d, TM_EDB, "database: %s: %s", what, sqlite3_errmsg(st->db));
}

static enum tm_rc fault_error(struct tm_diag *d)
{
    return tm_fail(d, TM_EDB, "database: injected fault");
}

static struct cached *slot_of(struct tm_store *st, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct cached *c = &st->cache[(h + i) % CACHE_SLOTS];
        if (!c->sql || c->sql == sql)
            return c;
    }
    return NULL;
}

enum tm_rc db_prep(struct tm_store *st, const char *sql, sqlite3_stmt **s, struct tm_diag *d)
{
    *s = NULL;
    if (injected(st))
        return fault_error(d);
    struct cached *c = slot_of(st, sql);
    if (c && c->sql == sql && !c->busy) {
        c->busy = 1;
        *s = c->s;
        return TM_OK;
    }
    int persistent = c && !c->sql;
    int r = sqlite3_prepare_v3(st->db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, s, NULL);
    if (r != SQLITE_OK) {
        sqlite3_finalize(*s);
        *s = NULL;
        return db_error(st, r, d, "prepare");
    }
    if (persistent) {
        c->sql = sql;
        c->s = *s;
        c->busy = 1;
    }
    return TM_OK;
}

void db_done(struct tm_store *st, sqlite3_stmt *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (st->cache[i].s == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            st->cache[i].busy = 0;
            return;
        }
    sqlite3_finalize(s);
}

static enum tm_rc db_vbind(sqlite3_stmt *s, struct tm_diag *d, const char *fmt, va_list ap)
{
    int r = SQLITE_OK;
    for (int i = 1; *fmt && r == SQLITE_OK; fmt++, i++) {
        switch (*fmt) {
        case 't': {
            const char *t = va_arg(ap, const char *);
            r = t ? sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
            break;
        }
        case 'i': r = sqlite3_bind_int64(s, i, (sqlite3_int64)va_arg(ap, int64_t)); break;
        case 'd': r = sqlite3_bind_int(s, i, va_arg(ap, int)); break;
        case 'f': r = sqlite3_bind_double(s, i, va_arg(ap, double)); break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            r = n > 0x7fffffff ? SQLITE_TOOBIG
                : p ? sqlite3_bind_blob(s, i, p, (int)n, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
            break;
        }
        default: return tm_fail(d, TM_EDB, "database: bad bind format '%c'", *fmt);
        }
    }
    return r == SQLITE_OK ? TM_OK : tm_fail(d, TM_EDB, "database: bind %s: %s", fmt, sqlite3_errstr(r));
}

enum tm_rc db_bind(struct tm_store *st, sqlite3_stmt *s, struct tm_diag *d, const char *fmt, ...)
{
    (void)st;
    va_list ap;
    va_start(ap, fmt);
    enum tm_rc rc = db_vbind(s, d, fmt, ap);
    va_end(ap);
    return rc;
}

int db_step(struct tm_store *st, sqlite3_stmt *s, enum tm_rc *rc, struct tm_diag *d)
{
    if (injected(st)) {
        *rc = fault_error(d);
        return -1;
    }
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        return 1;
    if (r == SQLITE_DONE)
        return 0;
    if ((r & 0xff) == SQLITE_CONSTRAINT) {
        *rc = tm_fail(d, TM_EEXIST, "database: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    *rc = db_error(st, r, d, "step");
    return -1;
}

/* Prepare sql and bind the arguments of fmt; *s is NULL when nothing was prepared (the
 * caller's db_done takes either). */
static enum tm_rc prep_vbind(struct tm_store *st, struct tm_diag *d, const char *sql, const char *fmt, va_list ap,
                             sqlite3_stmt **s)
{
    enum tm_rc rc = db_prep(st, sql, s, d);
    return rc ? rc : db_vbind(*s, d, fmt, ap);
}

enum tm_rc db_ints(struct tm_store *st, struct tm_diag *d, int64_t *out, int n, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s;
    for (int i = 0; i < n; i++)
        out[i] = 0;
    va_list ap;
    va_start(ap, fmt);
    enum tm_rc rc = prep_vbind(st, d, sql, fmt, ap, &s);
    va_end(ap);
    if (!rc && db_step(st, s, &rc, d) == 1)
        for (int i = 0; i < n; i++)
            out[i] = sqlite3_column_int64(s, i);
    db_done(st, s);
    return rc;
}

enum tm_rc db_run(struct tm_store *st, struct tm_diag *d, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s;
    va_list ap;
    va_start(ap, fmt);
    enum tm_rc rc = prep_vbind(st, d, sql, fmt, ap, &s);
    va_end(ap);
    while (!rc && db_step(st, s, &rc, d) > 0)
        ;
    db_done(st, s);
    return rc;
}

int db_changes(struct tm_store *st) { return sqlite3_changes(st->db); }
int64_t db_last_id(struct tm_store *st) { return sqlite3_last_insert_rowid(st->db); }

const char *db_text(sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    return t ? t : "";
}

void tm_store_fault_at(struct tm_store *st, long n) { st->fault = n; }
long tm_store_faults_left(const struct tm_store *st) { return st->fault; }

/* ---- connection ---- */

static enum tm_rc exec(struct tm_store *st, const char *sql, struct tm_diag *d)
{
    if (injected(st))
        return fault_error(d);
    char *err = NULL;
    int r = sqlite3_exec(st->db, sql, NULL, NULL, &err);
    if (r != SQLITE_OK) {
        enum tm_rc rc = (r & 0xff) == SQLITE_BUSY
                            ? db_error(st, r, d, "exec")
                            : tm_fail(d, TM_EDB, "database: %s", err ? err : sqlite3_errstr(r));
        sqlite3_free(err);
        return rc;
    }
    return TM_OK;
}

static enum tm_rc migrate(struct tm_store *st, struct tm_diag *d)
{
    sqlite3_stmt *s;
    int r = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (r != SQLITE_OK)
        return db_error(st, r, d, "user_version");
    r = sqlite3_step(s);
    int v = r == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    if (v < 0)
        return db_error(st, r, d, "user_version");
    int target = (int)(sizeof migrations / sizeof *migrations);
    if (v > target)
        return tm_fail(d, TM_ESTATE, "database schema version %d is newer than this teemed (%d)",
                       v, target);
    while (v < target) {
        enum tm_rc rc = exec(st, "BEGIN IMMEDIATE", d);
        if (rc)
            return rc;
        /* another process may have migrated while we waited for the lock */
        r = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
        int now = r == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
        sqlite3_finalize(s);
        if (now < 0)
            rc = db_error(st, r, d, "user_version");
        for (v = now; !rc && v < target; v++) {
            char pragma[64];
            rc = exec(st, migrations[v], d);
            snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
            if (!rc)
                rc = exec(st, pragma, d);
        }
        if (!rc)
            rc = exec(st, "COMMIT", d);
        if (rc) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    return TM_OK;
}

enum tm_rc tm_store_open(const char *dir, struct tm_store **out, struct tm_diag *d)
{
    char path[4096];
    *out = NULL;
    struct tm_store *st = tm_xcalloc(1, sizeof *st);
    st->dir = tm_xstrdup(dir);
    enum tm_rc rc = TM_OK;
    snprintf(path, sizeof path, "%s/sealed", dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        rc = tm_fail(d, TM_EIO, "cannot create '%s': %s", path, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "%s/teemed.db", dir);
    int r = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (r != SQLITE_OK) {
        rc = tm_fail(d, TM_EDB, "cannot open '%s': %s", path,
                     st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, TM_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(st->db, 1);
    rc = exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", d);
    if (!rc)
        rc = migrate(st, d);
    if (rc)
        goto fail;
    *out = st;
    return TM_OK;
fail:
    tm_store_close(st);
    return rc;
}

void tm_store_close(struct tm_store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        sqlite3_finalize(st->cache[i].s);
    sqlite3_close(st->db);
    free(st->dir);
    free(st);
}

const char *tm_store_dir(const struct tm_store *st) { return st->dir; }

enum tm_rc tm_store_begin(struct tm_store *st, struct tm_diag *d) { return exec(st, "BEGIN IMMEDIATE", d); }
enum tm_rc tm_store_commit(struct tm_store *st, struct tm_diag *d) { return exec(st, "COMMIT", d); }
void tm_store_rollback(struct tm_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Is name the raw file of a dataset row? -1 when the database cannot say. */
static int named(struct tm_store *st, const char *name)
{
    sqlite3_stmt *s;
    enum tm_rc rc;
    if (db_prep(st, "SELECT 1 FROM datasets WHERE raw_file = ?", &s, NULL))
        return -1;
    int r = db_bind(st, s, NULL, "t", name) ? -1 : db_step(st, s, &rc, NULL);
    db_done(st, s);
    return r;
}

/* An unlocked ".<name>.tmp" is rolled forward when a row names <name> and removed
 * otherwise; a final file that no row names is removed. Files locked by a live writer
 * are left alone; nothing is removed when the database cannot answer. */
unsigned tm_store_gc(struct tm_store *st, int full)
{
    char dir[4096], path[4400], dest[4400];
    snprintf(dir, sizeof dir, "%s/sealed", st->dir);
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    unsigned removed = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        if (n[0] == '.' && len > 5 && !strcmp(n + len - 4, ".tmp")) {
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                char final[300];
                snprintf(final, sizeof final, "%.*s", (int)(len - 5), n + 1);
                snprintf(dest, sizeof dest, "%s/%s", dir, final);
                int r = named(st, final);
                if (r == 1)
                    rename(path, dest);
                else if (r == 0 && unlink(path) == 0)
                    removed++;
            }
            close(fd);
        } else if (full && n[0] != '.' && named(st, n) == 0 && unlink(path) == 0) {
            removed++;
        }
    }
    closedir(dp);
    return removed;
}

int tm_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}
