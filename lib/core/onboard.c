/* onboard.c - the write path: inputs -> scrub -> analyse -> seal -> signed card. The
 * work happens outside any transaction, the publication in one short one (dataset.h).
 * One session type serves local paths (tm_onboard) and uploads that arrive in pieces
 * (upload.c): begin, feed files through the session's ingest, finish or abort. */
#include "attest/attest.h"
#include "base/crypto.h"
#include "core/audit.h"
#include "core/pool.h"
#include "core/dataset.h"
#include "pipeline/card.h"
#include "pipeline/ingest.h"
#include "store/rawseal.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tm_onboarding {
    struct tm_onboard_opts o;  /* strings copied: the session owns them */
    char *id, *title;
    const struct tm_tee *tee;
    const struct tm_taxonomy *tax;
    struct tm_merkle merkle;
    struct rawseal raw;
    int raw_open;
    char rawname[160], tmp[4200], final[4200];
    struct tm_an *an;
    struct tm_ingest *in;
    uint64_t done, total;
};

static void on_record(void *ctx, const char *bytes, size_t len)
{
    struct tm_onboarding *s = ctx;
    tm_merkle_leaf(&s->merkle, bytes, len);
    rawseal_add(&s->raw, bytes, len);
}

static void on_warn(void *ctx, const char *msg)
{
    struct tm_onboarding *s = ctx;
    if (s->o.warn)
        s->o.warn(s->o.ctx, msg);
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct tm_onboarding *s = ctx;
    s->done += bytes;
    if (s->o.progress)
        s->o.progress(s->o.ctx, s->done, s->total);
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

void tm_onboarding_abort(struct tm_onboarding *s)
{
    if (!s)
        return;
    if (s->raw_open) {
        rawseal_abort(&s->raw);
        unlink(s->tmp);
    }
    tm_ingest_free(s->in);
    tm_an_free(s->an);
    free(s->id);
    free(s->title);
    free(s);
}

enum tm_rc tm_onboarding_begin(struct tm_med *m, const struct tm_onboard_opts *o, uint64_t total,
                               enum tm_ingest_depth depth, struct tm_onboarding **out, struct tm_diag *d)
{
    const struct tm_background *bg;
    *out = NULL;
    enum tm_rc rc = check_opts(m, o, d);
    struct tm_onboarding *s = tm_xcalloc(1, sizeof *s);
    s->o = *o;
    s->id = tm_xstrdup(o->id ? o->id : "");
    s->title = o->title ? tm_xstrdup(o->title) : NULL;
    s->o.id = s->id;
    s->o.title = s->title;
    s->o.paths = NULL;
    s->total = total;
    if (!rc)
        rc = tm_med_tee(m, &s->tee, d);
    if (!rc && depth == TM_INGEST_FULL)
        rc = tm_med_tax(m, &s->tax, d);
    if (!rc && depth == TM_INGEST_FULL)
        rc = tm_med_bg(m, &bg, d);
    if (rc)
        goto fail;
    tm_store_gc(m->st, 0); /* a writer settles what a crash left before adding to it */
    uint8_t nonce[8];
    char hx[17];
    rc = tm_random(nonce, sizeof nonce, d);
    if (rc)
        goto fail;
    tm_hex(nonce, sizeof nonce, hx);
    snprintf(s->rawname, sizeof s->rawname, "%s.%s.raw", s->id, hx);
    snprintf(s->tmp, sizeof s->tmp, "%s/sealed/.%s.tmp", tm_shared_dir(m->sh), s->rawname);
    snprintf(s->final, sizeof s->final, "%s/sealed/%s", tm_shared_dir(m->sh), s->rawname);
    s->raw_open = 1;
    rc = rawseal_open(&s->raw, s->tmp, s->tee->seal_key, s->id, d);
    if (rc)
        goto fail;
    tm_merkle_init(&s->merkle);
    if (depth == TM_INGEST_FULL)
        s->an = tm_an_new(s->tax, bg);
    struct tm_ingest_hooks hooks = {s, on_record, on_warn, on_progress};
    s->in = tm_ingest_new(s->an, &hooks);
    tm_ingest_set_depth(s->in, depth);
    *out = s;
    return TM_OK;
fail:
    tm_onboarding_abort(s);
    return rc;
}

struct tm_ingest *tm_onboarding_ingest(struct tm_onboarding *s) { return s->in; }

/* Publish in one short transaction: row, sealed profile, search entry, audit. */
static enum tm_rc publish(struct tm_med *m, const struct tm_onboard_opts *o, int k, const char *commit,
                          const char *card, const uint8_t *sealed, size_t sealed_len, const char *rawname,
                          const uint8_t salt[16], uint64_t raw_bytes, const char *search,
                          const struct tm_profile *prof, struct tm_diag *d)
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
        rc = tm_pool_add(m, o->id, prof, d);
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

/* Revise one listed card against the ambient vocabulary now, sign it again and store it
 * (one transaction). */
static enum tm_rc revise_card(struct tm_med *m, const char *id, const char *card_json, const char *title,
                              const struct tm_map *ambient, int64_t now_ms, struct tm_diag *d)
{
    cJSON *card = cJSON_Parse(card_json);
    if (!card)
        return tm_fail(d, TM_EDB, "database: the card of '%s' does not parse", id);
    if (!tm_card_names_ambient(card, ambient)) {
        cJSON_Delete(card);
        return TM_OK;
    }
    const struct tm_tee *tee;
    const struct tm_taxonomy *tax;
    const struct tm_profile *prof = NULL;
    void *ref = NULL;
    char *json = NULL, *search = NULL;
    enum tm_rc rc = tm_med_tee(m, &tee, d);
    if (!rc)
        rc = tm_med_tax(m, &tax, d);
    if (!rc)
        rc = tm_med_profile_get(m, id, &prof, &ref, d);
    if (rc)
        goto out;
    if (!prof->nthemes && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(card, "themes")) > 0)
        goto out; /* sealed before profiles kept their themes: the card would lose them */
    struct tm_card_in ci = {0};
    ci.id = id;
    ci.title = title;
    ci.prof = prof;
    ci.tax = tax;
    ci.ambient = ambient;
    if (!tm_card_revise(card, &ci))
        goto out;
    cJSON_DeleteItemFromObjectCaseSensitive(card, "attestation");
    rc = tm_tee_sign(tee, card, "card", NULL, NULL, now_ms, d);
    if (rc)
        goto out;
    json = tm_canonical(card);
    search = tm_card_search_text(card);
    rc = tm_store_begin(m->st, d);
    if (rc)
        goto out;
    /* the card revised is still the stored one (another writer may have revised it or
     * withdrawn the dataset since it was read) */
    sqlite3_stmt *st = NULL;
    int same = 0;
    rc = db_prep(m->st, "SELECT card FROM datasets WHERE id = ? AND withdrawn_ms IS NULL", &st, d);
    if (!rc)
        rc = db_bind(m->st, st, d, "t", id);
    if (!rc && db_step(m->st, st, &rc, d) == 1)
        same = !strcmp(db_text(st, 0), card_json);
    db_done(m->st, st);
    if (!rc && !same) {
        tm_store_rollback(m->st);
        goto out;
    }
    if (!rc)
        rc = db_run(m->st, d, "UPDATE datasets SET card = ?, search = ? WHERE id = ? AND withdrawn_ms IS NULL",
                    "ttt", json, search, id);
    if (!rc)
        rc = db_run(m->st, d, "UPDATE cards_fts SET search = ? WHERE rowid = (SELECT rowid FROM datasets WHERE id = ?)",
                    "tt", search, id);
    if (!rc)
        rc = tm_audit_add(m, id, "card", NULL, NULL, "mediator",
                          "card revised: words the market now finds in most datasets are no longer topics", now_ms,
                          d);
    if (!rc)
        rc = tm_store_commit(m->st, d);
    if (rc)
        tm_store_rollback(m->st);
out:
    if (prof)
        tm_med_profile_put(m, prof, ref);
    free(json);
    free(search);
    cJSON_Delete(card);
    return rc;
}

/* The first datasets of a market were described before anything could be ambient: once
 * a new dataset makes terms ambient, the listed cards that name one of them (found
 * through the card search index, so a large market costs no scan) are revised and signed
 * again (their volume, commitment and created_at stay). A card that cannot be revised
 * stays as it was: still a valid signed card. before/after: the ambient terms without and
 * with the new dataset. */
static void revise_cards(struct tm_med *m, const char *except, const struct tm_map *before,
                         const struct tm_map *after, int64_t now_ms)
{
    struct tm_diag d;
    struct tm_map ids;
    tm_map_init(&ids);
    char **cards = NULL, **titles = NULL;
    size_t n = 0, cap = 0;
    enum tm_rc rc = TM_OK;
    struct tm_buf q;
    tm_buf_init(&q);
    for (uint32_t i = 0, inq = 0; i <= after->count && !rc; i++) {
        size_t len = 0;
        const char *t = i < after->count ? tm_map_key(after, i, &len) : NULL;
        if (t && tm_map_find(before, t, len) == UINT32_MAX) { /* newly ambient: ask for cards naming it */
            tm_buf_adds(&q, inq ? " OR \"" : "\"");
            tm_buf_add(&q, t, len); /* canonical terms: [a-z0-9_], no quote inside */
            tm_buf_adds(&q, "\"");
            inq++;
        }
        if (!inq || (t && inq < 64))
            continue;
        sqlite3_stmt *s = NULL;
        rc = db_prep(m->st, "SELECT ds.id, ds.card, ds.title FROM cards_fts f JOIN datasets ds ON ds.rowid = f.rowid"
                            " WHERE cards_fts MATCH ?1 AND ds.withdrawn_ms IS NULL AND ds.id <> ?2", &s, &d);
        if (!rc)
            rc = db_bind(m->st, s, &d, "tt", q.ptr, except);
        while (!rc && db_step(m->st, s, &rc, &d) == 1) {
            int added;
            const char *id = db_text(s, 0);
            (void)tm_map_intern(&ids, id, strlen(id), &added);
            if (!added)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                cards = tm_xrealloc(cards, cap * sizeof *cards);
                titles = tm_xrealloc(titles, cap * sizeof *titles);
            }
            cards[n] = tm_xstrdup(db_text(s, 1));
            titles[n] = sqlite3_column_type(s, 2) == SQLITE_NULL ? NULL : tm_xstrdup(db_text(s, 2));
            n++;
        }
        db_done(m->st, s);
        tm_buf_reset(&q);
        inq = 0;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len;
        const char *key = tm_map_key(&ids, (uint32_t)i, &len); /* sets len: not in one expression */
        char *id = tm_xstrndup(key, len);
        (void)revise_card(m, id, cards[i], titles[i], after, now_ms, &d);
        free(id);
    }
    for (size_t i = 0; i < n; i++) {
        free(cards[i]);
        free(titles[i]);
    }
    free(cards);
    free(titles);
    tm_buf_release(&q);
    tm_map_release(&ids);
}

enum tm_rc tm_onboarding_finish(struct tm_med *m, struct tm_onboarding *s, char **card_out, struct tm_diag *d)
{
    struct tm_profile prof = {0};
    cJSON *card = NULL;
    char *card_json = NULL, *prof_json = NULL, *search = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    enum tm_rc rc = TM_OK;
    struct tm_map ambient; /* the market's ambient vocabulary now: never a topic of the card */
    struct tm_map before;  /* ... and before this dataset counts */
    tm_map_init(&ambient);
    tm_map_init(&before);
    *card_out = NULL;
    const struct tm_volume *vol = tm_ingest_volume(s->in);
    if (!vol->records) {
        rc = tm_fail(d, TM_EPARSE, "no records found in the input (%llu malformed lines)",
                     (unsigned long long)vol->malformed);
        goto out;
    }
    tm_an_finish(s->an, s->o.k, &prof);
    rc = tm_pool_ambient_with(m, &prof, &ambient, d);
    if (!rc)
        rc = tm_pool_ambient(m, &before, d);
    if (rc)
        goto out;
    uint8_t root[32];
    tm_merkle_root(&s->merkle, root);
    struct tm_card_in ci = {s->id, s->o.owner->name, s->title, vol, &prof, s->tax,
                            tm_ingest_scrub_stats(s->in), root, s->merkle.leaves, s->o.now_ms, &ambient};
    card = tm_card_build(&ci);
    rc = tm_tee_sign(s->tee, card, "card", NULL, NULL, s->o.now_ms, d);
    if (rc)
        goto out;
    card_json = tm_canonical(card);
    search = tm_card_search_text(card);
    prof_json = tm_profile_to_json(&prof, s->tax);
    char aad[128];
    snprintf(aad, sizeof aad, "teemed-profile-v1|%s", s->id);
    rc = tm_seal(s->tee->seal_key, aad, prof_json, strlen(prof_json), &sealed, &sealed_len, d);
    if (rc)
        goto out;
    uint8_t salt[16];
    memcpy(salt, s->raw.salt, 16);
    rc = rawseal_finish(&s->raw, d);
    if (rc)
        goto out;
    tm_fault_point("onboard.after-seal");
    char commit[80];
    memcpy(commit, "sha256:", 7);
    tm_hex(root, 32, commit + 7);
    rc = publish(m, &s->o, prof.k, commit, card_json, sealed, sealed_len, s->rawname, salt, s->raw.bytes, search, &prof, d);
    if (rc)
        goto out;
    /* committed: from here the dataset exists; a crash before the rename is rolled
     * forward by the next writer's tm_store_gc */
    tm_fault_point("onboard.after-commit");
    s->raw_open = 0;
    if (rename(s->tmp, s->final) != 0)
        rc = tm_fail(d, TM_EIO, "cannot move sealed records into place: %s", strerror(errno));
    rawseal_close(&s->raw);
    if (!rc) {
        *card_out = card_json;
        card_json = NULL;
        revise_cards(m, s->id, &before, &ambient, s->o.now_ms);
    }
out:
    tm_map_release(&ambient);
    tm_map_release(&before);
    tm_profile_release(&prof);
    cJSON_Delete(card);
    free(card_json);
    free(prof_json);
    free(search);
    free(sealed);
    tm_onboarding_abort(s); /* frees the session; after the commit nothing is left to undo */
    return rc;
}

static enum tm_rc collect(const struct tm_onboard_opts *o, struct tm_filelist *fl, struct tm_diag *d)
{
    if (!o->npaths)
        return tm_fail(d, TM_EINVAL, "no input paths");
    enum tm_rc rc = tm_ingest_collect(o->paths, o->npaths, fl, d);
    if (!rc && !fl->n)
        rc = tm_fail(d, TM_EPARSE, "no input files (.jsonl, .md, .txt) under the given paths");
    return rc;
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

enum tm_rc tm_onboard(struct tm_med *m, const struct tm_onboard_opts *o, char **card, struct tm_diag *d)
{
    struct tm_filelist fl = {0};
    struct tm_onboarding *s = NULL;
    *card = NULL;
    enum tm_rc rc = check_opts(m, o, d); /* before reading anything */
    if (!rc)
        rc = collect(o, &fl, d);
    if (!rc)
        rc = tm_onboarding_begin(m, o, fl.bytes, TM_INGEST_FULL, &s, d);
    if (!rc)
        rc = read_all(tm_onboarding_ingest(s), &fl, d);
    if (!rc) {
        rc = tm_onboarding_finish(m, s, card, d);
        s = NULL;
    }
    tm_onboarding_abort(s);
    tm_filelist_release(&fl);
    return rc;
}

enum tm_rc tm_onboard_floor(struct tm_med *m, const struct tm_onboard_opts *o, enum tm_ingest_depth depth,
                            uint64_t *records, struct tm_diag *d)
{
    struct tm_filelist fl = {0};
    struct tm_onboarding *s = NULL;
    *records = 0;
    enum tm_rc rc = collect(o, &fl, d);
    if (!rc)
        rc = tm_onboarding_begin(m, o, fl.bytes, depth, &s, d);
    if (!rc)
        rc = read_all(tm_onboarding_ingest(s), &fl, d);
    if (!rc) {
        rc = rawseal_finish(&s->raw, d); /* the fsync is part of the cost */
        *records = tm_ingest_volume(s->in)->records;
    }
    tm_onboarding_abort(s); /* publishes nothing, removes the sealed file */
    tm_filelist_release(&fl);
    return rc;
}
