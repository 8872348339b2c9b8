/* test_eventlog.c - dstack claims from a replayed event log: the first event of each
 * claim counts, a repeat before system-ready is flagged, and the expectations (compose
 * hash, app id) fail on a flagged log, on a log that does not replay, and on no log. */
#include "harness.h"
#include "attest/attest.h"
#include "attest/dcap.h"
#include "attest/eventlog.h"
#include "attest/quote.h"

#include <string.h>

void test_eventlog_first_claim_wins_and_repeats_are_flagged(void);
void test_expect_app_id_needs_a_replayed_unambiguous_log(void);

#define EV(name, payload) "{\"imr\":3,\"event_type\":134217729,\"digest\":\"\",\"event\":\"" name "\",\"event_payload\":\"" payload "\"}"
#define APP1 "1111111111111111111111111111111111111111"
#define APP2 "2222222222222222222222222222222222222222"

static const char clean[] = "[" EV("system-preparing", "") "," EV("app-id", APP1) "," EV("boot-mr-done", "") ","
                            EV("system-ready", "") "," EV("app-id", APP2) "]";
static const char twice[] = "[" EV("app-id", APP1) "," EV("app-id", APP2) "," EV("system-ready", "") "]";

static const char *detail(const struct tm_verify *v, const char *name)
{
    for (size_t i = 0; i < v->nchecks; i++)
        if (!strcmp(v->checks[i].name, name))
            return v->checks[i].detail;
    return NULL;
}

void test_eventlog_first_claim_wins_and_repeats_are_flagged(void)
{
    struct tm_eventlog el;
    struct tm_diag d = {{0}};
    CHECK_INT_EQ(tm_eventlog_replay(clean, strlen(clean), &el, &d), TM_OK);
    CHECK_STR_EQ(el.app_id, APP1); /* the app's own "app-id" after system-ready is not a claim */
    CHECK_STR_EQ(el.duplicate, "");
    CHECK_INT_EQ(el.app_events, 1);
    CHECK_INT_EQ(tm_eventlog_replay(twice, strlen(twice), &el, &d), TM_OK);
    CHECK_STR_EQ(el.app_id, APP1);
    CHECK_STR_EQ(el.duplicate, "app-id");
done:;
}

void test_expect_app_id_needs_a_replayed_unambiguous_log(void)
{
    struct tm_eventlog el;
    struct tm_quote q;
    struct tm_verify v;
    struct tm_diag d = {{0}};
    struct tm_expect x = {0};
    memset(&q, 0, sizeof q);
    x.app_id = "0x" APP1;
    CHECK_INT_EQ(tm_eventlog_replay(clean, strlen(clean), &el, &d), TM_OK);
    memset(&v, 0, sizeof v);
    v.ok = 1;
    tm_quote_expect(&q, &el, 1, &x, &v);
    CHECK(v.ok);
    CHECK_CONTAINS(detail(&v, "expect-app-id"), "expected app id");
    x.app_id = APP2; /* what the application emitted later: never the app id */
    memset(&v, 0, sizeof v);
    v.ok = 1;
    tm_quote_expect(&q, &el, 1, &x, &v);
    CHECK(!v.ok);
    CHECK_CONTAINS(detail(&v, "expect-app-id"), "differs");
    x.app_id = APP1; /* the same log, not replaying to the quote */
    memset(&v, 0, sizeof v);
    v.ok = 1;
    tm_quote_expect(&q, &el, 0, &x, &v);
    CHECK(!v.ok);
    memset(&v, 0, sizeof v); /* no log at all */
    v.ok = 1;
    tm_quote_expect(&q, NULL, 0, &x, &v);
    CHECK(!v.ok);
    CHECK_INT_EQ(tm_eventlog_replay(twice, strlen(twice), &el, &d), TM_OK);
    memset(&v, 0, sizeof v);
    v.ok = 1;
    tm_quote_expect(&q, &el, 1, &x, &v);
    CHECK(!v.ok);
    CHECK_CONTAINS(detail(&v, "expect-app-id"), "repeats the app-id event");
    x.app_id = APP1 "00"; /* too long: never a prefix match */
    CHECK_INT_EQ(tm_eventlog_replay(clean, strlen(clean), &el, &d), TM_OK);
    memset(&v, 0, sizeof v);
    v.ok = 1;
    tm_quote_expect(&q, &el, 1, &x, &v);
    CHECK(!v.ok);
done:;
}
