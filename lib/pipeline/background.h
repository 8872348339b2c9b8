/* background.h - the background model of generic English and programming vocabulary.
 *
 * data/background.tsv (embedded) holds canonical terms and bigrams with their counts in
 * generic technical text: Debian's man pages plus the terms that occur in many sessions
 * of several projects of ordinary coding transcripts (see docs/analysis.md for how it is
 * built with `teemed x-background`). A term frequent in the background is vocabulary,
 * never expertise. */
#ifndef TM_BACKGROUND_H
#define TM_BACKGROUND_H

#include <stdint.h>
#include "base/base.h"

struct tm_background {
    struct tm_map terms;
    uint64_t *counts;
    uint64_t total;
};

enum tm_rc tm_background_load(struct tm_background *bg, struct tm_diag *d) TM_NODISCARD;
enum tm_rc tm_background_parse(struct tm_background *bg, const char *tsv, size_t len,
                               struct tm_diag *d) TM_NODISCARD;
void tm_background_release(struct tm_background *bg);
uint64_t tm_background_count(const struct tm_background *bg, const char *term, size_t len);

#endif
