/* compute.c - overlap, gap analysis and debugging patterns (see compute.h). */
#include "tm/compute.h"
#include "tm/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANDIDATES 80 /* distinctive terms per dataset that overlap compares */

static int limit_of(const cJSON *params, int dflt)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(params, "limit");
    if (cJSON_IsNumber(l) && l->valuedouble >= 1 && l->valuedouble <= 1000)
        return (int)l->valuedouble;
    return dflt;
}

/* The dataset's distinctive publishable terms, best first (borrowed from the profile). */
static size_t distinctive(const struct tm_profile *p, const struct tm_pterm **out, size_t max)
{
    return tm_profile_top(p, out, max);
}

static const struct tm_pterm *find_term(const struct tm_profile *p, const char *t)
{
    for (size_t i = 0; i < p->nterms; i++)
        if (!strcmp(p->terms[i].term, t))
            return &p->terms[i];
    return NULL;
}

static int rank_in(const struct tm_pterm *const *v, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i]->term, t))
            return (int)i;
    return -1;
}

/* The label of a dataset's strongest publishable taxonomy topic, or its best term. */
static const char *focus_of(const struct tm_compute_in *in, const struct tm_profile *p)
{
    for (size_t i = 0; i < p->ntopics; i++)
        if (p->topics[i].publishable && p->topics[i].share >= 0.03)
            return in->tax->topics[p->topics[i].topic].label;
    const struct tm_pterm *top[1];
    return distinctive(p, top, 1) ? top[0]->term : "its own topics";
}

struct ranked {
    const char *term;
    double key;
};

static int by_key(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->term, y->term);
}

static cJSON *overlap(const struct tm_compute_in *in, struct tm_diag *d)
{
    (void)d;
    int limit = limit_of(in->params, 20);
    const struct tm_pterm *a[CANDIDATES], *b[CANDIDATES];
    size_t na = distinctive(in->prof[0], a, CANDIDATES), nb = distinctive(in->prof[1], b, CANDIDATES);
    struct ranked *shared = tm_xcalloc(na + 1, sizeof *shared);
    struct ranked *ua = tm_xcalloc(na + 1, sizeof *ua), *ub = tm_xcalloc(nb + 1, sizeof *ub);
    size_t ns = 0, nua = 0, nub = 0;
    for (size_t i = 0; i < na; i++) {
        int r = rank_in(b, nb, a[i]->term);
        if (r >= 0)
            shared[ns++] = (struct ranked){a[i]->term, (double)i + (double)r};
        else
            ua[nua++] = (struct ranked){a[i]->term, (double)i};
    }
    for (size_t i = 0; i < nb; i++)
        if (rank_in(a, na, b[i]->term) < 0)
            ub[nub++] = (struct ranked){b[i]->term, (double)i};
    qsort(shared, ns, sizeof *shared, by_key);
    size_t uni = na + nb - ns;
    double j = uni ? (double)ns / (double)uni : 0;
    cJSON *res = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(res, "overlap");
    cJSON *sa = cJSON_AddArrayToObject(o, "shared_topics");
    for (size_t i = 0; i < ns && (int)i < limit; i++)
        cJSON_AddItemToArray(sa, cJSON_CreateString(shared[i].term));
    cJSON_AddNumberToObject(o, "jaccard_similarity", floor(j * 100 + 0.5) / 100);
    cJSON *x = cJSON_AddArrayToObject(o, "unique_to_dataset_1");
    for (size_t i = 0; i < nua && (int)i < limit; i++)
        cJSON_AddItemToArray(x, cJSON_CreateString(ua[i].term));
    x = cJSON_AddArrayToObject(o, "unique_to_dataset_2");
    for (size_t i = 0; i < nub && (int)i < limit; i++)
        cJSON_AddItemToArray(x, cJSON_CreateString(ub[i].term));
    cJSON_AddNumberToObject(o, "compared_terms", (double)uni);

    char insight[600];
    const char *f1 = focus_of(in, in->prof[0]), *f2 = focus_of(in, in->prof[1]);
    if (!ns)
        snprintf(insight, sizeof insight,
                 "Unrelated - no distinctive topic in common (Jaccard 0.00): %s vs %s", f1, f2);
    else if (j >= 0.6)
        snprintf(insight, sizeof insight,
                 "Near duplicates - they cover largely the same ground (Jaccard %.2f): combining "
                 "them adds little beyond %s", j, f1);
    else if (j < 0.05)
        snprintf(insight, sizeof insight,
                 "Mostly unrelated - few distinctive topics in common (Jaccard %.2f, e.g. %s): %s "
                 "vs %s", j, shared[0].term, f1, f2);
    else
        snprintf(insight, sizeof insight,
                 "Datasets are complementary - they share %s%s%s and each adds its own; combine "
                 "for knowledge spanning %s + %s", shared[0].term, ns > 1 ? ", " : "",
                 ns > 1 ? shared[1].term : "", strcmp(f1, f2) ? f1 : (nua ? ua[0].term : f1),
                 strcmp(f1, f2) ? f2 : (nub ? ub[0].term : f2));
    cJSON_AddStringToObject(res, "insight", insight);
    free(shared);
    free(ua);
    free(ub);
    return res;
}

/* ---- gap analysis ---- */

static const struct tm_ptopic *topic_in(const struct tm_profile *p, int topic)
{
    for (size_t i = 0; i < p->ntopics; i++)
        if (p->topics[i].topic == topic)
            return &p->topics[i];
    return NULL;
}

/* Does the requester's dataset cover a topic? Some real use: a share of at least half a
 * percent of its content, or a handful of mentions. */
static int covers(const struct tm_profile *mine, int topic)
{
    const struct tm_ptopic *t = topic_in(mine, topic);
    return t && (t->share >= 0.005 || t->mentions >= 5);
}

struct missing {
    int topic;
    uint64_t mentions;
};

static int by_mentions(const void *a, const void *b)
{
    const struct missing *x = a, *y = b;
    if (x->mentions != y->mentions)
        return x->mentions < y->mentions ? 1 : -1;
    return x->topic - y->topic;
}

/* The target's publishable terms of a topic, most mentioned first. */
static cJSON *keywords(const struct tm_compute_in *in, const struct tm_profile *p, int topic)
{
    const struct tm_topic *t = &in->tax->topics[topic];
    struct ranked r[64];
    size_t n = 0;
    for (size_t i = 0; i < t->nterms && n < 64; i++) {
        const struct tm_pterm *pt = find_term(p, t->terms[i]);
        if (pt && (pt->flags & TM_T_PUBLIC))
            r[n++] = (struct ranked){pt->term, -(double)pt->mentions};
    }
    qsort(r, n, sizeof *r, by_key);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n && i < 5; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r[i].term));
    return a;
}

static cJSON *gap(const struct tm_compute_in *in, struct tm_diag *d)
{
    (void)d;
    const struct tm_profile *target = in->prof[0], *mine = in->prof[1];
    int limit = limit_of(in->params, 10);
    cJSON *res = cJSON_CreateObject(), *g = cJSON_AddObjectToObject(res, "gap_analysis");
    cJSON *covered = cJSON_AddArrayToObject(g, "beginner_covered");
    cJSON *mi = cJSON_AddArrayToObject(g, "missing_intermediate");
    cJSON *ma = cJSON_AddArrayToObject(g, "missing_advanced");
    cJSON *mo = cJSON_AddArrayToObject(g, "missing_other");
    cJSON *next = cJSON_AddArrayToObject(g, "recommended_next_topics");
    struct missing miss[TM_TOPICS_MAX];
    size_t nmiss = 0;
    uint8_t is_missing[TM_TOPICS_MAX] = {0};
    /* covered: what "mine" already knows, basics first */
    for (int lvl = TM_LEVEL_BASIC; lvl <= TM_LEVEL_ADVANCED; lvl++)
        for (size_t t = 0; t < in->tax->ntopics; t++)
            if ((int)in->tax->topics[t].level == lvl && covers(mine, (int)t))
                cJSON_AddItemToArray(covered, cJSON_CreateString(in->tax->topics[t].label));
    for (size_t i = 0; i < target->ntopics; i++) {
        const struct tm_ptopic *t = &target->topics[i];
        if (!t->publishable || t->mentions < 3 || covers(mine, t->topic))
            continue;
        is_missing[t->topic] = 1;
        miss[nmiss++] = (struct missing){t->topic, t->mentions};
    }
    qsort(miss, nmiss, sizeof *miss, by_mentions);
    for (size_t i = 0; i < nmiss; i++) {
        const struct tm_topic *t = &in->tax->topics[miss[i].topic];
        cJSON *a = t->level == TM_LEVEL_ADVANCED ? ma : mi; /* basics missing count as intermediate */
        if (cJSON_GetArraySize(a) >= limit)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "topic", t->label);
        cJSON_AddItemToObject(e, "keywords", keywords(in, target, miss[i].topic));
        cJSON_AddNumberToObject(e, "mentions", (double)miss[i].mentions);
        cJSON_AddItemToArray(a, e);
    }
    /* beyond every taxonomy: the target's distinctive terms that mine never uses */
    const struct tm_pterm *top[CANDIDATES];
    size_t nt = distinctive(target, top, CANDIDATES);
    for (size_t i = 0; i < nt && cJSON_GetArraySize(mo) < limit; i++) {
        if (top[i]->flags & TM_T_TAXONOMY)
            continue;
        const struct tm_pterm *m = find_term(mine, top[i]->term);
        if (m && m->mentions >= 2)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "topic", top[i]->term);
        cJSON *kw = cJSON_AddArrayToObject(e, "keywords");
        cJSON_AddItemToArray(kw, cJSON_CreateString(top[i]->term));
        cJSON_AddNumberToObject(e, "mentions", (double)top[i]->mentions);
        cJSON_AddItemToArray(mo, e);
    }
    /* next: the taxonomy's links out of what mine covers, then the strongest gaps */
    uint8_t named[TM_TOPICS_MAX] = {0};
    int added = 0;
    for (size_t t = 0; t < in->tax->ntopics && added < 5; t++) {
        if (!covers(mine, (int)t))
            continue;
        for (size_t k = 0; k < in->tax->topics[t].nnext && added < 5; k++) {
            int nx = tm_taxonomy_find(in->tax, in->tax->topics[t].next[k]);
            if (nx < 0 || named[nx] || !is_missing[nx])
                continue;
            named[nx] = 1;
            cJSON_AddItemToArray(next, cJSON_CreateString(in->tax->topics[nx].label));
            added++;
        }
    }
    for (size_t i = 0; i < nmiss && added < 5; i++) {
        if (named[miss[i].topic])
            continue;
        named[miss[i].topic] = 1;
        cJSON_AddItemToArray(next, cJSON_CreateString(in->tax->topics[miss[i].topic].label));
        added++;
    }
    return res;
}

static const struct tm_computation table[] = {
    {"overlap", 2, 2, 1, 0,
     "the two datasets' shared and unique distinctive topics (terms seen in >= k sessions, "
     "at most 'limit' each) and their Jaccard similarity, to the requester and both owners",
     overlap},
    {"gap", 2, 2, 0, 0,
     "which taxonomy topics and distinctive terms of the target are missing from 'mine', with "
     "the target's mention counts and keywords, to the requester",
     gap},
};

const struct tm_computation *tm_computation(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i].name, name))
            return &table[i];
    return NULL;
}
