/* test_upload.c - the encrypted upload stream: what one side writes the other reads,
 * split anywhere, into the same card as a local onboarding; a changed, dropped,
 * reordered, replayed or cut frame, or a stream for another mediator, leaves nothing. */
#define _GNU_SOURCE
#include "harness.h"
#include "base/base.h"
#include "base/crypto.h"
#include "core/account.h"
#include "core/dataset.h"
#include "core/upload.h"
#include "tm/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ufx {
    char dir[64], data[96], logs[96];
    struct tm_shared *sh;
    struct tm_med *m;
    struct tm_account owner;
    const struct tm_tee *tee;
    struct tm_filelist fl;
};

static int ufx_setup(struct ufx *f)
{
    struct tm_diag d = {{0}};
    char *out = NULL, path[256];
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/teemed-up-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(f->logs, sizeof f->logs, "%s/-home-dev-proj", f->dir);
    mkdir(f->logs, 0700);
    for (int s = 0; s < 5; s++) {
        snprintf(path, sizeof path, "%s/s%d.jsonl", f->logs, s);
        FILE *fp = fopen(path, "w");
        for (int r = 0; r < 500; r++) /* enough bytes for several frames */
            fprintf(fp, "{\"type\":\"user\",\"sessionId\":\"s%d\",\"cwd\":\"/home/dev/proj\",\"timestamp\":\"2026-01-1%dT10:%02d:00.000Z\","
                        "\"message\":{\"role\":\"user\",\"content\":\"The attestation quote rtmr3 value %d of the compose hash "
                        "in the kms gateway failed; check the event log and the tcb status again and again.\"}}\n",
                    s, s, r % 60, r);
        fclose(fp);
    }
    snprintf(path, sizeof path, "%s/notes.md", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("# notes\n\nthe attestation quote\n", fp);
    fclose(fp);
    if (tm_svc_init(f->data, "sim", &out, &d))
        return -1;
    free(out);
    if (tm_shared_new(f->data, &f->sh, &d) || tm_med_open(f->sh, &f->m, &d))
        return -1;
    char token[TM_TOKEN_LEN + 1];
    if (tm_account_create(f->m, "owner", TM_ROLE_MEMBER, token, &f->owner, &d) || tm_med_tee(f->m, &f->tee, &d))
        return -1;
    const char *paths[2] = {f->logs, path};
    return tm_ingest_collect(paths, 2, &f->fl, &d) == TM_OK ? 0 : -1;
}

static void ufx_teardown(struct ufx *f)
{
    char cmd[128];
    tm_filelist_release(&f->fl);
    tm_med_close(f->m);
    tm_shared_free(f->sh);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", f->dir);
}

/* The whole encrypted stream for the fixture's files, to pub. */
static uint8_t *stream_of(struct ufx *f, const uint8_t pub[32], size_t *len)
{
    struct tm_upload_tx *tx;
    struct tm_diag d = {{0}};
    if (tm_upload_tx_new(pub, &f->fl, &tx, &d))
        return NULL;
    struct tm_buf b;
    tm_buf_init(&b);
    uint8_t chunk[7777]; /* an odd size: frames cross reads */
    size_t n;
    enum tm_rc rc;
    while ((n = tm_upload_tx_read(tx, chunk, sizeof chunk, &rc, &d)) > 0)
        tm_buf_add(&b, chunk, n);
    tm_upload_tx_free(tx);
    *len = b.len;
    return (uint8_t *)tm_buf_detach(&b);
}

/* Receive bytes as dataset id, fed in pieces of `step`; TM_OK with *card on success. */
static enum tm_rc receive(struct ufx *f, const char *id, const uint8_t *p, size_t n, size_t step, char **card,
                          struct tm_diag *d)
{
    struct tm_onboard_opts o = {0};
    struct tm_upload *up;
    o.owner = &f->owner;
    o.id = id;
    o.k = 2;
    o.now_ms = 1767225600000;
    *card = NULL;
    enum tm_rc rc = tm_upload_begin(f->m, &o, &up, d);
    for (size_t i = 0; !rc && i < n; i += step)
        rc = tm_upload_feed(up, p + i, n - i < step ? n - i : step, d);
    if (rc) {
        tm_upload_abort(up);
        return rc;
    }
    return tm_upload_finish(f->m, up, card, d);
}

/* The sealed files and dataset rows that exist (nothing may be left by a failure). */
static int leftovers(struct ufx *f)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/sealed')\"", f->data);
    return system(cmd) != 0;
}

void test_upload_roundtrip_matches_local_onboarding(void)
{
    struct ufx f;
    struct tm_diag d = {{0}};
    uint8_t *s = NULL;
    char *card = NULL, *local = NULL;
    size_t n = 0;
    CHECK(ufx_setup(&f) == 0);
    s = stream_of(&f, f.tee->upload_pub, &n);
    CHECK(s && n > 60000); /* more than one frame */
    CHECK(memmem(s, n, "attestation", 11) == NULL); /* nothing in the clear */
    CHECK(memmem(s, n, "-home-dev-proj", 14) == NULL);
    static const size_t steps[] = {1, 5, 4096, 1 << 20};
    for (size_t i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "up%zu", i);
        enum tm_rc rc = receive(&f, id, s, n, steps[i], &card, &d);
        if (rc)
            FAILF("split %zu: %s", steps[i], d.msg);
        CHECK_CONTAINS(card, "\"records\":2502"); /* 5 x 500 lines, 2 paragraphs */
        CHECK_CONTAINS(card, "\"sessions\":6");
        CHECK_CONTAINS(card, "\"projects\":2");
        free(card);
        card = NULL;
    }
    /* the same files onboarded from disk give the same figures */
    struct tm_onboard_opts o = {0};
    const char *paths[2] = {f.fl.v[0].path, NULL};
    char logs[200], notes[200];
    snprintf(logs, sizeof logs, "%s", f.logs);
    snprintf(notes, sizeof notes, "%s/notes.md", f.dir);
    paths[0] = logs;
    paths[1] = notes;
    o.owner = &f.owner;
    o.id = "local";
    o.k = 2;
    o.paths = paths;
    o.npaths = 2;
    o.now_ms = 1767225600000;
    CHECK(tm_onboard(f.m, &o, &local, &d) == TM_OK);
    cJSON *a = cJSON_Parse(local), *b;
    CHECK(tm_card_get(f.m, "up0", &card, &d) == TM_OK);
    b = cJSON_Parse(card);
    char *va = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(a, "volume"));
    char *vb = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(b, "volume"));
    CHECK_STR_EQ(va, vb);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(a, "commitment")->valuestring,
                 cJSON_GetObjectItemCaseSensitive(b, "commitment")->valuestring);
    free(va);
    free(vb);
    cJSON_Delete(a);
    cJSON_Delete(b);
done:
    free(s);
    free(card);
    free(local);
    ufx_teardown(&f);
}

void test_upload_refuses_tampered_streams(void)
{
    struct ufx f;
    struct tm_diag d = {{0}};
    uint8_t *s = NULL, *t = NULL;
    char *card = NULL;
    size_t n = 0;
    CHECK(ufx_setup(&f) == 0);
    s = stream_of(&f, f.tee->upload_pub, &n);
    CHECK(s != NULL);
    t = malloc(n + 300000);
    /* frame boundaries: header 40, then u32 len + flag + body */
    size_t fr[64], nf = 0;
    for (size_t o = TM_UP_HEADER; o < n && nf < 64;) {
        fr[nf++] = o;
        o += 5 + (size_t)(s[o] | s[o + 1] << 8 | s[o + 2] << 16 | (size_t)s[o + 3] << 24);
    }
    CHECK(nf >= 3);
    struct {
        const char *what;
        size_t len;
    } cases[8];
    size_t nc = 0;
    /* 1. one byte changed inside the second frame */
    memcpy(t, s, n);
    t[fr[1] + 100] ^= 1;
    CHECK(receive(&f, "t1", t, n, 4096, &card, &d) == TM_EPARSE);
    CHECK_CONTAINS(d.msg, "does not decrypt");
    /* 2. cut before the final frame */
    CHECK(receive(&f, "t2", s, fr[nf - 1], 4096, &card, &d) == TM_EPARSE);
    CHECK_CONTAINS(d.msg, "cut before its final frame");
    /* 3. frames 1 and 2 swapped */
    size_t l1 = fr[2] - fr[1], l2 = (nf > 3 ? fr[3] : n) - fr[2];
    memcpy(t, s, fr[1]);
    memcpy(t + fr[1], s + fr[2], l2);
    memcpy(t + fr[1] + l2, s + fr[1], l1);
    memcpy(t + fr[1] + l1 + l2, s + fr[1] + l1 + l2, n - (fr[1] + l1 + l2));
    CHECK(receive(&f, "t3", t, n, 4096, &card, &d) == TM_EPARSE);
    /* 4. frame 1 replayed */
    memcpy(t, s, fr[2]);
    memcpy(t + fr[2], s + fr[1], l1);
    memcpy(t + fr[2] + l1, s + fr[2], n - fr[2]);
    CHECK(receive(&f, "t4", t, n + l1, 4096, &card, &d) == TM_EPARSE);
    /* 5. the final flag cleared on the last frame (a cut stream passed off as whole) */
    memcpy(t, s, n);
    t[fr[nf - 1] + 4] = 0;
    CHECK(receive(&f, "t5", t, n, 4096, &card, &d) == TM_EPARSE);
    /* 6. bytes after the final frame */
    memcpy(t, s, n);
    memcpy(t + n, s + fr[1], 10);
    CHECK(receive(&f, "t6", t, n + 10, 4096, &card, &d) == TM_EPARSE);
    /* 7. a stream encrypted to another mediator's key */
    {
        uint8_t other_priv[32], other_pub[32];
        size_t on = 0;
        CHECK(tm_random(other_priv, 32, &d) == TM_OK);
        CHECK(tm_x25519_public(other_priv, other_pub, &d) == TM_OK);
        uint8_t *o = stream_of(&f, other_pub, &on);
        CHECK(receive(&f, "t7", o, on, 4096, &card, &d) == TM_EPARSE);
        free(o);
    }
    /* 8. not a stream at all, and an empty one */
    CHECK(receive(&f, "t8", (const uint8_t *)"{\"text\": \"plain\"}\n", 18, 18, &card, &d) == TM_EPARSE);
    CHECK(receive(&f, "t9", s, 0, 1, &card, &d) == TM_EPARSE);
    CHECK_CONTAINS(d.msg, "empty");
    (void)cases, (void)nc;
    CHECK(card == NULL);
    CHECK(!leftovers(&f)); /* no dataset, no sealed file, no temporary file */
    CHECK(tm_card_get(f.m, "t1", &card, &d) == TM_ENOTFOUND);
    /* and the untouched stream still goes through */
    CHECK(receive(&f, "good", s, n, 65536, &card, &d) == TM_OK);
done:
    free(s);
    free(t);
    free(card);
    ufx_teardown(&f);
}
