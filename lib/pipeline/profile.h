/* profile.h - the analyser and the dataset profile it produces.
 *
 * The analyser counts canonical terms (unigrams and two-word phrases) over scrubbed
 * text: total mentions and document frequency in analysis units (sessions). The
 * profile is what stays sealed inside the mediator: distinctive terms with their
 * figures, taxonomy topics with shares, unsupervised themes and debugging episodes.
 * Only terms with df >= k that are not identity words ever leave it. */
#ifndef TM_PROFILE_H
#define TM_PROFILE_H

#include <stdint.h>
#include "pipeline/background.h"
#include "base/base.h"
#include "pipeline/taxonomy.h"

struct tm_scrub;

#define TM_K_DEFAULT 3
#define TM_K_MIN 2
/* Differential privacy: each session contributes at most this many mentions to the
 * clipped counts, so one session changes a clipped count by at most TM_DP_CLIP. */
#define TM_DP_CLIP 10

struct tm_an; /* opaque analyser */

/* Term flags in a profile. */
enum {
    TM_T_PUBLIC = 1,    /* df >= k and not an identity word: may be published */
    TM_T_GENERIC = 2,   /* frequent in the background: vocabulary, never expertise */
    TM_T_DENIED = 4,    /* an identity word (user, project, e-mail label) */
    TM_T_PHRASE = 8,    /* a two-word term */
    TM_T_TAXONOMY = 16, /* listed by a taxonomy topic */
    TM_T_PART = 32,     /* a word whose phrase carries most of its uses: the phrase is the topic */
    TM_T_NOTOPIC = TM_T_GENERIC | TM_T_PART, /* never a topic by itself */
};

struct tm_pterm {
    char *term;
    uint64_t mentions;
    uint32_t df;
    uint32_t flags;
    double score; /* distinctiveness (signed log-likelihood G2 vs the background) */
    uint64_t clipped; /* mentions with each session's contribution capped at TM_DP_CLIP */
};

struct tm_ptopic {
    int topic;             /* index into the taxonomy */
    uint64_t mentions;     /* of its terms */
    uint64_t records;      /* content records that mention it */
    uint32_t df;           /* units that mention it */
    double share;          /* records / content records */
    int publishable;       /* df >= k */
    uint64_t clipped;      /* mentions, each session's contribution capped at TM_DP_CLIP */
};

#define TM_THEMES_MAX 6 /* themes of a profile */
/* A theme's name: its strongest three terms of n, "react / router / redux" (owned). */
char *tm_theme_label(const char *const *terms, size_t n);

struct tm_theme {
    char *label;           /* "react / router / redux" */
    char *terms[8];
    size_t nterms;
    uint64_t mentions;
};

/* A debugging episode, or after tm_an_add_episode a cluster of episodes with the same
 * normalised problem: the representative's text plus how often, in how many sessions
 * and projects the problem was seen. Memory grows with distinct problems, not input. */
#define TM_EP_PROJECTS 32
#define TM_EP_UNITS 64
struct tm_episode {
    char *problem;         /* scrubbed, rendered error text (one line) */
    char *prompt;          /* the user's report of it, scrubbed (NULL when none): searched, never released */
    char *signature;       /* normalised problem for clustering */
    char *steps[8];        /* investigation, scrubbed and rendered */
    size_t nsteps;
    char *solution;        /* may be NULL when unresolved */
    uint32_t unit, project;
    int resolved;
    uint32_t count;        /* episodes in the cluster */
    uint32_t sessions;     /* distinct sessions (exact up to TM_EP_UNITS) */
    uint32_t units[TM_EP_UNITS]; /* the sessions (analysis units), for merging clusters */
    uint32_t nunits;
    uint32_t projects[TM_EP_PROJECTS];
    uint32_t nprojects;
};

/* The dataset's publishable vocabulary: every single word seen in >= k sessions that is
 * not an identity word, sorted, with its session count. Free text a computation
 * releases (debugging patterns) is built from these words, function words and the
 * taxonomy only, and queries are matched on them only, so nothing released depends on
 * a word seen in fewer than k sessions. */
struct tm_vword {
    char *w;
    uint32_t df;
};
#define TM_VOCAB_MAX 30000

struct tm_profile {
    int k;
    uint64_t tokens, content_records;
    uint32_t units;
    uint32_t revisits;        /* units that came back (df is lowered by this) */
    struct tm_pterm *terms;   /* ranked by score, publishable and taxonomy terms kept */
    size_t nterms;
    struct tm_ptopic *topics; /* one per taxonomy topic with mentions, by share */
    size_t ntopics;
    struct tm_theme *themes;
    size_t nthemes;
    struct tm_episode *episodes;
    size_t nepisodes, capepisodes;
    uint64_t episodes_dropped;
    struct tm_vword *vocab;   /* sorted by word */
    size_t nvocab;
};

struct tm_an *tm_an_new(const struct tm_taxonomy *tax, const struct tm_background *bg);
void tm_an_free(struct tm_an *an);
/* A new input file starts (interleaved sessions are resolved per file). */
void tm_an_file(struct tm_an *an);
/* Set the analysis unit (session) that the following text belongs to; units are dense
 * ids chosen by the caller, and may be revisited in any order. */
void tm_an_unit(struct tm_an *an, uint32_t unit);
/* Count the terms of scrubbed text (see tm_scrub). */
void tm_an_text(struct tm_an *an, const char *text, size_t len);
/* Scrub raw text with s and count its terms in one pass: the same counts as tm_scrub
 * into a buffer and tm_an_text on it. tmp is scratch. */
void tm_an_scrub_text(struct tm_an *an, struct tm_scrub *s, const char *text, size_t len,
                      struct tm_buf *tmp);
/* The text that follows is a tool call's input - code, commands, file contents - (on) or
 * prose (off, the default). A topic is something the conversation talks about: a term
 * seen almost only in tool input (nil, fmt, errorf: the vocabulary of a language) is no
 * topic by itself. */
void tm_an_code(struct tm_an *an, int on);
/* Close a record: topic shares count records that mention a topic. */
void tm_an_record_end(struct tm_an *an);
/* Identity words: strict ones are never published, soft ones unless public vocabulary. */
struct tm_map *tm_an_deny_strict(struct tm_an *an);
struct tm_map *tm_an_deny_soft(struct tm_an *an);
/* Hand over an episode (owned by the analyser afterwards); it joins the cluster of its
 * signature. At most TM_EP_CLUSTERS (1024) clusters are kept; later new problems are counted
 * in the profile's episodes_dropped. */
#define TM_EP_CLUSTERS 1024
void tm_an_add_episode(struct tm_an *an, struct tm_episode *ep);

/* Rank terms, apply the k-threshold and the identity filters, and fill *p (owned:
 * tm_profile_release). k is clamped to >= TM_K_MIN. */
void tm_an_finish(struct tm_an *an, int k, struct tm_profile *p);
void tm_profile_release(struct tm_profile *p);
/* Call fn for every counted term with df >= min_df that is no identity word (strict or
 * soft) unless keep_denied; used to build the background model. */
void tm_an_dump(struct tm_an *an, uint32_t min_df, int keep_denied,
                void (*fn)(void *ctx, const char *term, size_t len, uint64_t mentions, uint32_t df),
                void *ctx);
void tm_episode_release(struct tm_episode *ep);

/* Top publishable, non-generic, distinctive terms (at most max), best first. */
/* Is the word (canonical form, n bytes) in p's publishable vocabulary (with df >= k)? */
int tm_profile_vocab(const struct tm_profile *p, const char *w, size_t n);
/* Keep only the vocabulary seen in >= k sessions (a policy that raises k). */
void tm_profile_vocab_raise(struct tm_profile *p, int k);
size_t tm_profile_top(const struct tm_profile *p, const struct tm_pterm **out, size_t max);
/* Is term ambient under amb (the market's pooled background, core/pool.h; may be NULL):
 * listed, or a phrase (a_b) with an ambient word? */
int tm_term_ambient(const struct tm_map *amb, const char *term);

#endif
