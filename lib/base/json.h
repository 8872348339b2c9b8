/* json.h - the hot-path JSON reader: a strict, validating scanner that parses one JSON
 * value in place into a flat token array, with no allocation per node.
 *
 * Tokens point into the caller's buffer (borrowed: valid while it lives). Strings are
 * not decoded until their text is needed (tm_json_str). Containers record where their
 * descendants end, so members and elements are walked without recursion:
 *   object: [OBJ][key][value...][key][value...]      array: [ARR][elem...][elem...]
 * Grammar: RFC 8259, with strings required to hold valid escapes (lone UTF-16
 * surrogates are rejected) and no raw control characters; UTF-8 validity is checked by
 * the caller (tm_utf8_valid). Depth is capped at TM_JSON_DEPTH. cJSON stays in use for
 * cold paths (cards, taxonomies, verification), where convenience beats speed. */
#ifndef TM_JSON_H
#define TM_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "base/base.h"

#define TM_JSON_DEPTH 256

enum tm_jtype { TM_J_NULL, TM_J_FALSE, TM_J_TRUE, TM_J_NUMBER, TM_J_STRING, TM_J_ARRAY, TM_J_OBJECT };

struct tm_jtok {
    uint32_t start; /* strings: first byte after the quote; others: first byte */
    uint32_t len;   /* strings: raw bytes between the quotes; others: bytes of the value */
    uint32_t end;   /* index of the first token after this value and its descendants */
    uint8_t type;
    uint8_t esc;    /* a string with escapes: decode before use */
};

struct tm_jdoc {
    const char *src;
    struct tm_jtok *t;
    uint32_t n, cap;
};

void tm_json_init(struct tm_jdoc *d);
void tm_json_release(struct tm_jdoc *d);
/* Parse one value at the start of s[0..n) (leading whitespace allowed). On success
 * return the bytes consumed (the value, not trailing whitespace) and fill d (token 0 is
 * the value); return 0 when the input is not valid JSON. n must be < 4 GiB. */
size_t tm_json_parse(struct tm_jdoc *d, const char *s, size_t n);

/* Member value of object token o whose key is key (bytes compared raw; keys with
 * escapes never match), or UINT32_MAX. */
uint32_t tm_json_getn(const struct tm_jdoc *d, uint32_t o, const char *key, size_t keylen);
static inline uint32_t tm_json_get(const struct tm_jdoc *d, uint32_t o, const char *key)
{
    return tm_json_getn(d, o, key, strlen(key)); /* folded for a literal key */
}
/* The text of string token i: a pointer into the source when it has no escapes, else
 * decoded into scratch (reset first). *len receives its length. */
const char *tm_json_str(const struct tm_jdoc *d, uint32_t i, struct tm_buf *scratch, size_t *len);
/* Does string token i equal lit exactly (raw bytes)? */
int tm_json_isn(const struct tm_jdoc *d, uint32_t i, const char *lit, size_t litlen);
static inline int tm_json_is(const struct tm_jdoc *d, uint32_t i, const char *lit)
{
    return tm_json_isn(d, i, lit, strlen(lit));
}

#endif
