/* med.c - open and initialise a data dir (see mediator.h). */
#include "core/mediator.h"
#include "attest/attest.h"
#include "base/crypto.h"
#include "base/base.h"
#include "attest/eventlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

enum tm_rc tm_med_init(const char *dir, enum tm_tee_kind kind, struct tm_diag *d)
{
    enum tm_rc rc = mkdirs(dir, d);
    if (!rc)
        rc = tm_tee_init(dir, kind, d);
    if (rc)
        return rc;
    struct tm_store *st;
    rc = tm_store_open(dir, &st, d);
    tm_store_close(st);
    return rc;
}

enum tm_rc tm_med_open(const char *dir, struct tm_med **out, struct tm_diag *d)
{
    struct tm_med *m = tm_xcalloc(1, sizeof *m);
    m->dir = tm_xstrdup(dir);
    enum tm_rc rc = tm_tee_open(dir, &m->tee, d);
    if (!rc)
        rc = tm_store_open(dir, &m->store, d);
    if (!rc)
        rc = tm_taxonomy_load(&m->tax, d);
    if (!rc)
        rc = tm_background_load(&m->bg, d);
    if (rc) {
        tm_med_close(m);
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
    tm_store_close(m->store);
    tm_tee_close(&m->tee);
    tm_taxonomy_release(&m->tax);
    tm_background_release(&m->bg);
    free(m->dir);
    free(m);
}

enum tm_rc tm_med_attest(struct tm_med *m, int64_t now_ms, char **out, struct tm_diag *d)
{
    *out = NULL;
    cJSON *doc = cJSON_CreateObject();
    cJSON *me = cJSON_AddObjectToObject(doc, "mediator");
    cJSON_AddStringToObject(me, "software", "teemed");
    cJSON_AddStringToObject(me, "code_measurement", tm_code_measurement());
    cJSON_AddStringToObject(me, "backend", tm_tee_name(m->tee.kind));
    if (m->tee.kind == TM_TEE_DSTACK) {
        if (m->tee.has_info && m->tee.info.app_compose) /* the compose hash's preimage, for owners to read */
            cJSON_AddStringToObject(me, "app_compose", m->tee.info.app_compose);
        cJSON *ev = cJSON_AddObjectToObject(me, "measurement_event");
        cJSON_AddStringToObject(ev, "event", TM_MEASUREMENT_EVENT);
        cJSON_AddStringToObject(ev, "status", m->tee.event_status);
        cJSON_AddStringToObject(ev, "detail", m->tee.event_detail);
    }
    enum tm_rc rc = tm_tee_sign(&m->tee, doc, "mediator", NULL, now_ms, d);
    if (!rc && !(*out = tm_canonical(doc)))
        rc = tm_fail(d, TM_EIO, "out of memory");
    cJSON_Delete(doc);
    return rc;
}
