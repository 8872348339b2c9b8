/* market.h - ratings, reputation, demand and discovery. Library-internal.
 *
 * Ratings: the requester of a delivered (done) result rates it once, helpful or not,
 * with an optional short comment that passes the scrubber untouched (a comment that
 * names a secret, a person, a host... is refused, not published). A rating counts for
 * every dataset of the request that the rater does not own, and for their owners.
 *
 * Reputation is the Wilson lower bound (95%) of the share of helpful ratings, so one
 * helpful rating (0.21) does not outrank forty-five of fifty (0.79); no ratings is 0.
 *
 * Demand: requests served (delivered to someone other than the owner) in all and in
 * the last 30 days, and ratings in the last 30 days.
 *
 * Discovery ranks the listed datasets of other owners for collaboration with one of
 * the caller's: inside the mediator, over the sealed profiles, by how much they share
 * and how much each adds (tm_affinity), weighted by reputation and demand. It releases
 * no term of another dataset: each candidate comes with its public card's topic, rounded
 * shares and a one-line reason made of figures only. */
#ifndef TM_MARKET_H
#define TM_MARKET_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/account.h"
#include "core/mediator.h"

#define TM_DAY_MS (24LL * 3600 * 1000)
#define TM_DEMAND_WINDOW_MS (30 * TM_DAY_MS)
#define TM_COMMENT_MAX 280

/* The Wilson score interval's lower bound at 95% for helpful of n (0 when n is 0). */
double tm_wilson_lower(uint64_t helpful, uint64_t n);

/* The requester rates delivered request id once. *out: the rating (owned). */
enum tm_rc tm_rate(struct tm_med *m, const struct tm_account *who, const char *id, int helpful, const char *comment,
                   int64_t now_ms, cJSON **out, struct tm_diag *d) TM_NODISCARD;

/* What owners see of a requester: {"requests", "decided", "approved", "approval_rate"
 * (null before any decision), "ratings_given", "helpful_given", "member_since"}. */
enum tm_rc tm_standing(struct tm_med *m, int64_t account, cJSON **out, struct tm_diag *d) TM_NODISCARD;

/* A dataset's market figures: {"reputation", "ratings", "helpful", "queries_served",
 * "queries_30d", "ratings_30d", "owner_reputation", "owner_ratings", "prices"}. */
enum tm_rc tm_market_of(struct tm_med *m, const char *ds, int64_t now_ms, cJSON **out, struct tm_diag *d) TM_NODISCARD;

/* Listed dataset ids in order: "reputation" (then ratings, then newest), "demand"
 * (queries in 30 days, then in all, then newest) or "relevance" (the search's rank;
 * search required), offset and limit as a page; *more when there are more. ids: owned
 * array of strings. */
enum tm_rc tm_market_order(struct tm_med *m, const char *sort, const char *search, int offset, int limit,
                           int64_t now_ms, cJSON **ids, int *more, struct tm_diag *d) TM_NODISCARD;

/* Discovery for who's dataset ds: {"for", "candidates": [{"dataset_id", "owner",
 * "topic", "score", "shared", "adds", "reputation", "ratings", "queries_30d", "reason"}],
 * "considered"} best first, at most limit (owned). */
enum tm_rc tm_discover(struct tm_med *m, const struct tm_account *who, const char *ds, int limit, int64_t now_ms,
                       cJSON **out, struct tm_diag *d) TM_NODISCARD;

#endif
