/* fuzz_verify.c - `teemed verify` on arbitrary bytes: never crashes, and its verdict
 * agrees with its checks (accepted only when every listed check passed). */
#include <stdint.h>
#include <stdlib.h>
#include "attest/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm_verify v;
    struct tm_verify_opts o = {.allow_simulated = 1};
    struct tm_diag d;
    enum tm_rc rc = tm_attest_verify((const char *)data, size, &o, &v, &d);
    if (rc == TM_EPARSE)
        return 0;
    int all = v.nchecks >= 5;
    for (size_t i = 0; i < v.nchecks; i++)
        all &= v.checks[i].ok;
    if ((rc == TM_OK) != all || (rc == TM_OK) != v.ok)
        abort();
    return 0;
}
