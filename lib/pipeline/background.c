/* background.c - the background vocabulary model (see background.h). */
#include "pipeline/background.h"
#include "base/embed.h"

#include <stdlib.h>
#include <string.h>

enum tm_rc tm_background_parse(struct tm_background *bg, const char *tsv, size_t len,
                               struct tm_diag *d)
{
    size_t i = 0, line = 0, cap = 0;
    while (i < len) {
        line++;
        const char *nl = memchr(tsv + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - tsv) : len;
        const char *tab = memchr(tsv + i, '\t', end - i);
        if (end > i && tsv[i] != '#') {
            if (!tab || tab == tsv + i)
                return tm_fail(d, TM_EPARSE, "background: line %zu: expected TERM<TAB>COUNT", line);
            uint64_t c = 0;
            for (const char *p = tab + 1; p < tsv + end; p++) {
                if (*p < '0' || *p > '9' || c > UINT64_MAX / 20)
                    return tm_fail(d, TM_EPARSE, "background: line %zu: bad count", line);
                c = c * 10 + (uint64_t)(*p - '0');
            }
            int added;
            uint32_t idx = tm_map_intern(&bg->terms, tsv + i, (size_t)(tab - tsv) - i, &added);
            if (idx >= cap) {
                cap = cap ? cap * 2 : 4096;
                bg->counts = tm_xrealloc(bg->counts, cap * sizeof *bg->counts);
            }
            if (added)
                bg->counts[idx] = 0;
            bg->counts[idx] += c;
            if (!memchr(tsv + i, '_', (size_t)(tab - tsv) - i))
                bg->total += c; /* the total counts unigram tokens */
        }
        i = end + 1;
    }
    return TM_OK;
}

enum tm_rc tm_background_load(struct tm_background *bg, struct tm_diag *d)
{
    memset(bg, 0, sizeof *bg);
    tm_map_init(&bg->terms);
    for (size_t i = 0; i < tm_nembedded; i++)
        if (!strcmp(tm_embedded[i].name, "background.tsv"))
            return tm_background_parse(bg, (const char *)tm_embedded[i].data, tm_embedded[i].len, d);
    return TM_OK;
}

void tm_background_release(struct tm_background *bg)
{
    tm_map_release(&bg->terms);
    free(bg->counts);
    memset(bg, 0, sizeof *bg);
}

uint64_t tm_background_count(const struct tm_background *bg, const char *term, size_t len)
{
    uint32_t i = tm_map_find(&bg->terms, term, len);
    return i == UINT32_MAX ? 0 : bg->counts[i];
}
