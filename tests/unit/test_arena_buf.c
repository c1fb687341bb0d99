/* Unit tests for core/arena and core/buf: both sides of every maximum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/status.h"

static void test_arena_alloc_and_max(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, 3 * ARENA_BLOCK_BYTES);
  char *p = arena_alloc(&a, 100);
  assert_non_null(p);
  assert_int_equal(p[99], 0); /* zeroed */
  assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
  assert_non_null(arena_alloc(&a, ARENA_BLOCK_BYTES)); /* needs a second block */
  assert_non_null(arena_alloc(&a, ARENA_BLOCK_BYTES)); /* third block, exactly at the max */
  assert_null(arena_alloc(&a, ARENA_BLOCK_BYTES));     /* one more block: over the max */
  assert_null(arena_alloc(&a, 4 * ARENA_BLOCK_BYTES)); /* larger than the max itself */
  arena_free_all(&a);
  assert_int_equal(a.used_bytes, 0);
  assert_non_null(arena_alloc(&a, 10)); /* reusable after free_all */
  arena_free_all(&a);
}

static void test_arena_strings(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, 1 << 20);
  assert_string_equal(arena_strndup(&a, "hello world", 5), "hello");
  assert_string_equal(arena_printf(&a, "%s-%d", "code", 42), "code-42");
  assert_string_equal(arena_strdup_str(&a, STR_LIT("view")), "view");
  arena_free_all(&a);
}

static void test_buf_limit_both_sides(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, 1 << 20);
  struct buf b;
  buf_init(&b, &a, 10);
  assert_int_equal(buf_append_cstr(&b, "0123456789"), HT_OK); /* exactly len_max */
  assert_int_equal(b.len, 10);
  assert_int_equal(buf_append_cstr(&b, "x"), HT_ETOOBIG); /* one past */
  assert_int_equal(b.len, 10);                            /* unchanged */
  assert_string_equal(b.data, "0123456789");
  struct buf c;
  buf_init(&c, &a, 4096);
  for (int i = 0; i < 100; i++) assert_int_equal(buf_printf(&c, "%02d,", i), HT_OK);
  assert_int_equal(c.len, 300);
  assert_true(str_has_prefix(buf_view(&c), STR_LIT("00,01,02,")));
  arena_free_all(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arena_alloc_and_max),
      cmocka_unit_test(test_arena_strings),
      cmocka_unit_test(test_buf_limit_both_sides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
