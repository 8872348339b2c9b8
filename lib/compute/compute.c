/* compute.c - overlap, gap analysis and debugging patterns (see compute.h). */
#include "compute/compute.h"
#include "base/crypto.h"
#include "pipeline/text.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A bound on the distinctive terms per dataset that overlap and gap compare: those that
 * pass the threshold (strong_only) are compared in full up to this many, and lists are
 * cut only for display (the request's limit, the owner's max_terms). */
#define CANDIDATES 2000

double tm_laplace(double b)
{
    uint64_t r = 0;
    if (tm_random(&r, sizeof r, NULL))
        abort(); /* no randomness: never release an un-noised count */
    double u = ((double)(r >> 11) + 0.5) / 9007199254740992.0 - 0.5; /* (-0.5, 0.5) */
    return u < 0 ? b * log(1 + 2 * u) : -b * log(1 - 2 * u);
}

/* A count to release: exact, or with the dataset's differential-privacy noise (scale
 * sensitivity / epsilon, epsilon already split among the counts released). */
static double release(double value, double sensitivity, double eps)
{
    if (eps <= 0)
        return value;
    double v = floor(value + tm_laplace(sensitivity / eps) + 0.5);
    return v < 0 ? 0 : v;
}

static int limit_of(const cJSON *params, int dflt)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(params, "limit");
    if (cJSON_IsNumber(l) && l->valuedouble >= 1 && l->valuedouble <= 1000)
        return (int)l->valuedouble;
    return dflt;
}

/* How many of dataset i's terms one result may release: its owner's max_terms. */
static int cap_of(const struct tm_compute_in *in, size_t i)
{
    return in->max_terms[i] > 0 ? in->max_terms[i] : TM_MAX_TERMS_DEFAULT;
}

static int min3(int a, int b, int c) { return a < b ? (a < c ? a : c) : (b < c ? b : c); }

/* The dataset's distinctive publishable terms that are not ambient, best first
 * (borrowed from the profile). */
static size_t distinctive_in(const struct tm_compute_in *in, const struct tm_profile *p, const struct tm_pterm **out,
                             size_t max)
{
    if (!in || !in->ambient || !in->ambient->count)
        return tm_profile_top(p, out, max);
    size_t n = 0;
    for (size_t i = 0; i < p->nterms && n < max; i++) {
        const struct tm_pterm *t = &p->terms[i];
        if ((t->flags & TM_T_PUBLIC) && !(t->flags & TM_T_NOTOPIC) && !tm_term_ambient(in->ambient, t->term))
            out[n++] = t;
    }
    return n;
}

/* Distinctiveness with a threshold as well as a cap: terms whose score is under 5% of the
 * dataset's strongest are incidental (a word of everyday talk that happens to be a little
 * more frequent than in the background), not topics. v is sorted by score; returns the
 * count kept. */
#define TM_TOPIC_MIN_SHARE 0.05
static size_t strong_only(const struct tm_pterm **v, size_t n)
{
    if (!n || v[0]->score <= 0)
        return n;
    size_t k = 0;
    while (k < n && v[k]->score >= TM_TOPIC_MIN_SHARE * v[0]->score)
        k++;
    return k;
}

/* A profile's terms by name, built once per computation (profiles are shared and
 * read-only: the index is the computation's own). */
struct tindex {
    const struct tm_profile *p;
    struct tm_map m;
    uint32_t *at; /* map index -> term index */
};

static void tindex_init(struct tindex *x, const struct tm_profile *p)
{
    x->p = p;
    tm_map_init(&x->m);
    x->at = tm_xcalloc(p->nterms + 1, sizeof *x->at);
    for (size_t i = 0; i < p->nterms; i++) {
        int added;
        uint32_t j = tm_map_intern(&x->m, p->terms[i].term, strlen(p->terms[i].term), &added);
        if (added)
            x->at[j] = (uint32_t)i;
    }
}

static void tindex_release(struct tindex *x)
{
    tm_map_release(&x->m);
    free(x->at);
}

static const struct tm_pterm *find_term(const struct tindex *x, const char *t)
{
    uint32_t j = tm_map_find(&x->m, t, strlen(t));
    return j == UINT32_MAX ? NULL : &x->p->terms[x->at[j]];
}

/* Does p use t as a part of its phrases ("bam" of "bam_index")? Then t is not unique
 * to the other dataset: p has it, counted under the phrase. */
static int part_in(const struct tindex *p, const char *t)
{
    const struct tm_pterm *x = find_term(p, t);
    return x && (x->flags & TM_T_PART) && (x->flags & TM_T_PUBLIC);
}

/* The ranks of a list of terms by name: built once, looked up in O(1). */
struct ranks {
    struct tm_map m;
};

static void ranks_of(struct ranks *r, const struct tm_pterm *const *v, size_t n)
{
    tm_map_init(&r->m);
    for (size_t i = 0; i < n; i++) /* the terms of a profile are distinct: index == rank */
        (void)tm_map_intern(&r->m, v[i]->term, strlen(v[i]->term), NULL);
}

static int rank_in(const struct ranks *r, const char *t)
{
    uint32_t i = tm_map_find(&r->m, t, strlen(t));
    return i == UINT32_MAX ? -1 : (int)i;
}

/* The label of a dataset's strongest publishable taxonomy topic, or its best term. */
static const char *focus_of(const struct tm_compute_in *in, const struct tm_profile *p)
{
    for (size_t i = 0; i < p->ntopics; i++)
        if (p->topics[i].publishable && p->topics[i].share >= 0.03)
            return in->tax->topics[p->topics[i].topic].label;
    const struct tm_pterm *top[1];
    return distinctive_in(in, p, top, 1) ? top[0]->term : "its own topics";
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

/* Do two datasets work in the same field: a taxonomy topic that both publish with a share
 * of at least 3%? (Two datasets of one field can share few distinctive terms and still
 * complement each other; two fields that share none of their topics do not.) */
static int same_field(const struct tm_profile *a, const struct tm_profile *b)
{
    for (size_t i = 0; i < a->ntopics; i++) {
        if (!a->topics[i].publishable || a->topics[i].share < 0.03)
            continue;
        for (size_t j = 0; j < b->ntopics; j++)
            if (b->topics[j].topic == a->topics[i].topic && b->topics[j].publishable && b->topics[j].share >= 0.03)
                return 1;
    }
    return 0;
}

static cJSON *overlap(const struct tm_compute_in *in, struct tm_diag *d)
{
    (void)d;
    int limit = limit_of(in->params, 20);
    /* each list at most the request's limit and each owner's cap on released terms */
    int lim_s = min3(limit, cap_of(in, 0), cap_of(in, 1)), lim_1 = min3(limit, cap_of(in, 0), 1000),
        lim_2 = min3(limit, cap_of(in, 1), 1000);
    const struct tm_pterm **a = tm_xcalloc(CANDIDATES, sizeof *a), **b = tm_xcalloc(CANDIDATES, sizeof *b);
    size_t na = strong_only(a, distinctive_in(in, in->prof[0], a, CANDIDATES)),
           nb = strong_only(b, distinctive_in(in, in->prof[1], b, CANDIDATES));
    struct ranks ra, rb;
    ranks_of(&ra, a, na);
    ranks_of(&rb, b, nb);
    struct tindex xa, xb;
    tindex_init(&xa, in->prof[0]);
    tindex_init(&xb, in->prof[1]);
    struct ranked *shared = tm_xcalloc(na + 1, sizeof *shared);
    struct ranked *ua = tm_xcalloc(na + 1, sizeof *ua), *ub = tm_xcalloc(nb + 1, sizeof *ub);
    size_t ns = 0, nua = 0, nub = 0;
    for (size_t i = 0; i < na; i++) {
        int r = rank_in(&rb, a[i]->term);
        if (r >= 0)
            shared[ns++] = (struct ranked){a[i]->term, (double)i + (double)r};
        else if (!part_in(&xb, a[i]->term))
            ua[nua++] = (struct ranked){a[i]->term, (double)i};
    }
    for (size_t i = 0; i < nb; i++)
        if (rank_in(&ra, b[i]->term) < 0 && !part_in(&xa, b[i]->term))
            ub[nub++] = (struct ranked){b[i]->term, (double)i};
    qsort(shared, ns, sizeof *shared, by_key);
    size_t uni = na + nb - ns;
    /* Jaccard weighted by distinctiveness (each term's G2 over its dataset's best, the
     * Ruzicka similarity): vocabulary that any conversation shares counts for little next
     * to the topics that make each dataset what it is */
    double wmin = 0, wmax = 0, topa = na ? a[0]->score : 1, topb = nb ? b[0]->score : 1;
    for (size_t i = 0; i < na; i++) {
        int r = rank_in(&rb, a[i]->term);
        double x = a[i]->score / topa, y = r >= 0 ? b[r]->score / topb : 0;
        wmin += x < y ? x : y;
        wmax += x > y ? x : y;
    }
    for (size_t i = 0; i < nb; i++)
        if (rank_in(&ra, b[i]->term) < 0)
            wmax += b[i]->score / topb;
    double j = wmax > 0 ? wmin / wmax : 0;
    cJSON *res = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(res, "overlap");
    cJSON *sa = cJSON_AddArrayToObject(o, "shared_topics");
    for (size_t i = 0; i < ns && (int)i < lim_s; i++)
        cJSON_AddItemToArray(sa, cJSON_CreateString(shared[i].term));
    cJSON_AddNumberToObject(o, "jaccard_similarity", floor(j * 100 + 0.5) / 100);
    cJSON *x = cJSON_AddArrayToObject(o, "unique_to_dataset_1");
    for (size_t i = 0; i < nua && (int)i < lim_1; i++)
        cJSON_AddItemToArray(x, cJSON_CreateString(ua[i].term));
    x = cJSON_AddArrayToObject(o, "unique_to_dataset_2");
    for (size_t i = 0; i < nub && (int)i < lim_2; i++)
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
    else if (j < 0.05 && !same_field(in->prof[0], in->prof[1]))
        snprintf(insight, sizeof insight,
                 "Mostly unrelated - few distinctive topics in common (Jaccard %.2f, e.g. %s): %s "
                 "vs %s", j, shared[0].term, f1, f2);
    else
        snprintf(insight, sizeof insight,
                 "Datasets are complementary - they share %s%s%s and each adds its own; combine "
                 "for knowledge spanning %s + %s", shared[0].term, ns > 1 && lim_s > 1 ? ", " : "",
                 ns > 1 && lim_s > 1 ? shared[1].term : "", strcmp(f1, f2) ? f1 : (nua ? ua[0].term : f1),
                 strcmp(f1, f2) ? f2 : (nub ? ub[0].term : f2));
    cJSON_AddStringToObject(res, "insight", insight);
    free(shared);
    free(ua);
    free(ub);
    tindex_release(&xa);
    tindex_release(&xb);
    tm_map_release(&ra.m);
    tm_map_release(&rb.m);
    free(a);
    free(b);
    return res;
}

size_t tm_affinity_top(const struct tm_profile *p, int k, const char **out)
{
    const struct tm_pterm *all[TM_AFFINITY_TERMS * 4];
    size_t n = tm_profile_top(p, all, TM_AFFINITY_TERMS * 4), m = 0;
    for (size_t i = 0; i < n && m < TM_AFFINITY_TERMS; i++)
        if (all[i]->df >= (uint32_t)k)
            out[m++] = all[i]->term;
    return m;
}

void tm_affinity(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, const uint8_t *ambient,
                 struct tm_affinity *out)
{
    size_t i = 0, j = 0, ca = 0, cb = 0;
    memset(out, 0, sizeof *out);
    for (size_t x = 0; x < na; x++)
        ca += !(ambient && ambient[a[x]]);
    for (size_t x = 0; x < nb; x++)
        cb += !(ambient && ambient[b[x]]);
    while (i < na && j < nb) { /* both sorted: one merge */
        if (a[i] < b[j]) {
            i++;
        } else if (a[i] > b[j]) {
            j++;
        } else {
            out->shared += !(ambient && ambient[a[i]]);
            i++;
            j++;
        }
    }
    out->mine_only = ca - out->shared;
    out->other_only = cb - out->shared;
    size_t small = ca < cb ? ca : cb;
    out->overlap = small ? (double)out->shared / (double)small : 0;
    out->shared_frac = cb ? (double)out->shared / (double)cb : 0;
    out->adds_frac = cb ? (double)out->other_only / (double)cb : 0;
    double s = out->overlap, x = out->adds_frac;
    out->complementarity = s + x > 0 ? 2 * s * x / (s + x) : 0;
}

/* ---- gap analysis ---- */

static const struct tm_ptopic *topic_in(const struct tm_profile *p, int topic)
{
    for (size_t i = 0; i < p->ntopics; i++)
        if (p->topics[i].topic == topic)
            return &p->topics[i];
    return NULL;
}

/* Does "mine" cover a topic? Real use, not a passing mention: at least 3% of its
 * content, and (when the target has it) at least a quarter of the target's depth. Under
 * differential privacy target is NULL: the decision must not depend on its exact share. */
static int covers(const struct tm_profile *mine, const struct tm_profile *target, int topic)
{
    const struct tm_ptopic *t = topic_in(mine, topic), *g = target ? topic_in(target, topic) : NULL;
    if (!t || t->mentions < 5)
        return 0;
    double need = 0.03;
    if (g && g->share * 0.25 > need)
        need = g->share * 0.25;
    return t->share >= need;
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

/* The target's publishable terms of a topic, most mentioned first (under differential
 * privacy in the taxonomy's order: the ranking must not use exact counts), into r (at
 * most 64); returns how many. */
static size_t topic_terms(const struct tm_compute_in *in, const struct tindex *p, int topic, int dp,
                          struct ranked *r)
{
    const struct tm_topic *t = &in->tax->topics[topic];
    size_t n = 0;
    for (size_t i = 0; i < t->nterms && n < 64; i++) {
        const struct tm_pterm *pt = find_term(p, t->terms[i]);
        if (pt && (pt->flags & TM_T_PUBLIC) && !(pt->flags & TM_T_PART))
            r[n++] = (struct ranked){pt->term, dp ? (double)i : -(double)pt->mentions};
    }
    qsort(r, n, sizeof *r, by_key);
    return n;
}

/* A missing topic's keywords: the first of its terms, at most 5 and at most *left more
 * of the target's terms in this result. */
static cJSON *keywords(const struct ranked *r, size_t n, int *left)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n && i < 5 && *left > 0; i++, (*left)--)
        cJSON_AddItemToArray(a, cJSON_CreateString(r[i].term));
    return a;
}

static cJSON *gap(const struct tm_compute_in *in, struct tm_diag *d)
{
    (void)d;
    const struct tm_profile *target = in->prof[0], *mine = in->prof[1];
    int limit = limit_of(in->params, 10);
    int left = cap_of(in, 0); /* the target's terms this result may release */
    double eps = in->dp_epsilon[0];
    const struct tm_profile *depth = eps > 0 ? NULL : target; /* covers() under DP: mine alone */
    struct tindex xt, xm;
    tindex_init(&xt, target);
    tindex_init(&xm, mine);
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
            if ((int)in->tax->topics[t].level == lvl && covers(mine, depth, (int)t))
                cJSON_AddItemToArray(covered, cJSON_CreateString(in->tax->topics[t].label));
    /* with differential privacy every candidate count is noised before anything is
     * ranked or selected (selection is then post-processing). The candidates are the
     * taxonomy's topics, a public set; the counts are clipped mentions (one session
     * changes each by at most TM_DP_CLIP); epsilon is split over them. Terms outside
     * the taxonomy's topics (term entries) are a data-dependent set and are not released. */
    double eps_each = eps > 0 ? eps / (double)(in->tax->ntopics ? in->tax->ntopics : 1) : 0;
    for (size_t i = 0; i < target->ntopics; i++) {
        const struct tm_ptopic *t = &target->topics[i];
        if (!t->publishable)
            continue;
        double m = eps > 0 ? release((double)t->clipped, TM_DP_CLIP, eps_each) : (double)t->mentions;
        if (m < 3 || covers(mine, depth, t->topic))
            continue;
        is_missing[t->topic] = 1;
        miss[nmiss++] = (struct missing){t->topic, (uint64_t)m};
    }
    qsort(miss, nmiss, sizeof *miss, by_mentions);
    size_t kept = 0;
    for (size_t i = 0; i < nmiss; i++) {
        const struct tm_topic *t = &in->tax->topics[miss[i].topic];
        cJSON *a = t->level == TM_LEVEL_ADVANCED ? ma : mi; /* basics missing count as intermediate */
        struct ranked r[64];
        size_t nr = topic_terms(in, &xt, miss[i].topic, eps > 0, r);
        if (!nr && eps <= 0) {
            /* none of its terms is a distinctive publishable term of the target: a topic
             * touched in passing (its mentions are everyday words), not a gap */
            is_missing[miss[i].topic] = 0;
            continue;
        }
        miss[kept++] = miss[i];
        if (cJSON_GetArraySize(a) >= limit)
            continue; /* not shown: spends none of the owner's term budget */
        cJSON *kw = keywords(r, nr, &left);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "topic", t->label);
        cJSON_AddItemToObject(e, "keywords", kw);
        cJSON_AddNumberToObject(e, "mentions", (double)miss[i].mentions);
        cJSON_AddItemToArray(a, e);
    }
    nmiss = kept;
    /* beyond every taxonomy: the target's distinctive terms that mine never uses. Their
     * level comes from the market (docs/collaborate.md): a term three or more datasets
     * know is intermediate, one fewer know is advanced; with fewer than 3 datasets there
     * is nothing to judge by and they stay in missing_other. */
    const struct tm_pterm **top = tm_xcalloc(CANDIDATES, sizeof *top);
    size_t nt = eps > 0 ? 0 : strong_only(top, distinctive_in(in, target, top, CANDIDATES)), no = 0;
    struct ranked *other = tm_xcalloc(nt + 1, sizeof *other);
    for (size_t i = 0; i < nt; i++) {
        /* a taxonomy term is named by its missing topic above; one of a topic mine covers
         * is a gap inside known ground (dcap inside attestation) and is listed here */
        uint64_t tm = 0;
        if (top[i]->flags & TM_T_TAXONOMY)
            tm = tm_taxonomy_mask(in->tax, top[i]->term, strlen(top[i]->term));
        int named_above = tm != 0;
        for (uint64_t x = tm; x && named_above; x &= x - 1)
            named_above = is_missing[__builtin_ctzll(x)];
        if (named_above)
            continue;
        const struct tm_pterm *m = find_term(&xm, top[i]->term);
        if (m && m->mentions >= 2)
            continue;
        other[no++] = (struct ranked){top[i]->term, -(double)top[i]->mentions};
    }
    qsort(other, no, sizeof *other, by_key); /* the most distinctive, ranked by mentions */
    const char *next_terms[5];
    size_t nnext = 0;
    for (int pass = 0; pass < 2; pass++) /* intermediate terms first, for the next topics */
        for (size_t i = 0; i < no; i++) {
            int common = in->common && tm_map_find(in->common, other[i].term, strlen(other[i].term)) != UINT32_MAX;
            cJSON *a = !in->common ? mo : common ? mi : ma;
            if (pass != (a == ma) || cJSON_GetArraySize(a) >= limit || left <= 0)
                continue;
            left--; /* one of the target's terms released */
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "topic", other[i].term);
            cJSON *kw = cJSON_AddArrayToObject(e, "keywords");
            cJSON_AddItemToArray(kw, cJSON_CreateString(other[i].term));
            cJSON_AddNumberToObject(e, "mentions", -other[i].key);
            cJSON_AddItemToArray(a, e);
            if (a != mo && nnext < 5)
                next_terms[nnext++] = other[i].term;
        }
    /* next: the taxonomy's links out of what mine covers, then the strongest gaps */
    uint8_t named[TM_TOPICS_MAX] = {0};
    int added = 0;
    for (size_t t = 0; t < in->tax->ntopics && added < 5; t++) {
        if (!covers(mine, depth, (int)t))
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
    for (size_t i = 0; i < nnext && added < 5; i++, added++) /* then what the market's data says */
        cJSON_AddItemToArray(next, cJSON_CreateString(next_terms[i]));
    if (eps > 0) {
        cJSON *dp = cJSON_AddObjectToObject(res, "differential_privacy");
        cJSON_AddNumberToObject(dp, "epsilon", eps);
        cJSON_AddStringToObject(dp, "mechanism", "Laplace on clipped mention counts (each session "
                                                 "contributes at most 10), epsilon split over the "
                                                 "taxonomy's topics; term entries withheld");
    } else {
        cJSON_AddNullToObject(res, "differential_privacy");
    }
    tindex_release(&xt);
    tindex_release(&xm);
    free(top);
    free(other);
    return res;
}

/* ---- debugging patterns ---- */

struct qterms {
    char t[64][2 * TM_TERM_MAX + 2];
    size_t n;
    char prev[TM_TERM_MAX + 1];
    int has_prev;
};

static void add_q(struct qterms *q, const char *w, size_t n)
{
    for (size_t i = 0; i < q->n; i++)
        if (strlen(q->t[i]) == n && !memcmp(q->t[i], w, n))
            return;
    if (q->n < 64 && n < sizeof q->t[0]) {
        memcpy(q->t[q->n], w, n);
        q->t[q->n++][n] = 0;
    }
}

/* Collect unigrams and adjacent bigrams of a text. */
static void q_part(void *ctx, const char *w, size_t n, int flags)
{
    struct qterms *q = ctx;
    add_q(q, w, n);
    if ((flags & TM_TOK_ADJ) && q->has_prev) {
        char b[2 * TM_TERM_MAX + 2];
        size_t pl = strlen(q->prev);
        memcpy(b, q->prev, pl);
        b[pl] = '_';
        memcpy(b + pl + 1, w, n);
        add_q(q, b, pl + 1 + n);
    }
    memcpy(q->prev, w, n);
    q->prev[n] = 0;
    q->has_prev = 1;
}

static void terms_of(const char *text, struct qterms *q)
{
    memset(q, 0, sizeof *q);
    if (text)
        tm_tokenize(text, strlen(text), q_part, q);
}

static int has_term(const struct qterms *q, const char *t)
{
    for (size_t i = 0; i < q->n; i++)
        if (!strcmp(q->t[i], t))
            return 1;
    return 0;
}

enum { F_PROBLEM, F_PROMPT, F_SOLUTION, F_STEPS, NFIELDS };

struct match {
    const struct tm_episode *e;
    size_t ds;
    double score;
    double covered; /* share of the query's words it contains */
    struct qterms terms; /* the problem's allowed terms */
    uint32_t fh[NFIELDS][64]; /* each field's allowed terms, hashed */
    uint8_t nf[NFIELDS];
    int group;
};

static uint32_t term_hash(const char *t)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *t; t++)
        h = (h ^ (uint8_t)*t) * 16777619u;
    return h;
}

static size_t hash_all(const struct qterms *q, uint32_t *out)
{
    size_t n = q->n < 64 ? q->n : 64;
    for (size_t i = 0; i < n; i++)
        out[i] = term_hash(q->t[i]);
    return n;
}

static int has_hash(const uint32_t *h, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (h[i] == x)
            return 1;
    return 0;
}

static double jaccard_terms(const struct qterms *a, const struct qterms *b)
{
    size_t inter = 0;
    for (size_t i = 0; i < a->n; i++)
        inter += has_term(b, a->t[i]);
    size_t uni = a->n + b->n - inter;
    return uni ? (double)inter / (double)uni : 0;
}

/* Words of free text that may be published: the dataset's publishable vocabulary
 * (single words seen in >= k sessions, identity words excluded), function words and the
 * taxonomy's terms; digits only as small publishable tokens ("3", "12"). Everything
 * else becomes "...". Not the background model: it holds common names. */
struct vocab {
    const struct tm_compute_in *in;
    const struct tm_profile *p;
};

/* Words of the mediator's own: how it describes a tool call in a step ("Ran", "Read the
 * relevant file", "Edited the code", "Searched the code", "Looked up documentation",
 * "Found the cause:") and the labels of error lines. They come from no dataset, so they reveal nothing. */
static int mediator_word(const char *w, size_t n)
{
    static const char *const words[] = {"ran", "read", "edited", "searched", "looked", "up", "documentation",
                                        "used", "relevant", "file", "code", "error", "failed", "fatal", "warning",
                                        "exception", "fix", "fixed", "found", "cause"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == n && !memcmp(words[i], w, n))
            return 1;
    return 0;
}

static int word_ok1(const struct vocab *v, const char *w, size_t n)
{
    return tm_is_stopword(w, n) || mediator_word(w, n) || (v->in->tax && tm_taxonomy_mask(v->in->tax, w, n)) ||
           tm_profile_vocab(v->p, w, n);
}

/* A publishable word, or the past tense the mediator made of one when it rewrote a step
 * ("reproduce" -> "reproduced", "try" -> "tried", "stop" -> "stopped"): the inflection
 * adds nothing to what the base word reveals. */
static int word_ok(const struct vocab *v, const char *w, size_t n)
{
    if (word_ok1(v, w, n))
        return 1;
    const char *base = tm_past_irregular_base(w, n); /* took -> take */
    if (base)
        return word_ok1(v, base, strlen(base));
    if (n < 5 || w[n - 2] != 'e' || w[n - 1] != 'd')
        return 0;
    char b[64];
    if (n - 1 > sizeof b)
        return 0;
    if (word_ok1(v, w, n - 1) || word_ok1(v, w, n - 2)) /* reproduce-d, check-ed */
        return 1;
    if (n >= 6 && w[n - 3] == 'i') { /* tr-ied -> try */
        memcpy(b, w, n - 3);
        b[n - 3] = 'y';
        if (word_ok1(v, b, n - 2))
            return 1;
    }
    return n >= 6 && w[n - 3] == w[n - 4] && word_ok1(v, w, n - 3); /* stop-ped */
}

/* Is a term (canonical, "a" or "a_b") made only of allowed words? */
static int term_ok(const struct vocab *v, const char *t)
{
    const char *us = strchr(t, '_');
    if (!us)
        return word_ok(v, t, strlen(t));
    return word_ok(v, t, (size_t)(us - t)) && word_ok(v, us + 1, strlen(us + 1));
}

static int allowed_word(const struct vocab *v, const char *run, size_t n)
{
    char canon[128];
    int digits = 1;
    for (size_t i = 0; i < n; i++)
        digits &= run[i] >= '0' && run[i] <= '9';
    if (digits)
        return n <= 2 && tm_profile_vocab(v->p, run, n);
    size_t cl = tm_canon(run, n, canon, sizeof canon);
    if (!cl)
        return 1; /* only function words */
    size_t st = 0;
    for (size_t i = 0; i <= cl; i++) { /* every part must be allowed */
        if (i < cl && canon[i] != '_')
            continue;
        if (!word_ok(v, canon + st, i - st))
            return 0;
        st = i + 1;
    }
    return 1;
}

static char *publishable_text(const struct vocab *v, const char *text)
{
    struct tm_buf b;
    tm_buf_init(&b);
    size_t n = text ? strlen(text) : 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)text[i];
        int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
        if (!word) {
            tm_buf_addc(&b, (char)c);
            i++;
            continue;
        }
        size_t st = i;
        while (i < n) {
            unsigned char d = (unsigned char)text[i];
            if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') || d == '_' || d >= 0x80)
                i++;
            else
                break;
        }
        int ascii = 1;
        for (size_t k = st; k < i; k++)
            ascii &= (unsigned char)text[k] < 0x80;
        if (ascii && allowed_word(v, text + st, i - st))
            tm_buf_add(&b, text + st, i - st);
        else if (!b.len || b.ptr[b.len - 1] != '.')
            tm_buf_adds(&b, "...");
    }
    return tm_buf_detach(&b);
}

/* ---- the released shape of steps and solutions ----
 * Steps read as short verb + object lines in the past tense ("Checked the RTMR3
 * value"), the solution as an imperative ("Register the compose hash before
 * deploying"). Only released (publishable) words are reshaped: dropping asides and
 * changing a verb's tense reveal nothing the words themselves do not. */

/* Does English use w[0..n) as a verb (the lexicon lists it with a use other than noun
 * and adjective)? Words the lexicon does not know are not taken for verbs. */
static int verbish(const struct tm_background *bg, const char *w, size_t n)
{
    int np = tm_background_noun_pct(bg, w, n), ap = tm_background_adj_pct(bg, w, n);
    return n >= 2 && np < 100 && np + ap < 100;
}

/* The base form of a past or -ing form w[0..n) (lowercase) into out, or 0 when w is
 * neither: irregular pasts by the table; "applied" -> "apply"; then the first of
 * "fixed" -> "fix", "changed" -> "change", "pinned" -> "pin" that is a verb. */
static int base_form(const struct tm_background *bg, const char *w, size_t n, char *out, size_t cap)
{
    const char *irr = tm_past_irregular_base(w, n);
    if (irr) {
        snprintf(out, cap, "%s", irr);
        return 1;
    }
    size_t suf = n > 4 && !memcmp(w + n - 2, "ed", 2) ? 2 : n > 5 && !memcmp(w + n - 3, "ing", 3) ? 3 : 0;
    if (!suf || n >= cap)
        return 0;
    size_t st = n - suf;
    if (suf == 2 && w[st - 1] == 'i') {
        snprintf(out, cap, "%.*sy", (int)(st - 1), w);
        return 1;
    }
    char c[3][48];
    snprintf(c[0], sizeof c[0], "%.*s", (int)st, w);
    snprintf(c[1], sizeof c[1], "%.*se", (int)st, w);
    snprintf(c[2], sizeof c[2], "%.*s", (int)(st > 3 && w[st - 1] == w[st - 2] ? st - 1 : st), w);
    for (int i = 0; i < 3; i++)
        if (verbish(bg, c[i], strlen(c[i]))) {
            snprintf(out, cap, "%s", c[i]);
            return 1;
        }
    /* a verb English does not know ("whitelisted", "rebased"): only -ed forms, never a
     * word the lexicon knows as something else ("during", "proceed", "speed"); the stem
     * keeps its silent e after a single vowel and s, z, c, g or v ("rebase", "tokenize") */
    if (suf != 2 || st < 4 || w[st - 1] == 'e' || tm_background_noun_pct(bg, w, n) < 100 ||
        tm_background_adj_pct(bg, w, n) > 0)
        return 0;
    const char *vow = "aeiou";
    int silent_e = strchr("szcgv", w[st - 1]) && strchr(vow, w[st - 2]) && !strchr(vow, w[st - 3]);
    const char *pick = c[silent_e ? 1 : 0];
    size_t l = strlen(pick) < cap ? strlen(pick) : cap - 1;
    memcpy(out, pick, l);
    out[l] = 0;
    return 1;
}

/* Remove asides: parenthesised spans (a "(" never closed stays) and backquotes; squeeze
 * spaces; trim trailing punctuation but a "..." placeholder. In place. */
static void drop_asides(char *s)
{
    char *w = s;
    int depth = 0;
    for (char *r = s; *r; r++) {
        if (*r == '(' && (depth || strchr(r, ')'))) {
            depth++;
        } else if (*r == ')' && depth) {
            depth--;
        } else if (!depth && *r != '`' && !(*r == ' ' && (w == s || w[-1] == ' '))) {
            *w++ = *r;
        }
    }
    while (w > s && (w[-1] == ' ' || w[-1] == ',' || w[-1] == ':' || w[-1] == ';' ||
                     (w[-1] == '.' && !(w - s >= 3 && w[-2] == '.' && w[-3] == '.'))))
        w--;
    *w = 0;
}

/* Words and "..." placeholders of s. */
static void word_counts(const char *s, int *words, int *dots)
{
    *words = *dots = 0;
    for (const char *p = s; *p;) {
        if (!strncmp(p, "...", 3)) {
            (*dots)++;
            p += 3;
        } else if (isalnum((unsigned char)*p)) {
            (*words)++;
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
                p++;
        } else {
            p++;
        }
    }
}

/* The first word of s, lowercased, into w; its length in s. */
static size_t first_word(const char *s, char *w, size_t cap)
{
    size_t n = 0;
    while (isalpha((unsigned char)s[n]) && n + 1 < cap) {
        w[n] = (char)tolower((unsigned char)s[n]);
        n++;
    }
    w[n] = 0;
    return isalpha((unsigned char)s[n]) ? 0 : n;
}

/* A released investigation step (owned), or NULL when nothing informative is left: a
 * tool's imperative description becomes past ("Ran: Query the registry" -> "Queried the
 * registry"), asides go, only the first sentence stays, and a step that is mostly
 * withheld words or says only "Found it" is dropped. */
static char *release_step(const struct vocab *v, const char *step)
{
    char *t = publishable_text(v, step), w[48], past[64];
    drop_asides(t);
    for (char *stop = strstr(t, ". "); stop; stop = strstr(stop + 1, ". "))
        if (stop == t || stop[-1] != '.') { /* a sentence ends, not a "..." */
            *stop = 0;
            break;
        }
    if (!strncmp(t, "Ran: ", 5)) {
        size_t n = first_word(t + 5, w, sizeof w);
        if (n && verbish(v->in->bg, w, n)) {
            tm_past_tense(w, past, sizeof past);
            past[0] = (char)toupper((unsigned char)past[0]);
            struct tm_buf r;
            tm_buf_init(&r);
            tm_buf_adds(&r, past);
            tm_buf_adds(&r, t + 5 + n);
            free(t);
            t = tm_buf_detach(&r);
        }
    }
    int words, dots;
    word_counts(t, &words, &dots);
    char *sp = strchr(t, ' ');
    const char *obj = sp ? sp + 1 : "";
    int pronoun = !strcmp(obj, "it") || !strcmp(obj, "this") || !strcmp(obj, "that") || !strcmp(obj, "them");
    if (words < 2 || dots * 2 >= words + dots || pronoun) {
        free(t);
        return NULL;
    }
    return t;
}

/* The released solution (owned), as an imperative: "I pinned the hash and redeployed"
 * -> "Pin the hash and redeploy"; "The fix was to register X" -> "Register X"; "Fixed by
 * adding X" -> "Add X". */
static char *release_solution(const struct vocab *v, const char *sol)
{
    char *t = publishable_text(v, sol);
    drop_asides(t);
    static const char *const leads[] = {"the fix was to ", "the fix is to ", "the fix was ", "the fix is ",
                                        "fixed it by ", "fixed this by ", "fixed by ", "solved it by ",
                                        "solved by ", "resolved it by ", "resolved by ", "i've ", "i have ",
                                        "we've ", "we have ", "i ", "we ", "then i ", "so i "};
    const char *p = t;
    for (size_t i = 0; i < sizeof leads / sizeof *leads; i++)
        if (!strncasecmp(p, leads[i], strlen(leads[i]))) {
            p += strlen(leads[i]);
            i = (size_t)-1; /* "Fixed it by ..." after "I " */
        }
    struct tm_buf b;
    tm_buf_init(&b);
    int first = 1;
    while (*p) {
        char w[48], base[64];
        size_t n = first_word(p, w, sizeof w);
        /* the first verb, and each verb right after "and" or a comma */
        int at_verb = first || (b.len >= 5 && !strcmp(b.ptr + b.len - 5, " and ")) ||
                      (b.len >= 2 && !strcmp(b.ptr + b.len - 2, ", "));
        if (n && at_verb && base_form(v->in->bg, w, n, base, sizeof base)) {
            if (first)
                base[0] = (char)toupper((unsigned char)base[0]);
            tm_buf_adds(&b, base);
            p += n;
        } else if (n) { /* as written ("TDX" stays TDX), the sentence's first letter raised */
            size_t at = b.len;
            tm_buf_add(&b, p, n);
            if (first)
                b.ptr[at] = (char)toupper((unsigned char)b.ptr[at]);
            p += n;
        } else {
            tm_buf_addc(&b, *p++);
        }
        first = 0;
    }
    free(t);
    return tm_buf_detach(&b);
}

/* Keep only the terms made of the dataset's allowed words. */
static void keep_allowed(const struct vocab *v, struct qterms *q)
{
    size_t keep = 0;
    for (size_t i = 0; i < q->n; i++)
        if (term_ok(v, q->t[i]))
            memmove(q->t[keep++], q->t[i], sizeof q->t[0]);
    q->n = keep;
}

/* A field's allowed terms, hashed into out (at most 64); steps also drop the mediator's
 * own words ("Read the relevant file"), which every episode has. */
static size_t field_hashes(const struct vocab *v, const char *text, int steps, uint32_t *out)
{
    if (!text)
        return 0;
    struct qterms q;
    terms_of(text, &q);
    keep_allowed(v, &q);
    if (steps) {
        size_t keep = 0;
        for (size_t i = 0; i < q.n; i++)
            if (!mediator_word(q.t[i], strlen(q.t[i])))
                memmove(q.t[keep++], q.t[i], sizeof q.t[i]);
        q.n = keep;
    }
    return hash_all(&q, out);
}

/* One group of matching episodes (one pattern), and what may be said of it. */
struct group {
    const struct match *rep;
    size_t ds;
    uint32_t nu, np, count;
    int eligible;          /* seen in >= k sessions */
    double score, covered; /* its best-matching occurrence's */
};

static const struct group *sort_base;
static int by_group_score(const void *a, const void *b)
{
    const struct group *x = &sort_base[*(const int *)a], *y = &sort_base[*(const int *)b];
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->covered != y->covered)
        return x->covered < y->covered ? 1 : -1;
    return *(const int *)a - *(const int *)b;
}

static void sort_groups(const struct group *gs, int *order, size_t n)
{
    sort_base = gs; /* qsort has no context argument in C11 */
    qsort(order, n, sizeof *order, by_group_score);
    sort_base = NULL;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* How many distinct values v[0..n) holds (sorts v). */
static uint32_t distinct_u32(uint32_t *v, size_t n)
{
    qsort(v, n, sizeof *v, by_u32);
    uint32_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += !i || v[i] != v[i - 1];
    return d;
}

/* Jaccard of two sorted sets of word ids (one merge). */
static double jaccard_ids(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
    if (na > 64)
        na = 64;
    if (nb > 64)
        nb = 64;
    while (i < na && j < nb) {
        if (a[i] < b[j]) {
            i++;
        } else if (a[i] > b[j]) {
            j++;
        } else {
            inter++;
            i++;
            j++;
        }
    }
    return na + nb - inter ? (double)inter / (double)(na + nb - inter) : 0;
}

static int uf_find(int *parent, int i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* The patterns of all the datasets' clusters (see debug): union-find over the pairs of
 * one dataset whose problems' allowed words have Jaccard >= 0.8 and whose fixes agree.
 * Candidate pairs come from prefix filtering: with each set's words ordered rarest first,
 * two sets with Jaccard >= t share a word among the first |A| - ceil(t |A|) + 1 of each.
 * Sets m[i].group to 0..n-1 in order of first member; returns the number of patterns. */
static int group_patterns(const struct tm_compute_in *in, struct match *m, size_t nm)
{
    int *parent = tm_xcalloc(nm + 1, sizeof *parent);
    for (size_t i = 0; i < nm; i++)
        parent[i] = (int)i;
    struct qterms **fix = tm_xcalloc(nm + 1, sizeof *fix); /* made when first compared */
    int *fixrep = tm_xcalloc(nm + 1, sizeof *fixrep); /* by root: a member with a solution, or -1 */
    for (size_t i = 0; i < nm; i++)
        fixrep[i] = m[i].e->solution ? (int)i : -1;
    struct tm_map words; /* word -> index; df and the prefix posting lists by index */
    tm_map_init(&words);
    uint32_t *df = NULL, (*pre)[64] = tm_xcalloc(nm + 1, sizeof *pre);
    size_t *npre = tm_xcalloc(nm + 1, sizeof *npre), cap = 0;
    for (size_t i = 0; i < nm; i++)
        for (size_t t = 0; t < m[i].terms.n; t++) {
            int added;
            uint32_t w = tm_map_intern(&words, m[i].terms.t[t], strlen(m[i].terms.t[t]), &added);
            if (w >= cap) {
                size_t nc = cap ? cap * 2 : 256;
                df = tm_xrealloc(df, nc * sizeof *df);
                memset(df + cap, 0, (nc - cap) * sizeof *df);
                cap = nc;
            }
            df[w]++;
        }
    uint32_t (*ids)[64] = tm_xcalloc(nm + 1, sizeof *ids); /* each set as sorted word ids */
    for (size_t i = 0; i < nm; i++) {
        size_t n = m[i].terms.n < 64 ? m[i].terms.n : 64;
        for (size_t t = 0; t < n; t++) {
            uint32_t w = tm_map_find(&words, m[i].terms.t[t], strlen(m[i].terms.t[t])), at = (uint32_t)t;
            while (at > 0 && ids[i][at - 1] > w) {
                ids[i][at] = ids[i][at - 1];
                at--;
            }
            ids[i][at] = w;
        }
    }
    for (size_t i = 0; i < nm; i++) { /* each set's prefix: its rarest words */
        size_t n = m[i].terms.n, keep = n ? n - (size_t)ceil(0.8 * (double)n) + 1 : 0;
        for (size_t t = 0; t < n; t++) {
            uint32_t w = tm_map_find(&words, m[i].terms.t[t], strlen(m[i].terms.t[t]));
            size_t at = npre[i];
            while (at > 0 && (df[pre[i][at - 1]] > df[w] || (df[pre[i][at - 1]] == df[w] && pre[i][at - 1] > w))) {
                if (at < 64)
                    pre[i][at] = pre[i][at - 1];
                at--;
            }
            if (at < keep) {
                pre[i][at] = w;
                if (npre[i] < keep)
                    npre[i]++;
            }
        }
    }
    /* the posting list of each word: the sets that hold it in their prefix */
    size_t nw = words.count, *off = tm_xcalloc(nw + 2, sizeof *off), *post, *tested;
    for (size_t i = 0; i < nm; i++)
        for (size_t a = 0; a < npre[i]; a++)
            off[pre[i][a] + 1]++;
    for (size_t w = 0; w < nw; w++)
        off[w + 1] += off[w];
    post = tm_xcalloc(off[nw] + 1, sizeof *post);
    tested = tm_xcalloc(nm + 1, sizeof *tested); /* i + 1 when the pair (i, j) was tried */
    {
        size_t *fill = tm_xcalloc(nw + 1, sizeof *fill);
        for (size_t i = 0; i < nm; i++)
            for (size_t a = 0; a < npre[i]; a++)
                post[off[pre[i][a]] + fill[pre[i][a]]++] = i;
        free(fill);
    }
    for (size_t i = 0; i < nm; i++)
        for (size_t a = 0; a < npre[i]; a++)
            for (size_t pi = off[pre[i][a]]; pi < off[pre[i][a] + 1]; pi++) {
                size_t j = post[pi];
                if (j <= i || tested[j] == i + 1 || m[i].ds != m[j].ds)
                    continue;
                tested[j] = i + 1;
                if (uf_find(parent, (int)i) == uf_find(parent, (int)j) ||
                    jaccard_ids(ids[i], m[i].terms.n, ids[j], m[j].terms.n) < 0.8)
                    continue;
                /* the fixes of the two patterns (each one's first solved cluster) must
                 * agree: joining through an unsolved cluster cannot merge two causes */
                int ri = uf_find(parent, (int)i), rj = uf_find(parent, (int)j);
                if (fixrep[ri] >= 0 && fixrep[rj] >= 0) {
                    size_t ij[2] = {(size_t)fixrep[ri], (size_t)fixrep[rj]};
                    for (int x = 0; x < 2; x++)
                        if (!fix[ij[x]]) {
                            struct vocab v = {in, in->prof[m[ij[x]].ds]};
                            fix[ij[x]] = tm_xcalloc(1, sizeof **fix);
                            terms_of(m[ij[x]].e->solution, fix[ij[x]]);
                            keep_allowed(&v, fix[ij[x]]); /* released words only decide the grouping */
                        }
                    if (jaccard_terms(fix[ij[0]], fix[ij[1]]) < 0.5)
                        continue;
                }
                parent[rj] = ri;
                if (fixrep[ri] < 0)
                    fixrep[ri] = fixrep[rj];
            }
    free(tested);
    free(post);
    free(off);
    free(ids);
    int ng = 0, *id = tm_xcalloc(nm + 1, sizeof *id);
    for (size_t i = 0; i < nm; i++)
        id[i] = -1;
    for (size_t i = 0; i < nm; i++) {
        int r = uf_find(parent, (int)i);
        if (id[r] < 0)
            id[r] = ng++;
        m[i].group = id[r];
    }
    free(id);
    free(npre);
    free(pre);
    free(df);
    tm_map_release(&words);
    for (size_t i = 0; i < nm; i++)
        free(fix[i]);
    free(fix);
    free(fixrep);
    free(parent);
    return ng;
}

/* Debugging patterns. Privacy: the query and every episode are reduced to the
 * dataset's allowed words before anything is matched, so a word seen in fewer than k
 * sessions (or absent) changes nothing; a pattern is released only when seen in >= k
 * sessions; its text is built from allowed words; "similar issues" are other released
 * patterns; the totals add up only what is released (noised under DP). Nothing counts
 * what was withheld. */
/* Can two clusters be one pattern as far as their fixes go: one unresolved (it does not
 * contradict), or both fixed with mostly the same words? */
static cJSON *debug(const struct tm_compute_in *in, struct tm_diag *d)
{
    (void)d;
    const cJSON *qj = cJSON_GetObjectItemCaseSensitive(in->params, "query");
    int limit = limit_of(in->params, 5);
    struct qterms qall, *q = tm_xcalloc(in->n ? in->n : 1, sizeof *q);
    terms_of(cJSON_IsString(qj) ? qj->valuestring : "", &qall);
    size_t qwords[TM_COMPUTE_MAX_DS] = {0};
    for (size_t k = 0; k < in->n; k++) { /* the query as each dataset may see it */
        struct vocab v = {in, in->prof[k]};
        q[k] = qall;
        keep_allowed(&v, &q[k]);
        for (size_t i = 0; i < q[k].n; i++)
            qwords[k] += !strchr(q[k].t[i], '_');
    }
    /* BM25F (k1 = 1.2, b = 0.75) over four fields of each episode, allowed words only:
     * the problem (weight 1), the user's report of it (0.8), the solution (0.5) and the
     * investigation steps (0.3, without the mediator's own words). A query word found in
     * the problem, the report or the solution counts towards the match's coverage; one
     * found only in the steps adds to the score alone. */
    static const double fw[NFIELDS] = {1.0, 0.8, 0.5, 0.3};
    size_t total = 0;
    for (size_t k = 0; k < in->n; k++)
        total += in->prof[k]->nepisodes;
    struct match *m = tm_xcalloc(total + 1, sizeof *m);
    size_t nm = 0;
    double avg[TM_COMPUTE_MAX_DS][NFIELDS] = {{0}};
    size_t per[TM_COMPUTE_MAX_DS] = {0};
    uint32_t qh[TM_COMPUTE_MAX_DS][64];
    for (size_t k = 0; k < in->n; k++) {
        struct vocab v = {in, in->prof[k]};
        for (size_t t = 0; t < q[k].n; t++)
            qh[k][t] = term_hash(q[k].t[t]);
        for (size_t i = 0; i < in->prof[k]->nepisodes; i++) {
            struct match *x = &m[nm];
            x->e = &in->prof[k]->episodes[i];
            x->ds = k;
            x->group = -1;
            terms_of(x->e->problem, &x->terms);
            keep_allowed(&v, &x->terms);
            x->nf[F_PROBLEM] = (uint8_t)hash_all(&x->terms, x->fh[F_PROBLEM]);
            x->nf[F_PROMPT] = (uint8_t)field_hashes(&v, x->e->prompt, 0, x->fh[F_PROMPT]);
            x->nf[F_SOLUTION] = (uint8_t)field_hashes(&v, x->e->solution, 0, x->fh[F_SOLUTION]);
            struct tm_buf sb;
            tm_buf_init(&sb);
            for (size_t j = 0; j < x->e->nsteps; j++) {
                tm_buf_adds(&sb, x->e->steps[j]);
                tm_buf_adds(&sb, ". ");
            }
            x->nf[F_STEPS] = (uint8_t)field_hashes(&v, sb.ptr, 1, x->fh[F_STEPS]);
            tm_buf_release(&sb);
            for (int f = 0; f < NFIELDS; f++)
                avg[k][f] += x->nf[f];
            per[k]++;
            nm++;
        }
        for (int f = 0; f < NFIELDS; f++)
            avg[k][f] = per[k] && avg[k][f] > 0 ? avg[k][f] / (double)per[k] : 1;
    }
    for (size_t k = 0; k < in->n; k++) { /* each dataset scored on its own */
        double idf[64];
        for (size_t t = 0; t < q[k].n; t++) {
            size_t df = 0;
            for (size_t j = 0; j < nm; j++) {
                int in_any = 0;
                for (int f = 0; f < NFIELDS && !in_any; f++)
                    in_any = has_hash(m[j].fh[f], m[j].nf[f], qh[k][t]);
                df += m[j].ds == k && in_any;
            }
            idf[t] = log(((double)per[k] - (double)df + 0.5) / ((double)df + 0.5) + 1.0);
        }
        for (size_t i = 0; i < nm; i++) {
            if (m[i].ds != k)
                continue;
            double sc = 0;
            size_t hit_words = 0;
            for (size_t t = 0; t < q[k].n; t++) {
                double tf = 0;
                int covers = 0;
                for (int f = 0; f < NFIELDS; f++)
                    if (has_hash(m[i].fh[f], m[i].nf[f], qh[k][t])) {
                        tf += fw[f] / (0.25 + 0.75 * (double)m[i].nf[f] / avg[k][f]);
                        covers |= f != F_STEPS;
                    }
                if (tf <= 0)
                    continue;
                sc += idf[t] * tf * 2.2 / (tf + 1.2);
                hit_words += covers && !strchr(q[k].t[t], '_');
            }
            m[i].score = sc;
            m[i].covered = qwords[k] ? (double)hit_words / (double)qwords[k] : 0;
        }
    }
    free(q);
    /* Patterns were clustered at onboarding (one cluster per normalised error message).
     * Here the clusters of each dataset whose problems read the same (Jaccard >= 0.8 of
     * their allowed words) and whose fixes agree become one pattern - over all of the
     * dataset's clusters, before the query is looked at, so how often a pattern was seen
     * does not depend on the query's wording; two problems that share a prefix ("index
     * failed: not sorted", "index failed: truncated file") stay apart. */
    int ngroups = group_patterns(in, m, nm);
    struct group *gs = tm_xcalloc((size_t)ngroups + 1, sizeof *gs);
    size_t *first = tm_xcalloc((size_t)ngroups + 2, sizeof *first), *by = tm_xcalloc(nm + 1, sizeof *by);
    for (size_t i = 0; i < nm; i++) /* the members of each pattern, together */
        first[m[i].group + 1]++;
    for (int g = 0; g < ngroups; g++)
        first[g + 1] += first[g];
    for (size_t i = 0, *fill = tm_xcalloc((size_t)ngroups + 1, sizeof *fill); i <= nm; i++) {
        if (i == nm) {
            free(fill);
            break;
        }
        by[first[m[i].group] + fill[m[i].group]++] = i;
    }
    for (int g = 0; g < ngroups; g++) {
        uint32_t count = 0;
        const struct match *rep = NULL;
        size_t ds = 0, nunits = 0, nprojects = 0;
        double score = 0, covered = 0;
        for (size_t bi = first[g]; bi < first[g + 1]; bi++) {
            size_t i = by[bi];
            ds = m[i].ds;
            count += m[i].e->count;
            nunits += m[i].e->nunits;
            nprojects += m[i].e->nprojects;
            if (m[i].score > score || (m[i].score == score && m[i].covered > covered)) {
                score = m[i].score;
                covered = m[i].covered;
            }
            /* the representative: a resolved occurrence, the one whose fix is said most
             * briefly (a stated fix rather than a narrative of the investigation) */
            int good_i = m[i].e->resolved && m[i].e->solution, good_r = rep && rep->e->resolved && rep->e->solution;
            if (!rep || (good_i && !good_r) ||
                (good_i && good_r && strlen(m[i].e->solution) < strlen(rep->e->solution)))
                rep = &m[i];
        }
        /* distinct sessions and projects, for the patterns the query touches */
        uint32_t nu = 0, np = 0;
        if (score > 0) {
            uint32_t *u = tm_xcalloc(nunits + 1, sizeof *u), *pr = tm_xcalloc(nprojects + 1, sizeof *pr);
            size_t a = 0, b = 0;
            for (size_t bi = first[g]; bi < first[g + 1]; bi++) {
                const struct tm_episode *e = m[by[bi]].e;
                for (uint32_t k = 0; k < e->nunits; k++)
                    u[a++] = e->units[k];
                for (uint32_t k = 0; k < e->nprojects; k++)
                    pr[b++] = e->projects[k];
            }
            nu = distinct_u32(u, a);
            np = distinct_u32(pr, b);
            free(u);
            free(pr);
        }
        int k = in->prof[ds]->k >= 2 ? in->prof[ds]->k : 2;
        gs[g] = (struct group){rep, ds, nu, np, count, nu >= (uint32_t)k, score, covered};
    }
    free(first);
    free(by);
    /* the patterns best first */
    int *order = tm_xcalloc((size_t)ngroups + 1, sizeof *order);
    for (int g = 0; g < ngroups; g++)
        order[g] = g;
    sort_groups(gs, order, (size_t)ngroups);
    cJSON *res = cJSON_CreateObject(), *pats = cJSON_AddArrayToObject(res, "matching_patterns");
    double total_sessions = 0, total_projects = 0;
    double best_cover = 0;
    uint32_t best_sessions = 0;
    for (int gi = 0; gi < ngroups && cJSON_GetArraySize(pats) < limit; gi++) {
        int g = order[gi];
        if (gs[g].score <= 0 || gs[g].covered < 0.5) /* a good match holds half the query's words */
            continue;
        if (!gs[g].eligible) /* seen in fewer than k sessions: it would reveal a session */
            continue;
        const struct match *rep = gs[g].rep;
        size_t ds = gs[g].ds;
        uint32_t nu = gs[g].nu, np = gs[g].np, count = gs[g].count;
        struct vocab v = {in, in->prof[ds]};
        cJSON *p = cJSON_CreateObject();
        char *t = publishable_text(&v, rep->e->problem);
        cJSON_AddStringToObject(p, "problem", t);
        free(t);
        cJSON *steps = cJSON_AddArrayToObject(p, "investigation_steps");
        for (size_t s2 = 0; s2 < rep->e->nsteps; s2++) {
            t = release_step(&v, rep->e->steps[s2]);
            int dup = !t;
            const cJSON *x;
            cJSON_ArrayForEach(x, steps) dup |= t && !strcmp(x->valuestring, t);
            if (!dup)
                cJSON_AddItemToArray(steps, cJSON_CreateString(t));
            free(t);
        }
        t = rep->e->solution ? release_solution(&v, rep->e->solution) : NULL;
        if (t)
            cJSON_AddStringToObject(p, "solution", t);
        else
            cJSON_AddNullToObject(p, "solution");
        free(t);
        char freq[64];
        double eps = in->dp_epsilon[ds];
        if (eps > 0) { /* sessions change by one per session: Laplace(3/eps) over the three counts */
            double ns = release(nu, 1, eps / 3), nc = release(count < nu * TM_DP_CLIP ? count : nu * TM_DP_CLIP, TM_DP_CLIP, eps / 3);
            double npr = release(np, 1, eps / 3);
            snprintf(freq, sizeof freq, "Seen about %.0f times in %s", nc, in->n == 1 ? "dataset" : "the datasets");
            cJSON_AddStringToObject(p, "frequency", freq);
            cJSON_AddNumberToObject(p, "sessions", ns);
            cJSON_AddNumberToObject(p, "projects", npr);
            total_sessions += ns;
            total_projects += npr;
        } else {
            snprintf(freq, sizeof freq, "Seen %u time%s in %s", count, count == 1 ? "" : "s",
                     in->n == 1 ? "dataset" : "the datasets");
            cJSON_AddStringToObject(p, "frequency", freq);
            cJSON_AddNumberToObject(p, "sessions", nu);
            cJSON_AddNumberToObject(p, "projects", np);
            total_sessions += nu;
            total_projects += np;
        }
        /* similar issues: the problems of other patterns of the dataset that share words
         * with the query and are released on their own merits (seen in >= k sessions) */
        cJSON *sim = cJSON_AddArrayToObject(p, "similar_issues");
        for (int oi = 0; oi < ngroups && cJSON_GetArraySize(sim) < 3; oi++) {
            int o = order[oi];
            if (o == g || !gs[o].eligible || gs[o].ds != ds || gs[o].score <= 0)
                continue;
            t = publishable_text(&v, gs[o].rep->e->problem);
            int dup = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, sim) dup |= !strcmp(x->valuestring, t);
            if (!dup && strcmp(t, cJSON_GetObjectItemCaseSensitive(p, "problem")->valuestring))
                cJSON_AddItemToArray(sim, cJSON_CreateString(t));
            free(t);
        }
        cJSON_AddItemToArray(pats, p);
        if (gs[g].covered > best_cover || (gs[g].covered == best_cover && nu > best_sessions)) {
            best_cover = gs[g].covered;
            best_sessions = nu;
        }
    }
    const char *conf = !cJSON_GetArraySize(pats) ? "low"
                       : best_cover >= 0.75 && best_sessions >= 3 ? "high" : "medium";
    cJSON_AddStringToObject(res, "confidence", conf);
    char src[120];
    snprintf(src, sizeof src, "%.0f debugging session%s across %.0f project%s", total_sessions,
             total_sessions == 1 ? "" : "s", total_projects, total_projects == 1 ? "" : "s");
    cJSON_AddStringToObject(res, "sources", src);
    double eps_max = 0;
    for (size_t i = 0; i < in->n; i++)
        eps_max = in->dp_epsilon[i] > eps_max ? in->dp_epsilon[i] : eps_max;
    if (eps_max > 0) {
        cJSON *dp = cJSON_AddObjectToObject(res, "differential_privacy");
        cJSON_AddNumberToObject(dp, "epsilon", eps_max);
        cJSON_AddStringToObject(dp, "mechanism", "Laplace on the session and project counts of each pattern");
    } else {
        cJSON_AddNullToObject(res, "differential_privacy");
    }
    free(order);
    free(gs);
    free(m);
    return res;
}

static const struct tm_computation table[] = {
    {"overlap", 2, 2, 1, 0, 0, 0,
     "the two datasets' shared and unique distinctive topics (terms seen in >= k sessions, "
     "at most 'limit' each) and their Jaccard similarity, to the requester and both owners",
     overlap},
    {"gap", 2, 2, 0, 0, 1, 1,
     "which taxonomy topics and distinctive terms of the target are missing from 'mine', with "
     "the target's mention counts and keywords, to the requester",
     gap},
    {"debug", 1, TM_COMPUTE_MAX_DS, 0, 1, 1, 0,
     "anonymized debugging patterns (problem, investigation steps, solution) matching the query, "
     "seen in >= k sessions, with their frequency, to the requester",
     debug},
};

const struct tm_computation *tm_computation(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i].name, name))
            return &table[i];
    return NULL;
}
