/* store.h - the data dir's SQLite database (WAL, busy timeout, versioned schema) and the
 * query helpers every module above uses. Library-internal.
 *
 * One struct tm_store is one connection: use it from one thread at a time (the service
 * keeps one per worker). Every statement goes through db_prep/db_step/db_done, so that
 *  - every database error reaches the caller as TM_EDB (or TM_EBUSY when the store
 *    stayed locked past the busy timeout): nothing reads an error as "no row";
 *  - tests can inject a failure at the n-th statement (tm_store_fault_at);
 *  - hot statements are prepared once per connection (a cache keyed by the SQL text's
 *    address, so pass string literals).
 * Writes run in short BEGIN IMMEDIATE transactions (tm_store_begin): never around an
 * analysis or a computation, so 64 concurrent clients queue for milliseconds, not seconds.
 *
 * Sealed raw records live in files under DATA/sealed/ (store/rawseal.h), written as
 * .<name>.tmp, fsynced, renamed into place, then the row naming them commits; a crash
 * leaves at most a file that no row names, which tm_store_gc removes. */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <sqlite3.h>
#include <stdint.h>
#include "tm/err.h"

struct tm_store;

#define TM_SCHEMA_VERSION 4
#define TM_BUSY_TIMEOUT_MS 30000

/* Open (creating and migrating) DATA/teemed.db. Owned: tm_store_close. */
enum tm_rc tm_store_open(const char *dir, struct tm_store **st, struct tm_diag *d) TM_NODISCARD;
void tm_store_close(struct tm_store *st);
const char *tm_store_dir(const struct tm_store *st);

/* Settle what a crash left in DATA/sealed: temporary files that no live writer holds
 * are moved into place (their row committed) or removed; with full, also final files
 * that no dataset row names (a crash between a withdrawal's commit and its unlink), one
 * indexed lookup each. Onboarding settles temporary files only (a directory read, no
 * lookups: flat however many datasets there are); a long-running writer (serve, jobs
 * run) does the full pass once at start. Never on the read path. Returns files removed. */
unsigned tm_store_gc(struct tm_store *st, int full);

enum tm_rc tm_store_begin(struct tm_store *st, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_store_commit(struct tm_store *st, struct tm_diag *d) TM_NODISCARD;
void tm_store_rollback(struct tm_store *st);

/* Tests: make the n-th statement operation (prepare, step, BEGIN, COMMIT) from now on
 * fail with TM_EDB; 0 turns injection off. tm_store_faults_left tells whether the
 * countdown was reached (0) or not (> 0). */
void tm_store_fault_at(struct tm_store *st, long n);
long tm_store_faults_left(const struct tm_store *st);

/* ---- statements ---- */

/* Prepare sql (cached per connection by address: pass a string literal). Release with
 * db_done on every path. */
enum tm_rc db_prep(struct tm_store *st, const char *sql, sqlite3_stmt **s,
                   struct tm_diag *d) TM_NODISCARD;
/* Bind parameters 1..n from a format: 't' text (NULL binds NULL), 'i' int64_t, 'd' int,
 * 'f' double, 'b' blob (const void *, size_t). */
enum tm_rc db_bind(struct tm_store *st, sqlite3_stmt *s, struct tm_diag *d, const char *fmt, ...) TM_NODISCARD;
/* Step: 1 a row, 0 done, -1 failure (*rc and d set). */
int db_step(struct tm_store *st, sqlite3_stmt *s, enum tm_rc *rc, struct tm_diag *d);
/* Reset a cached statement for reuse, or finalize an uncached one. NULL is a no-op. */
void db_done(struct tm_store *st, sqlite3_stmt *s);
/* prepare, bind, step to the end, release: for statements without rows. */
enum tm_rc db_run(struct tm_store *st, struct tm_diag *d, const char *sql, const char *fmt, ...) TM_NODISCARD;
/* prepare, bind, read the first row's first n columns as integers into out (all 0 when
 * there is no row), release: for counts and sums. */
enum tm_rc db_ints(struct tm_store *st, struct tm_diag *d, int64_t *out, int n, const char *sql, const char *fmt,
                   ...) TM_NODISCARD;
/* Rows changed by the last write. */
int db_changes(struct tm_store *st);
int64_t db_last_id(struct tm_store *st);
/* Column text that is never NULL ("" for SQL NULL). */
const char *db_text(sqlite3_stmt *s, int col);

/* ---- names ---- */

/* Valid dataset ids and account names: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
int tm_valid_name(const char *s);

#endif
