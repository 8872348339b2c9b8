/* err.h - result codes and diagnostics shared by every libteemed function.
 *
 * Every fallible function returns enum tm_rc (TM_OK == 0) and, when given a non-NULL
 * struct tm_diag, leaves one lowercase line there saying what failed and on what.
 * The library never prints and never exits; front ends map codes to exit statuses
 * (cli/main.c) or HTTP statuses. */
#ifndef TM_ERR_H
#define TM_ERR_H

#include <stddef.h>

#define TM_NODISCARD __attribute__((warn_unused_result))
#define TM_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum tm_rc {
    TM_OK = 0,
    TM_EINVAL,    /* bad argument or option value */
    TM_EIO,       /* cannot read or write a file */
    TM_EPARSE,    /* malformed input */
    TM_ETOOBIG,   /* input over a documented cap */
    TM_EDB,       /* SQLite failure */
    TM_ECRYPTO,   /* OpenSSL failure */
    TM_ENOTFOUND, /* no such dataset, account, ... */
    TM_EEXIST,    /* already exists */
    TM_EVERIFY,   /* a signature, hash or attestation check failed */
    TM_EPOLICY,   /* refused by policy (privacy, permission) */
    TM_ESTATE,    /* data dir not initialised, wrong backend, ... */
};

struct tm_diag {
    char msg[512];
};

/* Return a stable lowercase name for rc ("parse", "io", ...). */
const char *tm_rc_name(enum tm_rc rc);

/* Format a message into *d (if d is not NULL) and return rc, so callers can write
 * `return tm_fail(d, TM_EIO, "cannot read '%s': %s", path, strerror(errno));`. */
enum tm_rc tm_fail(struct tm_diag *d, enum tm_rc rc, const char *fmt, ...) TM_PRINTF(3, 4);

#endif
