/* check.h - a list of named verification checks, each passed or failed with a reason,
 * shared by document, quote and DCAP verification. */
#ifndef TM_CHECK_H
#define TM_CHECK_H

#include <stddef.h>
#include "tm/err.h"

#define TM_CHECKS_MAX 32
struct tm_check {
    char name[40];
    int ok;
    char detail[240];
};

struct tm_verify {
    char kind[24];          /* "card", "result" */
    int simulated;
    char backend[16];
    struct tm_check checks[TM_CHECKS_MAX];
    size_t nchecks;
    int ok;                 /* every required check passed */
    int hardware;           /* an attached quote passed full DCAP verification */
    int pinned;             /* and the expectations given pin the code that runs */
    char tcb_status[48];    /* its TCB status, "" when not evaluated */
    char advisories[256];   /* its Intel advisory ids, comma-separated */
};

/* May a TCB status pass verification? UpToDate and the statuses that only ask for
 * configuration or software hardening pass; OutOfDate ones only when named in accept
 * (a comma-separated list, or NULL); Revoked and unknown ones never. */
int tm_tcb_acceptable(const char *status, const char *accept);

/* Record one check in v (name, pass/fail, printf-style reason). A failure marks v as
 * failed even when the list is full (TM_CHECKS_MAX), so no failure is ever lost. */
void tm_verify_add(struct tm_verify *v, const char *name, int ok, const char *fmt, ...) TM_PRINTF(4, 5);

#endif
