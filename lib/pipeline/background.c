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

static const struct tm_embed *embedded(const char *name)
{
    for (size_t i = 0; i < tm_nembedded; i++)
        if (!strcmp(tm_embedded[i].name, name))
            return &tm_embedded[i];
    return NULL;
}

enum tm_rc tm_background_load(struct tm_background *bg, struct tm_diag *d)
{
    memset(bg, 0, sizeof *bg);
    tm_map_init(&bg->terms);
    tm_map_init(&bg->lex);
    const struct tm_embed *e = embedded("background.tsv"), *l = embedded("lexicon.tsv");
    enum tm_rc rc = e ? tm_background_parse(bg, (const char *)e->data, e->len, d) : TM_OK;
    if (rc == TM_OK && l)
        rc = tm_lexicon_parse(bg, (const char *)l->data, l->len, d);
    if (rc != TM_OK)
        tm_background_release(bg);
    return rc;
}

void tm_background_release(struct tm_background *bg)
{
    tm_map_release(&bg->lex);
    free(bg->pos);
    tm_map_release(&bg->terms);
    free(bg->counts);
    memset(bg, 0, sizeof *bg);
}

/* One percent field at *p (up to end): 0..100, advancing *p past it. */
static int pct_field(const char **p, const char *end)
{
    int v = 0, digits = 0;
    while (*p < end && **p >= '0' && **p <= '9' && digits < 3) {
        v = v * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    return digits && v <= 100 ? v : -1;
}

enum tm_rc tm_lexicon_parse(struct tm_background *bg, const char *tsv, size_t len, struct tm_diag *d)
{
    size_t i = 0, line = 0;
    while (i < len) {
        line++;
        const char *nl = memchr(tsv + i, '\n', len - i), *end = nl ? nl : tsv + len;
        if (end > tsv + i && tsv[i] != '#') {
            const char *tab = memchr(tsv + i, '\t', (size_t)(end - tsv) - i), *p = tab ? tab + 1 : NULL;
            int noun = p ? pct_field(&p, end) : -1, adj = -1;
            if (noun >= 0 && p < end && *p == '\t') {
                p++;
                adj = pct_field(&p, end);
            }
            if (!tab || tab == tsv + i || noun < 0 || adj < 0 || p != end)
                return tm_fail(d, TM_EPARSE, "lexicon: line %zu: expected FORM<TAB>NOUN%%<TAB>ADJ%%", line);
            uint32_t idx = tm_map_intern(&bg->lex, tsv + i, (size_t)(tab - tsv) - i, NULL);
            if (idx >= bg->poscap) {
                bg->poscap = bg->poscap ? bg->poscap * 2 : 4096;
                bg->pos = tm_xrealloc(bg->pos, bg->poscap * sizeof *bg->pos);
            }
            bg->pos[idx][0] = (uint8_t)noun;
            bg->pos[idx][1] = (uint8_t)adj;
        }
        i = (size_t)(end - tsv) + 1;
    }
    return TM_OK;
}

int tm_background_noun_pct(const struct tm_background *bg, const char *word, size_t len)
{
    uint32_t i = bg && bg->pos ? tm_map_find(&bg->lex, word, len) : UINT32_MAX;
    return i == UINT32_MAX ? 100 : bg->pos[i][0];
}

int tm_background_adj_pct(const struct tm_background *bg, const char *word, size_t len)
{
    uint32_t i = bg && bg->pos ? tm_map_find(&bg->lex, word, len) : UINT32_MAX;
    return i == UINT32_MAX ? 0 : bg->pos[i][1];
}

uint64_t tm_background_count(const struct tm_background *bg, const char *term, size_t len)
{
    uint32_t i = tm_map_find(&bg->terms, term, len);
    return i == UINT32_MAX ? 0 : bg->counts[i];
}
