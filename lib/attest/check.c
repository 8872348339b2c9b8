/* check.c - the verification check list (see check.h). */
#include "attest/check.h"

#include <stdarg.h>
#include <stdio.h>

void tm_verify_add(struct tm_verify *v, const char *name, int ok, const char *fmt, ...)
{
    if (!ok)
        v->ok = 0; /* even when the list is full: a failure is never dropped */
    if (v->nchecks == TM_CHECKS_MAX)
        return;
    struct tm_check *c = &v->checks[v->nchecks++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->ok = ok;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
}
