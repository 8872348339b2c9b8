/* canon.c - canonical JSON text (see canon.h). */
#include "base/canon.h"

#include <math.h>
#include <stdlib.h>

int tm_json_whole(const cJSON *v, double max, uint64_t *out)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > max || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != floor(v->valuedouble))
        return 0;
    *out = (uint64_t)v->valuedouble;
    return 1;
}

int tm_json_int(const cJSON *v, double min, double max, int64_t *out)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= min) || v->valuedouble > max || v->valuedouble < -9007199254740992.0 ||
        v->valuedouble > 9007199254740992.0 || v->valuedouble != floor(v->valuedouble))
        return 0;
    *out = (int64_t)v->valuedouble;
    return 1;
}

uint64_t tm_json_whole_or(const cJSON *v, double max, uint64_t dflt)
{
    uint64_t x;
    return tm_json_whole(v, max, &x) ? x : dflt;
}

char *tm_canonical(const cJSON *doc)
{
    char *s = cJSON_PrintUnformatted(doc);
    if (!s)
        abort(); /* cJSON fails only on allocation */
    return s;
}
