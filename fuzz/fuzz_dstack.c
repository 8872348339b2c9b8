/* fuzz_dstack.c - the dstack agent's HTTP response parser (status, headers, Content-
 * Length and chunked framing) on arbitrary bytes. Invariant: a body, when returned,
 * is no longer than the input and is NUL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tee/dstack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *resp = NULL;
    struct tm_diag d;
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (tm_dstack_parse_response(buf, size, "GetQuote", &resp, NULL, &d) == TM_OK) {
        if (!resp || strlen(resp) > size)
            abort();
    } else if (resp) {
        abort();
    }
    free(resp);
    free(buf);
    return 0;
}
