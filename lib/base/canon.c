/* canon.c - canonical JSON text (see canon.h). */
#include "base/canon.h"

#include <stdlib.h>

char *tm_canonical(const cJSON *doc)
{
    char *s = cJSON_PrintUnformatted(doc);
    if (!s)
        abort(); /* cJSON fails only on allocation */
    return s;
}
