/* med.c - the mediator's shared state and connections (see mediator.h). */
#include "core/mediator.h"
#include "attest/attest.h"
#include "attest/eventlog.h"
#include "base/base.h"
#include "base/crypto.h"
#include "pipeline/card.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A profile kept unsealed for the computations that use it again (profiles never change
 * once published; a withdrawn one is never served). */
struct cached_profile {
    char id[65];
    struct tm_profile p;
    unsigned refs;           /* computations using it now */
    uint64_t used;           /* for least-recently-used eviction */
    int live;
};

struct tm_shared {
    char *dir;
    pthread_mutex_t mu;
    int tee_ok, tax_ok, bg_ok;
    struct tm_tee tee;
    struct tm_taxonomy tax;
    struct tm_background bg;
    struct cached_profile *cache;
    unsigned ncache;
    uint64_t clock;
    int64_t job_lease_ms;
    uint64_t *gen; /* DATA/generation, mapped shared; NULL if it could not be */
};

static enum tm_rc mkdirs(const char *dir, struct tm_diag *d)
{
    char *p = tm_xstrdup(dir);
    enum tm_rc rc = TM_OK;
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                rc = tm_fail(d, TM_EIO, "cannot create '%s': %s", p, strerror(errno));
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return rc;
}

/* A data dir holds the sealing keys' source and every dataset: another user who can
 * write it, or who owns it, could swap keys or data under the mediator. */
static enum tm_rc safe_dir(const char *dir, struct tm_diag *d)
{
    struct stat s;
    if (stat(dir, &s) != 0)
        return tm_fail(d, TM_ESTATE, "'%s' is not initialised: run 'teemed init' first (%s)", dir,
                       strerror(errno));
    if (!S_ISDIR(s.st_mode))
        return tm_fail(d, TM_ESTATE, "'%s' is not a directory", dir);
    if (s.st_uid != geteuid())
        return tm_fail(d, TM_ESTATE, "data dir '%s' belongs to another user (uid %u): refusing to use it",
                       dir, (unsigned)s.st_uid);
    if (s.st_mode & (S_IWGRP | S_IWOTH))
        return tm_fail(d, TM_ESTATE, "data dir '%s' is writable by other users (mode %03o): chmod 700 it",
                       dir, (unsigned)(s.st_mode & 0777));
    return TM_OK;
}

enum tm_rc tm_med_init(const char *dir, enum tm_tee_kind kind, struct tm_diag *d)
{
    enum tm_rc rc = mkdirs(dir, d);
    if (!rc)
        rc = safe_dir(dir, d);
    if (!rc)
        rc = tm_tee_init(dir, kind, d);
    if (rc)
        return rc;
    struct tm_store *st;
    rc = tm_store_open(dir, &st, d);
    tm_store_close(st);
    return rc;
}

enum tm_rc tm_shared_new(const char *dir, struct tm_shared **out, struct tm_diag *d)
{
    char path[4096];
    *out = NULL;
    enum tm_rc rc = safe_dir(dir, d);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/tee/backend", dir);
    if (access(path, F_OK) != 0)
        return tm_fail(d, TM_ESTATE, "'%s' is not initialised: run 'teemed init' first", dir);
    struct tm_shared *sh = tm_xcalloc(1, sizeof *sh);
    sh->dir = tm_xstrdup(dir);
    sh->job_lease_ms = 5 * 60 * 1000;
    pthread_mutex_init(&sh->mu, NULL);
    /* the store's generation counter, shared by every process on this data dir */
    snprintf(path, sizeof path, "%s/generation", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_size >= (off_t)sizeof *sh->gen || ftruncate(fd, sizeof *sh->gen) == 0)) {
        void *p = mmap(NULL, sizeof *sh->gen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        sh->gen = p == MAP_FAILED ? NULL : p;
    }
    if (fd >= 0)
        close(fd);
    *out = sh;
    return TM_OK;
}

uint64_t tm_shared_generation(const struct tm_shared *sh)
{
    return sh->gen ? __atomic_load_n(sh->gen, __ATOMIC_ACQUIRE) : 0;
}

void tm_shared_bump(struct tm_shared *sh)
{
    if (sh->gen)
        __atomic_add_fetch(sh->gen, 1, __ATOMIC_ACQ_REL);
}

int tm_shared_has_generation(const struct tm_shared *sh) { return sh->gen != NULL; }

void tm_shared_free(struct tm_shared *sh)
{
    if (!sh)
        return;
    for (unsigned i = 0; i < sh->ncache; i++)
        if (sh->cache[i].live)
            tm_profile_release(&sh->cache[i].p);
    free(sh->cache);
    if (sh->tee_ok)
        tm_tee_close(&sh->tee);
    if (sh->tax_ok)
        tm_taxonomy_release(&sh->tax);
    if (sh->bg_ok)
        tm_background_release(&sh->bg);
    if (sh->gen)
        munmap(sh->gen, sizeof *sh->gen);
    pthread_mutex_destroy(&sh->mu);
    free(sh->dir);
    free(sh);
}

const char *tm_shared_dir(const struct tm_shared *sh) { return sh->dir; }

enum tm_rc tm_med_open(struct tm_shared *sh, struct tm_med **out, struct tm_diag *d)
{
    struct tm_med *m = tm_xcalloc(1, sizeof *m);
    m->sh = sh;
    enum tm_rc rc = tm_store_open(sh->dir, &m->st, d);
    if (rc) {
        free(m);
        *out = NULL;
        return rc;
    }
    *out = m;
    return TM_OK;
}

void tm_med_close(struct tm_med *m)
{
    if (!m)
        return;
    tm_store_close(m->st);
    free(m);
}

enum tm_rc tm_med_tee(struct tm_med *m, const struct tm_tee **tee, struct tm_diag *d)
{
    struct tm_shared *sh = m->sh;
    enum tm_rc rc = TM_OK;
    pthread_mutex_lock(&sh->mu);
    if (!sh->tee_ok) {
        rc = tm_tee_open(sh->dir, &sh->tee, d);
        sh->tee_ok = rc == TM_OK;
    }
    pthread_mutex_unlock(&sh->mu);
    *tee = rc ? NULL : &sh->tee;
    return rc;
}

enum tm_rc tm_med_tax(struct tm_med *m, const struct tm_taxonomy **tax, struct tm_diag *d)
{
    struct tm_shared *sh = m->sh;
    enum tm_rc rc = TM_OK;
    pthread_mutex_lock(&sh->mu);
    if (!sh->tax_ok) {
        rc = tm_taxonomy_load(&sh->tax, d);
        sh->tax_ok = rc == TM_OK;
    }
    pthread_mutex_unlock(&sh->mu);
    *tax = rc ? NULL : &sh->tax;
    return rc;
}

enum tm_rc tm_med_bg(struct tm_med *m, const struct tm_background **bg, struct tm_diag *d)
{
    struct tm_shared *sh = m->sh;
    enum tm_rc rc = TM_OK;
    pthread_mutex_lock(&sh->mu);
    if (!sh->bg_ok) {
        rc = tm_background_load(&sh->bg, d);
        sh->bg_ok = rc == TM_OK;
    }
    pthread_mutex_unlock(&sh->mu);
    *bg = rc ? NULL : &sh->bg;
    return rc;
}

enum tm_rc tm_med_attest(struct tm_med *m, const uint8_t *nonce, size_t nonce_len, int64_t now_ms, char **out,
                         struct tm_diag *d)
{
    const struct tm_tee *tee;
    struct tm_evidence ev;
    char hex[65];
    *out = NULL;
    enum tm_rc rc = tm_med_tee(m, &tee, d);
    if (!rc && nonce)
        rc = tm_tee_evidence(tee, nonce, nonce_len, &ev, d);
    if (rc)
        return rc;
    cJSON *doc = cJSON_CreateObject();
    cJSON *me = cJSON_AddObjectToObject(doc, "mediator");
    cJSON_AddStringToObject(me, "software", "teemed");
    cJSON_AddStringToObject(me, "code_measurement", tm_code_measurement());
    cJSON_AddStringToObject(me, "backend", tm_tee_name(tee->kind));
    tm_hex(tee->upload_pub, 32, hex);
    char key[80];
    snprintf(key, sizeof key, "x25519:%s", hex);
    cJSON_AddStringToObject(me, "upload_key", key); /* owners encrypt their uploads to it */
    if (tee->kind == TM_TEE_DSTACK) {
        if (tee->has_info && tee->info.app_compose) /* the compose hash's preimage, for owners to read */
            cJSON_AddStringToObject(me, "app_compose", tee->info.app_compose);
        cJSON *me_ev = cJSON_AddObjectToObject(me, "measurement_event");
        cJSON_AddStringToObject(me_ev, "event", TM_MEASUREMENT_EVENT);
        cJSON_AddStringToObject(me_ev, "status", tee->event_status);
        cJSON_AddStringToObject(me_ev, "detail", tee->event_detail);
    }
    rc = tm_tee_sign(tee, doc, "mediator", NULL, nonce ? &ev : NULL, now_ms, d);
    if (!rc)
        *out = tm_canonical(doc);
    if (nonce)
        tm_evidence_release(&ev);
    cJSON_Delete(doc);
    return rc;
}

enum tm_rc tm_med_profile(struct tm_med *m, const char *id, struct tm_profile *p, struct tm_diag *d)
{
    const struct tm_tee *tee;
    const struct tm_taxonomy *tax;
    uint8_t *plain = NULL;
    size_t pl = 0;
    char aad[128];
    sqlite3_stmt *s = NULL;
    memset(p, 0, sizeof *p);
    snprintf(aad, sizeof aad, "teemed-profile-v1|%s", id);
    enum tm_rc rc = tm_med_tee(m, &tee, d);
    if (!rc)
        rc = tm_med_tax(m, &tax, d);
    if (!rc)
        rc = db_prep(m->st, "SELECT p.sealed FROM profiles p JOIN datasets ds ON ds.id = p.dataset_id"
                            " WHERE p.dataset_id = ? AND ds.withdrawn_ms IS NULL", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    if (rc)
        goto out;
    int r = db_step(m->st, s, &rc, d);
    if (r < 0)
        goto out;
    if (r == 0) {
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%s' (or it was withdrawn)", id);
        goto out;
    }
    rc = tm_unseal(tee->seal_key, aad, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0),
                   &plain, &pl, d);
    db_done(m->st, s);
    s = NULL;
    if (!rc)
        rc = tm_profile_from_json((const char *)plain, pl, tax, p, d);
out:
    db_done(m->st, s);
    if (plain)
        tm_cleanse(plain, pl);
    free(plain);
    return rc;
}

int64_t tm_shared_job_lease(const struct tm_shared *sh) { return sh->job_lease_ms; }
void tm_shared_set_job_lease(struct tm_shared *sh, int64_t ms) { sh->job_lease_ms = ms > 0 ? ms : 1; }

void tm_shared_cache_profiles(struct tm_shared *sh, unsigned n)
{
    pthread_mutex_lock(&sh->mu);
    if (!sh->cache && n) {
        sh->cache = tm_xcalloc(n, sizeof *sh->cache);
        sh->ncache = n;
    }
    pthread_mutex_unlock(&sh->mu);
}

/* Is dataset id listed? (a cached profile is never served for a withdrawn one) */
static enum tm_rc listed(struct tm_med *m, const char *id, struct tm_diag *d)
{
    sqlite3_stmt *s = NULL;
    enum tm_rc rc = db_prep(m->st, "SELECT withdrawn_ms IS NULL FROM datasets WHERE id = ?", &s, d);
    if (!rc)
        rc = db_bind(m->st, s, d, "t", id);
    int r = rc ? -1 : db_step(m->st, s, &rc, d);
    if (r == 0 || (r == 1 && !sqlite3_column_int(s, 0)))
        rc = tm_fail(d, TM_ENOTFOUND, "no dataset '%s' (or it was withdrawn)", id);
    db_done(m->st, s);
    return rc;
}

enum tm_rc tm_med_profile_get(struct tm_med *m, const char *id, const struct tm_profile **p, void **ref,
                              struct tm_diag *d)
{
    struct tm_shared *sh = m->sh;
    *p = NULL;
    *ref = NULL;
    enum tm_rc rc = listed(m, id, d);
    if (rc)
        return rc;
    pthread_mutex_lock(&sh->mu);
    for (unsigned i = 0; i < sh->ncache; i++)
        if (sh->cache[i].live && !strcmp(sh->cache[i].id, id)) {
            struct cached_profile *c = &sh->cache[i];
            c->refs++;
            c->used = ++sh->clock;
            *p = &c->p;
            *ref = c;
            pthread_mutex_unlock(&sh->mu);
            return TM_OK;
        }
    pthread_mutex_unlock(&sh->mu);
    /* not cached: unseal it (outside the lock: it takes milliseconds) */
    struct tm_profile *own = tm_xcalloc(1, sizeof *own);
    rc = tm_med_profile(m, id, own, d);
    if (rc) {
        free(own);
        return rc;
    }
    pthread_mutex_lock(&sh->mu);
    struct cached_profile *victim = NULL;
    for (unsigned i = 0; i < sh->ncache; i++) {
        struct cached_profile *c = &sh->cache[i];
        if (c->live && !strcmp(c->id, id)) { /* another thread cached it meanwhile */
            c->refs++;
            c->used = ++sh->clock;
            *p = &c->p;
            *ref = c;
            pthread_mutex_unlock(&sh->mu);
            tm_profile_release(own);
            free(own);
            return TM_OK;
        }
        if (c->refs) /* in use: never evicted */
            continue;
        if (!c->live) { /* a free slot beats any eviction */
            if (!victim || victim->live)
                victim = c;
        } else if (!victim || (victim->live && c->used < victim->used)) {
            victim = c; /* the least recently used */
        }
    }
    if (victim) {
        if (victim->live)
            tm_profile_release(&victim->p);
        snprintf(victim->id, sizeof victim->id, "%s", id);
        victim->p = *own;
        victim->live = 1;
        victim->refs = 1;
        victim->used = ++sh->clock;
        free(own);
        *p = &victim->p;
        *ref = victim;
        pthread_mutex_unlock(&sh->mu);
        return TM_OK;
    }
    pthread_mutex_unlock(&sh->mu);
    *p = own; /* no cache, or every entry in use: this computation's own copy */
    *ref = own;
    return TM_OK;
}

void tm_med_profile_put(struct tm_med *m, const struct tm_profile *p, void *ref)
{
    struct tm_shared *sh = m->sh;
    if (!ref)
        return;
    pthread_mutex_lock(&sh->mu);
    int cached = sh->cache && (struct cached_profile *)ref >= sh->cache &&
                 (struct cached_profile *)ref < sh->cache + sh->ncache;
    if (cached)
        ((struct cached_profile *)ref)->refs--;
    pthread_mutex_unlock(&sh->mu);
    if (!cached) {
        tm_profile_release((struct tm_profile *)p);
        free(ref);
    }
}

void tm_fault_point(const char *point)
{
    const char *f = getenv("TEEMED_FAULT");
    if (f && !strcmp(f, point))
        raise(SIGKILL);
}
