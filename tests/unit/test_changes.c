/* Unit tests for the invalidation path of in-memory rows: platform/changes (subscribers,
 * payloads), kvcache's clear and its refusal to put back a row read before an invalidation,
 * and store_changed() on SQLite (told at commit, never after a rollback). The PostgreSQL side
 * (NOTIFY, the listener) is tested across two nodes in tests/cluster/test_caches.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "platform/changes.h"
#include "platform/kvcache.h"
#include "store/changes.h"
#include "store/db.h"
#include "store/db_driver.h" /* DB_CHANGES_PENDING_MAX */

/* What the recording subscriber heard. */
#define HEARD_MAX 64
static struct {
  char kind[HEARD_MAX];
  char key[HEARD_MAX][CHANGES_KEY_BYTES_MAX + 1];
  int count;
} heard;

static void record(enum change_kind kind, struct str key) {
  if (heard.count == HEARD_MAX) return;
  heard.kind[heard.count] = (char)kind;
  snprintf(heard.key[heard.count], sizeof heard.key[0], "%.*s", STR_FMT(key));
  heard.count++;
}

static int subscribe(void **state) {
  (void)state;
  memset(&heard, 0, sizeof heard);
  return changes_subscribe(record) == HT_OK ? 0 : -1;
}

static int unsubscribe(void **state) {
  (void)state;
  changes_unsubscribe(record);
  return 0;
}

static void test_publish_reaches_subscribers_once(void **state) {
  (void)state;
  assert_int_equal(changes_subscribe(record), HT_OK); /* a second registration is ignored */
  changes_publish(CHANGE_CODE, STR_LIT("7K3QX9"));
  assert_int_equal(heard.count, 1);
  assert_int_equal(heard.kind[0], 'c');
  assert_string_equal(heard.key[0], "7K3QX9");
  changes_unsubscribe(record);
  changes_publish(CHANGE_CODE, STR_LIT("7K3QX9"));
  assert_int_equal(heard.count, 1);
  assert_int_equal(changes_subscribe(record), HT_OK);
}

static void test_payloads_and_what_is_not_understood(void **state) {
  (void)state;
  changes_publish_payload(STR_LIT("c:ABC123"));
  changes_publish_payload(STR_LIT("m:42"));
  changes_publish_payload(STR_LIT("*:"));
  changes_publish_payload(STR_LIT("x:ABC")); /* unknown kind */
  changes_publish_payload(STR_LIT("cABC"));  /* no separator */
  changes_publish_payload(STR_LIT("c:"));    /* no key */
  changes_publish_payload(STR_LIT(""));      /* nothing */
  char longest[2 + CHANGES_KEY_BYTES_MAX + 2] = "c:";
  memset(longest + 2, 'K', CHANGES_KEY_BYTES_MAX + 1);
  changes_publish_payload((struct str){longest, 2 + CHANGES_KEY_BYTES_MAX});     /* the longest key */
  changes_publish_payload((struct str){longest, 2 + CHANGES_KEY_BYTES_MAX + 1}); /* one too long */
  assert_int_equal(heard.count, 9);
  const char *kinds = "cm*****c*";
  for (int i = 0; i < 9; i++) assert_int_equal(heard.kind[i], kinds[i]);
  assert_string_equal(heard.key[0], "ABC123");
  assert_string_equal(heard.key[1], "42");
  for (int i = 2; i < 7; i++) assert_string_equal(heard.key[i], ""); /* forget everything */
  assert_int_equal(strlen(heard.key[7]), CHANGES_KEY_BYTES_MAX);
  assert_string_equal(heard.key[8], "");
}

/* Distinct subscribers that do nothing, to fill the table. */
#define NOOP(n)                                                                                              \
  static void noop##n(enum change_kind kind, struct str key) {                                               \
    (void)kind;                                                                                              \
    (void)key;                                                                                               \
  }
NOOP(0)
NOOP(1)
NOOP(2)
NOOP(3)
NOOP(4)
NOOP(5)
NOOP(6)
NOOP(7)

static void test_subscriber_table_is_bounded(void **state) {
  (void)state;
  change_subscriber fns[] = {noop0, noop1, noop2, noop3, noop4, noop5, noop6, noop7};
  /* `record` holds one slot: CHANGES_SUBSCRIBERS_MAX - 1 more fit, the next does not. */
  for (size_t i = 0; i + 1 < CHANGES_SUBSCRIBERS_MAX; i++) assert_int_equal(changes_subscribe(fns[i]), HT_OK);
  assert_int_equal(changes_subscribe(fns[CHANGES_SUBSCRIBERS_MAX - 1]), HT_ERANGE);
  changes_publish(CHANGE_CODE, STR_LIT("ZZZZZZ"));
  assert_int_equal(heard.count, 1);
  for (size_t i = 0; i < CHANGES_SUBSCRIBERS_MAX; i++) changes_unsubscribe(fns[i]);
  assert_int_equal(changes_subscribe(noop7), HT_OK); /* a freed slot is reused */
  changes_unsubscribe(noop7);
}

static void test_kvcache_clear_and_delete(void **state) {
  (void)state;
  struct kvcache *c = kvcache_create(64, 60000, 64);
  assert_non_null(c);
  struct arena arena;
  arena_init(&arena, 4096);
  struct str v;
  kvcache_put(c, STR_LIT("a"), STR_LIT("1"), 1000);
  kvcache_put(c, STR_LIT("b"), STR_LIT("2"), 1000);
  assert_true(kvcache_get(c, STR_LIT("a"), 1001, &arena, &v) && str_eq(v, STR_LIT("1")));
  kvcache_delete(c, STR_LIT("a"));
  assert_false(kvcache_get(c, STR_LIT("a"), 1002, &arena, &v));
  assert_true(kvcache_get(c, STR_LIT("b"), 1002, &arena, &v));
  kvcache_clear(c);
  assert_false(kvcache_get(c, STR_LIT("b"), 1003, &arena, &v));
  kvcache_put(c, STR_LIT("b"), STR_LIT("3"), 1004); /* usable after a clear */
  assert_true(kvcache_get(c, STR_LIT("b"), 1005, &arena, &v) && str_eq(v, STR_LIT("3")));
  arena_free_all(&arena);
  kvcache_destroy(c);
}

static void test_kvcache_refuses_a_row_read_before_an_invalidation(void **state) {
  (void)state;
  struct kvcache *c = kvcache_create(64, 60000, 64);
  struct arena arena;
  arena_init(&arena, 4096);
  struct str v;
  /* Miss, read the store, put: kept. */
  assert_false(kvcache_get(c, STR_LIT("L7K3QX9"), 1000, &arena, &v));
  kvcache_put(c, STR_LIT("L7K3QX9"), STR_LIT("old"), 1000);
  assert_true(kvcache_get(c, STR_LIT("L7K3QX9"), 1001, &arena, &v) && str_eq(v, STR_LIT("old")));
  /* Miss, then a writer's invalidation lands while we read the store: our put is dropped. */
  kvcache_delete(c, STR_LIT("L7K3QX9"));
  assert_false(kvcache_get(c, STR_LIT("L7K3QX9"), 1002, &arena, &v));
  kvcache_delete(c, STR_LIT("L7K3QX9")); /* the invalidation */
  kvcache_put(c, STR_LIT("L7K3QX9"), STR_LIT("old"), 1003);
  assert_false(kvcache_get(c, STR_LIT("L7K3QX9"), 1004, &arena, &v));
  /* The next reader, who read after the change, keeps the new row. */
  kvcache_put(c, STR_LIT("L7K3QX9"), STR_LIT("new"), 1005);
  assert_true(kvcache_get(c, STR_LIT("L7K3QX9"), 1006, &arena, &v) && str_eq(v, STR_LIT("new")));
  /* A clear counts as an invalidation too. */
  assert_false(kvcache_get(c, STR_LIT("P00000A"), 1007, &arena, &v));
  kvcache_clear(c);
  kvcache_put(c, STR_LIT("P00000A"), STR_LIT("old"), 1008);
  assert_false(kvcache_get(c, STR_LIT("P00000A"), 1009, &arena, &v));
  /* A put without a preceding miss of that key (a writer storing what it wrote) is kept. */
  kvcache_put(c, STR_LIT("P00000A"), STR_LIT("written"), 1010);
  assert_true(kvcache_get(c, STR_LIT("P00000A"), 1011, &arena, &v) && str_eq(v, STR_LIT("written")));
  arena_free_all(&arena);
  kvcache_destroy(c);
}

DB_SQL(SQL_CREATE, "CREATE TABLE t (x INTEGER)");

static void test_store_changed_is_told_at_commit_only(void **state) {
  (void)state;
  struct db *db;
  char error[DB_ERROR_BYTES];
  assert_int_equal(db_open("sqlite::memory:", &db, error), HT_OK);
  assert_int_equal(db_exec(db, &SQL_CREATE, DB_NO_ARGS, NULL), HT_OK);

  assert_int_equal(db_begin(db, true), HT_OK);
  assert_int_equal(store_changed(db, CHANGE_CODE, STR_LIT("AAAAAA")), HT_OK);
  assert_int_equal(store_changed(db, CHANGE_CODE, STR_LIT("AAAAAA")), HT_OK); /* told once */
  assert_int_equal(store_changed(db, CHANGE_MERCHANT, STR_LIT("7")), HT_OK);
  assert_int_equal(heard.count, 0); /* not before the commit: readers would re-read the old row */
  assert_int_equal(db_commit(db), HT_OK);
  assert_int_equal(heard.count, 2);
  assert_string_equal(heard.key[0], "AAAAAA");
  assert_int_equal(heard.kind[1], 'm');

  assert_int_equal(db_begin(db, true), HT_OK);
  assert_int_equal(store_changed(db, CHANGE_CODE, STR_LIT("BBBBBB")), HT_OK);
  db_rollback(db);
  assert_int_equal(heard.count, 2); /* a rolled-back change announces nothing */

  assert_int_equal(db_begin(db, true), HT_OK);
  char code[8];
  for (int i = 0; i <= DB_CHANGES_PENDING_MAX; i++) {
    snprintf(code, sizeof code, "C%05d", i);
    assert_int_equal(store_changed(db, CHANGE_CODE, str_from_cstr(code)), HT_OK);
  }
  assert_int_equal(db_commit(db), HT_OK);
  assert_int_equal(heard.count, 3); /* more than fit: everything is forgotten instead */
  assert_int_equal(heard.kind[2], '*');

  assert_int_equal(store_changed(db, CHANGE_CODE, STR_LIT("CCCCCC")), HT_OK); /* no transaction: now */
  assert_int_equal(heard.count, 4);
  assert_int_equal(store_changed(db, CHANGE_CODE, STR_LIT("")), HT_EINVAL);
  char longest[CHANGES_KEY_BYTES_MAX + 1];
  memset(longest, 'K', sizeof longest);
  assert_int_equal(store_changed(db, CHANGE_CODE, (struct str){longest, CHANGES_KEY_BYTES_MAX}), HT_OK);
  assert_int_equal(store_changed(db, CHANGE_CODE, (struct str){longest, CHANGES_KEY_BYTES_MAX + 1}),
                   HT_EINVAL);
  db_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_publish_reaches_subscribers_once, subscribe, unsubscribe),
      cmocka_unit_test_setup_teardown(test_payloads_and_what_is_not_understood, subscribe, unsubscribe),
      cmocka_unit_test_setup_teardown(test_subscriber_table_is_bounded, subscribe, unsubscribe),
      cmocka_unit_test(test_kvcache_clear_and_delete),
      cmocka_unit_test(test_kvcache_refuses_a_row_read_before_an_invalidation),
      cmocka_unit_test_setup_teardown(test_store_changed_is_told_at_commit_only, subscribe, unsubscribe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
