/* fuzz_schema.c - the front door's input check: arbitrary bytes as the JSON input of an
 * op (the first byte picks the op), checked against the op's schema as tm_svc_call does
 * before any op runs. Invariant: an input the check accepts has the required fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "svc/schema.h"
#include "tm/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct tm_op_info *ops;
    size_t nops = tm_svc_ops(&ops);
    if (!nops || size < 1 || size > (1u << 20))
        return 0;
    const struct tm_op_info *op = &ops[data[0] % nops];
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    cJSON *root = cJSON_Parse(tm_svc_api());
    cJSON *schema = cJSON_Parse(op->input_schema);
    cJSON *in = cJSON_Parse(text);
    struct tm_diag d;
    if (in && tm_schema_check(root, schema, in, &d) == TM_OK) {
        const cJSON *req;
        cJSON_ArrayForEach(req, cJSON_GetObjectItemCaseSensitive(schema, "required"))
            if (!cJSON_GetObjectItemCaseSensitive(in, req->valuestring))
                abort(); /* accepted without a required field */
    }
    cJSON_Delete(in);
    cJSON_Delete(schema);
    cJSON_Delete(root);
    free(text);
    return 0;
}
