/*
 * channel_call.h — the status of one money-moving request to a wallet channel, whose answer
 * may be late, repeated, or never come.
 *
 * A payment attempt, a refund and a payout each ask a channel (WeChat Pay, Alipay, the
 * sandbox) to move money, and each is stored as one record with a channel_call_status. The
 * answers arrive as outcomes: a signed notification, the reply to our call, or the reply to a
 * reconciliation query. A call that timed out is UNKNOWN: money never moves on a guess, so
 * nothing is posted until the channel says SUCCEEDED or FAILED, and a reconciliation job asks
 * the channel about every UNKNOWN (and stale PENDING) record. channel_call_apply() says when
 * money moves: exactly once, on the first SUCCEEDED — a duplicate notification does nothing.
 * FAILED is definitive (the channel closed the request); a later SUCCEEDED for it is a
 * contradiction that the operator must look at, never something to post automatically.
 */
#ifndef HUTONG_CORE_CHANNEL_CALL_H
#define HUTONG_CORE_CHANNEL_CALL_H

#include <stdint.h>

#include "core/str.h"

enum channel_call_status {
  CHANNEL_CALL_PENDING,   /* asked; the channel accepted and has not finished (buyer paying) */
  CHANNEL_CALL_UNKNOWN,   /* our call timed out: the outcome is not known */
  CHANNEL_CALL_SUCCEEDED, /* the channel moved the money; final */
  CHANNEL_CALL_FAILED,    /* the channel definitively did not move the money; final */
  CHANNEL_CALL_STATUS_COUNT
};

/* What a channel told us, from whichever source. */
enum channel_outcome {
  CHANNEL_OUTCOME_SUCCEEDED,   /* money moved (paid, refunded, transferred) */
  CHANNEL_OUTCOME_FAILED,      /* definitively not moved (closed, rejected, expired) */
  CHANNEL_OUTCOME_IN_PROGRESS, /* still running (USERPAYING, PROCESSING) */
  CHANNEL_OUTCOME_TIMEOUT,     /* no answer: our call or query timed out */
  CHANNEL_OUTCOME_COUNT
};

/* What the caller must do after channel_call_apply(). */
enum channel_call_change {
  CHANNEL_CHANGE_NONE,      /* nothing: a duplicate or stale answer; store nothing */
  CHANNEL_CHANGE_STATUS,    /* store the new status; no money moves */
  CHANNEL_CHANGE_SUCCEEDED, /* store SUCCEEDED and move the money, in one database transaction */
  CHANNEL_CHANGE_FAILED,    /* store FAILED and act on the failure (a payout returns to the
                               merchant's available balance; a refund stays payable and is
                               shown to the operator; a payment attempt needs nothing) */
};

/* Applies `outcome` to a record in status `current`. On HT_OK stores the next status in
 * `*next` and what to do in `*change`. Returns HT_ECONFLICT, writing nothing, when the
 * channel contradicts itself (FAILED after SUCCEEDED, SUCCEEDED after FAILED): the caller
 * keeps the record as it is and raises an alert. HT_EINVAL for values outside the enums. */
int channel_call_apply(enum channel_call_status current, enum channel_outcome outcome,
                       enum channel_call_status *next, enum channel_call_change *change);

/* Refunds and payouts whose answer is not final (pending at the channel, or unknown after a
 * timeout) are asked again, each time later: the first retry after CHANNEL_CALL_RETRY_FIRST_MS,
 * doubling, never more than CHANNEL_CALL_RETRY_MAX_MS apart, so that a wallet that is down or
 * slow is not hammered and a long-running refund is still followed up every few minutes. */
#define CHANNEL_CALL_RETRY_FIRST_MS 1000
#define CHANNEL_CALL_RETRY_MAX_MS   (10 * 60 * 1000)

/* How long to wait before asking again after `attempts` calls have been made (attempts >= 1;
 * values below 1 count as 1): CHANNEL_CALL_RETRY_FIRST_MS * 2^(attempts - 1), at most
 * CHANNEL_CALL_RETRY_MAX_MS. Never overflows, whatever `attempts` is. */
int64_t channel_call_retry_delay_ms(int64_t attempts);

/* Stable snake_case names for storage, logs and JSON ("pending", "unknown", "succeeded",
 * "failed"; "in_progress", "timeout"); "invalid" for values outside the enum. */
const char *channel_call_status_name(enum channel_call_status status);
const char *channel_outcome_name(enum channel_outcome outcome);

/* Parses a status name written by channel_call_status_name(); HT_EINVAL for anything else. */
int channel_call_status_from_name(struct str name, enum channel_call_status *out);

#endif
