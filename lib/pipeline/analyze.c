/* analyze.c - term counting, ranking and the k-threshold (see profile.h).
 *
 * Hot path: every token costs one interning probe for the unigram and, when it follows
 * another part in the same phrase, one for the bigram. Document frequency counts units
 * (sessions) with a last-unit stamp per term, plus the (term, unit) pairs of the file
 * so that sessions interleaved inside one file are counted exactly. The pairs are only
 * logged (one sequential store) until a unit comes back inside the file; then they go
 * into a hash set, which most files, one session each, never need. A unit that comes
 * back in a later file, after other units, is counted in `revisits`, and the published
 * df is df - revisits: never more than the true number of sessions. */
#include "pipeline/profile.h"
#include "pipeline/scrub.h"
#include "pipeline/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* On the per-word path: inlined even where the compiler would call (callgrind: the
 * calls and their register saves cost more than the bodies of these). */
#define HOT static inline __attribute__((always_inline))
#define MH 8                     /* min-hash values per unigram, for themes */
#define TERMS_SOFT_CAP (4u << 20) /* prune rare terms past this many distinct terms */

/* What one occurrence of a term touches, together (56 bytes): counting a token costs
 * one cache line per term instead of one per field. */
struct tstat {
    uint64_t mentions, clipped;
    uint64_t tmask; /* taxonomy topics the term belongs to */
    uint32_t cur;   /* mentions in the current unit, for clipping */
    uint32_t df, last, idm;
    uint32_t capm;  /* mentions written in capitals (an acronym: SLAM, BAM) */
    uint32_t prose; /* mentions outside tool input */
    uint8_t bare;  /* seen as written (not only folded from a plural) */
    uint8_t fold;  /* how it was first folded (TM_TOK_FOLD_*), for naming a plural-only term */
};

struct tm_an {
    const struct tm_taxonomy *tax;
    const struct tm_background *bg;
    struct tm_map terms;
    struct tstat *ts; /* by term index: what one occurrence updates, in one place */
    uint32_t (*mh)[MH];
    uint32_t umh[MH]; /* the current unit's min-hash values ... */
    uint32_t umh_unit; /* ... and the unit they were made for */
    uint32_t cap;
    uint32_t unit, units, revisits;
    uint32_t *unit_file;  /* last file number a unit was active in (0: never) */
    uint32_t ucap;
    uint32_t file_no, file_units;
    int first_in_file, prev_multi;
    struct tm_set64 pairs; /* (term, unit) pairs seen in this file, once a unit came back */
    uint64_t *plog;        /* ... and before that, logged in order */
    size_t plen, pcap;
    int pairs_live;        /* the set is in use */
    int pruned_in_file;    /* a prune dropped this file's pairs */
    struct tm_map64 bimap; /* (term a, term b) -> bigram term: skips building keys */
    uint32_t prev_idx;
    int carry; /* adjacency carried into the next run */
    uint32_t prev2_idx;
    int have_prev, have_prev2; /* a term may join the next one (and the one before) */
    int prev_joined;           /* prev was joined to prev2 inside an identifier */
    struct wc *wcache;         /* raw word -> its terms, see an_run */
    uint64_t rec_mask, tokens, content_records;
    int rec_tokens;
    uint32_t in_prose; /* 1 unless the text is a tool's input (tm_an_code) */
    uint64_t topic_records[TM_TOPICS_MAX], topic_mentions[TM_TOPICS_MAX], topic_clipped[TM_TOPICS_MAX];
    uint32_t topic_cur[TM_TOPICS_MAX], topic_unit[TM_TOPICS_MAX];
    uint32_t topic_df[TM_TOPICS_MAX], topic_last[TM_TOPICS_MAX];
    uint64_t prune_below;
    struct tm_map deny_strict, deny_soft;
    struct tm_episode *eps;
    size_t neps, capeps;
    struct tm_map epmap; /* signature -> cluster index */
    uint64_t eps_dropped;
};

struct tm_an *tm_an_new(const struct tm_taxonomy *tax, const struct tm_background *bg)
{
    struct tm_an *an = tm_xcalloc(1, sizeof *an);
    an->tax = tax;
    an->bg = bg;
    tm_map_init(&an->terms);
    tm_map_init(&an->deny_strict);
    tm_map_init(&an->deny_soft);
    tm_set64_init(&an->pairs);
    tm_map64_init(&an->bimap);
    tm_map_init(&an->epmap);
    an->prune_below = 2;
    an->in_prose = 1;
    return an;
}

void tm_an_free(struct tm_an *an)
{
    if (!an)
        return;
    tm_map_release(&an->terms);
    tm_map_release(&an->deny_strict);
    tm_map_release(&an->deny_soft);
    free(an->ts);
    free(an->mh);
    free(an->unit_file);
    tm_set64_release(&an->pairs);
    free(an->plog);
    tm_map64_release(&an->bimap);
    tm_map_release(&an->epmap);
    free(an->wcache);
    for (size_t i = 0; i < an->neps; i++)
        tm_episode_release(&an->eps[i]);
    free(an->eps);
    free(an);
}

struct tm_map *tm_an_deny_strict(struct tm_an *an) { return &an->deny_strict; }
void tm_an_code(struct tm_an *an, int on) { an->in_prose = !on; }
struct tm_map *tm_an_deny_soft(struct tm_an *an) { return &an->deny_soft; }

void tm_an_add_episode(struct tm_an *an, struct tm_episode *ep)
{
    const char *sig = ep->signature ? ep->signature : "";
    uint32_t i = tm_map_find(&an->epmap, sig, strlen(sig));
    if (i == UINT32_MAX) {
        if (an->neps >= TM_EP_CLUSTERS) {
            an->eps_dropped++;
            tm_episode_release(ep);
            return;
        }
        tm_map_intern(&an->epmap, sig, strlen(sig), NULL);
        if (an->neps == an->capeps) {
            an->capeps = an->capeps ? an->capeps * 2 : 16;
            an->eps = tm_xrealloc(an->eps, an->capeps * sizeof *an->eps);
        }
        ep->count = 1;
        ep->sessions = 1;
        ep->units[0] = ep->unit;
        ep->nunits = 1;
        ep->projects[0] = ep->project;
        ep->nprojects = 1;
        an->eps[an->neps++] = *ep;
        memset(ep, 0, sizeof *ep);
        return;
    }
    struct tm_episode *c = &an->eps[i];
    c->count++;
    int seen = 0;
    for (uint32_t k = 0; k < c->nunits; k++)
        seen |= c->units[k] == ep->unit;
    if (!seen && c->nunits < TM_EP_UNITS)
        c->units[c->nunits++] = ep->unit;
    if (!seen && (c->nunits < TM_EP_UNITS || ep->unit != c->unit))
        c->sessions++;
    int known = 0;
    for (uint32_t k = 0; k < c->nprojects; k++)
        known |= c->projects[k] == ep->project;
    if (!known && c->nprojects < TM_EP_PROJECTS)
        c->projects[c->nprojects++] = ep->project;
    if (!c->prompt && ep->prompt) { /* the user's words help find the cluster */
        c->prompt = ep->prompt;
        ep->prompt = NULL;
    }
    /* a resolved episode with a solution is the better representative */
    if (!(c->resolved && c->solution) && ep->resolved && ep->solution) {
        struct tm_episode keep = *c;
        *c = *ep;
        if (!c->prompt) { /* keep the report the cluster had */
            c->prompt = keep.prompt;
            keep.prompt = NULL;
        }
        c->count = keep.count;
        c->sessions = keep.sessions;
        memcpy(c->units, keep.units, sizeof c->units);
        c->nunits = keep.nunits;
        memcpy(c->projects, keep.projects, sizeof c->projects);
        c->nprojects = keep.nprojects;
        memset(ep, 0, sizeof *ep);
        tm_episode_release(&keep);
        return;
    }
    c->unit = ep->unit;
    tm_episode_release(ep);
}

void tm_an_file(struct tm_an *an)
{
    an->file_no++;
    an->prev_multi = an->file_units > 1;
    an->file_units = 0;
    an->first_in_file = 1;
    tm_set64_clear(&an->pairs);
    an->plen = 0;
    an->pairs_live = 0;
    an->pruned_in_file = 0;
}

/* Is (term or topic, unit) new in this file? Called when the key's unit stamp differs
 * from the current unit. Until a unit comes back inside the file every unit has one
 * stretch in it, so a key first seen in the current stretch is new in the file: it is
 * only logged. */
static int pair_new(struct tm_an *an, uint64_t key)
{
    if (an->pairs_live)
        return tm_set64_add(&an->pairs, key);
    if (an->plen == an->pcap) {
        an->pcap = an->pcap ? an->pcap * 2 : 4096;
        an->plog = tm_xrealloc(an->plog, an->pcap * sizeof *an->plog);
    }
    an->plog[an->plen++] = key;
    return 1;
}

/* A unit came back inside this file: from now on the pairs are looked up. */
static void pairs_go_live(struct tm_an *an)
{
    if (an->pruned_in_file) { /* pairs from before the prune are gone */
        an->revisits++;
        an->pruned_in_file = 0;
    }
    if (an->pairs_live)
        return;
    for (size_t k = 0; k < an->plen; k++)
        tm_set64_add(&an->pairs, an->plog[k]);
    an->plen = 0;
    an->pairs_live = 1;
}

void tm_an_unit(struct tm_an *an, uint32_t unit)
{
    if (unit >= an->ucap) {
        uint32_t n = an->ucap ? an->ucap : 256;
        while (n <= unit)
            n *= 2;
        an->unit_file = tm_xrealloc(an->unit_file, n * sizeof *an->unit_file);
        memset(an->unit_file + an->ucap, 0, (n - an->ucap) * sizeof *an->unit_file);
        an->ucap = n;
    }
    int same = unit + 1 == an->unit;
    if (an->first_in_file) {
        an->first_in_file = 0;
        /* continuing the last unit of a file that interleaved several: its pairs are
         * gone, so count it as a revisit */
        if (same && an->prev_multi)
            an->revisits++;
    }
    if (!same && an->unit_file[unit] && an->unit_file[unit] != an->file_no)
        an->revisits++; /* back from an earlier file */
    if (!same && an->unit_file[unit] == an->file_no)
        pairs_go_live(an); /* back inside this file */
    if (an->unit_file[unit] != an->file_no) {
        an->unit_file[unit] = an->file_no;
        an->file_units++;
    }
    if (unit + 1 > an->units)
        an->units = unit + 1;
    an->unit = unit + 1;
    an->have_prev = an->have_prev2 = an->carry = 0;
}

static void grow(struct tm_an *an)
{
    uint32_t n = an->cap ? an->cap * 2 : 4096;
    an->ts = tm_xrealloc(an->ts, n * sizeof *an->ts);
    an->mh = tm_xrealloc(an->mh, n * sizeof *an->mh);
    an->cap = n;
}

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352d;
    x ^= x >> 15;
    x *= 0x846ca68b;
    x ^= x >> 16;
    return x;
}

static void prune(struct tm_an *an);

/* Count one occurrence of term i (mentions, df, topics). Inlined: it runs for every
 * unigram and bigram, and the call cost more than its common path. */
/* Count one occurrence of term i. skip: the taxonomy topics this position already
 * counted through the words of the phrase i is ("tdx module" is one mention of Intel
 * TDX, not two). */
HOT void count_idx(struct tm_an *an, uint32_t i, int joined, uint64_t skip)
{
    struct tstat *st = &an->ts[i];
    st->mentions++;
    st->prose += an->in_prose;
    st->idm += (uint32_t)joined;
    if (st->last != an->unit) {
        st->last = an->unit;
        st->cur = 0;
        if (pair_new(an, (uint64_t)i << 32 | an->unit))
            st->df++;
        if (an->umh_unit != an->unit) { /* once per unit, not per (term, unit) */
            for (int j = 0; j < MH; j++)
                an->umh[j] = mix(an->unit * 0x9e3779b9u + (uint32_t)j * 0x85ebca6bu);
            an->umh_unit = an->unit;
        }
        for (int j = 0; j < MH; j++)
            if (an->umh[j] < an->mh[i][j])
                an->mh[i][j] = an->umh[j];
    }
    if (st->cur < TM_DP_CLIP) {
        st->clipped++;
        st->cur++;
    }
    uint64_t tm = st->tmask & ~skip;
    if (tm) {
        an->rec_mask |= tm;
        for (; tm; tm &= tm - 1) {
            int t = __builtin_ctzll(tm);
            an->topic_mentions[t]++;
            if (an->topic_unit[t] != an->unit) {
                an->topic_unit[t] = an->unit;
                an->topic_cur[t] = 0;
            }
            if (an->topic_cur[t] < TM_DP_CLIP) {
                an->topic_cur[t]++;
                an->topic_clipped[t]++;
            }
        }
    }
}

static uint32_t intern_term(struct tm_an *an, const char *w, size_t n)
{
    int added;
    uint32_t i = tm_map_intern(&an->terms, w, n, &added);
    if (added) {
        if (i >= an->cap)
            grow(an);
        an->ts[i].mentions = an->ts[i].clipped = 0;
        an->ts[i].cur = 0;
        an->ts[i].df = an->ts[i].last = an->ts[i].idm = an->ts[i].capm = an->ts[i].prose = 0;
        an->ts[i].bare = an->ts[i].fold = 0;
        an->ts[i].tmask = an->tax ? tm_taxonomy_mask(an->tax, w, n) : 0;
        memset(an->mh[i], 0xff, sizeof an->mh[i]);
    }
    return i;
}


/* Each term counts as a unigram; with the term before it in the same phrase as a
 * bigram; and when both joints are inside one identifier (SOURCE_DATE_EPOCH), the three
 * as a trigram. Prose trigrams are not counted: they are mostly filler. */
HOT void on_term(struct tm_an *an, uint32_t cur, int adj, int joined)
{
    an->tokens++;
    an->rec_tokens = 1;
    count_idx(an, cur, 0, 0);
    adj = adj && an->have_prev;
    if (adj) {
        /* the bigram's term by the pair of unigram indexes; its key is built once */
        uint64_t pair = (uint64_t)an->prev_idx << 32 | cur;
        uint32_t b = tm_map64_get(&an->bimap, pair);
        if (b == UINT32_MAX) {
            char key[2 * TM_TERM_MAX + 2];
            size_t la, lb;
            const char *a = tm_map_key(&an->terms, an->prev_idx, &la);
            const char *c = tm_map_key(&an->terms, cur, &lb);
            memcpy(key, a, la);
            key[la] = '_';
            memcpy(key + la + 1, c, lb);
            b = intern_term(an, key, la + 1 + lb);
            tm_map64_put(&an->bimap, pair, b);
        }
        uint64_t seen = an->ts[an->prev_idx].tmask | an->ts[cur].tmask;
        count_idx(an, b, joined, seen);
        if (joined && an->prev_joined && an->have_prev2) {
            char key[3 * TM_TERM_MAX + 3];
            size_t l0, l1, l2;
            const char *w0 = tm_map_key(&an->terms, an->prev2_idx, &l0);
            const char *w1 = tm_map_key(&an->terms, an->prev_idx, &l1);
            const char *w2 = tm_map_key(&an->terms, cur, &l2);
            memcpy(key, w0, l0);
            key[l0] = '_';
            memcpy(key + l0 + 1, w1, l1);
            key[l0 + 1 + l1] = '_';
            memcpy(key + l0 + 2 + l1, w2, l2);
            uint32_t t3 = intern_term(an, key, l0 + l1 + l2 + 2);
            uint32_t b01 = tm_map64_get(&an->bimap, (uint64_t)an->prev2_idx << 32 | an->prev_idx);
            seen |= an->ts[b].tmask | an->ts[an->prev2_idx].tmask | (b01 != UINT32_MAX ? an->ts[b01].tmask : 0);
            count_idx(an, t3, 1, seen);
        }
        an->prev2_idx = an->prev_idx;
        an->have_prev2 = 1;
    } else {
        an->have_prev2 = 0;
    }
    an->prev_joined = adj && joined;
    an->prev_idx = cur;
    an->have_prev = 1;
}

/* ---- the word cache ----
 * Text is Zipfian: a few thousand raw words make most tokens. A direct-mapped cache
 * keyed by the raw bytes of a run remembers its terms (indexes) and flags, so a repeated
 * word costs a hash and a compare instead of splitting, folding, stopword and interning
 * work. Runs longer than WC_RAW or with more than WC_EV terms are not cached. */
#define WC_SLOTS 16384
#define WC_RAW 24
#define WC_EV 4

struct wc {
    uint32_t hash;
    uint8_t len, nev, end; /* end: tm_split_run's return */
    uint8_t flags[WC_EV];
    uint32_t term[WC_EV];
    char raw[WC_RAW];
};

struct rec_run {
    struct tm_an *an;
    struct wc *e;
    int overflow;
};

HOT void replay(struct tm_an *an, uint32_t idx, int flags)
{
    int adj = (flags & TM_TOK_CARRY) ? an->carry : (flags & TM_TOK_ADJ) != 0;
    an->ts[idx].capm += (flags & TM_TOK_CAPS) != 0;
    on_term(an, idx, adj, (flags & TM_TOK_JOINED) != 0);
    an->carry = 1;
}

static void record_part(void *ctx, const char *w, size_t n, int flags)
{
    struct rec_run *r = ctx;
    uint32_t idx = intern_term(r->an, w, n);
    struct tstat *ts = &r->an->ts[idx]; /* every distinct raw word passes here once at least */
    if (!(flags & TM_TOK_FOLD_MASK))
        ts->bare = 1;
    else if (!ts->fold)
        ts->fold = (uint8_t)(flags & TM_TOK_FOLD_MASK);
    if (r->e->nev < WC_EV) {
        r->e->term[r->e->nev] = idx;
        r->e->flags[r->e->nev] = (uint8_t)flags;
        r->e->nev++;
    } else {
        r->overflow = 1;
    }
    replay(r->an, idx, flags);
}

/* The bytes of a short run as at most three overlapping words: no byte loop, and no
 * read outside [p, p + n). Equal runs give equal words; n goes into the hash and the
 * compare, so the overlap is harmless. */
static uint64_t ld8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint64_t ld4(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

HOT uint64_t tail_word(const char *p, size_t n) /* n <= 8 */
{
    if (n >= 4)
        return ld4(p) | ld4(p + n - 4) << 32;
    if (n)
        return (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
               (uint64_t)(unsigned char)p[n - 1] << 16;
    return 0;
}

HOT uint32_t raw_hash(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
        h = (h ^ ld8(p + i)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    uint64_t w = n >= 8 ? ld8(p + n - 8) : tail_word(p, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
    return (uint32_t)(h ^ (h >> 32));
}

HOT int raw_eq(const char *a, const char *b, size_t n)
{
    if (n < 8)
        return tail_word(a, n) == tail_word(b, n); /* n < 4: p[n / 2] covers the middle */
    for (size_t i = 0; i + 8 < n; i += 8)
        if (ld8(a + i) != ld8(b + i))
            return 0;
    return ld8(a + n - 8) == ld8(b + n - 8);
}

/* A word the cache does not hold: split and fold it, and remember the result. Out of
 * line so that the hit path (99% of runs) saves and restores few registers. */
__attribute__((noinline)) static void an_run_miss(struct tm_an *an, const char *run, size_t n,
                                                  int start_carry, uint32_t h, struct wc *e)
{
    struct wc fresh = {0};
    struct rec_run r = {an, &fresh, 0};
    int end = tm_split_run(run, n, record_part, &r);
    an->carry = end == 2 ? start_carry : end;
    if (!r.overflow && e) {
        fresh.hash = h;
        fresh.len = (uint8_t)n;
        fresh.end = (uint8_t)end;
        memcpy(fresh.raw, run, n);
        *e = fresh;
    }
}

static void an_run(void *ctx, const char *run, size_t n, int after_blank)
{
    struct tm_an *an = ctx;
    if (!after_blank)
        an->carry = 0;
    int start_carry = an->carry;
    if (n > WC_RAW) {
        an_run_miss(an, run, n, start_carry, 0, NULL);
        return;
    }
    uint32_t h = raw_hash(run, n);
    struct wc *e = &an->wcache[h & (WC_SLOTS - 1)];
    if (e->len == n && e->hash == h && raw_eq(e->raw, run, n)) {
        for (uint8_t k = 0; k < e->nev; k++)
            replay(an, e->term[k], e->flags[k]);
        an->carry = e->end == 2 ? start_carry : e->end;
        return;
    }
    an_run_miss(an, run, n, start_carry, h, e);
}

static void text_begin(struct tm_an *an)
{
    if (!an->unit)
        tm_an_unit(an, 0);
    if (!an->wcache)
        an->wcache = tm_xcalloc(WC_SLOTS, sizeof *an->wcache);
    an->have_prev = an->have_prev2 = an->carry = 0;
}

static void text_end(struct tm_an *an)
{
    an->have_prev = an->have_prev2 = an->carry = 0;
    if (an->terms.count > TERMS_SOFT_CAP)
        prune(an);
}

void tm_an_text(struct tm_an *an, const char *text, size_t len)
{
    text_begin(an);
    tm_scan_runs(text, len, an_run, an);
    text_end(an);
}

void tm_an_scrub_text(struct tm_an *an, struct tm_scrub *s, const char *text, size_t len,
                      struct tm_buf *tmp)
{
    text_begin(an);
    tm_scrub_runs(s, text, len, tmp, an_run, an);
    text_end(an);
}

void tm_an_record_end(struct tm_an *an)
{
    if (an->rec_tokens)
        an->content_records++;
    uint64_t m = an->rec_mask;
    for (int t = 0; m; t++, m >>= 1) {
        if (!(m & 1))
            continue;
        an->topic_records[t]++;
        if (an->topic_last[t] != an->unit) {
            an->topic_last[t] = an->unit;
            if (pair_new(an, (uint64_t)(0x80000000u | (uint32_t)t) << 32 | an->unit))
                an->topic_df[t]++;
        }
    }
    an->rec_mask = 0;
    an->rec_tokens = 0;
}

/* Drop the rarest terms when the vocabulary passes its cap (lossy counting: the
 * dropped terms only ever lose counts, so df never grows by pruning). */
static void prune(struct tm_an *an)
{
    uint32_t n = an->terms.count;
    uint8_t *keep = tm_xmalloc(n);
    uint32_t *nid = tm_xmalloc(n * sizeof *nid);
    for (;;) {
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; i++) {
            keep[i] = an->ts[i].mentions >= an->prune_below || an->ts[i].tmask;
            kept += keep[i];
        }
        if (kept <= TERMS_SOFT_CAP / 2)
            break;
        an->prune_below *= 2;
    }
    tm_map_filter(&an->terms, keep, nid);
    /* the pair set names terms by index: start it afresh, and if this file interleaves
     * sessions count a revisit so that df stays an upper bound never exceeded */
    tm_set64_clear(&an->pairs);
    an->plen = 0;
    if (an->file_units <= 1)
        an->pruned_in_file = 1; /* if a unit comes back later in this file: a revisit */
    tm_map64_release(&an->bimap); /* also by index */
    if (an->wcache)
        memset(an->wcache, 0, WC_SLOTS * sizeof *an->wcache);
    if (an->file_units > 1)
        an->revisits++;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = nid[i];
        if (j == UINT32_MAX)
            continue;
        an->ts[j] = an->ts[i];
        memcpy(an->mh[j], an->mh[i], sizeof an->mh[j]);
    }
    free(keep);
    free(nid);
}

/* ---- finishing ---- */

/* Signed Dunning log-likelihood of c in n against b in bn. */
static double g2(double c, double n, double b, double bn)
{
    double e1 = n * (c + b) / (n + bn), e2 = bn * (c + b) / (n + bn);
    double g = 0;
    if (c > 0)
        g += c * log(c / e1);
    if (b > 0)
        g += b * log(b / e2);
    g *= 2;
    return c / n >= b / bn ? g : -g;
}

/* Identity words: strict ones (user names, e-mail local parts) are withheld unless
 * they are taxonomy terms (a service account "tdx-attester@" names no one); soft ones
 * (project dirs, branch prefixes, e-mail domains) also pass when they are background
 * vocabulary. */
static int denied_word(const struct tm_an *an, const char *w, size_t n, int taxonomy, int vocab)
{
    if (!taxonomy && tm_map_find(&an->deny_strict, w, n) != UINT32_MAX)
        return 1;
    return !taxonomy && !vocab && tm_map_find(&an->deny_soft, w, n) != UINT32_MAX;
}

/* Is the term, or any part of it (split at '_'), an identity word? */
static int denied(const struct tm_an *an, const char *t, size_t n, int taxonomy, int vocab)
{
    if (denied_word(an, t, n, taxonomy, vocab))
        return 1;
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || t[i] == '_') {
            if (i > st && i - st < n) {
                const char *w = t + st;
                size_t wl = i - st;
                int wtax = an->tax && tm_taxonomy_mask(an->tax, w, wl);
                int wvoc = an->bg && tm_background_count(an->bg, w, wl) > 0;
                if (denied_word(an, w, wl, wtax, wvoc))
                    return 1;
            }
            st = i + 1;
        }
    }
    return 0;
}

/* A prose phrase of two everyday words ("code path", "short version": each at least 150
 * per million words of the background) is a template, not a term. Compounds of rarer
 * words ("interrupt latency", "read alignment") are terms; a phrase whose head is not a
 * noun ("file created") is caught by the part-of-speech prior instead. */
#define TM_COMMON_PART 1.5e-4
static int generic_parts(const struct tm_an *an, const char *t, size_t n, double B)
{
    const char *us = memchr(t, '_', n);
    if (!us || !an->bg)
        return 0;
    size_t a = (size_t)(us - t);
    double ra = (double)tm_background_count(an->bg, t, a) / B;
    double rb = (double)tm_background_count(an->bg, us + 1, n - a - 1) / B;
    return ra >= TM_COMMON_PART && rb >= TM_COMMON_PART;
}

/* A pair that carries at least this share of a word's uses is where the word lives. */
#define TM_PART_SHARE 0.8

/* A word that English uses as a noun less than this share of the time (explain,
 * reasonable, together, checked: WordNet's SemCor counts) names no topic by itself; one
 * used as a noun or adjective less than this share (compared, run) starts no phrase. */
#define TM_NOUN_MIN_PCT 20

/* Is word w[0..n) mostly written in capitals in this data: an acronym (SLAM, BAM), not
 * the English word the lexicon knows? */
static int acronym(const struct tm_an *an, const char *w, size_t n)
{
    uint32_t h = tm_map_find(&an->terms, w, n);
    return h != UINT32_MAX && an->ts[h].capm * 2 > an->ts[h].mentions;
}

/* The part-of-speech prior of a prose term: the noun share of the word that names it
 * (a phrase's head, its last word), or 0 when the phrase opens with a word English uses
 * as a noun or adjective less than 20% of the time - a verb and its object ("compared
 * rtmr3", "run slam") are a step, not a thing; "sealed blob", "duplicate marking" stay. */
static int head_noun_pct(const struct tm_an *an, const char *t, size_t n)
{
    size_t off = n;
    while (off > 0 && t[off - 1] != '_')
        off--;
    if (off > 1 && !acronym(an, t, off - 1) &&
        tm_background_noun_pct(an->bg, t, off - 1) + tm_background_adj_pct(an->bg, t, off - 1) < TM_NOUN_MIN_PCT)
        return 0;
    if (acronym(an, t + off, n - off))
        return 100;
    return tm_background_noun_pct(an->bg, t + off, n - off);
}

/* A word the background almost never uses (under 2 per million) but that is not a past
 * form is used here in a sense everyday English does not have: "slam" in robotics is a
 * method, not a door. (Past forms stay verbs: "summarised" is rare in American text.) */
static int term_of_art(const char *t, size_t n, uint64_t b, double B)
{
    return !memchr(t, '_', n) && (double)b / B < 2e-6 && !(n > 2 && t[n - 2] == 'e' && t[n - 1] == 'd');
}

/* Never count both a phrase and its word: when the published two-word phrases that
 * contain a word carry at least 80% of its uses ("duplicate" in "duplicate_marking";
 * "bam" in "bam_index" and "bam_header"), the phrases are the topics and the word is
 * marked a part. A use can sit in a phrase on its left and one on its right ("sorted bam
 * index"), so the larger of the two sums counts, never both; three-word identifiers hold
 * uses their two-word phrases already count. src[i] is the analyser's index of
 * p->terms[i]. */
static void mark_parts(const struct tm_an *an, struct tm_profile *p, const uint32_t *src)
{
    uint32_t n = an->terms.count, *at = tm_xcalloc(n ? n : 1, sizeof *at);
    uint64_t(*side)[2] = tm_xcalloc(p->nterms ? p->nterms : 1, sizeof *side); /* as first, as second word */
    for (uint32_t i = 0; i < n; i++)
        at[i] = UINT32_MAX;
    for (size_t i = 0; i < p->nterms; i++)
        at[src[i]] = (uint32_t)i;
    for (size_t i = 0; i < p->nterms; i++) {
        const struct tm_pterm *ph = &p->terms[i];
        if ((ph->flags & (TM_T_PHRASE | TM_T_PUBLIC | TM_T_GENERIC)) != (TM_T_PHRASE | TM_T_PUBLIC))
            continue;
        size_t len;
        const char *key = tm_map_key(&an->terms, src[i], &len);
        const char *us = memchr(key, '_', len);
        if (!us || memchr(us + 1, '_', len - (size_t)(us - key) - 1))
            continue; /* not a two-word phrase */
        uint32_t w[2] = {tm_map_find(&an->terms, key, (size_t)(us - key)),
                         tm_map_find(&an->terms, us + 1, len - (size_t)(us - key) - 1)};
        for (int k = 0; k < 2; k++)
            if (w[k] != UINT32_MAX && at[w[k]] != UINT32_MAX && !(p->terms[at[w[k]]].flags & TM_T_PHRASE))
                side[at[w[k]]][k] += ph->mentions;
    }
    for (size_t i = 0; i < p->nterms; i++) {
        uint64_t in_phrases = side[i][0] > side[i][1] ? side[i][0] : side[i][1];
        if (in_phrases && (double)in_phrases >= TM_PART_SHARE * (double)p->terms[i].mentions)
            p->terms[i].flags |= TM_T_PART;
    }
    free(side);
    free(at);
}

static int by_score(const void *a, const void *b)
{
    const struct tm_pterm *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->term, y->term);
}

static int by_share(const void *a, const void *b)
{
    const struct tm_ptopic *x = a, *y = b;
    if (x->records != y->records)
        return x->records < y->records ? 1 : -1;
    return x->topic - y->topic;
}

/* Dunning's G2 of a word pair against independence: the pair seen c12 times, its words
 * c1 and c2 times, n tokens in all (the 2x2 table of first word yes/no by second word
 * yes/no). */
static double pair_g2(double c12, double c1, double c2, double n)
{
    double k[4] = {c12, c1 - c12, c2 - c12, n - c1 - c2 + c12};
    double r[2] = {c1, n - c1}, c[2] = {c2, n - c2}, g = 0;
    for (int x = 0; x < 4; x++) {
        double e = r[x / 2] * c[x % 2] / n;
        if (k[x] > 0 && e > 0)
            g += k[x] * log(k[x] / e);
    }
    return 2 * g;
}

/* A phrase is a term when it was written as an identifier, or when its words stick
 * together far more than chance - significantly (G2 >= 10.83, p < 0.001) and strongly
 * (PMI >= 8) - and it is not a background phrase. */
static int phrase_ok(const struct tm_an *an, uint32_t i, const char *t, size_t n)
{
    if (an->ts[i].idm >= 2)
        return 1;
    const char *us = memchr(t, '_', n);
    if (!us)
        return 0;
    uint32_t a = tm_map_find(&an->terms, t, (size_t)(us - t));
    uint32_t b = tm_map_find(&an->terms, us + 1, n - (size_t)(us - t) - 1);
    if (a == UINT32_MAX || b == UINT32_MAX || an->ts[i].mentions < 5)
        return 0;
    double c12 = (double)an->ts[i].mentions, c1 = (double)an->ts[a].mentions, c2 = (double)an->ts[b].mentions;
    double tokens = (double)an->tokens > c1 + c2 ? (double)an->tokens : c1 + c2;
    double pmi = c12 * tokens / (c1 * c2);
    return pmi >= 8.0 && an->ts[i].mentions * 4 >= an->ts[a].mentions / 8 && pair_g2(c12, c1, c2, tokens) >= 10.83;
}

static void build_themes(struct tm_an *an, struct tm_profile *p);

/* A term's name (owned): its canonical form, or - for a word only ever written as a
 * plural, such as a tool named "samtools" - the plural as written. Folding is right for
 * "quotes" when "quote" also occurs; a word never seen in the singular is a name.
 * Taxonomy terms keep their canonical form (the taxonomy names them so). */
static char *plural_name(const struct tm_an *an, uint32_t i, const char *t, size_t len)
{
    const struct tstat *s = &an->ts[i];
    if (s->bare || !s->fold || s->tmask || memchr(t, '_', len) || len + 3 > TM_TERM_MAX)
        return tm_xstrndup(t, len);
    char b[TM_TERM_MAX + 4];
    memcpy(b, t, len);
    const char *sfx = s->fold == TM_TOK_FOLD_ES ? "es" : "s";
    size_t at = len;
    if (s->fold == TM_TOK_FOLD_IES && len && t[len - 1] == 'y') {
        sfx = "ies";
        at = len - 1;
    }
    memcpy(b + at, sfx, strlen(sfx) + 1);
    return tm_xstrdup(b);
}

/* Slot words: a common word (its background rate >= 1e-5) that sticks to many different
 * partners on the same side ("get fastq", "get bam", "get vcf"; "setup reasonable") is
 * the frame of a repeated phrasing, not half of a term. partners[2*w] / [2*w+1] count the
 * word pairs seen at least twice with word w on the left / right. */
#define SLOT_PARTNERS 4
static uint32_t *slot_partners(struct tm_an *an)
{
    uint32_t n = an->terms.count;
    uint32_t *c = tm_xcalloc(2 * (size_t)(n ? n : 1), sizeof *c);
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *t = tm_map_key(&an->terms, i, &len);
        const char *us = memchr(t, '_', len);
        if (!us || an->ts[i].idm >= 2 || an->ts[i].mentions < 2)
            continue;
        uint32_t a = tm_map_find(&an->terms, t, (size_t)(us - t));
        uint32_t b = tm_map_find(&an->terms, us + 1, len - (size_t)(us - t) - 1);
        if (a != UINT32_MAX)
            c[2 * (size_t)a]++;
        if (b != UINT32_MAX)
            c[2 * (size_t)b + 1]++;
    }
    return c;
}

static int slot_phrase(const struct tm_an *an, const uint32_t *partners, const char *t, size_t len, double B)
{
    const char *us = memchr(t, '_', len);
    if (!us || !an->bg)
        return 0;
    size_t la = (size_t)(us - t), lb = len - la - 1;
    uint32_t a = tm_map_find(&an->terms, t, la), b = tm_map_find(&an->terms, us + 1, lb);
    int slot_a = a != UINT32_MAX && partners[2 * (size_t)a] >= SLOT_PARTNERS &&
                 (double)tm_background_count(an->bg, t, la) / B >= 1e-5;
    int slot_b = b != UINT32_MAX && partners[2 * (size_t)b + 1] >= SLOT_PARTNERS &&
                 (double)tm_background_count(an->bg, us + 1, lb) / B >= 1e-5;
    /* ... unless the other word lives in this pair: "structural" is nearly always
     * "structural variant", however many words "variant" follows */
    uint32_t i = tm_map_find(&an->terms, t, len);
    double m = i != UINT32_MAX ? (double)an->ts[i].mentions : 0;
    if (slot_b && a != UINT32_MAX && m >= TM_PART_SHARE * (double)an->ts[a].mentions)
        slot_b = 0;
    if (slot_a && b != UINT32_MAX && m >= TM_PART_SHARE * (double)an->ts[b].mentions)
        slot_a = 0;
    return slot_a || slot_b;
}

static int by_df_desc(const void *a, const void *b)
{
    const struct tm_vword *x = a, *y = b;
    if (x->df != y->df)
        return x->df < y->df ? 1 : -1;
    return strcmp(x->w, y->w);
}

static int by_word(const void *a, const void *b)
{
    return strcmp(((const struct tm_vword *)a)->w, ((const struct tm_vword *)b)->w);
}

/* The publishable vocabulary: single words in >= k sessions, not identity words; the
 * TM_VOCAB_MAX most widespread when there are more. */
static void build_vocab(const struct tm_an *an, int k, struct tm_profile *p)
{
    uint32_t n = an->terms.count, nv = 0;
    struct tm_vword *v = tm_xcalloc(n ? n : 1, sizeof *v);
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *t = tm_map_key(&an->terms, i, &len);
        uint32_t df = an->ts[i].df > an->revisits ? an->ts[i].df - an->revisits : 0;
        if (df < (uint32_t)k || memchr(t, '_', len))
            continue;
        int vocab = an->bg && tm_background_count(an->bg, t, len) > 0;
        if (denied(an, t, len, an->ts[i].tmask != 0, vocab))
            continue;
        v[nv].w = tm_xstrndup(t, len); /* map keys are not NUL-terminated */
        v[nv++].df = df;
    }
    qsort(v, nv, sizeof *v, by_df_desc);
    for (uint32_t i = TM_VOCAB_MAX; i < nv; i++)
        free(v[i].w);
    if (nv > TM_VOCAB_MAX)
        nv = TM_VOCAB_MAX;
    qsort(v, nv, sizeof *v, by_word);
    p->vocab = v;
    p->nvocab = nv;
}

int tm_profile_vocab(const struct tm_profile *p, const char *w, size_t n)
{
    size_t lo = 0, hi = p->nvocab;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(p->vocab[mid].w, w, n);
        if (c == 0 && p->vocab[mid].w[n])
            c = 1;
        if (c == 0)
            return p->vocab[mid].df >= (uint32_t)p->k;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void tm_profile_vocab_raise(struct tm_profile *p, int k)
{
    size_t keep = 0;
    for (size_t i = 0; i < p->nvocab; i++) {
        if (p->vocab[i].df >= (uint32_t)k)
            p->vocab[keep++] = p->vocab[i];
        else
            free(p->vocab[i].w);
    }
    p->nvocab = keep;
}

/* Identity and secret words are harvested as written ("rikubes"); terms are canonical
 * (plurals folded: "rikube"). Add each word's canonical form, so both are withheld. */
static void canon_deny(struct tm_map *m)
{
    uint32_t n = m->count;
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *w = tm_map_key(m, i, &len);
        char c[128], raw[64];
        if (len >= sizeof raw)
            continue;
        memcpy(raw, w, len); /* the map may grow (and move its keys) below */
        size_t cl = tm_canon(raw, len, c, sizeof c);
        if (cl && (cl != len || memcmp(c, raw, len)))
            tm_map_intern(m, c, cl, NULL);
    }
}

void tm_an_finish(struct tm_an *an, int k, struct tm_profile *p)
{
    canon_deny(&an->deny_strict);
    canon_deny(&an->deny_soft);
    memset(p, 0, sizeof *p);
    if (k < TM_K_MIN)
        k = TM_K_MIN;
    p->k = k;
    p->tokens = an->tokens;
    p->content_records = an->content_records;
    p->units = an->units;
    p->revisits = an->revisits;
    uint32_t n = an->terms.count;
    double N = an->tokens ? (double)an->tokens : 1;
    double B = an->bg && an->bg->total ? (double)an->bg->total : 1e9;
    p->terms = tm_xcalloc(n ? n : 1, sizeof *p->terms);
    uint32_t *partners = slot_partners(an), *src = tm_xcalloc(n ? n : 1, sizeof *src);
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *t = tm_map_key(&an->terms, i, &len);
        int phrase = memchr(t, '_', len) != NULL;
        uint32_t df = an->ts[i].df > an->revisits ? an->ts[i].df - an->revisits : 0;
        if (phrase && !phrase_ok(an, i, t, len))
            continue;
        if (phrase && an->ts[i].idm < 2 && !an->ts[i].tmask && slot_phrase(an, partners, t, len, B))
            continue;
        if (df < 2 && !an->ts[i].tmask)
            continue; /* never publishable and not needed for topics */
        uint64_t b = an->bg ? tm_background_count(an->bg, t, len) : 0;
        src[p->nterms] = i;
        struct tm_pterm *pt = &p->terms[p->nterms++];
        pt->term = plural_name(an, i, t, len);
        pt->mentions = an->ts[i].mentions;
        pt->clipped = an->ts[i].clipped;
        pt->df = df;
        pt->score = g2((double)an->ts[i].mentions, N, (double)b + 0.5, B);
        /* the part-of-speech prior on the word that names the term (a phrase's head):
         * soft between, firm at the ends; identifiers and taxonomy terms are names */
        int npct = an->ts[i].tmask || an->ts[i].idm >= 2 || term_of_art(t, len, b, B) ? 100
                                                                                     : head_noun_pct(an, t, len);
        pt->score *= 0.5 + npct / 200.0;
        /* said in prose at least once in ten uses: code-only vocabulary is no topic */
        int code_only = !an->ts[i].tmask && (uint64_t)an->ts[i].prose * 10 < an->ts[i].mentions;
        int generic = code_only || npct < TM_NOUN_MIN_PCT || (double)b / B >= 2e-4 || pt->score <= 0 ||
                      (double)an->ts[i].mentions / N < 3.0 * ((double)b + 1) / B ||
                      (!phrase && len < 3 && !an->ts[i].tmask) || /* "mr", "td": fragments */
                      (phrase && an->ts[i].idm < 2 && !an->ts[i].tmask && generic_parts(an, t, len, B));
        pt->flags = (generic ? TM_T_GENERIC : 0) | (phrase ? TM_T_PHRASE : 0) |
                    (an->ts[i].tmask ? TM_T_TAXONOMY : 0) |
                    (denied(an, t, len, an->ts[i].tmask != 0, b > 0) ? TM_T_DENIED : 0);
        if (df >= (uint32_t)k && !(pt->flags & TM_T_DENIED))
            pt->flags |= TM_T_PUBLIC;
    }
    free(partners);
    mark_parts(an, p, src);
    free(src);
    build_vocab(an, k, p);
    qsort(p->terms, p->nterms, sizeof *p->terms, by_score);
    /* Keep the profile small: the top distinctive terms plus every taxonomy term. */
    size_t keep = 0;
    for (size_t i = 0; i < p->nterms; i++) {
        if (i < 5000 || (p->terms[i].flags & TM_T_TAXONOMY))
            p->terms[keep++] = p->terms[i];
        else
            free(p->terms[i].term);
    }
    p->nterms = keep;
    size_t nt = an->tax ? an->tax->ntopics : 0;
    p->topics = tm_xcalloc(nt ? nt : 1, sizeof *p->topics);
    for (size_t t = 0; t < nt; t++) {
        if (!an->topic_records[t])
            continue;
        struct tm_ptopic *pt = &p->topics[p->ntopics++];
        pt->topic = (int)t;
        pt->mentions = an->topic_mentions[t];
        pt->clipped = an->topic_clipped[t];
        pt->records = an->topic_records[t];
        pt->df = an->topic_df[t] > an->revisits ? an->topic_df[t] - an->revisits : 0;
        pt->share = an->content_records ? (double)pt->records / (double)an->content_records : 0;
        pt->publishable = pt->df >= (uint32_t)k;
    }
    qsort(p->topics, p->ntopics, sizeof *p->topics, by_share);
    build_themes(an, p);
    p->episodes = an->eps;
    p->nepisodes = p->capepisodes = an->neps;
    p->episodes_dropped = an->eps_dropped;
    an->eps = NULL;
    an->neps = an->capeps = 0;
}

int tm_term_ambient(const struct tm_map *amb, const char *term)
{
    if (!amb || !amb->count)
        return 0;
    size_t n = strlen(term);
    if (tm_map_find(amb, term, n) != UINT32_MAX)
        return 1;
    for (const char *p = term, *u; (u = strchr(p, '_')); p = u + 1) /* each word of a phrase */
        if (u > p && tm_map_find(amb, p, (size_t)(u - p)) != UINT32_MAX)
            return 1;
    const char *last = strrchr(term, '_');
    return last && last[1] && tm_map_find(amb, last + 1, strlen(last + 1)) != UINT32_MAX;
}

size_t tm_profile_top(const struct tm_profile *p, const struct tm_pterm **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nterms && n < max; i++) {
        const struct tm_pterm *t = &p->terms[i];
        if ((t->flags & TM_T_PUBLIC) && !(t->flags & TM_T_NOTOPIC))
            out[n++] = t;
    }
    return n;
}

/* Themes: greedy clustering of the top distinctive unigrams by the estimated Jaccard
 * similarity of the sessions they occur in (min-hash). */
static void build_themes(struct tm_an *an, struct tm_profile *p)
{
    enum { CAND = 40, MAXTHEMES = TM_THEMES_MAX };
    const struct tm_pterm *top[CAND];
    uint32_t idx[CAND];
    size_t n = 0;
    for (size_t i = 0; i < p->nterms && n < CAND; i++) {
        const struct tm_pterm *t = &p->terms[i];
        if (!(t->flags & TM_T_PUBLIC) || (t->flags & TM_T_NOTOPIC))
            continue;
        uint32_t j = tm_map_find(&an->terms, t->term, strlen(t->term));
        if (j == UINT32_MAX)
            continue;
        top[n] = t;
        idx[n++] = j;
    }
    uint8_t used[CAND] = {0};
    p->themes = tm_xcalloc(MAXTHEMES, sizeof *p->themes);
    for (size_t s = 0; s < n && p->nthemes < MAXTHEMES; s++) {
        if (used[s])
            continue;
        struct tm_theme *th = &p->themes[p->nthemes++];
        used[s] = 1;
        th->terms[th->nterms++] = tm_xstrdup(top[s]->term);
        th->mentions = top[s]->mentions;
        for (size_t o = s + 1; o < n && th->nterms < 8; o++) {
            if (used[o])
                continue;
            int same = 0;
            for (int j = 0; j < MH; j++)
                same += an->mh[idx[s]][j] == an->mh[idx[o]][j];
            if (same * 2 >= MH) {
                used[o] = 1;
                th->terms[th->nterms++] = tm_xstrdup(top[o]->term);
                th->mentions += top[o]->mentions;
            }
        }
        th->label = tm_theme_label((const char *const *)th->terms, th->nterms);
    }
}

char *tm_theme_label(const char *const *terms, size_t n)
{
    struct tm_buf lb;
    tm_buf_init(&lb);
    for (size_t j = 0; j < n && j < 3; j++) {
        if (j)
            tm_buf_adds(&lb, " / ");
        tm_buf_adds(&lb, terms[j]);
    }
    return tm_buf_detach(&lb);
}

void tm_episode_release(struct tm_episode *ep)
{
    free(ep->problem);
    free(ep->prompt);
    free(ep->signature);
    for (size_t i = 0; i < ep->nsteps; i++)
        free(ep->steps[i]);
    free(ep->solution);
    memset(ep, 0, sizeof *ep);
}

void tm_profile_release(struct tm_profile *p)
{
    for (size_t i = 0; i < p->nterms; i++)
        free(p->terms[i].term);
    free(p->terms);
    free(p->topics);
    for (size_t i = 0; i < p->nthemes; i++) {
        free(p->themes[i].label);
        for (size_t j = 0; j < p->themes[i].nterms; j++)
            free(p->themes[i].terms[j]);
    }
    free(p->themes);
    for (size_t i = 0; i < p->nepisodes; i++)
        tm_episode_release(&p->episodes[i]);
    free(p->episodes);
    for (size_t i = 0; i < p->nvocab; i++)
        free(p->vocab[i].w);
    free(p->vocab);
    memset(p, 0, sizeof *p);
}

void tm_an_dump(struct tm_an *an, uint32_t min_df, int keep_denied,
                void (*fn)(void *ctx, const char *term, size_t len, uint64_t mentions, uint32_t df),
                void *ctx)
{
    for (uint32_t i = 0; i < an->terms.count; i++) {
        size_t len;
        const char *t = tm_map_key(&an->terms, i, &len);
        if (an->ts[i].df < min_df || (!keep_denied && denied(an, t, len, 0, 0)))
            continue;
        if (memchr(t, '_', len) && !phrase_ok(an, i, t, len))
            continue;
        fn(ctx, t, len, an->ts[i].mentions, an->ts[i].df);
    }
}
