/* tee.c - TEE backends (see tee.h): sim, dstack and tdx. */
#include "tm/tee.h"
#include "tm/base.h"
#include "tm/crypto.h"
#include "tm/dstack.h"
#include "tm/tsm.h"

#include <errno.h>
#include <fcntl.h>
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

void tm_tee_report_data(const uint8_t pub[32], uint8_t out[64])
{
    static const char dom[] = "teemed-report-data-v1\0ed25519"; /* 22 + 8 bytes with NULs */
    uint8_t buf[sizeof dom + 32];
    memcpy(buf, dom, sizeof dom); /* includes the trailing NUL after "ed25519" */
    memcpy(buf + sizeof dom, pub, 32);
    tm_sha512(buf, sizeof buf, out);
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

enum tm_rc tm_tee_init(const char *dir, enum tm_tee_kind kind, struct tm_diag *d)
{
    char path[4096];
    if (kind == TM_TEE_DSTACK) { /* the agent must answer GetKey now, not at first use */
        char sb[512];
        uint8_t k[32];
        const char *sock = tm_dstack_socket(sb, sizeof sb, d);
        if (!sock)
            return TM_ESTATE;
        enum tm_rc krc = tm_dstack_key(sock, DSTACK_ROOT_PATH, k, d);
        tm_cleanse(k, sizeof k);
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
    if (kind != TM_TEE_DSTACK) { /* dstack's secret never touches the disk */
        uint8_t master[32];
        enum tm_rc rc = tm_random(master, sizeof master, d);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "%s/tee/%s", dir, master_name(kind));
        rc = write_file(path, master, sizeof master, 0600, d);
        tm_cleanse(master, sizeof master);
        if (rc)
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
    char sb[512];
    const char *sock = NULL;
    if (t->kind == TM_TEE_DSTACK) {
        sock = tm_dstack_socket(sb, sizeof sb, d);
        rc = sock ? tm_dstack_key(sock, DSTACK_ROOT_PATH, master, d) : TM_ESTATE;
    } else {
        snprintf(path, sizeof path, "%s/tee/%s", dir, master_name(t->kind));
        rc = read_small(path, master, sizeof master, &n, d);
        if (!rc && n != 32)
            rc = tm_fail(d, TM_ESTATE, "'%s' is damaged (expected 32 bytes)", path);
    }
    if (!rc)
        rc = tm_hkdf(master, 32, NULL, 0, "teemed/sign/v1", t->sign_seed, 32, d);
    if (!rc)
        rc = tm_hkdf(master, 32, NULL, 0, "teemed/seal/v1", t->seal_key, 32, d);
    tm_cleanse(master, sizeof master);
    if (!rc)
        rc = tm_ed25519_public(t->sign_seed, t->pub, d);
    if (rc) {
        tm_tee_close(t);
        return rc;
    }
    tm_tee_report_data(t->pub, t->report_data);
    t->simulated = t->kind == TM_TEE_SIM;
    /* one quote per process: report_data is fixed per key */
    if (t->kind == TM_TEE_DSTACK) {
        rc = tm_dstack_quote(sock, t->report_data, &t->quote, &t->quote_len, &t->event_log, d);
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
    tm_cleanse(t, sizeof *t);
}
