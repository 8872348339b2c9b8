/* taxonomy.c - load topic taxonomies (see taxonomy.h). */
#include "pipeline/taxonomy.h"
#include "base/embed.h"
#include "pipeline/text.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

const char *tm_level_name(enum tm_level l)
{
    return l == TM_LEVEL_BASIC ? "basic" : l == TM_LEVEL_INTERMEDIATE ? "intermediate" : "advanced";
}

static char **str_array(const cJSON *a, size_t *n)
{
    int cnt = cJSON_GetArraySize(a);
    char **v = tm_xcalloc((size_t)(cnt > 0 ? cnt : 1), sizeof *v);
    *n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        if (cJSON_IsString(it))
            v[(*n)++] = tm_xstrdup(it->valuestring);
    }
    return v;
}

static void add_term(struct tm_taxonomy *t, const char *term, size_t topic)
{
    char canon[128];
    size_t n = tm_canon(term, strlen(term), canon, sizeof canon);
    if (!n)
        return;
    int added;
    uint32_t i = tm_map_intern(&t->terms, canon, n, &added);
    if (added) {
        t->masks = tm_xrealloc(t->masks, t->terms.count * sizeof *t->masks);
        t->masks[i] = 0;
    }
    t->masks[i] |= 1ull << topic;
}

enum tm_rc tm_taxonomy_add(struct tm_taxonomy *t, const char *json, size_t len,
                           struct tm_diag *d)
{
    enum tm_rc rc = TM_OK;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *topics = cJSON_GetObjectItemCaseSensitive(root, "topics");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(root, "label");
    if (!cJSON_IsArray(topics) || !cJSON_IsString(id) || !cJSON_IsString(label)) {
        rc = tm_fail(d, TM_EPARSE, "taxonomy: expected {\"id\",\"label\",\"topics\":[...]}");
        goto out;
    }
    if (t->ntax == 8) {
        rc = tm_fail(d, TM_ETOOBIG, "taxonomy: more than 8 taxonomies");
        goto out;
    }
    t->tax_id[t->ntax] = tm_xstrdup(id->valuestring);
    t->tax_label[t->ntax] = tm_xstrdup(label->valuestring);
    const cJSON *tp;
    cJSON_ArrayForEach(tp, topics)
    {
        const cJSON *tid = cJSON_GetObjectItemCaseSensitive(tp, "id");
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(tp, "label");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(tp, "level");
        const cJSON *terms = cJSON_GetObjectItemCaseSensitive(tp, "terms");
        if (!cJSON_IsString(tid) || !cJSON_IsString(tl) || !cJSON_IsString(lv) ||
            !cJSON_IsArray(terms)) {
            rc = tm_fail(d, TM_EPARSE, "taxonomy '%s': topic needs id, label, level, terms",
                         id->valuestring);
            goto out;
        }
        if (t->ntopics == TM_TOPICS_MAX) {
            rc = tm_fail(d, TM_ETOOBIG, "taxonomy: more than %d topics", TM_TOPICS_MAX);
            goto out;
        }
        struct tm_topic *o = &t->topics[t->ntopics];
        o->id = tm_xstrdup(tid->valuestring);
        o->label = tm_xstrdup(tl->valuestring);
        o->level = !strcmp(lv->valuestring, "basic")          ? TM_LEVEL_BASIC
                   : !strcmp(lv->valuestring, "intermediate") ? TM_LEVEL_INTERMEDIATE
                                                              : TM_LEVEL_ADVANCED;
        o->tax = (int)t->ntax;
        o->terms = str_array(terms, &o->nterms);
        o->next = str_array(cJSON_GetObjectItemCaseSensitive(tp, "next"), &o->nnext);
        for (size_t i = 0; i < o->nterms; i++)
            add_term(t, o->terms[i], t->ntopics);
        t->ntopics++;
    }
    t->ntax++;
out:
    cJSON_Delete(root);
    return rc;
}

enum tm_rc tm_taxonomy_load(struct tm_taxonomy *t, struct tm_diag *d)
{
    memset(t, 0, sizeof *t);
    tm_map_init(&t->terms);
    for (size_t i = 0; i < tm_nembedded; i++) {
        if (strncmp(tm_embedded[i].name, "taxonomy/", 9) != 0)
            continue;
        enum tm_rc rc = tm_taxonomy_add(t, (const char *)tm_embedded[i].data, tm_embedded[i].len, d);
        if (rc)
            return rc;
    }
    return TM_OK;
}

void tm_taxonomy_release(struct tm_taxonomy *t)
{
    for (size_t i = 0; i < t->ntopics; i++) {
        struct tm_topic *o = &t->topics[i];
        free(o->id);
        free(o->label);
        for (size_t j = 0; j < o->nterms; j++)
            free(o->terms[j]);
        free(o->terms);
        for (size_t j = 0; j < o->nnext; j++)
            free(o->next[j]);
        free(o->next);
    }
    for (size_t i = 0; i < t->ntax; i++) {
        free(t->tax_id[i]);
        free(t->tax_label[i]);
    }
    tm_map_release(&t->terms);
    free(t->masks);
    memset(t, 0, sizeof *t);
}

uint64_t tm_taxonomy_mask(const struct tm_taxonomy *t, const char *term, size_t len)
{
    uint32_t i = tm_map_find(&t->terms, term, len);
    return i == UINT32_MAX ? 0 : t->masks[i];
}

int tm_taxonomy_find(const struct tm_taxonomy *t, const char *id)
{
    for (size_t i = 0; i < t->ntopics; i++)
        if (!strcmp(t->topics[i].id, id))
            return (int)i;
    return -1;
}
