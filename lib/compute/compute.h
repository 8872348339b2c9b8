/* compute.h - collaborative computations over sealed profiles.
 *
 * Each computation is one entry of a table (name, how many datasets, what it releases,
 * its function), so a new one (N-way overlap, aggregate statistics) plugs in without
 * touching the request workflow. A computation sees only profiles and returns the
 * result JSON; everything it puts there must already be publishable (k-threshold,
 * identity filters, scrubbed text). */
#ifndef TM_COMPUTE_H
#define TM_COMPUTE_H

#include <cjson/cJSON.h>
#include "pipeline/background.h"
#include "tm/err.h"
#include "pipeline/profile.h"
#include "pipeline/taxonomy.h"

#define TM_COMPUTE_MAX_DS 8

struct tm_compute_in {
    const struct tm_taxonomy *tax;
    const struct tm_background *bg;
    const char *ids[TM_COMPUTE_MAX_DS];
    const struct tm_profile *prof[TM_COMPUTE_MAX_DS];
    size_t n;
    const cJSON *params; /* the request's parameters: {"limit": 20, "query": "..."} */
    double dp_epsilon[TM_COMPUTE_MAX_DS]; /* > 0: release noisy counts of that dataset */
    int max_terms[TM_COMPUTE_MAX_DS];     /* the owner's cap on the terms of that dataset one
                                           * result releases (0: TM_MAX_TERMS_DEFAULT) */
    const struct tm_map *ambient;         /* the market's ambient vocabulary (core/pool.h), never
                                           * a topic; may be NULL */
    const struct tm_map *common;          /* terms distinctive in >= 3 datasets of the market
                                           * (tm_pool_common); NULL: too few datasets to say */
};
/* (Ambient terms: tm_term_ambient, pipeline/profile.h.) */
#define TM_MAX_TERMS_DEFAULT 20

struct tm_computation {
    const char *name;           /* "overlap", "gap", "debug" */
    size_t min_ds, max_ds;
    int all_owners_read;        /* the owners of the datasets read the result too */
    int needs_query;            /* takes the request's query text */
    int releases_counts;        /* spends differential-privacy budget when it is on */
    int uses_market;            /* reads tm_compute_in.common (the market's shared terms) */
    const char *releases;       /* what leaves the mediator, for the owners' inbox */
    cJSON *(*run)(const struct tm_compute_in *in, struct tm_diag *d);
};

/* Laplace noise with scale b (the differential-privacy mechanism for counts). */
double tm_laplace(double b);

/* How two datasets relate, for discovery: over each one's distinctive publishable terms
 * (the ones overlap compares, tm_affinity_top), how many they share and how many each
 * has alone, leaving out ambient terms (distinctive in most datasets of the market:
 * the vocabulary of everyone's conversations with an agent, not a topic).
 * complementarity is the harmonic mean of the overlap coefficient (how much of the
 * smaller set is shared) and how much of other's set is new to mine: 0 for duplicates
 * and for unrelated data, highest when they share a footing and other adds much. */
struct tm_affinity {
    size_t shared, mine_only, other_only;
    double shared_frac; /* shared / |other|: how much of other I have too */
    double adds_frac;   /* other_only / |other|: how much of other is new to me */
    double overlap;     /* shared / min(|mine|, |other|): how much common footing */
    double complementarity;
};
/* The distinctive publishable terms of p seen in >= k sessions (an owner's policy may ask
 * for a higher k than the profile's), best first, at most TM_AFFINITY_TERMS (borrowed). */
#define TM_AFFINITY_TERMS 80
size_t tm_affinity_top(const struct tm_profile *p, int k, const char **out);
/* a and b: sorted term ids; ambient[id] != 0 for ambient terms (may be NULL). */
void tm_affinity(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, const uint8_t *ambient,
                 struct tm_affinity *out);
/* The computation called name, or NULL. */
const struct tm_computation *tm_computation(const char *name);

#endif
