/* onboard.c - the write path: inputs -> scrub -> analyse -> seal -> signed card; the
 * work happens outside any transaction, the publication in one short one (dataset.h). */
#include "attest/attest.h"
#include "base/crypto.h"
#include "core/audit.h"
#include "core/dataset.h"
#include "pipeline/card.h"
#include "pipeline/ingest.h"
#include "store/rawseal.h"

#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
    const struct tm_onboard_opts *o;
    struct tm_merkle merkle;
    struct rawseal raw;
    uint64_t done, total;
};

static void on_record(void *ctx, const char *bytes, size_t len)
{
    struct run *r = ctx;
    tm_merkle_leaf(&r->merkle, bytes, len);
    rawseal_add(&r->raw, bytes, len);
}

static void on_warn(void *ctx, const char *msg)
{
    struct run *r = ctx;
    if (r->o->warn)
        r->o->warn(r->o->ctx, msg);
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct run *r = ctx;
    r->done += bytes;
    if (r->o->progress)
        r->o->progress(r->o->ctx, r->done, r->total);
}

static enum tm_rc check_opts(struct tm_med *m, const struct tm_onboard_opts *o, struct tm_diag *d)
{
    if (!o->id || !tm_valid_name(o->id))
        return tm_fail(d, TM_EINVAL, "invalid dataset id '%.80s' (use letters, digits, '.', '_', '-'; at most 64)",
                       o->id ? o->id : "");
    if (!o->owner)
        return tm_fail(d, TM_EAUTH, "onboarding needs an account");
    if (o->k < TM_K_MIN)
        return tm_fail(d, TM_EINVAL, "k must be at least %d (got %d)", TM_K_MIN, o->k);
    if (o->title && strlen(o->title) > 200)
        return tm_fail(d, TM_EINVAL, "title longer than 200 bytes");
    if (!o->npaths)
        return tm_fail(d, TM_EINVAL, "no input paths");
    int64_t owner;
    int withdrawn;
    enum tm_rc rc = tm_dataset_owner(m, o->id, &owner, &withdrawn, NULL);
    if (rc == TM_OK)
        return tm_fail(d, TM_EEXIST, "dataset '%s' already exists%s", o->id,
                       withdrawn ? " (withdrawn; ids are not reused)" : "");
    if (rc != TM_ENOTFOUND)
        return tm_dataset_owner(m, o->id, &owner, &withdrawn, d);
    return TM_OK;
}

/* Check the options, collect the inputs and open the sealed raw-record file as
 * DATA/sealed/.<rawname>.tmp (name receives <rawname>, tmp the path). On failure nothing
 * is left behind but what fl holds. */
static enum tm_rc start(struct tm_med *m, const struct tm_onboard_opts *o, struct run *r,
                        struct tm_filelist *fl, char name[160], char tmp[4200], struct tm_diag *d)
{
    const struct tm_tee *tee;
    r->o = o;
    enum tm_rc rc = check_opts(m, o, d);
    if (!rc)
        rc = tm_med_tee(m, &tee, d);
    if (rc)
        return rc;
    tm_store_gc(m->st, 0); /* a writer settles what a crash left before adding to it */
    rc = tm_ingest_collect(o->paths, o->npaths, fl, d);
    if (rc)
        return rc;
    if (!fl->n)
        return tm_fail(d, TM_EPARSE, "no input files (.jsonl, .md, .txt) under the given paths");
    r->total = fl->bytes;
    uint8_t nonce[8];
    rc = tm_random(nonce, sizeof nonce, d);
    if (rc)
        return rc;
    char hx[17];
    tm_hex(nonce, sizeof nonce, hx);
    snprintf(name, 160, "%s.%s.raw", o->id, hx);
    snprintf(tmp, 4200, "%s/sealed/.%s.tmp", tm_shared_dir(m->sh), name);
    rc = rawseal_open(&r->raw, tmp, tee->seal_key, o->id, d);
    if (rc) {
        rawseal_abort(&r->raw);
        unlink(tmp);
        return rc;
    }
    tm_merkle_init(&r->merkle);
    return TM_OK;
}

static enum tm_rc read_all(struct tm_ingest *in, const struct tm_filelist *fl, struct tm_diag *d)
{
    for (size_t i = 0; i < fl->n; i++) {
        enum tm_rc rc = tm_ingest_file(in, &fl->v[i], d);
        if (rc)
            return rc;
    }
    return TM_OK;
}

/* Publish in one short transaction: row, sealed profile, search entry, audit. */
static enum tm_rc publish(struct tm_med *m, const struct tm_onboard_opts *o, int k, const char *commit,
                          const char *card, const uint8_t *sealed, size_t sealed_len, const char *rawname,
                          const uint8_t salt[16], uint64_t raw_bytes, const char *search, struct tm_diag *d)
{
    enum tm_rc rc = tm_store_begin(m->st, d);
    if (rc)
        return rc;
    rc = db_run(m->st, d,
                "INSERT INTO datasets(id, owner, title, k, created_ms, commitment, card, raw_file, raw_salt,"
                " raw_bytes, search) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                "titditttbit", o->id, o->owner->id, o->title, k, o->now_ms, commit, card, rawname, salt,
                (size_t)16, (int64_t)raw_bytes, search);
    if (rc == TM_EEXIST)
        rc = tm_fail(d, TM_EEXIST, "dataset '%s' already exists", o->id);
    int64_t rowid = rc ? 0 : db_last_id(m->st);
    if (!rc)
        rc = db_run(m->st, d, "INSERT INTO profiles(dataset_id, sealed) VALUES(?, ?)", "tb", o->id, sealed,
                    sealed_len);
    if (!rc)
        rc = db_run(m->st, d, "INSERT INTO cards_fts(rowid, search) VALUES(?, ?)", "it", rowid, search);
    if (!rc)
        rc = tm_audit_add(m, o->id, "onboard", NULL, NULL, o->owner->name, "dataset published", o->now_ms, d);
    if (!rc) {
        tm_fault_point("onboard.before-commit");
        rc = tm_store_commit(m->st, d);
    }
    if (rc)
        tm_store_rollback(m->st);
    return rc;
}

enum tm_rc tm_onboard(struct tm_med *m, const struct tm_onboard_opts *o, char **card_out,
                      struct tm_diag *d)
{
    struct tm_filelist fl = {0};
    struct tm_an *an = NULL;
    struct tm_ingest *in = NULL;
    struct tm_profile prof = {0};
    const struct tm_tee *tee;
    const struct tm_taxonomy *tax;
    const struct tm_background *bg;
    cJSON *card = NULL;
    char *card_json = NULL, *prof_json = NULL, *search = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char tmp[4200], final[4200], rawname[160];
    int raw_open = 0;
    struct run r = {0};
    *card_out = NULL;

    enum tm_rc rc = start(m, o, &r, &fl, rawname, tmp, d);
    if (rc)
        goto out;
    raw_open = 1;
    rc = tm_med_tee(m, &tee, d);
    if (!rc)
        rc = tm_med_tax(m, &tax, d);
    if (!rc)
        rc = tm_med_bg(m, &bg, d);
    if (rc)
        goto out;
    snprintf(final, sizeof final, "%s/sealed/%s", tm_shared_dir(m->sh), rawname);
    an = tm_an_new(tax, bg);
    struct tm_ingest_hooks hooks = {&r, on_record, on_warn, on_progress};
    in = tm_ingest_new(an, &hooks);
    rc = read_all(in, &fl, d);
    if (rc)
        goto out;
    const struct tm_volume *vol = tm_ingest_volume(in);
    if (!vol->records) {
        rc = tm_fail(d, TM_EPARSE, "no records found in the input (%llu malformed lines)",
                     (unsigned long long)vol->malformed);
        goto out;
    }
    tm_an_finish(an, o->k, &prof);

    uint8_t root[32];
    tm_merkle_root(&r.merkle, root);
    struct tm_card_in ci = {o->id, o->owner->name, o->title, vol, &prof, tax,
                            tm_ingest_scrub_stats(in), root, r.merkle.leaves, o->now_ms};
    card = tm_card_build(&ci);
    rc = tm_tee_sign(tee, card, "card", NULL, o->now_ms, d);
    if (rc)
        goto out;
    card_json = tm_canonical(card);
    search = tm_card_search_text(card);
    prof_json = tm_profile_to_json(&prof, tax);
    char aad[128];
    snprintf(aad, sizeof aad, "teemed-profile-v1|%s", o->id);
    rc = tm_seal(tee->seal_key, aad, prof_json, strlen(prof_json), &sealed, &sealed_len, d);
    if (rc)
        goto out;

    uint8_t salt[16];
    memcpy(salt, r.raw.salt, 16);
    rc = rawseal_finish(&r.raw, d);
    if (rc)
        goto out;
    tm_fault_point("onboard.after-seal");
    char commit[80];
    memcpy(commit, "sha256:", 7);
    tm_hex(root, 32, commit + 7);
    rc = publish(m, o, prof.k, commit, card_json, sealed, sealed_len, rawname, salt, r.raw.bytes, search, d);
    if (rc)
        goto out;
    /* committed: from here the dataset exists; a crash before the rename is rolled
     * forward by the next writer's tm_store_gc */
    tm_fault_point("onboard.after-commit");
    if (rename(tmp, final) != 0) {
        rc = tm_fail(d, TM_EIO, "cannot move sealed records into place: %s", strerror(errno));
        raw_open = 0;
        rawseal_close(&r.raw);
        goto out;
    }
    raw_open = 0;
    rawseal_close(&r.raw);
    *card_out = card_json;
    card_json = NULL;
out:
    if (raw_open) {
        rawseal_abort(&r.raw);
        unlink(tmp);
    }
    tm_ingest_free(in);
    tm_an_free(an);
    tm_profile_release(&prof);
    tm_filelist_release(&fl);
    cJSON_Delete(card);
    free(card_json);
    free(prof_json);
    free(search);
    free(sealed);
    return rc;
}

enum tm_rc tm_onboard_floor(struct tm_med *m, const struct tm_onboard_opts *o,
                            enum tm_ingest_depth depth, uint64_t *records, struct tm_diag *d)
{
    struct tm_filelist fl = {0};
    struct tm_ingest *in = NULL;
    char tmp[4200], rawname[160];
    struct run r = {0};
    *records = 0;
    enum tm_rc rc = start(m, o, &r, &fl, rawname, tmp, d);
    if (rc)
        goto out;
    struct tm_ingest_hooks hooks = {&r, on_record, on_warn, on_progress};
    in = tm_ingest_new(NULL, &hooks);
    tm_ingest_set_depth(in, depth);
    rc = read_all(in, &fl, d);
    if (!rc) {
        rc = rawseal_finish(&r.raw, d); /* the fsync is part of the cost */
        *records = tm_ingest_volume(in)->records;
    }
    rawseal_abort(&r.raw);
    unlink(tmp);
out:
    tm_ingest_free(in);
    tm_filelist_release(&fl);
    return rc;
}
