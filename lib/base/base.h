/* base.h - allocation, growable byte buffers and an interning hash map.
 *
 * Allocation failure aborts (tm_xmalloc): every input is capped, so running out of
 * memory is an emergency, not an attack surface. Buffers take a hard cap. */
#ifndef TM_BASE_H
#define TM_BASE_H

#include <stddef.h>
#include <stdint.h>
#include "tm/err.h"

void *tm_xmalloc(size_t n);
void *tm_xcalloc(size_t n, size_t size);
void *tm_xrealloc(void *p, size_t n);
char *tm_xstrdup(const char *s);
char *tm_xstrndup(const char *s, size_t n);

/* A growable byte buffer; ptr is always NUL-terminated after the first append.
 * Owned: release with tm_buf_release. */
struct tm_buf {
    char *ptr;
    size_t len;
    size_t cap;
};
void tm_buf_init(struct tm_buf *b);
void tm_buf_release(struct tm_buf *b);
void tm_buf_reset(struct tm_buf *b);
void tm_buf_reserve(struct tm_buf *b, size_t extra);
void tm_buf_add(struct tm_buf *b, const void *p, size_t n);
void tm_buf_addc(struct tm_buf *b, char c);
void tm_buf_adds(struct tm_buf *b, const char *s);
void tm_buf_addf(struct tm_buf *b, const char *fmt, ...) TM_PRINTF(2, 3);
/* Hand the bytes to the caller (free()) and leave b empty. */
char *tm_buf_detach(struct tm_buf *b);

/* An interning map from byte strings to dense indexes 0..count-1. Keys are copied into
 * the map's own storage; callers keep per-key values in parallel arrays indexed by the
 * returned index. */
struct tm_map {
    uint32_t *slots;    /* 0 = empty, else index + 1 */
    uint32_t nslots;    /* power of two */
    uint32_t count;
    uint32_t cap;
    uint64_t *keyoff;   /* key offset (40 bits) | length (24 bits) per index */
    uint32_t *hashes;
    struct tm_buf keys;
};
void tm_map_init(struct tm_map *m);
void tm_map_release(struct tm_map *m);
uint32_t tm_hash(const void *p, size_t n);
/* Return the index of key, or UINT32_MAX when absent. */
uint32_t tm_map_find(const struct tm_map *m, const void *key, size_t len);
/* Return the index of key, adding it when absent (*added set to 1 then). Keys longer
 * than 16 MiB are not accepted (the caller caps terms far below that). */
uint32_t tm_map_intern(struct tm_map *m, const void *key, size_t len, int *added);
const char *tm_map_key(const struct tm_map *m, uint32_t idx, size_t *len);
/* Keep only indexes for which keep[i] != 0, renumbered in order; newidx[i] receives the
 * new index or UINT32_MAX (newidx may be NULL). */
void tm_map_filter(struct tm_map *m, const uint8_t *keep, uint32_t *newidx);

/* A set of 64-bit values that is cleared in O(1) (a generation counter), for
 * per-file bookkeeping on the hot path. */
struct tm_slot64 {
    uint64_t key;
    uint32_t tag; /* set: the generation that wrote the slot; map: value + 1 (0 = empty) */
    uint32_t pad;
};
/* Keys and tags share a slot, so a probe costs one cache line, not two. */
struct tm_set64 {
    struct tm_slot64 *slot;
    uint32_t cap, count, gen;
};
void tm_set64_init(struct tm_set64 *s);
void tm_set64_release(struct tm_set64 *s);
void tm_set64_clear(struct tm_set64 *s);
/* Add key; return 1 if it was not there. */
int tm_set64_add(struct tm_set64 *s, uint64_t key);

/* A map from 64-bit keys to 32-bit values (no removal), for hot-path lookups. */
struct tm_map64 {
    struct tm_slot64 *slot;
    uint32_t cap, count;
};
void tm_map64_init(struct tm_map64 *m);
void tm_map64_release(struct tm_map64 *m);
/* The value of key, or UINT32_MAX. */
uint32_t tm_map64_get(const struct tm_map64 *m, uint64_t key);
/* Set key to val (val < UINT32_MAX). */
void tm_map64_put(struct tm_map64 *m, uint64_t key, uint32_t val);

/* Hex and time helpers. */
void tm_hex(const uint8_t *p, size_t n, char *out /* 2n+1 */);
/* The value of one hex digit, or -1. */
int tm_hexval(int c);
int tm_unhex(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen);
/* Parse an ISO-8601 timestamp ("2026-01-30T12:00:00.123Z", offsets allowed) to Unix ms
 * UTC. Return 0 on success. */
int tm_parse_time(const char *s, size_t n, int64_t *ms);
/* Days since 1970-01-01 for a Unix ms value (floor). */
int64_t tm_day_of(int64_t ms);
/* Format Unix ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (25 bytes with NUL). */
void tm_format_time(int64_t ms, char out[32]);
/* Format n with thousands separators ("41,435"). */
void tm_format_count(uint64_t n, char out[32]);

#endif
