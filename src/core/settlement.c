/* settlement.c — payout checks and the postings for channel answers (see settlement.h). */
#include "core/settlement.h"

#include <string.h>

#include "core/status.h"

void payout_policy_default(struct payout_policy *policy) {
  policy->batch_min_minor = PAYOUT_BATCH_MIN_MINOR_DEFAULT;
}

int payout_request_check(int64_t available_minor, int64_t requested_minor) {
  if (available_minor < 0) return HT_EINVAL;
  if (!money_amount_valid(requested_minor)) return HT_ERANGE;
  return requested_minor <= available_minor ? HT_OK : HT_ECONFLICT;
}

int64_t payout_batch_amount(int64_t available_minor, const struct payout_policy *policy) {
  if (!money_amount_valid(policy->batch_min_minor)) return 0;
  if (available_minor < policy->batch_min_minor) return 0;
  return available_minor < AMOUNT_MINOR_MAX ? available_minor : AMOUNT_MINOR_MAX;
}

int payout_answer_posting(enum channel_call_change change, uint64_t merchant_id, uint64_t channel_id,
                          enum currency c, int64_t amount_minor, struct ledger_posting *out,
                          bool *has_posting) {
  memset(out, 0, sizeof *out);
  *has_posting = change == CHANNEL_CHANGE_SUCCEEDED || change == CHANNEL_CHANGE_FAILED;
  if (change == CHANNEL_CHANGE_SUCCEEDED)
    return ledger_post_payout_paid(merchant_id, channel_id, c, amount_minor, out);
  if (change == CHANNEL_CHANGE_FAILED) return ledger_post_payout_failed(merchant_id, c, amount_minor, out);
  return HT_OK;
}

int refund_answer_posting(enum channel_call_change change, uint64_t order_id, uint64_t channel_id,
                          enum currency c, int64_t amount_minor, struct ledger_posting *out,
                          bool *has_posting) {
  memset(out, 0, sizeof *out);
  *has_posting = change == CHANNEL_CHANGE_SUCCEEDED;
  if (change == CHANNEL_CHANGE_SUCCEEDED)
    return ledger_post_refund_settled(order_id, channel_id, c, amount_minor, out);
  return HT_OK;
}
