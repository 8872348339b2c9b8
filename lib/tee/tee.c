/* tee.c - TEE backends (see tee.h): sim, dstack and tdx. */
#include "tee/tee.h"
#include "attest/attest.h"
#include "attest/attest.h"
#include "base/base.h"
#include "base/crypto.h"
#include "tee/dstack.h"
#include "attest/eventlog.h"
#include "tee/tsm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[] = {"sim", "dstack", "tdx"};

const char *tm_tee_name(enum tm_tee_kind k) { return names[k]; }

int tm_tee_parse(const char *name, enum tm_tee_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) {
            *k = (enum tm_tee_kind)i;
            return 0;
        }
    return -1;
}

static enum tm_rc write_file(const char *path, const void *p, size_t n, mode_t mode,
                             struct tm_diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return tm_fail(d, errno == EEXIST ? TM_EEXIST : TM_EIO, "cannot create '%s': %s", path,
                       strerror(errno));
    ssize_t w = write(fd, p, n);
    int ok = w == (ssize_t)n && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        return tm_fail(d, TM_EIO, "cannot write '%s': %s", path, strerror(errno));
    }
    return TM_OK;
}

static const char *tsm_root(void)
{
    const char *r = getenv("TEEMED_TSM_ROOT");
    return r && r[0] ? r : TM_TSM_ROOT;
}

#define DSTACK_ROOT_PATH "teemed/root/v1"

static const char *master_name(enum tm_tee_kind kind)
{
    return kind == TM_TEE_TDX ? "tdx-master.key" : "sim-master.key";
}

/* The keys of the root secret: signing seed, sealing key, public key. */
static enum tm_rc derive(const uint8_t master[32], struct tm_tee *t, struct tm_diag *d)
{
    enum tm_rc rc = tm_hkdf(master, 32, NULL, 0, "teemed/sign/v1", t->sign_seed, 32, d);
    if (!rc)
        rc = tm_hkdf(master, 32, NULL, 0, "teemed/seal/v1", t->seal_key, 32, d);
    if (!rc)
        rc = tm_ed25519_public(t->sign_seed, t->pub, d);
    if (!rc)
        rc = tm_hkdf(master, 32, NULL, 0, "teemed/upload/v1", t->upload_priv, 32, d);
    if (!rc)
        rc = tm_x25519_public(t->upload_priv, t->upload_pub, d);
    return rc;
}

/* "ed25519:<hex>\n", the text of DATA/tee/signer (dstack). */
static void signer_line(const uint8_t pub[32], char out[80])
{
    char hex[65];
    tm_hex(pub, 32, hex);
    snprintf(out, 80, "ed25519:%s\n", hex);
}

enum tm_rc tm_tee_init(const char *dir, enum tm_tee_kind kind, struct tm_diag *d)
{
    char path[4096], signer[80] = "";
    if (kind == TM_TEE_DSTACK) { /* the agent must answer now, not at first use */
        struct tm_agent a;
        uint8_t k[32];
        struct tm_tee t;
        memset(&t, 0, sizeof t);
        enum tm_rc krc = tm_dstack_find(&a, d);
        if (!krc)
            krc = tm_dstack_key(&a, DSTACK_ROOT_PATH, k, d);
        if (!krc)
            krc = derive(k, &t, d);
        tm_cleanse(k, sizeof k);
        if (!krc)
            signer_line(t.pub, signer);
        tm_cleanse(&t, sizeof t);
        if (krc)
            return krc;
    }
    if (kind == TM_TEE_TDX) {
        struct stat st;
        snprintf(path, sizeof path, "%s/report", tsm_root());
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            return tm_fail(d, TM_ESTATE,
                           "no configfs-tsm at '%s' (a TDX guest with Linux >= 6.7 and configfs mounted "
                           "is needed; set TEEMED_TSM_ROOT if it is mounted elsewhere)",
                           path);
    }
    snprintf(path, sizeof path, "%s/tee", dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return tm_fail(d, TM_EIO, "cannot create '%s': %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/tee/backend", dir);
    if (access(path, F_OK) == 0)
        return tm_fail(d, TM_EEXIST, "'%s' is already initialised", dir);
    enum tm_rc rc;
    if (kind != TM_TEE_DSTACK) { /* dstack's secret never touches the disk */
        uint8_t master[32];
        rc = tm_random(master, sizeof master, d);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "%s/tee/%s", dir, master_name(kind));
        rc = write_file(path, master, sizeof master, 0600, d);
        tm_cleanse(master, sizeof master);
        if (rc)
            return rc;
    } else { /* the identity the agent gave: every later open must get the same */
        snprintf(path, sizeof path, "%s/tee/signer", dir);
        unlink(path); /* left by an init that failed after writing it */
        if ((rc = write_file(path, signer, strlen(signer), 0644, d)) != TM_OK)
            return rc;
    }
    snprintf(path, sizeof path, "%s/tee/backend", dir);
    char line[16];
    int n = snprintf(line, sizeof line, "%s\n", tm_tee_name(kind));
    return write_file(path, line, (size_t)n, 0644, d);
}

static enum tm_rc read_small(const char *path, uint8_t *buf, size_t cap, size_t *n,
                             struct tm_diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tm_fail(d, errno == ENOENT ? TM_ESTATE : TM_EIO, "cannot read '%s': %s", path,
                       strerror(errno));
    ssize_t r = read(fd, buf, cap);
    close(fd);
    if (r < 0)
        return tm_fail(d, TM_EIO, "cannot read '%s': %s", path, strerror(errno));
    *n = (size_t)r;
    return TM_OK;
}

/* dstack: the agent's key must give the signer recorded at init. A data dir initialised
 * before DATA/tee/signer existed has none and is not checked. */
static enum tm_rc same_signer(const char *dir, const struct tm_tee *t, struct tm_diag *d)
{
    char path[4096], want[80];
    uint8_t got[96];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/tee/signer", dir);
    enum tm_rc rc = read_small(path, got, sizeof got - 1, &n, d);
    if (rc == TM_ESTATE)
        return TM_OK;
    if (rc)
        return rc;
    got[n] = 0;
    signer_line(t->pub, want);
    if (strcmp((char *)got, want))
        return tm_fail(d, TM_ESTATE,
                       "the %s agent at '%s' derives another key than the one '%s' was initialised with "
                       "(%.24s...): refusing to change the mediator's identity (another app id or KMS?)",
                       tm_agent_api_name(t->agent.api), t->agent.path, dir, (char *)got);
    return TM_OK;
}

/* The boot id (a UUID, one per kernel boot): $TEEMED_BOOT_ID_PATH, else the kernel's. */
static int boot_id(char out[64])
{
    const char *p = getenv("TEEMED_BOOT_ID_PATH");
    FILE *f = fopen(p && p[0] ? p : "/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return -1;
    int ok = fgets(out, 64, f) != NULL;
    fclose(f);
    out[ok ? strcspn(out, "\n") : 0] = 0;
    for (char *c = out; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || *c == '-'))
            return -1;
    return out[0] ? 0 : -1;
}

static void event_status(struct tm_tee *t, const char *status, const char *fmt, const char *arg)
{
    snprintf(t->event_status, sizeof t->event_status, "%s", status);
    snprintf(t->event_detail, sizeof t->event_detail, fmt, arg);
}

/* Emit the code-measurement event once per boot. DATA/tee/measured holds
 * "<boot id> <measurement> <status>" for the last boot it was tried in; it is locked
 * (flock) across the check and the EmitEvent, so concurrent commands emit once. A new
 * boot, or a new binary in the same boot, emits again. Never fatal: the outcome is
 * recorded in t->event_status for `teemed attest` to report. */
static void emit_measurement(const char *dir, struct tm_tee *t)
{
    char path[4096], boot[64], want[200], have[200] = "";
    const char *m = tm_code_measurement();
    uint8_t mb[32];
    size_t mn = 0;
    if (tm_unhex(m, strlen(m), mb, sizeof mb, &mn) || mn != 32) {
        event_status(t, "skipped", "the binary's measurement is %s", m);
        return;
    }
    if (boot_id(boot)) {
        event_status(t, "skipped", "%s", "no boot id (/proc/sys/kernel/random/boot_id unreadable)");
        return;
    }
    snprintf(path, sizeof path, "%s/tee/measured", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        event_status(t, "skipped", "cannot lock tee/measured (%.120s), so the event is not emitted", strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    ssize_t r = pread(fd, have, sizeof have - 1, 0);
    have[r > 0 ? r : 0] = 0;
    int n = snprintf(want, sizeof want, "%s %s ", boot, m);
    if (!strncmp(have, want, (size_t)n)) { /* this boot, this binary: done before */
        const char *was = have + n;
        if (!strncmp(was, "unsupported", 11))
            event_status(t, "unsupported", "%s", "the agent has no EmitEvent (recorded earlier this boot)");
        else
            event_status(t, "already-emitted", "%s", "emitted earlier this boot");
        close(fd);
        return;
    }
    struct tm_diag ed = {{0}};
    enum tm_rc rc = tm_dstack_emit(&t->agent, TM_MEASUREMENT_EVENT, mb, 32, &ed);
    if (rc == TM_OK)
        event_status(t, "emitted", "%s", "RTMR3 extended through the agent's EmitEvent");
    else if (rc == TM_ENOTFOUND)
        event_status(t, "unsupported", "%.190s", ed.msg);
    else
        event_status(t, "failed", "%.190s", ed.msg); /* not recorded: the next command tries again */
    if (rc == TM_OK || rc == TM_ENOTFOUND) {
        n = snprintf(want, sizeof want, "%s %s %s\n", boot, m, rc == TM_OK ? "emitted" : "unsupported");
        if (ftruncate(fd, 0) != 0 || pwrite(fd, want, (size_t)n, 0) != n || fsync(fd) != 0)
            snprintf(t->event_detail, sizeof t->event_detail, "%s; recording that in tee/measured failed: %.120s",
                     rc == TM_OK ? "emitted" : "unsupported", strerror(errno));
    }
    close(fd);
}

enum tm_rc tm_tee_open(const char *dir, struct tm_tee *t, struct tm_diag *d)
{
    char path[4096];
    uint8_t buf[64];
    size_t n;
    memset(t, 0, sizeof *t);
    snprintf(path, sizeof path, "%s/tee/backend", dir);
    enum tm_rc rc = read_small(path, buf, sizeof buf - 1, &n, d);
    if (rc == TM_ESTATE)
        return tm_fail(d, TM_ESTATE, "'%s' is not initialised: run 'teemed init' first", dir);
    if (rc)
        return rc;
    buf[n] = 0;
    buf[strcspn((char *)buf, "\n")] = 0;
    if (tm_tee_parse((char *)buf, &t->kind))
        return tm_fail(d, TM_ESTATE, "unsupported TEE backend '%s' in '%s'", (char *)buf, path);
    uint8_t master[32];
    if (t->kind == TM_TEE_DSTACK) {
        rc = tm_dstack_find(&t->agent, d);
        if (!rc)
            rc = tm_dstack_key(&t->agent, DSTACK_ROOT_PATH, master, d);
    } else {
        snprintf(path, sizeof path, "%s/tee/%s", dir, master_name(t->kind));
        rc = read_small(path, master, sizeof master, &n, d);
        if (!rc && n != 32)
            rc = tm_fail(d, TM_ESTATE, "'%s' is damaged (expected 32 bytes)", path);
    }
    if (!rc)
        rc = derive(master, t, d);
    tm_cleanse(master, sizeof master);
    if (!rc && t->kind == TM_TEE_DSTACK)
        rc = same_signer(dir, t, d);
    if (rc) {
        tm_tee_close(t);
        return rc;
    }
    tm_report_data(t->pub, t->report_data);
    t->simulated = t->kind == TM_TEE_SIM;
    /* one quote per process: report_data is fixed per key */
    if (t->kind == TM_TEE_DSTACK) {
        struct tm_diag id = {{0}}; /* Info is a claim for the verifier to check; without it we go on */
        t->has_info = tm_dstack_info(&t->agent, &t->info, &id) == TM_OK;
        emit_measurement(dir, t); /* before the quote, so the quote's RTMR3 covers it */
        rc = tm_dstack_quote(&t->agent, t->report_data, &t->quote, &t->quote_len, &t->event_log, d);
        struct tm_eventlog el;
        if (!rc && t->has_info && t->info.os_image_hash[0] &&
            (!t->event_log || tm_eventlog_replay(t->event_log, strlen(t->event_log), &el, &id) ||
             !el.os_image_hash[0]))
            t->info.os_image_hash[0] = 0; /* only claim what the log measures (no KMS: no os-image-hash event) */
    } else if (t->kind == TM_TEE_TDX) {
        char entry[48];
        snprintf(entry, sizeof entry, "teemed-%ld", (long)getpid());
        rc = tm_tsm_quote(tsm_root(), entry, t->report_data, &t->quote, &t->quote_len, d);
    }
    if (rc)
        tm_tee_close(t);
    return rc;
}

void tm_tee_close(struct tm_tee *t)
{
    free(t->quote);
    free(t->event_log);
    tm_dstack_info_release(&t->info);
    tm_cleanse(t, sizeof *t);
}

enum tm_rc tm_tee_evidence(const struct tm_tee *t, const uint8_t *nonce, size_t nonce_len, struct tm_evidence *ev,
                           struct tm_diag *d)
{
    memset(ev, 0, sizeof *ev);
    if (nonce_len < 16 || nonce_len > sizeof ev->nonce)
        return tm_fail(d, TM_EINVAL, "the nonce must be 16 to 64 bytes");
    memcpy(ev->nonce, nonce, nonce_len);
    ev->nonce_len = nonce_len;
    tm_report_data_nonce(t->pub, nonce, nonce_len, ev->report_data);
    enum tm_rc rc = TM_OK;
    if (t->kind == TM_TEE_DSTACK) {
        rc = tm_dstack_quote(&t->agent, ev->report_data, &ev->quote, &ev->quote_len, &ev->event_log, d);
    } else if (t->kind == TM_TEE_TDX) {
        static unsigned long serial;
        char entry[64];
        snprintf(entry, sizeof entry, "teemed-%ld-%lu", (long)getpid(), __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED));
        rc = tm_tsm_quote(tsm_root(), entry, ev->report_data, &ev->quote, &ev->quote_len, d);
    }
    if (rc)
        tm_evidence_release(ev);
    return rc;
}

void tm_evidence_release(struct tm_evidence *ev)
{
    free(ev->quote);
    free(ev->event_log);
    memset(ev, 0, sizeof *ev);
}
