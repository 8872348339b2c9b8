/* canon.h - teemed's canonical JSON text: cJSON printed compactly, members in insertion
 * order. Signed documents are hashed and verified in this form. */
#ifndef TM_CANON_H
#define TM_CANON_H

#include <cjson/cJSON.h>

/* Canonical text of a document (owned, free()). Aborts only when allocation fails. */
char *tm_canonical(const cJSON *doc);

#endif
