/* xbg.c - teemed-dev x-background, x-terms, x-parse: the background model and what the
 * analyser sees (developers only).
 * scripts/make-background.sh feeds it Debian's man pages (as text) and ordinary
 * coding transcripts; its output is data/background.tsv. */
#include "dev.h"
#include <getopt.h>
#include "pipeline/ingest.h"
#include "pipeline/profile.h"
#include "pipeline/background.h"
#include "pipeline/taxonomy.h"
#include <cjson/cJSON.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: teemed-dev x-background [--min-df N] [--keep-identities] PATH... > background.tsv\n"
    "\n"
    "Count canonical terms over generic text (each text file or session is one unit)\n"
    "and print TERM<TAB>MENTIONS for terms in at least N units (default 3), leaving out\n"
    "identity words harvested from paths and e-mail addresses (kept with\n"
    "--keep-identities, for public text such as man pages).\n";

struct row {
    char *t;
    uint64_t m;
};
struct rows {
    struct row *v;
    size_t n, cap;
};

static void collect(void *ctx, const char *t, size_t len, uint64_t m, uint32_t df)
{
    struct rows *r = ctx;
    (void)df;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4096;
        r->v = tm_xrealloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->n].t = tm_xstrndup(t, len);
    r->v[r->n++].m = m;
}

static int by_count(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->m != y->m)
        return x->m < y->m ? 1 : -1;
    return strcmp(x->t, y->t);
}

int x_background(int argc, char **argv)
{
    static const struct option opts[] = {{"min-df", required_argument, NULL, 'm'},
                                         {"keep-identities", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    long min_df = 3;
    int keep = 0;
    int o;
    while ((o = getopt_long(argc, argv, "m:kh", opts, NULL)) != -1) {
        if (o == 'h') {
            fputs(usage, stdout);
            return EX_OK;
        }
        if (o == 'k')
            keep = 1;
        else if (o == 'm')
            min_df = strtol(optarg, NULL, 10);
        else
            return EX_USAGE;
    }
    if (optind >= argc || min_df < 1) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    struct tm_diag d = {{0}};
    struct tm_filelist fl;
    enum tm_rc rc = tm_ingest_collect((const char *const *)argv + optind, (size_t)(argc - optind), &fl, &d);
    if (rc)
        return dev_fail(rc, &d);
    struct tm_an *an = tm_an_new(NULL, NULL);
    struct tm_ingest *in = tm_ingest_new(an, NULL);
    for (size_t i = 0; i < fl.n && !rc; i++)
        rc = tm_ingest_file(in, &fl.v[i], &d);
    struct rows r = {0};
    if (!rc)
        tm_an_dump(an, (uint32_t)min_df, keep, collect, &r);
    qsort(r.v, r.n, sizeof *r.v, by_count);
    printf("# teemed background model: canonical terms and mentions in generic text\n");
    for (size_t i = 0; i < r.n; i++) {
        printf("%s\t%llu\n", r.v[i].t, (unsigned long long)r.v[i].m);
        free(r.v[i].t);
    }
    free(r.v);
    tm_ingest_free(in);
    tm_an_free(an);
    tm_filelist_release(&fl);
    return rc ? dev_fail(rc, &d) : EX_OK;
}

/* teemed-dev x-terms [--k N] PATH...: print the ranked profile terms with their flags, so a
 * developer can see why a term is or is not published. Never use on data you may not
 * see: it prints terms that the k-threshold would withhold. */
int x_terms(int argc, char **argv)
{
    int k = 3, top = 60, eps = 0;
    int o;
    optind = 1;
    while ((o = getopt(argc, argv, "k:n:e:")) != -1) {
        if (o == 'e')
            eps = atoi(optarg);
        else if (o == 'k')
            k = atoi(optarg);
        else if (o == 'n')
            top = atoi(optarg);
        else
            return EX_USAGE;
    }
    struct tm_diag d = {{0}};
    struct tm_filelist fl;
    enum tm_rc rc = tm_ingest_collect((const char *const *)argv + optind, (size_t)(argc - optind), &fl, &d);
    if (rc)
        return dev_fail(rc, &d);
    struct tm_taxonomy tax;
    struct tm_background bg;
    if (tm_taxonomy_load(&tax, &d) || tm_background_load(&bg, &d))
        return dev_fail(TM_EPARSE, &d);
    struct tm_an *an = tm_an_new(&tax, &bg);
    struct tm_ingest *in = tm_ingest_new(an, NULL);
    for (size_t i = 0; i < fl.n && !rc; i++)
        rc = tm_ingest_file(in, &fl.v[i], &d);
    struct tm_profile p;
    tm_an_finish(an, k, &p);
    printf("tokens %llu records %llu units %u revisits %u\n", (unsigned long long)p.tokens,
           (unsigned long long)p.content_records, p.units, p.revisits);
    for (size_t i = 0; i < p.nterms && (int)i < top; i++)
        printf("%-32s %8llu %5u %10.1f %s%s%s%s%s%s\n", p.terms[i].term,
               (unsigned long long)p.terms[i].mentions, p.terms[i].df, p.terms[i].score,
               p.terms[i].flags & TM_T_PUBLIC ? "P" : "-", p.terms[i].flags & TM_T_GENERIC ? "G" : "-",
               p.terms[i].flags & TM_T_DENIED ? "D" : "-", p.terms[i].flags & TM_T_PHRASE ? "2" : "-",
               p.terms[i].flags & TM_T_TAXONOMY ? "T" : "-", p.terms[i].flags & TM_T_PART ? "p" : "-");
    for (size_t i = 0; i < p.ntopics; i++)
        printf("topic %-28s share %.3f df %u mentions %llu\n", tax.topics[p.topics[i].topic].id,
               p.topics[i].share, p.topics[i].df, (unsigned long long)p.topics[i].mentions);
    for (size_t i = 0; i < p.nthemes; i++)
        printf("theme %s\n", p.themes[i].label);
    printf("episodes %zu\n", p.nepisodes);
    for (size_t i = 0; i < p.nepisodes && (int)i < eps; i++) {
        const struct tm_episode *e = &p.episodes[i];
        printf("  [%u x, %u sessions, %u projects] %s\n    sig: %s\n", e->count, e->sessions,
               e->nprojects, e->problem, e->signature);
        for (size_t j = 0; j < e->nsteps; j++)
            printf("    step: %s\n", e->steps[j]);
        printf("    solution: %s\n", e->solution ? e->solution : "(unresolved)");
    }
    tm_profile_release(&p);
    tm_ingest_free(in);
    tm_an_free(an);
    tm_filelist_release(&fl);
    tm_taxonomy_release(&tax);
    tm_background_release(&bg);
    return rc ? dev_fail(rc, &d) : EX_OK;
}

/* teemed-dev x-parse PATH...: read every line and parse it with cJSON, nothing else: the
 * reference figure `make bench` prints beside the full onboarding. */
int x_parse(int argc, char **argv)
{
    struct tm_diag d = {{0}};
    struct tm_filelist fl;
    enum tm_rc rc = tm_ingest_collect((const char *const *)argv + 1, (size_t)(argc - 1), &fl, &d);
    if (rc)
        return dev_fail(rc, &d);
    uint64_t objects = 0;
    struct tm_buf b;
    tm_buf_init(&b);
    for (size_t i = 0; i < fl.n; i++) {
        FILE *f = fopen(fl.v[i].path, "rb");
        if (!f)
            continue;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            cJSON *j = cJSON_ParseWithLength(line, (size_t)n);
            objects += j != NULL;
            cJSON_Delete(j);
        }
        free(line);
        fclose(f);
    }
    tm_buf_release(&b);
    printf("%llu objects\n", (unsigned long long)objects);
    tm_filelist_release(&fl);
    return EX_OK;
}
