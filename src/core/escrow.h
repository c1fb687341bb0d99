/*
 * escrow.h — the order state machine: order → pay → escrow → ship → confirm (or auto-confirm)
 * → release, with refunds and disputes, as pure data in and data out.
 *
 * escrow_apply() takes an order row, one event and the current time, and returns the next
 * row plus the effects the caller must perform in the SAME database transaction that stores
 * the row: ledger postings, a stock change, a refund record to create (the channel is called
 * after commit, by a job), a best-effort close of open payment attempts. The order's one
 * timer is its `deadline_ms` column: the scheduler feeds ESCROW_EV_TIMER_DUE for every order
 * whose deadline has passed, and the machine decides what it means (close an unpaid order,
 * auto-confirm a shipped one) or that it means nothing any more. Concurrency is optimistic:
 * every applied event bumps `version`, and the caller stores the row only if the version it
 * read is still there (UPDATE ... WHERE version = ?), else reloads and applies again — so of
 * a confirm and a refund racing on one order exactly one is applied to each version.
 *
 *   pending_payment ─pay─▶ paid ─ship─▶ shipped ─confirm, timer─▶ completed
 *     │ cancel, timer       │ ▲           │ ▲
 *     ▼                     ▼ │ answer    ▼ │ answer: refuse, withdraw, partial approval
 *   closed              refund_requested    refund_requested (the auto-confirm clock paused)
 *   late payment ─▶ paid, or refunded when the stock is gone
 *   paid, shipped, refund_requested ─open_dispute─▶ disputed (frozen) ─resolve─▶ back
 *   a refund that leaves nothing ─▶ refunded
 *
 * docs/MONEY.md has the full table, the rounding rule and the handling of late, duplicate
 * and mismatched payment notifications.
 */
#ifndef HUTONG_CORE_ESCROW_H
#define HUTONG_CORE_ESCROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ledger.h"
#include "core/money.h"
#include "core/str.h"

#define MS_PER_MINUTE INT64_C(60000)
#define MS_PER_HOUR   (60 * MS_PER_MINUTE)
#define MS_PER_DAY    (24 * MS_PER_HOUR)

/* Unpaid orders close after 15 minutes unless configured: long enough to open a wallet and
 * pay, short enough that reserved stock comes back while the buyer's interest is gone. */
#define ESCROW_UNPAID_CLOSE_MS_DEFAULT (15 * MS_PER_MINUTE)
/* Bounds: a buyer needs at least a minute to pay; stock held longer than a day blocks
 * other buyers. */
#define ESCROW_UNPAID_CLOSE_MS_MIN MS_PER_MINUTE
#define ESCROW_UNPAID_CLOSE_MS_MAX MS_PER_DAY

/* Auto-confirm after shipping, per delivery kind (the usual Chinese marketplace periods:
 * 10 days for parcels, 3 for virtual goods such as top-ups, 24 h for goods delivered
 * automatically, such as codes sent by the system). */
#define ESCROW_AUTO_CONFIRM_MS_PHYSICAL (10 * MS_PER_DAY)
#define ESCROW_AUTO_CONFIRM_MS_VIRTUAL  (3 * MS_PER_DAY)
#define ESCROW_AUTO_CONFIRM_MS_AUTO     MS_PER_DAY
/* Bounds: an hour gives the buyer time to look; 90 days covers the slowest surface mail. */
#define ESCROW_AUTO_CONFIRM_MS_MIN MS_PER_HOUR
#define ESCROW_AUTO_CONFIRM_MS_MAX (90 * MS_PER_DAY)

/* The latest time accepted, 9999-12-31T23:59:59.999Z: with the duration bounds above, no
 * deadline computation can overflow int64_t. */
#define ESCROW_TIME_MS_MAX INT64_C(253402300799999)

/* Units per order line: four digits, more than any retail line; bulk buyers get a quote. */
#define ESCROW_QUANTITY_MAX 9999u

/* A carrier name ("SF", "中通快递") in UTF-8 bytes: 21 CJK characters, more than any name. */
#define ESCROW_CARRIER_BYTES_MAX 64
/* A tracking number: Chinese carriers use 10–20 letters and digits, UPU S10 international
 * numbers 13; 40 leaves room for prefixes and hyphens. */
#define ESCROW_TRACKING_BYTES_MAX 40

enum escrow_state {
  ESCROW_PENDING_PAYMENT,  /* stock reserved, waiting for the buyer; timer: unpaid close */
  ESCROW_PAID,             /* money in escrow, not shipped */
  ESCROW_SHIPPED,          /* shipped; timer: auto-confirm */
  ESCROW_REFUND_REQUESTED, /* the buyer asked for money back; the clock is paused */
  ESCROW_DISPUTED,         /* escalated to the platform; frozen */
  ESCROW_COMPLETED,        /* escrow released to the merchant; final */
  ESCROW_REFUNDED,         /* everything paid went back to the buyer; final */
  ESCROW_CLOSED,           /* unpaid timeout or cancelled, stock released; final unless a late payment */
  ESCROW_STATE_COUNT
};

enum delivery_kind {
  DELIVERY_PHYSICAL, /* a parcel with a carrier and tracking number */
  DELIVERY_VIRTUAL,  /* delivered by the merchant by hand (top-ups, services) */
  DELIVERY_AUTO,     /* delivered by the system at payment (codes, downloads) */
  DELIVERY_KIND_COUNT
};

struct escrow_policy {
  int64_t unpaid_close_ms;
  int64_t auto_confirm_ms[DELIVERY_KIND_COUNT];
  uint32_t fee_bps; /* platform fee for new orders; each order keeps the rate it opened with */
};

/* Fills `policy` with the defaults above and a fee of 0 bps: a self-hosted shop is usually
 * its own platform, so a fee is something the operator chooses to configure. */
void escrow_policy_default(struct escrow_policy *policy);

/* HT_OK when every field is within its bounds, else HT_ERANGE. */
int escrow_policy_check(const struct escrow_policy *policy);

/* One order row. Counters are in the order's currency; the caller stores every field. */
struct escrow_order {
  uint64_t order_id;
  uint64_t merchant_id;
  enum currency currency;
  enum delivery_kind delivery;
  uint32_t quantity;   /* units reserved from the product's stock */
  uint32_t fee_bps;    /* the fee rate when the order opened */
  int64_t total_minor; /* unit price × quantity */
  enum escrow_state state;
  uint64_t version;               /* bumped by every applied event: the optimistic-concurrency check */
  bool shipped;                   /* the merchant has shipped (decides where a paused order resumes) */
  uint64_t payment_id;            /* the payment attempt that paid the order; 0 until then */
  uint64_t channel_id;            /* its channel: refunds go back through it */
  int64_t paid_minor;             /* every capture into escrow, stray payments included */
  int64_t refunded_minor;         /* every approved refund, automatic ones included */
  int64_t released_minor;         /* the gross release (merchant share + fee); 0 until completed */
  int64_t fee_minor;              /* the platform's part of the release */
  int64_t refund_requested_minor; /* what the buyer asked for; non-zero only in refund_requested */
  int64_t deadline_ms;            /* the timer; non-zero only in pending_payment and shipped */
  int64_t clock_remaining_ms;     /* auto-confirm time left while paused (refund requested, disputed) */
};

struct escrow_order_params {
  uint64_t order_id;
  uint64_t merchant_id;
  enum currency currency;
  enum delivery_kind delivery;
  int64_t unit_price_minor;
  uint32_t quantity;
  int64_t stock_available; /* units in stock now, read under the product row's lock */
};

enum escrow_event_kind {
  ESCROW_EV_PAY_SUCCEEDED,   /* a payment attempt just succeeded (channel_call said so) */
  ESCROW_EV_CANCEL,          /* the buyer or merchant cancels an unpaid order */
  ESCROW_EV_SHIP,            /* the merchant ships: carrier and tracking number */
  ESCROW_EV_CONFIRM,         /* the buyer confirms receipt */
  ESCROW_EV_TIMER_DUE,       /* the scheduler: deadline_ms has passed (close unpaid, auto-confirm) */
  ESCROW_EV_REQUEST_REFUND,  /* the buyer asks for amount_minor back */
  ESCROW_EV_WITHDRAW_REFUND, /* the buyer takes the request back */
  ESCROW_EV_APPROVE_REFUND,  /* the merchant refunds amount_minor (asked for or not) */
  ESCROW_EV_REFUSE_REFUND,   /* the merchant refuses the request */
  ESCROW_EV_OPEN_DISPUTE,    /* the buyer or merchant escalates to the platform */
  ESCROW_EV_RESOLVE_DISPUTE, /* the platform decides: refund amount_minor (0 allowed), rest goes on */
  ESCROW_EVENT_COUNT
};

struct escrow_event {
  enum escrow_event_kind kind;
  int64_t amount_minor; /* PAY_SUCCEEDED: paid; REQUEST/APPROVE_REFUND, RESOLVE_DISPUTE: refund */
  /* PAY_SUCCEEDED only: */
  uint64_t payment_id;
  uint64_t channel_id;
  enum currency currency;
  int64_t stock_available; /* units in stock now (read under lock): lets a late payment reopen */
  /* SHIP only (required for physical goods, optional otherwise): */
  struct str carrier;
  struct str tracking_number;
};

enum escrow_outcome {
  ESCROW_APPLIED,      /* the row changed: store it (version bumped) and perform the effects */
  ESCROW_NOTHING_TO_DO /* a duplicate or stale event: nothing to store or do */
};

enum escrow_stock_change {
  ESCROW_STOCK_KEEP,
  ESCROW_STOCK_RESERVE, /* take `quantity` units from the product's stock */
  ESCROW_STOCK_RELEASE  /* give `quantity` units back */
};

/* A refund to ask the channel for: create a refund record (channel_call PENDING) in the same
 * transaction; a job calls the channel after commit, with the record id as the channel's
 * idempotency key, and posts ledger_post_refund_settled() when it succeeds. */
struct escrow_refund_call {
  uint64_t payment_id; /* the payment to refund (not always the order's: stray payments too) */
  uint64_t channel_id;
  int64_t amount_minor;
};

/* A stray payment is captured and refunded in one event: two postings at most. */
#define ESCROW_POSTINGS_MAX 2

struct escrow_effects {
  enum escrow_outcome outcome;
  size_t posting_count;
  struct ledger_posting postings[ESCROW_POSTINGS_MAX]; /* one ledger transaction each, in order */
  enum escrow_stock_change stock;
  bool refund_call_needed;
  struct escrow_refund_call refund_call;
  bool close_open_payments; /* ask channels to close the order's pending attempts (best effort) */
};

/* Opens an order: checks the parameters, reserves stock and starts the unpaid-close timer.
 * Fills `*order` (state pending_payment, version 0) and `*effects` (stock reserve). Errors,
 * with nothing written to `*order`: HT_EINVAL for a zero id, an invalid currency, delivery
 * kind, time (now_ms outside 1..ESCROW_TIME_MS_MAX) or policy; HT_ERANGE for a unit price
 * outside 1..AMOUNT_MINOR_MAX, a quantity outside 1..ESCROW_QUANTITY_MAX, or a total
 * (price × quantity) above AMOUNT_MINOR_MAX; HT_ECONFLICT when quantity > stock_available. */
int escrow_order_open(const struct escrow_order_params *params, int64_t now_ms,
                      const struct escrow_policy *policy, struct escrow_order *order,
                      struct escrow_effects *effects);

/* Applies `event` at `now_ms` to `order`. On HT_OK, `*next` is the row to store (equal to
 * `*order` when effects->outcome is ESCROW_NOTHING_TO_DO) and `*effects` lists what to do in
 * the same transaction. `next` may be `order`. Errors leave `*next` untouched and `*effects`
 * empty:
 *   HT_ECONFLICT — invalid_state: the event is not allowed in order->state (name it with
 *                  escrow_state_name(order->state)), or a refund exceeds what remains;
 *   HT_ERANGE    — an amount outside its range (refunds 1..AMOUNT_MINOR_MAX, a dispute's
 *                  refund 0..AMOUNT_MINOR_MAX), or counters that would overflow;
 *   HT_EINVAL    — a malformed event (zero ids, a missing or non-printable carrier, a
 *                  tracking number with other than letters, digits and hyphens), a payment
 *                  in another currency than the order's (nothing is posted; the operator
 *                  must look), an order that fails escrow_order_check(), a bad policy or time;
 *   HT_ETOOBIG   — a carrier or tracking number longer than its *_BYTES_MAX.
 * The state is judged before the event's amounts and fields: an event the state forbids is
 * HT_ECONFLICT even when its amount is also out of range.
 * Timers and payment notifications are never HT_ECONFLICT: a stale timer or a duplicate
 * notification is ESCROW_NOTHING_TO_DO. */
int escrow_apply(const struct escrow_order *order, const struct escrow_event *event, int64_t now_ms,
                 const struct escrow_policy *policy, struct escrow_order *next,
                 struct escrow_effects *effects);

/* True when `kind` is allowed in `state` before amounts are looked at: the one table both
 * escrow_apply() and the web pages (which buttons to show) use. */
bool escrow_event_allowed(enum escrow_state state, enum escrow_event_kind kind);

/* HT_OK when the row is internally consistent (valid enums, non-negative counters, a timer
 * only where one runs, a paused clock only where paused, money left exactly where the state
 * says), else HT_EINVAL. escrow_apply() checks its input with it. */
int escrow_order_check(const struct escrow_order *order);

/* paid − refunded − released: what escrow holds for the order and the most that may still be
 * refunded. Assumes escrow_order_check() passes. */
int64_t escrow_order_remaining_minor(const struct escrow_order *order);

/* True when the order's units are out of the product's stock: reserved (pending, paid...),
 * or shipped. False for closed orders and for orders refunded in full before shipping. */
bool escrow_order_holds_stock(const struct escrow_order *order);

/* The order's counters for ledger_verify_order(). */
struct ledger_order_summary escrow_order_summary(const struct escrow_order *order);

/* Stable snake_case names: states ("pending_payment", "refund_requested"...), events
 * ("pay_succeeded", "timer_due"...), delivery kinds ("physical", "virtual", "auto");
 * "invalid" for values outside the enums. */
const char *escrow_state_name(enum escrow_state state);
const char *escrow_event_name(enum escrow_event_kind kind);
const char *delivery_kind_name(enum delivery_kind kind);

/* Parse names written by the functions above; HT_EINVAL for anything else. */
int escrow_state_from_name(struct str name, enum escrow_state *out);
int delivery_kind_from_name(struct str name, enum delivery_kind *out);

#endif
