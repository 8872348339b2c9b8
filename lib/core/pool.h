/* pool.h - the pooled background: what most datasets of the market have in common.
 * Library-internal.
 *
 * The static background (data/background.tsv) knows generic English and manuals; it
 * does not know how people talk to a coding agent, nor an agent's own phrasing. The
 * market does: a term that is distinctive in most onboarded datasets, whatever they are
 * about, is ambient vocabulary, not a topic. Each dataset's distinctive publishable
 * terms (its top TM_POOL_TERMS) are recorded when it is published; with 3 or more listed
 * datasets recorded, a term distinctive in more than three quarters of them (and in at
 * least 3) is ambient, and computations and new cards leave it out - a phrase too when
 * either of its words is ambient. With fewer datasets nothing is ambient (the static
 * background alone decides). Withdrawn datasets stop counting at once. */
#ifndef TM_POOL_H
#define TM_POOL_H

#include "base/base.h"
#include "core/mediator.h"
#include "pipeline/profile.h"

#define TM_POOL_TERMS 200

/* Record ds's distinctive terms (inside the caller's write transaction). */
enum tm_rc tm_pool_add(struct tm_med *m, const char *ds, const struct tm_profile *p, struct tm_diag *d) TM_NODISCARD;
/* ds is withdrawn (inside the caller's write transaction): it stops counting. */
enum tm_rc tm_pool_remove(struct tm_med *m, const char *ds, struct tm_diag *d) TM_NODISCARD;
/* The ambient terms now into out (an initialised map; terms are interned). */
enum tm_rc tm_pool_ambient(struct tm_med *m, struct tm_map *out, struct tm_diag *d) TM_NODISCARD;
/* The ambient terms once the dataset of profile p (not yet recorded) is: what its card is
 * built with, so that the card of the third dataset of a market already leaves out what
 * its onboarding makes ambient. */
enum tm_rc tm_pool_ambient_with(struct tm_med *m, const struct tm_profile *p, struct tm_map *out,
                                struct tm_diag *d) TM_NODISCARD;
/* The terms distinctive in at least three listed datasets (the target of a gap and two
 * others: a level never points at one other dataset) into out, and *have = 1, when 3 or
 * more listed datasets are recorded (gap analysis's levels without a taxonomy: what
 * several datasets know is intermediate, what few know is advanced); *have = 0 and out
 * untouched with fewer. */
enum tm_rc tm_pool_common(struct tm_med *m, struct tm_map *out, int *have, struct tm_diag *d) TM_NODISCARD;

#endif
