/* Property test for the money core: a seeded PRNG drives thousands of random sequences of
 * orders, payment attempts (with timeouts, duplicate and late notifications, stray amounts,
 * buyers paying twice), ships, confirms, refund requests, approvals and refusals, disputes,
 * timer sweeps at random times (run twice, as after a restart), racing requests on one order,
 * refund and payout answers, and payouts — against an in-memory store that performs the
 * effects exactly as the real store must. After every step the ledger verifier runs over the
 * whole ledger, and the store's own bookkeeping (stock, refund and payout records, fees,
 * merchant totals) is checked against it. A failure prints the seed and step; run one seed
 * again with HUTONG_PROPERTY_SEED=N (and HUTONG_PROPERTY_TRACE=1 to see every step). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/channel_call.h"
#include "core/escrow.h"
#include "core/ledger.h"
#include "core/settlement.h"
#include "core/status.h"

/* Sizes of one simulated world: small enough to be checked in full after every step, big
 * enough for two merchants to share channels and for orders to interleave. */
#define SEQUENCES      2000
#define STEPS          120
#define PRODUCTS       3
#define MERCHANTS      2
#define CHANNELS       2
#define ORDERS_MAX     8
#define PAYMENTS_MAX   64
#define REFUNDS_MAX    96
#define PAYOUTS_MAX    64
#define POSTINGS_MAX   1024
#define ACCOUNTS_MAX   64
#define VIOLATIONS_MAX 8
#define T_START        INT64_C(1700000000000)

enum truth { TRUTH_OPEN, TRUTH_DONE, TRUTH_REFUSED }; /* what the channel will say, once decided */

struct channel_record { /* a payment attempt, a refund or a payout, as the store keeps it */
  uint64_t owner;       /* order index + 1 for payments and refunds, merchant id for payouts */
  uint64_t channel_id;
  int64_t amount_minor;
  enum channel_call_status status;
  enum truth truth;
  bool money_moved;
};

struct product {
  uint64_t merchant_id;
  enum delivery_kind delivery;
  int64_t price_minor, stock, stock_initial;
};

/* What all sequences together reached. The test fails when the driver stops reaching a legal
 * transition or one of the paths that matter (late payments, races, answers of every kind). */
struct coverage {
  unsigned long pairs[ESCROW_STATE_COUNT][ESCROW_EVENT_COUNT]; /* applied (state, event) */
  unsigned long moves[ESCROW_STATE_COUNT][ESCROW_STATE_COUNT]; /* state → next state */
  unsigned long stray_payments, races, refunds_settled, payouts_paid, payouts_failed, batches;
};

struct world {
  struct coverage *cov;
  uint64_t seed, rng;
  int step;
  bool trace;
  int64_t now_ms;
  struct escrow_policy policy;
  struct payout_policy payout_policy;
  struct product products[PRODUCTS];
  struct escrow_order orders[ORDERS_MAX];
  size_t order_product[ORDERS_MAX];
  size_t order_count;
  struct channel_record payments[PAYMENTS_MAX], refunds[REFUNDS_MAX], payouts[PAYOUTS_MAX];
  size_t payment_count, refund_count, payout_count;
  struct ledger_posting postings[POSTINGS_MAX];
  size_t posting_count;
  struct ledger_account accounts[ACCOUNTS_MAX];
  int64_t cached_minor[ACCOUNTS_MAX]; /* the store's cached balances, updated with each posting */
  size_t account_count;
  unsigned releases[ORDERS_MAX];
};

#define CHECK(w, cond, ...)                                                                                  \
  do {                                                                                                       \
    if (!(cond)) {                                                                                           \
      fprintf(stderr, "property failed: seed %" PRIu64 " step %d: ", (w)->seed, (w)->step);                  \
      fprintf(stderr, __VA_ARGS__);                                                                          \
      fprintf(stderr, "\n  (%s)\n", #cond);                                                                  \
      fail();                                                                                                \
    }                                                                                                        \
  } while (0)

static void trace(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(struct world *w, const char *fmt, ...) {
  if (!w->trace) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[%d] ", w->step);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* splitmix64: tiny, seedable, good enough to pick test actions. */
static uint64_t rnd(struct world *w) {
  uint64_t z = (w->rng += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static int64_t rnd_below(struct world *w, int64_t n) { return n <= 0 ? 0 : (int64_t)(rnd(w) % (uint64_t)n); }
static bool chance(struct world *w, int percent) { return rnd_below(w, 100) < percent; }

/* ---- the store: ledger with cached balances, stock, records ---- */

static size_t account_index(struct world *w, const struct ledger_account *a) {
  for (size_t i = 0; i < w->account_count; i++)
    if (ledger_account_eq(&w->accounts[i], a)) return i;
  CHECK(w, w->account_count < ACCOUNTS_MAX, "too many accounts");
  w->accounts[w->account_count] = *a;
  w->cached_minor[w->account_count] = 0;
  return w->account_count++;
}

static int64_t cached_balance(struct world *w, enum ledger_account_kind kind, uint64_t owner) {
  struct ledger_account a = {kind, owner, CURRENCY_CNY};
  return w->cached_minor[account_index(w, &a)];
}

/* Appends a posting and updates the cached balances, as one database transaction would. */
static void post(struct world *w, const struct ledger_posting *p) {
  CHECK(w, w->posting_count < POSTINGS_MAX, "ledger full");
  w->postings[w->posting_count++] = *p;
  for (size_t i = 0; i < p->entry_count; i++) {
    size_t a = account_index(w, &p->entries[i].account);
    w->cached_minor[a] += p->entries[i].amount_minor;
  }
  if (p->kind == LEDGER_ESCROW_RELEASED) w->releases[p->entries[0].account.owner_id - 1]++;
  trace(w, "  post %s", ledger_posting_kind_name(p->kind));
}

static struct channel_record *new_record(struct world *w, struct channel_record *list, size_t *count,
                                         size_t max) {
  CHECK(w, *count < max, "too many records");
  struct channel_record *r = &list[(*count)++];
  memset(r, 0, sizeof *r);
  r->status = CHANNEL_CALL_PENDING;
  return r;
}

/* The channel closes an order's open payment attempts; sometimes the close call fails and
 * the buyer can still pay (a late payment). */
static void close_open_payments(struct world *w, size_t order) {
  for (size_t i = 0; i < w->payment_count; i++) {
    struct channel_record *p = &w->payments[i];
    if (p->owner == order + 1 && p->truth == TRUTH_OPEN && chance(w, 70)) p->truth = TRUTH_REFUSED;
  }
}

/* Performs an applied event's effects and stores the row: one transaction in the real store. */
static void store_order(struct world *w, size_t order, const struct escrow_order *next,
                        const struct escrow_effects *fx) {
  CHECK(w, fx->outcome == ESCROW_APPLIED, "storing an unchanged order");
  for (size_t i = 0; i < fx->posting_count; i++) post(w, &fx->postings[i]);
  struct product *prod = &w->products[w->order_product[order]];
  if (fx->stock == ESCROW_STOCK_RESERVE) prod->stock -= next->quantity;
  if (fx->stock == ESCROW_STOCK_RELEASE) prod->stock += next->quantity;
  CHECK(w, prod->stock >= 0, "stock went negative");
  if (fx->refund_call_needed) {
    struct channel_record *r = new_record(w, w->refunds, &w->refund_count, REFUNDS_MAX);
    r->owner = order + 1;
    r->channel_id = fx->refund_call.channel_id;
    r->amount_minor = fx->refund_call.amount_minor;
  }
  if (fx->close_open_payments) close_open_payments(w, order);
  w->orders[order] = *next;
}

/* True when the event's amount (if it has one) passes validation, so only the state decides. */
static bool amount_valid(const struct escrow_event *ev) {
  switch (ev->kind) {
  case ESCROW_EV_PAY_SUCCEEDED:
  case ESCROW_EV_REQUEST_REFUND:
  case ESCROW_EV_APPROVE_REFUND: return money_amount_valid(ev->amount_minor);
  case ESCROW_EV_RESOLVE_DISPUTE: return ev->amount_minor >= 0 && ev->amount_minor <= AMOUNT_MINOR_MAX;
  default: return true;
  }
}

/* Applies an event to an order as a request handler would; returns escrow_apply's status. */
static int apply_event(struct world *w, size_t order, const struct escrow_event *ev) {
  const struct escrow_order *o = &w->orders[order];
  struct escrow_order next;
  struct escrow_effects fx;
  int rc = escrow_apply(o, ev, w->now_ms, &w->policy, &next, &fx);
  trace(w, "order %zu %s %s amount %" PRId64 " -> rc %d %s", order, escrow_state_name(o->state),
        escrow_event_name(ev->kind), ev->amount_minor, rc, rc == HT_OK ? escrow_state_name(next.state) : "");
  CHECK(w, rc == HT_OK || rc == HT_ECONFLICT || rc == HT_ERANGE, "unexpected status %d", rc);
  if (rc == HT_OK) CHECK(w, escrow_event_allowed(o->state, ev->kind), "applied an illegal event");
  if (!escrow_event_allowed(o->state, ev->kind) && amount_valid(ev))
    CHECK(w, rc == HT_ECONFLICT, "illegal not 409");
  if (rc != HT_OK) return rc;
  if (fx.outcome == ESCROW_APPLIED) {
    if (ev->kind == ESCROW_EV_TIMER_DUE)
      CHECK(w, o->deadline_ms <= w->now_ms, "a timer fired before its deadline");
    w->cov->pairs[o->state][ev->kind]++;
    w->cov->moves[o->state][next.state]++;
    if (ev->kind == ESCROW_EV_PAY_SUCCEEDED && fx.posting_count == 2) w->cov->stray_payments++;
    store_order(w, order, &next, &fx);
  } else
    CHECK(w, next.version == o->version && fx.posting_count == 0, "nothing-to-do changed something");
  return rc;
}

/* ---- actions ---- */

static void act_open_order(struct world *w) {
  if (w->order_count == ORDERS_MAX) return;
  size_t pi = (size_t)rnd_below(w, PRODUCTS);
  struct product *prod = &w->products[pi];
  size_t i = w->order_count;
  struct escrow_order_params params = {i + 1,          prod->merchant_id, CURRENCY_CNY,
                                       prod->delivery, prod->price_minor, (uint32_t)(1 + rnd_below(w, 3)),
                                       prod->stock};
  struct escrow_effects fx;
  int rc = escrow_order_open(&params, w->now_ms, &w->policy, &w->orders[i], &fx);
  trace(w, "open order %zu product %zu qty %u stock %" PRId64 " -> %d", i, pi, params.quantity, prod->stock,
        rc);
  if (params.quantity > prod->stock) {
    CHECK(w, rc == HT_ECONFLICT, "sold beyond stock");
    return;
  }
  CHECK(w, rc == HT_OK && fx.stock == ESCROW_STOCK_RESERVE, "open failed: %d", rc);
  w->order_product[i] = pi;
  prod->stock -= params.quantity;
  w->order_count++;
}

static void act_start_payment(struct world *w) {
  if (w->order_count == 0) return;
  size_t i = (size_t)rnd_below(w, (int64_t)w->order_count);
  const struct escrow_order *o = &w->orders[i];
  /* Mostly unpaid orders; sometimes a stale tab on a paid one (the buyer pays twice). */
  if (o->state != ESCROW_PENDING_PAYMENT && !chance(w, 15)) return;
  struct channel_record *p = new_record(w, w->payments, &w->payment_count, PAYMENTS_MAX);
  p->owner = i + 1;
  p->channel_id = 1 + (uint64_t)rnd_below(w, CHANNELS);
  p->amount_minor = chance(w, 90) ? o->total_minor : 1 + rnd_below(w, o->total_minor + 100);
  trace(w, "payment %zu for order %zu amount %" PRId64, w->payment_count, i, p->amount_minor);
}

/* What the channel answers for a record, staying consistent with what it said before. */
static enum channel_outcome channel_answer(struct world *w, struct channel_record *r, int done_percent) {
  if (r->truth == TRUTH_OPEN) {
    int64_t roll = rnd_below(w, 100);
    if (roll < done_percent)
      r->truth = TRUTH_DONE;
    else if (roll < done_percent + 10)
      r->truth = TRUTH_REFUSED;
    else
      return roll % 2 ? CHANNEL_OUTCOME_TIMEOUT : CHANNEL_OUTCOME_IN_PROGRESS;
  }
  if (chance(w, 20)) return CHANNEL_OUTCOME_TIMEOUT; /* a reconciliation query that timed out */
  return r->truth == TRUTH_DONE ? CHANNEL_OUTCOME_SUCCEEDED : CHANNEL_OUTCOME_FAILED;
}

/* A record to answer: usually one still waiting; sometimes any (duplicates, stale answers). */
static size_t pick_record(struct world *w, const struct channel_record *list, size_t count) {
  size_t k = (size_t)rnd_below(w, (int64_t)count);
  if (chance(w, 25)) return k;
  for (size_t tries = 0; tries < count; tries++, k = (k + 1) % count)
    if (list[k].status == CHANNEL_CALL_PENDING || list[k].status == CHANNEL_CALL_UNKNOWN) break;
  return k;
}

static void act_payment_answer(struct world *w) {
  if (w->payment_count == 0) return;
  size_t k = pick_record(w, w->payments, w->payment_count);
  struct channel_record *p = &w->payments[k];
  enum channel_outcome outcome = channel_answer(w, p, 50);
  enum channel_call_change change;
  int rc = channel_call_apply(p->status, outcome, &p->status, &change);
  CHECK(w, rc == HT_OK, "payment answer conflict");
  trace(w, "payment %zu answer %s -> %s", k + 1, channel_outcome_name(outcome),
        channel_call_status_name(p->status));
  if (change != CHANNEL_CHANGE_SUCCEEDED) return;
  size_t i = p->owner - 1;
  struct escrow_event ev = {.kind = ESCROW_EV_PAY_SUCCEEDED,
                            .amount_minor = p->amount_minor,
                            .payment_id = k + 1,
                            .channel_id = p->channel_id,
                            .currency = CURRENCY_CNY,
                            .stock_available = w->products[w->order_product[i]].stock};
  CHECK(w, apply_event(w, i, &ev) == HT_OK, "a payment notification was refused");
  p->money_moved = true;
}

/* The captured payment's notification again, straight to the order: nothing to do. */
static void act_duplicate_notification(struct world *w) {
  if (w->order_count == 0) return;
  size_t i = (size_t)rnd_below(w, (int64_t)w->order_count);
  const struct escrow_order *o = &w->orders[i];
  if (o->payment_id == 0) return;
  struct escrow_event ev = {.kind = ESCROW_EV_PAY_SUCCEEDED,
                            .amount_minor = o->total_minor,
                            .payment_id = o->payment_id,
                            .channel_id = o->channel_id,
                            .currency = CURRENCY_CNY};
  uint64_t version = o->version;
  CHECK(w, apply_event(w, i, &ev) == HT_OK && w->orders[i].version == version, "duplicate changed the order");
}

/* Events that are usually legal in each state, so that sequences go deep; one in five
 * events is drawn from all kinds instead, mostly illegal ones. */
static enum escrow_event_kind likely_event(struct world *w, enum escrow_state state) {
  static const enum escrow_event_kind paid[] = {ESCROW_EV_SHIP,           ESCROW_EV_SHIP,
                                                ESCROW_EV_SHIP,           ESCROW_EV_REQUEST_REFUND,
                                                ESCROW_EV_APPROVE_REFUND, ESCROW_EV_OPEN_DISPUTE};
  static const enum escrow_event_kind shipped[] = {ESCROW_EV_CONFIRM,        ESCROW_EV_CONFIRM,
                                                   ESCROW_EV_REQUEST_REFUND, ESCROW_EV_REQUEST_REFUND,
                                                   ESCROW_EV_APPROVE_REFUND, ESCROW_EV_OPEN_DISPUTE};
  static const enum escrow_event_kind requested[] = {ESCROW_EV_WITHDRAW_REFUND, ESCROW_EV_APPROVE_REFUND,
                                                     ESCROW_EV_APPROVE_REFUND, ESCROW_EV_REFUSE_REFUND,
                                                     ESCROW_EV_OPEN_DISPUTE};
#define PICK(list) list[rnd_below(w, sizeof list / sizeof list[0])]
  switch (state) {
  case ESCROW_PENDING_PAYMENT: return ESCROW_EV_CANCEL;
  case ESCROW_PAID: return PICK(paid);
  case ESCROW_SHIPPED: return PICK(shipped);
  case ESCROW_REFUND_REQUESTED: return PICK(requested);
  case ESCROW_DISPUTED: return ESCROW_EV_RESOLVE_DISPUTE;
  default: return (enum escrow_event_kind)rnd_below(w, ESCROW_EVENT_COUNT);
  }
#undef PICK
}

static struct escrow_event random_order_event(struct world *w, const struct escrow_order *o) {
  struct escrow_event ev = {.kind = likely_event(w, o->state)};
  if (chance(w, 20)) ev.kind = (enum escrow_event_kind)rnd_below(w, ESCROW_EVENT_COUNT);
  if (ev.kind == ESCROW_EV_PAY_SUCCEEDED) ev.kind = ESCROW_EV_TIMER_DUE; /* payments come from records */
  int64_t remaining = escrow_order_remaining_minor(o);
  switch (rnd_below(w, 5)) { /* amounts: exactly what remains, one more, zero to two, or a part */
  case 0: ev.amount_minor = remaining; break;
  case 1: ev.amount_minor = remaining + 1; break;
  case 2: ev.amount_minor = rnd_below(w, 3); break;
  default: ev.amount_minor = 1 + rnd_below(w, remaining > 0 ? remaining : 1); break;
  }
  if (ev.kind == ESCROW_EV_SHIP) {
    ev.carrier = STR_LIT("SF");
    ev.tracking_number = STR_LIT("SF1234567890");
  }
  return ev;
}

static void act_order_event(struct world *w) {
  if (w->order_count == 0) return;
  size_t i = (size_t)rnd_below(w, (int64_t)w->order_count);
  struct escrow_event ev = random_order_event(w, &w->orders[i]);
  apply_event(w, i, &ev);
}

/* The scheduler: every order whose deadline has passed gets TIMER_DUE; the sweep runs twice,
 * as when a node restarts mid-sweep or two nodes race, and the second changes nothing. */
static void act_timer_sweep(struct world *w) {
  for (int round = 0; round < 2; round++) {
    for (size_t i = 0; i < w->order_count; i++) {
      const struct escrow_order *o = &w->orders[i];
      if (o->deadline_ms == 0 || o->deadline_ms > w->now_ms) continue;
      CHECK(w, round == 0, "a due timer survived its own firing");
      struct escrow_event ev = {.kind = ESCROW_EV_TIMER_DUE};
      uint64_t version = o->version;
      CHECK(w, apply_event(w, i, &ev) == HT_OK && w->orders[i].version == version + 1,
            "due timer did nothing");
    }
  }
}

static void act_advance_time(struct world *w) {
  static const int64_t units[] = {1, MS_PER_MINUTE, MS_PER_HOUR, MS_PER_DAY};
  w->now_ms += 1 + rnd_below(w, 6) * units[rnd_below(w, 4)];
}

/* Two requests read the same row; the first commit wins, the second reloads and retries. */
static void act_race(struct world *w) {
  if (w->order_count == 0) return;
  size_t i = (size_t)rnd_below(w, (int64_t)w->order_count);
  struct escrow_order read = w->orders[i];
  if (read.state != ESCROW_SHIPPED) return;
  struct escrow_event confirm = {.kind = ESCROW_EV_CONFIRM};
  struct escrow_event refund = {.kind = ESCROW_EV_APPROVE_REFUND,
                                .amount_minor = escrow_order_remaining_minor(&read)};
  bool confirm_first = chance(w, 50);
  const struct escrow_event *first = confirm_first ? &confirm : &refund,
                            *second = confirm_first ? &refund : &confirm;
  struct escrow_order next;
  struct escrow_effects fx;
  CHECK(w, escrow_apply(&read, second, w->now_ms, &w->policy, &next, &fx) == HT_OK,
        "race: second illegal alone");
  CHECK(w, apply_event(w, i, first) == HT_OK, "race: first refused");
  CHECK(w, w->orders[i].version != read.version, "race: first did not bump the version");
  /* The second's commit finds another version: it reloads, applies again, and loses. */
  CHECK(w, apply_event(w, i, second) == HT_ECONFLICT, "race: both won");
  w->cov->races++;
}

static void act_refund_answer(struct world *w) {
  if (w->refund_count == 0) return;
  struct channel_record *r = &w->refunds[pick_record(w, w->refunds, w->refund_count)];
  enum channel_outcome outcome = channel_answer(w, r, 70);
  enum channel_call_change change;
  CHECK(w, channel_call_apply(r->status, outcome, &r->status, &change) == HT_OK, "refund answer conflict");
  struct ledger_posting p;
  bool has;
  CHECK(w,
        refund_answer_posting(change, r->owner, r->channel_id, CURRENCY_CNY, r->amount_minor, &p, &has) ==
            HT_OK,
        "refund posting");
  if (has) post(w, &p);
  if (change == CHANNEL_CHANGE_SUCCEEDED) r->money_moved = true;
  if (change == CHANNEL_CHANGE_SUCCEEDED) w->cov->refunds_settled++;
}

static void request_payout(struct world *w, uint64_t merchant, int64_t amount) {
  struct ledger_posting p;
  CHECK(w, ledger_post_payout_requested(merchant, CURRENCY_CNY, amount, &p) == HT_OK, "payout posting");
  post(w, &p);
  struct channel_record *r = new_record(w, w->payouts, &w->payout_count, PAYOUTS_MAX);
  r->owner = merchant;
  r->channel_id = 1 + (uint64_t)rnd_below(w, CHANNELS);
  r->amount_minor = amount;
}

static void act_payout(struct world *w) {
  if (w->payout_count + MERCHANTS > PAYOUTS_MAX) return;
  if (chance(w, 50)) { /* the daily batch */
    for (uint64_t m = 1; m <= MERCHANTS; m++) {
      int64_t amount =
          payout_batch_amount(cached_balance(w, LEDGER_MERCHANT_AVAILABLE, m), &w->payout_policy);
      if (amount > 0) request_payout(w, m, amount);
    }
    w->cov->batches++;
    return;
  }
  uint64_t m = 1 + (uint64_t)rnd_below(w, MERCHANTS);
  int64_t available = cached_balance(w, LEDGER_MERCHANT_AVAILABLE, m);
  int64_t requested = rnd_below(w, available + 3);
  int rc = payout_request_check(available, requested);
  CHECK(w, rc == (requested < 1 ? HT_ERANGE : requested > available ? HT_ECONFLICT : HT_OK), "payout check");
  if (rc == HT_OK) request_payout(w, m, requested);
}

static void act_payout_answer(struct world *w) {
  if (w->payout_count == 0) return;
  struct channel_record *r = &w->payouts[pick_record(w, w->payouts, w->payout_count)];
  enum channel_outcome outcome = channel_answer(w, r, 70);
  enum channel_call_change change;
  CHECK(w, channel_call_apply(r->status, outcome, &r->status, &change) == HT_OK, "payout answer conflict");
  struct ledger_posting p;
  bool has;
  CHECK(w,
        payout_answer_posting(change, r->owner, r->channel_id, CURRENCY_CNY, r->amount_minor, &p, &has) ==
            HT_OK,
        "payout posting");
  if (has) post(w, &p);
  if (change == CHANNEL_CHANGE_SUCCEEDED) r->money_moved = true;
  if (change == CHANNEL_CHANGE_SUCCEEDED) w->cov->payouts_paid++;
  if (change == CHANNEL_CHANGE_FAILED) w->cov->payouts_failed++;
}

/* ---- invariants ---- */

static struct ledger_balance recompute(const struct world *w, const struct ledger_account *a) {
  struct ledger_balance b = {0, false};
  for (size_t i = 0; i < w->posting_count; i++)
    for (size_t e = 0; e < w->postings[i].entry_count; e++)
      if (ledger_account_eq(&w->postings[i].entries[e].account, a))
        ledger_balance_add(&b, w->postings[i].entries[e].amount_minor);
  return b;
}

/* What `hutong ledger verify` does, over the in-memory store. */
static void check_ledger(struct world *w) {
  struct ledger_violation found[VIOLATIONS_MAX];
  struct ledger_verify v;
  ledger_verify_init(&v, found, VIOLATIONS_MAX);
  for (size_t i = 0; i < w->posting_count; i++) ledger_verify_posting(&v, i + 1, &w->postings[i]);
  for (size_t a = 0; a < w->account_count; a++) {
    struct ledger_balance b = recompute(w, &w->accounts[a]);
    ledger_verify_account(&v, &w->accounts[a], &b, w->cached_minor[a]);
  }
  for (size_t i = 0; i < w->order_count; i++) {
    struct ledger_order_summary s = escrow_order_summary(&w->orders[i]);
    struct ledger_account escrow = {LEDGER_ESCROW, s.order_id, s.currency};
    ledger_verify_order(&v, &s, recompute(w, &escrow).balance_minor);
  }
  ledger_verify_finish(&v);
  for (size_t i = 0; i < v.violation_count && i < VIOLATIONS_MAX; i++)
    fprintf(stderr, "violation: %s\n", found[i].message);
  CHECK(w, ledger_verify_ok(&v), "%zu ledger violations", v.violation_count);
}

static void check_orders_and_stock(struct world *w) {
  int64_t held[PRODUCTS] = {0};
  for (size_t i = 0; i < w->order_count; i++) {
    const struct escrow_order *o = &w->orders[i];
    CHECK(w, escrow_order_check(o) == HT_OK, "order %zu inconsistent", i);
    CHECK(w, w->releases[i] == (o->state == ESCROW_COMPLETED ? 1u : 0u), "order %zu released %u times", i,
          w->releases[i]);
    if (escrow_order_holds_stock(o)) held[w->order_product[i]] += o->quantity;
  }
  for (size_t p = 0; p < PRODUCTS; p++)
    CHECK(w, w->products[p].stock + held[p] == w->products[p].stock_initial, "product %zu stock leaked", p);
}

/* The records agree with the ledger: every approved refund has a record, money moved exactly
 * for the records the channel confirmed, and nothing moved on an unknown outcome. */
static void check_records(struct world *w) {
  for (size_t i = 0; i < w->order_count; i++) {
    int64_t approved = 0, unsettled = 0;
    for (size_t k = 0; k < w->refund_count; k++) {
      if (w->refunds[k].owner != i + 1) continue;
      approved += w->refunds[k].amount_minor;
      if (!w->refunds[k].money_moved) unsettled += w->refunds[k].amount_minor;
    }
    CHECK(w, approved == w->orders[i].refunded_minor, "order %zu refund records", i);
    CHECK(w, unsettled == cached_balance(w, LEDGER_REFUNDS_PAYABLE, i + 1), "order %zu refunds payable", i);
  }
  const struct channel_record *lists[] = {w->payments, w->refunds, w->payouts};
  const size_t counts[] = {w->payment_count, w->refund_count, w->payout_count};
  for (size_t l = 0; l < 3; l++)
    for (size_t k = 0; k < counts[l]; k++)
      CHECK(w, lists[l][k].money_moved == (lists[l][k].status == CHANNEL_CALL_SUCCEEDED),
            "record moved on a guess");
}

/* End to end per merchant: everything released to it, minus fees, is available, in flight to
 * it, or paid out; the fees account holds exactly the orders' fees. */
static void check_settlement(struct world *w) {
  int64_t fees = 0, earned[MERCHANTS + 1] = {0}, out[MERCHANTS + 1] = {0}, in_flight[MERCHANTS + 1] = {0};
  for (size_t i = 0; i < w->order_count; i++) {
    fees += w->orders[i].fee_minor;
    earned[w->orders[i].merchant_id] += w->orders[i].released_minor - w->orders[i].fee_minor;
  }
  for (size_t k = 0; k < w->payout_count; k++) {
    const struct channel_record *r = &w->payouts[k];
    if (r->status == CHANNEL_CALL_SUCCEEDED)
      out[r->owner] += r->amount_minor;
    else if (r->status != CHANNEL_CALL_FAILED)
      in_flight[r->owner] += r->amount_minor;
  }
  struct ledger_account fee_account = {LEDGER_PLATFORM_FEES, 0, CURRENCY_CNY};
  CHECK(w, w->cached_minor[account_index(w, &fee_account)] == fees, "fees account");
  for (uint64_t m = 1; m <= MERCHANTS; m++) {
    int64_t available = cached_balance(w, LEDGER_MERCHANT_AVAILABLE, m);
    CHECK(w, in_flight[m] == cached_balance(w, LEDGER_PAYOUTS_PAYABLE, m), "merchant %" PRIu64 " payouts", m);
    CHECK(w, available + in_flight[m] + out[m] == earned[m], "merchant %" PRIu64 " totals", m);
  }
}

/* ---- driver ---- */

static void world_init(struct world *w, uint64_t seed, struct coverage *cov) {
  memset(w, 0, sizeof *w);
  w->cov = cov;
  w->seed = w->rng = seed;
  w->trace = getenv("HUTONG_PROPERTY_TRACE") != NULL;
  w->now_ms = T_START;
  escrow_policy_default(&w->policy);
  w->policy.fee_bps = (uint32_t)rnd_below(w, 1001); /* 0 to 10% */
  payout_policy_default(&w->payout_policy);
  for (size_t p = 0; p < PRODUCTS; p++) {
    w->products[p] = (struct product){1 + p % MERCHANTS, (enum delivery_kind)(p % DELIVERY_KIND_COUNT),
                                      1 + rnd_below(w, 20000), 0, 0};
    w->products[p].stock = w->products[p].stock_initial = rnd_below(w, 8);
  }
}

static void run_step(struct world *w) {
  static void (*const actions[])(struct world *) = {
      act_open_order,     act_open_order,     act_start_payment,  act_start_payment,
      act_payment_answer, act_payment_answer, act_payment_answer, act_duplicate_notification,
      act_order_event,    act_order_event,    act_order_event,    act_order_event,
      act_order_event,    act_timer_sweep,    act_advance_time,   act_advance_time,
      act_race,           act_refund_answer,  act_refund_answer,  act_payout,
      act_payout_answer,
  };
  actions[rnd_below(w, sizeof actions / sizeof actions[0])](w);
}

static void run_sequence(uint64_t seed, struct coverage *cov) {
  struct world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, seed, cov);
  for (w->step = 0; w->step < STEPS; w->step++) {
    run_step(w);
    check_ledger(w);
    check_orders_and_stock(w);
    check_records(w);
    check_settlement(w);
  }
  free(w);
}

/* Every legal (state, event) pair must have been applied somewhere, except timers in states
 * without a timer (always "nothing to do"), and the paths that matter must have run. */
static void check_coverage(const struct coverage *c) {
  for (int s = 0; s < ESCROW_STATE_COUNT; s++) {
    for (int e = 0; e < ESCROW_EVENT_COUNT; e++) {
      if (!escrow_event_allowed((enum escrow_state)s, (enum escrow_event_kind)e)) continue;
      bool timed = s == ESCROW_PENDING_PAYMENT || s == ESCROW_SHIPPED;
      if (e == ESCROW_EV_TIMER_DUE && !timed) continue;
      if (c->pairs[s][e] == 0)
        fail_msg("never applied %s in %s", escrow_event_name((enum escrow_event_kind)e),
                 escrow_state_name((enum escrow_state)s));
    }
  }
  assert_true(c->moves[ESCROW_CLOSED][ESCROW_PAID] > 0);     /* late payment, stock back */
  assert_true(c->moves[ESCROW_CLOSED][ESCROW_REFUNDED] > 0); /* late payment, no stock */
  assert_true(c->moves[ESCROW_REFUND_REQUESTED][ESCROW_REFUNDED] > 0);
  assert_true(c->moves[ESCROW_DISPUTED][ESCROW_REFUNDED] > 0);
  assert_true(c->moves[ESCROW_DISPUTED][ESCROW_PAID] > 0);
  assert_true(c->stray_payments > 0 && c->races > 0 && c->refunds_settled > 0);
  assert_true(c->payouts_paid > 0 && c->payouts_failed > 0 && c->batches > 0);
  fprintf(stderr,
          "coverage: %lu stray payments, %lu races, %lu refunds settled, %lu payouts paid, %lu failed\n",
          c->stray_payments, c->races, c->refunds_settled, c->payouts_paid, c->payouts_failed);
}

static void test_random_sequences(void **state) {
  (void)state;
  struct coverage *cov = calloc(1, sizeof *cov);
  assert_non_null(cov);
  const char *one = getenv("HUTONG_PROPERTY_SEED");
  if (one) {
    run_sequence(strtoull(one, NULL, 10), cov);
    free(cov);
    return;
  }
  for (uint64_t seed = 1; seed <= SEQUENCES; seed++) run_sequence(seed, cov);
  check_coverage(cov);
  free(cov);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_sequences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
