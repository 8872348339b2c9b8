/* card.c - build the dataset card and serialise the profile (see card.h). */
#include "pipeline/card.h"
#include "base/base.h"
#include "base/canon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double round3(double x) { return floor(x * 1000 + 0.5) / 1000; }

/* A count as a card shows it: to two significant digits, and 1..9 as 10, so that a
 * lone record of some type ("pr-link: 1") or a lone redaction tells nothing exact. */
static double bucket(uint64_t x)
{
    if (x == 0)
        return 0;
    if (x < 10)
        return 10;
    double p = 1;
    while ((double)x / p >= 100)
        p *= 10;
    return floor((double)x / p + 0.5) * p;
}

static cJSON *volume(const struct tm_card_in *in)
{
    const struct tm_volume *v = in->vol;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "records", (double)v->records);
    cJSON_AddNumberToObject(o, "malformed", bucket(v->malformed));
    cJSON_AddNumberToObject(o, "sessions", v->sessions);
    cJSON_AddNumberToObject(o, "projects", v->projects);
    int64_t days = v->have_time ? tm_day_of(v->last_ms) - tm_day_of(v->first_ms) : 0;
    cJSON_AddNumberToObject(o, "days", (double)days);
    cJSON_AddNumberToObject(o, "active_days", v->active_days);
    char ts[32];
    if (v->have_time) { /* to the day: a session's minute is nobody's business */
        tm_format_time(v->first_ms, ts);
        ts[10] = 0;
        cJSON_AddStringToObject(o, "first", ts);
        tm_format_time(v->last_ms, ts);
        ts[10] = 0;
        cJSON_AddStringToObject(o, "last", ts);
    } else {
        cJSON_AddNullToObject(o, "first");
        cJSON_AddNullToObject(o, "last");
    }
    cJSON_AddNumberToObject(o, "bytes", bucket(v->bytes));
    /* by_type in a stable order: by name */
    cJSON *bt = cJSON_CreateObject();
    uint32_t n = v->types.count;
    uint32_t *ord = tm_xmalloc((n ? n : 1) * sizeof *ord);
    for (uint32_t i = 0; i < n; i++)
        ord[i] = i;
    for (uint32_t i = 1; i < n; i++) /* insertion sort: a handful of types */
        for (uint32_t j = i; j > 0; j--) {
            size_t la, lb;
            const char *a = tm_map_key(&v->types, ord[j - 1], &la);
            const char *b = tm_map_key(&v->types, ord[j], &lb);
            int c = memcmp(a, b, la < lb ? la : lb);
            if (c < 0 || (c == 0 && la <= lb))
                break;
            uint32_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (uint32_t i = 0; i < n; i++) {
        size_t l;
        const char *k = tm_map_key(&v->types, ord[i], &l);
        char name[72];
        snprintf(name, sizeof name, "%.*s", (int)l, k);
        cJSON_AddNumberToObject(bt, name, bucket(v->type_counts[ord[i]]));
    }
    free(ord);
    cJSON_AddItemToObject(o, "by_type", bt);
    char rec[32], sum[160];
    tm_format_count(v->records, rec);
    snprintf(sum, sizeof sum, "%s records across %u project%s (%lld day%s)", rec, v->projects,
             v->projects == 1 ? "" : "s", (long long)days, days == 1 ? "" : "s");
    cJSON_AddStringToObject(o, "summary", sum);
    return o;
}

/* Topics that may be published, best first: df >= k. */
static size_t public_topics(const struct tm_card_in *in, const struct tm_ptopic **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < in->prof->ntopics && n < max; i++)
        if (in->prof->topics[i].publishable && in->prof->topics[i].share >= 0.03)
            out[n++] = &in->prof->topics[i];
    return n;
}

/* The profile's themes without ambient terms, relabelled by their strongest remaining
 * three (labels owned: free them); a theme left with none is dropped. */
struct ctheme {
    char *label; /* owned */
    const char *terms[8];
    size_t nterms;
};

static size_t card_themes(const struct tm_card_in *in, struct ctheme *out, size_t max)
{
    const struct tm_profile *p = in->prof;
    size_t n = 0;
    for (size_t i = 0; i < p->nthemes && n < max; i++) {
        struct ctheme *t = &out[n];
        t->nterms = 0;
        for (size_t j = 0; j < p->themes[i].nterms && t->nterms < 8; j++)
            if (!tm_term_ambient(in->ambient, p->themes[i].terms[j]))
                t->terms[t->nterms++] = p->themes[i].terms[j];
        if (!t->nterms)
            continue;
        t->label = tm_theme_label(t->terms, t->nterms);
        n++;
    }
    return n;
}

/* What a card says about the content - topic, primary_focus, key_expertise, topics,
 * themes - from the profile, the taxonomy and the market's ambient vocabulary. */
enum { C_TOPIC, C_FOCUS, C_EXPERTISE, C_TOPICS, C_THEMES, C_N };
static const char *const content_keys[C_N] = {"topic", "primary_focus", "key_expertise", "topics", "themes"};

static void card_content(const struct tm_card_in *in, cJSON *out[C_N])
{
    const struct tm_ptopic *tops[TM_TOPICS_MAX];
    size_t nt = public_topics(in, tops, TM_TOPICS_MAX);
    const struct tm_profile *p = in->prof;
    char buf[300];
    struct ctheme themes[16];
    size_t nth = card_themes(in, themes, 16);

    const char *topic;
    char tbuf[300];
    if (in->title) {
        topic = in->title;
    } else if (nt && tops[0]->share >= 0.10) {
        const struct tm_topic *t0 = &in->tax->topics[tops[0]->topic];
        snprintf(tbuf, sizeof tbuf, "%s: %s", in->tax->tax_label[t0->tax], t0->label);
        topic = tbuf;
    } else if (nth)
        topic = themes[0].label;
    else
        topic = "Unclassified";
    out[C_TOPIC] = cJSON_CreateString(topic);

    cJSON *pf;
    if (nt) {
        const struct tm_topic *t = &in->tax->topics[tops[0]->topic];
        pf = cJSON_CreateObject();
        cJSON_AddStringToObject(pf, "label", t->label);
        cJSON_AddNumberToObject(pf, "share", round3(tops[0]->share));
        snprintf(buf, sizeof buf, "%s (%d%% of content)", t->label, (int)floor(tops[0]->share * 100 + 0.5));
        cJSON_AddStringToObject(pf, "summary", buf);
    } else if (nth) {
        pf = cJSON_CreateObject();
        cJSON_AddStringToObject(pf, "label", themes[0].label);
        cJSON_AddNullToObject(pf, "share");
        cJSON_AddStringToObject(pf, "summary", themes[0].label);
    } else {
        pf = cJSON_CreateNull();
    }
    out[C_FOCUS] = pf;

    cJSON *ke = cJSON_CreateArray();
    size_t nke = 0;
    for (size_t i = 0; i < nt && nke < TM_CARD_EXPERTISE; i++, nke++)
        cJSON_AddItemToArray(ke, cJSON_CreateString(in->tax->topics[tops[i]->topic].label));
    for (size_t i = 0; !nke && i < nth && i < TM_CARD_EXPERTISE; i++)
        cJSON_AddItemToArray(ke, cJSON_CreateString(themes[i].label));
    out[C_EXPERTISE] = ke;

    const struct tm_pterm *top[TM_CARD_TOPICS * 4];
    size_t ntop = tm_profile_top(p, top, TM_CARD_TOPICS * 4), nshown = 0;
    cJSON *ta = cJSON_CreateArray();
    for (size_t i = 0; i < ntop && nshown < TM_CARD_TOPICS; i++)
        if (!tm_term_ambient(in->ambient, top[i]->term)) {
            cJSON_AddItemToArray(ta, cJSON_CreateString(top[i]->term));
            nshown++;
        }
    out[C_TOPICS] = ta;

    cJSON *th = cJSON_CreateArray();
    for (size_t i = 0; i < nth; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "label", themes[i].label);
        cJSON *terms = cJSON_CreateArray();
        for (size_t j = 0; j < themes[i].nterms; j++)
            cJSON_AddItemToArray(terms, cJSON_CreateString(themes[i].terms[j]));
        cJSON_AddItemToObject(o, "terms", terms);
        cJSON_AddItemToArray(th, o);
    }
    out[C_THEMES] = th;
    for (size_t i = 0; i < nth; i++)
        free(themes[i].label);
}

int tm_card_names_ambient(const cJSON *card, const struct tm_map *ambient)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(card, "topics"))
    {
        if (cJSON_IsString(t) && tm_term_ambient(ambient, t->valuestring))
            return 1;
    }
    const cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(card, "themes"))
    {
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(th, "terms"))
        {
            if (cJSON_IsString(t) && tm_term_ambient(ambient, t->valuestring))
                return 1;
        }
    }
    return 0;
}

int tm_card_revise(cJSON *card, const struct tm_card_in *in)
{
    cJSON *now[C_N];
    card_content(in, now);
    int changed = 0;
    for (int i = 0; i < C_N; i++) {
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(card, content_keys[i]);
        if (old && cJSON_Compare(old, now[i], 1)) {
            cJSON_Delete(now[i]);
            continue;
        }
        changed = 1;
        if (old)
            cJSON_ReplaceItemInObjectCaseSensitive(card, content_keys[i], now[i]);
        else
            cJSON_AddItemToObject(card, content_keys[i], now[i]);
    }
    return changed;
}

cJSON *tm_card_build(const struct tm_card_in *in)
{
    cJSON *c = cJSON_CreateObject(), *content[C_N];
    const struct tm_profile *p = in->prof;
    char buf[300];
    card_content(in, content);
    cJSON_AddStringToObject(c, "dataset_id", in->id);
    cJSON_AddStringToObject(c, "owner", in->owner);
    cJSON_AddItemToObject(c, "topic", content[C_TOPIC]);
    cJSON_AddItemToObject(c, "volume", volume(in));
    for (int i = C_FOCUS; i < C_N; i++)
        cJSON_AddItemToObject(c, content_keys[i], content[i]);

    cJSON *pr = cJSON_CreateObject();
    cJSON_AddNumberToObject(pr, "k", p->k);
    cJSON_AddStringToObject(pr, "filter", "teemed-scrub-v1");
    uint64_t red = 0; /* one total: a "pem: 1" would say that a private key was pasted */
    for (int k = 0; k < TM_S_NKINDS; k++)
        red += in->scrub->hits[k];
    cJSON_AddNumberToObject(pr, "redactions", bucket(red));
    cJSON_AddItemToObject(c, "privacy", pr);

    char hex[65];
    tm_hex(in->commitment, 32, hex);
    snprintf(buf, sizeof buf, "sha256:%s", hex);
    cJSON_AddStringToObject(c, "commitment", buf);
    cJSON *ci = cJSON_CreateObject();
    cJSON_AddStringToObject(ci, "scheme", "rfc6962-merkle-sha256");
    cJSON_AddStringToObject(ci, "order", "files by relative path, then records in file order");
    cJSON_AddNumberToObject(ci, "leaves", (double)in->leaves);
    cJSON_AddItemToObject(c, "commitment_info", ci);
    char ts[32];
    tm_format_time(in->now_ms, ts);
    cJSON_AddStringToObject(c, "created_at", ts);
    return c;
}

static void add_lower(struct tm_buf *b, const char *s)
{
    for (; *s; s++)
        tm_buf_addc(b, (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s));
    tm_buf_addc(b, ' ');
}

static void add_strings(struct tm_buf *b, const cJSON *o)
{
    if (cJSON_IsString(o))
        add_lower(b, o->valuestring);
    for (const cJSON *c = o ? o->child : NULL; c; c = c->next)
        add_strings(b, c);
}

char *tm_card_search_text(const cJSON *card)
{
    struct tm_buf b;
    tm_buf_init(&b);
    static const char *const keys[] = {"dataset_id", "owner", "topic", "primary_focus",
                                       "key_expertise", "topics", "themes"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        add_strings(&b, cJSON_GetObjectItemCaseSensitive(card, keys[i]));
    return tm_buf_detach(&b);
}

/* ---- the profile's terms array, written by hand ----
 * A profile holds up to tens of thousands of terms (25,000 for the 40 real transcripts),
 * and cJSON spends about 3,500 instructions on each fractional number (sprintf "%1.15g",
 * then sscanf to check it): on the real transcripts that was a tenth of onboarding
 * outside the crypto. These write the same JSON values cJSON would: strings escaped as
 * cJSON escapes them, integers in decimal, scores rounded to three decimals (the double
 * "12.345" parses to is the one round3 computes: both are 12345 / 1000 rounded once). */
static void put_u64(struct tm_buf *b, uint64_t v)
{
    char t[24];
    size_t n = sizeof t;
    do {
        t[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tm_buf_add(b, t + n, sizeof t - n);
}

static void put_str(struct tm_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    tm_buf_addc(b, '"');
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        size_t run = 0; /* bytes that need no escape, copied at once */
        while (q[run] >= 0x20 && q[run] != '"' && q[run] != '\\')
            run++;
        tm_buf_add(b, q, run);
        q += run;
        if (!*q)
            break;
        char e[6] = {'\\', (char)*q, 0, 0, 0, 0};
        size_t n = 2;
        switch (*q) {
        case '"': case '\\': break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            memcpy(e + 1, "u00", 3);
            e[4] = hex[*q >> 4];
            e[5] = hex[*q & 15];
            n = 6;
        }
        tm_buf_add(b, e, n);
    }
    tm_buf_addc(b, '"');
}

static void put_milli(struct tm_buf *b, double x)
{
    if (!isfinite(x)) {
        tm_buf_adds(b, "null"); /* as cJSON prints NaN and infinities */
        return;
    }
    if (!(fabs(x) < 1e12)) {
        tm_buf_addf(b, "%.17g", round3(x));
        return;
    }
    double m = floor(x * 1000 + 0.5);
    uint64_t u = (uint64_t)fabs(m);
    if (m < 0)
        tm_buf_addc(b, '-');
    put_u64(b, u / 1000);
    unsigned f = (unsigned)(u % 1000);
    if (f) {
        char d[4] = {'.', (char)('0' + f / 100), (char)('0' + f / 10 % 10), (char)('0' + f % 10)};
        size_t n = 4;
        while (d[n - 1] == '0')
            n--;
        tm_buf_add(b, d, n);
    }
}

static void terms_json(struct tm_buf *b, const struct tm_profile *p)
{
    tm_buf_addc(b, '[');
    for (size_t i = 0; i < p->nterms; i++) {
        const struct tm_pterm *t = &p->terms[i];
        tm_buf_adds(b, i ? ",[" : "[");
        put_str(b, t->term);
        tm_buf_addc(b, ',');
        put_u64(b, t->mentions);
        tm_buf_addc(b, ',');
        put_u64(b, t->df);
        tm_buf_addc(b, ',');
        put_u64(b, t->flags);
        tm_buf_addc(b, ',');
        put_milli(b, t->score);
        tm_buf_addc(b, ',');
        put_u64(b, t->clipped);
        tm_buf_addc(b, ']');
    }
    tm_buf_addc(b, ']');
    tm_buf_addc(b, 0);
}

char *tm_profile_to_json(const struct tm_profile *p, const struct tm_taxonomy *tax)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddNumberToObject(o, "k", p->k);
    cJSON_AddNumberToObject(o, "tokens", (double)p->tokens);
    cJSON_AddNumberToObject(o, "content_records", (double)p->content_records);
    cJSON_AddNumberToObject(o, "units", p->units);
    struct tm_buf tb;
    tm_buf_init(&tb);
    terms_json(&tb, p);
    cJSON_AddItemToObject(o, "terms", cJSON_CreateRaw(tb.ptr));
    tm_buf_release(&tb);
    cJSON *topics = cJSON_CreateArray();
    for (size_t i = 0; i < p->ntopics; i++) {
        const struct tm_ptopic *t = &p->topics[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", tax->topics[t->topic].id);
        cJSON_AddNumberToObject(e, "mentions", (double)t->mentions);
        cJSON_AddNumberToObject(e, "records", (double)t->records);
        cJSON_AddNumberToObject(e, "clipped", (double)t->clipped);
        cJSON_AddNumberToObject(e, "df", t->df);
        cJSON_AddNumberToObject(e, "share", round3(t->share));
        cJSON_AddBoolToObject(e, "publishable", t->publishable);
        cJSON_AddItemToArray(topics, e);
    }
    cJSON_AddItemToObject(o, "topics", topics);
    cJSON *eps = cJSON_CreateArray();
    for (size_t i = 0; i < p->nepisodes; i++) {
        const struct tm_episode *e = &p->episodes[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "problem", e->problem ? e->problem : "");
        if (e->prompt)
            cJSON_AddStringToObject(x, "prompt", e->prompt);
        cJSON_AddStringToObject(x, "signature", e->signature ? e->signature : "");
        cJSON *st = cJSON_CreateArray();
        for (size_t j = 0; j < e->nsteps; j++)
            cJSON_AddItemToArray(st, cJSON_CreateString(e->steps[j]));
        cJSON_AddItemToObject(x, "steps", st);
        if (e->solution)
            cJSON_AddStringToObject(x, "solution", e->solution);
        else
            cJSON_AddNullToObject(x, "solution");
        cJSON_AddBoolToObject(x, "resolved", e->resolved);
        cJSON_AddNumberToObject(x, "count", e->count);
        cJSON_AddNumberToObject(x, "sessions", e->sessions);
        cJSON_AddNumberToObject(x, "projects", e->nprojects);
        cJSON *u = cJSON_AddArrayToObject(x, "unit_ids");
        for (uint32_t k = 0; k < e->nunits; k++)
            cJSON_AddItemToArray(u, cJSON_CreateNumber(e->units[k]));
        cJSON *pi = cJSON_AddArrayToObject(x, "project_ids");
        for (uint32_t k = 0; k < e->nprojects; k++)
            cJSON_AddItemToArray(pi, cJSON_CreateNumber(e->projects[k]));
        cJSON_AddItemToArray(eps, x);
    }
    cJSON_AddItemToObject(o, "episodes", eps);
    cJSON_AddNumberToObject(o, "episodes_dropped", (double)p->episodes_dropped);
    cJSON *ths = cJSON_AddArrayToObject(o, "themes"); /* a card revised later needs them */
    for (size_t i = 0; i < p->nthemes; i++) {
        cJSON *x = cJSON_CreateObject(), *tt = cJSON_AddArrayToObject(x, "terms");
        for (size_t j = 0; j < p->themes[i].nterms; j++)
            cJSON_AddItemToArray(tt, cJSON_CreateString(p->themes[i].terms[j]));
        cJSON_AddNumberToObject(x, "mentions", (double)p->themes[i].mentions);
        cJSON_AddItemToArray(ths, x);
    }
    cJSON *voc = cJSON_AddArrayToObject(o, "vocab");
    for (size_t i = 0; i < p->nvocab; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(p->vocab[i].w));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(p->vocab[i].df));
        cJSON_AddItemToArray(voc, pair);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* A whole-number field from 0 to max, else 0 (the profile is read back from the store) */
static uint64_t wnum(const cJSON *o, const char *k, double max)
{
    return tm_json_whole_or(cJSON_GetObjectItemCaseSensitive(o, k), max, 0);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static char *sdup(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? tm_xstrdup(v->valuestring) : NULL;
}

enum tm_rc tm_profile_from_json(const char *json, size_t len, const struct tm_taxonomy *tax,
                                struct tm_profile *p, struct tm_diag *d)
{
    memset(p, 0, sizeof *p);
    cJSON *o = cJSON_ParseWithLength(json, len);
    const cJSON *terms = cJSON_GetObjectItemCaseSensitive(o, "terms");
    const cJSON *topics = cJSON_GetObjectItemCaseSensitive(o, "topics");
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(o, "episodes");
    if (!cJSON_IsObject(o) || num(o, "version") != 1 || !cJSON_IsArray(terms)) {
        cJSON_Delete(o);
        return tm_fail(d, TM_EPARSE, "profile: not a version 1 profile");
    }
    p->k = (int)wnum(o, "k", 1000000);
    p->tokens = wnum(o, "tokens", 1e18);
    p->content_records = wnum(o, "content_records", 1e18);
    p->units = (uint32_t)wnum(o, "units", UINT32_MAX);
    p->terms = tm_xcalloc((size_t)cJSON_GetArraySize(terms) + 1, sizeof *p->terms);
    const cJSON *e;
    cJSON_ArrayForEach(e, terms)
    {
        const cJSON *t = cJSON_GetArrayItem(e, 0);
        if (!cJSON_IsString(t) || cJSON_GetArraySize(e) < 5)
            continue;
        struct tm_pterm *pt = &p->terms[p->nterms++];
        pt->term = tm_xstrdup(t->valuestring);
        pt->mentions = tm_json_whole_or(cJSON_GetArrayItem(e, 1), 1e18, 0);
        pt->df = (uint32_t)tm_json_whole_or(cJSON_GetArrayItem(e, 2), UINT32_MAX, 0);
        pt->flags = (uint32_t)tm_json_whole_or(cJSON_GetArrayItem(e, 3), UINT32_MAX, 0);
        pt->score = cJSON_GetArrayItem(e, 4)->valuedouble;
        const cJSON *cl = cJSON_GetArrayItem(e, 5);
        pt->clipped = tm_json_whole_or(cl, 1e18, pt->mentions);
    }
    p->topics = tm_xcalloc((size_t)cJSON_GetArraySize(topics) + 1, sizeof *p->topics);
    cJSON_ArrayForEach(e, topics)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        int ti = cJSON_IsString(id) ? tm_taxonomy_find(tax, id->valuestring) : -1;
        if (ti < 0)
            continue;
        struct tm_ptopic *pt = &p->topics[p->ntopics++];
        pt->topic = ti;
        pt->mentions = wnum(e, "mentions", 1e18);
        pt->records = wnum(e, "records", 1e18);
        pt->clipped = wnum(e, "clipped", 1e18);
        pt->df = (uint32_t)wnum(e, "df", UINT32_MAX);
        pt->share = num(e, "share");
        pt->publishable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "publishable"));
    }
    p->episodes = tm_xcalloc((size_t)cJSON_GetArraySize(eps) + 1, sizeof *p->episodes);
    cJSON_ArrayForEach(e, eps)
    {
        struct tm_episode *x = &p->episodes[p->nepisodes++];
        x->problem = sdup(e, "problem");
        x->prompt = sdup(e, "prompt");
        x->signature = sdup(e, "signature");
        x->solution = sdup(e, "solution");
        const cJSON *st, *steps = cJSON_GetObjectItemCaseSensitive(e, "steps");
        cJSON_ArrayForEach(st, steps)
        {
            if (cJSON_IsString(st) && x->nsteps < 8)
                x->steps[x->nsteps++] = tm_xstrdup(st->valuestring);
        }
        x->resolved = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "resolved"));
        x->count = (uint32_t)wnum(e, "count", UINT32_MAX);
        x->sessions = (uint32_t)wnum(e, "sessions", UINT32_MAX);
        const cJSON *u;
        cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(e, "unit_ids"))
        {
            uint64_t w;
            if (tm_json_whole(u, UINT32_MAX, &w) && x->nunits < TM_EP_UNITS)
                x->units[x->nunits++] = (uint32_t)w;
        }
        cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(e, "project_ids"))
        {
            uint64_t w;
            if (tm_json_whole(u, UINT32_MAX, &w) && x->nprojects < TM_EP_PROJECTS)
                x->projects[x->nprojects++] = (uint32_t)w;
        }
    }
    p->capepisodes = p->nepisodes;
    p->episodes_dropped = wnum(o, "episodes_dropped", 1e18);
    const cJSON *ths = cJSON_GetObjectItemCaseSensitive(o, "themes"); /* absent before 2026-12 */
    p->themes = tm_xcalloc(TM_THEMES_MAX, sizeof *p->themes);
    cJSON_ArrayForEach(e, ths)
    {
        if (p->nthemes >= TM_THEMES_MAX)
            break;
        struct tm_theme *th = &p->themes[p->nthemes];
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e, "terms"))
        {
            if (cJSON_IsString(t) && *t->valuestring && strlen(t->valuestring) <= 3 * TM_TERM_MAX + 3 &&
                th->nterms < 8)
                th->terms[th->nterms++] = tm_xstrdup(t->valuestring);
        }
        if (!th->nterms)
            continue;
        th->mentions = wnum(e, "mentions", 1e18);
        th->label = tm_theme_label((const char *const *)th->terms, th->nterms);
        p->nthemes++;
    }
    const cJSON *voc = cJSON_GetObjectItemCaseSensitive(o, "vocab");
    p->vocab = tm_xcalloc((size_t)cJSON_GetArraySize(voc) + 1, sizeof *p->vocab);
    cJSON_ArrayForEach(e, voc) /* sorted when written; kept only if still sorted */
    {
        const cJSON *w = cJSON_GetArrayItem(e, 0), *df = cJSON_GetArrayItem(e, 1);
        uint64_t dfv;
        if (!cJSON_IsString(w) || !tm_json_whole(df, UINT32_MAX, &dfv) || !*w->valuestring ||
            (p->nvocab && strcmp(p->vocab[p->nvocab - 1].w, w->valuestring) >= 0))
            continue;
        p->vocab[p->nvocab].w = tm_xstrdup(w->valuestring);
        p->vocab[p->nvocab++].df = (uint32_t)dfv;
    }
    cJSON_Delete(o);
    return TM_OK;
}
