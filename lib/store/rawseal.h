/* rawseal.h - the sealed raw-record file of a dataset (library-internal).
 *
 * Layout: "TMRAW1\0\0" || salt[16], then chunks: u32le n || ciphertext[n] || tag[16].
 * Plaintext is a sequence of records, each u32le length || bytes. Chunk i is sealed
 * with AES-256-GCM under HKDF(seal_key, salt, "teemed/raw/v1|<dataset id>"), nonce =
 * 0^4 || u64be(i), AAD = "teemed-raw-v1" || u64be(i) || final-flag, so chunks cannot be
 * reordered, dropped or truncated unnoticed.
 *
 * Crash safety: the file is written as DATA/sealed/.<name>.tmp under an exclusive
 * flock, fsynced, then the dataset row naming <name> commits, then the file is renamed.
 * On open the store rolls an unlocked .tmp forward (row exists) or removes it (no
 * row), and removes final files no row names. */
#ifndef TM_RAWSEAL_H
#define TM_RAWSEAL_H

#include <stdint.h>
#include "base/base.h"

#define RAW_CHUNK (1u << 20)

struct rawseal {
    int fd;
    uint8_t key[32];
    uint8_t salt[16];
    uint64_t chunk;
    struct tm_buf plain;
    uint8_t *ct;
    uint64_t bytes;  /* after the header */
    uint64_t queued; /* bytes handed to writeback so far */
    enum tm_rc err;
    struct tm_diag diag;
};

enum tm_rc rawseal_open(struct rawseal *w, const char *path, const uint8_t seal_key[32],
                        const char *dataset_id, struct tm_diag *d);
void rawseal_add(struct rawseal *w, const char *p, size_t n);
/* Flush the final chunk and fsync; the file stays open and locked. */
enum tm_rc rawseal_finish(struct rawseal *w, struct tm_diag *d);
/* Release the file (and its lock). */
void rawseal_close(struct rawseal *w);
void rawseal_abort(struct rawseal *w);

#endif
