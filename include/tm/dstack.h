/* dstack.h - the dstack guest agent client: HTTP/1.1 over its unix socket.
 *
 * Socket: $DSTACK_SIMULATOR_ENDPOINT when it is a path, else the first of
 * /var/run/dstack.sock, /run/dstack.sock, /var/run/dstack/dstack.sock,
 * /run/dstack/dstack.sock that exists. The legacy tappd socket (/prpc/Tappd.*) is not
 * spoken: it is the 0.3/0.4 API and every 0.5 agent serves the current one.
 * Requests are `POST /<Method>` with a JSON body; responses are read to a 4 MiB cap,
 * with Content-Length, chunked, or close-delimited bodies; a non-2xx status becomes an
 * error carrying the agent's {"error": ...} text. */
#ifndef TM_DSTACK_H
#define TM_DSTACK_H

#include <stddef.h>
#include <stdint.h>
#include "tm/err.h"

#define TM_DSTACK_RESP_MAX (4u << 20)

/* The socket path to use, or NULL when none exists (d says where it looked). */
const char *tm_dstack_socket(char *buf, size_t cap, struct tm_diag *d);

/* POST /method with body (JSON text); *resp (free()) receives the response body. */
enum tm_rc tm_dstack_call(const char *sock, const char *method, const char *body, char **resp,
                          struct tm_diag *d) TM_NODISCARD;

/* Parse a raw HTTP response buf[0..n) (buf must have room for n + 1 bytes; it is
 * modified in place): status, headers, body framing. *resp (free()) receives the body of
 * a 2xx response; other statuses fail with the agent's error text. */
enum tm_rc tm_dstack_parse_response(char *buf, size_t n, const char *method, char **resp,
                                    struct tm_diag *d) TM_NODISCARD;

/* GetKey(path): the 32-byte app key for path (the same bytes on every replica of the app). */
enum tm_rc tm_dstack_key(const char *sock, const char *path, uint8_t key[32], struct tm_diag *d) TM_NODISCARD;

/* GetQuote(report_data): the quote (*quote, free()) and the event log JSON text
 * (*event_log, free(); may be NULL when the agent sent none). */
enum tm_rc tm_dstack_quote(const char *sock, const uint8_t report_data[64], uint8_t **quote, size_t *qlen,
                           char **event_log, struct tm_diag *d) TM_NODISCARD;

#endif
