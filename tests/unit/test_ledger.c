/* Unit tests for core/ledger: every posting builder (entries, balance, errors on both sides of
 * the amount range), account names, and the verifier catching each kind of violation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/ledger.h"
#include "core/status.h"

#define ORDER    42
#define MERCHANT 7
#define CHANNEL  3

static void entry_is(const struct ledger_posting *p, size_t i, enum ledger_account_kind kind, uint64_t owner,
                     int64_t amount) {
  assert_true(i < p->entry_count);
  assert_int_equal(p->entries[i].account.kind, kind);
  assert_int_equal(p->entries[i].account.owner_id, owner);
  assert_int_equal(p->entries[i].account.currency, CURRENCY_CNY);
  assert_true(p->entries[i].amount_minor == amount);
}

static void test_builders(void **state) {
  (void)state;
  struct ledger_posting p;
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, 5000, &p), HT_OK);
  assert_int_equal(p.kind, LEDGER_PAYMENT_CAPTURED);
  assert_int_equal(p.entry_count, 2);
  entry_is(&p, 0, LEDGER_CLEARING, CHANNEL, -5000);
  entry_is(&p, 1, LEDGER_ESCROW, ORDER, 5000);

  assert_int_equal(ledger_post_refund_approved(ORDER, CURRENCY_CNY, 1000, &p), HT_OK);
  entry_is(&p, 0, LEDGER_ESCROW, ORDER, -1000);
  entry_is(&p, 1, LEDGER_REFUNDS_PAYABLE, ORDER, 1000);

  assert_int_equal(ledger_post_refund_settled(ORDER, CHANNEL, CURRENCY_CNY, 1000, &p), HT_OK);
  entry_is(&p, 0, LEDGER_REFUNDS_PAYABLE, ORDER, -1000);
  entry_is(&p, 1, LEDGER_CLEARING, CHANNEL, 1000);

  assert_int_equal(ledger_post_payout_requested(MERCHANT, CURRENCY_CNY, 300, &p), HT_OK);
  entry_is(&p, 0, LEDGER_MERCHANT_AVAILABLE, MERCHANT, -300);
  entry_is(&p, 1, LEDGER_PAYOUTS_PAYABLE, MERCHANT, 300);

  assert_int_equal(ledger_post_payout_paid(MERCHANT, CHANNEL, CURRENCY_CNY, 300, &p), HT_OK);
  entry_is(&p, 0, LEDGER_PAYOUTS_PAYABLE, MERCHANT, -300);
  entry_is(&p, 1, LEDGER_CLEARING, CHANNEL, 300);

  assert_int_equal(ledger_post_payout_failed(MERCHANT, CURRENCY_CNY, 300, &p), HT_OK);
  entry_is(&p, 0, LEDGER_PAYOUTS_PAYABLE, MERCHANT, -300);
  entry_is(&p, 1, LEDGER_MERCHANT_AVAILABLE, MERCHANT, 300);
}

static void test_release_splits(void **state) {
  (void)state;
  struct ledger_posting p;
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 4000, 100, &p), HT_OK);
  assert_int_equal(p.kind, LEDGER_ESCROW_RELEASED);
  assert_int_equal(p.entry_count, 3);
  entry_is(&p, 0, LEDGER_ESCROW, ORDER, -4000);
  entry_is(&p, 1, LEDGER_MERCHANT_AVAILABLE, MERCHANT, 3900);
  entry_is(&p, 2, LEDGER_PLATFORM_FEES, 0, 100);
  /* Zero shares get no entry, on both ends of the fee range. */
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 4000, 0, &p), HT_OK);
  assert_int_equal(p.entry_count, 2);
  entry_is(&p, 1, LEDGER_MERCHANT_AVAILABLE, MERCHANT, 4000);
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 4000, 4000, &p), HT_OK);
  assert_int_equal(p.entry_count, 2);
  entry_is(&p, 1, LEDGER_PLATFORM_FEES, 0, 4000);
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 4000, 4001, &p), HT_ERANGE);
  assert_int_equal(p.entry_count, 0);
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 4000, -1, &p), HT_ERANGE);
}

static void test_builder_errors(void **state) {
  (void)state;
  struct ledger_posting p;
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, AMOUNT_MINOR_MAX, &p), HT_OK);
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, AMOUNT_MINOR_MAX + 1, &p),
                   HT_ERANGE);
  assert_int_equal(p.entry_count, 0);
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, 1, &p), HT_OK);
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, 0, &p), HT_ERANGE);
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, -5, &p), HT_ERANGE);
  assert_int_equal(ledger_post_payment_captured(0, ORDER, CURRENCY_CNY, 5, &p), HT_EINVAL);
  assert_int_equal(ledger_post_payment_captured(CHANNEL, 0, CURRENCY_CNY, 5, &p), HT_EINVAL);
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_COUNT, 5, &p), HT_EINVAL);
  assert_int_equal(ledger_post_refund_approved(0, CURRENCY_CNY, 5, &p), HT_EINVAL);
  assert_int_equal(ledger_post_payout_requested(MERCHANT, CURRENCY_CNY, 0, &p), HT_ERANGE);
  assert_int_equal(ledger_post_escrow_released(ORDER, 0, CURRENCY_CNY, 5, 0, &p), HT_EINVAL);
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 0, 0, &p), HT_ERANGE);
}

static void test_names_and_accounts(void **state) {
  (void)state;
  for (int k = LEDGER_CLEARING; k < LEDGER_ACCOUNT_KIND_END; k++) {
    enum ledger_account_kind back = 0;
    const char *name = ledger_account_kind_name((enum ledger_account_kind)k);
    assert_int_equal(ledger_account_kind_from_name(str_from_cstr(name), &back), HT_OK);
    assert_int_equal(back, k);
  }
  enum ledger_account_kind kind;
  assert_int_equal(ledger_account_kind_from_name(STR_LIT("Escrow"), &kind), HT_EINVAL);
  assert_string_equal(ledger_account_kind_name(0), "invalid");
  assert_string_equal(ledger_account_kind_name(LEDGER_ACCOUNT_KIND_END), "invalid");
  assert_string_equal(ledger_posting_kind_name(LEDGER_ESCROW_RELEASED), "escrow_released");
  assert_string_equal(ledger_posting_kind_name(0), "invalid");

  struct ledger_account fees = {LEDGER_PLATFORM_FEES, 0, CURRENCY_CNY};
  assert_true(ledger_account_valid(&fees));
  fees.owner_id = 1;
  assert_false(ledger_account_valid(&fees));
  struct ledger_account escrow = {LEDGER_ESCROW, 0, CURRENCY_CNY};
  assert_false(ledger_account_valid(&escrow));
  escrow.owner_id = ORDER;
  assert_true(ledger_account_valid(&escrow));
  escrow.currency = CURRENCY_COUNT;
  assert_false(ledger_account_valid(&escrow));
  struct ledger_account a = {LEDGER_ESCROW, ORDER, CURRENCY_CNY}, b = a;
  assert_true(ledger_account_eq(&a, &b));
  b.currency = CURRENCY_USD;
  assert_false(ledger_account_eq(&a, &b));
}

static void test_balance_overflow_sticks(void **state) {
  (void)state;
  struct ledger_balance b = {0, false};
  ledger_balance_add(&b, INT64_MAX);
  assert_false(b.overflow);
  ledger_balance_add(&b, 1);
  assert_true(b.overflow);
  ledger_balance_add(&b, -INT64_MAX);
  assert_true(b.overflow);
}

/* A small clean ledger: capture 50.00, refund 10.00 (settled), release 40.00 with a 1.00 fee,
 * pay out 39.00. */
static size_t clean_ledger(struct ledger_posting *p) {
  size_t n = 0;
  assert_int_equal(ledger_post_payment_captured(CHANNEL, ORDER, CURRENCY_CNY, 5000, &p[n++]), HT_OK);
  assert_int_equal(ledger_post_refund_approved(ORDER, CURRENCY_CNY, 1000, &p[n++]), HT_OK);
  assert_int_equal(ledger_post_refund_settled(ORDER, CHANNEL, CURRENCY_CNY, 1000, &p[n++]), HT_OK);
  assert_int_equal(ledger_post_escrow_released(ORDER, MERCHANT, CURRENCY_CNY, 4000, 100, &p[n++]), HT_OK);
  assert_int_equal(ledger_post_payout_requested(MERCHANT, CURRENCY_CNY, 3900, &p[n++]), HT_OK);
  return n;
}

/* Recomputes one account's balance from postings. */
static struct ledger_balance balance_of(const struct ledger_posting *p, size_t n, struct ledger_account a) {
  struct ledger_balance b = {0, false};
  for (size_t i = 0; i < n; i++)
    for (size_t e = 0; e < p[i].entry_count; e++)
      if (ledger_account_eq(&p[i].entries[e].account, &a))
        ledger_balance_add(&b, p[i].entries[e].amount_minor);
  return b;
}

static void test_verify_clean(void **state) {
  (void)state;
  struct ledger_posting p[8];
  size_t n = clean_ledger(p);
  struct ledger_violation found[4];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 4);
  for (size_t i = 0; i < n; i++) ledger_verify_posting(&v, i + 1, &p[i]);
  const struct ledger_account accounts[] = {
      {LEDGER_CLEARING, CHANNEL, CURRENCY_CNY},         {LEDGER_ESCROW, ORDER, CURRENCY_CNY},
      {LEDGER_REFUNDS_PAYABLE, ORDER, CURRENCY_CNY},    {LEDGER_MERCHANT_AVAILABLE, MERCHANT, CURRENCY_CNY},
      {LEDGER_PAYOUTS_PAYABLE, MERCHANT, CURRENCY_CNY}, {LEDGER_PLATFORM_FEES, 0, CURRENCY_CNY},
  };
  for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++) {
    struct ledger_balance b = balance_of(p, n, accounts[i]);
    ledger_verify_account(&v, &accounts[i], &b, b.balance_minor);
  }
  assert_true(balance_of(p, n, accounts[0]).balance_minor == -4000); /* clearing is the world's side */
  struct ledger_order_summary order = {ORDER, CURRENCY_CNY, 5000, 1000, 4000};
  ledger_verify_order(&v, &order, balance_of(p, n, accounts[1]).balance_minor);
  ledger_verify_finish(&v);
  assert_true(ledger_verify_ok(&v));
  assert_int_equal(v.transactions_seen, n);
  assert_int_equal(v.entries_seen, 11);
}

static void test_verify_unbalanced_transaction(void **state) {
  (void)state;
  struct ledger_violation found[4];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 4);
  struct ledger_entry a = {{LEDGER_CLEARING, CHANNEL, CURRENCY_CNY}, -5000};
  struct ledger_entry b = {{LEDGER_ESCROW, ORDER, CURRENCY_CNY}, 4999};
  ledger_verify_txn_begin(&v, 17);
  ledger_verify_txn_entry(&v, &a);
  ledger_verify_txn_entry(&v, &b);
  ledger_verify_txn_end(&v);
  assert_int_equal(v.violation_count, 1);
  assert_int_equal(found[0].kind, LEDGER_VIOLATION_UNBALANCED);
  assert_int_equal(found[0].txn_id, 17);
  assert_string_equal(found[0].message, "transaction 17: CNY entries sum to -0.01, not 0");
  ledger_verify_finish(&v);
  assert_int_equal(v.violation_count, 2);
  assert_int_equal(found[1].kind, LEDGER_VIOLATION_TOTAL_UNBALANCED);
  assert_string_equal(found[1].message, "the ledger: CNY entries sum to -0.01, not 0");
}

static void test_verify_currency_mix_and_empty(void **state) {
  (void)state;
  struct ledger_violation found[8];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 8);
  /* Balanced in total, but across two currencies: unbalanced in each. */
  struct ledger_entry a = {{LEDGER_CLEARING, CHANNEL, CURRENCY_CNY}, -100};
  struct ledger_entry b = {{LEDGER_ESCROW, ORDER, CURRENCY_USD}, 100};
  ledger_verify_txn_begin(&v, 1);
  ledger_verify_txn_entry(&v, &a);
  ledger_verify_txn_entry(&v, &b);
  ledger_verify_txn_begin(&v, 2); /* begins end the open one */
  ledger_verify_txn_end(&v);      /* transaction 2 is empty */
  assert_int_equal(v.violation_count, 3);
  assert_int_equal(found[0].kind, LEDGER_VIOLATION_UNBALANCED);
  assert_int_equal(found[1].kind, LEDGER_VIOLATION_UNBALANCED);
  assert_string_equal(found[2].message, "transaction 2 has no entries");
}

static void test_verify_bad_entries(void **state) {
  (void)state;
  struct ledger_violation found[8];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 8);
  struct ledger_entry zero = {{LEDGER_ESCROW, ORDER, CURRENCY_CNY}, 0};
  struct ledger_entry no_owner = {{LEDGER_ESCROW, 0, CURRENCY_CNY}, 5};
  struct ledger_entry no_currency = {{LEDGER_ESCROW, ORDER, CURRENCY_COUNT}, 5};
  struct ledger_entry too_big = {{LEDGER_ESCROW, ORDER, CURRENCY_CNY}, AMOUNT_MINOR_MAX + 1};
  struct ledger_entry offset = {{LEDGER_CLEARING, CHANNEL, CURRENCY_CNY}, -(AMOUNT_MINOR_MAX + 1) - 5};
  ledger_verify_txn_begin(&v, 9);
  ledger_verify_txn_entry(&v, &zero);
  ledger_verify_txn_entry(&v, &no_owner);
  ledger_verify_txn_entry(&v, &no_currency);
  ledger_verify_txn_entry(&v, &too_big);
  ledger_verify_txn_entry(&v, &offset);
  ledger_verify_txn_end(&v);
  /* Five bad entries; what is summable still sums to 0 in CNY, so nothing is unbalanced. */
  assert_int_equal(v.violation_count, 5);
  for (int i = 0; i < 5; i++) assert_int_equal(found[i].kind, LEDGER_VIOLATION_BAD_ENTRY);
  assert_non_null(strstr(found[0].message, "is zero"));
  assert_non_null(strstr(found[1].message, "invalid account"));
  assert_non_null(strstr(found[3].message, "AMOUNT_MINOR_MAX"));
}

static void test_verify_accounts(void **state) {
  (void)state;
  struct ledger_violation found[8];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 8);
  struct ledger_account merchant = {LEDGER_MERCHANT_AVAILABLE, MERCHANT, CURRENCY_CNY};
  struct ledger_account clearing = {LEDGER_CLEARING, CHANNEL, CURRENCY_CNY};
  struct ledger_balance b = {-1, false};
  ledger_verify_account(&v, &clearing, &b, -1); /* clearing may be negative */
  assert_true(ledger_verify_ok(&v));
  ledger_verify_account(&v, &merchant, &b, -1);
  assert_int_equal(v.violation_count, 1);
  assert_int_equal(found[0].kind, LEDGER_VIOLATION_NEGATIVE_BALANCE);
  assert_string_equal(found[0].message, "account merchant_available/7/CNY: balance -0.01 is negative");
  b.balance_minor = 0;
  ledger_verify_account(&v, &merchant, &b, 0); /* zero is fine */
  assert_int_equal(v.violation_count, 1);
  b.balance_minor = 1200;
  ledger_verify_account(&v, &merchant, &b, 1250);
  assert_int_equal(v.violation_count, 2);
  assert_int_equal(found[1].kind, LEDGER_VIOLATION_CACHE_MISMATCH);
  assert_string_equal(found[1].message,
                      "account merchant_available/7/CNY: cached balance 12.50 differs from recomputed 12.00");
  b.overflow = true;
  ledger_verify_account(&v, &merchant, &b, 0);
  assert_int_equal(found[2].kind, LEDGER_VIOLATION_OVERFLOW);
  struct ledger_account bad = {LEDGER_PLATFORM_FEES, 9, CURRENCY_CNY};
  struct ledger_balance zero = {0, false};
  ledger_verify_account(&v, &bad, &zero, 0);
  assert_int_equal(found[3].kind, LEDGER_VIOLATION_BAD_ENTRY);
  assert_int_equal(v.violation_count, 4);
}

static void test_verify_orders(void **state) {
  (void)state;
  struct ledger_violation found[8];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 8);
  struct ledger_order_summary o = {ORDER, CURRENCY_CNY, 5000, 1000, 0};
  ledger_verify_order(&v, &o, 4000);
  assert_true(ledger_verify_ok(&v));
  ledger_verify_order(&v, &o, 3999);
  assert_int_equal(found[0].kind, LEDGER_VIOLATION_ESCROW_MISMATCH);
  assert_int_equal(found[0].order_id, ORDER);
  assert_string_equal(found[0].message,
                      "order 42: escrow holds 39.99 CNY but paid - refunded - released = 40.00");
  o.released_minor = 4001; /* released more than is left: negative escrow */
  ledger_verify_order(&v, &o, -1);
  assert_int_equal(found[1].kind, LEDGER_VIOLATION_ESCROW_NEGATIVE);
  o.released_minor = 4000;
  ledger_verify_order(&v, &o, 0);
  assert_int_equal(v.violation_count, 2);
  o.paid_minor = INT64_MIN; /* the subtraction itself overflows */
  ledger_verify_order(&v, &o, 0);
  assert_int_equal(found[2].kind, LEDGER_VIOLATION_OVERFLOW);
  o = (struct ledger_order_summary){ORDER, CURRENCY_CNY, 0, -5, 0}; /* a negative counter */
  ledger_verify_order(&v, &o, 5);
  assert_int_equal(found[3].kind, LEDGER_VIOLATION_ESCROW_NEGATIVE);
}

static void test_verify_violation_array_bound(void **state) {
  (void)state;
  struct ledger_violation found[2];
  struct ledger_verify v;
  ledger_verify_init(&v, found, 2);
  struct ledger_entry e = {{LEDGER_ESCROW, UINT64_MAX, CURRENCY_CNY}, INT64_MIN};
  for (uint64_t t = 0; t < 5; t++) {
    ledger_verify_txn_begin(&v, UINT64_MAX - t);
    ledger_verify_txn_entry(&v, &e);
  }
  ledger_verify_finish(&v);
  assert_true(v.violation_count > 2); /* every one counted, two kept */
  assert_true(strlen(found[1].message) < LEDGER_VIOLATION_MESSAGE_BYTES);
  /* Counting only: no array at all. */
  ledger_verify_init(&v, NULL, 10);
  ledger_verify_txn_begin(&v, 1);
  ledger_verify_finish(&v);
  assert_int_equal(v.violation_count, 1);
  assert_false(ledger_verify_ok(&v));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builders),
      cmocka_unit_test(test_release_splits),
      cmocka_unit_test(test_builder_errors),
      cmocka_unit_test(test_names_and_accounts),
      cmocka_unit_test(test_balance_overflow_sticks),
      cmocka_unit_test(test_verify_clean),
      cmocka_unit_test(test_verify_unbalanced_transaction),
      cmocka_unit_test(test_verify_currency_mix_and_empty),
      cmocka_unit_test(test_verify_bad_entries),
      cmocka_unit_test(test_verify_accounts),
      cmocka_unit_test(test_verify_orders),
      cmocka_unit_test(test_verify_violation_array_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
