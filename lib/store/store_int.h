/* store_int.h - for library modules that keep their own tables in the data dir's
 * database (workflow.c). Library-internal: front ends use the functions in store.h. */
#ifndef TM_STORE_INT_H
#define TM_STORE_INT_H

#include <sqlite3.h>
#include "store/store.h"

sqlite3 *store_db(struct tm_store *st);

#endif
