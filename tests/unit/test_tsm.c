/* test_tsm.c - the configfs-tsm backend against a fake tree: attributes are plain files
 * and outblob is a FIFO served by a thread that plays the kernel (it checks what was
 * written to inblob, moves the generation counter, and returns the "quote"). */
#include "harness.h"
#include "tm/err.h"
#include "tee/tsm.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void test_tsm_quote_roundtrip_and_generation_check(void);
void test_tsm_refuses_wrong_provider(void);

struct fake {
    char dir[512];
    int serves, bump;
    uint8_t inblob[128];
    size_t inlen;
    uint8_t quote[3000];
};

static void put(const char *dir, const char *name, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void *kernel(void *arg)
{
    struct fake *k = arg;
    char p[600];
    for (int i = 0; i < k->serves; i++) {
        /* wait for this attempt's inblob: the requester writes it only after it has
         * finished with the previous outblob, so the FIFO cannot mix two answers */
        struct stat st;
        snprintf(p, sizeof p, "%s/inblob", k->dir);
        for (int w = 0; w < 10000 && !(stat(p, &st) == 0 && st.st_size == 64); w++)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        snprintf(p, sizeof p, "%s/outblob", k->dir);
        int fd = open(p, O_WRONLY); /* blocks until the requester reads outblob */
        if (fd < 0)
            return NULL;
        snprintf(p, sizeof p, "%s/inblob", k->dir);
        FILE *f = fopen(p, "rb");
        k->inlen = f ? fread(k->inblob, 1, sizeof k->inblob, f) : 0;
        if (f)
            fclose(f);
        put(k->dir, "inblob", ""); /* consumed */
        snprintf(p, sizeof p, "%s/generation", k->dir);
        unsigned long long g = 0;
        f = fopen(p, "r");
        if (f) {
            if (fscanf(f, "%llu", &g) != 1)
                g = 0;
            fclose(f);
        }
        char gen[32];
        snprintf(gen, sizeof gen, "%llu\n", g + (unsigned long long)k->bump);
        put(k->dir, "generation", gen);
        ssize_t w = write(fd, k->quote, sizeof k->quote);
        (void)w;
        close(fd);
    }
    return NULL;
}

static int make_tree(char root[64], struct fake *k, const char *provider)
{
    snprintf(root, 64, "/tmp/tm-tsm-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(k->dir, sizeof k->dir, "%s/report", root);
    mkdir(k->dir, 0700);
    snprintf(k->dir, sizeof k->dir, "%s/report/teemed-test", root);
    mkdir(k->dir, 0700);
    put(k->dir, "provider", provider);
    put(k->dir, "generation", "7\n");
    put(k->dir, "inblob", "");
    char p[600];
    snprintf(p, sizeof p, "%s/outblob", k->dir);
    return mkfifo(p, 0600);
}

static void remove_tree(const char *root, const struct fake *k)
{
    static const char *const names[] = {"provider", "generation", "inblob", "outblob"};
    char p[600];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", k->dir, names[i]);
        unlink(p);
    }
    rmdir(k->dir);
    snprintf(p, sizeof p, "%s/report", root);
    rmdir(p);
    rmdir(root);
}

void test_tsm_quote_roundtrip_and_generation_check(void)
{
    static struct fake k; /* shared with the thread */
    char root[64];
    uint8_t rd[64], *q = NULL;
    size_t n = 0;
    struct tm_diag d = {0};
    pthread_t th;
    int started = 0;
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(0xA0 ^ i);
    for (size_t i = 0; i < sizeof k.quote; i++)
        k.quote[i] = (uint8_t)(i * 7 + 3);
    CHECK(make_tree(root, &k, "tdx_guest\n") == 0);

    /* an honest kernel: generation moves by exactly one */
    k.serves = 1;
    k.bump = 1;
    CHECK(pthread_create(&th, NULL, kernel, &k) == 0);
    started = 1;
    CHECK_INT_EQ(tm_tsm_quote(root, "teemed-test", rd, &q, &n, &d), TM_OK);
    pthread_join(th, NULL);
    started = 0;
    CHECK_INT_EQ(k.inlen, 64);
    CHECK(memcmp(k.inblob, rd, 64) == 0);
    CHECK_INT_EQ(n, sizeof k.quote);
    CHECK(memcmp(q, k.quote, n) == 0);
    free(q);
    q = NULL;

    /* a racing writer on every attempt: generation moves by two; retried, then refused */
    k.serves = TM_TSM_TRIES;
    k.bump = 2;
    CHECK(pthread_create(&th, NULL, kernel, &k) == 0);
    started = 1;
    CHECK_INT_EQ(tm_tsm_quote(root, "teemed-test", rd, &q, &n, &d), TM_ESTATE);
    pthread_join(th, NULL);
    started = 0;
    CHECK(q == NULL && n == 0);
    CHECK_CONTAINS(d.msg, "another writer");
    CHECK_CONTAINS(d.msg, "generation");
done:
    if (started)
        pthread_join(th, NULL);
    free(q);
    remove_tree(root, &k);
}

void test_tsm_refuses_wrong_provider(void)
{
    static struct fake k;
    char root[64];
    uint8_t rd[64] = {0}, *q = NULL;
    size_t n = 0;
    struct tm_diag d = {0};
    CHECK(make_tree(root, &k, "sev_guest\n") == 0);
    CHECK_INT_EQ(tm_tsm_quote(root, "teemed-test", rd, &q, &n, &d), TM_ESTATE);
    CHECK(q == NULL);
    CHECK_CONTAINS(d.msg, "sev_guest");
    CHECK_INT_EQ(tm_tsm_quote(root, "../x", rd, &q, &n, &d), TM_EINVAL);
done:
    free(q);
    remove_tree(root, &k);
}
