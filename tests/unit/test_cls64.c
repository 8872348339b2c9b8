/* test_cls64.c - the 64-byte class masks and the run scanner built on them. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "harness.h"
#include "../../lib/cls64.h"
#include "tm/scrub.h"
#include "tm/text.h"

#include <sys/mman.h>
#include <unistd.h>

void test_cls64_paths_agree_and_stay_in_bounds(void);
void test_scan_runs_matches_the_byte_loop(void);

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

void test_cls64_paths_agree_and_stay_in_bounds(void)
{
    struct tm_cls64 t;
    for (int c = 0; c < 128; c++)
        t.ascii[c] = (uint8_t)(rnd() & 0xff);
    t.high = 0xa5;
    tm_cls64_init(&t);
    char buf[64];
    for (int round = 0; round < 5000; round++) {
        size_t n = rnd() % 65;
        for (size_t j = 0; j < sizeof buf; j++)
            buf[j] = (char)(rnd() & 0xff);
        uint64_t a[8], b[8];
        tm_cls64(&t, buf, n, a);
        tm_cls64_portable(&t, buf, n, b);
        for (int k = 0; k < 8; k++) {
            CHECK(a[k] == b[k]);
            uint64_t want = 0; /* the definition, bit by bit */
            for (size_t j = 0; j < n; j++) {
                unsigned char ch = (unsigned char)buf[j];
                uint8_t cls = ch < 128 ? t.ascii[ch] : t.high;
                want |= (uint64_t)((cls >> k) & 1) << j;
            }
            CHECK(a[k] == want);
        }
    }
    /* the last bytes before an unmapped page: a short tail must not be read past */
    long pg = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
    for (size_t n = 0; n <= 64; n++) {
        char *p = map + pg - n;
        memset(p, 'a', n);
        uint64_t m[8];
        tm_cls64(&t, p, n, m);
        uint64_t want = (t.ascii['a'] & 1) ? (n == 64 ? ~0ull : (1ull << n) - 1) : 0;
        CHECK(m[0] == want);
    }
    munmap(map, (size_t)pg * 2);
done:;
}

/* The scanner's contract written as the plain byte loop it replaced. */
static int an(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

struct runs {
    size_t n;
    size_t at[4096], len[4096];
    int blank[4096];
    const char *base;
};

static void ref_runs(const char *t, size_t len, struct runs *r)
{
    size_t i = 0;
    int after_blank = 0;
    r->n = 0;
    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        if (an(c) || (c == '_' && i + 1 < len && an((unsigned char)t[i + 1]))) {
            size_t st = i;
            while (i < len) {
                unsigned char d = (unsigned char)t[i];
                if (an(d) || d == '_' ||
                    (d == '-' && i > st && i + 1 < len && an((unsigned char)t[i + 1])))
                    i++;
                else
                    break;
            }
            if (i < len && (unsigned char)t[i] >= 0x80) {
                while (i < len && ((unsigned char)t[i] >= 0x80 || an((unsigned char)t[i])))
                    i++;
                after_blank = 0;
                continue;
            }
            r->at[r->n] = st;
            r->len[r->n] = i - st;
            r->blank[r->n++] = after_blank;
            after_blank = 1;
            continue;
        }
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        if (c == (unsigned char)TM_MARK && i + 1 < len)
            i++;
        else if (c >= 0x80)
            while (i + 1 < len && ((unsigned char)t[i + 1] & 0xc0) == 0x80)
                i++;
        after_blank = 0;
        i++;
    }
}

static void on_run(void *ctx, const char *run, size_t n, int after_blank)
{
    struct runs *r = ctx;
    r->at[r->n] = (size_t)(run - r->base);
    r->len[r->n] = n;
    r->blank[r->n++] = after_blank;
}

void test_scan_runs_matches_the_byte_loop(void)
{
    static const char *const pieces[] = {"a", "Zq", "9", "_", "-", " ", "\t", "\n", ".", "\x1a",
                                         "\x1aP", "\xc3\xa9", "__x", "-x", "x-", "foo-bar",
                                         "snake_case", "CamelCase", "word ", "  ", "(", "\xe2\x80\x94"};
    static struct runs want, got;
    char text[400];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0, target = rnd() % 300;
        while (len < target) {
            const char *pc = pieces[rnd() % (sizeof pieces / sizeof *pieces)];
            size_t pl = strlen(pc);
            if (len + pl > sizeof text)
                break;
            memcpy(text + len, pc, pl);
            len += pl;
        }
        ref_runs(text, len, &want);
        got.n = 0;
        got.base = text;
        tm_scan_runs(text, len, on_run, &got);
        CHECK_INT_EQ(got.n, want.n);
        for (size_t k = 0; k < want.n; k++) {
            CHECK_INT_EQ(got.at[k], want.at[k]);
            CHECK_INT_EQ(got.len[k], want.len[k]);
            CHECK_INT_EQ(got.blank[k], want.blank[k]);
        }
    }
done:;
}
