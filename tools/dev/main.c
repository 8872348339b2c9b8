/* main.c - teemed-dev: developer and benchmark commands (see dev.h). The data dir is
 * $TEEMED_DATA. */
#include "dev.h"
#include "attest/attest.h"
#include "base/base.h"
#include "base/crypto.h"
#include "core/dataset.h"
#include "pipeline/card.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void dev_err(const char *fmt, ...)
{
    va_list ap;
    fputs("teemed-dev: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int dev_fail(enum tm_rc rc, const struct tm_diag *d)
{
    dev_err("%s", d && d->msg[0] ? d->msg : tm_rc_name(rc));
    return tm_rc_info(rc)->exit_code;
}

double dev_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int dev_open(struct tm_shared **sh, struct tm_med **m)
{
    struct tm_diag d = {{0}};
    const char *dir = getenv("TEEMED_DATA");
    if (!dir || !*dir) {
        dev_err("set TEEMED_DATA to the data dir");
        return EX_USAGE;
    }
    enum tm_rc rc = tm_shared_new(dir, sh, &d);
    if (!rc)
        rc = tm_med_open(*sh, m, &d);
    if (rc) {
        tm_shared_free(*sh);
        return dev_fail(rc, &d);
    }
    return EX_OK;
}

void dev_close(struct tm_shared *sh, struct tm_med *m)
{
    tm_med_close(m);
    tm_shared_free(sh);
}

/* x-floor split|parse PATH...: onboarding cut short (tm_onboard_floor), for the floor
 * figures `make bench` prints. */
int x_floor(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "split") && strcmp(argv[1], "parse"))) {
        dev_err("usage: teemed-dev x-floor split|parse PATH...");
        return EX_USAGE;
    }
    struct tm_shared *sh;
    struct tm_med *m;
    int ex = dev_open(&sh, &m);
    if (ex)
        return ex;
    struct tm_account floor_owner = {0, "floor", TM_ROLE_MEMBER};
    struct tm_onboard_opts oo = {0};
    oo.owner = &floor_owner;
    oo.id = "floor";
    oo.k = TM_K_DEFAULT;
    oo.paths = (const char *const *)(argv + 2);
    oo.npaths = (size_t)(argc - 2);
    struct tm_diag d = {{0}};
    uint64_t records = 0;
    enum tm_rc rc = tm_onboard_floor(m, &oo, !strcmp(argv[1], "split") ? TM_INGEST_SPLIT : TM_INGEST_PARSE,
                                     &records, &d);
    dev_close(sh, m);
    if (rc)
        return dev_fail(rc, &d);
    printf("%llu records\n", (unsigned long long)records);
    return EX_OK;
}

/* One clone of the source dataset under id, signed like a real card. */
static enum tm_rc clone_one(struct tm_med *m, const struct tm_tee *tee, const cJSON *card0, const char *plain,
                            size_t pl, int64_t owner, int k, const char *commitment, const char *id, int i,
                            int64_t now, struct tm_diag *d)
{
    cJSON *card = cJSON_Duplicate(card0, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(card, "attestation");
    cJSON_ReplaceItemInObjectCaseSensitive(card, "dataset_id", cJSON_CreateString(id));
    enum tm_rc rc = tm_tee_sign(tee, card, "card", NULL, NULL, now, d);
    char *text = rc ? NULL : tm_canonical(card), *search = rc ? NULL : tm_card_search_text(card);
    uint8_t *sealed = NULL;
    size_t sl = 0;
    char aad[128], tagged[16];
    snprintf(aad, sizeof aad, "teemed-profile-v1|%s", id);
    snprintf(tagged, sizeof tagged, " tag%02d", i % 100); /* one card in 100 matches "tagNN" */
    if (!rc)
        rc = tm_seal(tee->seal_key, aad, plain, pl, &sealed, &sl, d);
    struct tm_buf s;
    tm_buf_init(&s);
    if (!rc) {
        tm_buf_adds(&s, search);
        tm_buf_adds(&s, tagged);
        /* a sealed file of its own, as a real dataset has: the store's clean-up sees as
         * many files as there are datasets */
        char raw[160], path[4400];
        snprintf(raw, sizeof raw, "%s.0000000000000000.raw", id);
        snprintf(path, sizeof path, "%s/sealed/%s", tm_shared_dir(m->sh), raw);
        FILE *f = fopen(path, "w");
        if (!f)
            rc = tm_fail(d, TM_EIO, "cannot create '%s'", path);
        else
            fclose(f);
        if (!rc)
            rc = db_run(m->st, d, "INSERT INTO datasets(id, owner, title, k, created_ms, commitment, card, raw_file,"
                                  " raw_bytes, search) VALUES(?, ?, NULL, ?, ?, ?, ?, ?, 0, ?)", "tidittt" "t", id,
                        owner, k, now - i, commitment, text, raw, s.ptr);
    }
    int64_t rowid = db_last_id(m->st);
    if (!rc)
        rc = db_run(m->st, d, "INSERT INTO profiles(dataset_id, sealed) VALUES(?, ?)", "tb", id, sealed, sl);
    if (!rc)
        rc = db_run(m->st, d, "INSERT INTO cards_fts(rowid, search) VALUES(?, ?)", "it", rowid, s.ptr);
    tm_buf_release(&s);
    free(sealed);
    free(text);
    free(search);
    cJSON_Delete(card);
    return rc;
}

/* x-clone SRC N: N copies of dataset SRC (SRC-c000001 ...), each with its own signed
 * card and resealed profile, for the store scale benchmark. */
int x_clone(int argc, char **argv)
{
    if (argc != 3 || atol(argv[2]) < 1) {
        dev_err("usage: teemed-dev x-clone SRC_DATASET N");
        return EX_USAGE;
    }
    struct tm_shared *sh;
    struct tm_med *m;
    int ex = dev_open(&sh, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    const struct tm_tee *tee;
    sqlite3_stmt *s = NULL;
    uint8_t *plain = NULL;
    size_t pl = 0;
    cJSON *card = NULL;
    int64_t owner = 0;
    int k = 3;
    char commitment[80] = "", aad[128];
    enum tm_rc rc = tm_med_tee(m, &tee, &d);
    if (!rc)
        rc = db_prep(m->st, "SELECT ds.card, ds.owner, ds.k, ds.commitment, p.sealed FROM datasets ds"
                            " JOIN profiles p ON p.dataset_id = ds.id WHERE ds.id = ?", &s, &d);
    if (!rc)
        rc = db_bind(m->st, s, &d, "t", argv[1]);
    if (!rc && db_step(m->st, s, &rc, &d) == 1) {
        card = cJSON_Parse(db_text(s, 0));
        owner = sqlite3_column_int64(s, 1);
        k = sqlite3_column_int(s, 2);
        snprintf(commitment, sizeof commitment, "%s", db_text(s, 3));
        snprintf(aad, sizeof aad, "teemed-profile-v1|%s", argv[1]);
        rc = tm_unseal(tee->seal_key, aad, sqlite3_column_blob(s, 4), (size_t)sqlite3_column_bytes(s, 4), &plain,
                       &pl, &d);
    } else if (!rc) {
        rc = tm_fail(&d, TM_ENOTFOUND, "no dataset '%s'", argv[1]);
    }
    db_done(m->st, s);
    long n = atol(argv[2]), first = 1;
    if (!rc) { /* after the clones made earlier */
        char pat[80];
        snprintf(pat, sizeof pat, "%.50s-c%%", argv[1]);
        rc = db_prep(m->st, "SELECT count(*) FROM datasets WHERE id LIKE ?", &s, &d);
        if (!rc)
            rc = db_bind(m->st, s, &d, "t", pat);
        if (!rc && db_step(m->st, s, &rc, &d) == 1)
            first = sqlite3_column_int64(s, 0) + 1;
        db_done(m->st, s);
    }
    int64_t now = (int64_t)time(NULL) * 1000;
    for (long i = first; !rc && i < first + n; i += 500) {
        rc = tm_store_begin(m->st, &d);
        for (long j = i; !rc && j < i + 500 && j < first + n; j++) {
            char id[80];
            snprintf(id, sizeof id, "%.50s-c%06ld", argv[1], j);
            rc = clone_one(m, tee, card, (const char *)plain, pl, owner, k, commitment, id, (int)j, now, &d);
        }
        if (!rc)
            rc = tm_store_commit(m->st, &d);
        if (rc)
            tm_store_rollback(m->st);
    }
    if (!rc) /* setup, not the measured operations, pays for writing back the bulk insert */
        rc = db_run(m->st, &d, "PRAGMA wal_checkpoint(TRUNCATE)", "");
    cJSON_Delete(card);
    free(plain);
    dev_close(sh, m);
    if (rc)
        return dev_fail(rc, &d);
    printf("%ld clones of %s\n", n, argv[1]);
    return EX_OK;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"x-background", x_background, "build the background model from text"},
    {"x-terms", x_terms, "ranked terms of raw input, withheld ones too"},
    {"x-parse", x_parse, "parse input with cJSON only (bench reference)"},
    {"x-floor", x_floor, "onboarding cut short: split|parse (bench floors)"},
    {"x-bench-compute", x_bench_compute, "time the computations"},
    {"x-bench-quote", x_bench_quote, "DCAP verifications per second"},
    {"x-clone", x_clone, "clone a dataset N times (store scale bench)"},
};

int main(int argc, char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
            if (!strcmp(argv[1], commands[i].name))
                return commands[i].fn(argc - 1, argv + 1);
    fputs("usage: teemed-dev COMMAND [ARGS] (data dir: $TEEMED_DATA)\n\n"
          "Developer commands: never for data you may not see (some print withheld terms).\n\n",
          stderr);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(stderr, "  %-16s %s\n", commands[i].name, commands[i].summary);
    return EX_USAGE;
}
