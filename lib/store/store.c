/* store.c - SQLite storage (see store.h). Schema migrations are applied in order and
 * the version is kept in PRAGMA user_version. */
#define _DEFAULT_SOURCE
#include "store/store.h"
#include "base/base.h"
#include "store/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tm_store {
    sqlite3 *db;
    char *dir;
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
};

static enum tm_rc db_fail(struct tm_store *st, struct tm_diag *d, const char *what)
{
    return tm_fail(d, TM_EDB, "database: %s: %s", what, sqlite3_errmsg(st->db));
}

static enum tm_rc exec(struct tm_store *st, const char *sql, struct tm_diag *d)
{
    char *err = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        enum tm_rc rc = tm_fail(d, TM_EDB, "database: %s", err ? err : "error");
        sqlite3_free(err);
        return rc;
    }
    return TM_OK;
}

static enum tm_rc migrate(struct tm_store *st, struct tm_diag *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "user_version");
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    int target = (int)(sizeof migrations / sizeof *migrations);
    if (v > target)
        return tm_fail(d, TM_ESTATE, "database schema version %d is newer than this teemed (%d)",
                       v, target);
    for (; v < target; v++) {
        enum tm_rc rc = exec(st, "BEGIN IMMEDIATE", d);
        if (!rc)
            rc = exec(st, migrations[v], d);
        if (!rc) {
            char pragma[64];
            snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
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

static int row_names(sqlite3_stmt *s, const char *name)
{
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    return sqlite3_step(s) == SQLITE_ROW;
}

/* Settle what a crash left in DATA/sealed (see lib/rawseal.h): an unlocked
 * ".<name>.tmp" is rolled forward when a row names <name> and removed otherwise; a
 * final file that no row names is removed. Files locked by a live writer are left. */
static void collect_garbage(struct tm_store *st)
{
    char dir[4096], path[4400], dest[4400];
    snprintf(dir, sizeof dir, "%s/sealed", st->dir);
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(st->db, "SELECT 1 FROM datasets WHERE raw_file=?", -1, &s, NULL);
    struct dirent *e;
    while (s && (e = readdir(dp)) != NULL) {
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
                if (row_names(s, final))
                    rename(path, dest);
                else
                    unlink(path);
            }
            close(fd);
        } else if (n[0] != '.' && !row_names(s, n)) {
            unlink(path);
        }
    }
    sqlite3_finalize(s);
    closedir(dp);
}

enum tm_rc tm_store_open(const char *dir, struct tm_store **out, struct tm_diag *d)
{
    char path[4096];
    *out = NULL;
    struct tm_store *st = tm_xcalloc(1, sizeof *st);
    st->dir = tm_xstrdup(dir);
    snprintf(path, sizeof path, "%s/sealed", dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        enum tm_rc rc = tm_fail(d, TM_EIO, "cannot create '%s': %s", path, strerror(errno));
        tm_store_close(st);
        return rc;
    }
    snprintf(path, sizeof path, "%s/teemed.db", dir);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        enum tm_rc rc = tm_fail(d, TM_EDB, "cannot open '%s': %s", path,
                                st->db ? sqlite3_errmsg(st->db) : "out of memory");
        tm_store_close(st);
        return rc;
    }
    sqlite3_busy_timeout(st->db, 5000);
    enum tm_rc rc = exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                             " PRAGMA foreign_keys=ON;", d);
    if (!rc)
        rc = migrate(st, d);
    if (rc) {
        tm_store_close(st);
        return rc;
    }
    collect_garbage(st);
    *out = st;
    return TM_OK;
}

void tm_store_close(struct tm_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    free(st->dir);
    free(st);
}

const char *tm_store_dir(const struct tm_store *st) { return st->dir; }
sqlite3 *store_db(struct tm_store *st) { return st->db; }

enum tm_rc tm_store_begin(struct tm_store *st, struct tm_diag *d) { return exec(st, "BEGIN IMMEDIATE", d); }
enum tm_rc tm_store_commit(struct tm_store *st, struct tm_diag *d) { return exec(st, "COMMIT", d); }
void tm_store_rollback(struct tm_store *st) { sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL); }

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

enum tm_rc tm_store_account(struct tm_store *st, const char *name, int create, int64_t *id,
                            struct tm_diag *d)
{
    if (!tm_valid_name(name))
        return tm_fail(d, TM_EINVAL,
                       "invalid account name '%s' (use letters, digits, '.', '_', '-'; at most 64)", name);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM accounts WHERE name=?", -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "account");
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (r == SQLITE_ROW)
        return TM_OK;
    if (!create)
        return tm_fail(d, TM_ENOTFOUND, "no account '%s'", name);
    if (sqlite3_prepare_v2(st->db, "INSERT INTO accounts(name, created_ms) VALUES(?, strftime('%s','now')*1000)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "account");
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    r = sqlite3_step(s);
    sqlite3_finalize(s);
    if (r != SQLITE_DONE)
        return db_fail(st, d, "create account");
    *id = sqlite3_last_insert_rowid(st->db);
    return TM_OK;
}

int tm_store_dataset_exists(struct tm_store *st, const char *id)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM datasets WHERE id=?", -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return r;
}

enum tm_rc tm_store_dataset_put(struct tm_store *st, const struct tm_dataset_row *r,
                                struct tm_diag *d)
{
    int64_t owner;
    enum tm_rc rc = tm_store_account(st, r->owner, 1, &owner, d);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO datasets(id, owner, title, k, created_ms, commitment, card,"
                           " profile, raw_file, raw_salt, raw_bytes, search)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "dataset");
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, owner);
    sqlite3_bind_text(s, 3, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, r->k);
    sqlite3_bind_int64(s, 5, r->created_ms);
    sqlite3_bind_text(s, 6, r->commitment, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->card, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 8, r->profile, (int)r->profile_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, r->raw_file, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 10, r->raw_salt, (int)r->raw_salt_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)r->raw_bytes);
    sqlite3_bind_text(s, 12, r->search ? r->search : "", -1, SQLITE_STATIC);
    int res = sqlite3_step(s);
    sqlite3_finalize(s);
    if (res == SQLITE_CONSTRAINT)
        return tm_fail(d, TM_EEXIST, "dataset '%s' already exists", r->id);
    if (res != SQLITE_DONE)
        return db_fail(st, d, "insert dataset");
    return TM_OK;
}

enum tm_rc tm_store_card(struct tm_store *st, const char *id, char **card, struct tm_diag *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT card FROM datasets WHERE id=?", -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "card");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    enum tm_rc rc = TM_OK;
    if (sqlite3_step(s) == SQLITE_ROW)
        *card = tm_xstrdup((const char *)sqlite3_column_text(s, 0));
    else
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%s'", id);
    sqlite3_finalize(s);
    return rc;
}

enum tm_rc tm_store_profile(struct tm_store *st, const char *id, uint8_t **blob, size_t *len,
                            struct tm_diag *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT profile FROM datasets WHERE id=?", -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "profile");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    enum tm_rc rc = TM_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(s, 0);
        *blob = tm_xmalloc(*len + 1);
        memcpy(*blob, sqlite3_column_blob(s, 0), *len);
    } else {
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%s'", id);
    }
    sqlite3_finalize(s);
    return rc;
}

enum tm_rc tm_store_cards(struct tm_store *st, const char *query,
                          void (*fn)(void *ctx, const char *id, const char *card), void *ctx,
                          struct tm_diag *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT id, card, search FROM datasets ORDER BY created_ms DESC, id",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, d, "cards");
    char *q = query ? tm_xstrdup(query) : NULL;
    for (char *p = q; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *search = (const char *)sqlite3_column_text(s, 2);
        int match = 1;
        if (q) {
            char *copy = tm_xstrdup(q), *save = NULL;
            for (char *w = strtok_r(copy, " \t", &save); w && match; w = strtok_r(NULL, " \t", &save))
                match = search && strstr(search, w) != NULL;
            free(copy);
        }
        if (match)
            fn(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1));
    }
    free(q);
    sqlite3_finalize(s);
    return TM_OK;
}
