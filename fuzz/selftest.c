/* selftest.c - a fuzz entry point that fails on purpose (an input starting "crash"
 * aborts), so `make check` proves that replay counts and names failures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 5 && !memcmp(data, "crash", 5))
        abort();
    return 0;
}
