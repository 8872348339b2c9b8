/* text.c - tokenizer, plural folding and canonical terms (see text.h). */
#include "pipeline/text.h"
#include "base/base.h"
#include "pipeline/scrub.h"
#include "base/simd.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const stop_list[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "don", "done", "down",
    "during", "each", "else", "etc", "even", "ever", "every", "few", "for", "from", "further",
    "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his",
    "how", "however", "i", "if", "in", "into", "is", "isn", "it", "its", "itself", "just",
    "let", "ll", "me", "might", "more", "most", "much", "must", "my", "no", "nor", "not",
    "now", "of", "off", "ok", "okay", "on", "once", "one", "only", "or", "other", "our",
    "ours", "out", "over", "own", "per", "please", "re", "same", "shall", "she", "should",
    "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "upon",
    "us", "ve", "very", "via", "was", "wasn", "we", "were", "what", "when", "where", "whether",
    "which", "while", "who", "whom", "why", "will", "with", "within", "without", "won",
    "would", "yes", "yet", "you", "your", "yours", "yourself", "let", "lets", "may", "maybe",
    "didn", "doesn", "aren", "couldn", "shouldn", "wouldn", "hasn", "haven", "weren", "ain",
    "s", "t", "d", "m", "y", "thing", "things", "something", "anything", "everything",
    "nothing", "really", "actually", "still", "already", "sure", "like", "well", "way",
    "need", "needs", "want", "see", "look", "make", "use", "using", "used", "vs", "ie", "eg",
};

/* A fixed set of short words, built once: open addressing over 2048 slots. */
#define SET_SLOTS 2048
struct wordset {
    const char *const *words;
    size_t n;
    int ready;
    uint16_t slot[SET_SLOTS]; /* index + 1 */
    uint8_t len[512];
};

static uint32_t h32(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void set_init(struct wordset *ws)
{
    for (size_t i = 0; i < ws->n && i < 512; i++) {
        size_t l = strlen(ws->words[i]);
        ws->len[i] = (uint8_t)l;
        uint32_t j = h32(ws->words[i], l) & (SET_SLOTS - 1);
        while (ws->slot[j])
            j = (j + 1) & (SET_SLOTS - 1);
        ws->slot[j] = (uint16_t)(i + 1);
    }
    ws->ready = 1;
}

static int set_has(struct wordset *ws, const char *w, size_t n)
{
    if (!ws->ready)
        set_init(ws);
    uint32_t j = h32(w, n) & (SET_SLOTS - 1);
    while (ws->slot[j]) {
        size_t i = ws->slot[j] - 1u;
        if (ws->len[i] == n && memcmp(ws->words[i], w, n) == 0)
            return 1;
        j = (j + 1) & (SET_SLOTS - 1);
    }
    return 0;
}

static struct wordset stops = {stop_list, sizeof stop_list / sizeof *stop_list, 0, {0}, {0}};

int tm_is_stopword(const char *w, size_t n)
{
    return n <= 10 && set_has(&stops, w, n); /* no function word is longer */
}

/* Words ending in s that are not plurals (or whose plural folding would be wrong). */
static const char *const keep_s[] = {
    "status", "analysis", "basis", "axis", "kubernetes", "https", "always", "perhaps",
    "series", "news", "sometimes", "besides", "towards", "whereas", "alias", "canvas",
    "atlas", "chaos", "macos", "ios", "windows", "lens", "plus", "minus", "virus", "campus",
    "corpus", "focus", "bonus", "thus", "previous", "various", "nexus", "consensus",
    "census", "radius", "jenkins", "postgres", "redis", "rails", "unless", "less", "bias",
    "gas", "pandas", "numpy", "does", "goes", "has", "was", "this", "its", "yes", "species",
    "physics", "mathematics", "economics", "analytics", "metrics", "kudos", "tss", "dns",
    "tls", "aws", "gcs", "kms", "ops", "mbps", "gbps", "fps", "dcaps", "ubuntus", "express",
    "process", "class", "access", "address", "success", "progress", "across", "cross",
    "otherwise", "whereas", "ptrs", "cs", "js", "ts", "vs", "os", "is", "us", "as",
    "configfs", "pccs", "luks", "sysfs", "procfs", "tmpfs", "debugfs", "securityfs", "ntfs",
    "zfs", "btrfs", "xfs", "nfs", "ipfs", "gfs", "hdfs", "cgroups", "iptables", "nftables",
};

static struct wordset keeps = {keep_s, sizeof keep_s / sizeof *keep_s, 0, {0}, {0}};

static int kept(const char *w, size_t n)
{
    return set_has(&keeps, w, n);
}

static int ends(const char *w, size_t n, const char *suf)
{
    size_t l = strlen(suf);
    return n >= l && memcmp(w + n - l, suf, l) == 0;
}

static const char *const irregular[][2] = {
    {"run", "ran"},      {"rerun", "reran"},  {"find", "found"},     {"read", "read"},     {"see", "saw"},
    {"make", "made"},    {"set", "set"},      {"get", "got"},        {"write", "wrote"},   {"rewrite", "rewrote"},
    {"take", "took"},    {"build", "built"},  {"rebuild", "rebuilt"}, {"put", "put"},      {"keep", "kept"},
    {"send", "sent"},    {"go", "went"},      {"do", "did"},         {"give", "gave"},     {"undo", "undid"},
    {"redo", "redid"},   {"begin", "began"},  {"choose", "chose"},   {"split", "split"},   {"reset", "reset"},
};

const char *tm_past_irregular(const char *base)
{
    for (size_t i = 0; i < sizeof irregular / sizeof *irregular; i++)
        if (!strcmp(base, irregular[i][0]))
            return irregular[i][1];
    return NULL;
}

const char *tm_past_irregular_base(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof irregular / sizeof *irregular; i++)
        if (strlen(irregular[i][1]) == n && !strncasecmp(w, irregular[i][1], n))
            return irregular[i][0];
    return NULL;
}

void tm_past_tense(const char *v, char *out, size_t cap)
{
    size_t n = strlen(v);
    const char *irr = tm_past_irregular(v);
    if (irr) {
        snprintf(out, cap, "%s", irr);
        return;
    }
    const char *vow = "aeiou";
    if (n >= 2 && v[n - 1] == 'e')
        snprintf(out, cap, "%sd", v);
    else if (n >= 2 && v[n - 1] == 'y' && !strchr(vow, v[n - 2]))
        snprintf(out, cap, "%.*sied", (int)(n - 1), v);
    else if (n == 3 && !strchr(vow, v[0]) && strchr(vow, v[1]) && !strchr("aeiouwxy", v[2])) /* stop, grep: doubled */
        snprintf(out, cap, "%s%ced", v, v[2]);
    else
        snprintf(out, cap, "%sed", v);
}

/* Fold a plural in place; return the new length. w is lowercase. */
static size_t fold(char *w, size_t n)
{
    if (n <= 3 || w[n - 1] != 's' || kept(w, n) || ends(w, n, "tls"))
        return n;
    if (ends(w, n, "ics")) /* genomics, physics, analytics: not plurals */
        return n;
    if (ends(w, n, "ss") || ends(w, n, "us") || ends(w, n, "is"))
        return n;
    if (ends(w, n, "ies") && n > 4) {
        if (ends(w, n, "cookies") || ends(w, n, "movies") || ends(w, n, "zombies"))
            return n - 1;
        w[n - 3] = 'y';
        return n - 2;
    }
    if (ends(w, n, "sses") || ends(w, n, "ches") || ends(w, n, "shes") || ends(w, n, "xes")) {
        if (ends(w, n, "caches") || ends(w, n, "niches") || ends(w, n, "aches"))
            return n - 1;
        return n - 2;
    }
    if (ends(w, n, "as") && n < 5)
        return n;
    return n - 1;
}

/* Character classes, one table lookup per byte on the hot path. */
enum { K_LO = 1, K_UP = 2, K_DG = 4, K_US = 8, K_HY = 16, K_BL = 32, K_HI = 64 };
#define K_AN (K_LO | K_UP | K_DG)
static uint8_t kc[256];

static void init_kc(void)
{
    if (kc['a'])
        return;
    for (int c = 0; c < 256; c++) {
        uint8_t k = 0;
        if (c >= 'a' && c <= 'z')
            k |= K_LO;
        if (c >= 'A' && c <= 'Z')
            k |= K_UP;
        if (c >= '0' && c <= '9')
            k |= K_DG;
        if (c == '_')
            k |= K_US;
        if (c == '-')
            k |= K_HY;
        if (c == ' ' || c == '\t')
            k |= K_BL;
        if (c >= 0x80)
            k |= K_HI;
        kc[c] = k;
    }
}

struct emitter {
    tm_tok_fn fn;
    void *ctx;
    int adj;    /* 0: broken, 1: after a term, 2: carried from before the run */
    int joined; /* the next part follows an identifier joint */
};

/* Emit one raw part p[0..n): lowercase, fold, filter. */
static void emit_part(struct emitter *e, const char *p, size_t n)
{
    char w[TM_TERM_MAX + 1];
    uint8_t all = 0;
    if (n < 2 || n > TM_TERM_MAX) {
        e->adj = 0;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t k = kc[(unsigned char)p[i]];
        w[i] = (char)(p[i] | ((k & K_UP) ? 0x20 : 0));
        all |= k;
    }
    if (!(all & (K_LO | K_UP))) /* numbers are not terms, and do not break an identifier */
        return;
    int acr_plural = n >= 3 && p[n - 1] == 's';
    for (size_t i = 0; acr_plural && i + 1 < n; i++)
        acr_plural = (kc[(unsigned char)p[i]] & K_UP) != 0;
    int folded = 0;
    if (acr_plural) { /* APIs, CVMs, URLs: the acronym */
        n--;
    } else if ((all & K_LO) || n < 3) { /* an acronym in capitals (PCCS, LUKS) is not a plural */
        size_t n0 = n;
        n = fold(w, n);
        folded = n0 - n == 1 ? TM_TOK_FOLD_S : n0 - n == 2 && w[n - 1] == 'y' ? TM_TOK_FOLD_IES
                 : n0 != n   ? TM_TOK_FOLD_ES : 0;
    }
    if (tm_is_stopword(w, n)) {
        e->adj = 0;
        return;
    }
    int flags = e->adj == 2 ? TM_TOK_CARRY
                : e->adj    ? TM_TOK_ADJ | (e->joined ? TM_TOK_JOINED : 0)
                            : 0;
    int caps = (all & K_UP) && (!(all & K_LO) || acr_plural) ? TM_TOK_CAPS : 0;
    e->fn(e->ctx, w, n, flags | folded | caps);
    e->adj = 1;
}

/* Does p[i..n) hold only capitals up to the end of the word (a separator or the run's
 * end), at least two of them? */
static int caps_to_end(const char *p, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && (kc[(unsigned char)p[j]] & K_UP))
        j++;
    return j - i >= 2 && (j == n || (kc[(unsigned char)p[j]] & (K_US | K_HY | K_DG)));
}

int tm_split_run(const char *p, size_t n, tm_tok_fn fn, void *ctx)
{
    init_kc();
    struct emitter e = {fn, ctx, 2, 0};
    size_t st = 0;
    int first = 1;
    uint8_t prev = 0;
    for (size_t i = 0; i <= n; i++) {
        uint8_t k = i < n ? kc[(unsigned char)p[i]] : K_US;
        int cut = 0, skip = 0;
        if (k & (K_US | K_HY)) {
            cut = 1;
            skip = 1;
        } else if (i > st && (k & K_UP)) {
            /* a capitalised name that ends in an acronym is one name: GraphQL, PostgreSQL,
             * OpenAI (composeHTTP and getURL still split: they start in lowercase) */
            int name_acronym = (prev & K_LO) && (kc[(unsigned char)p[st]] & K_UP) && caps_to_end(p, i, n);
            /* an acronym's plural is the acronym: APIs, CVMs, URLs (not HTTPServer) */
            int acr_plural = (prev & K_UP) && i + 1 < n && p[i + 1] == 's' &&
                             (i + 2 == n || (kc[(unsigned char)p[i + 2]] & (K_US | K_HY | K_DG | K_UP)));
            if ((prev & K_LO) && !name_acronym)
                cut = 1; /* composeHash */
            else if ((prev & K_UP) && i + 1 < n && (kc[(unsigned char)p[i + 1]] & K_LO) && !acr_plural)
                cut = 1; /* HTTPServer */
        }
        prev = k;
        if (!cut)
            continue;
        if (i > st) {
            e.joined = !first;
            emit_part(&e, p + st, i - st);
            first = 0;
        }
        st = i + (size_t)skip;
    }
    return e.adj;
}

void tm_scan_runs(const char *text, size_t len, tm_run_fn fn, void *ctx)
{
    int after_blank = 0;
    tm_scan_runs_ab(text, len, fn, ctx, &after_blank);
}

void tm_scan_runs_ab(const char *text, size_t len, tm_run_fn fn, void *ctx, int *ab)
{
    init_kc();
    size_t i = 0;
    int after_blank = *ab;
    while (i < len) {
        uint8_t k = kc[(unsigned char)text[i]];
        if ((k & K_AN) || ((k & K_US) && i + 1 < len && (kc[(unsigned char)text[i + 1]] & K_AN))) {
            size_t st = i;
            while (i < len) {
                if (len - i >= 16) { /* skip word bytes sixteen at a time */
                    unsigned lo, nw = ~tm_word16(text + i, &lo) & 0xffffu;
                    i += nw ? (size_t)__builtin_ctz(nw) : 16;
                    if (!nw)
                        continue;
                }
                uint8_t d = kc[(unsigned char)text[i]];
                if (d & (K_AN | K_US))
                    i++;
                else if ((d & K_HY) && i > st && i + 1 < len && (kc[(unsigned char)text[i + 1]] & K_AN))
                    i++;
                else
                    break;
            }
            if (i < len && (kc[(unsigned char)text[i]] & K_HI)) {
                /* a word that runs into non-ASCII letters is not an ASCII term */
                while (i < len && (kc[(unsigned char)text[i]] & (K_HI | K_AN)))
                    i++;
                after_blank = 0;
                continue;
            }
            fn(ctx, text + st, i - st, after_blank);
            after_blank = 1; /* until something other than blanks comes */
            i = tm_skip_blanks(text, i, len); /* blanks keep adjacency: step over them here */
            continue;
        }
        if (k & K_BL) {
            i = tm_skip_blanks(text, i, len); /* blanks keep adjacency */
            continue;
        }
        if (text[i] == TM_MARK && i + 1 < len)
            i++; /* skip the kind letter */
        else if (k & K_HI)
            while (i + 1 < len && ((unsigned char)text[i + 1] & 0xc0) == 0x80)
                i++;
        after_blank = 0;
        i++;
    }
    *ab = after_blank;
}

struct tok {
    tm_tok_fn fn;
    void *ctx;
    int adj; /* the last emitted part may join the next one */
};

static void tok_part(void *ctx, const char *w, size_t n, int flags)
{
    struct tok *t = ctx;
    if (flags & TM_TOK_CARRY)
        flags = t->adj ? TM_TOK_ADJ : 0;
    t->fn(t->ctx, w, n, flags);
}

static void tok_run(void *ctx, const char *run, size_t n, int after_blank)
{
    struct tok *t = ctx;
    if (!after_blank)
        t->adj = 0;
    int r = tm_split_run(run, n, tok_part, t);
    if (r != 2)
        t->adj = r;
}

void tm_tokenize(const char *text, size_t len, tm_tok_fn fn, void *ctx)
{
    struct tok t = {fn, ctx, 0};
    tm_scan_runs(text, len, tok_run, &t);
}

struct canon_ctx {
    char *out;
    size_t cap, len;
};

static void canon_part(void *ctx, const char *part, size_t n, int flags)
{
    struct canon_ctx *c = ctx;
    (void)flags;
    if (c->len + n + 2 > c->cap)
        return;
    if (c->len)
        c->out[c->len++] = '_';
    memcpy(c->out + c->len, part, n);
    c->len += n;
    c->out[c->len] = 0;
}

size_t tm_canon(const char *s, size_t n, char *out, size_t outcap)
{
    struct canon_ctx c = {out, outcap, 0};
    if (outcap)
        out[0] = 0;
    tm_tokenize(s, n, canon_part, &c);
    return c.len;
}
