/* server.h - `teemed serve`: the mediator as an HTTP service (libmicrohttpd). A front end
 * like cli/: every route is an op of the library's table (tm/svc.h), nothing else of the
 * library is used.
 *
 * Threads: libmicrohttpd's polling threads (--threads) only parse requests and send
 * answers; every operation runs on a worker (--workers): the connection is suspended
 * while its op runs and resumed with the answer. Upload bodies go to a worker a piece at
 * a time (decrypt and ingest), long polls wait in a list that one thread checks. */
#ifndef TM_SERVER_H
#define TM_SERVER_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include "tm/svc.h"

struct srv_config {
    const char *listen;        /* "127.0.0.1:8080" */
    int allow_public;          /* listen on a non-loopback address without TLS */
    unsigned threads, workers;
    unsigned max_connections, max_per_ip;
    unsigned idle_timeout_s;
    size_t max_header;         /* bytes of request headers (the connection's memory) */
    size_t max_body;           /* bytes of a JSON body */
    uint64_t max_upload;       /* bytes of an upload body */
    unsigned json_depth;
    double rate, burst;        /* requests per second per token (or address), and burst */
    unsigned max_waiters;      /* concurrent long polls */
    unsigned uploads_per_account;
    unsigned profile_cache;    /* profiles kept unsealed */
    unsigned job_lease_s;      /* a computation's claim */
    int open_registration;
    const char *origins;       /* comma-separated Origins allowed for MCP; NULL: localhost only */
};

struct srv;

/* Start serving data_dir; returns after a clean shutdown (SIGINT/SIGTERM) or on
 * failure (a message on stderr, an exit code). */
int srv_run(const char *data_dir, const struct srv_config *cfg);
/* The same in pieces (tests, fuzzing): start (NULL and *ex on failure), the port it
 * listens on, stop (finishes the requests under way, then frees s). */
struct srv *srv_start(const char *data_dir, const struct srv_config *cfg, int *ex);
unsigned srv_port(const struct srv *s);
void srv_stop(struct srv *s);

/* ---- shared between the server's files ---- */

struct answer {
    int status;
    char *body;        /* owned */
    size_t len;
    const char *type;  /* Content-Type */
    int retry_after;   /* seconds, 0: none */
    int no_body;       /* 202: nothing to send */
};

/* {"error": {"code", "message"}} with the status of rc (and the report, if any). */
void srv_error(struct answer *a, enum tm_rc rc, const char *msg, const char *report);
void srv_json(struct answer *a, int status, char *body);

/* The OpenAPI 3.1 document of the op table (owned). */
char *srv_openapi(void);
/* The MCP tool list, generated from the op table: {"tools": [...]} (owned). */
cJSON *srv_mcp_tools(void);
/* One MCP JSON-RPC message (the body of POST /v1/mcp) from a caller with token:
 * fills *a (202 for a notification). Runs on a worker. */
void srv_mcp(struct tm_svc *svc, const char *token, const char *body, size_t len, struct answer *a);

#endif
