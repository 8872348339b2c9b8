#define _GNU_SOURCE /* memmem */
/* test_crypto.c - Merkle commitment (RFC 6962 vectors), sealing, signatures. */
#include "harness.h"
#include "attest/attest.h"
#include "tee/tee.h"
#include "base/base.h"
#include "base/crypto.h"

#include <stdlib.h>

void test_merkle_matches_rfc6962_vectors(void);
void test_seal_detects_tampering(void);
void test_attest_sign_and_verify_card(void);
void test_verify_never_drops_a_failure(void);
void test_ed25519_refuses_small_order_and_noncanonical_points(void);
void test_tcb_status_policy(void);

void test_merkle_matches_rfc6962_vectors(void)
{
    /* The certificate-transparency test vectors (roots for 1..8 leaves). */
    static const char *const roots[8] = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    static const uint8_t l5[] = {0x40, 0x41, 0x42, 0x43};
    uint8_t l6[8], l7[16];
    for (int i = 0; i < 8; i++)
        l6[i] = (uint8_t)(0x50 + i);
    for (int i = 0; i < 16; i++)
        l7[i] = (uint8_t)(0x60 + i);
    const struct {
        const void *p;
        size_t n;
    } leaves[8] = {{"", 0}, {"\x00", 1}, {"\x10", 1}, {"\x20\x21", 2}, {"\x30\x31", 2},
                   {l5, 4}, {l6, 8}, {l7, 16}};
    struct tm_merkle m;
    tm_merkle_init(&m);
    for (int n = 0; n < 8; n++) {
        tm_merkle_leaf(&m, leaves[n].p, leaves[n].n);
        uint8_t root[32];
        char hex[65];
        tm_merkle_root(&m, root);
        tm_hex(root, 32, hex);
        CHECK_STR_EQ(hex, roots[n]);
    }
done:;
}

void test_seal_detects_tampering(void)
{
    uint8_t key[32] = {1, 2, 3}, *blob = NULL, *plain = NULL;
    size_t bl = 0, pl = 0;
    struct tm_diag d;
    CHECK_INT_EQ(tm_seal(key, "aad-1", "secret profile", 14, &blob, &bl, &d), TM_OK);
    CHECK(!memmem(blob, bl, "secret", 6));
    CHECK_INT_EQ(tm_unseal(key, "aad-1", blob, bl, &plain, &pl, &d), TM_OK);
    CHECK_INT_EQ(pl, 14);
    CHECK(!memcmp(plain, "secret profile", 14));
    free(plain);
    plain = NULL;
    CHECK_INT_EQ(tm_unseal(key, "aad-2", blob, bl, &plain, &pl, &d), TM_EVERIFY);
    for (size_t i = 4; i < bl; i++) {
        blob[i] ^= 0x80;
        if (tm_unseal(key, "aad-1", blob, bl, &plain, &pl, &d) != TM_EVERIFY)
            FAILF("flipped byte %zu accepted", i);
        blob[i] ^= 0x80;
    }
    key[0] ^= 1;
    CHECK_INT_EQ(tm_unseal(key, "aad-1", blob, bl, &plain, &pl, &d), TM_EVERIFY);
done:
    free(blob);
    free(plain);
}

void test_attest_sign_and_verify_card(void)
{
    struct tm_tee tee = {0};
    struct tm_diag d;
    struct tm_verify v;
    char *text = NULL;
    cJSON *doc = NULL;
    tee.kind = TM_TEE_SIM;
    tee.simulated = 1;
    memset(tee.sign_seed, 7, 32);
    CHECK_INT_EQ(tm_ed25519_public(tee.sign_seed, tee.pub, &d), TM_OK);
    tm_report_data(tee.pub, tee.report_data);
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "dataset_id", "x");
    cJSON_AddNumberToObject(doc, "records", 41435);
    CHECK_INT_EQ(tm_tee_sign(&tee, doc, "card", NULL, NULL, 1767225600000, &d), TM_OK);
    text = tm_canonical(doc);
    struct tm_verify_opts allow = {.allow_simulated = 1}, strict = {0};
    CHECK_INT_EQ(tm_attest_verify(text, strlen(text), &allow, &v, &d), TM_OK);
    CHECK(v.simulated);
    CHECK_INT_EQ(tm_attest_verify(text, strlen(text), &strict, &v, &d), TM_EVERIFY);
    /* every single-byte change is rejected (or is no document at all) */
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        text[i] = (char)(c == 'a' ? 'b' : 'a');
        enum tm_rc rc = tm_attest_verify(text, n, &allow, &v, &d);
        if (rc == TM_OK)
            FAILF("changed byte %zu accepted", i);
        text[i] = c;
    }
    /* a different key in report_data: the binding check names the problem */
    char *rd = strstr(text, "\"report_data\":\"");
    CHECK(rd != NULL);
    rd[16] = rd[16] == '0' ? '1' : '0';
    CHECK_INT_EQ(tm_attest_verify(text, n, &allow, &v, &d), TM_EVERIFY);
    int named = 0;
    for (size_t i = 0; i < v.nchecks; i++)
        named |= !v.checks[i].ok && !strcmp(v.checks[i].name, "report-data");
    CHECK(named);
done:
    free(text);
    cJSON_Delete(doc);
}

void test_verify_never_drops_a_failure(void)
{
    struct tm_verify v;
    memset(&v, 0, sizeof v);
    v.ok = 1;
    for (int i = 0; i < TM_CHECKS_MAX; i++)
        tm_verify_add(&v, "filler", 1, "check %d passes", i);
    CHECK_INT_EQ(v.nchecks, TM_CHECKS_MAX);
    CHECK_INT_EQ(v.ok, 1);
    tm_verify_add(&v, "late", 0, "a failure after the list is full");
    CHECK_INT_EQ(v.nchecks, TM_CHECKS_MAX); /* no overflow of the array */
    CHECK_INT_EQ(v.ok, 0);                  /* but the verdict is failed */
    CHECK_STR_EQ(v.checks[3].detail, "check 3 passes");
done:;
}

/* A small-order key with R = identity and S = 0 "verifies" any message under plain
 * RFC 8032 arithmetic (OpenSSL 3.0 accepts it): such keys and R values are refused, as
 * are non-canonical encodings (y >= p). */
void test_ed25519_refuses_small_order_and_noncanonical_points(void)
{
    uint8_t pub[32] = {1}, sig[64] = {1}, real[32], seed[32], good[64];
    struct tm_diag d;
    CHECK_INT_EQ(tm_ed25519_verify(pub, "anything at all", 15, sig), TM_EVERIFY);
    CHECK_INT_EQ(tm_ed25519_verify(pub, "something else", 14, sig), TM_EVERIFY);
    /* every small-order y, with either sign of x */
    static const char *const weak[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p: non-canonical 0 */
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 */
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* 2^255 - 1 */
    };
    for (size_t i = 0; i < sizeof weak / sizeof *weak; i++) {
        uint8_t e[32];
        size_t n;
        CHECK_INT_EQ(tm_unhex(weak[i], 64, e, 32, &n), TM_OK);
        CHECK(tm_ed25519_weak_point(e));
        e[31] ^= 0x80;
        CHECK(tm_ed25519_weak_point(e));
    }
    /* a real key and signature pass */
    memset(seed, 9, 32);
    CHECK_INT_EQ(tm_ed25519_public(seed, real, &d), TM_OK);
    CHECK(!tm_ed25519_weak_point(real));
    CHECK_INT_EQ(tm_ed25519_sign(seed, "msg", 3, good, &d), TM_OK);
    CHECK(!tm_ed25519_weak_point(good));
    CHECK_INT_EQ(tm_ed25519_verify(real, "msg", 3, good), TM_OK);
done:
    return;
}

/* TCB statuses: current ones pass, OutOfDate ones only when named, Revoked and unknown
 * never. (The test data has no Intel-signed OutOfDate pairing to run end to end.) */
void test_tcb_status_policy(void)
{
    CHECK(tm_tcb_acceptable("UpToDate", NULL));
    CHECK(tm_tcb_acceptable("SWHardeningNeeded", NULL));
    CHECK(tm_tcb_acceptable("ConfigurationAndSWHardeningNeeded", NULL));
    CHECK(!tm_tcb_acceptable("OutOfDate", NULL));
    CHECK(!tm_tcb_acceptable("OutOfDateConfigurationNeeded", "OutOfDate"));
    CHECK(tm_tcb_acceptable("OutOfDate", "OutOfDate"));
    CHECK(tm_tcb_acceptable("OutOfDateConfigurationNeeded", "OutOfDate,OutOfDateConfigurationNeeded"));
    CHECK(!tm_tcb_acceptable("OutOfDate", "OutOfDat"));
    CHECK(!tm_tcb_acceptable("Revoked", "Revoked"));
    CHECK(!tm_tcb_acceptable("Whatever", "Whatever"));
    CHECK(!tm_tcb_acceptable(NULL, NULL));
done:
    return;
}
