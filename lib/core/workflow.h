/* workflow.h - requests for computations, owners' decisions, results and the audit
 * trail. The CLI and the HTTP service call these; all answers are JSON text (owned,
 * free()).
 *
 * A request names a computation and its datasets. Every dataset whose owner is not the
 * requester needs that owner's approval, unless the dataset's policy auto-approves it.
 * When the last approval arrives the computation runs on the sealed profiles and its
 * result is sealed into a signed envelope; with a "review" policy the owner must
 * release it once more. Who may read a result: the requester, and for computations
 * that say so the datasets' owners; anyone else is told the request does not exist. */
#ifndef TM_WORKFLOW_H
#define TM_WORKFLOW_H

#include <stdint.h>
#include "tm/err.h"
#include "core/mediator.h"

struct tm_request_opts {
    const char *requester;
    const char *kind;              /* a computation name (compute.h) */
    const char *const *datasets;   /* in the computation's order */
    size_t ndatasets;
    const char *query;             /* debug: the problem text; NULL otherwise */
    int limit;                     /* 0: the computation's default */
    int64_t now_ms;
};

enum tm_rc tm_request(struct tm_med *m, const struct tm_request_opts *o, char **out,
                      struct tm_diag *d) TM_NODISCARD;
/* Pending decisions on owner's datasets: who asks, what, parameters, what is released. */
enum tm_rc tm_inbox(struct tm_med *m, const char *owner, char **out, struct tm_diag *d) TM_NODISCARD;
/* approve != 0: approve (or release a result under review); else reject with reason. */
enum tm_rc tm_decide(struct tm_med *m, const char *request_id, const char *owner, int approve,
                     const char *reason, int64_t now_ms, char **out, struct tm_diag *d) TM_NODISCARD;
/* The signed result envelope, or the request's status; TM_ENOTFOUND for anyone who may
 * not read it, exactly as for an unknown id. */
enum tm_rc tm_result(struct tm_med *m, const char *request_id, const char *who, char **out,
                     struct tm_diag *d) TM_NODISCARD;
/* The dataset's audit trail, oldest first, with the hash chain checked: *chain_ok is 0
 * and the reply names the first bad entry when an entry was changed or removed. */
enum tm_rc tm_audit(struct tm_med *m, const char *dataset, const char *owner, char **out,
                    int *chain_ok, struct tm_diag *d) TM_NODISCARD;
/* Set a dataset's policy (owner only): JSON {"auto_approve": [{"kind": K?, "requester":
 * R?}], "review": bool, "dp": {"budget": B, "per_query": E}}. With dp, computations that
 * release counts add Laplace noise to them and spend E of the budget B; a request that
 * would overspend is refused. NULL policy_json prints the current one. */
enum tm_rc tm_policy(struct tm_med *m, const char *dataset, const char *owner,
                     const char *policy_json, int64_t now_ms, char **out, struct tm_diag *d) TM_NODISCARD;

/* The dataset's privacy budget, public: {"differential_privacy", "epsilon_left", ...}. */
enum tm_rc tm_budget(struct tm_med *m, const char *dataset, char **out, struct tm_diag *d) TM_NODISCARD;

#endif
