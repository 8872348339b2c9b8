/* ingest.h - streaming reader for Claude Code trees, JSONL and text files.
 *
 * tm_ingest_collect walks the inputs and returns the files in canonical order (by path
 * relative to the input argument). tm_ingest_file streams one file line by line with
 * memory bounded by the longest accepted line (TM_LINE_MAX): every JSON object is
 * counted, handed raw to the record sink (commitment, sealing) and its text, scrubbed,
 * to the analyser. Back-to-back objects on one line are split; a malformed line is
 * counted, reported through the warn callback (file base name and line, never content)
 * and skipped. */
#ifndef TM_INGEST_H
#define TM_INGEST_H

#include <stdint.h>
#include "base/base.h"
#include "pipeline/profile.h"
#include "pipeline/scrub.h"

#define TM_LINE_MAX (64u << 20)   /* longest line accepted (a pasted image is ~0.5 MB) */
#define TM_FILES_MAX 1000000u

enum tm_file_kind { TM_FILE_JSONL, TM_FILE_TEXT };

struct tm_file {
    char *path;     /* as opened */
    char *rel;      /* sort key: path relative to its input argument */
    char *project;  /* Claude project dir name (encoded cwd), or NULL */
    enum tm_file_kind kind;
    uint64_t size;
};

struct tm_filelist {
    struct tm_file *v;
    size_t n, cap;
    uint64_t bytes;
};

/* Walk paths (files or directories; symlinked directories are not followed) and fill fl
 * in canonical order. Directories contribute *.jsonl, *.md, *.markdown and *.txt files;
 * a file named on the command line is read whatever its name. */
enum tm_rc tm_ingest_collect(const char *const *paths, size_t npaths, struct tm_filelist *fl,
                             struct tm_diag *d) TM_NODISCARD;
void tm_filelist_release(struct tm_filelist *fl);

struct tm_volume {
    uint64_t records, malformed, bytes, files, unknown_kinds, text_records;
    uint32_t sessions, projects, active_days;
    int64_t first_ms, last_ms; /* valid when have_time */
    int have_time;
    struct tm_map types;       /* record type -> index into type_counts */
    uint64_t *type_counts;
    uint64_t tool_uses, tool_errors;
};

struct tm_ingest;

struct tm_ingest_hooks {
    void *ctx;
    /* One raw JSON object (or text paragraph) exactly as read; may be NULL. */
    void (*record)(void *ctx, const char *bytes, size_t len);
    /* A one-line warning without record content; may be NULL. */
    void (*warn)(void *ctx, const char *msg);
    /* Bytes consumed so far; may be NULL. */
    void (*progress)(void *ctx, uint64_t bytes);
};

/* an (borrowed) receives the scrubbed text. Owned: tm_ingest_free. */
struct tm_ingest *tm_ingest_new(struct tm_an *an, const struct tm_ingest_hooks *hooks);
void tm_ingest_free(struct tm_ingest *in);
/* Stream one file. Fails only when the file cannot be read (TM_EIO). */
enum tm_rc tm_ingest_file(struct tm_ingest *in, const struct tm_file *f, struct tm_diag *d) TM_NODISCARD;
/* Stream a file that arrives in pieces (an upload): begin it (path names it in warnings,
 * rel and project place it as tm_ingest_collect would), feed its bytes split anywhere,
 * end it. Memory stays bounded by TM_LINE_MAX whatever the file's size. */
void tm_ingest_begin(struct tm_ingest *in, const char *path, const char *rel, const char *project,
                     enum tm_file_kind kind);
void tm_ingest_feed(struct tm_ingest *in, const void *p, size_t n);
void tm_ingest_end(struct tm_ingest *in);
/* Stream one in-memory buffer as if it were a JSONL file (tests, fuzzing). */
void tm_ingest_buffer(struct tm_ingest *in, const char *name, const char *buf, size_t len);
/* How far each record goes, for measuring the cost of the stages (`make bench`, `teemed
 * x-floor`); onboarding always runs FULL. SPLIT: each line is one record, handed to the
 * record sink and nothing else (no UTF-8 check, no JSON); PARSE: UTF-8 checked, JSON
 * parsed and objects split, then handed to the sink, but no record is interpreted. Text
 * files are always read in full. */
enum tm_ingest_depth { TM_INGEST_FULL, TM_INGEST_PARSE, TM_INGEST_SPLIT };
void tm_ingest_set_depth(struct tm_ingest *in, enum tm_ingest_depth depth);
/* Final figures (borrowed: valid while in lives). */
const struct tm_volume *tm_ingest_volume(struct tm_ingest *in);
const struct tm_scrub *tm_ingest_scrub_stats(struct tm_ingest *in);

/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
int tm_utf8_valid(const char *s, size_t n);

#endif
