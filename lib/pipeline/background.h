/* background.h - the background model of generic English and programming vocabulary.
 *
 * data/background.tsv (embedded) holds canonical terms and bigrams with their counts in
 * generic technical text: Debian's man pages plus the terms that occur in many sessions
 * of several projects of ordinary coding transcripts (see docs/analysis.md for how it is
 * built with `teemed x-background`). A term frequent in the background is vocabulary,
 * never expertise. The model also carries a part-of-speech prior (tm_background_noun_pct). */
#ifndef TM_BACKGROUND_H
#define TM_BACKGROUND_H

#include <stdint.h>
#include "base/base.h"

struct tm_background {
    struct tm_map terms;
    uint64_t *counts;
    uint64_t total;
    struct tm_map lex; /* data/lexicon.tsv: word form -> ... */
    uint8_t (*pos)[2]; /* ... percent of its use as a noun, as an adjective */
    size_t poscap;
};

enum tm_rc tm_background_load(struct tm_background *bg, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_background_parse(struct tm_background *bg, const char *tsv, size_t len,
                               struct tm_diag *d) TM_NODISCARD;
/* The lexicon's lines: FORM<TAB>NOUN%<TAB>ADJ% (percents 0..100). */
enum tm_rc tm_lexicon_parse(struct tm_background *bg, const char *tsv, size_t len, struct tm_diag *d) TM_NODISCARD;
void tm_background_release(struct tm_background *bg);
uint64_t tm_background_count(const struct tm_background *bg, const char *term, size_t len);

/* The part-of-speech prior (data/lexicon.tsv, from WordNet by scripts/make-lexicon.py):
 * the percent of a word's use in English that is as a noun, 0..100; 100 for nouns and for
 * words English does not know (samtools, costmap). A word used mostly as a verb,
 * adjective or adverb (explain, reasonable, together) names no topic by itself. */
int tm_background_noun_pct(const struct tm_background *bg, const char *word, size_t len);
/* ... and as an adjective: 0 for words the lexicon does not list. */
int tm_background_adj_pct(const struct tm_background *bg, const char *word, size_t len);

#endif
