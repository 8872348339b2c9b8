/* workflow.h - requests for computations, owners' decisions, jobs, results, policies.
 * Library-internal: front ends reach these through svc ops.
 *
 * A request names a computation and its datasets. Every dataset whose owner is not the
 * requester needs that owner's approval, unless the dataset's policy auto-approves it.
 * A request's state moves only along the transition table (tm_req_may):
 *
 *   pending --approve (last)--> queued --claimed--> running --> done | review | failed
 *   pending --reject--> rejected          review --release (last)--> done
 *   pending|queued|running --cancel--> cancelled   review --withhold--> rejected
 *   running --lease expired--> queued (at most TM_JOB_ATTEMPTS claims, then failed)
 *
 * The computation is a job that runs outside any write transaction: claim it in a short
 * transaction (a lease), read and unseal the profiles and compute with no lock held,
 * then commit the signed result, the privacy-budget spend and the audit entries in a
 * second short transaction that first checks the claim still holds. A process killed
 * mid-computation leaves a running job whose lease expires; whoever runs jobs next
 * (teemed serve, `teemed jobs run`) takes it up again.
 *
 * Who may see what: the requester and the datasets' owners see a request's status; the
 * requester, and for computations that say so the owners, read its result; to anyone
 * else the request does not exist (TM_ENOTFOUND, the same answer as an unknown id). */
#ifndef TM_WORKFLOW_H
#define TM_WORKFLOW_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/account.h"
#include "core/mediator.h"

enum tm_req_state {
    TM_RQ_PENDING,
    TM_RQ_QUEUED,
    TM_RQ_RUNNING,
    TM_RQ_REVIEW,
    TM_RQ_DONE,
    TM_RQ_REJECTED,
    TM_RQ_CANCELLED,
    TM_RQ_FAILED,
    TM_RQ_NSTATES
};

#define TM_JOB_LEASE_MS (5 * 60 * 1000) /* the default; tm_shared_set_job_lease */
#define TM_JOB_ATTEMPTS 3
#define TM_REQ_ID_MAX 40

const char *tm_req_state_name(enum tm_req_state s);
/* The state called name; -1 when there is none. */
int tm_req_state_parse(const char *name);
/* May a request go from `from` to `to`? (the transition table) */
int tm_req_may(enum tm_req_state from, enum tm_req_state to);
/* Terminal states: done, rejected, cancelled, failed. */
int tm_req_final(enum tm_req_state s);

struct tm_request_opts {
    const struct tm_account *requester;
    const char *kind;              /* a computation name (compute.h) */
    const char *const *datasets;   /* in the computation's order */
    size_t ndatasets;
    const char *query;             /* debug: the problem text; NULL otherwise */
    int limit;                     /* 0: the computation's default */
    int64_t now_ms;
};

/* Create a request. *out: its status (owned). When it needs no approval, job receives
 * its id for the caller to run (tm_job_run) once this returns; else job is "". */
enum tm_rc tm_request_create(struct tm_med *m, const struct tm_request_opts *o, cJSON **out,
                             char job[TM_REQ_ID_MAX], struct tm_diag *d) TM_NODISCARD;
/* An owner's decision: approve (or release a result held for review) or reject (or
 * withhold it) with an optional reason. job as for tm_request_create. */
enum tm_rc tm_request_decide(struct tm_med *m, const struct tm_account *who, const char *id,
                             int approve, const char *reason, int64_t now_ms, cJSON **out,
                             char job[TM_REQ_ID_MAX], struct tm_diag *d) TM_NODISCARD;
/* The requester withdraws an open request. */
enum tm_rc tm_request_cancel(struct tm_med *m, const struct tm_account *who, const char *id,
                             int64_t now_ms, cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* The status of a request, for its parties. */
enum tm_rc tm_request_status(struct tm_med *m, const struct tm_account *who, const char *id,
                             cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* The signed result envelope once done (*env, canonical text, owned), else the status
 * (*status, owned); for the result's readers only. */
enum tm_rc tm_request_result(struct tm_med *m, const struct tm_account *who, const char *id,
                             char **env, cJSON **status, struct tm_diag *d) TM_NODISCARD;
/* The requester's own requests, newest first, optionally in one state:
 * {"requests": [status...], "next_cursor"} (owned). */
enum tm_rc tm_requests_list(struct tm_med *m, const struct tm_account *who, int state, int limit,
                            const char *cursor, cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* Decisions waiting for who on their datasets, oldest first:
 * {"inbox": [...], "next_cursor"} (owned). */
enum tm_rc tm_inbox(struct tm_med *m, const struct tm_account *who, int limit, const char *cursor,
                    cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* Cancel every open request on dataset ds (inside the caller's transaction); *ids
 * receives the cancelled ids (owned array). */
enum tm_rc tm_requests_cancel_on(struct tm_med *m, const char *ds, const char *reason, int64_t now_ms,
                                 cJSON **ids, struct tm_diag *d) TM_NODISCARD;

/* ---- jobs ---- */

/* Claim, compute and commit request id. TM_ECONFLICT when it is not runnable (already
 * claimed under a live lease, finished, cancelled). A computation that fails leaves the
 * request failed with the reason, and returns TM_OK: the job ran. */
enum tm_rc tm_job_run(struct tm_med *m, const char *id, int64_t now_ms, struct tm_diag *d) TM_NODISCARD;
/* The same with a claim that lasts lease_ms (instead of the service's lease). */
enum tm_rc tm_job_run_lease(struct tm_med *m, const char *id, int64_t now_ms, int64_t lease_ms,
                            struct tm_diag *d) TM_NODISCARD;
/* Runnable jobs: queued, or running with an expired lease (ids into ids[0..max)). */
enum tm_rc tm_jobs_runnable(struct tm_med *m, int64_t now_ms, char (*ids)[TM_REQ_ID_MAX], size_t max,
                            size_t *n, struct tm_diag *d) TM_NODISCARD;

/* ---- policies ---- */

/* The owner's policy of ds: {"auto_approve": [{"kind"?, "requester"?}], "review", "k"?,
 * "dp"?: {"budget", "per_query"}} (owned). */
enum tm_rc tm_policy_get(struct tm_med *m, const struct tm_account *who, const char *ds, cJSON **out,
                         struct tm_diag *d) TM_NODISCARD;
/* Change only the fields patch names ("dp": null turns differential privacy off); the
 * result is validated as a whole and recorded in the audit trail. *out: the new policy. */
enum tm_rc tm_policy_patch(struct tm_med *m, const struct tm_account *who, const char *ds,
                           const cJSON *patch, int64_t now_ms, cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* The prices of ds's policy, one per computation (0: free) (owned). */
enum tm_rc tm_policy_prices(struct tm_med *m, const char *ds, cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* The k ds's policy asks for (0 when it sets none). */
enum tm_rc tm_policy_k(struct tm_med *m, const char *ds, int *k, struct tm_diag *d) TM_NODISCARD;
/* The dataset's privacy budget, public: {"dataset_id", "differential_privacy",
 * "epsilon_budget", "epsilon_per_query", "epsilon_spent", "epsilon_left"} (owned). */
enum tm_rc tm_budget(struct tm_med *m, const char *ds, const char *caller, cJSON **out,
                     struct tm_diag *d) TM_NODISCARD;

#endif
