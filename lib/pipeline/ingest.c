/* ingest.c - walking inputs, streaming lines, splitting JSON objects, volume figures.
 * What a record means (its text, session and episodes) is in claude.c. */
#define _DEFAULT_SOURCE
#include "pipeline/ingest_int.h"
#include "base/simd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1u << 20)

/* ---- collecting files ---- */

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcmp(name + n - e, ext) == 0;
}

static enum tm_file_kind kind_of(const char *name)
{
    return has_ext(name, ".jsonl") || has_ext(name, ".json") || has_ext(name, ".ndjson")
               ? TM_FILE_JSONL
               : TM_FILE_TEXT;
}

static const char *base_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The Claude project dir of a file: parent dir, or for <dir>/<sid>/subagents/x the
 * grandparent's parent. Recognised by the encoding (a cwd always starts with '/', so
 * its encoded name starts with '-') or by living directly under a "projects" dir. */
static char *project_of(const char *path)
{
    char *p = tm_xstrdup(path), *res = NULL;
    char *parts[4] = {0}; /* parts[0] = file, [1] = its dir, [2] = above, [3] = above that */
    int np = 0;
    for (char *s = strrchr(p, '/'); s && np < 4; s = strrchr(p, '/')) {
        *s = 0;
        parts[np++] = s + 1;
    }
    if (np < 4 && p[0])
        parts[np++] = p; /* a relative path's first component */
    const char *proj = NULL, *above = NULL;
    if (np >= 2 && !strcmp(parts[1], "subagents")) {
        proj = np >= 4 ? parts[3] : NULL; /* <proj>/<session>/subagents/agent-x.jsonl */
    } else if (np >= 2) {
        proj = parts[1];
        above = np >= 3 ? parts[2] : NULL;
    }
    if (proj && (proj[0] == '-' || (above && !strcmp(above, "projects"))))
        res = tm_xstrdup(proj);
    free(p);
    return res;
}

static void add_file(struct tm_filelist *fl, const char *path, const char *rel, uint64_t size)
{
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? fl->cap * 2 : 64;
        fl->v = tm_xrealloc(fl->v, fl->cap * sizeof *fl->v);
    }
    struct tm_file *f = &fl->v[fl->n++];
    f->path = tm_xstrdup(path);
    f->rel = tm_xstrdup(rel);
    f->project = project_of(path);
    f->kind = kind_of(path);
    f->size = size;
    fl->bytes += size;
}

static enum tm_rc walk(struct tm_filelist *fl, const char *dir, size_t rootlen, int depth,
                       struct tm_diag *d)
{
    if (depth > 32)
        return TM_OK;
    DIR *dp = opendir(dir);
    if (!dp)
        return tm_fail(d, TM_EIO, "cannot read '%s': %s", dir, strerror(errno));
    enum tm_rc rc = TM_OK;
    struct tm_buf p;
    tm_buf_init(&p);
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .., and hidden files */
        tm_buf_reset(&p);
        tm_buf_addf(&p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p.ptr, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = walk(fl, p.ptr, rootlen, depth + 1, d);
            if (rc)
                break;
        } else if (S_ISREG(st.st_mode) &&
                   (has_ext(e->d_name, ".jsonl") || has_ext(e->d_name, ".md") ||
                    has_ext(e->d_name, ".markdown") || has_ext(e->d_name, ".txt"))) {
            if (fl->n >= TM_FILES_MAX) {
                rc = tm_fail(d, TM_ETOOBIG, "more than %u input files", TM_FILES_MAX);
                break;
            }
            add_file(fl, p.ptr, p.ptr + rootlen, (uint64_t)st.st_size);
        }
    }
    closedir(dp);
    tm_buf_release(&p);
    return rc;
}

static int by_rel(const void *a, const void *b)
{
    const struct tm_file *x = a, *y = b;
    int c = strcmp(x->rel, y->rel);
    return c ? c : strcmp(x->path, y->path);
}

enum tm_rc tm_ingest_collect(const char *const *paths, size_t npaths, struct tm_filelist *fl,
                             struct tm_diag *d)
{
    memset(fl, 0, sizeof *fl);
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0)
            return tm_fail(d, TM_EIO, "cannot read '%s': %s", paths[i], strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            size_t rl = strlen(paths[i]);
            while (rl > 1 && paths[i][rl - 1] == '/')
                rl--;
            char *root = tm_xstrndup(paths[i], rl);
            enum tm_rc rc = walk(fl, root, rl + 1, 0, d);
            free(root);
            if (rc)
                return rc;
        } else if (S_ISREG(st.st_mode)) {
            add_file(fl, paths[i], base_of(paths[i]), (uint64_t)st.st_size);
        } else {
            return tm_fail(d, TM_EINVAL, "cannot read '%s': not a file or directory", paths[i]);
        }
    }
    qsort(fl->v, fl->n, sizeof *fl->v, by_rel);
    /* The same file named twice (or inside two named trees) is read once. */
    size_t o = 0;
    for (size_t i = 0; i < fl->n; i++) {
        if (o && !strcmp(fl->v[o - 1].path, fl->v[i].path)) {
            fl->bytes -= fl->v[i].size;
            free(fl->v[i].path);
            free(fl->v[i].rel);
            free(fl->v[i].project);
            continue;
        }
        fl->v[o++] = fl->v[i];
    }
    fl->n = o;
    return TM_OK;
}

void tm_filelist_release(struct tm_filelist *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        free(fl->v[i].path);
        free(fl->v[i].rel);
        free(fl->v[i].project);
    }
    free(fl->v);
    memset(fl, 0, sizeof *fl);
}

/* ---- UTF-8 ---- */

int tm_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* fast path: 32 ASCII bytes at a time, then 8 */
        while (i + 32 <= n && !tm_high32(str + i))
            i += 32;
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        unsigned cp = c & (0xff >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* ---- the ingest object ---- */

struct tm_ingest *tm_ingest_new(struct tm_an *an, const struct tm_ingest_hooks *hooks)
{
    struct tm_ingest *in = tm_xcalloc(1, sizeof *in);
    in->an = an;
    if (hooks)
        in->h = *hooks;
    tm_map_init(&in->vol.types);
    tm_map_init(&in->units);
    tm_map_init(&in->projects);
    tm_map_init(&in->days);
    tm_map_init(&in->seen);
    tm_map_init(&in->branches);
    in->scrub.branches = &in->branches;
    tm_buf_init(&in->sbuf);
    tm_buf_init(&in->rbuf);
    tm_buf_init(&in->tbuf);
    tm_buf_init(&in->jbuf);
    tm_json_init(&in->jd);
    in->scrub.deny = an ? tm_an_deny_strict(an) : NULL;
    in->scrub.soft = an ? tm_an_deny_soft(an) : NULL;
    return in;
}

void tm_ingest_free(struct tm_ingest *in)
{
    if (!in)
        return;
    episode_flush(in);
    tm_map_release(&in->vol.types);
    free(in->vol.type_counts);
    tm_map_release(&in->units);
    free(in->unit_is_session);
    tm_map_release(&in->projects);
    tm_map_release(&in->days);
    tm_map_release(&in->seen);
    tm_map_release(&in->branches);
    tm_buf_release(&in->sbuf);
    tm_buf_release(&in->rbuf);
    tm_buf_release(&in->tbuf);
    tm_buf_release(&in->jbuf);
    tm_json_release(&in->jd);
    free(in->fpath);
    free(in);
}

void ingest_warn(struct tm_ingest *in, const char *what)
{
    in->vol.malformed++;
    if (!in->h.warn)
        return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s:%llu: %s, line skipped", in->fname,
             (unsigned long long)in->line, what);
    in->h.warn(in->h.ctx, msg);
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* One line: zero or more JSON objects back to back. */
static void json_line(struct tm_ingest *in, const char *s, size_t n)
{
    if (blank(s, n))
        return;
    if (in->depth == TM_INGEST_SPLIT) {
        in->vol.records++;
        if (in->h.record)
            in->h.record(in->h.ctx, s, n);
        return;
    }
    if (!tm_utf8_valid(s, n)) {
        ingest_warn(in, "invalid UTF-8");
        return;
    }
    size_t off = 0;
    while (off < n) {
        while (off < n && (s[off] == ' ' || s[off] == '\t' || s[off] == '\r'))
            off++;
        if (off >= n)
            break;
        size_t used = tm_json_parse(&in->jd, s + off, n - off);
        if (!used) {
            ingest_warn(in, off ? "malformed JSON after an object" : "malformed JSON");
            return;
        }
        if (in->jd.t[0].type != TM_J_OBJECT) {
            ingest_warn(in, "not a JSON object");
            return;
        }
        in->vol.records++;
        if (in->h.record)
            in->h.record(in->h.ctx, s + off, used);
        if (in->depth == TM_INGEST_FULL)
            ingest_record(in);
        off += used;
    }
}

/* A text file: one record per paragraph (blank-line separated). */
static void text_para(struct tm_ingest *in, const char *s, size_t n)
{
    if (blank(s, n))
        return;
    if (!tm_utf8_valid(s, n)) {
        ingest_warn(in, "invalid UTF-8");
        return;
    }
    in->vol.records++;
    in->vol.text_records++;
    ingest_set_unit(in, in->funit, strlen(in->funit), 0);
    if (in->h.record)
        in->h.record(in->h.ctx, s, n);
    ingest_count_type(in, "text", 4);
    ingest_text(in, s, n);
    if (in->an)
        tm_an_record_end(in->an);
}

static void begin_file(struct tm_ingest *in, const char *name, const char *rel, const char *project)
{
    episode_flush(in);
    if (in->an)
        tm_an_file(in->an);
    in->fname = base_of(name);
    in->fproject = project;
    in->line = 0;
    in->file_claude = 0;
    in->tool_next = 0;
    memset(in->tool_id, 0, sizeof in->tool_id);
    /* Records without sessionId belong to the session the file is named after: the
     * file stem, or for sub-agents the session directory. */
    const char *stem = in->fname;
    size_t sl = strcspn(stem, ".");
    const char *sub = strstr(rel, "/subagents/");
    if (sub) {
        const char *a = sub;
        while (a > rel && a[-1] != '/')
            a--;
        stem = a;
        sl = (size_t)(sub - a);
    }
    snprintf(in->funit, sizeof in->funit, "%.*s", (int)(sl < 120 ? sl : 120), stem);
    in->file_has_unit = 0;
    if (project) {
        char key[300];
        int kl = snprintf(key, sizeof key, "d:%s", project);
        in->project_idx = tm_map_intern(&in->projects, key, (size_t)(kl < 299 ? kl : 299), NULL);
        if (in->an)
            tm_scrub_harvest_path(tm_an_deny_strict(in->an), tm_an_deny_soft(in->an), project,
                                  strlen(project));
    }
}

/* A generic JSONL or text file with records is one session, and its directory (as
 * opened) one project. */
static void end_file(struct tm_ingest *in, const char *path, uint64_t records_before)
{
    episode_flush(in);
    if (in->file_claude || in->vol.records == records_before)
        return;
    in->generic_files++;
    const char *slash = strrchr(path, '/');
    char key[300];
    int kl = snprintf(key, sizeof key, "g:%.*s", slash ? (int)(slash - path) : 0, path);
    tm_map_intern(&in->projects, key, (size_t)(kl < 299 ? kl : 299), NULL);
}

static void stream(struct tm_ingest *in, const char *s, size_t n, int text, size_t *consumed, int final)
{
    size_t i = 0;
    if (!text) {
        while (i < n) {
            const char *nl = memchr(s + i, '\n', n - i);
            if (!nl && !final)
                break;
            size_t end = nl ? (size_t)(nl - s) : n;
            in->line++;
            json_line(in, s + i, end - i);
            i = nl ? end + 1 : n;
        }
    } else {
        while (i < n) { /* paragraphs end at a blank line */
            size_t j = i, end = 0;
            int found = 0;
            while (j < n) {
                const char *nl = memchr(s + j, '\n', n - j);
                if (!nl)
                    break;
                size_t k = (size_t)(nl - s) + 1;
                in->line++;
                size_t m = k;
                while (m < n && (s[m] == ' ' || s[m] == '\t' || s[m] == '\r'))
                    m++;
                if (m < n && s[m] == '\n') {
                    end = k;
                    found = 1;
                    j = m + 1;
                    in->line++;
                    break;
                }
                j = k;
            }
            if (!found) {
                if (!final)
                    break;
                end = j = n;
            }
            text_para(in, s + i, end - i);
            i = j;
        }
    }
    *consumed = i;
}

/* The last n bytes of the read buffer are new bytes of the current file (final: the
 * file ended). Lines may be split anywhere between calls; the buffer holds at most one
 * unfinished line besides the new bytes. */
static void feed_added(struct tm_ingest *in, size_t n, int final)
{
    struct tm_buf *b = &in->rbuf;
    if (n) {
        in->vol.bytes += n;
        if (in->h.progress)
            in->h.progress(in->h.ctx, n);
    }
    size_t start = 0;
    if (in->ffirst && b->len >= 3 && memcmp(b->ptr, "\xef\xbb\xbf", 3) == 0)
        start = 3; /* UTF-8 byte order mark */
    if (in->ffirst && (b->len >= 3 || final))
        in->ffirst = 0;
    if (in->fskip) { /* discarding an over-long line */
        const char *nl = b->len ? memchr(b->ptr, '\n', b->len) : NULL;
        if (!nl) {
            b->len = 0;
            return;
        }
        start = (size_t)(nl - b->ptr) + 1;
        in->fskip = 0;
    }
    size_t used;
    stream(in, b->ptr ? b->ptr + start : "", b->len - start, in->ftext, &used, final);
    used += start;
    memmove(b->ptr, b->ptr + used, b->len - used);
    b->len -= used;
    if (!final && b->len > TM_LINE_MAX) {
        in->line++;
        char what[96];
        snprintf(what, sizeof what, "line longer than %u bytes", TM_LINE_MAX);
        ingest_warn(in, what);
        b->len = 0;
        in->fskip = 1;
    }
}

void tm_ingest_begin(struct tm_ingest *in, const char *path, const char *rel, const char *project,
                     enum tm_file_kind kind)
{
    in->frecords = in->vol.records;
    in->fpath = tm_xstrdup(path);
    begin_file(in, in->fpath, rel, project);
    in->vol.files++;
    tm_buf_reset(&in->rbuf);
    in->ftext = kind == TM_FILE_TEXT;
    in->ffirst = 1;
    in->fskip = 0;
}

void tm_ingest_feed(struct tm_ingest *in, const void *p, size_t n)
{
    while (n) { /* in steps, so that the buffer stays near one chunk plus one line */
        size_t k = n < READ_CHUNK ? n : READ_CHUNK;
        tm_buf_add(&in->rbuf, p, k);
        feed_added(in, k, 0);
        p = (const char *)p + k;
        n -= k;
    }
}

void tm_ingest_end(struct tm_ingest *in)
{
    feed_added(in, 0, 1);
    end_file(in, in->fpath, in->frecords);
    free(in->fpath);
    in->fpath = NULL;
    if (in->rbuf.cap > 4 * READ_CHUNK) /* do not keep a huge buffer after a huge line */
        tm_buf_release(&in->rbuf);
}

enum tm_rc tm_ingest_file(struct tm_ingest *in, const struct tm_file *f, struct tm_diag *d)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tm_fail(d, TM_EIO, "cannot read '%s': %s", f->path, strerror(errno));
    enum tm_rc rc = TM_OK;
    tm_ingest_begin(in, f->path, f->rel, f->project, f->kind);
    for (;;) {
        struct tm_buf *b = &in->rbuf;
        tm_buf_reserve(b, READ_CHUNK);
        ssize_t got = read(fd, b->ptr + b->len, READ_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = tm_fail(d, TM_EIO, "cannot read '%s': %s", in->fname, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        b->len += (size_t)got; /* read in place: no copy */
        b->ptr[b->len] = 0;
        feed_added(in, (size_t)got, 0);
    }
    tm_ingest_end(in);
    close(fd);
    return rc;
}

void tm_ingest_buffer(struct tm_ingest *in, const char *name, const char *buf, size_t len)
{
    tm_ingest_begin(in, name, name, NULL, TM_FILE_JSONL);
    tm_ingest_feed(in, buf, len);
    tm_ingest_end(in);
}

void tm_ingest_set_depth(struct tm_ingest *in, enum tm_ingest_depth depth)
{
    in->depth = depth;
}

const struct tm_volume *tm_ingest_volume(struct tm_ingest *in)
{
    episode_flush(in);
    uint32_t s = 0;
    for (uint32_t i = 0; i < in->units.count; i++)
        s += in->unit_is_session[i];
    in->vol.sessions = s + in->generic_files;
    in->vol.projects = in->projects.count;
    in->vol.active_days = in->days.count;
    return &in->vol;
}

const struct tm_scrub *tm_ingest_scrub_stats(struct tm_ingest *in)
{
    return &in->scrub;
}
