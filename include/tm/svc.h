/* svc.h - libteemed's front door. The CLI, the HTTP server and the MCP endpoint call
 * nothing else of the library.
 *
 * Every operation is one entry of the op table (data/api/ops.json, compiled into the
 * binary): a stable name ("cards.list", "requests.create"), a summary, its HTTP route,
 * who may call it, whether it writes, and JSON Schemas of its input and output. A call
 * is
 *     tm_svc_call(svc, &ctx, "requests.create", "{\"computation\": ...}", &out, &diag)
 * with JSON text in and JSON text out. The input is checked against the op's schema
 * before the op runs; the caller is the account its bearer token names (ctx.token).
 * Errors are enum tm_rc codes whose exit status, HTTP status and stable name are one
 * table (tm/err.h), with a one-line message in diag that never quotes private data.
 *
 * Thread safety: one struct tm_svc may serve many threads at once; each call takes a
 * database connection of its own from the service's pool. */
#ifndef TM_SVC_H
#define TM_SVC_H

#include <stdint.h>
#include "tm/err.h"

#define TM_VERSION "0.2.0"

struct tm_svc;

/* Create and initialise data_dir with a TEE backend ("sim", "dstack" or "tdx") and the
 * operator account. *json_out (owned, free()): {"data_dir", "tee", "simulated",
 * "operator", "operator_token"} - the operator's token is shown this once. */
enum tm_rc tm_svc_init(const char *data_dir, const char *tee, char **json_out,
                       struct tm_diag *d) TM_NODISCARD;

/* Open the service over an initialised data dir. Nothing heavy is loaded until an
 * operation needs it (reading a card derives no key). Owned: tm_svc_close. */
enum tm_rc tm_svc_open(const char *data_dir, struct tm_svc **svc, struct tm_diag *d) TM_NODISCARD;
void tm_svc_close(struct tm_svc *svc);

/* Let anyone create a member account (accounts.create without a token), as a public
 * service does; off by default. */
void tm_svc_open_registration(struct tm_svc *svc, int on);
/* Keep up to n datasets' profiles unsealed in memory (least recently used out), so
 * computations do not unseal them again; a long-running service turns this on. */
void tm_svc_cache_profiles(struct tm_svc *svc, unsigned n);
/* Keep the answers of cacheable ops (tm_op_info.cacheable: a card) in memory, up to
 * slots of them, so tm_svc_call_cached can give them without touching the store. An
 * answer stays only while the store's generation is the one it was read at (every
 * process on the data dir bumps it after a change) and for at most 2 s (writers outside
 * teemed: sqlite3 by hand). */
void tm_svc_cache_answers(struct tm_svc *svc, unsigned slots);
/* The cached answer of op for json_in (the exact text a tm_svc_call of it was given):
 * TM_OK and *json_out (owned), or TM_ENOTFOUND when it must be called. Never blocks on
 * the store: a front end may call it on its I/O thread. Errors are never cached. */
enum tm_rc tm_svc_call_cached(struct tm_svc *svc, const char *op, const char *json_in, char **json_out);
/* How long this service's claim on a computation holds before another worker may take
 * it up (a worker killed mid-computation; default 300 s). */
void tm_svc_set_job_lease(struct tm_svc *svc, unsigned seconds);

enum {
    TM_CTX_LOCAL = 1, /* the caller holds the data dir (the local CLI): local-only ops
                       * are allowed, and operator ops need no token */
};

/* Who calls, and what the call may report back while it runs. */
struct tm_ctx {
    const char *token; /* bearer token, or NULL */
    unsigned flags;    /* TM_CTX_* */
    int64_t now_ms;    /* the time of the call; 0: the clock */
    void *cb;          /* for the callbacks */
    void (*warn)(void *cb, const char *msg);                   /* may be NULL */
    void (*progress)(void *cb, uint64_t done, uint64_t total); /* may be NULL */
};

/* Run op with json_in (NULL means {}). On success *json_out receives the output (owned,
 * free()). On failure it returns the code and the message in d; *json_out may still
 * hold a report worth showing (verify: every check that ran), else NULL. Ops marked
 * offline (verify, quote.show) need no service: svc may be NULL. */
enum tm_rc tm_svc_call(struct tm_svc *svc, const struct tm_ctx *ctx, const char *op, const char *json_in,
                       char **json_out, struct tm_diag *d) TM_NODISCARD;

/* Run the computations that are waiting: queued, or claimed by a worker that died
 * (what `teemed serve` workers do between requests). Returns how many ran. The first
 * call also settles the sealed files a crash left (a full clean-up pass). */
unsigned tm_svc_run_jobs(struct tm_svc *svc, unsigned max);

/* ---- uploads: the service side of "datasets.upload" ----
 * The body is the encrypted stream (docs/api.md "Uploads"); it is decrypted and
 * ingested as it arrives, nothing is written in plaintext, and memory stays bounded. */
struct tm_svc_upload;
/* json_in: {"id", "title"?, "k"?}; the caller becomes the owner. At most
 * tm_svc_set_upload_limit() uploads per account at once (TM_ELIMIT beyond). */
enum tm_rc tm_svc_upload_begin(struct tm_svc *svc, const struct tm_ctx *ctx, const char *json_in,
                               struct tm_svc_upload **up, struct tm_diag *d) TM_NODISCARD;
/* The next bytes of the body, split anywhere. An error is final: abort. */
enum tm_rc tm_svc_upload_feed(struct tm_svc_upload *up, const void *p, size_t n, struct tm_diag *d) TM_NODISCARD;
/* The body ended: publish; *json_out: the signed card. Frees up. */
enum tm_rc tm_svc_upload_finish(struct tm_svc_upload *up, char **json_out, struct tm_diag *d) TM_NODISCARD;
/* The connection was cut or the stream refused: nothing of it remains. Frees up. */
void tm_svc_upload_abort(struct tm_svc_upload *up);
void tm_svc_set_upload_limit(struct tm_svc *svc, unsigned per_account);

/* ---- a mediator over the network ----
 * A service opened on a URL sends every tm_svc_call as the op's HTTP request (its route
 * in the op table) and reads the answer back, so a front end works the same locally
 * and remotely. Offline ops still run here; local-only ops are refused. */
enum tm_rc tm_svc_open_remote(const char *url, struct tm_svc **svc, struct tm_diag *d) TM_NODISCARD;
int tm_svc_is_remote(const struct tm_svc *svc);

/* Onboard local files into the mediator. json_in: {"id", "paths": [...], "title"?,
 * "k"?, "allow_simulated"?, "collateral"?, "at"?, "expect"?}. Locally this is
 * "datasets.onboard". Remotely it first fetches the mediator's attestation with a fresh
 * nonce and verifies it (simulated backends refused unless allow_simulated; the
 * expected measurements as verify has them), then streams the files encrypted to the
 * attested upload key. ctx->progress reports bytes read of the total. *json_out: the
 * signed card. */
enum tm_rc tm_svc_push(struct tm_svc *svc, const struct tm_ctx *ctx, const char *json_in, char **json_out,
                       struct tm_diag *d) TM_NODISCARD;

/* ---- the op table ---- */

struct tm_op_info {
    const char *name;          /* "cards.list" */
    const char *summary;
    const char *method, *path; /* HTTP route ("GET", "/v1/cards/{id}"); NULL when none */
    const char *auth;          /* "anyone", "account" or "operator" */
    const char *access;        /* who may, in words ("the dataset's owner") */
    int writes;                /* changes state */
    int local_only;            /* only with TM_CTX_LOCAL (reads the mediator's files) */
    int offline;               /* needs no data dir */
    int stream;                /* the body is a stream (tm_svc_upload_*), not JSON */
    int cacheable;             /* its output depends only on its input and the store, never
                                * on the caller: tm_svc_call_cached may answer it */
    const char *input_schema;  /* JSON Schema text ($refs into tm_svc_api()'s "$defs") */
    const char *output_schema;
    const char *example;       /* an example input, JSON text */
};

/* The table, in ops.json order (borrowed, static). */
size_t tm_svc_ops(const struct tm_op_info **ops);
/* The op called name, or NULL. */
const struct tm_op_info *tm_svc_op(const char *name);
/* The whole op table as JSON text (borrowed, static): for OpenAPI and MCP generation. */
const char *tm_svc_api(void);
/* Is text[0..n) acceptable JSON text before anyone parses it: valid UTF-8, no NUL
 * characters in strings (\u0000: C strings would cut them), nested at most max_depth
 * deep? TM_EINVAL with the reason otherwise. tm_svc_call applies it to every input. */
enum tm_rc tm_svc_check_json(const char *text, size_t n, unsigned max_depth, struct tm_diag *d) TM_NODISCARD;
/* Check json (an op's output, as text) against op's output schema: tests and tools. */
enum tm_rc tm_svc_check_output(const char *op, const char *json, struct tm_diag *d) TM_NODISCARD;

#endif
