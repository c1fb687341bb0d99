/*
 * settlement.h — merchant payouts, and what the ledger does when a channel answers a refund
 * or a payout.
 *
 * A payout moves a merchant's available balance into a payout record (payouts payable) at the
 * moment it is requested — on the merchant's request or in the daily batch — so the same money
 * can never be requested twice. The channel transfer happens after commit; its answers go
 * through channel_call_apply(), and the functions below turn the resulting change into the
 * posting to store with the new status: paid → clearing, definitively failed → back to the
 * merchant's available balance, unknown → nothing (money never moves on a guess). A refund's
 * answer works the same way, except that a failed refund stays payable to the buyer: money
 * owed to a buyer never flows back to the merchant because a channel call failed.
 */
#ifndef HUTONG_CORE_SETTLEMENT_H
#define HUTONG_CORE_SETTLEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/channel_call.h"
#include "core/ledger.h"
#include "core/money.h"

/* The daily batch skips balances under 100 minor units (1.00 CNY): a transfer that small is
 * not worth its channel fee and per-transfer minimum, and it waits for the next batch. */
#define PAYOUT_BATCH_MIN_MINOR_DEFAULT 100

struct payout_policy {
  int64_t batch_min_minor; /* 1..AMOUNT_MINOR_MAX */
};

/* Fills `policy` with the defaults above. */
void payout_policy_default(struct payout_policy *policy);

/* Checks a merchant's payout request against the available balance (the cached balance of
 * merchant_available, read under lock). HT_OK when 1 ≤ requested ≤ available; HT_ERANGE when
 * requested is outside 1..AMOUNT_MINOR_MAX; HT_ECONFLICT when it exceeds the balance;
 * HT_EINVAL when the balance itself is negative (the ledger is broken: run ledger verify). */
int payout_request_check(int64_t available_minor, int64_t requested_minor);

/* The daily batch's payout for a merchant holding `available_minor`: all of it (capped at
 * AMOUNT_MINOR_MAX, the rest waits for the next batch) when it reaches the policy's minimum,
 * else 0 (skip). A negative balance or an invalid policy also gives 0. */
int64_t payout_batch_amount(int64_t available_minor, const struct payout_policy *policy);

/* The posting for a payout record after channel_call_apply() returned `change`:
 * SUCCEEDED → ledger_post_payout_paid(), FAILED → ledger_post_payout_failed(), otherwise
 * none. Sets `*has_posting`; returns the builder's error, if any. */
int payout_answer_posting(enum channel_call_change change, uint64_t merchant_id, uint64_t channel_id,
                          enum currency c, int64_t amount_minor, struct ledger_posting *out,
                          bool *has_posting);

/* The posting for a refund record after channel_call_apply() returned `change`:
 * SUCCEEDED → ledger_post_refund_settled(); otherwise none (a failed refund stays in refunds
 * payable for the operator). Sets `*has_posting`; returns the builder's error, if any. */
int refund_answer_posting(enum channel_call_change change, uint64_t order_id, uint64_t channel_id,
                          enum currency c, int64_t amount_minor, struct ledger_posting *out,
                          bool *has_posting);

#endif
