/* schema.h - a JSON Schema subset, enough to check every op's input before the op runs
 * and every output in tests against data/api/ops.json. Library-internal.
 *
 * Keywords: type (one or a list), properties, required, additionalProperties (boolean),
 * items, enum (strings), minimum, maximum, minLength, maxLength (bytes), minItems,
 * maxItems, oneOf, $ref ("#/$defs/NAME" into the root document), format ("name": a
 * dataset id or account name, "request_id", "line": no control characters, "text": none
 * but newline and tab); description and unknown keywords are annotations. Integers are numbers with no fraction within +-2^53. */
#ifndef TM_SCHEMA_H
#define TM_SCHEMA_H

#include <cjson/cJSON.h>
#include "tm/err.h"

/* Check v against schema (whose $refs resolve in root). On failure return TM_EINVAL
 * with d saying where ("datasets[1]: expected a string") - never echoing the value. */
enum tm_rc tm_schema_check(const cJSON *root, const cJSON *schema, const cJSON *v, struct tm_diag *d) TM_NODISCARD;

#endif
