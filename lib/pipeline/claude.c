#define _GNU_SOURCE /* memmem */
/* claude.c - what a record means: type, session, time, project, the text that counts
 * (see docs/ingest.md) and debugging episodes (error -> investigation -> fix).
 *
 * Text that counts (feeds the topics): human prompts, assistant text and thinking, tool
 * inputs (commands, patterns, what was written), queued prompts, session titles. Tool
 * results do not count: they are what the tools printed (listings, test runs, files
 * read), not what the people worked on, and their boilerplate would rank as topics;
 * they are still scrubbed, so that the identities they show (an ls -l owner, a prompt,
 * whoami) are withheld wherever else they appear, and their errors still open
 * debugging episodes - except the harness's own (a file not read before an edit, a
 * string to replace not found), which say nothing about the user's problem. Not counted
 * either: ids, signatures, images, harness boilerplate (<system-reminder> blocks and
 * spans, slash-command expansions, hook output, compaction summaries that repeat the
 * session), progress copies of sub-agent messages (the sub-agent file holds the
 * originals) and toolUseResult (a structured copy of the tool_result text). */
#include "pipeline/ingest_int.h"
#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const known_types[] = {
    "user", "assistant", "progress", "system", "summary", "file-history-snapshot",
    "queue-operation", "pr-link",
};

#define T(i) (&in->jd.t[i])
#define NONE UINT32_MAX

static int is_type(struct tm_ingest *in, uint32_t i, uint8_t type)
{
    return i != NONE && in->jd.t[i].type == type;
}

static int is_str(struct tm_ingest *in, uint32_t i) { return is_type(in, i, TM_J_STRING); }

/* Decoded text of string token i (borrowed: valid until the next call). */
static const char *str(struct tm_ingest *in, uint32_t i, size_t *n)
{
    return tm_json_str(&in->jd, i, &in->jbuf, n);
}

/* Decoded text of string token i as a NUL-terminated copy (owned): for rare paths. */
static char *dup_str(struct tm_ingest *in, uint32_t i)
{
    size_t n;
    const char *s = str(in, i, &n);
    return tm_xstrndup(s, n);
}

static int starts(const char *s, size_t n, const char *p)
{
    size_t l = strlen(p);
    return n >= l && memcmp(s, p, l) == 0;
}

void ingest_set_unit(struct tm_ingest *in, const char *key, size_t n, int is_session)
{
    char k[160];
    if (n > sizeof k - 3)
        n = sizeof k - 3;
    k[0] = 's';
    k[1] = ':';
    memcpy(k + 2, key, n);
    int added;
    uint32_t u = tm_map_intern(&in->units, k, n + 2, &added);
    if (u >= in->unit_cap) {
        uint32_t c = in->unit_cap ? in->unit_cap * 2 : 256;
        while (c <= u)
            c *= 2;
        in->unit_is_session = tm_xrealloc(in->unit_is_session, c);
        memset(in->unit_is_session + in->unit_cap, 0, c - in->unit_cap);
        in->unit_cap = c;
    }
    if (is_session)
        in->unit_is_session[u] = 1;
    if (in->an)
        tm_an_unit(in->an, u);
}

/* Scrub, then analyse (one pass: see tm_an_scrub_text); <system-reminder> spans that
 * the harness appends to a prompt or a message are left out. */
void ingest_text(struct tm_ingest *in, const char *s, size_t n)
{
    static const char open[] = "<system-reminder>", close[] = "</system-reminder>";
    if (!in->an || !n)
        return;
    const char *p = n >= sizeof open - 1 ? memmem(s, n, open, sizeof open - 1) : NULL;
    while (p) {
        if (p > s)
            tm_an_scrub_text(in->an, &in->scrub, s, (size_t)(p - s), &in->sbuf);
        size_t left = n - (size_t)(p - s);
        const char *e = memmem(p, left, close, sizeof close - 1);
        if (!e)
            return; /* unterminated: the rest is the reminder */
        e += sizeof close - 1;
        n -= (size_t)(e - s);
        s = e;
        p = n >= sizeof open - 1 ? memmem(s, n, open, sizeof open - 1) : NULL;
    }
    if (n)
        tm_an_scrub_text(in->an, &in->scrub, s, n, &in->sbuf);
}

/* Scrub text only, for the identities it shows (tool output): nothing is counted. */
static void scrub_only(struct tm_ingest *in, const char *s, size_t n)
{
    if (!in->an || !n)
        return;
    tm_buf_reset(&in->sbuf);
    tm_scrub(&in->scrub, s, n, &in->sbuf);
}

/* Errors the harness raises about a tool call itself, not the user's problem. */
static int harness_error(const char *s, size_t n)
{
    static const char *const msgs[] = {"File has not been read yet", "String to replace not found",
                                       "File has been modified since read", "File has been unexpectedly modified",
                                       "InputValidationError", "No changes to make: old_string and new_string",
                                       "The user doesn't want to proceed", "User rejected",
                                       "Found 2 matches of the string to replace", "Found 3 matches of the string",
                                       "matches of the string to replace, but replace_all is false"};
    size_t lim = n < 300 ? n : 300;
    for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++)
        if (memmem(s, lim, msgs[i], strlen(msgs[i])))
            return 1;
    return 0;
}

static void text_of(struct tm_ingest *in, uint32_t i)
{
    size_t n;
    const char *s = str(in, i, &n);
    ingest_text(in, s, n);
}

void ingest_count_type(struct tm_ingest *in, const char *t, size_t n)
{
    int added;
    uint32_t i = tm_map_intern(&in->vol.types, t, n > 64 ? 64 : n, &added);
    if (added) {
        in->vol.type_counts = tm_xrealloc(in->vol.type_counts, in->vol.types.count * sizeof(uint64_t));
        in->vol.type_counts[i] = 0;
    }
    in->vol.type_counts[i]++;
}

static void note_time(struct tm_ingest *in, uint32_t ts)
{
    int64_t ms;
    size_t n;
    if (!is_str(in, ts))
        return;
    const char *s = str(in, ts, &n);
    if (tm_parse_time(s, n, &ms))
        return;
    if (!in->vol.have_time || ms < in->vol.first_ms)
        in->vol.first_ms = ms;
    if (!in->vol.have_time || ms > in->vol.last_ms)
        in->vol.last_ms = ms;
    in->vol.have_time = 1;
    int64_t day = tm_day_of(ms);
    tm_map_intern(&in->days, &day, sizeof day, NULL);
}

/* Harvest identity words from cwd and gitBranch, once per distinct value. */
static void note_identity(struct tm_ingest *in, uint32_t cwd, uint32_t branch)
{
    int added;
    size_t n;
    if (is_str(in, cwd) && T(cwd)->len) {
        const char *s = str(in, cwd, &n);
        tm_buf_reset(&in->tbuf);
        tm_buf_adds(&in->tbuf, "c:");
        tm_buf_add(&in->tbuf, s, n);
        tm_map_intern(&in->seen, in->tbuf.ptr, in->tbuf.len, &added);
        if (added) {
            if (in->an)
                tm_scrub_harvest_path(tm_an_deny_strict(in->an), tm_an_deny_soft(in->an),
                                      in->tbuf.ptr + 2, in->tbuf.len - 2);
            if (!in->fproject)
                tm_map_intern(&in->projects, in->tbuf.ptr, in->tbuf.len, NULL);
        }
    }
    if (is_str(in, branch) && T(branch)->len) {
        const char *s = str(in, branch, &n);
        tm_buf_reset(&in->tbuf);
        tm_buf_adds(&in->tbuf, "b:");
        tm_buf_add(&in->tbuf, s, n);
        tm_map_intern(&in->seen, in->tbuf.ptr, in->tbuf.len, &added);
        if (added) {
            tm_map_intern(&in->branches, in->tbuf.ptr + 2, in->tbuf.len - 2, NULL);
            if (in->an)
                tm_scrub_harvest_branch(tm_an_deny_soft(in->an), in->tbuf.ptr + 2, in->tbuf.len - 2);
        }
    }
}

/* Harness-generated text in a user string: not what the human typed. */
static int boilerplate(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\n')) {
        s++;
        n--;
    }
    return starts(s, n, "<command-") || starts(s, n, "<local-command") ||
           starts(s, n, "<system-reminder") || starts(s, n, "<task-notification") ||
           starts(s, n, "<bash-") || starts(s, n, "<user-prompt-submit-hook") ||
           starts(s, n, "Caveat: The messages below") || starts(s, n, "[Request interrupted") ||
           starts(s, n, "Base directory for this skill:") || starts(s, n, "Stop hook feedback") ||
           starts(s, n, "This session is being continued from a previous conversation");
}

/* ---- episodes ---- */

static char *first_line(const char *s, size_t max)
{
    while (*s == ' ' || *s == '\n' || *s == '\t')
        s++;
    size_t n = strcspn(s, "\n");
    if (n > max)
        n = max;
    return tm_xstrndup(s, n);
}

/* Scrub and render s into a new one-line string of at most max bytes. */
static char *clean(struct tm_ingest *in, const char *s, size_t max)
{
    struct tm_buf r;
    tm_buf_init(&r);
    tm_buf_reset(&in->sbuf);
    char *line = first_line(s, max * 2);
    tm_scrub(&in->scrub, line, strlen(line), &in->sbuf);
    tm_scrub_render(in->sbuf.ptr ? in->sbuf.ptr : "", in->sbuf.len, &r);
    free(line);
    if (r.len > max) {
        size_t cut = max;
        while (cut > 0 && ((unsigned char)r.ptr[cut] & 0xc0) == 0x80)
            cut--; /* do not split a UTF-8 sequence */
        r.len = cut;
        r.ptr[cut] = 0;
    }
    return tm_buf_detach(&r);
}

static char *signature(const char *problem)
{
    /* leading labels ("stderr:", "Error:", "selftest:") do not change the problem */
    for (int k = 0; k < 3; k++) {
        const char *colon = strchr(problem, ':');
        size_t l = colon ? (size_t)(colon - problem) : 0;
        int label = colon && l > 0 && l <= 12 && colon[1] == ' ';
        for (size_t i = 0; label && i < l; i++)
            label = (problem[i] >= 'a' && problem[i] <= 'z') || (problem[i] >= 'A' && problem[i] <= 'Z');
        if (!label)
            break;
        problem = colon + 2;
    }
    size_t n = strlen(problem);
    char *s = tm_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n && o < 160; i++) {
        unsigned char c = (unsigned char)problem[i];
        if (c >= '0' && c <= '9') {
            if (!o || s[o - 1] != '#')
                s[o++] = '#';
        } else if (c >= 'A' && c <= 'Z') {
            s[o++] = (char)(c + 32);
        } else if (c == ' ' || c == '\t') {
            if (o && s[o - 1] != ' ')
                s[o++] = ' ';
        } else {
            s[o++] = (char)c;
        }
    }
    s[o] = 0;
    return s;
}

void episode_flush(struct tm_ingest *in)
{
    struct episode_state *es = &in->es;
    free(es->before_fix);
    es->before_fix = NULL;
    if (!es->open)
        return;
    es->open = 0;
    if (in->an && es->ep.problem) {
        es->ep.signature = signature(es->ep.problem);
        es->ep.project = in->project_idx;
        tm_an_add_episode(in->an, &es->ep);
    }
    tm_episode_release(&es->ep);
    es->fixed = 0;
}

/* The line of an error output that states the problem: tool output often opens with a
 * banner ("Exit code 1", "Traceback (most recent call last):", "=== RUN"), and the line
 * that says what failed comes later. */
static const char *error_line(const char *text)
{
    static const char *const strong[] = {"error", "Error", "ERROR", "failed", "FAILED", "FAIL",
                                         "panic", "Exception", "exception"};
    static const char *const weak[] = {"cannot", "could not", "Could not", "not found", "denied",
                                       "mismatch", "invalid", "refused", "unable", "timed out",
                                       "No such", "not allowed", "expected"};
    const char *best = text, *line = text;
    int best_score = -100;
    for (int n = 0; line && *line && n < 200; n++) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[512];
        size_t bl = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, line, bl);
        buf[bl] = 0;
        int score = 0;
        for (size_t i = 0; i < sizeof strong / sizeof *strong; i++)
            score += strstr(buf, strong[i]) ? 3 : 0;
        for (size_t i = 0; i < sizeof weak / sizeof *weak; i++)
            score += strstr(buf, weak[i]) ? 2 : 0;
        if (starts(buf, strlen(buf), "Exit code ") || starts(buf, strlen(buf), "Traceback") ||
            starts(buf, strlen(buf), "=== RUN") || len < 4)
            score = -10;
        if (score > best_score || (score == best_score && score > 0 && strstr(buf, "Error:")))
            best = line, best_score = score;
        line = nl ? nl + 1 : NULL;
    }
    return best;
}

static void episode_error(struct tm_ingest *in, const char *text, const char *tool)
{
    struct episode_state *es = &in->es;
    if (es->open && es->ep.resolved)
        episode_flush(in);
    if (es->open && es->user_reported && tool && !es->fixed) {
        /* the problem the user reported, as a tool states it: the canonical wording */
        const char *t = error_line(text);
        if (starts(t, strlen(t), "<tool_use_error>"))
            t += 16;
        free(es->ep.problem);
        es->ep.problem = clean(in, t, 200);
        snprintf(es->fail_tool, sizeof es->fail_tool, "%s", tool);
        es->user_reported = 0;
        return;
    }
    if (es->open)
        return; /* still investigating the first error */
    memset(&es->ep, 0, sizeof es->ep);
    free(es->before_fix);
    es->before_fix = NULL;
    es->open = 1;
    es->fixed = 0;
    es->user_reported = 0;
    const char *t = error_line(text);
    if (starts(t, strlen(t), "<tool_use_error>"))
        t += 16;
    es->ep.problem = clean(in, t, 200);
    es->ep.unit = in->units.count ? in->units.count - 1 : 0;
    snprintf(es->fail_tool, sizeof es->fail_tool, "%s", tool ? tool : "");
}

static void episode_step(struct tm_ingest *in, char *step)
{
    struct episode_state *es = &in->es;
    if (!es->open || es->ep.resolved || es->ep.nsteps >= 8 || !step[0]) {
        free(step);
        return;
    }
    for (size_t i = 0; i < es->ep.nsteps; i++)
        if (!strcmp(es->ep.steps[i], step)) {
            free(step);
            return;
        }
    es->ep.steps[es->ep.nsteps++] = step;
}

/* ---- steps as short past-tense lines ---- */

static int is_past(const char *w, size_t n)
{
    return (n > 3 && w[n - 2] == 'e' && w[n - 1] == 'd') || tm_past_irregular_base(w, n) != NULL;
}

/* An investigation step as one short line, a verb in the past tense and its object:
 * "Checked the RTMR3 value". "Let me check X" / "I'll check X" / "Now checking X" become
 * "Checked X"; "The cause: X" becomes "Found the cause: X"; a sentence that does none
 * of this (chat: "You're right", "Good catch") is no step (NULL). At most 80 bytes, cut
 * at a word. s is freed or returned. */
static char *as_step(char *s)
{
    static const char *const leads[] = {"let me ", "let's ", "i'll ", "i will ", "i'm going to ", "now i'll ",
                                        "next, i'll ", "first, i'll ", "now ", "next, ", "first, ", "then "};
    char *p = s, out[128];
    while (*p == ' ')
        p++;
    if (!strncasecmp(p, "the cause:", 10) || !strncasecmp(p, "root cause:", 11) || !strncasecmp(p, "cause:", 6)) {
        p = strchr(p, ':') + 1;
        while (*p == ' ')
            p++;
        snprintf(out, sizeof out, "Found the cause: %s", p);
    } else {
        int led = 0;
        for (size_t i = 0; i < sizeof leads / sizeof *leads; i++) {
            size_t n = strlen(leads[i]);
            if (!strncasecmp(p, leads[i], n)) {
                p += n;
                led = 1;
                i = (size_t)-1; /* "Now let me": more than one lead */
            }
        }
        size_t w = 0;
        while (p[w] && p[w] != ' ')
            w++;
        static const char *const subjects[] = {"i", "we", "you", "it", "this", "that", "there", "he", "she", "they"};
        int subject = 0;
        for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++)
            subject |= strlen(subjects[i]) == w && !strncasecmp(p, subjects[i], w);
        if (w < 2 || w > 30 || subject) { /* "I understand the issue": a statement, no step */
            free(s);
            return NULL;
        }
        char verb[32], past[48];
        for (size_t i = 0; i < w; i++)
            verb[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
        verb[w] = 0;
        size_t vn = strlen(verb);
        if (vn > 3 && !strcmp(verb + vn - 3, "ing")) { /* "checking" -> "check" */
            verb[vn - 3] = 0;
            led = 1;
        }
        if (is_past(p, w)) {
            snprintf(out, sizeof out, "%s", p);
        } else if (led) {
            tm_past_tense(verb, past, sizeof past);
            past[0] = (char)(past[0] >= 'a' && past[0] <= 'z' ? past[0] - 32 : past[0]);
            snprintf(out, sizeof out, "%s%s", past, p + w);
        } else {
            free(s);
            return NULL;
        }
    }
    out[0] = (char)(out[0] >= 'a' && out[0] <= 'z' ? out[0] - 32 : out[0]);
    size_t n = strlen(out);
    while (n && (out[n - 1] == '.' || out[n - 1] == ' ' || out[n - 1] == ':'))
        out[--n] = 0;
    if (n > 80) { /* cut at the last word that fits */
        n = 80;
        while (n > 20 && out[n] != ' ')
            n--;
        out[n] = 0;
    }
    free(s);
    return tm_xstrdup(out);
}

/* The first sentence of assistant text, as an investigation step or a solution. */
static char *sentence(struct tm_ingest *in, const char *s)
{
    char *c = clean(in, s, 240);
    size_t n = strcspn(c, ".!?:");
    if (n < strlen(c) && n > 12)
        c[n] = 0;
    return c;
}

/* A label that introduces a fix ("Fix:", "The fix:", "Solution:"): skipped, the fix itself
 * stays. Returns the text after it, or NULL when there is none. */
static const char *fix_label(const char *s)
{
    static const char *const labels[] = {"fix:", "the fix:", "fixed:", "solution:", "the solution:", "resolution:"};
    while (*s == ' ' || *s == '*')
        s++;
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        size_t n = strlen(labels[i]);
        if (!strncasecmp(s, labels[i], n)) {
            s += n;
            while (*s == ' ' || *s == '*')
                s++;
            return s;
        }
    }
    return NULL;
}

static int is_confirmation(const char *s, size_t n);

/* The solution: the fix said right after the state-changing action - unless that is a
 * confirmation ("passes now"), then what was said just before the action. A sentence
 * labelled as the fix wins wherever it is. */
static void episode_text(struct tm_ingest *in, const char *s)
{
    struct episode_state *es = &in->es;
    if (!es->open)
        return;
    const char *lab = fix_label(s);
    if (lab && *lab && !es->ep.solution) {
        es->ep.solution = sentence(in, lab);
        return;
    }
    if (es->fixed && !es->ep.solution) {
        if (!is_confirmation(s, strlen(s)) || !es->before_fix) {
            es->ep.solution = sentence(in, s);
        } else {
            es->ep.solution = es->before_fix;
            es->before_fix = NULL;
        }
        return;
    }
    if (!es->fixed) {
        free(es->before_fix);
        es->before_fix = sentence(in, s);
    }
    char *step = as_step(sentence(in, s));
    if (step)
        episode_step(in, step);
}

/* Does a shell command change state (a fix: deploy, install, apply, write a file)? Reading,
 * searching and running tests or checks do not. */
static int changes_state(const char *cmd)
{
    static const char *const readers[] = {"ls", "cat", "head", "tail", "grep", "rg", "find", "wc", "less", "more",
                                          "file", "stat", "echo", "pwd", "which", "whoami", "env", "printenv",
                                          "ps", "top", "df", "du", "tree", "diff", "jq", "man", "type", "cd",
                                          "pytest", "true", "sleep", "date", "hostname", "id", "uname", "nproc"};
    static const char *const checks[] = {"test", "tests", "check", "lint", "status", "log", "logs", "show", "diff",
                                         "verify", "build", "branch", "blame", "--version", "version", "list",
                                         "ls", "call", "get", "describe", "inspect", "query", "info", "view",
                                         "cat", "search", "help", "ps", "top", "tx", "balance", "preflight",
                                         "chain-id", "block", "receipt", "code", "storage"};
    char w[2][48] = {{0}};
    const char *p = cmd;
    while (*p == ' ')
        p++;
    if (!strncmp(p, "sudo ", 5))
        p += 5;
    if (sscanf(p, "%47s %47s", w[0], w[1]) < 1)
        return 0;
    const char *prog = strrchr(w[0], '/') ? strrchr(w[0], '/') + 1 : w[0];
    for (size_t i = 0; i < sizeof readers / sizeof *readers; i++)
        if (!strcmp(prog, readers[i]))
            return 0;
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++)
        if (!strcmp(w[1], checks[i]))
            return 0;
    return 1;
}

static char *describe_tool(struct tm_ingest *in, const char *name, uint32_t input)
{
    struct tm_buf b;
    tm_buf_init(&b);
    uint32_t cmd = tm_json_get(&in->jd, input, "command");
    uint32_t desc = tm_json_get(&in->jd, input, "description");
    if (!strcmp(name, "Bash") && is_str(in, desc)) {
        char *d = dup_str(in, desc), *c = clean(in, d, 120);
        tm_buf_addf(&b, "Ran: %s", c);
        free(c);
        free(d);
    } else if (!strcmp(name, "Bash") && is_str(in, cmd)) {
        /* program and subcommand only: arguments identify people and places */
        char w[2][32] = {{0}};
        char *full = dup_str(in, cmd);
        sscanf(full, "%31s %31s", w[0], w[1]);
        free(full);
        char *c = clean(in, w[0], 30), *c2 = clean(in, w[1][0] != '-' ? w[1] : "", 30);
        tm_buf_addf(&b, "Ran %s%s%s", c, c2[0] ? " " : "", c2);
        free(c);
        free(c2);
    } else if (!strcmp(name, "Read")) {
        tm_buf_adds(&b, "Read the relevant file");
    } else if (!strcmp(name, "Grep") || !strcmp(name, "Glob")) {
        tm_buf_adds(&b, "Searched the code");
    } else if (!strcmp(name, "Edit") || !strcmp(name, "Write") || !strcmp(name, "MultiEdit")) {
        tm_buf_adds(&b, "Edited the code");
    } else if (!strcmp(name, "WebSearch") || !strcmp(name, "WebFetch")) {
        tm_buf_adds(&b, "Looked up documentation");
    } else {
        tm_buf_addf(&b, "Used %.*s", 24, name);
    }
    return tm_buf_detach(&b);
}

static const char *tool_name_of(struct tm_ingest *in, const char *id)
{
    for (unsigned i = 0; i < TOOLS_RING; i++)
        if (in->tool_id[i][0] && !strcmp(in->tool_id[i], id))
            return in->tool_name[i];
    return NULL;
}

static int is_confirmation(const char *s, size_t n)
{
    static const char *const pats[] = {"works now", "that fixed", "fixed it", "it works", "working now",
                                       "that did it", "all good", "passes now", "thanks, that"};
    char low[200];
    size_t m = 0;
    for (; m < n && m < sizeof low - 1; m++)
        low[m] = (char)(s[m] >= 'A' && s[m] <= 'Z' ? s[m] + 32 : s[m]);
    low[m] = 0;
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
        if (strstr(low, pats[i]))
            return 1;
    return 0;
}

/* Does a line read as an error message? */
static int error_like(const char *s, size_t n)
{
    static const char *const marks[] = {"error", "Error", "ERROR", "failed", "FAILED", "failure", "exception",
                                        "Exception", "panic", "cannot", "could not", "Could not", "not found",
                                        "mismatch", "refused", "denied", "timed out", "invalid"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (memmem(s, n, marks[i], strlen(marks[i])))
            return 1;
    return 0;
}

/* A problem the user reports in a prompt ("I'm seeing 'attestation verification failed:
 * RTMR3 mismatch' when I deploy"): the quoted or backticked span that reads as an error,
 * else the prompt's first line when it does. It opens an episode as a failing tool does,
 * so that a problem the user saw (and the agent then fixed) counts whether or not a tool
 * failed in front of the agent. */
static void user_symptom(struct tm_ingest *in, const char *s, size_t n)
{
    if (in->es.open && !in->es.ep.resolved)
        return; /* already investigating */
    const char *best = NULL;
    size_t bl = 0;
    for (size_t i = 0; i < n && i < 4000; i++) {
        char q = s[i];
        if (q != '\'' && q != '"' && q != '`')
            continue;
        const char *e = memchr(s + i + 1, q, n - i - 1);
        if (!e)
            break;
        size_t l = (size_t)(e - (s + i + 1));
        if (l >= 12 && l <= 300 && error_like(s + i + 1, l) && l > bl) {
            best = s + i + 1;
            bl = l;
        }
        i = (size_t)(e - s);
    }
    if (!best) {
        const char *nl = memchr(s, '\n', n);
        bl = nl ? (size_t)(nl - s) : n;
        if (bl > 300 || !error_like(s, bl))
            return;
        best = s;
    }
    char *line = tm_xstrndup(best, bl);
    episode_error(in, line, NULL);
    free(line);
    in->es.user_reported = in->es.open;
    if (in->es.open && !in->es.ep.prompt) { /* the report in the user's words, for retrieval */
        const char *nl = memchr(s, '\n', n);
        char *first = tm_xstrndup(s, nl ? (size_t)(nl - s) : n);
        in->es.ep.prompt = clean(in, first, 200);
        free(first);
    }
}

static void user_text(struct tm_ingest *in, uint32_t i)
{
    size_t n;
    const char *s = str(in, i, &n);
    if (boilerplate(s, n))
        return;
    ingest_text(in, s, n);
    if (in->es.open && is_confirmation(s, n))
        in->es.ep.resolved = 1;
    else if (in->an)
        user_symptom(in, s, n);
}

/* ---- content blocks ---- */

/* The text of a tool_result's content (string, or array of text blocks) into out. */
static void tool_result_text(struct tm_ingest *in, uint32_t c, struct tm_buf *out)
{
    size_t n;
    if (is_str(in, c)) {
        const char *s = str(in, c, &n);
        tm_buf_add(out, s, n);
    } else if (is_type(in, c, TM_J_ARRAY)) {
        for (uint32_t b = c + 1; b < T(c)->end; b = T(b)->end) {
            uint32_t t = tm_json_get(&in->jd, b, "text");
            if (is_str(in, t)) {
                const char *s = str(in, t, &n);
                tm_buf_add(out, s, n);
                tm_buf_addc(out, '\n');
            }
        }
    }
}

/* Every string of a tool input except paths and URLs (TodoWrite todos, MultiEdit edits
 * nest: walk them too). */
static void input_text(struct tm_ingest *in, uint32_t o)
{
    int obj = T(o)->type == TM_J_OBJECT;
    for (uint32_t i = o + 1; i < T(o)->end;) {
        uint32_t v = obj ? i + 1 : i;
        uint32_t next = T(v)->end;
        if (is_str(in, v)) {
            if (!obj || !(tm_json_is(&in->jd, i, "file_path") || tm_json_is(&in->jd, i, "path") ||
                          tm_json_is(&in->jd, i, "url")))
                text_of(in, v);
        } else if (is_type(in, v, TM_J_OBJECT) || is_type(in, v, TM_J_ARRAY)) {
            input_text(in, v);
        }
        i = next;
    }
}

static void block_tool_use(struct tm_ingest *in, uint32_t b)
{
    in->vol.tool_uses++;
    uint32_t name = tm_json_get(&in->jd, b, "name");
    uint32_t id = tm_json_get(&in->jd, b, "id");
    uint32_t input = tm_json_get(&in->jd, b, "input");
    char nm[32] = "tool";
    if (is_str(in, name)) {
        size_t n;
        const char *s = str(in, name, &n);
        snprintf(nm, sizeof nm, "%.*s", (int)(n < 31 ? n : 31), s);
    }
    if (is_str(in, id)) {
        size_t n;
        const char *s = str(in, id, &n);
        unsigned r = in->tool_next++ % TOOLS_RING;
        snprintf(in->tool_id[r], sizeof in->tool_id[r], "%.*s", (int)(n < 47 ? n : 47), s);
        snprintf(in->tool_name[r], sizeof in->tool_name[r], "%s", nm);
        uint32_t cmd = is_type(in, input, TM_J_OBJECT) ? tm_json_get(&in->jd, input, "command") : NONE;
        in->tool_ident[r] = 0;
        if (is_str(in, cmd)) {
            size_t cn;
            const char *cs = str(in, cmd, &cn);
            in->tool_ident[r] = (uint8_t)tm_scrub_identity_command(cs, cn);
        }
    }
    if (is_type(in, input, TM_J_OBJECT) && in->an) {
        tm_an_code(in->an, 1);
        input_text(in, input);
        tm_an_code(in->an, 0);
    }
    if (in->es.open && !in->es.ep.resolved) {
        episode_step(in, describe_tool(in, nm, is_type(in, input, TM_J_OBJECT) ? input : NONE));
        uint32_t cmd = is_type(in, input, TM_J_OBJECT) ? tm_json_get(&in->jd, input, "command") : NONE;
        int fix = 0;
        if (!strcmp(nm, "Edit") || !strcmp(nm, "Write") || !strcmp(nm, "MultiEdit") ||
            !strcmp(nm, "NotebookEdit")) {
            fix = 1;
        } else if (!strcmp(nm, "Bash") && is_str(in, cmd)) {
            char *c = dup_str(in, cmd);
            fix = changes_state(c);
            free(c);
        }
        if (fix && !in->es.fixed) {
            in->es.fixed = 1;
            size_t n = 0;
            const char *s = is_str(in, id) ? str(in, id, &n) : "";
            snprintf(in->es.fix_tool, sizeof in->es.fix_tool, "%.*s", (int)(n < 47 ? n : 47), s);
        }
    }
}

static void block_tool_result(struct tm_ingest *in, uint32_t b)
{
    uint32_t c = tm_json_get(&in->jd, b, "content");
    uint32_t err = tm_json_get(&in->jd, b, "is_error");
    uint32_t id = tm_json_get(&in->jd, b, "tool_use_id");
    tm_buf_reset(&in->tbuf);
    tool_result_text(in, c, &in->tbuf);
    const char *text = in->tbuf.ptr ? in->tbuf.ptr : "";
    size_t tl = in->tbuf.len;
    if (in->an && is_str(in, id)) { /* whoami, hostname, git config user.name: the output names someone */
        size_t n;
        const char *s = str(in, id, &n);
        for (unsigned r = 0; r < TOOLS_RING; r++)
            if (in->tool_ident[r] && strlen(in->tool_id[r]) == n && !memcmp(in->tool_id[r], s, n)) {
                const char *nl = memchr(text, '\n', tl);
                tm_scrub_harvest_words(tm_an_deny_strict(in->an), text, nl && (size_t)(nl - text) < 200 ? (size_t)(nl - text) : tl < 200 ? tl : 200);
            }
    }
    scrub_only(in, text, tl);
    int is_err = is_type(in, err, TM_J_TRUE);
    if (is_err && in->es.open && in->es.fixed && !in->es.ep.solution && in->es.fix_tool[0] && is_str(in, id)) {
        size_t n; /* the call that was to fix it failed: no fix yet */
        const char *s = str(in, id, &n);
        if (strlen(in->es.fix_tool) == n && !memcmp(in->es.fix_tool, s, n))
            in->es.fixed = 0;
    }
    if (is_err)
        in->vol.tool_errors++;
    int failed = is_err || (starts(text, tl, "Exit code ") && !starts(text, tl, "Exit code 0")) ||
                 (tl >= 16 && memmem(text, tl, "<tool_use_error>", 16) != NULL);
    if (!failed && !in->es.open)
        return;
    char idbuf[48] = "";
    if (is_str(in, id)) {
        size_t n;
        const char *s = str(in, id, &n);
        snprintf(idbuf, sizeof idbuf, "%.*s", (int)(n < 47 ? n : 47), s);
    }
    const char *tool = idbuf[0] ? tool_name_of(in, idbuf) : NULL;
    /* text is NUL-terminated (tbuf); no copy and no scan of a long successful result */
    if (failed && !harness_error(text, tl))
        episode_error(in, text, tool);
    else if (!failed && in->es.open && in->es.fixed && tool &&
             (in->es.fail_tool[0] ? !strcmp(tool, in->es.fail_tool) : strcmp(in->es.fix_tool, idbuf) != 0))
        in->es.ep.resolved = 1; /* the failing tool (or, for a problem the user reported, a check) succeeded after a fix */
}

static void blocks(struct tm_ingest *in, uint32_t content, int assistant)
{
    for (uint32_t b = content + 1; b < T(content)->end; b = T(b)->end) {
        if (!is_type(in, b, TM_J_OBJECT))
            continue;
        uint32_t type = tm_json_get(&in->jd, b, "type");
        if (tm_json_is(&in->jd, type, "text")) {
            uint32_t t = tm_json_get(&in->jd, b, "text");
            if (!is_str(in, t))
                continue;
            if (!assistant) {
                user_text(in, t);
                continue;
            }
            text_of(in, t);
            if (in->es.open) {
                char *s = dup_str(in, t);
                episode_text(in, s);
                free(s);
            }
        } else if (tm_json_is(&in->jd, type, "thinking")) {
            uint32_t t = tm_json_get(&in->jd, b, "thinking");
            if (is_str(in, t))
                text_of(in, t);
        } else if (tm_json_is(&in->jd, type, "tool_use")) {
            block_tool_use(in, b);
        } else if (tm_json_is(&in->jd, type, "tool_result")) {
            block_tool_result(in, b);
        }
    }
}

/* A record whose type this reader does not know: generic text fields. */
static void generic_text(struct tm_ingest *in, uint32_t rec)
{
    static const char *const keys[] = {"text", "content", "message", "summary", "prompt", "body"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        uint32_t v = tm_json_get(&in->jd, rec, keys[k]);
        if (is_str(in, v)) {
            text_of(in, v);
        } else if (is_type(in, v, TM_J_OBJECT)) {
            uint32_t c = tm_json_get(&in->jd, v, "content");
            uint32_t t = tm_json_get(&in->jd, v, "text");
            if (is_str(in, c))
                text_of(in, c);
            else if (is_type(in, c, TM_J_ARRAY))
                blocks(in, c, 0);
            if (is_str(in, t))
                text_of(in, t);
        } else if (is_type(in, v, TM_J_ARRAY)) {
            blocks(in, v, 0);
        }
    }
}

void ingest_record(struct tm_ingest *in)
{
    uint32_t type = NONE, sid = NONE, ts = NONE, cwd = NONE, branch = NONE, msg = NONE;
    uint32_t meta = NONE, compact = NONE, summary = NONE, content = NONE, op = NONE, uuid = NONE;
    const struct tm_jdoc *d = &in->jd;
    for (uint32_t i = 1; i < d->t[0].end; i = d->t[i + 1].end) {
        const char *k = d->src + d->t[i].start;
        uint32_t kl = d->t[i].len, v = i + 1;
        if (d->t[i].esc || kl < 3)
            continue;
#define KEY(lit) (kl == sizeof lit - 1 && memcmp(k, lit, sizeof lit - 1) == 0)
        switch (k[0]) {
        case 't': if (KEY("type")) type = v; else if (KEY("timestamp")) ts = v; break;
        case 's': if (KEY("sessionId")) sid = v; else if (KEY("summary")) summary = v; break;
        case 'c': if (KEY("cwd")) cwd = v; else if (KEY("content")) content = v; break;
        case 'g': if (KEY("gitBranch")) branch = v; break;
        case 'm': if (KEY("message")) msg = v; break;
        case 'i': if (KEY("isMeta")) meta = v; else if (KEY("isCompactSummary")) compact = v; break;
        case 'o': if (KEY("operation")) op = v; break;
        case 'u': if (KEY("uuid")) uuid = v; break;
        default: break;
        }
#undef KEY
    }
    char tname[72];
    if (is_str(in, type)) {
        size_t n;
        const char *s = str(in, type, &n);
        snprintf(tname, sizeof tname, "%.*s", (int)(n < 64 ? n : 64), s);
    } else {
        snprintf(tname, sizeof tname, "%s", type != NONE ? "(non-string)" : "(missing)");
    }
    int known = 0;
    for (size_t i = 0; i < sizeof known_types / sizeof *known_types; i++)
        known |= !strcmp(tname, known_types[i]);
    /* the card names known record types only: a type field is the writer's to fill */
    ingest_count_type(in, known ? tname : "other", known ? strlen(tname) : 5);
    if (known || (sid != NONE && uuid != NONE))
        in->file_claude = 1;
    if (!known && is_str(in, type))
        in->vol.unknown_kinds++;
    /* Records without a sessionId (summaries, snapshots) stay with the session the
     * file is in: the last one named, else the one the file is named after. */
    if (is_str(in, sid) && T(sid)->len) {
        size_t n;
        const char *s = str(in, sid, &n);
        ingest_set_unit(in, s, n, 1);
        in->file_has_unit = 1;
    } else if (!in->file_has_unit) {
        ingest_set_unit(in, in->funit, strlen(in->funit), 0);
    }
    note_time(in, ts);
    note_identity(in, cwd, branch);

    if (!strcmp(tname, "user") && is_type(in, msg, TM_J_OBJECT)) {
        uint32_t c = tm_json_get(d, msg, "content");
        int is_meta = is_type(in, meta, TM_J_TRUE);
        if (is_str(in, c)) {
            if (!is_meta && !is_type(in, compact, TM_J_TRUE))
                user_text(in, c);
        } else if (is_type(in, c, TM_J_ARRAY) && !is_meta) {
            blocks(in, c, 0);
        }
    } else if (!strcmp(tname, "assistant") && is_type(in, msg, TM_J_OBJECT)) {
        uint32_t c = tm_json_get(d, msg, "content");
        uint32_t model = tm_json_get(d, msg, "model");
        if (is_type(in, c, TM_J_ARRAY) && !tm_json_is(d, model, "<synthetic>"))
            blocks(in, c, 1);
    } else if (!strcmp(tname, "summary")) {
        if (is_str(in, summary))
            text_of(in, summary);
    } else if (!strcmp(tname, "queue-operation")) {
        if (tm_json_is(d, op, "enqueue") && is_str(in, content))
            text_of(in, content);
    } else if (!known) {
        generic_text(in, 0);
    }
    /* progress, system, file-history-snapshot, pr-link: no text of their own */
    if (in->an)
        tm_an_record_end(in->an);
}
