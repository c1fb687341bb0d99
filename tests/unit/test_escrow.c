/* Unit tests for core/escrow: every (state, event) pair as one table (legal ones with their
 * next state, illegal ones as invalid_state), then each transition's effects, the timers
 * (pause, resume, double firing), refunds on both sides of "what remains", late and stray
 * payments, the fee at release, concurrency through the version check, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/escrow.h"
#include "core/status.h"

#define T0            INT64_C(1700000000000) /* 2023-11-14T22:13:20Z */
#define ORDER         42
#define MERCHANT      7
#define CHANNEL       3
#define PAYMENT       1001
#define OTHER_PAYMENT 2002
#define PRICE         2500
#define QTY           2
#define TOTAL         (PRICE * QTY)

static struct escrow_policy policy_with_fee(uint32_t fee_bps) {
  struct escrow_policy p;
  escrow_policy_default(&p);
  p.fee_bps = fee_bps;
  return p;
}

static struct escrow_event simple(enum escrow_event_kind kind) { return (struct escrow_event){.kind = kind}; }

static struct escrow_event with_amount(enum escrow_event_kind kind, int64_t amount) {
  return (struct escrow_event){.kind = kind, .amount_minor = amount};
}

static struct escrow_event pay(uint64_t payment_id, int64_t amount) {
  return (struct escrow_event){.kind = ESCROW_EV_PAY_SUCCEEDED,
                               .amount_minor = amount,
                               .payment_id = payment_id,
                               .channel_id = CHANNEL,
                               .currency = CURRENCY_CNY,
                               .stock_available = 100};
}

static struct escrow_event ship(void) {
  return (struct escrow_event){
      .kind = ESCROW_EV_SHIP, .carrier = STR_LIT("SF"), .tracking_number = STR_LIT("SF1234567890")};
}

static struct escrow_order open_order(enum delivery_kind delivery, const struct escrow_policy *p) {
  struct escrow_order_params params = {ORDER, MERCHANT, CURRENCY_CNY, delivery, PRICE, QTY, 10};
  struct escrow_order o;
  struct escrow_effects fx;
  assert_int_equal(escrow_order_open(&params, T0, p, &o, &fx), HT_OK);
  return o;
}

/* Applies an event that must change the order; returns the next row. */
static struct escrow_order step(const struct escrow_order *o, struct escrow_event ev, int64_t now,
                                const struct escrow_policy *p, struct escrow_effects *fx) {
  struct escrow_order next;
  int rc = escrow_apply(o, &ev, now, p, &next, fx);
  if (rc != HT_OK || fx->outcome != ESCROW_APPLIED)
    fail_msg("%s in %s: rc %d outcome %d", escrow_event_name(ev.kind), escrow_state_name(o->state), rc,
             fx->outcome);
  assert_true(next.version == o->version + 1);
  return next;
}

/* Field by field: struct padding is not part of a row. */
static void assert_same_order(const struct escrow_order *a, const struct escrow_order *b) {
  assert_true(a->order_id == b->order_id && a->merchant_id == b->merchant_id && a->currency == b->currency);
  assert_true(a->delivery == b->delivery && a->quantity == b->quantity && a->fee_bps == b->fee_bps);
  assert_true(a->total_minor == b->total_minor && a->state == b->state && a->version == b->version);
  assert_true(a->shipped == b->shipped && a->payment_id == b->payment_id && a->channel_id == b->channel_id);
  assert_true(a->paid_minor == b->paid_minor && a->refunded_minor == b->refunded_minor);
  assert_true(a->released_minor == b->released_minor && a->fee_minor == b->fee_minor);
  assert_true(a->refund_requested_minor == b->refund_requested_minor && a->deadline_ms == b->deadline_ms);
  assert_true(a->clock_remaining_ms == b->clock_remaining_ms);
}

/* Applies an event that must be "nothing to do". */
static void nothing(const struct escrow_order *o, struct escrow_event ev, int64_t now,
                    const struct escrow_policy *p) {
  struct escrow_order next;
  struct escrow_effects fx;
  assert_int_equal(escrow_apply(o, &ev, now, p, &next, &fx), HT_OK);
  assert_int_equal(fx.outcome, ESCROW_NOTHING_TO_DO);
  assert_int_equal(fx.posting_count, 0);
  assert_false(fx.refund_call_needed);
  assert_int_equal(fx.stock, ESCROW_STOCK_KEEP);
  assert_same_order(&next, o);
}

/* Applies an event that must fail with `want`; checks nothing was written. */
static void refused(const struct escrow_order *o, struct escrow_event ev, int64_t now,
                    const struct escrow_policy *p, int want) {
  struct escrow_order next;
  memset(&next, 0xab, sizeof next);
  struct escrow_order untouched = next;
  struct escrow_effects fx;
  int rc = escrow_apply(o, &ev, now, p, &next, &fx);
  if (rc != want)
    fail_msg("%s in %s: rc %d, want %d", escrow_event_name(ev.kind), escrow_state_name(o->state), rc, want);
  assert_memory_equal(&next, &untouched, sizeof next);
  assert_int_equal(fx.posting_count, 0);
  assert_false(fx.refund_call_needed);
}

/* Fixture times: each state's order was last changed at fixture_ms[state]. */
#define AT_PAY   (T0 + MS_PER_MINUTE)
#define AT_SHIP  (T0 + MS_PER_HOUR)
#define AT_LATER (T0 + 2 * MS_PER_DAY)

/* An order in `state`, reached through the legal path; `*now` is when it got there. */
static struct escrow_order order_in(enum escrow_state state, int64_t *now) {
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  struct escrow_order o = open_order(DELIVERY_PHYSICAL, &p);
  *now = T0;
  if (state == ESCROW_PENDING_PAYMENT) return o;
  if (state == ESCROW_CLOSED) return step(&o, simple(ESCROW_EV_CANCEL), *now = T0 + 1, &p, &fx);
  o = step(&o, pay(PAYMENT, TOTAL), *now = AT_PAY, &p, &fx);
  if (state == ESCROW_PAID) return o;
  if (state == ESCROW_REFUNDED)
    return step(&o, with_amount(ESCROW_EV_APPROVE_REFUND, TOTAL), *now = AT_SHIP, &p, &fx);
  o = step(&o, ship(), *now = AT_SHIP, &p, &fx);
  if (state == ESCROW_SHIPPED) return o;
  *now = AT_LATER;
  if (state == ESCROW_REFUND_REQUESTED)
    return step(&o, with_amount(ESCROW_EV_REQUEST_REFUND, 1000), *now, &p, &fx);
  if (state == ESCROW_DISPUTED) return step(&o, simple(ESCROW_EV_OPEN_DISPUTE), *now, &p, &fx);
  assert_int_equal(state, ESCROW_COMPLETED);
  return step(&o, simple(ESCROW_EV_CONFIRM), *now, &p, &fx);
}

/* A typical valid event of each kind. */
static struct escrow_event typical(enum escrow_event_kind kind) {
  switch (kind) {
  case ESCROW_EV_PAY_SUCCEEDED: return pay(OTHER_PAYMENT, TOTAL);
  case ESCROW_EV_SHIP: return ship();
  case ESCROW_EV_REQUEST_REFUND:
  case ESCROW_EV_APPROVE_REFUND: return with_amount(kind, 1);
  default: return simple(kind);
  }
}

#define X (-1) /* invalid_state */
#define N (-2) /* nothing to do */
enum { PP, PD, SH, RR, DI, CO, RF, CL };

/* Rows: states in enum order. Columns: events in enum order. Entry: the next state, X for
 * invalid_state (409), N for nothing to do. Written out independently of escrow.c's table. */
static const int transitions[ESCROW_STATE_COUNT][ESCROW_EVENT_COUNT] = {
    /*            pay cancel ship confirm timer request withdraw approve refuse dispute resolve */
    [ESCROW_PENDING_PAYMENT] = {PD, CL, X, X, N, X, X, X, X, X, X},
    [ESCROW_PAID] = {PD, X, SH, X, N, RR, X, PD, X, DI, X},
    [ESCROW_SHIPPED] = {SH, X, X, CO, N, RR, X, SH, X, DI, X},
    [ESCROW_REFUND_REQUESTED] = {RR, X, X, X, N, X, SH, SH, SH, DI, X},
    [ESCROW_DISPUTED] = {DI, X, X, X, N, X, X, X, X, X, SH},
    [ESCROW_COMPLETED] = {CO, X, X, X, N, X, X, X, X, X, X},
    [ESCROW_REFUNDED] = {RF, X, X, X, N, X, X, X, X, X, X},
    [ESCROW_CLOSED] = {PD, X, X, X, N, X, X, X, X, X, X},
};

static void test_transition_table(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  int checked = 0;
  for (int s = 0; s < ESCROW_STATE_COUNT; s++) {
    int64_t at;
    struct escrow_order o = order_in((enum escrow_state)s, &at);
    assert_int_equal(o.state, s);
    for (int e = 0; e < ESCROW_EVENT_COUNT; e++) {
      struct escrow_event ev = typical((enum escrow_event_kind)e);
      int want = transitions[s][e];
      assert_int_equal(escrow_event_allowed((enum escrow_state)s, (enum escrow_event_kind)e), want != X);
      if (want == X)
        refused(&o, ev, at + 1, &p, HT_ECONFLICT);
      else if (want == N)
        nothing(&o, ev, at + 1, &p);
      else {
        struct escrow_effects fx;
        struct escrow_order next = step(&o, ev, at + 1, &p, &fx);
        if ((int)next.state != want)
          fail_msg("%s in %s gave %s", escrow_event_name(ev.kind), escrow_state_name(o.state),
                   escrow_state_name(next.state));
        assert_int_equal(escrow_order_check(&next), HT_OK);
      }
      checked++;
    }
  }
  assert_int_equal(checked, ESCROW_STATE_COUNT * ESCROW_EVENT_COUNT);
  assert_false(escrow_event_allowed(ESCROW_STATE_COUNT, ESCROW_EV_PAY_SUCCEEDED));
  assert_false(escrow_event_allowed(ESCROW_PAID, ESCROW_EVENT_COUNT));
}

static void test_open_order(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(250);
  struct escrow_order_params params = {ORDER, MERCHANT, CURRENCY_CNY, DELIVERY_PHYSICAL, PRICE, QTY, QTY};
  struct escrow_order o;
  struct escrow_effects fx;
  assert_int_equal(escrow_order_open(&params, T0, &p, &o, &fx), HT_OK); /* quantity == stock */
  assert_int_equal(o.state, ESCROW_PENDING_PAYMENT);
  assert_int_equal(o.total_minor, TOTAL);
  assert_int_equal(o.fee_bps, 250);
  assert_true(o.deadline_ms == T0 + ESCROW_UNPAID_CLOSE_MS_DEFAULT);
  assert_int_equal(fx.outcome, ESCROW_APPLIED);
  assert_int_equal(fx.stock, ESCROW_STOCK_RESERVE);
  assert_true(escrow_order_holds_stock(&o));
  params.stock_available = QTY - 1; /* quantities beyond stock */
  assert_int_equal(escrow_order_open(&params, T0, &p, &o, &fx), HT_ECONFLICT);
}

static void test_open_order_limits(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_order_params ok = {ORDER, MERCHANT, CURRENCY_CNY, DELIVERY_PHYSICAL, PRICE, QTY, 100000};
  struct escrow_order o;
  struct escrow_effects fx;
  struct escrow_order_params q = ok;
#define OPEN_RC(field, value, want)                                                                          \
  do {                                                                                                       \
    q = ok;                                                                                                  \
    q.field = value;                                                                                         \
    assert_int_equal(escrow_order_open(&q, T0, &p, &o, &fx), want);                                          \
  } while (0)
  OPEN_RC(quantity, ESCROW_QUANTITY_MAX, HT_OK);
  OPEN_RC(quantity, ESCROW_QUANTITY_MAX + 1, HT_ERANGE);
  OPEN_RC(quantity, 1, HT_OK);
  OPEN_RC(quantity, 0, HT_ERANGE);
  OPEN_RC(unit_price_minor, 1, HT_OK);
  OPEN_RC(unit_price_minor, 0, HT_ERANGE);
  OPEN_RC(unit_price_minor, -100, HT_ERANGE);
  OPEN_RC(unit_price_minor, AMOUNT_MINOR_MAX / QTY, HT_OK);
  OPEN_RC(unit_price_minor, AMOUNT_MINOR_MAX / QTY + 1, HT_ERANGE); /* the total is too big */
  OPEN_RC(unit_price_minor, INT64_MAX, HT_ERANGE);
  OPEN_RC(order_id, 0, HT_EINVAL);
  OPEN_RC(merchant_id, 0, HT_EINVAL);
  OPEN_RC(currency, CURRENCY_COUNT, HT_EINVAL);
  OPEN_RC(delivery, DELIVERY_KIND_COUNT, HT_EINVAL);
  OPEN_RC(stock_available, -1, HT_EINVAL);
#undef OPEN_RC
  assert_int_equal(escrow_order_open(&ok, 0, &p, &o, &fx), HT_EINVAL);
  assert_int_equal(escrow_order_open(&ok, ESCROW_TIME_MS_MAX, &p, &o, &fx), HT_OK);
  assert_int_equal(escrow_order_open(&ok, ESCROW_TIME_MS_MAX + 1, &p, &o, &fx), HT_EINVAL);
  p.fee_bps = FEE_BPS_MAX + 1;
  assert_int_equal(escrow_order_open(&ok, T0, &p, &o, &fx), HT_EINVAL);
}

static void test_policy_bounds(void **state) {
  (void)state;
  struct escrow_policy p;
  escrow_policy_default(&p);
  assert_int_equal(escrow_policy_check(&p), HT_OK);
  assert_true(p.unpaid_close_ms == 15 * MS_PER_MINUTE);
  assert_true(p.auto_confirm_ms[DELIVERY_PHYSICAL] == 10 * MS_PER_DAY);
  assert_true(p.auto_confirm_ms[DELIVERY_VIRTUAL] == 3 * MS_PER_DAY);
  assert_true(p.auto_confirm_ms[DELIVERY_AUTO] == 24 * MS_PER_HOUR);
  struct escrow_policy q = p;
  q.unpaid_close_ms = ESCROW_UNPAID_CLOSE_MS_MIN;
  assert_int_equal(escrow_policy_check(&q), HT_OK);
  q.unpaid_close_ms = ESCROW_UNPAID_CLOSE_MS_MIN - 1;
  assert_int_equal(escrow_policy_check(&q), HT_ERANGE);
  q.unpaid_close_ms = ESCROW_UNPAID_CLOSE_MS_MAX;
  assert_int_equal(escrow_policy_check(&q), HT_OK);
  q.unpaid_close_ms = ESCROW_UNPAID_CLOSE_MS_MAX + 1;
  assert_int_equal(escrow_policy_check(&q), HT_ERANGE);
  q = p;
  q.auto_confirm_ms[DELIVERY_AUTO] = ESCROW_AUTO_CONFIRM_MS_MIN;
  assert_int_equal(escrow_policy_check(&q), HT_OK);
  q.auto_confirm_ms[DELIVERY_AUTO] = ESCROW_AUTO_CONFIRM_MS_MIN - 1;
  assert_int_equal(escrow_policy_check(&q), HT_ERANGE);
  q.auto_confirm_ms[DELIVERY_AUTO] = ESCROW_AUTO_CONFIRM_MS_MAX;
  assert_int_equal(escrow_policy_check(&q), HT_OK);
  q.auto_confirm_ms[DELIVERY_AUTO] = ESCROW_AUTO_CONFIRM_MS_MAX + 1;
  assert_int_equal(escrow_policy_check(&q), HT_ERANGE);
  q = p;
  q.fee_bps = FEE_BPS_MAX;
  assert_int_equal(escrow_policy_check(&q), HT_OK);
  q.fee_bps = FEE_BPS_MAX + 1;
  assert_int_equal(escrow_policy_check(&q), HT_ERANGE);
}

static void test_pay_captures_into_escrow(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  struct escrow_order o = open_order(DELIVERY_PHYSICAL, &p);
  struct escrow_order paid = step(&o, pay(PAYMENT, TOTAL), AT_PAY, &p, &fx);
  assert_int_equal(paid.state, ESCROW_PAID);
  assert_int_equal(paid.paid_minor, TOTAL);
  assert_int_equal(paid.payment_id, PAYMENT);
  assert_int_equal(paid.channel_id, CHANNEL);
  assert_int_equal(paid.deadline_ms, 0); /* the unpaid-close timer is gone */
  assert_int_equal(fx.posting_count, 1);
  assert_int_equal(fx.postings[0].kind, LEDGER_PAYMENT_CAPTURED);
  assert_int_equal(fx.stock, ESCROW_STOCK_KEEP);
  assert_false(fx.refund_call_needed);
  /* The same notification again, at any later time and state: nothing. */
  nothing(&paid, pay(PAYMENT, TOTAL), AT_PAY + 5, &p);
  int64_t at;
  struct escrow_order done = order_in(ESCROW_COMPLETED, &at);
  nothing(&done, pay(PAYMENT, TOTAL), at + MS_PER_DAY, &p);
  /* Another currency: refused, nothing posted. */
  struct escrow_event usd = pay(PAYMENT, TOTAL);
  usd.currency = CURRENCY_USD;
  refused(&o, usd, AT_PAY, &p, HT_EINVAL);
}

static void test_stray_payments_are_refunded(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  struct escrow_order o = open_order(DELIVERY_PHYSICAL, &p);
  /* The wrong amount on an unpaid order: captured, refunded, the order still waits. */
  struct escrow_order next = step(&o, pay(OTHER_PAYMENT, 1), AT_PAY, &p, &fx);
  assert_int_equal(next.state, ESCROW_PENDING_PAYMENT);
  assert_true(next.deadline_ms == o.deadline_ms);
  assert_int_equal(next.paid_minor, 1);
  assert_int_equal(next.refunded_minor, 1);
  assert_int_equal(next.payment_id, 0);
  assert_int_equal(fx.posting_count, 2);
  assert_int_equal(fx.postings[0].kind, LEDGER_PAYMENT_CAPTURED);
  assert_int_equal(fx.postings[1].kind, LEDGER_REFUND_APPROVED);
  assert_true(fx.refund_call_needed);
  assert_int_equal(fx.refund_call.payment_id, OTHER_PAYMENT);
  assert_int_equal(fx.refund_call.amount_minor, 1);
  /* A second full payment on a shipped order (the buyer paid twice, by two wallets). */
  int64_t at;
  struct escrow_order shipped = order_in(ESCROW_SHIPPED, &at);
  struct escrow_event twice = pay(OTHER_PAYMENT, TOTAL);
  twice.channel_id = CHANNEL + 1;
  next = step(&shipped, twice, at + 1, &p, &fx);
  assert_int_equal(next.state, ESCROW_SHIPPED);
  assert_true(next.deadline_ms == shipped.deadline_ms);
  assert_int_equal(escrow_order_remaining_minor(&next), TOTAL);
  assert_int_equal(fx.refund_call.payment_id, OTHER_PAYMENT);
  assert_int_equal(fx.refund_call.channel_id, CHANNEL + 1);
  assert_int_equal(fx.postings[0].entries[0].account.owner_id, CHANNEL + 1);
}

static void test_late_payment_after_close(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order closed = order_in(ESCROW_CLOSED, &at);
  assert_false(escrow_order_holds_stock(&closed));
  /* Stock is there (exactly the quantity): the order reopens as paid and takes it again. */
  struct escrow_event late = pay(PAYMENT, TOTAL);
  late.stock_available = QTY;
  struct escrow_order next = step(&closed, late, at + MS_PER_HOUR, &p, &fx);
  assert_int_equal(next.state, ESCROW_PAID);
  assert_int_equal(fx.stock, ESCROW_STOCK_RESERVE);
  assert_int_equal(fx.posting_count, 1);
  /* One unit short: the money goes back in full, the order ends refunded. */
  late.stock_available = QTY - 1;
  next = step(&closed, late, at + MS_PER_HOUR, &p, &fx);
  assert_int_equal(next.state, ESCROW_REFUNDED);
  assert_int_equal(fx.stock, ESCROW_STOCK_KEEP);
  assert_int_equal(fx.posting_count, 2);
  assert_true(fx.refund_call_needed);
  assert_int_equal(fx.refund_call.amount_minor, TOTAL);
  assert_int_equal(escrow_order_remaining_minor(&next), 0);
  nothing(&next, late, at + 2 * MS_PER_HOUR, &p); /* and its duplicate does nothing */
}

static void test_cancel_and_unpaid_timer(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  struct escrow_order o = open_order(DELIVERY_PHYSICAL, &p);
  struct escrow_order closed = step(&o, simple(ESCROW_EV_CANCEL), T0 + 1, &p, &fx);
  assert_int_equal(closed.state, ESCROW_CLOSED);
  assert_int_equal(fx.stock, ESCROW_STOCK_RELEASE);
  assert_true(fx.close_open_payments);
  assert_int_equal(closed.deadline_ms, 0);
  /* The timer: one millisecond early does nothing, on time closes, again does nothing. */
  nothing(&o, simple(ESCROW_EV_TIMER_DUE), o.deadline_ms - 1, &p);
  closed = step(&o, simple(ESCROW_EV_TIMER_DUE), o.deadline_ms, &p, &fx);
  assert_int_equal(closed.state, ESCROW_CLOSED);
  assert_int_equal(fx.stock, ESCROW_STOCK_RELEASE);
  nothing(&closed, simple(ESCROW_EV_TIMER_DUE), o.deadline_ms + 1, &p);
  refused(&closed, simple(ESCROW_EV_CANCEL), o.deadline_ms + 1, &p, HT_ECONFLICT);
}

static void test_ship_starts_clock_per_delivery_kind(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  const int64_t want[DELIVERY_KIND_COUNT] = {10 * MS_PER_DAY, 3 * MS_PER_DAY, MS_PER_DAY};
  for (int d = 0; d < DELIVERY_KIND_COUNT; d++) {
    struct escrow_effects fx;
    struct escrow_order o = open_order((enum delivery_kind)d, &p);
    o = step(&o, pay(PAYMENT, TOTAL), AT_PAY, &p, &fx);
    struct escrow_event ev = d == DELIVERY_PHYSICAL ? ship() : simple(ESCROW_EV_SHIP);
    struct escrow_order shipped = step(&o, ev, AT_SHIP, &p, &fx);
    assert_true(shipped.shipped);
    assert_true(shipped.deadline_ms == AT_SHIP + want[d]);
    assert_int_equal(fx.posting_count, 0);
    refused(&shipped, ev, AT_SHIP + 1, &p, HT_ECONFLICT); /* ship twice */
  }
  p.auto_confirm_ms[DELIVERY_VIRTUAL] = 5 * MS_PER_HOUR; /* configurable */
  struct escrow_effects fx;
  struct escrow_order o = open_order(DELIVERY_VIRTUAL, &p);
  o = step(&o, pay(PAYMENT, TOTAL), AT_PAY, &p, &fx);
  o = step(&o, simple(ESCROW_EV_SHIP), AT_SHIP, &p, &fx);
  assert_true(o.deadline_ms == AT_SHIP + 5 * MS_PER_HOUR);
}

static struct escrow_event shipment(const char *carrier, struct str tracking) {
  struct escrow_event ev = simple(ESCROW_EV_SHIP);
  ev.carrier = str_from_cstr(carrier);
  ev.tracking_number = tracking;
  return ev;
}

static void test_shipment_text_limits(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  int64_t at;
  struct escrow_order paid = order_in(ESCROW_PAID, &at);
  char text[ESCROW_CARRIER_BYTES_MAX + 1];
  memset(text, 'A', sizeof text);
  struct str tracking_max = {text, ESCROW_TRACKING_BYTES_MAX};
  struct str tracking_over = {text, ESCROW_TRACKING_BYTES_MAX + 1};
  struct escrow_effects fx;
  step(&paid, shipment("SF", tracking_max), at + 1, &p, &fx);
  refused(&paid, shipment("SF", tracking_over), at + 1, &p, HT_ETOOBIG);
  refused(&paid, shipment("SF", STR_LIT("")), at + 1, &p, HT_EINVAL);
  refused(&paid, shipment("SF", STR_LIT("SF 123")), at + 1, &p, HT_EINVAL);
  refused(&paid, shipment("", STR_LIT("SF123")), at + 1, &p, HT_EINVAL);
  refused(&paid, shipment("S\nF", STR_LIT("SF123")), at + 1, &p, HT_EINVAL);
  refused(&paid, shipment("\xe4\xb8", STR_LIT("SF123")), at + 1, &p, HT_EINVAL); /* cut UTF-8 */
  step(&paid, shipment("中通快递", STR_LIT("7531-2468-ZT")), at + 1, &p, &fx);
  struct escrow_event carrier = simple(ESCROW_EV_SHIP);
  carrier.tracking_number = STR_LIT("SF123");
  carrier.carrier = (struct str){text, ESCROW_CARRIER_BYTES_MAX};
  step(&paid, carrier, at + 1, &p, &fx);
  carrier.carrier.len++;
  refused(&paid, carrier, at + 1, &p, HT_ETOOBIG);
}

static void test_confirm_releases_minus_fee(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(250); /* 2.5% */
  struct escrow_effects fx;
  struct escrow_order o = open_order(DELIVERY_PHYSICAL, &p);
  o = step(&o, pay(PAYMENT, TOTAL), AT_PAY, &p, &fx);
  o = step(&o, ship(), AT_SHIP, &p, &fx);
  /* A partial refund first: the fee is on what is left (5000 − 1001 = 3999 → 99.975 → 99). */
  o = step(&o, with_amount(ESCROW_EV_APPROVE_REFUND, 1001), AT_SHIP + 1, &p, &fx);
  assert_int_equal(o.state, ESCROW_SHIPPED);
  struct escrow_order done = step(&o, simple(ESCROW_EV_CONFIRM), AT_LATER, &p, &fx);
  assert_int_equal(done.state, ESCROW_COMPLETED);
  assert_int_equal(done.released_minor, 3999);
  assert_int_equal(done.fee_minor, 99);
  assert_int_equal(done.deadline_ms, 0);
  assert_int_equal(fx.posting_count, 1);
  const struct ledger_posting *r = &fx.postings[0];
  assert_int_equal(r->kind, LEDGER_ESCROW_RELEASED);
  assert_int_equal(r->entries[0].amount_minor, -3999);
  assert_int_equal(r->entries[1].account.kind, LEDGER_MERCHANT_AVAILABLE);
  assert_int_equal(r->entries[1].account.owner_id, MERCHANT);
  assert_int_equal(r->entries[1].amount_minor, 3900);
  assert_int_equal(r->entries[2].amount_minor, 99);
  /* The order keeps the fee rate it opened with, whatever the policy says now. */
  struct escrow_policy changed = policy_with_fee(9000);
  done = step(&o, simple(ESCROW_EV_CONFIRM), AT_LATER, &changed, &fx);
  assert_int_equal(done.fee_minor, 99);
  refused(&done, simple(ESCROW_EV_CONFIRM), AT_LATER + 1, &p, HT_ECONFLICT); /* confirm twice */
}

static void test_auto_confirm_timer(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order shipped = order_in(ESCROW_SHIPPED, &at);
  int64_t due = shipped.deadline_ms;
  nothing(&shipped, simple(ESCROW_EV_TIMER_DUE), due - 1, &p);
  struct escrow_order done = step(&shipped, simple(ESCROW_EV_TIMER_DUE), due, &p, &fx);
  assert_int_equal(done.state, ESCROW_COMPLETED);
  assert_int_equal(fx.postings[0].kind, LEDGER_ESCROW_RELEASED);
  /* Fired again (a restart, a second node): never releases twice. */
  nothing(&done, simple(ESCROW_EV_TIMER_DUE), due, &p);
  nothing(&done, simple(ESCROW_EV_TIMER_DUE), due + MS_PER_DAY, &p);
  /* After the buyer confirmed, the stale timer does nothing either. */
  struct escrow_order confirmed = step(&shipped, simple(ESCROW_EV_CONFIRM), due - 5, &p, &fx);
  nothing(&confirmed, simple(ESCROW_EV_TIMER_DUE), due, &p);
}

static void test_refund_request_pauses_clock(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order shipped = order_in(ESCROW_SHIPPED, &at);
  int64_t due = shipped.deadline_ms, asked = AT_SHIP + 4 * MS_PER_DAY;
  struct escrow_order rr = step(&shipped, with_amount(ESCROW_EV_REQUEST_REFUND, 1500), asked, &p, &fx);
  assert_int_equal(rr.state, ESCROW_REFUND_REQUESTED);
  assert_int_equal(rr.deadline_ms, 0);
  assert_true(rr.clock_remaining_ms == due - asked);
  assert_int_equal(rr.refund_requested_minor, 1500);
  assert_int_equal(fx.posting_count, 0);
  nothing(&rr, simple(ESCROW_EV_TIMER_DUE), due + 1, &p); /* paused: the old deadline means nothing */
  refused(&rr, simple(ESCROW_EV_CONFIRM), asked + 1, &p, HT_ECONFLICT);
  refused(&rr, with_amount(ESCROW_EV_REQUEST_REFUND, 1), asked + 1, &p, HT_ECONFLICT);
  /* Refused a week later: the clock resumes with the time that was left. */
  int64_t answered = asked + 7 * MS_PER_DAY;
  struct escrow_order back = step(&rr, simple(ESCROW_EV_REFUSE_REFUND), answered, &p, &fx);
  assert_int_equal(back.state, ESCROW_SHIPPED);
  assert_true(back.deadline_ms == answered + (due - asked));
  assert_int_equal(back.clock_remaining_ms, 0);
  assert_int_equal(back.refund_requested_minor, 0);
  back = step(&rr, simple(ESCROW_EV_WITHDRAW_REFUND), answered, &p, &fx);
  assert_true(back.deadline_ms == answered + (due - asked));
  /* Asked after the deadline passed but before the timer ran: no time left on resume. */
  rr = step(&shipped, with_amount(ESCROW_EV_REQUEST_REFUND, 1), due + 10, &p, &fx);
  assert_int_equal(rr.clock_remaining_ms, 0);
  back = step(&rr, simple(ESCROW_EV_REFUSE_REFUND), due + 20, &p, &fx);
  assert_true(back.deadline_ms == due + 20);
  step(&back, simple(ESCROW_EV_TIMER_DUE), due + 20, &p, &fx);
}

static void test_refund_request_before_shipping(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order paid = order_in(ESCROW_PAID, &at);
  struct escrow_order rr = step(&paid, with_amount(ESCROW_EV_REQUEST_REFUND, TOTAL), at + 1, &p, &fx);
  assert_int_equal(rr.deadline_ms, 0);
  assert_int_equal(rr.clock_remaining_ms, 0);
  refused(&rr, ship(), at + 2, &p, HT_ECONFLICT); /* answer the request first */
  struct escrow_order back = step(&rr, simple(ESCROW_EV_REFUSE_REFUND), at + 2, &p, &fx);
  assert_int_equal(back.state, ESCROW_PAID);
  assert_int_equal(back.deadline_ms, 0);
  /* Approved in full before shipping: refunded, and the stock comes back. */
  struct escrow_order refunded = step(&rr, with_amount(ESCROW_EV_APPROVE_REFUND, TOTAL), at + 2, &p, &fx);
  assert_int_equal(refunded.state, ESCROW_REFUNDED);
  assert_int_equal(fx.stock, ESCROW_STOCK_RELEASE);
  assert_false(escrow_order_holds_stock(&refunded));
}

static void test_refund_amounts_both_sides(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order shipped = order_in(ESCROW_SHIPPED, &at);
  int64_t now = at + 1;
  refused(&shipped, with_amount(ESCROW_EV_REQUEST_REFUND, TOTAL + 1), now, &p, HT_ECONFLICT);
  step(&shipped, with_amount(ESCROW_EV_REQUEST_REFUND, TOTAL), now, &p, &fx);
  refused(&shipped, with_amount(ESCROW_EV_REQUEST_REFUND, 0), now, &p, HT_ERANGE);
  refused(&shipped, with_amount(ESCROW_EV_APPROVE_REFUND, -1), now, &p, HT_ERANGE);
  refused(&shipped, with_amount(ESCROW_EV_APPROVE_REFUND, AMOUNT_MINOR_MAX + 1), now, &p, HT_ERANGE);
  refused(&shipped, with_amount(ESCROW_EV_APPROVE_REFUND, AMOUNT_MINOR_MAX), now, &p, HT_ECONFLICT);
  /* Several partials, each up to what is left, then nothing more. */
  struct escrow_order o = step(&shipped, with_amount(ESCROW_EV_APPROVE_REFUND, 2000), now, &p, &fx);
  assert_int_equal(fx.refund_call.payment_id, PAYMENT);
  assert_int_equal(fx.refund_call.channel_id, CHANNEL);
  assert_int_equal(fx.refund_call.amount_minor, 2000);
  assert_int_equal(fx.postings[0].kind, LEDGER_REFUND_APPROVED);
  assert_true(o.deadline_ms == shipped.deadline_ms); /* a merchant's own refund leaves the clock */
  o = step(&o, with_amount(ESCROW_EV_REQUEST_REFUND, 2000), now, &p, &fx);
  o = step(&o, with_amount(ESCROW_EV_APPROVE_REFUND, 1000), now, &p, &fx); /* less than asked */
  assert_int_equal(o.state, ESCROW_SHIPPED);
  assert_int_equal(escrow_order_remaining_minor(&o), 2000);
  refused(&o, with_amount(ESCROW_EV_APPROVE_REFUND, 2001), now, &p, HT_ECONFLICT);
  o = step(&o, with_amount(ESCROW_EV_APPROVE_REFUND, 2000), now, &p, &fx);
  assert_int_equal(o.state, ESCROW_REFUNDED);
  assert_int_equal(o.refunded_minor, TOTAL);
  assert_int_equal(fx.stock, ESCROW_STOCK_KEEP); /* shipped goods do not restock by themselves */
  assert_true(escrow_order_holds_stock(&o));
  refused(&o, with_amount(ESCROW_EV_APPROVE_REFUND, 1), now, &p, HT_ECONFLICT);
  /* After release: invalid_state, named. */
  struct escrow_order done = order_in(ESCROW_COMPLETED, &at);
  refused(&done, with_amount(ESCROW_EV_APPROVE_REFUND, 1), at + 1, &p, HT_ECONFLICT);
  refused(&done, with_amount(ESCROW_EV_REQUEST_REFUND, 1), at + 1, &p, HT_ECONFLICT);
  assert_string_equal(escrow_state_name(done.state), "completed");
}

static void test_disputes_freeze(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order rr = order_in(ESCROW_REFUND_REQUESTED, &at);
  struct escrow_order d = step(&rr, simple(ESCROW_EV_OPEN_DISPUTE), at + 1, &p, &fx);
  assert_int_equal(d.state, ESCROW_DISPUTED);
  assert_true(d.clock_remaining_ms == rr.clock_remaining_ms); /* still paused */
  assert_int_equal(d.refund_requested_minor, 0);
  refused(&d, with_amount(ESCROW_EV_APPROVE_REFUND, 1), at + 2, &p, HT_ECONFLICT);
  refused(&d, simple(ESCROW_EV_OPEN_DISPUTE), at + 2, &p, HT_ECONFLICT);
  nothing(&d, simple(ESCROW_EV_TIMER_DUE), at + 30 * MS_PER_DAY, &p);
  /* Resolved for the merchant: no refund, the clock runs again from where it stopped. */
  int64_t resolved = at + 20 * MS_PER_DAY;
  struct escrow_order back = step(&d, with_amount(ESCROW_EV_RESOLVE_DISPUTE, 0), resolved, &p, &fx);
  assert_int_equal(back.state, ESCROW_SHIPPED);
  assert_true(back.deadline_ms == resolved + rr.clock_remaining_ms);
  assert_int_equal(fx.posting_count, 0);
  assert_false(fx.refund_call_needed);
  /* Resolved for the buyer: everything back; one more than remains is refused. */
  refused(&d, with_amount(ESCROW_EV_RESOLVE_DISPUTE, TOTAL + 1), resolved, &p, HT_ECONFLICT);
  refused(&d, with_amount(ESCROW_EV_RESOLVE_DISPUTE, -1), resolved, &p, HT_ERANGE);
  struct escrow_order refunded = step(&d, with_amount(ESCROW_EV_RESOLVE_DISPUTE, TOTAL), resolved, &p, &fx);
  assert_int_equal(refunded.state, ESCROW_REFUNDED);
  assert_int_equal(refunded.clock_remaining_ms, 0);
  /* A dispute on an unshipped order resumes to paid, without a clock. */
  struct escrow_order paid = order_in(ESCROW_PAID, &at);
  d = step(&paid, simple(ESCROW_EV_OPEN_DISPUTE), at + 1, &p, &fx);
  back = step(&d, with_amount(ESCROW_EV_RESOLVE_DISPUTE, 100), at + 2, &p, &fx);
  assert_int_equal(back.state, ESCROW_PAID);
  assert_int_equal(back.deadline_ms, 0);
  assert_int_equal(back.refunded_minor, 100);
}

/* The store's UPDATE ... WHERE version = ?: succeeds only on the version that was read. */
static bool commit(struct escrow_order *stored, const struct escrow_order *read,
                   const struct escrow_order *next) {
  if (stored->version != read->version) return false;
  *stored = *next;
  return true;
}

static void test_concurrent_confirm_and_refund(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  int64_t at;
  struct escrow_order base = order_in(ESCROW_SHIPPED, &at);
  struct escrow_event evs[2] = {simple(ESCROW_EV_CONFIRM), with_amount(ESCROW_EV_APPROVE_REFUND, TOTAL)};
  for (int first = 0; first < 2; first++) {
    struct escrow_order stored = base, read_a = base, read_b = base, next_a, next_b;
    struct escrow_effects fx_a, fx_b;
    const struct escrow_event *a = &evs[first], *b = &evs[1 - first];
    /* Both requests read the same row and both transitions are legal on it... */
    assert_int_equal(escrow_apply(&read_a, a, at + 1, &p, &next_a, &fx_a), HT_OK);
    assert_int_equal(escrow_apply(&read_b, b, at + 1, &p, &next_b, &fx_b), HT_OK);
    /* ...but only the first commit lands; the second reloads and is refused. */
    assert_true(commit(&stored, &read_a, &next_a));
    assert_false(commit(&stored, &read_b, &next_b));
    read_b = stored;
    assert_int_equal(escrow_apply(&read_b, b, at + 2, &p, &next_b, &fx_b), HT_ECONFLICT);
    assert_int_equal(stored.state, first == 0 ? ESCROW_COMPLETED : ESCROW_REFUNDED);
    assert_int_equal(escrow_order_remaining_minor(&stored), 0);
  }
}

static void test_bad_input(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  int64_t at;
  struct escrow_order paid = order_in(ESCROW_PAID, &at);
  refused(&paid, simple(ESCROW_EVENT_COUNT), at + 1, &p, HT_EINVAL);
  refused(&paid, simple(ESCROW_EV_TIMER_DUE), 0, &p, HT_EINVAL);
  refused(&paid, simple(ESCROW_EV_TIMER_DUE), ESCROW_TIME_MS_MAX + 1, &p, HT_EINVAL);
  struct escrow_policy bad = p;
  bad.unpaid_close_ms = 0;
  refused(&paid, simple(ESCROW_EV_TIMER_DUE), at + 1, &bad, HT_EINVAL);
  struct escrow_event ev = pay(0, TOTAL);
  refused(&paid, ev, at + 1, &p, HT_EINVAL);
  ev = pay(OTHER_PAYMENT, TOTAL);
  ev.channel_id = 0;
  refused(&paid, ev, at + 1, &p, HT_EINVAL);
  ev = pay(OTHER_PAYMENT, 0);
  refused(&paid, ev, at + 1, &p, HT_ERANGE);
  ev = pay(OTHER_PAYMENT, -TOTAL);
  refused(&paid, ev, at + 1, &p, HT_ERANGE);
  ev = pay(OTHER_PAYMENT, TOTAL);
  ev.stock_available = -1;
  refused(&paid, ev, at + 1, &p, HT_EINVAL);
  /* The state is judged first: a forbidden event is invalid_state whatever its amount. */
  struct escrow_order done = order_in(ESCROW_COMPLETED, &at);
  refused(&done, with_amount(ESCROW_EV_APPROVE_REFUND, 0), at + 1, &p, HT_ECONFLICT);
  refused(&done, with_amount(ESCROW_EV_REQUEST_REFUND, -1), at + 1, &p, HT_ECONFLICT);
  refused(&done, shipment("SF", STR_LIT("SF 123")), at + 1, &p, HT_ECONFLICT);
  refused(&paid, with_amount(ESCROW_EV_RESOLVE_DISPUTE, -1), at + 1, &p, HT_ECONFLICT);
  /* A corrupted row is refused rather than acted on. */
  struct escrow_order broken = paid;
  broken.refunded_minor = broken.paid_minor + 1;
  refused(&broken, simple(ESCROW_EV_TIMER_DUE), at + 1, &p, HT_EINVAL);
}

static void test_order_check_catches_corruption(void **state) {
  (void)state;
  for (int s = 0; s < ESCROW_STATE_COUNT; s++) {
    int64_t at;
    struct escrow_order o = order_in((enum escrow_state)s, &at), x;
    assert_int_equal(escrow_order_check(&o), HT_OK);
    x = o, x.state = ESCROW_STATE_COUNT;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
    x = o, x.deadline_ms = o.deadline_ms ? 0 : at;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
    x = o, x.paid_minor += 1;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
    x = o, x.payment_id = o.payment_id ? 0 : PAYMENT;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
    x = o, x.fee_minor = o.released_minor + 1;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
    x = o, x.refund_requested_minor = o.refund_requested_minor ? 0 : 1;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
    x = o, x.clock_remaining_ms = -1;
    assert_int_equal(escrow_order_check(&x), HT_EINVAL);
  }
}

static void test_next_may_alias_order(void **state) {
  (void)state;
  struct escrow_policy p = policy_with_fee(0);
  struct escrow_effects fx;
  int64_t at;
  struct escrow_order o = order_in(ESCROW_PAID, &at);
  struct escrow_event ev = ship();
  assert_int_equal(escrow_apply(&o, &ev, at + 1, &p, &o, &fx), HT_OK);
  assert_int_equal(o.state, ESCROW_SHIPPED);
  assert_int_equal(escrow_order_check(&o), HT_OK);
}

static void test_names(void **state) {
  (void)state;
  for (int s = 0; s < ESCROW_STATE_COUNT; s++) {
    enum escrow_state back = ESCROW_STATE_COUNT;
    assert_int_equal(escrow_state_from_name(str_from_cstr(escrow_state_name((enum escrow_state)s)), &back),
                     HT_OK);
    assert_int_equal(back, s);
  }
  for (int d = 0; d < DELIVERY_KIND_COUNT; d++) {
    enum delivery_kind back = DELIVERY_KIND_COUNT;
    assert_int_equal(delivery_kind_from_name(str_from_cstr(delivery_kind_name((enum delivery_kind)d)), &back),
                     HT_OK);
    assert_int_equal(back, d);
  }
  assert_string_equal(escrow_state_name(ESCROW_PENDING_PAYMENT), "pending_payment");
  assert_string_equal(escrow_state_name(ESCROW_REFUND_REQUESTED), "refund_requested");
  assert_string_equal(escrow_state_name(ESCROW_STATE_COUNT), "invalid");
  assert_string_equal(escrow_event_name(ESCROW_EV_TIMER_DUE), "timer_due");
  assert_string_equal(escrow_event_name(ESCROW_EVENT_COUNT), "invalid");
  assert_string_equal(delivery_kind_name(DELIVERY_KIND_COUNT), "invalid");
  enum escrow_state st;
  assert_int_equal(escrow_state_from_name(STR_LIT("Paid"), &st), HT_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_transition_table),
      cmocka_unit_test(test_open_order),
      cmocka_unit_test(test_open_order_limits),
      cmocka_unit_test(test_policy_bounds),
      cmocka_unit_test(test_pay_captures_into_escrow),
      cmocka_unit_test(test_stray_payments_are_refunded),
      cmocka_unit_test(test_late_payment_after_close),
      cmocka_unit_test(test_cancel_and_unpaid_timer),
      cmocka_unit_test(test_ship_starts_clock_per_delivery_kind),
      cmocka_unit_test(test_shipment_text_limits),
      cmocka_unit_test(test_confirm_releases_minus_fee),
      cmocka_unit_test(test_auto_confirm_timer),
      cmocka_unit_test(test_refund_request_pauses_clock),
      cmocka_unit_test(test_refund_request_before_shipping),
      cmocka_unit_test(test_refund_amounts_both_sides),
      cmocka_unit_test(test_disputes_freeze),
      cmocka_unit_test(test_concurrent_confirm_and_refund),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_order_check_catches_corruption),
      cmocka_unit_test(test_next_may_alias_order),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
