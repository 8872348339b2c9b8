/* svc_int.h - what svc.c (the table, dispatch, authentication) shares with ops.c (the
 * operations). Library-internal. */
#ifndef TM_SVC_INT_H
#define TM_SVC_INT_H

#include <cjson/cJSON.h>
#include "core/account.h"
#include "core/mediator.h"
#include "core/workflow.h"
#include "tm/svc.h"

/* One call in progress. */
struct call {
    struct tm_svc *svc;
    struct tm_med *m;          /* NULL for offline ops */
    const struct tm_ctx *ctx;
    const struct tm_account *who; /* the caller; NULL when anonymous */
    int local_operator;        /* a local caller acting as the operator without a token */
    int64_t now;
    char job[TM_REQ_ID_MAX];   /* a job the op queued: run after it returns */
};

/* An op's implementation: *out receives JSON text (owned). */
typedef enum tm_rc (*op_fn)(struct call *c, const cJSON *in, char **out, struct tm_diag *d);

struct op_impl {
    const char *name;
    op_fn fn;
};

extern const struct op_impl tm_op_impls[];
extern const size_t tm_nop_impls;

/* The "expect" object of an input as the verifier's expectations (strings borrowed). */
struct tm_expect;
void op_expect(const cJSON *in, struct tm_expect *x);

/* verify and quote.show (ops_verify.c). */
enum tm_rc op_verify(struct call *c, const cJSON *in, char **out, struct tm_diag *d);
enum tm_rc op_quote(struct call *c, const cJSON *in, char **out, struct tm_diag *d);
enum tm_rc op_audit_check(struct call *c, const cJSON *in, char **out, struct tm_diag *d);

/* Shared helpers for ops. */
char *op_print(cJSON *o); /* canonical text; frees o */
const char *op_str(const cJSON *in, const char *key); /* a string field or NULL */
int op_int(const cJSON *in, const char *key, int dflt);
int op_bool(const cJSON *in, const char *key);

#endif
