/* canon.h - teemed's canonical JSON text: cJSON printed compactly, members in insertion
 * order. Signed documents are hashed and verified in this form. */
#ifndef TM_CANON_H
#define TM_CANON_H

#include <cjson/cJSON.h>
#include <stdint.h>

/* Canonical text of a document (owned, free()). Aborts only when allocation fails. */
char *tm_canonical(const cJSON *doc);

/* A whole number from 0 to max in v: 1 and *out, else 0 (not a number, negative, a
 * fraction, NaN or past max). Every cast of a JSON number to an integer goes through
 * this or an equal bounds check: casting an out-of-range double is undefined. */
int tm_json_whole(const cJSON *v, double max, uint64_t *out);
/* The same for a signed whole number from min to max. */
int tm_json_int(const cJSON *v, double min, double max, int64_t *out);
/* A whole number from 0 to max in v, else dflt. */
uint64_t tm_json_whole_or(const cJSON *v, double max, uint64_t dflt);

#endif
