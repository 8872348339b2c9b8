/* claude.c - what a record means: type, session, time, project, the text that counts
 * (see docs/ingest.md) and debugging episodes (error -> investigation -> fix).
 *
 * Text that counts: human prompts, assistant text and thinking, tool inputs, tool
 * results and errors, queued prompts, session titles. Not counted: ids, signatures,
 * images, harness boilerplate (<system-reminder>, slash-command expansions, hook
 * output, compaction summaries that repeat the session), progress copies of
 * sub-agent messages (the sub-agent file holds the originals) and toolUseResult (a
 * structured copy of the tool_result text). */
#include "ingest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_types[] = {
    "user", "assistant", "progress", "system", "summary", "file-history-snapshot",
    "queue-operation", "pr-link",
};

static int str_is(const cJSON *v, const char *s)
{
    return cJSON_IsString(v) && strcmp(v->valuestring, s) == 0;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
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

/* Scrub, then analyse. */
void ingest_text(struct tm_ingest *in, const char *s, size_t n)
{
    if (!in->an || !n)
        return;
    tm_buf_reset(&in->sbuf);
    tm_scrub(&in->scrub, s, n, &in->sbuf);
    tm_an_text(in->an, in->sbuf.ptr, in->sbuf.len);
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

static void note_time(struct tm_ingest *in, const cJSON *ts)
{
    int64_t ms;
    if (!cJSON_IsString(ts) || tm_parse_time(ts->valuestring, strlen(ts->valuestring), &ms))
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
static void note_identity(struct tm_ingest *in, const cJSON *cwd, const cJSON *branch)
{
    int added;
    if (cJSON_IsString(cwd) && cwd->valuestring[0]) {
        size_t n = strlen(cwd->valuestring);
        tm_buf_reset(&in->tbuf);
        tm_buf_adds(&in->tbuf, "c:");
        tm_buf_add(&in->tbuf, cwd->valuestring, n);
        tm_map_intern(&in->seen, in->tbuf.ptr, in->tbuf.len, &added);
        if (added) {
            if (in->an)
                tm_scrub_harvest_path(tm_an_deny_strict(in->an), tm_an_deny_soft(in->an),
                                      cwd->valuestring, n);
            if (!in->fproject)
                tm_map_intern(&in->projects, in->tbuf.ptr, in->tbuf.len, NULL);
        }
    }
    if (cJSON_IsString(branch) && branch->valuestring[0]) {
        size_t n = strlen(branch->valuestring);
        tm_buf_reset(&in->tbuf);
        tm_buf_adds(&in->tbuf, "b:");
        tm_buf_add(&in->tbuf, branch->valuestring, n);
        tm_map_intern(&in->seen, in->tbuf.ptr, in->tbuf.len, &added);
        if (added && in->an)
            tm_scrub_harvest_branch(tm_an_deny_soft(in->an), branch->valuestring, n);
    }
}

/* Harness-generated text in a user string: not what the human typed. */
static int boilerplate(const char *s)
{
    while (*s == ' ' || *s == '\n')
        s++;
    return starts(s, "<command-") || starts(s, "<local-command") || starts(s, "<system-reminder") ||
           starts(s, "<task-notification") || starts(s, "<bash-") || starts(s, "<user-prompt-submit-hook") ||
           starts(s, "Caveat: The messages below") || starts(s, "[Request interrupted") ||
           starts(s, "Base directory for this skill:") || starts(s, "Stop hook feedback") ||
           starts(s, "This session is being continued from a previous conversation");
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

static void episode_error(struct tm_ingest *in, const char *text, const char *tool)
{
    struct episode_state *es = &in->es;
    if (es->open && es->ep.resolved)
        episode_flush(in);
    if (es->open)
        return; /* still investigating the first error */
    memset(&es->ep, 0, sizeof es->ep);
    es->open = 1;
    es->fixed = 0;
    const char *t = text;
    if (starts(t, "Exit code ")) { /* the first line names the code; the error follows */
        const char *nl = strchr(t, '\n');
        if (nl && nl[1])
            t = nl + 1;
    }
    if (starts(t, "<tool_use_error>"))
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

/* The first sentence of assistant text, as an investigation step or a solution. */
static char *sentence(struct tm_ingest *in, const char *s)
{
    char *c = clean(in, s, 240);
    size_t n = strcspn(c, ".!?:");
    if (n < strlen(c) && n > 12)
        c[n] = 0;
    return c;
}

static void episode_text(struct tm_ingest *in, const char *s)
{
    struct episode_state *es = &in->es;
    if (!es->open)
        return;
    if (es->fixed && !es->ep.solution) {
        es->ep.solution = sentence(in, s);
        return;
    }
    episode_step(in, sentence(in, s));
}

static char *describe_tool(struct tm_ingest *in, const char *name, const cJSON *input)
{
    struct tm_buf b;
    tm_buf_init(&b);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(input, "command");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(input, "description");
    if (!strcmp(name, "Bash") && cJSON_IsString(desc)) {
        char *c = clean(in, desc->valuestring, 120);
        tm_buf_addf(&b, "Ran: %s", c);
        free(c);
    } else if (!strcmp(name, "Bash") && cJSON_IsString(cmd)) {
        /* program and subcommand only: arguments identify people and places */
        char w[2][32] = {{0}};
        sscanf(cmd->valuestring, "%31s %31s", w[0], w[1]);
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

static int is_confirmation(const char *s)
{
    static const char *const pats[] = {"works now", "that fixed", "fixed it", "it works", "working now",
                                       "that did it", "all good", "passes now", "thanks, that"};
    char low[200];
    size_t n = 0;
    for (; s[n] && n < sizeof low - 1; n++)
        low[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] + 32 : s[n]);
    low[n] = 0;
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
        if (strstr(low, pats[i]))
            return 1;
    return 0;
}

/* ---- content blocks ---- */

static void tool_result_text(struct tm_ingest *in, const cJSON *content, struct tm_buf *out)
{
    if (cJSON_IsString(content)) {
        tm_buf_adds(out, content->valuestring);
    } else if (cJSON_IsArray(content)) {
        const cJSON *b;
        cJSON_ArrayForEach(b, content)
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
            if (cJSON_IsString(t)) {
                tm_buf_adds(out, t->valuestring);
                tm_buf_addc(out, '\n');
            }
        }
    }
    (void)in;
}

static void input_text(struct tm_ingest *in, const cJSON *input)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, input)
    {
        if (cJSON_IsString(v) && v->string && strcmp(v->string, "file_path") != 0 &&
            strcmp(v->string, "path") != 0 && strcmp(v->string, "url") != 0)
            ingest_text(in, v->valuestring, strlen(v->valuestring));
        else if (cJSON_IsArray(v) || cJSON_IsObject(v))
            input_text(in, v); /* TodoWrite todos, MultiEdit edits */
    }
}

static void blocks(struct tm_ingest *in, const cJSON *content, int assistant)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, content)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type");
        if (str_is(type, "text")) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
            if (!cJSON_IsString(t) || (!assistant && boilerplate(t->valuestring)))
                continue;
            ingest_text(in, t->valuestring, strlen(t->valuestring));
            if (assistant)
                episode_text(in, t->valuestring);
            else if (in->es.open && is_confirmation(t->valuestring))
                in->es.ep.resolved = 1;
        } else if (str_is(type, "thinking")) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "thinking");
            if (cJSON_IsString(t))
                ingest_text(in, t->valuestring, strlen(t->valuestring));
        } else if (str_is(type, "tool_use")) {
            in->vol.tool_uses++;
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "name");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(b, "id");
            const cJSON *input = cJSON_GetObjectItemCaseSensitive(b, "input");
            const char *nm = cJSON_IsString(name) ? name->valuestring : "tool";
            if (cJSON_IsString(id)) {
                unsigned r = in->tool_next++ % TOOLS_RING;
                snprintf(in->tool_id[r], sizeof in->tool_id[r], "%s", id->valuestring);
                snprintf(in->tool_name[r], sizeof in->tool_name[r], "%s", nm);
            }
            if (cJSON_IsObject(input))
                input_text(in, input);
            if (in->es.open && !in->es.ep.resolved) {
                episode_step(in, describe_tool(in, nm, input));
                if (!strcmp(nm, "Edit") || !strcmp(nm, "Write") || !strcmp(nm, "MultiEdit"))
                    in->es.fixed = 1;
            }
        } else if (str_is(type, "tool_result")) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "content");
            const cJSON *err = cJSON_GetObjectItemCaseSensitive(b, "is_error");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(b, "tool_use_id");
            tm_buf_reset(&in->tbuf);
            tool_result_text(in, c, &in->tbuf);
            char *text = tm_buf_detach(&in->tbuf);
            ingest_text(in, text, strlen(text));
            const char *tool = cJSON_IsString(id) ? tool_name_of(in, id->valuestring) : NULL;
            int failed = cJSON_IsTrue(err) || (starts(text, "Exit code ") && !starts(text, "Exit code 0")) ||
                         strstr(text, "<tool_use_error>") != NULL;
            if (cJSON_IsTrue(err))
                in->vol.tool_errors++;
            if (failed && !strstr(text, "doesn't want to proceed") && !starts(text, "User rejected")) {
                episode_error(in, text, tool);
            } else if (!failed && in->es.open && in->es.fixed && tool &&
                       !strcmp(tool, in->es.fail_tool)) {
                in->es.ep.resolved = 1; /* the failing tool succeeded after a fix */
            }
            free(text);
        }
    }
}

/* A record whose type this reader does not know: generic text fields. */
static void generic_text(struct tm_ingest *in, const cJSON *rec)
{
    static const char *const keys[] = {"text", "content", "message", "summary", "prompt", "body"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, keys[i]);
        if (cJSON_IsString(v))
            ingest_text(in, v->valuestring, strlen(v->valuestring));
        else if (cJSON_IsObject(v)) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "content");
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "text");
            if (cJSON_IsString(c))
                ingest_text(in, c->valuestring, strlen(c->valuestring));
            else if (cJSON_IsArray(c))
                blocks(in, c, 0);
            if (cJSON_IsString(t))
                ingest_text(in, t->valuestring, strlen(t->valuestring));
        } else if (cJSON_IsArray(v)) {
            blocks(in, v, 0);
        }
    }
}

void ingest_record(struct tm_ingest *in, cJSON *rec, const char *raw, size_t rawlen)
{
    (void)raw;
    (void)rawlen;
    const cJSON *type = NULL, *sid = NULL, *ts = NULL, *cwd = NULL, *branch = NULL, *msg = NULL;
    const cJSON *meta = NULL, *compact = NULL, *summary = NULL, *content = NULL, *op = NULL;
    const cJSON *uuid = NULL;
    for (const cJSON *f = rec->child; f; f = f->next) {
        const char *k = f->string;
        if (!k)
            continue;
        switch (k[0]) {
        case 't': if (!strcmp(k, "type")) type = f; else if (!strcmp(k, "timestamp")) ts = f; break;
        case 's': if (!strcmp(k, "sessionId")) sid = f; else if (!strcmp(k, "summary")) summary = f; break;
        case 'c': if (!strcmp(k, "cwd")) cwd = f; else if (!strcmp(k, "content")) content = f; break;
        case 'g': if (!strcmp(k, "gitBranch")) branch = f; break;
        case 'm': if (!strcmp(k, "message")) msg = f; break;
        case 'i': if (!strcmp(k, "isMeta")) meta = f; else if (!strcmp(k, "isCompactSummary")) compact = f; break;
        case 'o': if (!strcmp(k, "operation")) op = f; break;
        case 'u': if (!strcmp(k, "uuid")) uuid = f; break;
        default: break;
        }
    }
    const char *tname = cJSON_IsString(type) ? type->valuestring : type ? "(non-string)" : "(missing)";
    ingest_count_type(in, tname, strlen(tname));
    int known = 0;
    for (size_t i = 0; i < sizeof known_types / sizeof *known_types; i++)
        known |= !strcmp(tname, known_types[i]);
    if (known || (sid && uuid))
        in->file_claude = 1;
    if (!known && cJSON_IsString(type))
        in->vol.unknown_kinds++;
    /* Records without a sessionId (summaries, snapshots) stay with the session the
     * file is in: the last one named, else the one the file is named after. */
    if (cJSON_IsString(sid) && sid->valuestring[0]) {
        ingest_set_unit(in, sid->valuestring, strlen(sid->valuestring), 1);
        in->file_has_unit = 1;
    } else if (!in->file_has_unit) {
        ingest_set_unit(in, in->funit, strlen(in->funit), 0);
    }
    note_time(in, ts);
    note_identity(in, cwd, branch);

    if (!strcmp(tname, "user") && cJSON_IsObject(msg)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(msg, "content");
        if (cJSON_IsString(c)) {
            if (!cJSON_IsTrue(meta) && !cJSON_IsTrue(compact) && !boilerplate(c->valuestring)) {
                ingest_text(in, c->valuestring, strlen(c->valuestring));
                if (in->es.open && is_confirmation(c->valuestring))
                    in->es.ep.resolved = 1;
            }
        } else if (cJSON_IsArray(c) && !cJSON_IsTrue(meta)) {
            blocks(in, c, 0);
        }
    } else if (!strcmp(tname, "assistant") && cJSON_IsObject(msg)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(msg, "content");
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(msg, "model");
        if (cJSON_IsArray(c) && !str_is(model, "<synthetic>"))
            blocks(in, c, 1);
    } else if (!strcmp(tname, "summary")) {
        if (cJSON_IsString(summary))
            ingest_text(in, summary->valuestring, strlen(summary->valuestring));
    } else if (!strcmp(tname, "queue-operation")) {
        if (str_is(op, "enqueue") && cJSON_IsString(content))
            ingest_text(in, content->valuestring, strlen(content->valuestring));
    } else if (!known) {
        generic_text(in, rec);
    }
    /* progress, system, file-history-snapshot, pr-link: no text of their own */
    if (in->an)
        tm_an_record_end(in->an);
}
