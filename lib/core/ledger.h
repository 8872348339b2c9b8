/* ledger.h - query credits: a double-entry ledger in the store. Library-internal.
 *
 * Credits are whole numbers. Every movement is one transaction of entries that sum to
 * zero, written in the same database transaction as the operation that causes it (an
 * account's creation, a request, its end). Balances are sums of entries, never stored.
 * The ledger's accounts are strings:
 *
 *   issuer           the source of grants and mints (its balance is minus all issued)
 *   user:NAME        an account's spendable credits
 *   hold:REQUEST_ID  credits held for a request until it ends
 *   mediator         the mediator's fees
 *
 * A request holds the price of each dataset it names (the dataset's policy, "prices",
 * per computation; free by default; an owner's own datasets are free to them). When the
 * request is delivered (done) the hold settles: each owner receives their dataset's
 * price less the mediator's fee (fee_percent of it, rounded down), the mediator the
 * fee. Any other end (rejected, withheld, cancelled, failed) refunds the hold whole. The
 * hold and its settlement run inside the request's state transitions, so no request can
 * end with credits still held, and nothing is ever paid for a result not delivered.
 * Each movement is also an entry in the audit trail of every dataset it concerns. */
#ifndef TM_LEDGER_H
#define TM_LEDGER_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/account.h"
#include "core/mediator.h"

#define TM_CREDITS_GRANT_DEFAULT 100
#define TM_CREDITS_MAX 1000000000LL /* any one amount, price or grant */

/* The price of a computation kind under a dataset's policy (0: free). */
int64_t tm_price(const cJSON *policy, const char *kind);
/* The mediator's fee on a price (the configured percentage, rounded down). */
enum tm_rc tm_credits_fee(struct tm_med *m, int64_t price, int64_t *fee, struct tm_diag *d) TM_NODISCARD;

/* Inside the caller's write transaction: */
/* Grant a new account the configured credits (nothing when the grant is 0). */
enum tm_rc tm_credits_grant(struct tm_med *m, const char *name, int64_t now_ms, struct tm_diag *d) TM_NODISCARD;
/* Hold the price of request id (its request_datasets rows carry the prices) from the
 * requester's balance; TM_ECREDITS, saying the balance and the prices, when it cannot
 * pay. */
enum tm_rc tm_credits_hold(struct tm_med *m, const char *id, const char *requester, const char *kind,
                           int64_t now_ms, struct tm_diag *d) TM_NODISCARD;
/* Request id ended: settle its hold (delivered) or refund it. Nothing when it held none. */
enum tm_rc tm_credits_close(struct tm_med *m, const char *id, int delivered, int64_t now_ms,
                            struct tm_diag *d) TM_NODISCARD;

/* Each in its own transaction: */
/* The operator mints amount credits to account name, with a memo (may be NULL). */
enum tm_rc tm_credits_mint(struct tm_med *m, const struct tm_account *who, const char *name, int64_t amount,
                           const char *memo, int64_t now_ms, cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* who's credits: {"account", "balance", "held", "holds": [...], "earnings": [...],
 * "history": [...], "next_cursor"} (owned); history newest first, limit per page. */
enum tm_rc tm_credits_get(struct tm_med *m, const struct tm_account *who, int limit, const char *cursor,
                          cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* The same as one document with the whole history, signed by the mediator (kind
 * "credit-statement"), canonical text in *doc (owned). */
enum tm_rc tm_credits_statement(struct tm_med *m, const struct tm_account *who, int64_t now_ms, char **doc,
                                struct tm_diag *d) TM_NODISCARD;
/* The configuration {"grant", "fee_percent"}; patch (may be NULL) changes the fields it
 * names (operator only; checked by the caller). */
enum tm_rc tm_credits_config(struct tm_med *m, const cJSON *patch, cJSON **out, struct tm_diag *d) TM_NODISCARD;
/* Check the ledger's invariants: every transaction sums to zero; the issuer owes exactly
 * the grants and mints; no account is negative; every hold of an ended request is empty
 * and every open request holds exactly its price. *out: {"ok", "issued", "accounts",
 * "held", "fees", "transactions", "problems": [...]} (owned). */
enum tm_rc tm_credits_check(struct tm_med *m, cJSON **out, struct tm_diag *d) TM_NODISCARD;

#endif
