/* upload.h - datasets uploaded encrypted to the attested mediator. Library-internal.
 *
 * The stream (docs/api.md "Uploads"):
 *   header   "TMUP1\0\0\0" || eph_pub[32]              (the sender's ephemeral X25519 key)
 *   frames   u32le n || u8 final || ciphertext[n]       (n = plaintext + 16-byte GCM tag)
 * key   = HKDF-SHA256(X25519(eph, mediator upload key), salt = eph_pub || mediator_pub,
 *                     info = "teemed-upload-v1"), 32 bytes
 * frame i: AES-256-GCM, nonce = 0^4 || u64be(i), AAD = "teemed-upload-v1" || u64be(i) || final
 * The last frame has final = 1 and nothing may follow it; a stream without one is
 * truncated. The index in nonce and AAD detects reordered, dropped and replayed frames;
 * the flag in the AAD, a cut stream passed off as whole. A frame holds at most
 * TM_UP_FRAME_MAX bytes of plaintext.
 *
 * The plaintext is a sequence of files, then an end mark:
 *   'F' || u16le name_len || name || u16le project_len || project || u8 kind ('j' JSONL,
 *   't' text) || u64le size || size bytes           ...  'E'
 * name is the file's path relative to what was uploaded, project its Claude Code project
 * dir (may be empty): the mediator places the file as tm_ingest_collect would have.
 *
 * The receiver decrypts and ingests as the bytes arrive: nothing is written in plaintext,
 * and memory stays bounded whatever the upload's size. */
#ifndef TM_UPLOAD_H
#define TM_UPLOAD_H

#include <stddef.h>
#include <stdint.h>
#include "core/dataset.h"

#define TM_UP_MAGIC "TMUP1\0\0\0"
#define TM_UP_HEADER 40
#define TM_UP_FRAME_MAX (1u << 20)
#define TM_UP_NAME_MAX 4096
#define TM_UP_PROJECT_MAX 1024

/* ---- receiving (inside the mediator) ---- */

struct tm_upload;

/* Begin receiving dataset o->id from o->owner (the options are checked now). */
enum tm_rc tm_upload_begin(struct tm_med *m, const struct tm_onboard_opts *o, struct tm_upload **up,
                           struct tm_diag *d) TM_NODISCARD;
/* The next n bytes of the stream, split anywhere. An error is final: abort. */
enum tm_rc tm_upload_feed(struct tm_upload *up, const void *p, size_t n, struct tm_diag *d) TM_NODISCARD;
/* The stream ended: it must be whole (a final frame, an end mark); then publish.
 * *card: the signed card (owned). Frees up. */
enum tm_rc tm_upload_finish(struct tm_med *m, struct tm_upload *up, char **card, struct tm_diag *d) TM_NODISCARD;
/* Drop an upload: nothing of it remains. Frees up (NULL is a no-op). */
void tm_upload_abort(struct tm_upload *up);

/* ---- sending (the owner's side) ---- */

struct tm_upload_tx;

/* Prepare the stream of the files fl (borrowed until freed) encrypted to the mediator's
 * upload key. */
enum tm_rc tm_upload_tx_new(const uint8_t mediator_pub[32], const struct tm_filelist *fl,
                            struct tm_upload_tx **tx, struct tm_diag *d) TM_NODISCARD;
/* Write the next bytes of the stream into buf[0..cap) and return how many (0 at the
 * end); on failure return 0 and set *rc (and d). */
size_t tm_upload_tx_read(struct tm_upload_tx *tx, uint8_t *buf, size_t cap, enum tm_rc *rc, struct tm_diag *d);
/* Plaintext bytes of files read so far. */
uint64_t tm_upload_tx_done(const struct tm_upload_tx *tx);
void tm_upload_tx_free(struct tm_upload_tx *tx);

#endif
