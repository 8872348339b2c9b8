/* tsm.h - TDX quotes through Linux configfs-tsm (kernel >= 6.7), without dstack.
 *
 * Protocol (docs/attestation.md): mkdir ROOT/report/ENTRY; `provider` must read
 * "tdx_guest"; read `generation`; write exactly 64 bytes to `inblob`; read `outblob`
 * (the kernel fetches the quote from the host, may block for seconds); read
 * `generation` again, which must be the first value + 1, or another writer raced us and
 * the request is retried (at most TM_TSM_TRIES times); rmdir ENTRY.
 * ROOT is /sys/kernel/config/tsm in production; tests point it at a fake tree. */
#ifndef TM_TSM_H
#define TM_TSM_H

#include <stddef.h>
#include <stdint.h>
#include "tm/err.h"

#define TM_TSM_ROOT "/sys/kernel/config/tsm"
#define TM_TSM_QUOTE_MAX (1u << 20) /* outblob cap; a TDX quote with its PCK chain is ~5-10 KB */
#define TM_TSM_TRIES 3

/* Get a quote over report_data. On success *quote (free()) holds *len bytes. ENTRY is
 * this requester's directory name under ROOT/report (an existing one is reused). */
enum tm_rc tm_tsm_quote(const char *root, const char *entry, const uint8_t report_data[64],
                        uint8_t **quote, size_t *len, struct tm_diag *d) TM_NODISCARD;

#endif
