/* text.h - the tokenizer: scrubbed text in, canonical terms out.
 *
 * Words and identifiers are split into parts (snake_case, kebab-case, camelCase,
 * "HTTPServer" -> http server), lowercased and plural-folded ("quotes" -> quote,
 * "policies" -> policy; "tls", "status", "kubernetes" kept). Pure numbers and English
 * function words are dropped. The callback gets each part with flags: TM_TOK_ADJ when
 * it directly follows the previous part in the same phrase (a single space or an
 * identifier joint), TM_TOK_JOINED when the joint was inside an identifier
 * ("compose_hash", "composeHash"). Two adjacent parts form the bigram "a_b", so
 * "compose hash", "compose-hash", "compose_hash" and "composeHash" all meet in the
 * canonical term compose_hash. */
#ifndef TM_TEXT_H
#define TM_TEXT_H

#include <stddef.h>

#define TM_TERM_MAX 40 /* bytes of a canonical unigram part */

enum { TM_TOK_ADJ = 1, TM_TOK_JOINED = 2, TM_TOK_CARRY = 4 };
/* How a part was folded from a plural (bits 3-4 of flags): the part was written
 * PART+"s", PART+"es", or PART[..-1]+"ies". 0: written as it is. */
enum { TM_TOK_FOLD_S = 8, TM_TOK_FOLD_ES = 16, TM_TOK_FOLD_IES = 24, TM_TOK_FOLD_MASK = 24 };
/* The part was written in capitals (SLAM, BAM, APIs): an acronym, not the English word. */
enum { TM_TOK_CAPS = 32 };

/* English verbs whose past tense is irregular: the past of base (or NULL), and the base
 * of a past form w[0..n) (or NULL). The step rewriter makes pasts with them; the
 * publishable-word check reads them back. */
const char *tm_past_irregular(const char *base);
const char *tm_past_irregular_base(const char *w, size_t n);
/* The past tense of an English verb v (lowercase base form) into out: "check" ->
 * "checked", "stop" -> "stopped", "apply" -> "applied", "run" -> "ran". */
void tm_past_tense(const char *v, char *out, size_t cap);

typedef void (*tm_tok_fn)(void *ctx, const char *part, size_t len, int flags);

void tm_tokenize(const char *text, size_t len, tm_tok_fn fn, void *ctx);

/* The two halves of tm_tokenize, for callers that cache per word (the analyser).
 * tm_scan_runs calls fn for each identifier run (letters, digits, '_', inner '-');
 * after_blank says that only blanks separate it from the previous run. */
typedef void (*tm_run_fn)(void *ctx, const char *run, size_t n, int after_blank);
void tm_scan_runs(const char *text, size_t len, tm_run_fn fn, void *ctx);
/* The same over text that continues other text: *ab is after_blank where the other
 * text ended (0 at its start) and is updated to where this one ends. The split must not
 * fall inside a run or between a run and the byte that decides whether it ends there. */
void tm_scan_runs_ab(const char *text, size_t len, tm_run_fn fn, void *ctx, int *ab);
/* Split one run into canonical parts. A part adjacent to whatever preceded the run gets
 * TM_TOK_CARRY instead of TM_TOK_ADJ (the caller knows whether that was a term).
 * Returns the adjacency after the run: 0 broken, 1 a term ended it, 2 unchanged (the
 * run held only numbers). */
int tm_split_run(const char *run, size_t n, tm_tok_fn fn, void *ctx);

/* Canonicalise one free-form phrase ("Compose Hash", "composeHash") into out as a
 * snake_case term; return its length (0 if nothing is left). */
size_t tm_canon(const char *s, size_t n, char *out, size_t outcap);

/* Is w (lowercase) an English function word that is never a term? */
int tm_is_stopword(const char *w, size_t n);

#endif
