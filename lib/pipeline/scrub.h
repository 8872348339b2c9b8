/* scrub.h - the privacy filter: removes private data from free text before any analysis.
 *
 * Every text that reaches the analyser passes tm_scrub first. Sensitive spans are
 * replaced by a two-byte marker TM_MARK followed by a kind letter (see enum
 * tm_scrub_kind); the tokenizer treats a marker as a break, and tm_scrub_render turns
 * markers into readable placeholders such as "<path>". Identity words found inside
 * scrubbed spans (the user name in /home/NAME, the labels of an e-mail address) are
 * added to an optional deny map so that they can never be published even when they
 * also appear in plain prose. See docs/privacy.md for the full rule list. */
#ifndef TM_SCRUB_H
#define TM_SCRUB_H

#include <stdint.h>
#include "base/base.h"
#include "pipeline/text.h"

#define TM_MARK '\x1a'

enum tm_scrub_kind {
    TM_S_PATH,   /* absolute paths, home dirs, encoded project dirs */
    TM_S_EMAIL,
    TM_S_NAME,   /* names beside e-mails, git Author:/Co-Authored-By: lines */
    TM_S_HOST,
    TM_S_IP,
    TM_S_UUID,
    TM_S_HEX,    /* commit hashes, digests, 0x... */
    TM_S_SECRET, /* API keys, tokens, JWTs, Bearer values, password=... */
    TM_S_PEM,
    TM_S_URL,
    TM_S_ID,     /* random identifiers (msg_..., toolu_..., high-entropy strings) */
    TM_S_BRANCH, /* git branch names: known from the logs' gitBranch, or announced */
    TM_S_NUMBER, /* payment cards (Luhn), IBANs (mod 97), phone numbers, SSNs */
    TM_S_NKINDS
};

struct tm_scrub {
    uint64_t hits[TM_S_NKINDS]; /* spans replaced, per kind */
    struct tm_map *deny;        /* borrowed, may be NULL: identity words (names, user) */
    struct tm_map *soft;        /* borrowed, may be NULL: e-mail domain labels */
    const struct tm_map *branches; /* borrowed, may be NULL: branch names to scrub */
};

/* Append a scrubbed copy of text[0..len) to out. Never fails; never reads past len. */
void tm_scrub(struct tm_scrub *s, const char *text, size_t len, struct tm_buf *out);

/* Scrub text and hand its identifier runs straight to fn: the same calls, with the same
 * after_blank, as tm_scan_runs over tm_scrub's output, without a second pass over the
 * text. Most words (lowercase letters between separators) go to fn from the input; the
 * rest of the output is assembled in tmp (scratch, reset here) and scanned there. */
void tm_scrub_runs(struct tm_scrub *s, const char *text, size_t len, struct tm_buf *tmp,
                   tm_run_fn fn, void *ctx);

/* Letter used after TM_MARK for kind, and the placeholder name ("path", ...). */
char tm_scrub_letter(enum tm_scrub_kind k);
const char *tm_scrub_kind_name(enum tm_scrub_kind k);

/* Append text with markers rendered as "<path>", "<email>", ... */
void tm_scrub_render(const char *text, size_t len, struct tm_buf *out);

/* Harvest identity words from metadata. strict receives words that are never published
 * (the user name after /Users/, /home/ or in an encoded project dir; the user prefix of
 * a git branch "alex/fix"); soft receives the other path components (project names),
 * which are withheld unless they are public vocabulary (a taxonomy or background term).
 * Words are lowercased alphanumeric runs of 2..40 bytes. */
void tm_scrub_harvest_path(struct tm_map *strict, struct tm_map *soft, const char *path,
                           size_t len);
void tm_scrub_harvest_branch(struct tm_map *soft, const char *branch, size_t len);
/* The words of text that an identity command printed (whoami, hostname, git config
 * user.name ...), shared role accounts (root, git ...) excepted, into strict. */
void tm_scrub_harvest_words(struct tm_map *strict, const char *text, size_t len);
/* Is command (a shell command line) one whose output names the user or the machine? */
int tm_scrub_identity_command(const char *command, size_t len);

#endif
