/* ingest_int.h - state shared by ingest.c (files, lines, volume) and claude.c (what a
 * record means: its text, its session, debugging episodes). Library-internal. */
#ifndef TM_INGEST_INT_H
#define TM_INGEST_INT_H

#include "pipeline/ingest.h"
#include "base/json.h"

#define TOOLS_RING 64

struct episode_state {
    int open, fixed;
    struct tm_episode ep;
    char fail_tool[32];
    char *before_fix; /* the last assistant sentence before the fix: what was about to be done */
    char fix_tool[48];  /* the tool call that made the fix: undone if it fails */
    int user_reported;  /* opened by the user's words: the first tool error names it better */
};

struct tm_ingest {
    struct tm_an *an;
    struct tm_ingest_hooks h;
    enum tm_ingest_depth depth;
    struct tm_volume vol;
    struct tm_scrub scrub;
    struct tm_map units;    /* "s:<sessionId>" -> unit */
    uint8_t *unit_is_session;
    uint32_t unit_cap;
    struct tm_map projects; /* "d:<dir>" or "c:<cwd>" */
    struct tm_map days;     /* 8-byte day numbers */
    struct tm_map seen;     /* cwd / branch values already harvested */
    struct tm_map branches; /* gitBranch values: scrubbed where text names them */
    uint32_t generic_files; /* files without Claude records: one session each */
    struct tm_buf sbuf, rbuf, tbuf, jbuf;
    struct tm_jdoc jd;      /* the record being read */
    /* per file */
    const char *fname;      /* base name, for warnings */
    const char *fproject;
    char funit[128];        /* unit key for records without sessionId */
    uint64_t line;
    int file_has_unit;      /* a record of this file named its session */
    int file_claude;
    char *fpath;            /* the current file's name, as begun */
    uint64_t frecords;      /* records before it */
    int ftext, ffirst, fskip; /* text file; no byte seen yet; discarding an over-long line */
    uint32_t project_idx;
    /* tool_use id -> tool name, for episodes */
    char tool_id[TOOLS_RING][48];
    char tool_name[TOOLS_RING][32];
    uint8_t tool_ident[TOOLS_RING]; /* a command whose output names the user or the host */
    unsigned tool_next;
    struct episode_state es;
};

/* The record parsed into in->jd (token 0, an object). */
void ingest_record(struct tm_ingest *in);
void ingest_text(struct tm_ingest *in, const char *s, size_t n);
void ingest_set_unit(struct tm_ingest *in, const char *key, size_t n, int is_session);
void episode_flush(struct tm_ingest *in);
void ingest_warn(struct tm_ingest *in, const char *what);
/* Count one record of type t[0..n) in the volume's by_type. */
void ingest_count_type(struct tm_ingest *in, const char *t, size_t n);

#endif
