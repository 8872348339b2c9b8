/* taxonomy.h - topic taxonomies (data/taxonomy/ *.json, embedded in the binary).
 *
 * A taxonomy lists topics: id, label, level (basic/intermediate/advanced), canonical
 * terms and next topics. All embedded taxonomies are loaded into one table of at most
 * TM_TOPICS_MAX topics; each term maps to the bit mask of the topics that list it. */
#ifndef TM_TAXONOMY_H
#define TM_TAXONOMY_H

#include <stdint.h>
#include "base/base.h"

#define TM_TOPICS_MAX 64

enum tm_level { TM_LEVEL_BASIC, TM_LEVEL_INTERMEDIATE, TM_LEVEL_ADVANCED };

struct tm_topic {
    char *id, *label;
    enum tm_level level;
    int tax;        /* index of its taxonomy */
    char **terms;
    size_t nterms;
    char **next;    /* topic ids */
    size_t nnext;
};

struct tm_taxonomy {
    size_t ntax;
    char *tax_id[8], *tax_label[8];
    struct tm_topic topics[TM_TOPICS_MAX];
    size_t ntopics;
    struct tm_map terms;  /* canonical term -> index into masks */
    uint64_t *masks;
};

/* Load every embedded taxonomy. Owned: release with tm_taxonomy_release. */
enum tm_rc tm_taxonomy_load(struct tm_taxonomy *t, struct tm_diag *d) TM_NODISCARD;
/* Parse one taxonomy JSON text and add it (used by the loader and by tests). */
enum tm_rc tm_taxonomy_add(struct tm_taxonomy *t, const char *json, size_t len,
                           struct tm_diag *d) TM_NODISCARD;
void tm_taxonomy_release(struct tm_taxonomy *t);
uint64_t tm_taxonomy_mask(const struct tm_taxonomy *t, const char *term, size_t len);
int tm_taxonomy_find(const struct tm_taxonomy *t, const char *id);
const char *tm_level_name(enum tm_level l);

#endif
