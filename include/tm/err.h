/* err.h - result codes and diagnostics shared by every libteemed function.
 *
 * Every fallible function returns enum tm_rc (TM_OK == 0) and, when given a non-NULL
 * struct tm_diag, leaves one lowercase line there saying what failed and on what.
 * The library never prints and never exits. What a code means to each front end - the
 * CLI's exit status, the HTTP status, the stable name in {"error": {"code": ...}} - is
 * one table (tm_rc_info), so the CLI, the HTTP server and MCP always agree. */
#ifndef TM_ERR_H
#define TM_ERR_H

#include <stddef.h>

#define TM_NODISCARD __attribute__((warn_unused_result))
#define TM_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum tm_rc {
    TM_OK = 0,
    TM_EINVAL,    /* usage: bad argument, option or request field */
    TM_EIO,       /* cannot read or write a file */
    TM_EPARSE,    /* malformed or unusable input (bad JSON line, no records) */
    TM_ETOOBIG,   /* input over a documented cap */
    TM_EDB,       /* database failure */
    TM_ECRYPTO,   /* OpenSSL failure */
    TM_ENOTFOUND, /* no such dataset or request - or not yours to see */
    TM_EEXIST,    /* already exists */
    TM_EVERIFY,   /* a signature, hash or attestation check failed */
    TM_EPOLICY,   /* refused by a policy: privacy budget, k-threshold, owner's rules */
    TM_ESTATE,    /* data dir not initialised or damaged, wrong backend */
    TM_EAUTH,     /* no token, or a token that names no account */
    TM_EDENIED,   /* authenticated, but this account may not do this */
    TM_ECONFLICT, /* the resource is not in a state that allows this (decided, withdrawn) */
    TM_ELIMIT,    /* rate limit or quota: retry later */
    TM_EBUSY,     /* the store stayed locked past the timeout, or the service is overloaded */
    TM_ECREDITS,  /* the requester's balance does not cover the price */
    TM_RC_COUNT
};

struct tm_diag {
    char msg[512];
};

struct tm_rc_info {
    const char *name;    /* stable, for JSON errors: "not_found", "policy_refused", ... */
    int exit_code;       /* the CLI's exit status (docs/cli.md) */
    int http_status;     /* the HTTP status (docs/api.md) */
    const char *meaning; /* one line for documentation */
};

/* The row of rc in the one table of codes (never NULL: unknown codes map to "internal"). */
const struct tm_rc_info *tm_rc_info(enum tm_rc rc);
/* Return the stable name of rc (tm_rc_info(rc)->name). */
const char *tm_rc_name(enum tm_rc rc);
/* The code whose stable name is name (a remote error's "code"); an unknown name is
 * TM_EDB, an internal failure. */
enum tm_rc tm_rc_from_name(const char *name);

/* Format a message into *d (if d is not NULL) and return rc, so callers can write
 * `return tm_fail(d, TM_EIO, "cannot read '%s': %s", path, strerror(errno));`. */
enum tm_rc tm_fail(struct tm_diag *d, enum tm_rc rc, const char *fmt, ...) TM_PRINTF(3, 4);

#endif
