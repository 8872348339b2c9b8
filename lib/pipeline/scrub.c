/* scrub.c - the privacy filter (see scrub.h and docs/privacy.md).
 *
 * The text is cut into chunks: maximal runs of bytes that are not whitespace or one of
 * the delimiters " ' ` ( ) [ ] { } < > , ; |. A chunk made only of letters, digits and
 * '_' is copied unless it looks like hex or a random identifier; other chunks go through
 * the rule list (PEM, URL, e-mail, path, IP, host, UUID, hex, secrets). Keys such as
 * "password=" or "Bearer" make the following value secret. Lines that start with git
 * identity headers (Author:, Co-Authored-By:, Signed-off-by:, ...) lose their rest. */
#include "pipeline/scrub.h"
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
    for (int c = 0; c < 256; c++)
        chunk_cls[c] = (uint8_t)(((cls[c] & (C_SPACE | C_DELIM)) ? K_STOP : 0) |
                                 (!(cls[c] & C_WORD) ? K_NONWORD : 0) |
                                 (!(cls[c] & C_ALPHA) || (cls[c] & C_UPPER) ? K_NOTLOWER : 0));
}

/* Once per process, and complete before any thread scrubs (the server runs several). */
static void init_cls(void) { pthread_once(&cls_once, fill_cls); }

static const char letters[TM_S_NKINDS] = {'P', 'E', 'N', 'H', 'I', 'U', 'X', 'K', 'C', 'L', 'D', 'B'};
static const char *const names[TM_S_NKINDS] = {
    "path", "email", "name", "host", "ip", "uuid", "hex", "secret", "pem", "url", "id", "branch",
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

/* Add lowercased alnum words of p[0..n) to m; with caps_only, only words written with a
 * capital first letter (names in "Author: Alice Doe" lines). */
static void add_words_if(struct tm_map *m, const char *p, size_t n, int caps_only)
{
    if (!m)
        return;
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
        if (i - st >= 2 && i - st <= 40 && (!caps_only || (cls[(unsigned char)p[st]] & C_UPPER)))
            tm_map_intern(m, w, wl, NULL);
    }
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

static const char *const tlds[] = {
    "com", "net", "org", "io", "dev", "app", "ai", "co", "cloud", "local", "internal", "lan",
    "corp", "home", "xyz", "info", "biz", "us", "uk", "de", "fr", "cn", "jp", "ru", "eu",
    "ch", "nl", "se", "fi", "network", "tech", "gg", "tv", "edu", "gov", "mil", "int",
    "localdomain", "intranet", "example", "test", "invalid", "onion", "site", "online",
};

static int is_tld(const char *p, size_t n)
{
    if (n < 2 || n > 11)
        return 0;
    char l[12];
    for (size_t i = 0; i < n; i++) {
        if (!(cls[(unsigned char)p[i]] & C_ALPHA))
            return 0;
        l[i] = (char)lower((unsigned char)p[i]);
    }
    for (size_t t = 0; t < sizeof tlds / sizeof *tlds; t++)
        if (tlds[t][0] == l[0] && strlen(tlds[t]) == n && memcmp(tlds[t], l, n) == 0)
            return 1;
    return 0;
}

static int is_host(const char *p, size_t n)
{
    size_t dots = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.') {
            if (i == 0 || p[i - 1] == '.' || i + 1 == n)
                return 0;
            dots++;
            last = i + 1;
        } else if (c == ':') {
            n = i; /* host:port */
            break;
        } else if (!(cls[c] & (C_ALPHA | C_DIGIT)) && c != '-') {
            return 0;
        }
    }
    if (!dots || last >= n)
        return 0;
    return is_tld(p + last, n - last);
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
    *at = ai;
    return 1;
}

/* Shared mailboxes name no one: noreply@, git@, root@ ... */
static int role_account(const char *p, size_t n)
{
    static const char *const roles[] = {"noreply", "no-reply", "git", "root", "admin", "support",
                                        "info", "bot", "dev", "team", "hello", "contact",
                                        "security", "notifications", "users", "user", "example"};
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

#define SK(s) {s, sizeof s - 1}
static const struct {
    const char *lit;
    size_t len;
} secret_keys[] = {
    SK("password"), SK("passwd"), SK("pwd"), SK("secret"), SK("token"), SK("api_key"),
    SK("apikey"), SK("api-key"), SK("access_key"), SK("secret_key"), SK("private_key"),
    SK("client_secret"), SK("auth"), SK("credential"), SK("passphrase"), SK("mnemonic"),
    SK("seed_phrase"), SK("x-api-key"), SK("authorization"),
};
#undef SK

/* Does the key before '=' or ':' name a secret ("DB_PASSWORD", "github_token")? */
static int secret_key(const char *p, size_t n)
{
    char k[64];
    if (n == 0 || n >= sizeof k)
        return 0;
    for (size_t i = 0; i < n; i++)
        k[i] = (char)lower((unsigned char)p[i]);
    for (size_t i = 0; i < sizeof secret_keys / sizeof *secret_keys; i++) {
        size_t l = secret_keys[i].len;
        if (n >= l && k[n - 1] == secret_keys[i].lit[l - 1] &&
            memcmp(k + n - l, secret_keys[i].lit, l) == 0)
            return 1;
    }
    return 0;
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

static void scrub_chunk(struct tm_scrub *s, const char *p, size_t n, struct tm_buf *out,
                        int *secret_next, int after_lt)
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
    if (is_scheme(c, m)) {
        tm_buf_add(out, c, m); /* "Bearer XYZ": the value is the secret */
        *secret_next = 1;
    } else if (*secret_next) {
        *secret_next = 0;
        mark(s, out, TM_S_SECRET);
    } else if (b < n && (p[b] == ':' || p[b] == '=') && secret_key(c, m)) {
        tm_buf_add(out, c, m); /* "password: hunter2", "Authorization: Bearer x" */
        *secret_next = 1;
    } else if (has_sub(c, m, "://")) {
        harvest_home(s->deny, c, m);
        mark(s, out, TM_S_URL);
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
    } else if (is_host(c, m)) {
        mark(s, out, TM_S_HOST);
    } else {
        /* key=value / key:value with a secret key: scrub the value. */
        size_t eq = 0;
        while (eq < m && c[eq] != '=' && c[eq] != ':')
            eq++;
        if (eq < m && secret_key(c, eq)) {
            tm_buf_add(out, c, eq + 1);
            if (eq + 1 < m)
                mark(s, out, TM_S_SECRET);
            else
                *secret_next = 1; /* "password: hunter2" */
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
    int secret_next = 0, line_start = 1, branch_next = 0;
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
            if (c == '\n')
                line_start = 1;
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
            scrub_chunk(s, text + st, n, out, &secret_next, st > 0 && text[st - 1] == '<');
            flushed = i;
        } else if ((plain && n < 16) || n < 7) {
            /* an ordinary word: nothing to scrub, except a word that announces a
             * secret value ("Bearer", "token"); scrub_chunk leaves every other word
             * of this kind as it is, so only those four go there */
            if (is_scheme(text + st, n)) {
                FLUSH_TO(st);
                scrub_chunk(s, text + st, n, out, &secret_next, 0);
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
