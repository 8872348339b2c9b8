/* test_scrub.c - the privacy filter: what is removed, what is kept, what is harvested. */
#include "harness.h"
#include "pipeline/scrub.h"

#include <stdlib.h>

void test_scrub_removes_private_data(void);
void test_scrub_keeps_ordinary_text(void);
void test_scrub_harvests_identities(void);
void test_scrub_never_reads_past_len(void);

/* Scrub s and render markers as <kind>; caller frees. */
static char *scrubbed(const char *s, struct tm_map *deny, struct tm_map *soft)
{
    struct tm_scrub sc = {{0}, deny, soft, NULL};
    struct tm_buf a, b;
    tm_buf_init(&a);
    tm_buf_init(&b);
    tm_scrub(&sc, s, strlen(s), &a);
    tm_scrub_render(a.ptr ? a.ptr : "", a.len, &b);
    tm_buf_release(&a);
    return tm_buf_detach(&b);
}

static const struct {
    const char *in, *gone, *kind;
} cases[] = {
    {"open /Users/alice/work/secret/main.c now", "alice", "<path>"},
    {"cd ~/src/zebra && make", "zebra", "<path>"},
    {"dir -Users-alice-work-zebra exists", "alice", "<path>"},
    {"C:\\Users\\bob\\repo", "bob", "<path>"},
    {"mail kim.lee@corp-example.com today", "kim.lee", "<email>"},
    {"Author: Kim Lee <kim@example.com>", "Kim", "<name>"},
    {"Co-Authored-By: Claude Opus <noreply@anthropic.com>", "Opus", "<name>"},
    {"thanks to Jane Roe <jane@roe.org> for it", "Jane", "<email>"},
    {"ssh to build-7.corp.internal please", "build-7", "<host>"},
    {"listening on 192.168.1.22:3000", "192.168", "<ip>"},
    {"addr fe80::1ff:fe23:4567:890a here", "fe80", "<ip>"},
    {"session 4931d45a-5b2c-4e0a-9f3b-2a1c0d9e8f7a done", "4931d45a", "<uuid>"},
    {"commit 3f9a2b7c1d4e merged", "3f9a2b7c1d4e", "<hex>"},
    {"digest 0xdeadbeefcafe1234", "deadbeef", "<hex>"},
    {"key sk-ant-api03-QzXkq81LmWv2pR7sT9uY4b", "QzXkq81", "<secret>"},
    {"aws AKIAIOSFODNN7EXAMPLE ok", "AKIAIOSFODNN7", "<secret>"},
    {"token ghp_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F", "<secret>"},
    {"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc123def456", "eyJhbGci", "<secret>"},
    {"Authorization: Bearer abcDEF123ghiJKL456mno", "abcDEF123", "<secret>"},
    {"DB_PASSWORD=hunter2horse", "hunter2horse", "<secret>"},
    {"password: hunter2horse", "hunter2horse", "<secret>"},
    {"x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\ny", "MIIEpQ", "<pem>"},
    {"see https://git.corp.example/alice/zebra/pull/3", "alice", "<url>"},
    {"parsing\\n-----BEGIN PRIVATE KEY-----\\nMIIEpQIBxyz\\n-----END PRIVATE KEY-----", "MIIEpQ", "<pem>"},
    {"cut -----BEGIN CERTIFICATE-----\nMIIBzzzz", "MIIBzzzz", "<pem>"},
    {"--out=/home/carol/x.txt", "carol", "<path>"},
    {"id msg_01ABCdefGHIjklMNOpqr and toolu_01XyZabcDEF123456", "msg_01", "<id>"},
    {"On branch qqbob/fix-sealing-bug", "qqbob", "<branch>"},
    {"git checkout -b feature-zebracorn", "zebracorn", "<branch>"},
    {"git push origin HEAD:qqx/secret", "qqx", "<branch>"},
    {"git switch qqy/topic-one", "qqy", "<branch>"},
    {"git clone --branch qqz-wip repo", "qqz", "<branch>"},
    {"branch: qqw/draft", "qqw", "<branch>"},
    {"git checkout -B qqv_rework", "qqv", "<branch>"},
    {"blob aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcgYmFzZTY0IGJsb2I9", "aGVsbG8", "<id>"},
    /* keys and values in every spelling */
    {"{\"password\": \"Nuvel*keduk98\"}", "keduk98", "<secret>"},
    {"password = \"Nuvel*keduk98\" # set", "keduk98", "<secret>"},
    {"client_secret = 'zq8Hxw'", "zq8Hxw", "<secret>"},
    {"clientSecret: zqcamel1", "zqcamel1", "<secret>"},
    {"run --password zqflagpw1 now", "zqflagpw1", "<secret>"},
    {"run --password=zqflagpw2 now", "zqflagpw2", "<secret>"},
    {"export DB_PASS=zqdbpass1", "zqdbpass1", "<secret>"},
    {"ENCRYPTION_KEY=zqenckey1 and more", "zqenckey1", "<secret>"},
    {"JWT_SIGNING_KEY: zqjwtkey1", "zqjwtkey1", "<secret>"},
    {"SECRET_KEY_BASE=zqskbase1", "zqskbase1", "<secret>"},
    {"auth:\n  client_secret: |\n    zqyamlline1\n    zqyamlline2\nnext: ok", "zqyamlline", "<secret>"},
    {"mnemonic: zqwa zqwb zqwc zqwd zqwe", "zqwe", "<secret>"},
    {"passphrase: zqpa zqpb zqpc", "zqpc", "<secret>"},
    {"the password is zqprosepw1 today", "zqprosepw1", "<secret>"},
    {"machine api.example.com login zqnetuser password zqnetpw1", "zqnetpw1", "<secret>"},
    {"machine api.example.com login zqnetuser password zqnetpw1", "zqnetuser", "<name>"},
    {"db01:5432:appdb:zqpguser:zqpgpw1", "zqpgpw1", "<secret>"},
    {"Server=db;User Id=zqcsuser;Password=zqcspw1;", "zqcspw1", "<secret>"},
    {"Server=db;User Id=zqcsuser;Password=zqcspw1;", "zqcsuser", "<name>"},
    {"DB_USER=zqdbuser1 ok", "zqdbuser1", "<name>"},
    /* command-line credentials */
    {"mysql -u zqmyuser -pZqMyPass7 app", "ZqMyPass7", "<secret>"},
    {"mysql -u zqmyuser -pZqMyPass7 app", "zqmyuser", "<name>"},
    {"curl -u zqcurl:ZqCurlPw9 https://example.com/x", "ZqCurlPw9", "<secret>"},
    {"psql -U zqpsqluser -h db app", "zqpsqluser", "<name>"},
    {"docker login -u zqdock -p zqdockpw1 registry.example.com", "zqdockpw1", "<secret>"},
    {"sshpass -p zqsshpw1 ssh host", "zqsshpw1", "<secret>"},
    {"redis-cli -a zqredispw1 ping", "zqredispw1", "<secret>"},
    {"connect zquser:ZqPw77x@db01:5432 now", "ZqPw77x", "<secret>"},
    /* identities from the structure of tool output */
    {"-rw-r--r--  1 zqowner zqgroup 4096 Jan  1 12:00 notes.txt", "zqowner", "<name>"},
    {"drwxr-xr-x@ 5 zqowner2 staff 160 Jan  1 12:00 src", "zqowner2", "<name>"},
    {"zqpuser@zqbox:~/src$ ls", "zqpuser", "<name>"},
    {"zqpuser@zqbox:~/src$ ls", "zqbox", "<name>"},
    {"thanks @zqhandle for the fix", "zqhandle", "<name>"},
    {"uid=1000(zquid) gid=1000(zquid) groups=1000(zquid),27(sudo)", "zquid", "<name>"},
    /* hosts under any public suffix (Debian's publicsuffix), and private-use names */
    {"ssh build01.corp.zyxw-internal.systems now", "zyxw", "<host>"},
    {"GET api.zqexample.co.uk today", "zqexample", "<host>"},
    {"deploy to web.zqmycorp.io", "zqmycorp", "<host>"},
    {"db.zqns.svc answered", "zqns", "<host>"},
    {"ping zqnode.intra", "zqnode", "<host>"},
    {"fetch zqsite.de please", "zqsite", "<host>"},
    /* numbers that name someone */
    {"card 4539 1488 0343 6467 exp 12/29", "0343", "<number>"},
    {"card 4539148803436467 on file", "4539148803436467", "<number>"},
    {"card 4539-1488-0343-6467", "6467", "<number>"},
    {"iban DE89 3704 0044 0532 0130 00 please", "0532", "<number>"},
    {"iban GB82WEST12345698765432 please", "WEST1234", "<number>"},
    {"call +1 415 555 0199 now", "0199", "<number>"},
    {"call (415) 555-0172 now", "0172", "<number>"},
    {"call 415-555-0133 now", "0133", "<number>"},
    {"call +44 20 7946 0958 now", "7946", "<number>"},
    {"ssn 078-05-1120 on record", "1120", "<number>"},
    /* person names */
    {"ask Margarethe Vollstedt about it", "Vollstedt", "<name>"},
    {"reviewed by Priya Raghunathan today", "Raghunathan", "<name>"},
    {"from Alice Vollstedt, ok", "Vollstedt", "<name>"},
    {"Hi Tobias, the build is green", "Tobias", "<name>"},
    {"ship it to 221B Baker Street today", "Baker", "<name>"},
    {"lives at 1600 Zqvale Avenue now", "Zqvale", "<name>"},
    {"office in Zqlindenstrasse 12a, Berlin", "Zqlindenstrasse", "<name>"},
    {"gh repo clone zqorg/zqrepo now", "zqorg", "<name>"},
    {"gh pr list -R zqorg2/zqrepo2", "zqrepo2", "<name>"},
    {"$ whoami\nzqwhoiam\n$ hostname\nzqhostnm.local", "zqwhoiam", "<name>"},
    {"$ whoami\nzqwhoiam\n$ hostname\nzqhostnm.local", "zqhostnm", "<name>"},
    {"error: for user: password = \"Zq!pw12345\"", "Zq!pw12345", "<secret>"},
    {"export PGCONN=zqu:Zq!pw98@zqhost:5432/orders", "Zq!pw98", "<secret>"},
    {"401: machine api.example.com login zqnl password Zq!pw77", "Zq!pw77", "<secret>"},
};

void test_scrub_removes_private_data(void)
{
    char *out = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        free(out);
        out = scrubbed(cases[i].in, NULL, NULL);
        if (strstr(out, cases[i].gone))
            FAILF("case %zu: '%s' survived in \"%s\"", i, cases[i].gone, out);
        if (!strstr(out, cases[i].kind))
            FAILF("case %zu: no %s in \"%s\"", i, cases[i].kind, out);
    }
done:
    free(out);
}

void test_scrub_keeps_ordinary_text(void)
{
    static const char *const keep[] = {
        "The compose_hash must be whitelisted in the AppAuth contract before deploy.",
        "Run make check; the tests pass and TDX quote v4 parses (RTMR3 replay ok).",
        "Use report_data = sha512(pubkey) and verify_quote() in src/verify.rs",
        "facade decade accede: words made of hex letters are words",
        "TestOnboardRejectsTamperedCard and HTTPServerConfig are identifiers",
        "and/or 1/2 of the users; see README.md, main.go and setup.py",
        "version 1.2.3 of tls on port 8080",
        "@dataclass\nclass Point:",
        "npm i react@18.2.0 and vue@latest",
        "docker run -p 8080:80 nginx",
        "git push -u origin main; sort -u list",
        "the key is to keep it simple",
        "if token == expected: return",
        "self.name = user.id; x = tensor.to(device); ctx.app.run()",
        "edit main.rs, model.pt and main.tf; read os.path.join",
        "on 2026-01-15 at 12:30:45, v1.2.3, 10.5 ms, lines 100-200, pid 12345, port 8080",
        "build 20260115 and size 1048576 bytes; ISO 8601",
        "Claude Code runs on Google Cloud; the Linux Foundation hosts it.",
        "Hi there, Thanks for the Docker Desktop fix",
        "see src/main.rs and and/or 1/2; 3 Way merge in 2 Steps",
    };
    char *out = NULL;
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        free(out);
        out = scrubbed(keep[i], NULL, NULL);
        CHECK_STR_EQ(out, keep[i]);
    }
done:
    free(out);
}

void test_scrub_harvests_identities(void)
{
    struct tm_map strict, soft;
    tm_map_init(&strict);
    tm_map_init(&soft);
    char *out = scrubbed("from /home/zqxuser/p and kim.lee@zebracorp.com; Author: Ann Other <a@b.io>",
                         &strict, &soft);
    CHECK(tm_map_find(&strict, "zqxuser", 7) != UINT32_MAX);
    CHECK(tm_map_find(&strict, "kim", 3) != UINT32_MAX);
    CHECK(tm_map_find(&strict, "ann", 3) != UINT32_MAX);
    CHECK(tm_map_find(&soft, "zebracorp", 9) != UINT32_MAX);
    CHECK(tm_map_find(&strict, "zebracorp", 9) == UINT32_MAX);
    tm_scrub_harvest_path(&strict, &soft, "/Users/bob/work/secretproj", 26);
    tm_scrub_harvest_branch(&strict, "carol/fix-thing", 15);
    CHECK(tm_map_find(&strict, "bob", 3) != UINT32_MAX);
    CHECK(tm_map_find(&soft, "secretproj", 10) != UINT32_MAX);
    CHECK(tm_map_find(&strict, "carol", 5) != UINT32_MAX);
    CHECK(tm_map_find(&strict, "fix", 3) == UINT32_MAX);
done:
    free(out);
    tm_map_release(&strict);
    tm_map_release(&soft);
}

void test_scrub_never_reads_past_len(void)
{
    /* a buffer with no terminator after len: ASan catches any over-read */
    static const char *const parts[] = {"/Users/al", "kim@exa", "-----BEGIN X", "sk-abc",
                                        "Author: A", "192.168.1", "3f9a2b7c", "Bearer"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        size_t n = strlen(parts[i]);
        char *p = malloc(n);
        memcpy(p, parts[i], n);
        struct tm_scrub sc = {{0}, NULL, NULL, NULL};
        struct tm_buf out;
        tm_buf_init(&out);
        tm_scrub(&sc, p, n, &out);
        size_t got = out.len;
        tm_buf_release(&out);
        free(p);
        if (got > n + 3) /* a marker never makes the text grow by more than one */
            FAILF("'%s': output grew to %zu bytes", parts[i], got);
    }
done:;
}

void test_scrub_known_branches(void);

void test_scrub_known_branches(void)
{
    struct tm_map br;
    tm_map_init(&br);
    tm_map_intern(&br, "qqalice/topic-x", 15, NULL);
    tm_map_intern(&br, "main", 4, NULL);
    struct tm_scrub sc = {{0}, NULL, NULL, &br};
    struct tm_buf a, b;
    tm_buf_init(&a);
    tm_buf_init(&b);
    const char *in = "merged qqalice/topic-x into main today";
    tm_scrub(&sc, in, strlen(in), &a);
    tm_scrub_render(a.ptr, a.len, &b);
    CHECK_STR_EQ(b.ptr, "merged <branch> into main today");
    CHECK_INT_EQ(sc.hits[TM_S_BRANCH], 1);
done:
    tm_buf_release(&a);
    tm_buf_release(&b);
    tm_map_release(&br);
}

/* ---- the one-pass path (tm_scrub_runs) against scrub-then-scan ---- */

static void log_run(void *ctx, const char *run, size_t n, int after_blank)
{
    struct tm_buf *log = ctx;
    tm_buf_add(log, run, n);
    tm_buf_addf(log, "|%d\n", after_blank);
}

/* Fragments that steer the scrubber down each of its paths, and the separators between
 * them; every text is a deterministic mix. */
static const char *const frags[] = {
    "plain", "words", "van", "The", "Alice", "Smith", "<alice@example.com>", "bob@corp.example",
    "token", "Bearer", "abc123def", "password:", "hunter2", "key=sk-ant-api03-aaaaaaaaaaaaaaaaaaaa",
    "/home/bob/src/zebra/main.c", "https://example.com/x?y=1", "10.0.0.1", "fe80::1", "build.example.com",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "-----END X-----tail",
    "\x1a", "\x1aP", "caf\xc3\xa9", "na\xc3\xafve", "__init__", "_x", "x_", "foo-bar", "-bar", "foo-",
    "checkout", "-b", "feature/login", "branch", "origin", "main", "42", "x86_64", "v2", "fooBar",
    "HTTPServer", "550e8400-e29b-41d4-a716-446655440000", "3f9a2b7c1d4e5f60", "value.", "*word*",
    "key:", "end.", "why?", "**bold**", "Author: Jane Doe", "Co-Authored-By: Jane <j@x.io>",
    "aaaaaaaaaaaaaaaaaaaaaaa", "abcdefghijklmnopqrstuvwxyz", "wordwordwordword", "a", "I", "x",
};
static const char *const seps[] = {" ", " ", " ", "", "\n", ", ", "\t", "  ", "(", ")", "\"", ". ",
                                   "\n    ", "<", ">", " - ", "\x1a", "\xc3\xa9"};

void test_scrub_runs_match_two_passes(void);
void test_scrub_runs_match_two_passes(void)
{
    struct tm_map deny1, soft1, deny2, soft2;
    struct tm_buf text, out, tmp, log1, log2;
    tm_map_init(&deny1);
    tm_map_init(&soft1);
    tm_map_init(&deny2);
    tm_map_init(&soft2);
    tm_buf_init(&text);
    tm_buf_init(&out);
    tm_buf_init(&tmp);
    tm_buf_init(&log1);
    tm_buf_init(&log2);
    uint64_t rng = 0x243f6a8885a308d3ull;
    size_t nf = sizeof frags / sizeof *frags, ns = sizeof seps / sizeof *seps, with_runs = 0;
    for (int round = 0; round < 4000; round++) {
        tm_buf_reset(&text);
        int parts = 1 + round % 12;
        for (int k = 0; k < parts; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            const char *f = frags[(rng >> 33) % nf], *sep = seps[(rng >> 17) % ns];
            tm_buf_add(&text, f, strlen(f));
            if (k + 1 < parts || (rng >> 60) & 1)
                tm_buf_add(&text, sep, strlen(sep));
        }
        struct tm_scrub a = {{0}, &deny1, &soft1, NULL}, b = {{0}, &deny2, &soft2, NULL};
        tm_buf_reset(&out);
        tm_buf_reset(&log1);
        tm_buf_reset(&log2);
        tm_scrub(&a, text.ptr, text.len, &out);
        tm_scan_runs(out.ptr ? out.ptr : "", out.len, log_run, &log1);
        tm_scrub_runs(&b, text.ptr, text.len, &tmp, log_run, &log2);
        if (log1.len != log2.len || memcmp(log1.ptr, log2.ptr, log1.len) != 0 ||
            memcmp(a.hits, b.hits, sizeof a.hits) != 0)
            FAILF("round %d: the one-pass runs differ from scrub-then-scan", round);
        with_runs += log1.len > 0;
    }
    CHECK(with_runs > 3000);                     /* the texts had runs to compare */
    CHECK_INT_EQ(deny1.count, deny2.count);   /* the same identities harvested */
    CHECK_INT_EQ(soft1.count, soft2.count);
    CHECK(deny1.count > 0 && soft1.count > 0);
done:
    tm_buf_release(&text);
    tm_buf_release(&out);
    tm_buf_release(&tmp);
    tm_buf_release(&log1);
    tm_buf_release(&log2);
    tm_map_release(&deny1);
    tm_map_release(&soft1);
    tm_map_release(&deny2);
    tm_map_release(&soft2);
}
