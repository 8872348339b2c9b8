/* remote.h - the front door over HTTP: a service opened on a URL sends each call as its
 * op's request (route from the op table) and pushes uploads encrypted to the attested
 * mediator. Library-internal (svc.c). */
#ifndef TM_REMOTE_H
#define TM_REMOTE_H

#include "tm/svc.h"

struct remote;

enum tm_rc remote_open(const char *url, struct remote **r, struct tm_diag *d) TM_NODISCARD;
void remote_close(struct remote *r);
/* Send op with json_in as the caller with token; *json_out: the answer's body. */
enum tm_rc remote_call(struct remote *r, const struct tm_op_info *op, const char *token, const char *json_in,
                       char **json_out, struct tm_diag *d) TM_NODISCARD;
/* tm_svc_push for a remote mediator (svc.h). */
enum tm_rc remote_push(struct remote *r, const struct tm_ctx *ctx, const char *json_in, char **json_out,
                       struct tm_diag *d) TM_NODISCARD;

#endif
