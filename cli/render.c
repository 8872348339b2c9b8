/* render.c - output: JSON as the op returned it, or readable text. Every string that
 * may come from a user (titles, reasons, queries, names) is printed with control
 * characters escaped, so nobody can paint a forged line into someone else's terminal. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The code point of the UTF-8 sequence at p (its length in *len), or -1 when invalid. */
static long utf8_at(const unsigned char *p, size_t *len)
{
    int n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : 0;
    if (p[0] >= 0xF5 || !n)
        return -1;
    long cp = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = (size_t)n;
    return cp;
}

/* Text from a document or a user: control characters (C0, DEL, the C1 range that
 * terminals also obey) and bidirectional overrides are escaped, invalid UTF-8 bytes too,
 * so no string can move the cursor, recolour or reorder what follows. */
void cli_puts_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '\n') {
            fputs("\\n", stdout);
            p++;
        } else if (*p < 32 || *p == 127) {
            printf("\\x%02x", *p++);
        } else if (*p < 128) {
            putchar(*p++);
        } else {
            size_t n = 0;
            long cp = utf8_at(p, &n);
            if (cp < 0) {
                printf("\\x%02x", *p++);
            } else if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
                       cp == 0x200E || cp == 0x200F || cp == 0x061C) {
                printf("\\u%04lx", cp);
                p += n;
            } else {
                fwrite(p, 1, n, stdout);
                p += n;
            }
        }
    }
}

void cli_heading(const struct cli *c, const char *s)
{
    if (c->tty_out)
        printf("\n\033[1m== %s\033[0m\n", s);
    else
        printf("\n== %s\n", s);
}

static void scalar(const cJSON *v)
{
    if (cJSON_IsString(v))
        cli_puts_safe(v->valuestring);
    else if (cJSON_IsBool(v))
        fputs(cJSON_IsTrue(v) ? "yes" : "no", stdout);
    else if (cJSON_IsNull(v))
        fputs("-", stdout);
    else if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (x == floor(x) && fabs(x) < 1e15)
            printf("%.0f", x);
        else
            printf("%g", x);
    }
}

static int all_scalars(const cJSON *a)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
        if (cJSON_IsObject(x) || cJSON_IsArray(x))
            return 0;
    return 1;
}

static void label(const char *k)
{
    for (const char *p = k; *p; p++)
        putchar(*p == '_' ? ' ' : *p);
}

static void render(const cJSON *v, int indent)
{
    const cJSON *x;
    if (cJSON_IsObject(v)) {
        cJSON_ArrayForEach(x, v)
        {
            printf("%*s", indent, "");
            label(x->string);
            if (cJSON_IsObject(x) && x->child) {
                fputs(":\n", stdout);
                render(x, indent + 2);
            } else if (cJSON_IsArray(x) && x->child && !all_scalars(x)) {
                fputs(":\n", stdout);
                render(x, indent + 2);
            } else {
                fputs(": ", stdout);
                if (cJSON_IsArray(x) || cJSON_IsObject(x))
                    render(x, 0);
                else
                    scalar(x);
                putchar('\n');
            }
        }
    } else if (cJSON_IsArray(v)) {
        if (all_scalars(v)) {
            int first = 1;
            cJSON_ArrayForEach(x, v)
            {
                fputs(first ? "" : ", ", stdout);
                scalar(x);
                first = 0;
            }
            if (first)
                fputs("-", stdout);
            return;
        }
        cJSON_ArrayForEach(x, v)
        {
            printf("%*s-\n", indent, "");
            render(x, indent + 2);
        }
    } else {
        printf("%*s", indent, "");
        scalar(v);
        putchar('\n');
    }
}

void cli_print_text(const cJSON *v)
{
    render(v, 0);
}

int cli_emit(struct cli *c, char *out, void (*text)(const cJSON *))
{
    if (c->json) {
        puts(out);
    } else {
        cJSON *o = cJSON_Parse(out);
        if (o)
            (text ? text : cli_print_text)(o);
        else
            cli_puts_safe(out), putchar('\n');
        cJSON_Delete(o);
    }
    free(out);
    return EX_OK;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void join(const cJSON *arr, const char *field)
{
    const cJSON *it;
    int first = 1;
    cJSON_ArrayForEach(it, arr)
    {
        fputs(first ? "" : ", ", stdout);
        cli_puts_safe(cJSON_IsString(it) ? it->valuestring : field ? jstr(it, field) : "");
        first = 0;
    }
    if (first)
        fputs("-", stdout);
}

static void line(const char *name, const char *value)
{
    printf("  %-14s ", name);
    cli_puts_safe(value);
    putchar('\n');
}

void cli_print_card(const cJSON *c)
{
    const cJSON *vol = cJSON_GetObjectItemCaseSensitive(c, "volume");
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(c, "primary_focus");
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(c, "attestation");
    const cJSON *priv = cJSON_GetObjectItemCaseSensitive(c, "privacy");
    cli_puts_safe(jstr(c, "dataset_id"));
    fputs("  (owner ", stdout);
    cli_puts_safe(jstr(c, "owner"));
    fputs(")\n", stdout);
    line("topic", jstr(c, "topic"));
    line("volume", jstr(vol, "summary"));
    const cJSON *mal = cJSON_GetObjectItemCaseSensitive(vol, "malformed");
    const cJSON *ad = cJSON_GetObjectItemCaseSensitive(vol, "active_days");
    printf("  %-14s ", "dates");
    cli_puts_safe(jstr(vol, "first"));
    fputs(" .. ", stdout);
    cli_puts_safe(jstr(vol, "last"));
    printf(", %d active days%s\n", cJSON_IsNumber(ad) ? ad->valueint : 0,
           cJSON_IsNumber(mal) && mal->valuedouble > 0 ? " (some lines malformed)" : "");
    line("primary focus", cJSON_IsObject(pf) ? jstr(pf, "summary") : "-");
    printf("  %-14s ", "expertise");
    join(cJSON_GetObjectItemCaseSensitive(c, "key_expertise"), NULL);
    printf("\n  %-14s ", "topics");
    join(cJSON_GetObjectItemCaseSensitive(c, "topics"), NULL);
    printf("\n  %-14s ", "themes");
    join(cJSON_GetObjectItemCaseSensitive(c, "themes"), "label");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(priv, "k");
    printf("\n  %-14s k=%d, scrubbed before analysis\n", "privacy", cJSON_IsNumber(k) ? k->valueint : 0);
    line("commitment", jstr(c, "commitment"));
    const cJSON *sim = cJSON_GetObjectItemCaseSensitive(att, "simulated");
    printf("  %-14s ", "attestation");
    cli_puts_safe(jstr(att, "backend"));
    char signer[25];
    snprintf(signer, sizeof signer, "%s", jstr(att, "signer"));
    printf("%s, signer ", cJSON_IsTrue(sim) ? " (SIMULATED: software keys)" : "");
    cli_puts_safe(signer);
    fputs("...\n", stdout);
}
