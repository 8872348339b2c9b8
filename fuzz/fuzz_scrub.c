/* fuzz_scrub.c - the privacy filter and tokenizer on arbitrary bytes. Invariants: the
 * scrubbed text never grows by more than a marker per replaced span, every marker
 * letter is a known kind, tokens are canonical (lowercase ASCII, 2..40 bytes), and the
 * one-pass path (tm_scrub_runs) hands on the same runs as scrub-then-scan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pipeline/scrub.h"
#include "pipeline/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_part(void *ctx, const char *w, size_t n, int flags)
{
    (void)ctx;
    (void)flags;
    if (n < 2 || n > TM_TERM_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9')))
            abort();
}

static void log_run(void *ctx, const char *run, size_t n, int after_blank)
{
    struct tm_buf *log = ctx;
    tm_buf_add(log, run, n);
    tm_buf_addf(log, "|%d\n", after_blank);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm_map deny, soft;
    tm_map_init(&deny);
    tm_map_init(&soft);
    struct tm_scrub s = {{0}, &deny, &soft, NULL};
    struct tm_buf out, r;
    tm_buf_init(&out);
    tm_buf_init(&r);
    tm_scrub(&s, (const char *)data, size, &out);
    uint64_t hits = 0;
    for (int k = 0; k < TM_S_NKINDS; k++)
        hits += s.hits[k];
    if (out.len > size + 2 * hits + 2 * size / 2 + 4)
        abort();
    for (size_t i = 0; i < out.len; i++)
        if (out.ptr[i] == TM_MARK) {
            int known = 0;
            for (int k = 0; i + 1 < out.len && k < TM_S_NKINDS; k++)
                known |= out.ptr[i + 1] == tm_scrub_letter((enum tm_scrub_kind)k);
            if (!known)
                abort();
            i++;
        }
    tm_tokenize(out.ptr ? out.ptr : "", out.len, check_part, NULL);
    /* the one-pass path hands the analyser the same runs as scrub-then-scan */
    struct tm_map deny2, soft2;
    tm_map_init(&deny2);
    tm_map_init(&soft2);
    struct tm_scrub s2 = {{0}, &deny2, &soft2, NULL};
    struct tm_buf log1, log2, tmp;
    tm_buf_init(&log1);
    tm_buf_init(&log2);
    tm_buf_init(&tmp);
    tm_scan_runs(out.ptr ? out.ptr : "", out.len, log_run, &log1);
    tm_scrub_runs(&s2, (const char *)data, size, &tmp, log_run, &log2);
    if (log1.len != log2.len || (log1.len && memcmp(log1.ptr, log2.ptr, log1.len) != 0) ||
        memcmp(s.hits, s2.hits, sizeof s.hits) != 0 || deny.count != deny2.count ||
        soft.count != soft2.count)
        abort();
    tm_buf_release(&log1);
    tm_buf_release(&log2);
    tm_buf_release(&tmp);
    tm_map_release(&deny2);
    tm_map_release(&soft2);
    tm_scrub_render(out.ptr ? out.ptr : "", out.len, &r);
    tm_buf_release(&out);
    tm_buf_release(&r);
    tm_map_release(&deny);
    tm_map_release(&soft);
    return 0;
}
