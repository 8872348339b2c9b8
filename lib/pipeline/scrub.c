/* scrub.c - the privacy filter (see scrub.h and docs/privacy.md).
 *
 * The text is cut into chunks: maximal runs of bytes that are not whitespace or one of
 * the delimiters " ' ` ( ) [ ] { } < > , ; |. A chunk made only of letters, digits and
 * '_' is copied unless it looks like hex or a random identifier; other chunks go through
 * the rule list (PEM, URL, e-mail, path, IP, host, UUID, hex, secrets). Keys such as
 * "password=" or "Bearer" make the following value secret. Lines that start with git
 * identity headers (Author:, Co-Authored-By:, Signed-off-by:, ...) lose their rest. */
#include "pipeline/scrub.h"
#include "base/embed.h"
#include "base/simd.h"

#include <pthread.h>
#include <string.h>

enum {
    C_SPACE = 1, C_DELIM = 2, C_ALPHA = 4, C_DIGIT = 8, C_HEXL = 16, C_UPPER = 32,
    C_WORD = 64 /* alnum or _ */
};

static uint8_t cls[256];
/* For the chunk scan: where a chunk stops, and what its bytes are not. */
enum { K_STOP = 1, K_NONWORD = 2, K_NOTLOWER = 4 };
static uint8_t chunk_cls[256];
static void init_pfx_first(void);
static void init_word_keys(void);
static void init_part_words(void);

static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void fill_cls(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t f = 0;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
            f |= C_SPACE;
        if (strchr("\"'`()[]{}<>,;|", c) && c)
            f |= C_DELIM;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            f |= C_ALPHA | C_WORD;
        if (c >= 'A' && c <= 'Z')
            f |= C_UPPER;
        if (c >= '0' && c <= '9')
            f |= C_DIGIT | C_WORD;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            f |= C_HEXL;
        if (c == '_')
            f |= C_WORD;
        cls[c] = f;
    }
    cls[TM_MARK] |= C_SPACE; /* never let input forge or merge a marker */
    init_pfx_first();
    init_word_keys();
    init_part_words();
    for (int c = 0; c < 256; c++)
        chunk_cls[c] = (uint8_t)(((cls[c] & (C_SPACE | C_DELIM)) ? K_STOP : 0) |
                                 (!(cls[c] & C_WORD) ? K_NONWORD : 0) |
                                 (!(cls[c] & C_ALPHA) || (cls[c] & C_UPPER) ? K_NOTLOWER : 0));
}

/* Once per process, and complete before any thread scrubs (the server runs several). */
static void init_cls(void) { pthread_once(&cls_once, fill_cls); }

static const char letters[TM_S_NKINDS] = {'P', 'E', 'N', 'H', 'I', 'U', 'X', 'K', 'C', 'L', 'D', 'B', 'M'};
static const char *const names[TM_S_NKINDS] = {
    "path", "email", "name", "host", "ip", "uuid", "hex", "secret", "pem", "url", "id", "branch", "number",
};

char tm_scrub_letter(enum tm_scrub_kind k) { return letters[k]; }
const char *tm_scrub_kind_name(enum tm_scrub_kind k) { return names[k]; }

static void mark(struct tm_scrub *s, struct tm_buf *out, enum tm_scrub_kind k)
{
    s->hits[k]++;
    /* Collapse repeats ("<path> <path>" stays two, "<hex><hex>" merges). */
    if (out->len >= 2 && out->ptr[out->len - 2] == TM_MARK && out->ptr[out->len - 1] == letters[k])
        return;
    tm_buf_addc(out, TM_MARK);
    tm_buf_addc(out, letters[k]);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int in_list(const char *w, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, w, n) == 0)
            return 1;
    return 0;
}

static int ieq_prefix(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l)
        return 0;
    for (size_t i = 0; i < l; i++)
        if (lower((unsigned char)p[i]) != lower((unsigned char)lit[i]))
            return 0;
    return 1;
}

/* The first i >= from where lit (l > 0 bytes) occurs in p[0..n), or n. memchr finds
 * the candidates: paths and URLs are long, and a compare at every byte was 5% of
 * onboarding the real transcripts. */
static size_t next_sub(const char *p, size_t n, size_t from, const char *lit, size_t l)
{
    while (from + l <= n) {
        const char *q = memchr(p + from, lit[0], n - l + 1 - from);
        if (!q)
            break;
        from = (size_t)(q - p);
        if (memcmp(q, lit, l) == 0)
            return from;
        from++;
    }
    return n;
}

static int has_sub(const char *p, size_t n, const char *lit)
{
    return next_sub(p, n, 0, lit, strlen(lit)) < n;
}

/* Each alnum word of p[0..n), lowercased (at most 40 bytes kept) into w: fn(ctx, word as
 * written, its length, w, wl). */
static void each_word(const char *p, size_t n, void (*fn)(void *ctx, const char *raw, size_t rl, const char *w, size_t wl),
                      void *ctx)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !(cls[(unsigned char)p[i]] & (C_ALPHA | C_DIGIT)))
            i++;
        size_t st = i;
        char w[41];
        size_t wl = 0;
        while (i < n && (cls[(unsigned char)p[i]] & (C_ALPHA | C_DIGIT))) {
            if (wl < 40)
                w[wl++] = (char)lower((unsigned char)p[i]);
            i++;
        }
        if (i > st)
            fn(ctx, p + st, i - st, w, wl);
    }
}

struct add_ctx {
    struct tm_map *m;
    int caps_only;
};

static void add_one(void *ctx, const char *raw, size_t rl, const char *w, size_t wl)
{
    struct add_ctx *a = ctx;
    if (rl >= 2 && rl <= 40 && (!a->caps_only || (cls[(unsigned char)raw[0]] & C_UPPER)))
        tm_map_intern(a->m, w, wl, NULL);
}

/* Add lowercased alnum words of p[0..n) to m; with caps_only, only words written with a
 * capital first letter (names in "Author: Alice Doe" lines). */
static void add_words_if(struct tm_map *m, const char *p, size_t n, int caps_only)
{
    struct add_ctx a = {m, caps_only};
    if (m)
        each_word(p, n, add_one, &a);
}

static void add_words(struct tm_map *m, const char *p, size_t n)
{
    add_words_if(m, p, n, 0);
}

static const char *const home_roots[] = {"/Users/", "/home/", "/export/home/", "C:\\Users\\", "c:\\users\\"};
static const char *const enc_roots[] = {"-Users-", "-home-", "-root-", "-private-", "-tmp-",
                                        "-var-", "-opt-", "-mnt-", "-srv-", "-workspace-",
                                        "C--Users-"};

/* The user name after a home root, into strict. */
static void harvest_home(struct tm_map *strict, const char *p, size_t n)
{
    if (!strict)
        return;
    for (size_t r = 0; r < sizeof home_roots / sizeof *home_roots; r++) {
        size_t rl = strlen(home_roots[r]);
        for (size_t i = next_sub(p, n, 0, home_roots[r], rl); i + rl < n;
             i = next_sub(p, n, i + 1, home_roots[r], rl)) {
            size_t j = i + rl;
            while (j < n && p[j] != '/' && p[j] != '\\')
                j++;
            add_words(strict, p + i + rl, j - i - rl);
        }
    }
    for (size_t r = 0; r < 3; r++) { /* -Users-NAME-..., -home-NAME-..., -root- */
        size_t rl = strlen(enc_roots[r]);
        if (n > rl && memcmp(p, enc_roots[r], rl) == 0) {
            size_t j = rl;
            while (j < n && p[j] != '-')
                j++;
            add_words(strict, p + rl, j - rl);
        }
    }
}

void tm_scrub_harvest_path(struct tm_map *strict, struct tm_map *soft, const char *path,
                           size_t len)
{
    init_cls();
    harvest_home(strict, path, len);
    add_words(soft, path, len);
}

void tm_scrub_harvest_branch(struct tm_map *strict, const char *branch, size_t len)
{
    init_cls();
    const char *slash = memchr(branch, '/', len);
    if (slash)
        add_words(strict, branch, (size_t)(slash - branch));
}

static int role_account(const char *p, size_t n);

void tm_scrub_harvest_words(struct tm_map *strict, const char *text, size_t len)
{
    init_cls();
    size_t i = 0;
    while (i < len) { /* each blank-separated token: its user part, or its host's first label */
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        size_t st = i, cut = 0;
        while (i < len && text[i] != ' ' && text[i] != '\t') {
            if (!cut && (text[i] == '@' || text[i] == '.'))
                cut = i;
            i++;
        }
        size_t e = cut ? cut : i;
        if (e > st && !role_account(text + st, e - st))
            add_words(strict, text + st, e - st);
    }
}

int tm_scrub_identity_command(const char *c, size_t n)
{
    static const char *const cmds[] = {"whoami", "id -un", "id -u -n", "id -nu", "echo $USER", "echo $LOGNAME",
                                       "echo \"$USER\"", "hostname", "hostname -f", "hostname -s", "uname -n",
                                       "hostnamectl", "scutil --get ComputerName", "scutil --get LocalHostName",
                                       "scutil --get HostName", "git config user.name", "git config user.email",
                                       "git config --get user.name", "git config --get user.email",
                                       "git config --global user.name", "git config --global user.email",
                                       "echo $HOSTNAME", "cat /etc/hostname", NULL};
    while (n && (c[n - 1] == ' ' || c[n - 1] == '\n'))
        n--;
    while (n && *c == ' ')
        c++, n--;
    return in_list(c, n, cmds);
}

/* ---- chunk classifiers; each gets a chunk with edge punctuation trimmed ---- */

static int is_hexrun(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(cls[(unsigned char)p[i]] & (C_DIGIT | C_HEXL)))
            return 0;
    return 1;
}

static int is_uuid_at(const char *p, size_t n)
{
    static const int seg[5] = {8, 4, 4, 4, 12};
    if (n < 36)
        return 0;
    size_t o = 0;
    for (int s = 0; s < 5; s++) {
        if (!is_hexrun(p + o, (size_t)seg[s]))
            return 0;
        o += (size_t)seg[s];
        if (s < 4 && p[o++] != '-')
            return 0;
    }
    return 1;
}

static int is_ipv4(const char *p, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (i < n && parts < 4) {
        int v = 0, nd = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9' && nd < 4) {
            v = v * 10 + (p[i] - '0');
            i++;
            nd++;
        }
        if (!nd || nd > 3 || v > 255)
            return 0;
        parts++;
        if (parts < 4) {
            if (i >= n || p[i] != '.')
                return 0;
            i++;
        }
    }
    if (parts != 4)
        return 0;
    return i == n || p[i] == ':' || p[i] == '/'; /* port or CIDR may follow */
}

static int is_ipv6(const char *p, size_t n)
{
    int colons = 0, hex = 0, dbl = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == ':') {
            colons++;
            if (i + 1 < n && p[i + 1] == ':')
                dbl = 1;
        } else if (cls[c] & (C_DIGIT | C_HEXL)) {
            hex++;
        } else if (c != '.' && c != '%' && c != '/') {
            return 0;
        }
    }
    return hex > 0 && (colons >= 3 || (dbl && colons >= 2 && hex >= 1 && n > 3));
}

/* ---- host names: a public suffix (the Public Suffix List, from Debian's publicsuffix
 * package, compiled in) or a private-use name after at least one label ---- */

static struct tm_map psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void load_psl(void)
{
    tm_map_init(&psl);
    for (size_t e = 0; e < tm_nembedded; e++) {
        if (strcmp(tm_embedded[e].name, "publicsuffix/public_suffix_list.dat"))
            continue;
        const char *p = (const char *)tm_embedded[e].data, *end = p + tm_embedded[e].len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
                n--;
            int ascii = n > 0 && p[0] != '/' && p[0] != '!';
            char rule[128];
            for (size_t i = 0; ascii && i < n; i++)
                ascii = (unsigned char)p[i] < 0x80 && i < sizeof rule;
            if (ascii) { /* internationalised rules are skipped: hosts in logs are ASCII */
                for (size_t i = 0; i < n; i++)
                    rule[i] = (char)lower((unsigned char)p[i]);
                tm_map_intern(&psl, rule, n, NULL);
            }
            p = nl ? nl + 1 : end;
        }
    }
    static const char *const private_names[] = {"local", "internal", "lan", "corp", "home", "intra", "intranet",
                                                "svc", "localdomain", "localhost", "cluster.local", "home.arpa",
                                                "test", "example", "invalid"};
    for (size_t i = 0; i < sizeof private_names / sizeof *private_names; i++)
        tm_map_intern(&psl, private_names[i], strlen(private_names[i]), NULL);
}

/* File extensions that are also top-level domains: "setup.py" and "notes.md" are file
 * names, "api.corp.md" may be a host. */
static int file_extension(const char *p, size_t n)
{
    static const char *const ext[] = {"py", "md", "sh", "rs", "pl", "pm", "ts", "cc", "cs", "sc", "so", "ml", "mk",
                                      "am", "ps", "pt", "tf", "gd", "nu", "sv", "ar", "mo", "st", "pub", "pro",
                                      "zip", "mov", "rb", "in", "me", "sb", "cx", "lu", "ac", NULL};
    char l[4];
    if (n > 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        l[i] = (char)lower((unsigned char)p[i]);
    return in_list(l, n, ext);
}

/* Two labels ("self.name", "user.id", "tensor.to") are code far more often than hosts
 * once every new gTLD counts: then the suffix must be a classic gTLD, a two-letter
 * country code that does not double as a common attribute, or a private-use name. */
static int two_label_host(const char *t, size_t n)
{
    static const char *const classic[] = {"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io",
                                          "dev", "app", "ai", "co", "cloud", "xyz", "local", "internal", "lan",
                                          "corp", "home", "intra", "intranet", "svc", "localdomain", "test",
                                          "example", "invalid", "onion", NULL};
    static const char *const attr[] = {"id", "to", "do", "by", "at", "is", "me", "my", "no", "so", "us", "in",
                                       "st", "re", "tv", "fm", "im", "ms", "cd", "ls", "mv", "rm", "gs", "ps", NULL};
    if (in_list(t, n, classic))
        return 1;
    return n == 2 && !in_list(t, n, attr) && tm_map_find(&psl, t, n) != UINT32_MAX;
}

static int is_host(const char *p, size_t n)
{
    size_t dots = 0, last = 0, lab[16], nl = 0;
    lab[nl++] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.') {
            if (i == 0 || p[i - 1] == '.' || i + 1 == n)
                return 0;
            dots++;
            last = i + 1;
            if (nl < 16)
                lab[nl++] = i + 1;
        } else if (c == ':') {
            n = i; /* host:port */
            break;
        } else if (!(cls[c] & (C_ALPHA | C_DIGIT)) && c != '-') {
            return 0;
        }
    }
    if (!dots || last >= n || n > 253 || nl >= 16)
        return 0;
    for (size_t i = last; i < n; i++) /* the top label is letters */
        if (!(cls[(unsigned char)p[i]] & C_ALPHA))
            return 0;
    if (nl == 2 && file_extension(p + last, n - last))
        return 0;
    pthread_once(&psl_once, load_psl);
    char l[256];
    for (size_t i = 0; i < n; i++)
        l[i] = (char)lower((unsigned char)p[i]);
    if (nl == 2 && !two_label_host(l + last, n - last))
        return 0;
    /* a public suffix of 1..nl-1 labels with at least one label before it */
    for (size_t k = nl - 1; k >= 1; k--) {
        size_t at = lab[k];
        if (tm_map_find(&psl, l + at, n - at) != UINT32_MAX)
            return 1;
        if (k + 1 < nl) { /* "*.ck": any label, then the rest */
            char w[258];
            size_t rest = lab[k + 1];
            w[0] = '*';
            w[1] = '.';
            memcpy(w + 2, l + rest, n - rest);
            if (tm_map_find(&psl, w, n - rest + 2) != UINT32_MAX)
                return 1;
        }
    }
    return 0;
}

static int is_email(const char *p, size_t n, size_t *at)
{
    const char *a = memchr(p, '@', n);
    if (!a || a == p)
        return 0;
    size_t ai = (size_t)(a - p);
    size_t dots = 0;
    for (size_t i = ai + 1; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.')
            dots++;
        else if (!(cls[c] & (C_ALPHA | C_DIGIT)) && c != '-' && c != ':' && c != '/' && c != '_')
            return 0;
    }
    if (!dots || ai + 3 > n)
        return 0;
    /* the domain ends in a letter label: "pkg@1.2.3" is a version */
    size_t e = n, q;
    while (e > ai && (p[e - 1] == ':' || p[e - 1] == '/' || (cls[(unsigned char)p[e - 1]] & C_DIGIT)) &&
           memchr(p + ai, ':', e - ai))
        e--;
    q = e;
    while (q > ai + 1 && p[q - 1] != '.')
        q--;
    for (size_t i = q; i < e; i++)
        if (!(cls[(unsigned char)p[i]] & C_ALPHA))
            return 0;
    if (e - q < 2)
        return 0;
    *at = ai;
    return 1;
}

/* Shared mailboxes name no one: noreply@, git@, root@ ... */
static int role_account(const char *p, size_t n)
{
    static const char *const roles[] = {"noreply", "no-reply", "git", "root", "admin", "support",
                                        "info", "bot", "dev", "team", "hello", "contact",
                                        "security", "notifications", "users", "user", "example",
                                        "wheel", "staff", "nobody", "nogroup", "daemon", "bin", "sys",
                                        "adm", "www-data", "docker", "sudo", "everyone", "postgres",
                                        "mysql", "ubuntu", "debian", "node", "runner", "ec2-user"};
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (strlen(roles[i]) == n && ieq_prefix(p, n, roles[i]))
            return 1;
    return 0;
}

static int is_path(const char *p, size_t n)
{
    if (p[0] != '-' && !memchr(p, '/', n) && !memchr(p, '\\', n))
        return 0;
    if (n >= 2 && p[0] == '~' && p[1] == '/')
        return 1;
    if (n >= 3 && (cls[(unsigned char)p[0]] & C_ALPHA) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
        return 1;
    for (size_t r = 0; r < sizeof enc_roots / sizeof *enc_roots; r++)
        if (n > strlen(enc_roots[r]) + 1 && memcmp(p, enc_roots[r], strlen(enc_roots[r])) == 0)
            return 1;
    for (size_t r = 0; r < sizeof home_roots / sizeof *home_roots; r++)
        if (has_sub(p, n, home_roots[r]))
            return 1;
    if (p[0] != '/' || n < 2)
        return 0;
    /* An absolute path: "/x/y", or "/word" of 3+ letters ("/tmp", "/etc"), but not "/ ",
     * a lone "/s" flag or a "/2" fraction. */
    size_t slashes = 0, alpha = 0;
    for (size_t i = 0; i < n; i++) {
        slashes += p[i] == '/';
        alpha += (cls[(unsigned char)p[i]] & C_ALPHA) != 0;
    }
    return alpha && (slashes >= 2 || n >= 4);
}

/* A random-looking identifier: long, mixing classes often (CamelCase words switch class
 * rarely; base64 and key material switch all the time). */
static int is_random(const char *p, size_t n)
{
    if (n < 20)
        return 0;
    size_t up = 0, lo = 0, dg = 0, sw = 0;
    int prev = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        int k = (cls[c] & C_UPPER) ? 1 : (cls[c] & C_ALPHA) ? 2 : (cls[c] & C_DIGIT) ? 3 : 4;
        up += k == 1;
        lo += k == 2;
        dg += k == 3;
        if (i && k != prev)
            sw++;
        prev = k;
    }
    if (dg >= 2 && (up + lo) >= 2 && sw * 100 >= n * 35)
        return 1;
    return up && lo && dg && sw * 100 >= n * 45;
}

struct pfx {
    const char *lit;
    size_t len, minrest;
};
#define P(lit, rest) {lit, sizeof lit - 1, rest}
static const struct pfx secret_pfx[] = {
    P("sk-", 16), P("sk_live_", 10), P("sk_test_", 10), P("rk_live_", 10), P("pk_live_", 10),
    P("AKIA", 16), P("ASIA", 16), P("ghp_", 20), P("gho_", 20), P("ghu_", 20), P("ghs_", 20),
    P("ghr_", 20), P("github_pat_", 20), P("glpat-", 16), P("xoxb-", 10), P("xoxp-", 10),
    P("xoxa-", 10), P("xoxs-", 10), P("AIza", 30), P("eyJ", 20), P("npm_", 30), P("hf_", 30),
    P("pypi-", 30), P("SG.", 30),
};
static const struct pfx id_pfx[] = {P("msg_", 8), P("toolu_", 8), P("req_", 8), P("srvtoolu_", 8),
                                    P("call_", 8), P("chatcmpl-", 8)};

/* First bytes of the prefixes: bit PFX_SECRET a secret's, bit PFX_ID an id's. Most
 * words start with neither and skip the list. */
enum { PFX_SECRET = 1, PFX_ID = 2 };
static uint8_t pfx_first[256];

static void init_pfx_first(void)
{
    for (size_t i = 0; i < sizeof secret_pfx / sizeof *secret_pfx; i++)
        pfx_first[(unsigned char)secret_pfx[i].lit[0]] |= PFX_SECRET;
    for (size_t i = 0; i < sizeof id_pfx / sizeof *id_pfx; i++)
        pfx_first[(unsigned char)id_pfx[i].lit[0]] |= PFX_ID;
}

static int pfx_at(const struct pfx *v, size_t nv, int list, const char *p, size_t n)
{
    if (!n || !(pfx_first[(unsigned char)p[0]] & list))
        return 0;
    for (size_t i = 0; i < nv; i++)
        if (p[0] == v[i].lit[0] && n >= v[i].len + v[i].minrest && memcmp(p, v[i].lit, v[i].len) == 0)
            return 1;
    return 0;
}

static int secret_at(const char *p, size_t n)
{
    return pfx_at(secret_pfx, sizeof secret_pfx / sizeof *secret_pfx, PFX_SECRET, p, n);
}

/* ---- keys that announce a secret value or a user name ----
 * A key is an identifier ("password", "DB_PASS", "clientSecret", "--api-key") cut into
 * lowercase components at '_', '-', '.' and camelCase humps. It names a secret when a
 * strong component appears anywhere (unless the last component says the value is only
 * about the secret: a file, a length, a URL) or a weak one ends it; a user when it ends
 * in user, username or login. */
enum key_kind { KEY_NONE, KEY_SECRET, KEY_SECRET_LINE /* the value runs to the line's end */, KEY_USER };


/* One-word keys, any case, by length (the table is sorted by length; key_by_len gives
 * each length's range): most words stop at the length or the first letter. */
#define WK(k, kind) {k, sizeof k - 1, kind}
static const struct {
    const char *k;
    size_t len;
    enum key_kind kind;
} word_keys[] = {
    WK("pwd", KEY_SECRET), WK("pin", KEY_SECRET), WK("otp", KEY_SECRET), WK("psk", KEY_SECRET),
    WK("key", KEY_SECRET), WK("uid", KEY_USER), WK("gid", KEY_USER), WK("pass", KEY_SECRET),
    WK("keys", KEY_SECRET), WK("auth", KEY_SECRET), WK("seed", KEY_SECRET_LINE), WK("user", KEY_USER),
    WK("token", KEY_SECRET), WK("login", KEY_USER), WK("owner", KEY_USER), WK("passwd", KEY_SECRET),
    WK("secret", KEY_SECRET), WK("tokens", KEY_SECRET), WK("apikey", KEY_SECRET), WK("cookie", KEY_SECRET),
    WK("userid", KEY_USER), WK("groups", KEY_USER), WK("secrets", KEY_SECRET), WK("password", KEY_SECRET),
    WK("passwort", KEY_SECRET), WK("mnemonic", KEY_SECRET_LINE), WK("username", KEY_USER),
    WK("credential", KEY_SECRET), WK("passphrase", KEY_SECRET_LINE), WK("privatekey", KEY_SECRET),
    WK("credentials", KEY_SECRET), WK("authorization", KEY_SECRET),
};
#undef WK
static uint8_t key_by_len[15][2];

static void init_word_keys(void)
{
    for (size_t i = 0; i < sizeof word_keys / sizeof *word_keys; i++) {
        size_t l = word_keys[i].len;
        if (!key_by_len[l][1])
            key_by_len[l][0] = (uint8_t)i;
        key_by_len[l][1] = (uint8_t)(i + 1);
    }
}

static enum key_kind word_key(const char *w, size_t n)
{
    if (n < 3 || n > 13)
        return KEY_NONE;
    int f = lower((unsigned char)w[0]);
    for (size_t i = key_by_len[n][0]; i < key_by_len[n][1]; i++) {
        if (word_keys[i].k[0] != f)
            continue;
        size_t q = 1;
        while (q < n && lower((unsigned char)w[q]) == word_keys[i].k[q])
            q++;
        if (q == n)
            return word_keys[i].kind;
    }
    return KEY_NONE;
}

/* Components of compound keys, by length (sorted; part_by_len gives each length's
 * range), with what they say: a strong secret word, a weak one (a secret only as the
 * last component), a multi-word value, a component that makes the value about the
 * secret rather than the secret itself (DB_PASSWORD_FILE), a user. */
enum { PT_STRONG = 1, PT_WEAK = 2, PT_LINE = 4, PT_PHRASE = 8, PT_META = 16, PT_USER = 32 };
#define PW(k, f) {k, sizeof k - 1, f}
static const struct {
    const char *k;
    size_t len;
    uint8_t f;
} part_words[] = {
    PW("id", PT_META), PW("alg", PT_META), PW("arn", PT_META), PW("dir", PT_META),
    PW("env", PT_META), PW("gid", PT_USER), PW("key", PT_WEAK), PW("len", PT_META),
    PW("max", PT_META), PW("min", PT_META), PW("otp", PT_WEAK), PW("pin", PT_WEAK),
    PW("psk", PT_WEAK), PW("pwd", PT_STRONG), PW("ref", PT_META), PW("ttl", PT_META),
    PW("uid", PT_USER), PW("uri", PT_META), PW("url", PT_META), PW("auth", PT_WEAK),
    PW("bits", PT_META), PW("file", PT_META), PW("hash", PT_META), PW("keys", PT_WEAK),
    PW("mode", PT_META), PW("name", PT_META), PW("pass", PT_WEAK), PW("path", PT_META),
    PW("seed", PT_WEAK | PT_LINE), PW("size", PT_META), PW("type", PT_META), PW("user", PT_USER),
    PW("count", PT_META), PW("field", PT_META), PW("limit", PT_META), PW("login", PT_USER),
    PW("owner", PT_USER), PW("reset", PT_META), PW("scope", PT_META), PW("stdin", PT_META),
    PW("store", PT_META), PW("token", PT_STRONG), PW("usage", PT_META), PW("words", PT_PHRASE),
    PW("apikey", PT_STRONG), PW("cookie", PT_WEAK), PW("expiry", PT_META), PW("format", PT_META),
    PW("groups", PT_USER), PW("hashed", PT_META), PW("header", PT_META), PW("length", PT_META),
    PW("method", PT_META), PW("passwd", PT_STRONG), PW("phrase", PT_PHRASE), PW("policy", PT_META),
    PW("prompt", PT_META), PW("scopes", PT_META), PW("secret", PT_STRONG), PW("source", PT_META),
    PW("tokens", PT_STRONG), PW("userid", PT_USER), PW("enabled", PT_META), PW("expires", PT_META),
    PW("manager", PT_META), PW("secrets", PT_STRONG), PW("storage", PT_META), PW("timeout", PT_META),
    PW("version", PT_META), PW("endpoint", PT_META), PW("location", PT_META), PW("mnemonic", PT_STRONG | PT_LINE),
    PW("password", PT_STRONG), PW("passwort", PT_STRONG), PW("provider", PT_META), PW("recovery", PT_LINE),
    PW("required", PT_META), PW("rotation", PT_META), PW("username", PT_USER), PW("algorithm", PT_META),
    PW("credential", PT_STRONG), PW("expiration", PT_META), PW("passphrase", PT_STRONG | PT_LINE), PW("privatekey", PT_STRONG),
    PW("credentials", PT_STRONG), PW("authorization", PT_WEAK),
};
#undef PW
#define PART_MAX 13
static uint8_t part_by_len[PART_MAX + 1][2];

static void init_part_words(void)
{
    for (size_t i = 0; i < sizeof part_words / sizeof *part_words; i++) {
        size_t l = part_words[i].len;
        if (!part_by_len[l][1])
            part_by_len[l][0] = (uint8_t)i;
        part_by_len[l][1] = (uint8_t)(i + 1);
    }
}

/* The flags of a lowercase component w[0..n), 0 for most. */
static uint8_t part_class(const char *w, size_t n)
{
    if (n < 2 || n > PART_MAX)
        return 0;
    for (size_t i = part_by_len[n][0]; i < part_by_len[n][1]; i++)
        if (part_words[i].k[0] == w[0] && memcmp(part_words[i].k, w, n) == 0)
            return part_words[i].f;
    return 0;
}

static enum key_kind key_kind(const char *p, size_t n)
{
    int compound = 0; /* separators or camelCase humps: else it is one word */
    for (size_t i = 1; i < n && !compound; i++)
        compound = p[i] == '_' || p[i] == '-' || p[i] == '.' ||
                   ((cls[(unsigned char)p[i]] & C_UPPER) && !(cls[(unsigned char)p[i - 1]] & C_UPPER) &&
                    (cls[(unsigned char)p[i - 1]] & C_ALPHA));
    if (!compound)
        return n >= 2 && (cls[(unsigned char)p[0]] & C_ALPHA) ? word_key(p, n) : KEY_NONE;
    if (n > 48 || !(cls[(unsigned char)p[0]] & C_ALPHA))
        return KEY_NONE;
    char w[48];
    size_t wl = 0, parts = 0;
    uint8_t any = 0, last = 0;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)p[i] : 0;
        int hump = i > 0 && i < n && (cls[c] & C_UPPER) && (cls[(unsigned char)p[i - 1]] & C_ALPHA) &&
                   !(cls[(unsigned char)p[i - 1]] & C_UPPER);
        if (i == n || c == '_' || c == '-' || c == '.' || hump) {
            if (wl) {
                last = part_class(w, wl);
                any |= last;
                if (++parts > 8)
                    return KEY_NONE;
            }
            wl = 0;
            if (!hump)
                continue;
        }
        if (!(cls[c] & (C_ALPHA | C_DIGIT)))
            return KEY_NONE;
        w[wl++] = (char)lower(c);
    }
    if (last & PT_USER)
        return KEY_USER;
    if (last & PT_META)
        return KEY_NONE;
    int secret = (any & PT_STRONG) || (last & PT_WEAK);
    if ((any & PT_LINE) && (secret || (last & (PT_PHRASE | PT_LINE))))
        return KEY_SECRET_LINE;
    return secret ? KEY_SECRET : KEY_NONE;
}

/* Does the key before '=' or ':' name a secret ("DB_PASSWORD", "github_token")? */
static int secret_key(const char *p, size_t n)
{
    enum key_kind k = key_kind(p, n);
    return k == KEY_SECRET || k == KEY_SECRET_LINE;
}

static int blank(char c) { return c == ' ' || c == '\t'; }

static size_t line_end(const char *t, size_t len, size_t j)
{
    const char *nl = memchr(t + j, '\n', len - j);
    return nl ? (size_t)(nl - t) : len;
}

/* The indentation of the line that holds position j. */
static size_t indent_at(const char *t, size_t j)
{
    size_t s = j;
    while (s > 0 && t[s - 1] != '\n')
        s--;
    size_t e = s;
    while (blank(t[e]))
        e++;
    return e - s;
}

enum { V_SEP = 1 /* the key's chunk ended with ':' or '=' */, V_NOSEP = 2 /* a flag or netrc: no separator */,
       V_COPULA = 4 /* prose: "the password is X" */ };

/* The value after a key whose chunk ends at k: past a closing quote ("password": ...),
 * blanks, one separator (':', '=', ':=', '=>'; "==" is a comparison, not a value) or,
 * in prose, "is"/"was"/"are"/"to"; then on the same line a quoted string (to its
 * closing quote), a YAML block ('|' or '>': the lines indented deeper than the key's),
 * the rest of the line (KEY_SECRET_LINE), or one value. 0 when the key has no value on
 * its line (a section: "auth:" then nested keys, "{", "["). */
static int value_at(const char *t, size_t len, size_t k, int mode, enum key_kind kind, size_t *vs, size_t *ve)
{
    size_t j = k;
    int sep = mode & V_SEP;
    while (j < len && (t[j] == '"' || t[j] == '\''))
        j++;
    while (j < len && blank(t[j]))
        j++;
    if (!sep && j < len && (t[j] == ':' || t[j] == '=')) {
        if (j + 1 < len && t[j] == '=' && t[j + 1] == '=')
            return 0;
        sep = 1;
        j++;
        if (j < len && (t[j] == '=' || t[j] == '>'))
            j++;
    }
    while (j < len && blank(t[j]))
        j++;
    if (!sep && (mode & V_COPULA)) {
        static const char *const cop[] = {"is", "was", "are", "to", NULL};
        size_t w = j;
        while (w < len && (cls[(unsigned char)t[w]] & C_ALPHA))
            w++;
        if (w > j && w < len && blank(t[w]) && in_list(t + j, w - j, cop)) {
            sep = 1;
            j = w;
            while (j < len && blank(t[j]))
                j++;
        }
    }
    if (!sep && !(mode & V_NOSEP))
        return 0;
    if (j >= len || t[j] == '\n' || t[j] == '\r' || t[j] == '{' || t[j] == '[' || t[j] == TM_MARK ||
        (t[j] == '-' && (mode & V_NOSEP)))
        return 0;
    size_t e = j;
    if (t[j] == '|' || t[j] == '>') { /* a YAML block scalar */
        size_t ind = indent_at(t, k);
        e = line_end(t, len, j);
        while (e < len) {
            size_t ns = e + 1, q = ns;
            while (q < len && blank(t[q]))
                q++;
            if (q < len && t[q] != '\n' && q - ns <= ind)
                break; /* back at the key's level */
            e = line_end(t, len, q < len ? q : len);
            if (e == len || q >= len)
                break;
        }
    } else if (t[j] == '"' || t[j] == '\'' || t[j] == '`') {
        char qc = t[j];
        e = j + 1;
        while (e < len && t[e] != qc && t[e] != '\n' && e - j < 1024)
            e += t[e] == '\\' && e + 1 < len ? 2 : 1;
        if (e < len && t[e] == qc)
            e++;
    } else if (kind == KEY_SECRET_LINE) {
        e = line_end(t, len, j);
    } else if (kind == KEY_USER && (cls[(unsigned char)t[j]] & C_DIGIT)) {
        /* uid=1000(alex) gid=1000(alex) groups=1000(alex),27(sudo) */
        while (e < len && ((cls[(unsigned char)t[e]] & C_WORD) || strchr("(),.-", t[e])) && t[e])
            e++;
    } else {
        for (int words = 0; words < 2; words++) { /* "Authorization: Bearer X": both */
            while (e < len && !blank(t[e]) && t[e] != '\n' && t[e] != '\r' && !strchr(",;\"'`)]}&<>", t[e]))
                e++;
            static const char *const schemes[] = {"Bearer", "bearer", "Basic", "basic", "Token", "token",
                                                  "Digest", "digest", NULL};
            if (words || !in_list(t + j, e - j, schemes) || e + 1 >= len || !blank(t[e]) || blank(t[e + 1]))
                break;
            e++;
        }
        if (e > j && (t[e - 1] == '.' || t[e - 1] == ':') && kind == KEY_USER)
            e--;
    }
    if (e <= j)
        return 0;
    if (e - j <= 48 && !(t[j] == '"' || t[j] == '\'' || t[j] == '`')) {
        size_t ke = j; /* "for user: password = x": the value of "user:" would be a key */
        while (ke < e && ((cls[(unsigned char)t[ke]] & C_WORD) || t[ke] == '-'))
            ke++;
        if (ke > j && (ke == e || t[ke] == ':' || t[ke] == '=') && key_kind(t + j, ke - j) != KEY_NONE)
            return 0;
    }
    *vs = j;
    *ve = e > len ? len : e;
    return 1;
}

/* The identifier at the core of a chunk that may be a key: leading dashes and quotes and
 * a trailing ':' or '=' (with its quotes) stripped. *sep: it ended with ':' or '='.
 * 0 when the rest is not a plain identifier. */
static int key_core(const char *p, size_t n, size_t *a, size_t *b, int *sep, int *flag)
{
    size_t x = 0, y = n;
    *sep = *flag = 0;
    while (x < y && x < 2 && p[x] == '-')
        x++;
    *flag = x > 0;
    while (x < y && (p[x] == '"' || p[x] == '\''))
        x++;
    if (y > x && (p[y - 1] == ':' || p[y - 1] == '=')) {
        *sep = 1;
        y--;
        if (y > x && (p[y - 1] == ':' || p[y - 1] == '='))
            return 0; /* "==", "::" */
    }
    while (y > x && (p[y - 1] == '"' || p[y - 1] == '\''))
        y--;
    for (size_t i = x; i < y; i++)
        if (!(cls[(unsigned char)p[i]] & C_WORD) && p[i] != '-' && p[i] != '.')
            return 0;
    *a = x;
    *b = y;
    return y > x;
}

/* Scrub inside a word-ish chunk: UUIDs and hex runs and ids, the rest copied. */
static void scrub_parts(struct tm_scrub *s, const char *p, size_t n, struct tm_buf *out)
{
    size_t i = 0, copied = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (!(cls[c] & C_WORD) || (i > 0 && (cls[(unsigned char)p[i - 1]] & C_WORD))) {
            i++;
            continue;
        }
        /* i starts a word run */
        size_t j = i;
        while (j < n && (cls[(unsigned char)p[j]] & C_WORD))
            j++;
        enum tm_scrub_kind kind = TM_S_NKINDS;
        size_t end = j;
        if (is_uuid_at(p + i, n - i)) {
            kind = TM_S_UUID;
            end = i + 36;
        } else if (secret_at(p + i, n - i)) {
            kind = TM_S_SECRET;
            end = n; /* keys run to the end of the chunk (they may hold - . /) */
        } else {
            size_t wl = j - i, digit = 0, hexl = 0, other = 0;
            for (size_t q = i; q < j; q++) {
                uint8_t f = cls[(unsigned char)p[q]];
                if (f & C_DIGIT)
                    digit++;
                else if (f & C_HEXL)
                    hexl++;
                else
                    other++;
            }
            if (wl >= 3 && (p[i] == '0') && (p[i + 1] == 'x' || p[i + 1] == 'X') && wl >= 6 &&
                is_hexrun(p + i + 2, wl - 2))
                kind = TM_S_HEX;
            else if (!other && ((wl >= 7 && digit && hexl) || (wl >= 16 && hexl)))
                kind = TM_S_HEX;
            else if (is_random(p + i, wl))
                kind = TM_S_ID;
            else if (pfx_at(id_pfx, sizeof id_pfx / sizeof *id_pfx, PFX_ID, p + i, wl))
                kind = TM_S_ID;
        }
        if (kind != TM_S_NKINDS) {
            tm_buf_add(out, p + copied, i - copied);
            mark(s, out, kind);
            copied = end;
        }
        i = end > j ? end : j;
    }
    tm_buf_add(out, p + copied, n - copied);
}

/* Identity headers; the last ones are common words in prose, so they count only when
 * the rest of the line holds an e-mail address. */
static const char *const ident_heads[] = {
    "author:", "co-authored-by:", "signed-off-by:", "reviewed-by:", "acked-by:",
    "committer:", "reported-by:", "tested-by:", "from:", "cc:", "to:", "reply-to:",
};
#define IDENT_NEED_AT 8

/* At a line start: if it begins (after indentation and quoting) with a git/mail identity
 * header, return the length of the line to drop after the header, else 0. */
static size_t ident_line(const char *p, size_t n, size_t *head)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '>' || p[i] == '#' || p[i] == '+'))
        i++;
    if (i >= n || !strchr("acfrst", lower((unsigned char)p[i])) || !p[i])
        return 0; /* no header starts with this letter: most lines end here */
    for (size_t h = 0; h < sizeof ident_heads / sizeof *ident_heads; h++) {
        if (ieq_prefix(p + i, n - i, ident_heads[h])) {
            size_t st = i + strlen(ident_heads[h]);
            const char *nl = memchr(p + st, '\n', n - st);
            size_t end = nl ? (size_t)(nl - p) : n;
            /* Only when the rest names someone: has '@' or two capitalised words. */
            if (!memchr(p + st, '@', end - st)) {
                size_t caps = 0;
                for (size_t q = st; q + 1 < end; q++)
                    if ((q == st || p[q - 1] == ' ') && (cls[(unsigned char)p[q]] & C_UPPER))
                        caps++;
                if (caps < 1 || h >= IDENT_NEED_AT)
                    return 0;
            }
            *head = st;
            return end - st;
        }
    }
    return 0;
}

static int name_char(unsigned char c)
{
    return (cls[c] & (C_ALPHA | C_DIGIT)) || c == '.' || c == '-' || c >= 0x80;
}

/* Remove up to three capitalised words that directly precede "<" + e-mail on this line. */
static void drop_name_before(struct tm_scrub *s, struct tm_buf *out)
{
    size_t e = out->len;
    while (e > 0 && (out->ptr[e - 1] == ' ' || out->ptr[e - 1] == '<' || out->ptr[e - 1] == '"'))
        e--;
    size_t cut = e, words = 0;
    while (words < 3 && cut > 0) {
        size_t w = cut;
        while (w > 0 && name_char((unsigned char)out->ptr[w - 1]))
            w--;
        unsigned char first = (unsigned char)out->ptr[w];
        if (w == cut || (!(cls[first] & C_UPPER) && first < 0x80))
            break; /* names are capitalised (or non-ASCII) */
        if (w > 0 && out->ptr[w - 1] == TM_MARK)
            break; /* that "word" is the letter of a marker */
        cut = w;
        words++;
        while (cut > 0 && out->ptr[cut - 1] == ' ')
            cut--;
    }
    if (!words)
        return;
    add_words(s->deny, out->ptr + cut, e - cut);
    size_t keep = out->len - e; /* the " <" between name and e-mail */
    char tail[8];
    if (keep > sizeof tail)
        keep = sizeof tail;
    memcpy(tail, out->ptr + out->len - keep, keep);
    out->len = cut;
    if (cut)
        tm_buf_addc(out, ' ');
    mark(s, out, TM_S_NAME);
    tm_buf_add(out, tail, keep);
}

/* Punctuation that ends a sentence or emphasises a word: . : ! ? * */
static inline int prose_punct(char c)
{
    return c == '.' || c == ':' || c == '!' || c == '?' || c == '*';
}

/* A word after which the next word is a credential ("Bearer XYZ", "token XYZ"). */
static inline int is_scheme(const char *p, size_t n)
{
    if (n == 6)
        return memcmp(p, "Bearer", 6) == 0;
    return n == 5 && (memcmp(p, "Basic", 5) == 0 || memcmp(p, "token", 5) == 0 ||
                      memcmp(p, "Token", 5) == 0);
}

/* Mark the value text[vs..ve) of a key of kind k (a user name is harvested). */
/* The words of a scrubbed secret value join the deny map: the same string elsewhere (an
 * error that echoes it, a bare line) is never published, however often it recurs.
 * Literal placeholders (true, null, changeme, ${VAR}) are no secrets. */
static void secret_word(void *ctx, const char *raw, size_t rl, const char *w, size_t wl)
{
    static const char *const literal[] = {"true", "false", "null", "none", "nil", "yes", "undefined", "changeme",
                                          "required", "optional", "secret", "password", "redacted", "xxxx", NULL};
    (void)raw;
    if (rl >= 4 && rl <= 40 && !in_list(w, wl, literal) && !tm_is_stopword(w, wl))
        tm_map_intern(ctx, w, wl, NULL);
}

static void harvest_secret(struct tm_scrub *s, const char *v, size_t n)
{
    if (!s->deny || n > 1024 || (n > 0 && (v[0] == '$' || v[0] == '<' || v[0] == '*')))
        return;
    each_word(v, n, secret_word, s->deny);
}

static void mark_value(struct tm_scrub *s, struct tm_buf *out, const char *v, size_t n, enum key_kind k)
{
    if (k != KEY_USER)
        harvest_secret(s, v, n);
    if (k == KEY_USER && !memchr(v, ':', n)) {
        if (!role_account(v, n))
            add_words(s->deny, v, n);
        mark(s, out, TM_S_NAME);
    } else {
        const char *colon = memchr(v, ':', n);
        if (k == KEY_USER && colon && !role_account(v, (size_t)(colon - v)))
            add_words(s->deny, v, (size_t)(colon - v)); /* "user:pass" */
        mark(s, out, TM_S_SECRET);
    }
}

/* A code host's URL names an owner and a repository (github.com/ORG/REPO): both are
 * identities of the soft kind (withheld unless public vocabulary). u: after "://". */
static void harvest_repo(struct tm_scrub *s, const char *u, size_t n)
{
    static const char *const hosts[] = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co",
                                        "git.sr.ht", "gitea.com", NULL};
    size_t h = 0;
    while (h < n && u[h] != '/')
        h++;
    const char *at = memchr(u, '@', h);
    size_t hs = at ? (size_t)(at - u) + 1 : 0;
    int code = in_list(u + hs, h - hs, hosts) || (h - hs > 4 && (!memcmp(u + hs, "git.", 4) || !memcmp(u + hs, "gitlab.", 7)));
    if (!code || !s->soft)
        return;
    for (int seg = 0, i = (int)h; seg < 2 && (size_t)i < n; seg++) {
        size_t a = (size_t)i + 1, b = a;
        while (b < n && u[b] != '/' && u[b] != '?' && u[b] != '#')
            b++;
        size_t e = b;
        if (e - a > 4 && !memcmp(u + e - 4, ".git", 4))
            e -= 4;
        add_words(s->soft, u + a, e - a);
        i = (int)b;
    }
}

/* "user:pass@host[:port]": a ':' before the '@', letters on both sides. *at: the ':'. */
static int creds_at(const char *p, size_t n, size_t *colon)
{
    const char *a = memchr(p, '@', n);
    if (!a || a == p || (size_t)(a - p) + 2 > n)
        return 0;
    const char *k = memchr(p, ':', (size_t)(a - p));
    if (!k || k == p || k + 1 == a)
        return 0;
    for (const char *q = p; q < k; q++)
        if (!(cls[(unsigned char)*q] & C_WORD) && *q != '.' && *q != '-')
            return 0;
    *colon = (size_t)(k - p);
    return (cls[(unsigned char)a[1]] & (C_ALPHA | C_DIGIT)) != 0;
}

/* A .pgpass line: four ':' and no '/' or '@' ("host:5432:db:user:pw"). */
static int pgpass_line(const char *p, size_t n)
{
    size_t colons = 0;
    for (size_t i = 0; i < n; i++) {
        colons += p[i] == ':';
        if (p[i] == '/' || p[i] == '@' || p[i] == '\\')
            return 0;
    }
    return colons == 4 && n >= 9 && p[0] != ':';
}

/* A shell prompt "user@host:~/dir$", "user@host:/x#", "user@host$": the user names
 * someone and the host a machine. Not an e-mail (no dot-separated domain) and not
 * "pkg@1.2.3" / "pkg@latest". *at: the '@'. */
static int prompt_at(const char *p, size_t n, size_t *at)
{
    const char *a = memchr(p, '@', n);
    if (!a || a == p || a + 2 > p + n || !(cls[(unsigned char)a[1]] & C_ALPHA))
        return 0;
    size_t ai = (size_t)(a - p), i = ai + 1;
    for (size_t q = 0; q < ai; q++)
        if (!(cls[(unsigned char)p[q]] & C_WORD) && p[q] != '.' && p[q] != '-')
            return 0;
    while (i < n && ((cls[(unsigned char)p[i]] & (C_ALPHA | C_DIGIT)) || p[i] == '-' || p[i] == '.'))
        i++;
    int colon = i < n && p[i] == ':';
    int tail = n > 0 && strchr("$#%>", p[n - 1]) && p[n - 1];
    if (!colon && !tail)
        return 0;
    if (colon) { /* then a path: ~, / or a word, up to an optional prompt character */
        if (i + 1 >= n || !(p[i + 1] == '~' || p[i + 1] == '/' || (cls[(unsigned char)p[i + 1]] & C_ALPHA)))
            return 0;
        if (!tail && !(p[i + 1] == '~' || p[i + 1] == '/'))
            return 0;
    } else if (i != n - 1) {
        return 0;
    }
    *at = ai;
    return 1;
}

/* "@name": a handle in prose, 2..39 letters, digits, '_' or '-' ("@types/node" and
 * "@app.route" are no handles; decorators are excluded by the caller: line starts). */
static int handle_at(const char *p, size_t n)
{
    if (n < 3 || n > 40 || !(cls[(unsigned char)p[1]] & C_ALPHA))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(cls[(unsigned char)p[i]] & C_WORD) && p[i] != '-')
            return 0;
    return 1;
}

static void scrub_chunk(struct tm_scrub *s, const char *p, size_t n, struct tm_buf *out,
                        int *secret_next, int after_lt, int handle, int call)
{
    /* Trim edge punctuation that belongs to prose, not to the token. */
    size_t a = 0, b = n;
    while (b > a && (prose_punct(p[b - 1]) || !p[b - 1])) /* NUL too, as strchr did */
        b--;
    while (a < b && strchr("*", p[a]))
        a++;
    tm_buf_add(out, p, a);
    const char *c = p + a;
    size_t m = b - a;
    size_t at;
    if (m == 0) {
        tm_buf_add(out, p + b, n - b);
        return;
    }
    int ops = 1; /* only operator characters: "=", ":", "==", "=>" */
    for (size_t q = 0; q < m && ops; q++)
        ops = c[q] == '=' || c[q] == ':' || c[q] == '!' || c[q] == '<' || c[q] == '>';
    if (is_scheme(c, m)) {
        tm_buf_add(out, c, m); /* "Bearer XYZ": the value is the secret */
        *secret_next = 1;
    } else if (*secret_next && ops) {
        tm_buf_add(out, c, m); /* "token = X" waits for X; "token == x" compares */
        if (m >= 2 && (c[1] == '=' || c[0] == '!'))
            *secret_next = 0;
    } else if (*secret_next) {
        *secret_next = 0;
        harvest_secret(s, c, m);
        mark(s, out, TM_S_SECRET);
    } else if (b < n && (p[b] == ':' || p[b] == '=') && secret_key(c, m)) {
        tm_buf_add(out, c, m); /* "password: hunter2", "Authorization: Bearer x" */
        *secret_next = 1;
    } else if (has_sub(c, m, "://")) {
        harvest_home(s->deny, c, m);
        size_t sch = next_sub(c, m, 0, "://", 3) + 3, hend = sch;
        while (hend < m && c[hend] != '/')
            hend++;
        const char *ui = memchr(c + sch, '@', hend - sch); /* https://user:pass@host: both secret */
        if (ui)
            harvest_secret(s, c + sch, (size_t)(ui - c - sch));
        harvest_repo(s, c + sch, m - sch);
        mark(s, out, TM_S_URL);
    } else if (creds_at(c, m, &at)) { /* user:pass@host, no scheme */
        if (!role_account(c, at))
            add_words(s->deny, c, at);
        const char *ua = memchr(c, '@', m);
        harvest_secret(s, c + at + 1, (size_t)(ua - c) - at - 1);
        mark(s, out, TM_S_SECRET);
    } else if (pgpass_line(c, m)) { /* host:port:db:user:password */
        const char *pw = c + m;
        while (pw > c && pw[-1] != ':')
            pw--;
        harvest_secret(s, pw, (size_t)(c + m - pw));
        mark(s, out, TM_S_SECRET);
    } else if (prompt_at(c, m, &at)) { /* user@host:~/dir$ */
        if (!role_account(c, at))
            add_words(s->deny, c, at);
        size_t hs = at + 1, he = hs;
        while (he < m && c[he] != ':' && !strchr("$#%>", c[he]))
            he++;
        add_words(s->deny, c + hs, he - hs);
        mark(s, out, TM_S_NAME);
    } else if (handle && c[0] == '@' && handle_at(c, m)) { /* @someone, not a decorator */
        add_words(s->deny, c + 1, m - 1);
        mark(s, out, TM_S_NAME);
    } else if (is_email(c, m, &at)) {
        if (after_lt)
            drop_name_before(s, out);
        if (!role_account(c, at))
            add_words(s->deny, c, at);          /* the local part names a person */
        add_words(s->soft, c + at + 1, m - at - 1); /* the domain may name a company */
        mark(s, out, TM_S_EMAIL);
    } else if (is_path(c, m)) {
        harvest_home(s->deny, c, m);
        mark(s, out, TM_S_PATH);
    } else if (is_ipv4(c, m) || is_ipv6(c, m)) {
        mark(s, out, TM_S_IP);
    } else if (!call && is_host(c, m)) { /* "ctx.app.run(" is a call, not a host */
        mark(s, out, TM_S_HOST);
    } else {
        /* key=value / key:value with a secret key: scrub the value. */
        size_t eq = 0, kd = 0;
        while (eq < m && c[eq] != '=' && c[eq] != ':')
            eq++;
        while (kd < eq && kd < 2 && c[kd] == '-')
            kd++;
        int user_id = eq - kd == 2 && lower((unsigned char)c[kd]) == 'i' && lower((unsigned char)c[kd + 1]) == 'd' &&
                      out->len >= 5 && ieq_prefix(out->ptr + out->len - 5, 5, "user "); /* "User Id=" */
        if (eq < m && eq + 1 < m && (user_id || key_kind(c + kd, eq - kd) == KEY_USER)) {
            tm_buf_add(out, c, eq + 1); /* DB_USER=alex, --user=alex */
            mark_value(s, out, c + eq + 1, m - eq - 1, KEY_USER);
        } else if (eq < m && secret_key(c + kd, eq - kd)) {
            tm_buf_add(out, c, eq + 1);
            if (eq + 1 < m) {
                harvest_secret(s, c + eq + 1, m - eq - 1);
                mark(s, out, TM_S_SECRET);
            } else {
                *secret_next = 1; /* "password: hunter2" */
            }
        } else if (eq < m && eq + 1 < m && creds_at(c + eq + 1, m - eq - 1, &at)) {
            tm_buf_add(out, c, eq + 1); /* PGCONN=user:pass@host:5432/db */
            const char *v = c + eq + 1, *ua = memchr(v, '@', m - eq - 1);
            if (!role_account(v, at))
                add_words(s->deny, v, at);
            harvest_secret(s, v + at + 1, (size_t)(ua - v) - at - 1);
            mark(s, out, TM_S_SECRET);
        } else if (eq < m && eq + 1 < m && (is_path(c + eq + 1, m - eq - 1) ||
                                            has_sub(c + eq + 1, m - eq - 1, "://"))) {
            tm_buf_add(out, c, eq + 1); /* --out=/home/x, url:http://... */
            harvest_home(s->deny, c + eq + 1, m - eq - 1);
            mark(s, out, is_path(c + eq + 1, m - eq - 1) ? TM_S_PATH : TM_S_URL);
        } else if (is_random(c, m) && m >= 24 && !(m >= 36 && is_uuid_at(c, m))) {
            mark(s, out, TM_S_SECRET);
        } else {
            scrub_parts(s, c, m, out);
        }
    }
    tm_buf_add(out, p + b, n - b);
}

/* Branch names everyone shares are no identity. */
static int common_branch(const char *p, size_t n)
{
    return (n == 4 && (!memcmp(p, "main", 4) || !memcmp(p, "HEAD", 4))) ||
           (n == 6 && !memcmp(p, "master", 6)) || (n == 7 && !memcmp(p, "develop", 7)) ||
           (n == 2 && !memcmp(p, "--", 2));
}

/* A word after which git names a branch: "On branch X", "checkout -b X", "switch X",
 * "push origin X", "--branch X". */
static int announces_branch_at(const char *p, size_t n)
{
    switch (n) {
    case 2: return !memcmp(p, "-b", 2) || !memcmp(p, "-B", 2);
    case 6: return !memcmp(p, "branch", 6) || !memcmp(p, "switch", 6) || !memcmp(p, "origin", 6);
    case 7: return !memcmp(p, "branch:", 7);
    case 8: return !memcmp(p, "checkout", 8) || !memcmp(p, "--branch", 8);
    default: return 0;
    }
}

/* Asked of every word: first the lengths (2, 6, 7, 8) and first letters of the words in
 * announces_branch_at, inline; most words stop there. A word added there is added here
 * too, with a case in test_scrub.c. (A table both read from measured 0.6-0.8
 * instructions per input byte more: its loop is slower than the switch.) */
static inline int announces_branch(const char *p, size_t n)
{
    unsigned char c = (unsigned char)p[0];
    if (n > 8 || !((0x1c4u >> n) & 1) || !(c == '-' || c == 'b' || c == 's' || c == 'o' || c == 'c'))
        return 0;
    return announces_branch_at(p, n);
}

/* A ref name with a separator ("alex/fix", "feature-x", "v2_wip"): prose words after
 * "switch" or "branch" ("switch app identity") are not scrubbed. */
static int ref_like(const char *p, size_t n)
{
    int sep = 0;
    if (!n || n > 200 || p[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (strchr("/-_:", p[i]) && p[i])
            sep = 1;
        else if (!(cls[(unsigned char)p[i]] & C_WORD) && p[i] != '.' && p[i] != '+')
            return 0;
    }
    return sep;
}

/* Where the next PEM block starts (len if none); found anywhere, even glued to a word. */
static size_t next_pem(const char *text, size_t len, size_t from)
{
    for (size_t i = from; i + 10 <= len; i++) {
        const char *d = memchr(text + i, '-', len - i);
        if (!d)
            break;
        i = (size_t)(d - text);
        if (i + 10 <= len && memcmp(text + i, "-----BEGIN", 10) == 0)
            return i;
    }
    return len;
}

/* The end of the PEM block at i: after its "-----END ...-----" line, else the text end
 * (a cut-off key is still a key). */
static size_t pem_end(const char *text, size_t len, size_t i)
{
    for (size_t q = i + 10; q + 8 <= len; q++) {
        if (text[q] != '-' || memcmp(text + q, "-----END", 8) != 0)
            continue;
        size_t e = q + 8;
        while (e < len && text[e] != '\n' && !(e + 5 <= len && memcmp(text + e, "-----", 5) == 0))
            e++;
        if (e + 5 <= len && memcmp(text + e, "-----", 5) == 0)
            e += 5;
        return e;
    }
    return len;
}

/* An `ls -l` line: "drwxr-xr-x@ 5 owner group 160 ...". The owner and group columns
 * name accounts: their spans in *o and *g (offsets from p), 0 when p is no such line. */
static int lsl_at(const char *p, size_t n, size_t o[2], size_t g[2])
{
    size_t i = 0;
    while (i < n && blank(p[i]))
        i++;
    if (n - i < 20 || !strchr("-dlcbpsD", p[i]) || !p[i])
        return 0;
    for (size_t k = 1; k <= 9; k++)
        if (!strchr("rwxsStT-", p[i + k]) || !p[i + k])
            return 0;
    i += 10;
    if (i < n && (p[i] == '.' || p[i] == '@' || p[i] == '+'))
        i++;
    size_t f[2][2], nf = 0;
    if (i >= n || !blank(p[i]))
        return 0;
    while (i < n && blank(p[i]))
        i++;
    if (i >= n || !(cls[(unsigned char)p[i]] & C_DIGIT))
        return 0; /* the link count */
    while (i < n && (cls[(unsigned char)p[i]] & C_DIGIT))
        i++;
    for (; nf < 2; nf++) {
        if (i >= n || !blank(p[i]))
            return 0;
        while (i < n && blank(p[i]))
            i++;
        f[nf][0] = i;
        while (i < n && !blank(p[i]) && p[i] != '\n')
            i++;
        f[nf][1] = i;
        if (f[nf][1] == f[nf][0])
            return 0;
    }
    while (i < n && blank(p[i]))
        i++;
    if (i >= n || !(cls[(unsigned char)p[i]] & C_DIGIT))
        return 0; /* the size (or a device's major number) */
    o[0] = f[0][0], o[1] = f[0][1], g[0] = f[1][0], g[1] = f[1][1];
    return 1;
}

/* ---- numbers that name a person or an account ---- */

static int luhn_ok(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = d[n - 1 - i] - '0';
        if (i & 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

/* An IBAN at t[st]: two capital letters, two check digits, 11..30 more letters and
 * digits in groups of up to four (or none), and the ISO 13616 mod-97 check. */
static int iban_at(const char *t, size_t len, size_t st, size_t *end)
{
    char a[40];
    size_t n = 0, j = st, grp = 0;
    if (len - st < 15 || !(cls[(unsigned char)t[st]] & C_UPPER) || !(cls[(unsigned char)t[st + 1]] & C_UPPER) ||
        !(cls[(unsigned char)t[st + 2]] & C_DIGIT) || !(cls[(unsigned char)t[st + 3]] & C_DIGIT))
        return 0;
    while (j < len && n < 34) {
        unsigned char c = (unsigned char)t[j];
        if ((cls[c] & C_DIGIT) || (cls[c] & C_UPPER)) {
            a[n++] = (char)c;
            j++;
            grp++;
        } else if (c == ' ' && grp == 4 && j + 1 < len && (cls[(unsigned char)t[j + 1]] & (C_DIGIT | C_UPPER))) {
            grp = 0;
            j++;
        } else {
            break;
        }
    }
    if (n < 15 || (j < len && (cls[(unsigned char)t[j]] & C_ALPHA)))
        return 0;
    unsigned r = 0; /* the first four at the end; letters count 10..35 */
    for (size_t i = 0; i < n; i++) {
        char c = a[(i + 4) % n];
        unsigned v = (unsigned)(c >= 'A' ? c - 'A' + 10 : c - '0');
        r = (v >= 10 ? r * 100 + v : r * 10 + v) % 97;
    }
    if (r != 1)
        return 0;
    *end = j;
    return 1;
}

/* A payment card number (13..19 digits, grouped by blanks or dashes or not at all,
 * Luhn), a phone number (+ and 8..15 digits; 3-3-4 digits; (3) 3-4), or an SSN
 * (3-2-4 with dashes) at t[st]. *end: past it. */
static int private_number(const char *t, size_t len, size_t st, size_t *end)
{
    char d[24];
    size_t g[8], ng = 0, nd = 0, j = st;
    char sep[8] = {0};
    int plus = t[st] == '+';
    j += plus;
    if (j >= len || !(cls[(unsigned char)t[j]] & C_DIGIT))
        return 0;
    while (j < len && j - st < 40) {
        size_t s0 = j;
        while (j < len && (cls[(unsigned char)t[j]] & C_DIGIT) && nd < sizeof d)
            d[nd++] = t[j++];
        if (j == s0 || ng == 8)
            return 0;
        g[ng++] = j - s0;
        /* a separator: one of " -.", or ") " / ")" after a parenthesised area code */
        size_t q = j;
        if (q < len && t[q] == ')')
            q++;
        if (q < len && (t[q] == ' ' || t[q] == '-' || t[q] == '.'))
            q++;
        if (q == j || q >= len || !(cls[(unsigned char)t[q]] & C_DIGIT))
            break;
        if (ng < 8)
            sep[ng - 1] = t[j];
        j = q;
    }
    if (j < len && ((cls[(unsigned char)t[j]] & (C_ALPHA | C_DIGIT)) || t[j] == '_'))
        return 0; /* glued to a word: an identifier, not a number */
    int dashes = ng > 1, dots = ng > 1;
    for (size_t i = 0; i + 1 < ng; i++) {
        dashes &= sep[i] == '-';
        dots &= sep[i] == '.';
    }
    int ok = 0;
    if (plus)
        ok = nd >= 8 && nd <= 15;
    else if (ng == 3 && g[0] == 3 && g[1] == 2 && g[2] == 4 && dashes)
        ok = 1; /* SSN */
    else if (ng == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4 && !(dots && t[st] == '1'))
        ok = 1; /* (415) 555-0199, 415-555-0199, 415.555.0199 */
    else if (nd >= 13 && nd <= 19 && !dots && (ng == 1 || g[0] == 4))
        ok = luhn_ok(d, nd);
    if (ok)
        *end = j;
    return ok;
}

/* ---- person names ----
 * No list of names is complete; a word list tells names from words instead: Debian's
 * wamerican (compiled in) has common words in lowercase and proper nouns capitalised.
 * "First Last" (two capitalised words, one blank apart) is a name when both are unknown
 * words ("Margarethe Vollstedt") or the first is only a proper noun and the second no
 * common word ("Alice Vollstedt"); and a capitalised unknown or proper-only word after
 * a greeting ("Hi Priya,"). Pairs with a common word ("Claude Code", "Google Cloud",
 * "John Smith") are not names to this rule: see docs/privacy.md for what it misses. */
static struct tm_map dict_lower, dict_caps;
static pthread_once_t dict_once = PTHREAD_ONCE_INIT;

static void load_dict(void)
{
    tm_map_init(&dict_lower);
    tm_map_init(&dict_caps);
    for (size_t e = 0; e < tm_nembedded; e++) {
        if (strcmp(tm_embedded[e].name, "dict/american-english"))
            continue;
        const char *p = (const char *)tm_embedded[e].data, *end = p + tm_embedded[e].len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            char w[40];
            int ok = n > 0 && n < sizeof w;
            for (size_t i = 0; ok && i < n; i++) {
                ok = (cls[(unsigned char)p[i]] & C_ALPHA) != 0; /* no "'s" forms, no accents */
                w[i] = (char)lower((unsigned char)p[i]);
            }
            if (ok)
                tm_map_intern((cls[(unsigned char)p[0]] & C_UPPER) ? &dict_caps : &dict_lower, w, n, NULL);
            p = nl ? nl + 1 : end;
        }
    }
}

/* A capitalised word: an upper-case letter, then 1..29 lower-case letters. */
static int title_word(const char *p, size_t n)
{
    if (n < 2 || n > 30 || !(cls[(unsigned char)p[0]] & C_UPPER))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(cls[(unsigned char)p[i]] & C_ALPHA) || (cls[(unsigned char)p[i]] & C_UPPER))
            return 0;
    return 1;
}

enum { W_COMMON = 1, W_PROPER = 2 };

static int dict_class(const char *p, size_t n)
{
    char w[32];
    for (size_t i = 0; i < n; i++)
        w[i] = (char)lower((unsigned char)p[i]);
    return (tm_map_find(&dict_lower, w, n) != UINT32_MAX ? W_COMMON : 0) |
           (tm_map_find(&dict_caps, w, n) != UINT32_MAX ? W_PROPER : 0);
}

/* The word at t[a..) up to a non-letter; its length. */
static size_t word_len(const char *t, size_t len, size_t a)
{
    size_t b = a;
    while (b < len && (cls[(unsigned char)t[b]] & C_ALPHA))
        b++;
    return b - a;
}

/* A person's name at t[st] (a capitalised word whose letters end at w1e): its end. */
static int person_name_at(struct tm_scrub *s, const char *t, size_t len, size_t st, size_t w1e, size_t *ns,
                          size_t *end)
{
    static const char *const greet[] = {"Hi", "Hello", "Hey", "Dear", "Thanks", "Cheers", "Regards", "Best", "Ping",
                                        "Cc", "CC", "cc", "Thx", NULL};
    if (w1e + 2 >= len || t[w1e + (t[w1e] == ',')] != ' ')
        return 0;
    size_t a2 = w1e + (t[w1e] == ',') + 1, n2 = word_len(t, len, a2);
    if (!title_word(t + a2, n2) || (a2 + n2 < len && (cls[(unsigned char)t[a2 + n2]] & (C_DIGIT)) ))
        return 0;
    pthread_once(&dict_once, load_dict);
    int c2 = dict_class(t + a2, n2);
    if (in_list(t + st, w1e - st, greet)) { /* "Hi Priya," */
        if (c2 & W_COMMON)
            return 0;
        *ns = a2;
        *end = a2 + n2;
        return 1;
    }
    if (t[w1e] == ',' || !title_word(t + st, w1e - st))
        return 0;
    if (a2 + n2 + 1 < len && t[a2 + n2] == ' ' && t[a2 + n2 + 1] == '<')
        return 0; /* "Name Surname <e-mail>": the e-mail rule takes it, and harvests the name */
    int c1 = dict_class(t + st, w1e - st);
    int name = (!c1 && !c2) || (c1 == W_PROPER && !(c2 & W_COMMON));
    if (!name)
        return 0;
    if (c1 == W_PROPER && !c2)
        add_words(s->deny, t + a2, n2); /* an unknown surname after a first name */
    *ns = st;
    *end = a2 + n2;
    return 1;
}

/* ---- street addresses: "221B Baker Street", "1600 Pennsylvania Avenue NW",
 * "Hauptstrasse 5" ---- */
static int street_type(const char *p, size_t n)
{
    static const char *const types[] = {"Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane",
                                        "Ln", "Drive", "Dr", "Way", "Court", "Ct", "Place", "Pl", "Terrace",
                                        "Square", "Sq", "Highway", "Hwy", "Parkway", "Pkwy", "Strasse", "Weg",
                                        "Gasse", "Allee", "Platz", "Ring", NULL};
    return in_list(p, n, types);
}

/* A house number at t[st] ("221", "221B") then 1..3 capitalised words, the last a
 * street type: the address's end in *end. */
static int street_at(const char *t, size_t len, size_t st, size_t *end)
{
    size_t j = st;
    while (j < len && (cls[(unsigned char)t[j]] & C_DIGIT) && j - st < 6)
        j++;
    if (j == st || j - st > 5)
        return 0;
    if (j < len && (cls[(unsigned char)t[j]] & C_ALPHA) && !(j + 1 < len && (cls[(unsigned char)t[j + 1]] & C_ALPHA)))
        j++; /* 221B */
    for (int w = 0; w < 4; w++) {
        if (j + 1 >= len || t[j] != ' ')
            return 0;
        size_t a = j + 1, n = word_len(t, len, a);
        if (!n || !(cls[(unsigned char)t[a]] & C_UPPER))
            return 0;
        j = a + n;
        if (w > 0 && street_type(t + a, n)) {
            *end = j;
            return 1;
        }
    }
    return 0;
}

/* "Hauptstrasse 5", "Lindenweg 12a": a street name ending in a German street type,
 * then a house number. */
static int strasse_at(const char *t, size_t len, size_t st, size_t n, size_t *end)
{
    static const char *const tails[] = {"strasse", "straße", "weg", "gasse", "allee", "platz", "ring", "damm", NULL};
    if (n < 5 || !(cls[(unsigned char)t[st]] & C_UPPER))
        return 0;
    int ok = 0;
    for (const char *const *x = tails; *x && !ok; x++) {
        size_t l = strlen(*x);
        ok = n > l + 2 && !memcmp(t + st + n - l, *x, l);
    }
    size_t j = st + n;
    if (!ok || j + 1 >= len || t[j] != ' ' || !(cls[(unsigned char)t[j + 1]] & C_DIGIT))
        return 0;
    j++;
    while (j < len && (cls[(unsigned char)t[j]] & (C_DIGIT | C_ALPHA)) && j - st < n + 8)
        j++;
    *end = j;
    return 1;
}

/* Commands whose flags carry credentials; the context lasts to the end of the command
 * (a newline, '|' or ';'). */
enum { CTX_NONE, CTX_CURL, CTX_DB, CTX_PSQL, CTX_LOGIN_CMD, CTX_LOGIN, CTX_SSHPASS, CTX_REDIS, CTX_GH };

static int command_ctx(const char *p, size_t n, int cur)
{
    static const char *const curl[] = {"curl", "wget", "http", "https", "lftp", "ftp", "smbclient", NULL};
    static const char *const db[] = {"mysql", "mysqldump", "mariadb", "mysqladmin", "mongo", "mongosh", "mongodump", NULL};
    static const char *const pg[] = {"psql", "pg_dump", "pg_restore", "createdb", "dropdb", NULL};
    static const char *const reg[] = {"docker", "podman", "nerdctl", "helm", "oras", "skopeo", "buildah", NULL};
    if (n == 2 && !memcmp(p, "gh", 2))
        return CTX_GH;
    if (n < 3 || n > 10)
        return cur;
    if (cur == CTX_LOGIN_CMD && n == 5 && !memcmp(p, "login", 5))
        return CTX_LOGIN;
    if (in_list(p, n, curl))
        return CTX_CURL;
    if (in_list(p, n, db))
        return CTX_DB;
    if (in_list(p, n, pg))
        return CTX_PSQL;
    if (in_list(p, n, reg))
        return CTX_LOGIN_CMD;
    if (n == 7 && !memcmp(p, "sshpass", 7))
        return CTX_SSHPASS;
    if (n == 9 && !memcmp(p, "redis-cli", 9))
        return CTX_REDIS;
    return cur;
}

/* "org/repo" as gh names a repository. */
static int repo_ref(const char *p, size_t n)
{
    const char *sl = memchr(p, '/', n);
    if (!sl || sl == p || sl + 1 == p + n || memchr(sl + 1, '/', (size_t)(p + n - sl - 1)) || p[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(cls[(unsigned char)p[i]] & C_WORD) && p[i] != '-' && p[i] != '.' && p[i] != '/')
            return 0;
    return 1;
}

/* The command a flag at st belongs to: the words from the start of its command (the
 * line's start, or after '|', ';', '&'; at most 300 bytes back) up to it. */
static int command_at(const char *t, size_t st)
{
    size_t b = st, lim = st > 300 ? st - 300 : 0;
    while (b > lim && t[b - 1] != '\n' && t[b - 1] != '|' && t[b - 1] != ';' && t[b - 1] != '&')
        b--;
    int ctx = CTX_NONE;
    for (size_t i = b; i < st;) {
        while (i < st && !(cls[(unsigned char)t[i]] & C_WORD) && t[i] != '-')
            i++;
        size_t w = i;
        while (i < st && ((cls[(unsigned char)t[i]] & C_WORD) || t[i] == '-'))
            i++;
        if (i > w && t[w] != '-')
            ctx = command_ctx(t + w, i - w, ctx);
    }
    return ctx;
}

/* In command context ctx, does the flag p[0..n) take a credential as its next value?
 * KEY_SECRET: a password; KEY_USER: a user name (KEY_SECRET when it holds "user:pass"). */
static enum key_kind credential_flag(int ctx, const char *p, size_t n)
{
    int u = (n == 2 && !memcmp(p, "-u", 2)) || (n == 6 && !memcmp(p, "--user", 6)) ||
            (n == 10 && !memcmp(p, "--username", 10));
    switch (ctx) {
    case CTX_CURL: return u ? KEY_USER : KEY_NONE;
    case CTX_DB: return u ? KEY_USER : n == 2 && !memcmp(p, "-p", 2) ? KEY_SECRET : KEY_NONE;
    case CTX_PSQL: return (n == 2 && !memcmp(p, "-U", 2)) || u ? KEY_USER : KEY_NONE;
    case CTX_LOGIN: return u ? KEY_USER : n == 2 && !memcmp(p, "-p", 2) ? KEY_SECRET : KEY_NONE;
    case CTX_SSHPASS: return n == 2 && !memcmp(p, "-p", 2) ? KEY_SECRET : KEY_NONE;
    case CTX_REDIS: return n == 2 && !memcmp(p, "-a", 2) ? KEY_SECRET : KEY_NONE;
    default: return KEY_NONE;
    }
}

/* First letters of one-word keys ("password", "token", "user", ...): most plain words
 * start otherwise and skip the key test. */
static inline int key_letter(unsigned char c)
{
    return c == 'p' || c == 's' || c == 't' || c == 'a' || c == 'k' || c == 'm' || c == 'c' || c == 'u' ||
           c == 'l' || c == 'o';
}

/* An ordinary word is passed on unchanged when the gap since the output's end holds
 * nothing the analyser must see: no bytes, or one blank. */
static inline int blank_gap(const char *text, size_t from, size_t to)
{
    return to == from || (to == from + 1 && (text[from] == ' ' || text[from] == '\t'));
}

/* The scrubber, writing to out (fn NULL) or handing runs to fn (see tm_scrub_runs).
 * Inlined into both, so that the first has no trace of the second. */
static inline __attribute__((always_inline)) void scrub_text(struct tm_scrub *s, const char *text,
                                                             size_t len, struct tm_buf *out,
                                                             tm_run_fn fn, void *ctx)
{
    init_cls();
    tm_buf_reserve(out, len + 16);
    int ab = 0; /* with fn: after_blank where the runs handed on so far end */
    /* Unchanged text is not copied byte by byte: `flushed` trails the scan and spans
     * are copied only when something must be replaced, and at the end. */
    size_t i = 0, flushed = 0, pem_at = next_pem(text, len, 0);
    int secret_next = 0, line_start = 1, branch_next = 0, netrc = 0, first_tok = 1, ident_next = 0;
#define FLUSH_TO(x)                                                                        \
    do {                                                                                   \
        tm_buf_add(out, text + flushed, (x) - flushed);                                    \
        flushed = (x);                                                                     \
    } while (0)
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (pem_at < i) /* a dropped identity line swallowed the block's start */
            pem_at = next_pem(text, len, i);
        if (line_start) {
            line_start = 0;
            netrc = (len - i >= 8 && (!memcmp(text + i, "machine ", 8) || !memcmp(text + i, "default ", 8)));
            size_t le = line_end(text, len, i);
            if (ident_next && le > i) { /* the line after "$ whoami": its first token names someone */
                size_t te = i;
                while (te < le && !blank(text[te]) && text[te] != '\r')
                    te++;
                ident_next = 0;
                if (te > i && te - i <= 64) {
                    FLUSH_TO(i);
                    tm_scrub_harvest_words(s->deny, text + i, te - i);
                    mark(s, out, TM_S_NAME);
                    i = flushed = te;
                    first_tok = 0;
                    continue;
                }
            }
            ident_next = 0;
            if (le - i < 48) { /* "$ whoami", "% hostname": a shell transcript asks who or where */
                size_t q = i;
                while (q < le && (blank(text[q]) || text[q] == '$' || text[q] == '%' || text[q] == '#' || text[q] == '>'))
                    q++;
                ident_next = q > i && tm_scrub_identity_command(text + q, le - q);
            }
            size_t head, drop = (cls[c] & C_ALPHA) || c == ' ' || c == '>' || c == '#' || c == '+'
                                    ? ident_line(text + i, len - i, &head)
                                    : 0;
            if (drop) {
                FLUSH_TO(i + head);
                tm_buf_addc(out, ' ');
                mark(s, out, TM_S_NAME);
                add_words_if(s->deny, text + i + head, drop, 1);
                i += head + drop;
                flushed = i;
                continue;
            }
            size_t lo[2], lg[2];
            if ((c == '-' || c == 'd' || c == 'l' || c == ' ') && lsl_at(text + i, len - i, lo, lg)) {
                for (int f = 0; f < 2; f++) { /* the owner, then the group */
                    size_t a = i + (f ? lg[0] : lo[0]), b = i + (f ? lg[1] : lo[1]);
                    FLUSH_TO(a);
                    if (!role_account(text + a, b - a))
                        add_words(s->deny, text + a, b - a);
                    mark(s, out, TM_S_NAME);
                    flushed = b;
                }
                i = flushed;
                first_tok = 0;
                continue;
            }
        }
        if (i == pem_at) {
            FLUSH_TO(i);
            i = pem_end(text, len, i);
            mark(s, out, TM_S_PEM);
            flushed = i;
            pem_at = next_pem(text, len, i);
            continue;
        }
        if (cls[c] & (C_SPACE | C_DELIM)) {
            if (c == '\n') {
                line_start = 1;
                first_tok = 1;
                secret_next = 0; /* a value is on its key's line */
            }
            if (c == (unsigned char)TM_MARK) { /* input never forges a marker */
                FLUSH_TO(i);
                tm_buf_addc(out, ' ');
                flushed = i + 1;
            }
            i++;
            continue;
        }
        size_t st = i, lim = pem_at < len ? pem_at : len;
        uint8_t acc = 0; /* one table load and one OR per byte */
        if (lim - i >= 16) {
            /* most chunks are a short word ending at a separator: classify 16 bytes at
             * once; anything else takes the byte loop from the start */
            unsigned lo, w = tm_word16(text + i, &lo), nw = ~w & 0xffffu;
            if (nw) {
                unsigned p = (unsigned)__builtin_ctz(nw), all = (1u << p) - 1;
                if (chunk_cls[(unsigned char)text[i + p]] & K_STOP) {
                    acc = (lo & all) == all ? 0 : K_NOTLOWER;
                    i += p;
                    lim = i; /* the byte loop below has nothing left to do */
                }
            }
        }
        while (i < lim) {
            uint8_t f = chunk_cls[(unsigned char)text[i]];
            if (f & K_STOP)
                break;
            acc |= f;
            i++;
        }
        int simple = !(acc & K_NONWORD), plain = !(acc & K_NOTLOWER);
        if (i == st) /* cannot happen (the byte is no separator and no block start) */
            i++;
        size_t n = i - st;
        int lead = first_tok; /* the line's first token: a decorator, not a handle */
        first_tok = 0;
        /* numbers that name a person or an account; they span blanks and dashes, so
         * they are read from the chunk's start on */
        unsigned char c0 = (unsigned char)text[st];
        if ((cls[c0] & C_DIGIT) || (c0 == '+' && n > 1) || ((cls[c0] & C_UPPER) && n >= 4)) {
            size_t ne;
            if ((cls[c0] & C_UPPER) ? iban_at(text, len, st, &ne) : private_number(text, len, st, &ne)) {
                FLUSH_TO(st);
                mark(s, out, TM_S_NUMBER);
                i = flushed = ne;
                continue;
            }
            if ((cls[c0] & C_DIGIT) ? street_at(text, len, st, &ne) : strasse_at(text, len, st, n, &ne)) {
                FLUSH_TO(st);
                mark(s, out, TM_S_NAME); /* an address names where someone lives */
                i = flushed = ne;
                continue;
            }
        }
        /* gh repo clone org/repo, gh pr list -R org/repo: the repository names its owner */
        if (!plain && c0 != '/' && c0 != '-' && memchr(text + st, '/', n) && repo_ref(text + st, n) &&
            command_at(text, st) == CTX_GH) {
            const char *sl = memchr(text + st, '/', n);
            add_words(s->soft, text + st, (size_t)(sl - text - st));
            add_words(s->soft, sl + 1, (size_t)(text + i - sl - 1));
            FLUSH_TO(st);
            mark(s, out, TM_S_NAME);
            flushed = i;
            continue;
        }
        /* "Margarethe Vollstedt", "Hi Priya": a person's name */
        if ((cls[c0] & C_UPPER) && n >= 2 && n <= 31 && i < len) {
            size_t w1e = st + word_len(text, len, st), ns, ne;
            if ((w1e == i || (w1e + 1 == i && text[w1e] == ',')) &&
                person_name_at(s, text, len, st, w1e, &ns, &ne)) {
                FLUSH_TO(ns); /* a greeting before the name stays */
                mark(s, out, TM_S_NAME);
                i = flushed = ne;
                continue;
            }
        }
        /* git branch names: announced by the previous word, or known from the logs */
        int announced = branch_next;
        branch_next = announces_branch(text + st, n);
        if ((announced && ref_like(text + st, n) && !common_branch(text + st, n)) ||
            (s->branches && !simple && n >= 3 && !common_branch(text + st, n) &&
             tm_map_find(s->branches, text + st, n) != UINT32_MAX)) {
            FLUSH_TO(st);
            mark(s, out, TM_S_BRANCH);
            flushed = i;
            continue;
        }
        /* a key announcing a secret or a user name, with its value on this line; a
         * command's credential flag ("curl -u", "mysql -p", "sshpass -p") */
        if (n == 7 && !memcmp(text + st, "machine", 7))
            netrc = 1; /* a .netrc entry, also when quoted mid-line */
        if (!secret_next && (!plain || (n >= 3 && n <= 13 && key_letter((unsigned char)text[st]) &&
                                        word_key(text + st, n) != KEY_NONE))) {
            size_t ka, kb, vs = 0, ve = 0;
            int sep, flag, found = 0;
            enum key_kind kk = KEY_NONE;
            int cmd = text[st] == '-' && n <= 64 ? command_at(text, st) : CTX_NONE;
            if (cmd != CTX_NONE) {
                kk = credential_flag(cmd, text + st, n);
                if (kk != KEY_NONE)
                    found = value_at(text, len, i, V_NOSEP, kk, &vs, &ve);
                else if (cmd == CTX_DB && n > 2 && text[st + 1] == 'p' && (cls[(unsigned char)text[st + 2]] & C_WORD)) {
                    kk = KEY_SECRET; /* mysql -pPASS */
                    vs = st + 2;
                    ve = i;
                    found = 1;
                }
            }
            if (!found && key_core(text + st, n, &ka, &kb, &sep, &flag) &&
                (kk = key_kind(text + st + ka, kb - ka)) != KEY_NONE) {
                static const char *const strong[] = {"password", "passwd", "passphrase", "secret", "token",
                                                     "apikey", "pwd", "mnemonic", NULL};
                int mode = (sep ? V_SEP : 0) | (flag || netrc ? V_NOSEP : 0);
                if (!flag && !sep && in_list(text + st + ka, kb - ka, strong))
                    mode |= V_COPULA;
                found = value_at(text, len, i, mode, kk, &vs, &ve);
            }
            if (!found && !plain && (cls[(unsigned char)text[st]] & C_ALPHA)) {
                /* uid=1000(alex): an inline user value in parentheses runs past the chunk */
                const char *eq = memchr(text + st, '=', n);
                size_t k = eq ? (size_t)(eq - text) : 0;
                if (eq && k + 1 < i && (cls[(unsigned char)text[k + 1]] & C_DIGIT) && i < len && text[i] == '(' &&
                    key_kind(text + st, k - st) == KEY_USER) {
                    kk = KEY_USER;
                    found = value_at(text, len, k + 1, V_SEP, kk, &vs, &ve);
                }
            }
            if (found) {
                FLUSH_TO(vs); /* the key and its separator as they are */
                mark_value(s, out, text + vs, ve - vs, kk);
                i = flushed = ve;
                continue;
            }
        }
        if (!simple && !secret_next) {
            /* "value." or "*word*": prose punctuation around a plain word */
            size_t a = st, b = i;
            while (b > a && prose_punct(text[b - 1]))
                b--;
            while (a < b && text[a] == '*')
                a++;
            int core_simple = b > a && !memchr(text + b, ':', i - b); /* "key:" may announce a secret */
            for (size_t q = a; q < b && core_simple; q++)
                core_simple = (cls[(unsigned char)text[q]] & C_WORD) != 0;
            if (core_simple) {
                st = a;
                n = b - a;
                simple = 1;
                plain = 1;
                for (size_t q = a; q < b && plain; q++)
                    plain = (cls[(unsigned char)text[q]] & C_ALPHA) && !(cls[(unsigned char)text[q]] & C_UPPER);
            }
        }
        if (secret_next || !simple) {
            FLUSH_TO(st);
            scrub_chunk(s, text + st, n, out, &secret_next, st > 0 && text[st - 1] == '<', !lead,
                        i < len && text[i] == '(');
            flushed = i;
        } else if ((plain && n < 16) || n < 7) {
            /* an ordinary word: nothing to scrub, except a word that announces a
             * secret value ("Bearer", "token"); scrub_chunk leaves every other word
             * of this kind as it is, so only those four go there */
            if (is_scheme(text + st, n)) {
                FLUSH_TO(st);
                scrub_chunk(s, text + st, n, out, &secret_next, 0, !lead, 0);
                flushed = st + n;
            } else if (fn && (cls[(unsigned char)text[st]] & (C_DIGIT | C_ALPHA)) &&
                       !(cls[(unsigned char)text[st]] & C_UPPER)) {
                /* letters, digits and '_' between separators, not capitalised (a name
                 * before an e-mail may still be dropped from the output): a run by
                 * itself, handed on now, after the output that precedes it */
                if (out->len) {
                    FLUSH_TO(st);
                    tm_scan_runs_ab(out->ptr, out->len, fn, ctx, &ab);
                    out->len = 0;
                } else if (!blank_gap(text, flushed, st)) {
                    tm_scan_runs_ab(text + flushed, st - flushed, fn, ctx, &ab); /* as it is */
                }
                fn(ctx, text + st, n, ab);
                ab = 1;
                flushed = st + n;
            }
        } else {
            FLUSH_TO(st);
            scrub_parts(s, text + st, n, out);
            flushed = st + n;
        }
        /* blanks after a word need nothing from the loop's top (only a newline or a
         * marker byte does): step over them here */
        i = tm_skip_blanks(text, i, len);
    }
    FLUSH_TO(len);
    if (fn) {
        tm_scan_runs_ab(out->ptr, out->len, fn, ctx, &ab);
        out->len = 0;
    }
#undef FLUSH_TO
}

void tm_scrub(struct tm_scrub *s, const char *text, size_t len, struct tm_buf *out)
{
    scrub_text(s, text, len, out, NULL, NULL);
}

void tm_scrub_runs(struct tm_scrub *s, const char *text, size_t len, struct tm_buf *tmp,
                   tm_run_fn fn, void *ctx)
{
    tm_buf_reset(tmp);
    scrub_text(s, text, len, tmp, fn, ctx);
}

void tm_scrub_render(const char *text, size_t len, struct tm_buf *out)
{
    size_t i = 0;
    while (i < len) {
        const char *m = memchr(text + i, TM_MARK, len - i);
        size_t plain = m ? (size_t)(m - (text + i)) : len - i;
        tm_buf_add(out, text + i, plain); /* the text up to the next marker, at once */
        i += plain;
        if (i >= len)
            break;
        const char *nm = "redacted";
        if (i + 1 < len)
            for (int k = 0; k < TM_S_NKINDS; k++)
                if (letters[k] == text[i + 1])
                    nm = names[k];
        tm_buf_addf(out, "<%s>", nm);
        i += 2; /* the marker and its kind letter */
    }
}
