/* fuzz_jsonl.c - the log reader: arbitrary bytes as a JSONL file through ingest,
 * scrub and analysis. Invariants: records + malformed never exceed the line count
 * plus the objects a line can hold; nothing crashes or leaks. */
#include <stdint.h>
#include <stdlib.h>
#include "pipeline/ingest.h"
#include "pipeline/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm_an *an = tm_an_new(NULL, NULL);
    struct tm_ingest *in = tm_ingest_new(an, NULL);
    tm_ingest_buffer(in, "fuzz.jsonl", (const char *)data, size);
    const struct tm_volume *v = tm_ingest_volume(in);
    if (v->records > size / 2 + 1 || v->malformed > size + 1)
        abort();
    struct tm_profile p;
    tm_an_finish(an, 2, &p);
    tm_profile_release(&p);
    tm_ingest_free(in);
    tm_an_free(an);
    return 0;
}
