/*
 * ledger.h — double-entry bookkeeping for hutong's money: accounts, one posting builder per
 * business event, and the verifier behind `hutong ledger verify`.
 *
 * An account is (kind, owner id, currency). A posting is one ledger transaction: two or three
 * entries (account, signed amount in minor units) whose amounts sum to zero per currency. The
 * sign convention: a positive amount moves money INTO an account, so an account's balance is
 * what it holds for its owner. Escrow, merchant balances, fees and the payables are never
 * negative; the channel clearing account is the world's side of every posting and is
 * normally negative (minus what the channel has brought in, net). Balances are derived from
 * entries (the store caches them in the same database transaction as the entries) and never
 * edited. docs/MONEY.md has the table of postings per event.
 *
 * The verifier is streaming: the caller feeds rows and owns all memory. Pass one feeds every
 * ledger transaction (begin, entries, end), checking that each is balanced and that the whole
 * ledger sums to zero per currency. Pass two feeds, per account, the balance recomputed from
 * its entries (ledger_balance_add()) and the cached one, and per order its summary from the
 * order row next to its escrow balance. Violations land in a caller-supplied array, each with
 * a readable message.
 */
#ifndef HUTONG_CORE_LEDGER_H
#define HUTONG_CORE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/money.h"

enum ledger_account_kind {
  LEDGER_CLEARING = 1,       /* owner: channel id. The channel's side; normally negative */
  LEDGER_ESCROW,             /* owner: order id. Paid, not yet released or refunded */
  LEDGER_MERCHANT_AVAILABLE, /* owner: merchant id. Released, not yet paid out */
  LEDGER_PLATFORM_FEES,      /* owner: 0. Fees the platform earned on releases */
  LEDGER_REFUNDS_PAYABLE,    /* owner: order id. Refunds approved, not yet confirmed by the channel */
  LEDGER_PAYOUTS_PAYABLE,    /* owner: merchant id. Payouts requested, not yet confirmed */
  LEDGER_ACCOUNT_KIND_END
};

struct ledger_account {
  enum ledger_account_kind kind;
  uint64_t owner_id;
  enum currency currency;
};

struct ledger_entry {
  struct ledger_account account;
  int64_t amount_minor; /* positive: into the account; never zero */
};

enum ledger_posting_kind {
  LEDGER_PAYMENT_CAPTURED = 1, /* clearing → escrow */
  LEDGER_ESCROW_RELEASED,      /* escrow → merchant available + platform fees */
  LEDGER_REFUND_APPROVED,      /* escrow → refunds payable */
  LEDGER_REFUND_SETTLED,       /* refunds payable → clearing (the channel refunded the buyer) */
  LEDGER_PAYOUT_REQUESTED,     /* merchant available → payouts payable */
  LEDGER_PAYOUT_PAID,          /* payouts payable → clearing (the channel paid the merchant) */
  LEDGER_PAYOUT_FAILED,        /* payouts payable → merchant available (definitive failure) */
  LEDGER_POSTING_KIND_END
};

/* The most entries one posting has: a release splits escrow into merchant share and fee. */
#define LEDGER_POSTING_ENTRIES_MAX 3

struct ledger_posting {
  enum ledger_posting_kind kind;
  size_t entry_count;
  struct ledger_entry entries[LEDGER_POSTING_ENTRIES_MAX];
};

/* Stable snake_case names for storage and reports ("escrow", "payment_captured");
 * "invalid" for values outside the enums. */
const char *ledger_account_kind_name(enum ledger_account_kind kind);
const char *ledger_posting_kind_name(enum ledger_posting_kind kind);

/* Parses a name written by ledger_account_kind_name(); HT_EINVAL for anything else. */
int ledger_account_kind_from_name(struct str name, enum ledger_account_kind *out);

/* True when the account's kind and currency are valid and its owner fits its kind (platform
 * fees are owned by 0, every other kind by a non-zero id). */
bool ledger_account_valid(const struct ledger_account *account);

/* True when two accounts are the same account. */
bool ledger_account_eq(const struct ledger_account *a, const struct ledger_account *b);

/* Posting builders. Each fills `*out` with a balanced posting and returns HT_OK, or returns
 * HT_EINVAL (an id of 0, an invalid currency) or HT_ERANGE (an amount outside
 * 1..AMOUNT_MINOR_MAX) and leaves `*out` zeroed. Every builder asserts that its entries sum
 * to zero and that no entry is zero. */

/* The channel captured `amount_minor` for `order_id`: clearing(channel) → escrow(order). */
int ledger_post_payment_captured(uint64_t channel_id, uint64_t order_id, enum currency c,
                                 int64_t amount_minor, struct ledger_posting *out);

/* Escrow of `order_id` releases `gross_minor`: the merchant gets gross − fee, the platform
 * `fee_minor` (0 ≤ fee ≤ gross, else HT_ERANGE). A zero share gets no entry, so a release
 * has two or three entries. */
int ledger_post_escrow_released(uint64_t order_id, uint64_t merchant_id, enum currency c, int64_t gross_minor,
                                int64_t fee_minor, struct ledger_posting *out);

/* The merchant (or the platform, for an automatic refund) approved a refund:
 * escrow(order) → refunds_payable(order). Posted with the approval, before the channel call. */
int ledger_post_refund_approved(uint64_t order_id, enum currency c, int64_t amount_minor,
                                struct ledger_posting *out);

/* The channel confirmed the refund: refunds_payable(order) → clearing(channel). */
int ledger_post_refund_settled(uint64_t order_id, uint64_t channel_id, enum currency c, int64_t amount_minor,
                               struct ledger_posting *out);

/* A payout was requested or batched: merchant_available → payouts_payable(merchant). */
int ledger_post_payout_requested(uint64_t merchant_id, enum currency c, int64_t amount_minor,
                                 struct ledger_posting *out);

/* The channel paid the merchant: payouts_payable(merchant) → clearing(channel). */
int ledger_post_payout_paid(uint64_t merchant_id, uint64_t channel_id, enum currency c, int64_t amount_minor,
                            struct ledger_posting *out);

/* The channel definitively refused the payout: payouts_payable → merchant_available. */
int ledger_post_payout_failed(uint64_t merchant_id, enum currency c, int64_t amount_minor,
                              struct ledger_posting *out);

/* A running balance that reports overflow instead of wrapping. Zero-initialise it. */
struct ledger_balance {
  int64_t balance_minor;
  bool overflow;
};

/* Adds one entry's amount to `b` (checked; on overflow `b->overflow` sticks). */
void ledger_balance_add(struct ledger_balance *b, int64_t amount_minor);

/* An order as the order table sees it (the state machine's counters), in its currency. */
struct ledger_order_summary {
  uint64_t order_id;
  enum currency currency;
  int64_t paid_minor;     /* every capture into this order's escrow */
  int64_t refunded_minor; /* every approved refund out of it */
  int64_t released_minor; /* the release to the merchant (gross, fee included) */
};

enum ledger_violation_kind {
  LEDGER_VIOLATION_BAD_ENTRY = 1,    /* invalid account, zero or out-of-range amount */
  LEDGER_VIOLATION_UNBALANCED,       /* a transaction's entries do not sum to zero in a currency */
  LEDGER_VIOLATION_TOTAL_UNBALANCED, /* the whole ledger does not sum to zero in a currency */
  LEDGER_VIOLATION_NEGATIVE_BALANCE, /* an account that must never be negative is */
  LEDGER_VIOLATION_CACHE_MISMATCH,   /* a cached balance differs from the recomputed one */
  LEDGER_VIOLATION_ESCROW_MISMATCH,  /* escrow balance ≠ paid − refunded − released */
  LEDGER_VIOLATION_ESCROW_NEGATIVE,  /* paid − refunded − released < 0 */
  LEDGER_VIOLATION_OVERFLOW,         /* a sum left int64_t */
};

/* Bytes of one violation message, NUL included: two 20-digit ids, four amounts of up to 22
 * characters and the words fit with room to spare. Longer messages are cut, never overrun. */
#define LEDGER_VIOLATION_MESSAGE_BYTES 224

struct ledger_violation {
  enum ledger_violation_kind kind;
  uint64_t txn_id;               /* the transaction, when the violation is about one */
  struct ledger_account account; /* the account, when about one (kind 0 otherwise) */
  uint64_t order_id;             /* the order, when about one */
  char message[LEDGER_VIOLATION_MESSAGE_BYTES];
};

struct ledger_verify {
  struct ledger_violation *violations; /* caller's array of violations_max slots */
  size_t violations_max;
  size_t violation_count; /* all found; only the first violations_max are stored */
  uint64_t transactions_seen;
  uint64_t entries_seen;
  struct ledger_balance total[CURRENCY_COUNT]; /* whole-ledger sum per currency */
  /* The transaction being fed. */
  bool txn_open;
  uint64_t txn_id;
  size_t txn_entries;
  struct ledger_balance txn_sum[CURRENCY_COUNT];
};

/* Prepares `v` to record up to `violations_max` violations into `violations` (which may be
 * NULL when violations_max is 0: count only). Allocates nothing. */
void ledger_verify_init(struct ledger_verify *v, struct ledger_violation *violations, size_t violations_max);

/* Pass one. Feed each ledger transaction as begin, its entries, end. Beginning a new
 * transaction ends an open one. An empty or unbalanced transaction, and every bad entry, is
 * a violation. */
void ledger_verify_txn_begin(struct ledger_verify *v, uint64_t txn_id);
void ledger_verify_txn_entry(struct ledger_verify *v, const struct ledger_entry *entry);
void ledger_verify_txn_end(struct ledger_verify *v);

/* Pass one, for a posting held in memory: begin, every entry, end. */
void ledger_verify_posting(struct ledger_verify *v, uint64_t txn_id, const struct ledger_posting *p);

/* Pass two, once per account: `recomputed` is the sum of the account's entries, `cached`
 * the stored balance. Checks they agree, that the sum did not overflow, and that kinds
 * other than clearing are not negative. */
void ledger_verify_account(struct ledger_verify *v, const struct ledger_account *account,
                           const struct ledger_balance *recomputed, int64_t cached_minor);

/* Pass two, once per order: checks escrow_balance_minor (the recomputed balance of
 * escrow(order, currency)) = paid − refunded − released ≥ 0. */
void ledger_verify_order(struct ledger_verify *v, const struct ledger_order_summary *order,
                         int64_t escrow_balance_minor);

/* Ends an open transaction and checks that the whole ledger sums to zero per currency. Call
 * once, after pass one (pass two may come before or after). */
void ledger_verify_finish(struct ledger_verify *v);

/* True when no violation has been found. */
static inline bool ledger_verify_ok(const struct ledger_verify *v) { return v->violation_count == 0; }

#endif
