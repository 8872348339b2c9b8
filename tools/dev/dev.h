/* dev.h - teemed-dev: developer and benchmark commands that reach inside the library
 * (they print withheld terms, time internals, clone rows). Never part of the service:
 * the product binary, teemed, goes through the front door only. */
#ifndef TM_DEV_H
#define TM_DEV_H

#include <cjson/cJSON.h>
#include "core/mediator.h"
#include "tm/err.h"

enum { EX_OK = 0, EX_VERIFY = 1, EX_USAGE = 2 };

void dev_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dev_fail(enum tm_rc rc, const struct tm_diag *d);
/* Open the data dir ($TEEMED_DATA, or --data given to teemed-dev). */
int dev_open(struct tm_shared **sh, struct tm_med **m);
void dev_close(struct tm_shared *sh, struct tm_med *m);
double dev_now_ms(void);

int x_background(int argc, char **argv);
int x_terms(int argc, char **argv);
int x_parse(int argc, char **argv);
int x_bench_compute(int argc, char **argv);
int x_bench_quote(int argc, char **argv);
int x_floor(int argc, char **argv);
int x_clone(int argc, char **argv);

#endif
