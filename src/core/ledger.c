/* ledger.c — accounts, posting builders and the streaming verifier (see ledger.h).
 *
 * Builders share one shape: validate ids and amount, append the entries (skipping zero
 * shares), assert the posting is balanced. The verifier never stops at the first problem: an
 * operator running `hutong ledger verify` wants every violation, so each check records one and
 * carries on; the caller's array bounds how many messages are kept. */
#include "core/ledger.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"

static const char *const account_kind_names[LEDGER_ACCOUNT_KIND_END] = {
    [LEDGER_CLEARING] = "clearing",
    [LEDGER_ESCROW] = "escrow",
    [LEDGER_MERCHANT_AVAILABLE] = "merchant_available",
    [LEDGER_PLATFORM_FEES] = "platform_fees",
    [LEDGER_REFUNDS_PAYABLE] = "refunds_payable",
    [LEDGER_PAYOUTS_PAYABLE] = "payouts_payable",
};

static const char *const posting_kind_names[LEDGER_POSTING_KIND_END] = {
    [LEDGER_PAYMENT_CAPTURED] = "payment_captured", [LEDGER_ESCROW_RELEASED] = "escrow_released",
    [LEDGER_REFUND_APPROVED] = "refund_approved",   [LEDGER_REFUND_SETTLED] = "refund_settled",
    [LEDGER_PAYOUT_REQUESTED] = "payout_requested", [LEDGER_PAYOUT_PAID] = "payout_paid",
    [LEDGER_PAYOUT_FAILED] = "payout_failed",
};

static bool account_kind_valid(enum ledger_account_kind kind) {
  return kind >= LEDGER_CLEARING && kind < LEDGER_ACCOUNT_KIND_END;
}

const char *ledger_account_kind_name(enum ledger_account_kind kind) {
  return account_kind_valid(kind) ? account_kind_names[kind] : "invalid";
}

const char *ledger_posting_kind_name(enum ledger_posting_kind kind) {
  bool valid = kind >= LEDGER_PAYMENT_CAPTURED && kind < LEDGER_POSTING_KIND_END;
  return valid ? posting_kind_names[kind] : "invalid";
}

int ledger_account_kind_from_name(struct str name, enum ledger_account_kind *out) {
  for (int k = LEDGER_CLEARING; k < LEDGER_ACCOUNT_KIND_END; k++) {
    if (str_eq(name, str_from_cstr(account_kind_names[k]))) {
      *out = (enum ledger_account_kind)k;
      return HT_OK;
    }
  }
  return HT_EINVAL;
}

bool ledger_account_valid(const struct ledger_account *account) {
  if (!account_kind_valid(account->kind) || !currency_valid(account->currency)) return false;
  return account->kind == LEDGER_PLATFORM_FEES ? account->owner_id == 0 : account->owner_id != 0;
}

bool ledger_account_eq(const struct ledger_account *a, const struct ledger_account *b) {
  return a->kind == b->kind && a->owner_id == b->owner_id && a->currency == b->currency;
}

/* ---- posting builders ---- */

static void posting_add(struct ledger_posting *p, enum ledger_account_kind kind, uint64_t owner_id,
                        enum currency c, int64_t amount_minor) {
  if (amount_minor == 0) return;
  assert(p->entry_count < LEDGER_POSTING_ENTRIES_MAX);
  p->entries[p->entry_count++] = (struct ledger_entry){{kind, owner_id, c}, amount_minor};
}

/* Every builder ends here: balanced (one currency per posting), no zero entry, valid accounts. */
static int posting_done(const struct ledger_posting *p) {
  int64_t sum = 0;
  assert(p->entry_count >= 2);
  for (size_t i = 0; i < p->entry_count; i++) {
    assert(p->entries[i].amount_minor != 0);
    assert(ledger_account_valid(&p->entries[i].account));
    assert(p->entries[i].account.currency == p->entries[0].account.currency);
    sum += p->entries[i].amount_minor; /* |amount| ≤ AMOUNT_MINOR_MAX: cannot overflow */
  }
  assert(sum == 0);
  (void)sum;
  return HT_OK;
}

/* The common checks: both ids non-zero, a valid currency, a valid amount. */
static int posting_begin(struct ledger_posting *out, enum ledger_posting_kind kind, uint64_t id_a,
                         uint64_t id_b, enum currency c, int64_t amount_minor) {
  memset(out, 0, sizeof *out);
  if (id_a == 0 || id_b == 0 || !currency_valid(c)) return HT_EINVAL;
  if (!money_amount_valid(amount_minor)) return HT_ERANGE;
  out->kind = kind;
  return HT_OK;
}

/* A two-entry move of `amount_minor` from one account to another. */
static int post_move(struct ledger_posting *out, enum ledger_posting_kind kind, enum ledger_account_kind from,
                     uint64_t from_owner, enum ledger_account_kind to, uint64_t to_owner, enum currency c,
                     int64_t amount_minor) {
  int rc = posting_begin(out, kind, from_owner, to_owner, c, amount_minor);
  if (rc != HT_OK) return rc;
  posting_add(out, from, from_owner, c, -amount_minor);
  posting_add(out, to, to_owner, c, amount_minor);
  return posting_done(out);
}

int ledger_post_payment_captured(uint64_t channel_id, uint64_t order_id, enum currency c,
                                 int64_t amount_minor, struct ledger_posting *out) {
  return post_move(out, LEDGER_PAYMENT_CAPTURED, LEDGER_CLEARING, channel_id, LEDGER_ESCROW, order_id, c,
                   amount_minor);
}

int ledger_post_escrow_released(uint64_t order_id, uint64_t merchant_id, enum currency c, int64_t gross_minor,
                                int64_t fee_minor, struct ledger_posting *out) {
  int rc = posting_begin(out, LEDGER_ESCROW_RELEASED, order_id, merchant_id, c, gross_minor);
  if (rc != HT_OK) return rc;
  if (fee_minor < 0 || fee_minor > gross_minor) {
    memset(out, 0, sizeof *out);
    return HT_ERANGE;
  }
  posting_add(out, LEDGER_ESCROW, order_id, c, -gross_minor);
  posting_add(out, LEDGER_MERCHANT_AVAILABLE, merchant_id, c, gross_minor - fee_minor);
  posting_add(out, LEDGER_PLATFORM_FEES, 0, c, fee_minor);
  return posting_done(out);
}

int ledger_post_refund_approved(uint64_t order_id, enum currency c, int64_t amount_minor,
                                struct ledger_posting *out) {
  return post_move(out, LEDGER_REFUND_APPROVED, LEDGER_ESCROW, order_id, LEDGER_REFUNDS_PAYABLE, order_id, c,
                   amount_minor);
}

int ledger_post_refund_settled(uint64_t order_id, uint64_t channel_id, enum currency c, int64_t amount_minor,
                               struct ledger_posting *out) {
  return post_move(out, LEDGER_REFUND_SETTLED, LEDGER_REFUNDS_PAYABLE, order_id, LEDGER_CLEARING, channel_id,
                   c, amount_minor);
}

int ledger_post_payout_requested(uint64_t merchant_id, enum currency c, int64_t amount_minor,
                                 struct ledger_posting *out) {
  return post_move(out, LEDGER_PAYOUT_REQUESTED, LEDGER_MERCHANT_AVAILABLE, merchant_id,
                   LEDGER_PAYOUTS_PAYABLE, merchant_id, c, amount_minor);
}

int ledger_post_payout_paid(uint64_t merchant_id, uint64_t channel_id, enum currency c, int64_t amount_minor,
                            struct ledger_posting *out) {
  return post_move(out, LEDGER_PAYOUT_PAID, LEDGER_PAYOUTS_PAYABLE, merchant_id, LEDGER_CLEARING, channel_id,
                   c, amount_minor);
}

int ledger_post_payout_failed(uint64_t merchant_id, enum currency c, int64_t amount_minor,
                              struct ledger_posting *out) {
  return post_move(out, LEDGER_PAYOUT_FAILED, LEDGER_PAYOUTS_PAYABLE, merchant_id, LEDGER_MERCHANT_AVAILABLE,
                   merchant_id, c, amount_minor);
}

void ledger_balance_add(struct ledger_balance *b, int64_t amount_minor) {
  if (b->overflow) return;
  if (money_add(b->balance_minor, amount_minor, &b->balance_minor) != HT_OK) b->overflow = true;
}

/* ---- verifier ---- */

/* Counts a violation and returns its slot, or NULL when the caller's array is full. */
static struct ledger_violation *violation_new(struct ledger_verify *v, enum ledger_violation_kind kind) {
  v->violation_count++;
  if (v->violation_count > v->violations_max) return NULL;
  struct ledger_violation *x = &v->violations[v->violation_count - 1];
  memset(x, 0, sizeof *x);
  x->kind = kind;
  return x;
}

__attribute__((format(printf, 2, 3))) static void violation_say(struct ledger_violation *x, const char *fmt,
                                                                ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->message, sizeof x->message, fmt, ap);
  va_end(ap);
}

/* "12.50" in the currency's exponent, or the raw minor units when the currency is invalid. */
struct amount_text {
  char s[MONEY_DECIMAL_BYTES];
};

static struct amount_text amount_text(int64_t amount_minor, enum currency c) {
  struct amount_text t;
  if (money_format(amount_minor, c, t.s, sizeof t.s, NULL) != HT_OK)
    snprintf(t.s, sizeof t.s, "%" PRId64, amount_minor);
  return t;
}

/* "escrow/42/CNY": kind (18) + two slashes + 20 digits + code (3) + NUL fit in 48. */
struct account_text {
  char s[48];
};

static struct account_text account_text(const struct ledger_account *a) {
  struct account_text t;
  snprintf(t.s, sizeof t.s, "%s/%" PRIu64 "/%s", ledger_account_kind_name(a->kind), a->owner_id,
           currency_code(a->currency));
  return t;
}

void ledger_verify_init(struct ledger_verify *v, struct ledger_violation *violations, size_t violations_max) {
  memset(v, 0, sizeof *v);
  v->violations = violations;
  v->violations_max = violations ? violations_max : 0;
}

void ledger_verify_txn_begin(struct ledger_verify *v, uint64_t txn_id) {
  ledger_verify_txn_end(v);
  v->txn_open = true;
  v->txn_id = txn_id;
  v->txn_entries = 0;
  memset(v->txn_sum, 0, sizeof v->txn_sum);
  v->transactions_seen++;
}

static void report_bad_entry(struct ledger_verify *v, const struct ledger_entry *e, const char *why) {
  struct ledger_violation *x = violation_new(v, LEDGER_VIOLATION_BAD_ENTRY);
  if (!x) return;
  x->txn_id = v->txn_id;
  x->account = e->account;
  violation_say(x, "transaction %" PRIu64 ": entry %zu on %s %s (amount %" PRId64 " minor units)", v->txn_id,
                v->txn_entries, account_text(&e->account).s, why, e->amount_minor);
}

void ledger_verify_txn_entry(struct ledger_verify *v, const struct ledger_entry *entry) {
  assert(v->txn_open);
  v->entries_seen++;
  v->txn_entries++;
  bool in_range = entry->amount_minor >= -AMOUNT_MINOR_MAX && entry->amount_minor <= AMOUNT_MINOR_MAX;
  if (!ledger_account_valid(&entry->account))
    report_bad_entry(v, entry, "has an invalid account");
  else if (entry->amount_minor == 0)
    report_bad_entry(v, entry, "is zero");
  else if (!in_range)
    report_bad_entry(v, entry, "is beyond AMOUNT_MINOR_MAX");
  /* Sum whatever can be summed, so the balance checks describe the data as it is. */
  if (!currency_valid(entry->account.currency)) return;
  ledger_balance_add(&v->txn_sum[entry->account.currency], entry->amount_minor);
  ledger_balance_add(&v->total[entry->account.currency], entry->amount_minor);
}

static void report_sum(struct ledger_verify *v, const struct ledger_balance *sum, enum currency c,
                       bool whole_ledger) {
  if (!sum->overflow && sum->balance_minor == 0) return;
  enum ledger_violation_kind kind =
      whole_ledger ? LEDGER_VIOLATION_TOTAL_UNBALANCED : LEDGER_VIOLATION_UNBALANCED;
  struct ledger_violation *x = violation_new(v, sum->overflow ? LEDGER_VIOLATION_OVERFLOW : kind);
  if (!x) return;
  char where[48];
  if (whole_ledger)
    snprintf(where, sizeof where, "the ledger");
  else
    snprintf(where, sizeof where, "transaction %" PRIu64, v->txn_id);
  x->txn_id = whole_ledger ? 0 : v->txn_id;
  if (sum->overflow)
    violation_say(x, "%s: the %s entries overflow int64 when summed", where, currency_code(c));
  else
    violation_say(x, "%s: %s entries sum to %s, not 0", where, currency_code(c),
                  amount_text(sum->balance_minor, c).s);
}

void ledger_verify_txn_end(struct ledger_verify *v) {
  if (!v->txn_open) return;
  v->txn_open = false;
  if (v->txn_entries == 0) {
    struct ledger_violation *x = violation_new(v, LEDGER_VIOLATION_UNBALANCED);
    if (x) {
      x->txn_id = v->txn_id;
      violation_say(x, "transaction %" PRIu64 " has no entries", v->txn_id);
    }
    return;
  }
  for (int c = 0; c < CURRENCY_COUNT; c++) report_sum(v, &v->txn_sum[c], (enum currency)c, false);
}

void ledger_verify_posting(struct ledger_verify *v, uint64_t txn_id, const struct ledger_posting *p) {
  ledger_verify_txn_begin(v, txn_id);
  for (size_t i = 0; i < p->entry_count && i < LEDGER_POSTING_ENTRIES_MAX; i++)
    ledger_verify_txn_entry(v, &p->entries[i]);
  ledger_verify_txn_end(v);
}

void ledger_verify_account(struct ledger_verify *v, const struct ledger_account *account,
                           const struct ledger_balance *recomputed, int64_t cached_minor) {
  struct ledger_violation *x;
  struct account_text name_text = account_text(account);
  const char *name = name_text.s;
  if (!ledger_account_valid(account) && (x = violation_new(v, LEDGER_VIOLATION_BAD_ENTRY))) {
    x->account = *account;
    violation_say(x, "account %s is not a valid account", name);
  }
  if (recomputed->overflow) {
    if ((x = violation_new(v, LEDGER_VIOLATION_OVERFLOW))) {
      x->account = *account;
      violation_say(x, "account %s: its entries overflow int64 when summed", name);
    }
    return;
  }
  int64_t balance = recomputed->balance_minor;
  if (cached_minor != balance && (x = violation_new(v, LEDGER_VIOLATION_CACHE_MISMATCH))) {
    x->account = *account;
    violation_say(x, "account %s: cached balance %s differs from recomputed %s", name,
                  amount_text(cached_minor, account->currency).s, amount_text(balance, account->currency).s);
  }
  if (account->kind != LEDGER_CLEARING && balance < 0 &&
      (x = violation_new(v, LEDGER_VIOLATION_NEGATIVE_BALANCE))) {
    x->account = *account;
    violation_say(x, "account %s: balance %s is negative", name, amount_text(balance, account->currency).s);
  }
}

void ledger_verify_order(struct ledger_verify *v, const struct ledger_order_summary *order,
                         int64_t escrow_balance_minor) {
  enum currency c = order->currency;
  int64_t expected;
  bool counters_ok = order->paid_minor >= 0 && order->refunded_minor >= 0 && order->released_minor >= 0;
  bool computed = money_sub(order->paid_minor, order->refunded_minor, &expected) == HT_OK &&
                  money_sub(expected, order->released_minor, &expected) == HT_OK;
  struct ledger_violation *x;
  if (!computed || !counters_ok || expected < 0) {
    if (!(x = violation_new(v, computed ? LEDGER_VIOLATION_ESCROW_NEGATIVE : LEDGER_VIOLATION_OVERFLOW)))
      return;
    x->order_id = order->order_id;
    violation_say(x, "order %" PRIu64 ": paid %s - refunded %s - released %s %s is negative or overflows",
                  order->order_id, amount_text(order->paid_minor, c).s,
                  amount_text(order->refunded_minor, c).s, amount_text(order->released_minor, c).s,
                  currency_code(c));
    return;
  }
  if (escrow_balance_minor != expected && (x = violation_new(v, LEDGER_VIOLATION_ESCROW_MISMATCH))) {
    x->order_id = order->order_id;
    violation_say(x, "order %" PRIu64 ": escrow holds %s %s but paid - refunded - released = %s",
                  order->order_id, amount_text(escrow_balance_minor, c).s, currency_code(c),
                  amount_text(expected, c).s);
  }
}

void ledger_verify_finish(struct ledger_verify *v) {
  ledger_verify_txn_end(v);
  for (int c = 0; c < CURRENCY_COUNT; c++) report_sum(v, &v->total[c], (enum currency)c, true);
}
