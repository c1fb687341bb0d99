/* escrow.c — the order state machine (see escrow.h and docs/MONEY.md).
 *
 * escrow_apply() validates the row, the event and the time, looks the (state, event) pair up
 * in one table of allowed states, then runs the event's handler on a copy of the row. The
 * handlers are small and share a few moves: capture a payment, refund out of escrow, release,
 * pause and resume the auto-confirm clock. Stock is not handled by the handlers at all: the
 * stock effect is the difference between escrow_order_holds_stock() before and after, so the
 * rule for who holds stock lives in exactly one function. */
#include "core/escrow.h"

#include <assert.h>
#include <string.h>

#include "core/status.h"
#include "core/utf8.h"

/* ---- names ---- */

static const char *const state_names[ESCROW_STATE_COUNT] = {
    [ESCROW_PENDING_PAYMENT] = "pending_payment",
    [ESCROW_PAID] = "paid",
    [ESCROW_SHIPPED] = "shipped",
    [ESCROW_REFUND_REQUESTED] = "refund_requested",
    [ESCROW_DISPUTED] = "disputed",
    [ESCROW_COMPLETED] = "completed",
    [ESCROW_REFUNDED] = "refunded",
    [ESCROW_CLOSED] = "closed",
};

static const char *const event_names[ESCROW_EVENT_COUNT] = {
    [ESCROW_EV_PAY_SUCCEEDED] = "pay_succeeded",
    [ESCROW_EV_CANCEL] = "cancel",
    [ESCROW_EV_SHIP] = "ship",
    [ESCROW_EV_CONFIRM] = "confirm",
    [ESCROW_EV_TIMER_DUE] = "timer_due",
    [ESCROW_EV_REQUEST_REFUND] = "request_refund",
    [ESCROW_EV_WITHDRAW_REFUND] = "withdraw_refund",
    [ESCROW_EV_APPROVE_REFUND] = "approve_refund",
    [ESCROW_EV_REFUSE_REFUND] = "refuse_refund",
    [ESCROW_EV_OPEN_DISPUTE] = "open_dispute",
    [ESCROW_EV_RESOLVE_DISPUTE] = "resolve_dispute",
};

static const char *const delivery_names[DELIVERY_KIND_COUNT] = {
    [DELIVERY_PHYSICAL] = "physical",
    [DELIVERY_VIRTUAL] = "virtual",
    [DELIVERY_AUTO] = "auto",
};

const char *escrow_state_name(enum escrow_state state) {
  return (unsigned)state < ESCROW_STATE_COUNT ? state_names[state] : "invalid";
}

const char *escrow_event_name(enum escrow_event_kind kind) {
  return (unsigned)kind < ESCROW_EVENT_COUNT ? event_names[kind] : "invalid";
}

const char *delivery_kind_name(enum delivery_kind kind) {
  return (unsigned)kind < DELIVERY_KIND_COUNT ? delivery_names[kind] : "invalid";
}

static int name_lookup(struct str name, const char *const *names, unsigned count, unsigned *out) {
  for (unsigned i = 0; i < count; i++) {
    if (str_eq(name, str_from_cstr(names[i]))) {
      *out = i;
      return HT_OK;
    }
  }
  return HT_EINVAL;
}

int escrow_state_from_name(struct str name, enum escrow_state *out) {
  unsigned i;
  int rc = name_lookup(name, state_names, ESCROW_STATE_COUNT, &i);
  if (rc == HT_OK) *out = (enum escrow_state)i;
  return rc;
}

int delivery_kind_from_name(struct str name, enum delivery_kind *out) {
  unsigned i;
  int rc = name_lookup(name, delivery_names, DELIVERY_KIND_COUNT, &i);
  if (rc == HT_OK) *out = (enum delivery_kind)i;
  return rc;
}

/* ---- the table of allowed (state, event) pairs ---- */

#define IN(s)     (1u << ESCROW_##s)
#define ANY_STATE ((1u << ESCROW_STATE_COUNT) - 1u)

/* Notifications and timers are allowed everywhere: the handler decides, and a stale one is
 * "nothing to do", never invalid_state. */
static const unsigned allowed_states[ESCROW_EVENT_COUNT] = {
    [ESCROW_EV_PAY_SUCCEEDED] = ANY_STATE,
    [ESCROW_EV_CANCEL] = IN(PENDING_PAYMENT),
    [ESCROW_EV_SHIP] = IN(PAID),
    [ESCROW_EV_CONFIRM] = IN(SHIPPED),
    [ESCROW_EV_TIMER_DUE] = ANY_STATE,
    [ESCROW_EV_REQUEST_REFUND] = IN(PAID) | IN(SHIPPED),
    [ESCROW_EV_WITHDRAW_REFUND] = IN(REFUND_REQUESTED),
    [ESCROW_EV_APPROVE_REFUND] = IN(PAID) | IN(SHIPPED) | IN(REFUND_REQUESTED),
    [ESCROW_EV_REFUSE_REFUND] = IN(REFUND_REQUESTED),
    [ESCROW_EV_OPEN_DISPUTE] = IN(PAID) | IN(SHIPPED) | IN(REFUND_REQUESTED),
    [ESCROW_EV_RESOLVE_DISPUTE] = IN(DISPUTED),
};

bool escrow_event_allowed(enum escrow_state state, enum escrow_event_kind kind) {
  if ((unsigned)state >= ESCROW_STATE_COUNT || (unsigned)kind >= ESCROW_EVENT_COUNT) return false;
  return (allowed_states[kind] & (1u << state)) != 0;
}

/* ---- policy ---- */

void escrow_policy_default(struct escrow_policy *policy) {
  memset(policy, 0, sizeof *policy);
  policy->unpaid_close_ms = ESCROW_UNPAID_CLOSE_MS_DEFAULT;
  policy->auto_confirm_ms[DELIVERY_PHYSICAL] = ESCROW_AUTO_CONFIRM_MS_PHYSICAL;
  policy->auto_confirm_ms[DELIVERY_VIRTUAL] = ESCROW_AUTO_CONFIRM_MS_VIRTUAL;
  policy->auto_confirm_ms[DELIVERY_AUTO] = ESCROW_AUTO_CONFIRM_MS_AUTO;
  policy->fee_bps = 0;
}

int escrow_policy_check(const struct escrow_policy *policy) {
  if (policy->unpaid_close_ms < ESCROW_UNPAID_CLOSE_MS_MIN ||
      policy->unpaid_close_ms > ESCROW_UNPAID_CLOSE_MS_MAX)
    return HT_ERANGE;
  for (int k = 0; k < DELIVERY_KIND_COUNT; k++) {
    int64_t ms = policy->auto_confirm_ms[k];
    if (ms < ESCROW_AUTO_CONFIRM_MS_MIN || ms > ESCROW_AUTO_CONFIRM_MS_MAX) return HT_ERANGE;
  }
  return policy->fee_bps <= FEE_BPS_MAX ? HT_OK : HT_ERANGE;
}

static bool time_valid(int64_t now_ms) { return now_ms >= 1 && now_ms <= ESCROW_TIME_MS_MAX; }

/* ---- the row's own invariants ---- */

int64_t escrow_order_remaining_minor(const struct escrow_order *order) {
  return order->paid_minor - order->refunded_minor - order->released_minor;
}

bool escrow_order_holds_stock(const struct escrow_order *order) {
  if (order->state == ESCROW_CLOSED) return false;
  return !(order->state == ESCROW_REFUNDED && !order->shipped);
}

/* Where the money is must match the state: held while the order is live, gone when final. */
static bool money_matches_state(const struct escrow_order *o, int64_t remaining) {
  bool paid = o->payment_id != 0 && o->channel_id != 0;
  bool unpaid = o->payment_id == 0 && o->channel_id == 0;
  bool live = paid && remaining > 0 && o->released_minor == 0;
  switch (o->state) {
  case ESCROW_PENDING_PAYMENT:
  case ESCROW_CLOSED: return unpaid && remaining == 0 && o->released_minor == 0 && !o->shipped;
  case ESCROW_PAID: return live && !o->shipped;
  case ESCROW_SHIPPED: return live && o->shipped;
  case ESCROW_REFUND_REQUESTED:
  case ESCROW_DISPUTED: return live;
  case ESCROW_COMPLETED: return paid && remaining == 0 && o->released_minor > 0 && o->shipped;
  case ESCROW_REFUNDED: return paid && remaining == 0 && o->released_minor == 0;
  default: return false;
  }
}

/* One timer, only where it runs; a paused clock only where paused; a request only in
 * refund_requested. */
static bool timers_match_state(const struct escrow_order *o, int64_t remaining) {
  bool timed = o->state == ESCROW_PENDING_PAYMENT || o->state == ESCROW_SHIPPED;
  bool paused = o->shipped && (o->state == ESCROW_REFUND_REQUESTED || o->state == ESCROW_DISPUTED);
  if (timed != (o->deadline_ms > 0)) return false;
  if (o->deadline_ms > ESCROW_TIME_MS_MAX + ESCROW_AUTO_CONFIRM_MS_MAX) return false;
  if (o->clock_remaining_ms < 0 || o->clock_remaining_ms > ESCROW_AUTO_CONFIRM_MS_MAX) return false;
  if (!paused && o->clock_remaining_ms != 0) return false;
  if ((o->state == ESCROW_REFUND_REQUESTED) != (o->refund_requested_minor > 0)) return false;
  return o->refund_requested_minor <= remaining;
}

int escrow_order_check(const struct escrow_order *o) {
  if ((unsigned)o->state >= ESCROW_STATE_COUNT || (unsigned)o->delivery >= DELIVERY_KIND_COUNT)
    return HT_EINVAL;
  if (!currency_valid(o->currency) || o->order_id == 0 || o->merchant_id == 0) return HT_EINVAL;
  if (o->quantity == 0 || o->quantity > ESCROW_QUANTITY_MAX || o->fee_bps > FEE_BPS_MAX) return HT_EINVAL;
  if (!money_amount_valid(o->total_minor)) return HT_EINVAL;
  if (o->paid_minor < 0 || o->refunded_minor < 0 || o->released_minor < 0) return HT_EINVAL;
  if (o->fee_minor < 0 || o->fee_minor > o->released_minor) return HT_EINVAL;
  int64_t remaining;
  if (money_sub(o->paid_minor, o->refunded_minor, &remaining) != HT_OK ||
      money_sub(remaining, o->released_minor, &remaining) != HT_OK || remaining < 0)
    return HT_EINVAL;
  if (remaining > o->total_minor) return HT_EINVAL; /* stray payments go back in full */
  if (!money_matches_state(o, remaining) || !timers_match_state(o, remaining)) return HT_EINVAL;
  return HT_OK;
}

struct ledger_order_summary escrow_order_summary(const struct escrow_order *order) {
  return (struct ledger_order_summary){order->order_id, order->currency, order->paid_minor,
                                       order->refunded_minor, order->released_minor};
}

/* ---- opening an order ---- */

int escrow_order_open(const struct escrow_order_params *params, int64_t now_ms,
                      const struct escrow_policy *policy, struct escrow_order *order,
                      struct escrow_effects *effects) {
  const struct escrow_order_params *p = params;
  memset(effects, 0, sizeof *effects);
  effects->outcome = ESCROW_NOTHING_TO_DO;
  if (p->order_id == 0 || p->merchant_id == 0 || !currency_valid(p->currency)) return HT_EINVAL;
  if ((unsigned)p->delivery >= DELIVERY_KIND_COUNT || p->stock_available < 0 || !time_valid(now_ms))
    return HT_EINVAL;
  if (escrow_policy_check(policy) != HT_OK) return HT_EINVAL;
  if (!money_amount_valid(p->unit_price_minor) || p->quantity == 0 || p->quantity > ESCROW_QUANTITY_MAX)
    return HT_ERANGE;
  int64_t total;
  if (money_mul(p->unit_price_minor, p->quantity, &total) != HT_OK || !money_amount_valid(total))
    return HT_ERANGE;
  if (p->quantity > p->stock_available) return HT_ECONFLICT;
  memset(order, 0, sizeof *order);
  order->order_id = p->order_id;
  order->merchant_id = p->merchant_id;
  order->currency = p->currency;
  order->delivery = p->delivery;
  order->quantity = p->quantity;
  order->fee_bps = policy->fee_bps;
  order->total_minor = total;
  order->state = ESCROW_PENDING_PAYMENT;
  order->deadline_ms = now_ms + policy->unpaid_close_ms;
  effects->outcome = ESCROW_APPLIED;
  effects->stock = ESCROW_STOCK_RESERVE;
  assert(escrow_order_check(order) == HT_OK);
  return HT_OK;
}

/* ---- event validation ---- */

/* Printable UTF-8 of 1..bytes_max bytes (no control characters). */
static int carrier_check(struct str s) {
  if (s.len == 0) return HT_EINVAL;
  if (s.len > ESCROW_CARRIER_BYTES_MAX) return HT_ETOOBIG;
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.data[i];
    if (c < 0x20 || c == 0x7f) return HT_EINVAL;
  }
  return utf8_valid(s) ? HT_OK : HT_EINVAL;
}

/* 1..ESCROW_TRACKING_BYTES_MAX of ASCII letters, digits and hyphens. */
static int tracking_check(struct str s) {
  if (s.len == 0) return HT_EINVAL;
  if (s.len > ESCROW_TRACKING_BYTES_MAX) return HT_ETOOBIG;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.data[i];
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
    if (!ok) return HT_EINVAL;
  }
  return HT_OK;
}

/* Physical goods need both; other goods may give either, and what is given must be valid. */
static int shipment_check(enum delivery_kind delivery, const struct escrow_event *ev) {
  bool required = delivery == DELIVERY_PHYSICAL;
  int rc = HT_OK;
  if (required || ev->carrier.len > 0) rc = carrier_check(ev->carrier);
  if (rc == HT_OK && (required || ev->tracking_number.len > 0)) rc = tracking_check(ev->tracking_number);
  return rc;
}

static int event_check(const struct escrow_order *o, const struct escrow_event *ev) {
  switch (ev->kind) {
  case ESCROW_EV_PAY_SUCCEEDED:
    if (ev->payment_id == 0 || ev->channel_id == 0 || !currency_valid(ev->currency) ||
        ev->stock_available < 0)
      return HT_EINVAL;
    return money_amount_valid(ev->amount_minor) ? HT_OK : HT_ERANGE;
  case ESCROW_EV_REQUEST_REFUND:
  case ESCROW_EV_APPROVE_REFUND: return money_amount_valid(ev->amount_minor) ? HT_OK : HT_ERANGE;
  case ESCROW_EV_RESOLVE_DISPUTE:
    return ev->amount_minor >= 0 && ev->amount_minor <= AMOUNT_MINOR_MAX ? HT_OK : HT_ERANGE;
  case ESCROW_EV_SHIP: return shipment_check(o->delivery, ev);
  default: return (unsigned)ev->kind < ESCROW_EVENT_COUNT ? HT_OK : HT_EINVAL;
  }
}

/* ---- the moves handlers share ---- */

/* A handler's "the event changes nothing": internal, never returned by escrow_apply(). */
#define STEP_NOTHING_TO_DO 1

struct step {
  struct escrow_order *o; /* the working copy */
  const struct escrow_event *ev;
  int64_t now_ms;
  const struct escrow_policy *policy;
  struct escrow_effects *fx;
};

static struct ledger_posting *posting_slot(struct escrow_effects *fx) {
  assert(fx->posting_count < ESCROW_POSTINGS_MAX);
  return &fx->postings[fx->posting_count++];
}

/* Money the channel took for this order goes into escrow. */
static int capture(struct step *s, uint64_t channel_id, int64_t amount_minor) {
  int rc = money_add(s->o->paid_minor, amount_minor, &s->o->paid_minor);
  if (rc != HT_OK) return rc;
  return ledger_post_payment_captured(channel_id, s->o->order_id, s->o->currency, amount_minor,
                                      posting_slot(s->fx));
}

/* Money goes out of escrow back to the buyer, through the channel of `payment_id`. */
static int refund_out(struct step *s, uint64_t payment_id, uint64_t channel_id, int64_t amount_minor) {
  int rc = money_add(s->o->refunded_minor, amount_minor, &s->o->refunded_minor);
  if (rc != HT_OK) return rc;
  assert(!s->fx->refund_call_needed);
  s->fx->refund_call_needed = true;
  s->fx->refund_call = (struct escrow_refund_call){payment_id, channel_id, amount_minor};
  return ledger_post_refund_approved(s->o->order_id, s->o->currency, amount_minor, posting_slot(s->fx));
}

/* Everything left goes to the merchant, minus the order's fee (money_fee() rounds down). */
static int release(struct step *s) {
  struct escrow_order *o = s->o;
  int64_t gross = escrow_order_remaining_minor(o), fee;
  assert(gross > 0);
  int rc = money_fee(gross, o->fee_bps, &fee);
  if (rc == HT_OK)
    rc = ledger_post_escrow_released(o->order_id, o->merchant_id, o->currency, gross, fee,
                                     posting_slot(s->fx));
  if (rc != HT_OK) return rc;
  o->released_minor = gross;
  o->fee_minor = fee;
  o->state = ESCROW_COMPLETED;
  o->deadline_ms = 0;
  return HT_OK;
}

static int close_unpaid(struct step *s) {
  s->o->state = ESCROW_CLOSED;
  s->o->deadline_ms = 0;
  s->fx->close_open_payments = true;
  return HT_OK;
}

/* Stops the auto-confirm clock, keeping the time left (none once the deadline has passed). */
static void pause_clock(struct step *s) {
  if (s->o->state != ESCROW_SHIPPED) return;
  int64_t left = s->o->deadline_ms - s->now_ms;
  s->o->clock_remaining_ms = left > 0 ? left : 0;
  s->o->deadline_ms = 0;
}

/* Back to where the order was before the request or dispute; the clock runs again. */
static void resume(struct step *s) {
  struct escrow_order *o = s->o;
  o->refund_requested_minor = 0;
  o->state = o->shipped ? ESCROW_SHIPPED : ESCROW_PAID;
  if (o->shipped) o->deadline_ms = s->now_ms + o->clock_remaining_ms;
  o->clock_remaining_ms = 0;
}

/* After a refund: nothing left → refunded; else a request or dispute is answered. */
static void after_refund(struct step *s) {
  struct escrow_order *o = s->o;
  if (escrow_order_remaining_minor(o) == 0) {
    o->state = ESCROW_REFUNDED;
    o->deadline_ms = 0;
    o->clock_remaining_ms = 0;
    o->refund_requested_minor = 0;
  } else if (o->state == ESCROW_REFUND_REQUESTED || o->state == ESCROW_DISPUTED) {
    resume(s);
  }
}

/* ---- handlers, one per event ---- */

/* A payment that does not pay this order (wrong amount, or a second payment) is still money
 * the buyer gave: capture it and refund it in full, leaving the order as it was. */
static int stray_payment(struct step *s) {
  int rc = capture(s, s->ev->channel_id, s->ev->amount_minor);
  if (rc != HT_OK) return rc;
  return refund_out(s, s->ev->payment_id, s->ev->channel_id, s->ev->amount_minor);
}

static int on_pay_succeeded(struct step *s) {
  struct escrow_order *o = s->o;
  const struct escrow_event *ev = s->ev;
  if (ev->currency != o->currency) return HT_EINVAL;
  if (ev->payment_id == o->payment_id) return STEP_NOTHING_TO_DO; /* a duplicate notification */
  bool unpaid = o->state == ESCROW_PENDING_PAYMENT || o->state == ESCROW_CLOSED;
  if (!unpaid || ev->amount_minor != o->total_minor) return stray_payment(s);
  /* A late payment on a closed order reopens it only if its stock can be taken again. */
  bool reopen = o->state == ESCROW_PENDING_PAYMENT || ev->stock_available >= o->quantity;
  int rc = capture(s, ev->channel_id, ev->amount_minor);
  if (rc != HT_OK) return rc;
  o->payment_id = ev->payment_id;
  o->channel_id = ev->channel_id;
  o->deadline_ms = 0;
  if (reopen) {
    o->state = ESCROW_PAID;
    return HT_OK;
  }
  rc = refund_out(s, ev->payment_id, ev->channel_id, ev->amount_minor);
  if (rc == HT_OK) o->state = ESCROW_REFUNDED;
  return rc;
}

static int on_ship(struct step *s) {
  s->o->shipped = true;
  s->o->state = ESCROW_SHIPPED;
  s->o->deadline_ms = s->now_ms + s->policy->auto_confirm_ms[s->o->delivery];
  return HT_OK;
}

static int on_timer_due(struct step *s) {
  if (s->o->deadline_ms == 0 || s->now_ms < s->o->deadline_ms) return STEP_NOTHING_TO_DO;
  if (s->o->state == ESCROW_PENDING_PAYMENT) return close_unpaid(s);
  assert(s->o->state == ESCROW_SHIPPED); /* the only other state with a deadline */
  return release(s);
}

static int on_request_refund(struct step *s) {
  if (s->ev->amount_minor > escrow_order_remaining_minor(s->o)) return HT_ECONFLICT;
  pause_clock(s);
  s->o->state = ESCROW_REFUND_REQUESTED;
  s->o->refund_requested_minor = s->ev->amount_minor;
  return HT_OK;
}

static int on_answer_request(struct step *s) {
  resume(s);
  return HT_OK;
}

/* Approve a refund, or resolve a dispute with one (a zero refund resolves for the merchant). */
static int on_refund(struct step *s) {
  int64_t amount = s->ev->amount_minor;
  if (amount > escrow_order_remaining_minor(s->o)) return HT_ECONFLICT;
  if (amount > 0) {
    int rc = refund_out(s, s->o->payment_id, s->o->channel_id, amount);
    if (rc != HT_OK) return rc;
  }
  after_refund(s);
  return HT_OK;
}

static int on_open_dispute(struct step *s) {
  pause_clock(s);
  s->o->refund_requested_minor = 0;
  s->o->state = ESCROW_DISPUTED;
  return HT_OK;
}

static int (*const handlers[ESCROW_EVENT_COUNT])(struct step *) = {
    [ESCROW_EV_PAY_SUCCEEDED] = on_pay_succeeded,
    [ESCROW_EV_CANCEL] = close_unpaid,
    [ESCROW_EV_SHIP] = on_ship,
    [ESCROW_EV_CONFIRM] = release,
    [ESCROW_EV_TIMER_DUE] = on_timer_due,
    [ESCROW_EV_REQUEST_REFUND] = on_request_refund,
    [ESCROW_EV_WITHDRAW_REFUND] = on_answer_request,
    [ESCROW_EV_APPROVE_REFUND] = on_refund,
    [ESCROW_EV_REFUSE_REFUND] = on_answer_request,
    [ESCROW_EV_OPEN_DISPUTE] = on_open_dispute,
    [ESCROW_EV_RESOLVE_DISPUTE] = on_refund,
};

static enum escrow_stock_change stock_change(const struct escrow_order *before,
                                             const struct escrow_order *after) {
  bool held = escrow_order_holds_stock(before), holds = escrow_order_holds_stock(after);
  if (held == holds) return ESCROW_STOCK_KEEP;
  return holds ? ESCROW_STOCK_RESERVE : ESCROW_STOCK_RELEASE;
}

int escrow_apply(const struct escrow_order *order, const struct escrow_event *event, int64_t now_ms,
                 const struct escrow_policy *policy, struct escrow_order *next,
                 struct escrow_effects *effects) {
  memset(effects, 0, sizeof *effects);
  effects->outcome = ESCROW_NOTHING_TO_DO;
  if (escrow_order_check(order) != HT_OK || escrow_policy_check(policy) != HT_OK || !time_valid(now_ms))
    return HT_EINVAL;
  /* The state first: an event the state forbids is invalid_state whatever its amount (a
   * refund after release is 409 even when nothing remains to name as its default amount). */
  if ((unsigned)event->kind >= ESCROW_EVENT_COUNT) return HT_EINVAL;
  if (!escrow_event_allowed(order->state, event->kind)) return HT_ECONFLICT;
  int rc = event_check(order, event);
  if (rc != HT_OK) return rc;
  struct escrow_order work = *order;
  struct step s = {&work, event, now_ms, policy, effects};
  rc = handlers[event->kind](&s);
  if (rc == STEP_NOTHING_TO_DO) {
    *next = *order;
    return HT_OK;
  }
  if (rc != HT_OK) {
    memset(effects, 0, sizeof *effects);
    effects->outcome = ESCROW_NOTHING_TO_DO;
    return rc;
  }
  effects->outcome = ESCROW_APPLIED;
  effects->stock = stock_change(order, &work);
  work.version++;
  assert(escrow_order_check(&work) == HT_OK);
  *next = work;
  return HT_OK;
}
