/* Unit tests for core/channel_call: every (status, outcome) pair against an expected table
 * written out here, contradictions, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/channel_call.h"
#include "core/status.h"

#define P  CHANNEL_CALL_PENDING
#define U  CHANNEL_CALL_UNKNOWN
#define OK CHANNEL_CALL_SUCCEEDED
#define F  CHANNEL_CALL_FAILED

struct expect {
  enum channel_call_status next;
  enum channel_call_change change;
  int rc;
};

#define E(n, c)                                                                                              \
  { n, CHANNEL_CHANGE_##c, HT_OK }
#define CONFLICT                                                                                             \
  { P, CHANNEL_CHANGE_NONE, HT_ECONFLICT }

/* Columns: SUCCEEDED, FAILED, IN_PROGRESS, TIMEOUT. */
static const struct expect expected[CHANNEL_CALL_STATUS_COUNT][CHANNEL_OUTCOME_COUNT] = {
    [CHANNEL_CALL_PENDING] = {E(OK, SUCCEEDED), E(F, FAILED), E(P, NONE), E(U, STATUS)},
    [CHANNEL_CALL_UNKNOWN] = {E(OK, SUCCEEDED), E(F, FAILED), E(P, STATUS), E(U, NONE)},
    [CHANNEL_CALL_SUCCEEDED] = {E(OK, NONE), CONFLICT, E(OK, NONE), E(OK, NONE)},
    [CHANNEL_CALL_FAILED] = {CONFLICT, E(F, NONE), E(F, NONE), E(F, NONE)},
};

static void test_every_pair(void **state) {
  (void)state;
  for (int s = 0; s < CHANNEL_CALL_STATUS_COUNT; s++) {
    for (int o = 0; o < CHANNEL_OUTCOME_COUNT; o++) {
      enum channel_call_status next = (enum channel_call_status)99;
      enum channel_call_change change = (enum channel_call_change)99;
      int rc = channel_call_apply((enum channel_call_status)s, (enum channel_outcome)o, &next, &change);
      const struct expect *e = &expected[s][o];
      if (rc != e->rc)
        fail_msg("%s + %s: rc %d", channel_call_status_name((enum channel_call_status)s),
                 channel_outcome_name((enum channel_outcome)o), rc);
      if (rc != HT_OK) {
        assert_int_equal(next, 99); /* nothing written on a contradiction */
        continue;
      }
      assert_int_equal(next, e->next);
      assert_int_equal(change, e->change);
    }
  }
}

static void test_money_moves_once(void **state) {
  (void)state;
  /* A timeout, a reconciliation saying "still paying", then the notification twice. */
  enum channel_call_status s = CHANNEL_CALL_PENDING;
  enum channel_call_change change;
  const enum channel_outcome answers[] = {CHANNEL_OUTCOME_TIMEOUT,   CHANNEL_OUTCOME_IN_PROGRESS,
                                          CHANNEL_OUTCOME_TIMEOUT,   CHANNEL_OUTCOME_SUCCEEDED,
                                          CHANNEL_OUTCOME_SUCCEEDED, CHANNEL_OUTCOME_TIMEOUT};
  int moves = 0;
  for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
    assert_int_equal(channel_call_apply(s, answers[i], &s, &change), HT_OK);
    if (change == CHANNEL_CHANGE_SUCCEEDED) moves++;
  }
  assert_int_equal(moves, 1);
  assert_int_equal(s, CHANNEL_CALL_SUCCEEDED);
}

static void test_invalid_values(void **state) {
  (void)state;
  enum channel_call_status next;
  enum channel_call_change change;
  assert_int_equal(channel_call_apply(CHANNEL_CALL_STATUS_COUNT, CHANNEL_OUTCOME_SUCCEEDED, &next, &change),
                   HT_EINVAL);
  assert_int_equal(channel_call_apply(CHANNEL_CALL_PENDING, CHANNEL_OUTCOME_COUNT, &next, &change),
                   HT_EINVAL);
}

static void test_names(void **state) {
  (void)state;
  for (int s = 0; s < CHANNEL_CALL_STATUS_COUNT; s++) {
    enum channel_call_status back = CHANNEL_CALL_STATUS_COUNT;
    const char *name = channel_call_status_name((enum channel_call_status)s);
    assert_int_equal(channel_call_status_from_name(str_from_cstr(name), &back), HT_OK);
    assert_int_equal(back, s);
  }
  assert_string_equal(channel_call_status_name(CHANNEL_CALL_UNKNOWN), "unknown");
  assert_string_equal(channel_call_status_name(CHANNEL_CALL_STATUS_COUNT), "invalid");
  assert_string_equal(channel_outcome_name(CHANNEL_OUTCOME_IN_PROGRESS), "in_progress");
  assert_string_equal(channel_outcome_name(CHANNEL_OUTCOME_COUNT), "invalid");
  enum channel_call_status s;
  assert_int_equal(channel_call_status_from_name(STR_LIT("Unknown"), &s), HT_EINVAL);
  assert_int_equal(channel_call_status_from_name(STR_LIT("invalid"), &s), HT_EINVAL);
}

static void test_retry_delay(void **state) {
  (void)state;
  assert_int_equal(channel_call_retry_delay_ms(1), CHANNEL_CALL_RETRY_FIRST_MS);
  assert_int_equal(channel_call_retry_delay_ms(0), CHANNEL_CALL_RETRY_FIRST_MS);
  assert_int_equal(channel_call_retry_delay_ms(-5), CHANNEL_CALL_RETRY_FIRST_MS);
  assert_int_equal(channel_call_retry_delay_ms(2), 2 * CHANNEL_CALL_RETRY_FIRST_MS);
  assert_int_equal(channel_call_retry_delay_ms(4), 8 * CHANNEL_CALL_RETRY_FIRST_MS);
  int64_t previous = 0;
  for (int64_t a = 1; a < 100; a++) { /* grows, never shrinks, and stops at the cap */
    int64_t d = channel_call_retry_delay_ms(a);
    assert_true(d >= previous && d <= CHANNEL_CALL_RETRY_MAX_MS);
    previous = d;
  }
  assert_int_equal(previous, CHANNEL_CALL_RETRY_MAX_MS);
  assert_int_equal(channel_call_retry_delay_ms(INT64_MAX), CHANNEL_CALL_RETRY_MAX_MS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_pair),     cmocka_unit_test(test_money_moves_once),
      cmocka_unit_test(test_invalid_values), cmocka_unit_test(test_names),
      cmocka_unit_test(test_retry_delay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
