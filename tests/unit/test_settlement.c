/* Unit tests for core/settlement: payout requests and batches on both sides of every bound,
 * and the postings that follow a channel's answer to a payout or a refund. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/settlement.h"
#include "core/status.h"

static void test_payout_request_both_sides(void **state) {
  (void)state;
  assert_int_equal(payout_request_check(500, 500), HT_OK);
  assert_int_equal(payout_request_check(500, 1), HT_OK);
  assert_int_equal(payout_request_check(500, 501), HT_ECONFLICT);
  assert_int_equal(payout_request_check(500, 0), HT_ERANGE);
  assert_int_equal(payout_request_check(500, -1), HT_ERANGE);
  assert_int_equal(payout_request_check(INT64_MAX, AMOUNT_MINOR_MAX), HT_OK);
  assert_int_equal(payout_request_check(INT64_MAX, AMOUNT_MINOR_MAX + 1), HT_ERANGE);
  assert_int_equal(payout_request_check(0, 1), HT_ECONFLICT);
  assert_int_equal(payout_request_check(-1, 1), HT_EINVAL);
}

static void test_payout_batch(void **state) {
  (void)state;
  struct payout_policy p;
  payout_policy_default(&p);
  assert_int_equal(p.batch_min_minor, PAYOUT_BATCH_MIN_MINOR_DEFAULT);
  assert_int_equal(payout_batch_amount(PAYOUT_BATCH_MIN_MINOR_DEFAULT, &p), PAYOUT_BATCH_MIN_MINOR_DEFAULT);
  assert_int_equal(payout_batch_amount(PAYOUT_BATCH_MIN_MINOR_DEFAULT - 1, &p), 0);
  assert_int_equal(payout_batch_amount(0, &p), 0);
  assert_int_equal(payout_batch_amount(-5, &p), 0);
  assert_true(payout_batch_amount(AMOUNT_MINOR_MAX, &p) == AMOUNT_MINOR_MAX);
  assert_true(payout_batch_amount(AMOUNT_MINOR_MAX + 1, &p) == AMOUNT_MINOR_MAX); /* rest waits */
  p.batch_min_minor = 0;
  assert_int_equal(payout_batch_amount(500, &p), 0); /* invalid policy pays nothing */
  p.batch_min_minor = 1;
  assert_int_equal(payout_batch_amount(1, &p), 1);
}

static void test_payout_answers(void **state) {
  (void)state;
  struct ledger_posting post;
  bool has = false;
  assert_int_equal(payout_answer_posting(CHANNEL_CHANGE_SUCCEEDED, 7, 3, CURRENCY_CNY, 500, &post, &has),
                   HT_OK);
  assert_true(has);
  assert_int_equal(post.kind, LEDGER_PAYOUT_PAID);
  assert_int_equal(post.entries[0].account.kind, LEDGER_PAYOUTS_PAYABLE);
  assert_int_equal(post.entries[1].account.kind, LEDGER_CLEARING);
  assert_int_equal(payout_answer_posting(CHANNEL_CHANGE_FAILED, 7, 3, CURRENCY_CNY, 500, &post, &has), HT_OK);
  assert_true(has);
  assert_int_equal(post.kind, LEDGER_PAYOUT_FAILED);
  assert_int_equal(post.entries[1].account.kind, LEDGER_MERCHANT_AVAILABLE);
  assert_int_equal(payout_answer_posting(CHANNEL_CHANGE_STATUS, 7, 3, CURRENCY_CNY, 500, &post, &has), HT_OK);
  assert_false(has);
  assert_int_equal(payout_answer_posting(CHANNEL_CHANGE_NONE, 7, 3, CURRENCY_CNY, 500, &post, &has), HT_OK);
  assert_false(has);
  assert_int_equal(payout_answer_posting(CHANNEL_CHANGE_SUCCEEDED, 7, 3, CURRENCY_CNY, 0, &post, &has),
                   HT_ERANGE);
}

static void test_refund_answers(void **state) {
  (void)state;
  struct ledger_posting post;
  bool has = false;
  assert_int_equal(refund_answer_posting(CHANNEL_CHANGE_SUCCEEDED, 42, 3, CURRENCY_CNY, 500, &post, &has),
                   HT_OK);
  assert_true(has);
  assert_int_equal(post.kind, LEDGER_REFUND_SETTLED);
  assert_int_equal(post.entries[0].account.kind, LEDGER_REFUNDS_PAYABLE);
  assert_int_equal(post.entries[0].amount_minor, -500);
  /* A failed refund moves nothing: the buyer is still owed. */
  assert_int_equal(refund_answer_posting(CHANNEL_CHANGE_FAILED, 42, 3, CURRENCY_CNY, 500, &post, &has),
                   HT_OK);
  assert_false(has);
  assert_int_equal(post.entry_count, 0);
  assert_int_equal(refund_answer_posting(CHANNEL_CHANGE_STATUS, 42, 3, CURRENCY_CNY, 500, &post, &has),
                   HT_OK);
  assert_false(has);
  assert_int_equal(refund_answer_posting(CHANNEL_CHANGE_SUCCEEDED, 0, 3, CURRENCY_CNY, 500, &post, &has),
                   HT_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_payout_request_both_sides),
      cmocka_unit_test(test_payout_batch),
      cmocka_unit_test(test_payout_answers),
      cmocka_unit_test(test_refund_answers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
