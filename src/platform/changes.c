/* changes.c — the subscriber table and payload parsing (see changes.h). The table's slots are
 * atomics so that a publish racing a late (un)registration reads either the old or the new
 * pointer, never a torn one. */
#include "platform/changes.h"

#include <stdatomic.h>
#include <stddef.h>

#include "core/status.h"

static _Atomic(change_subscriber) subscribers[CHANGES_SUBSCRIBERS_MAX];

int changes_subscribe(change_subscriber fn) {
  for (size_t i = 0; i < CHANGES_SUBSCRIBERS_MAX; i++)
    if (atomic_load(&subscribers[i]) == fn) return HT_OK;
  for (size_t i = 0; i < CHANGES_SUBSCRIBERS_MAX; i++) {
    change_subscriber empty = NULL;
    if (atomic_compare_exchange_strong(&subscribers[i], &empty, fn)) return HT_OK;
  }
  return HT_ERANGE;
}

void changes_unsubscribe(change_subscriber fn) {
  for (size_t i = 0; i < CHANGES_SUBSCRIBERS_MAX; i++) {
    change_subscriber expected = fn;
    atomic_compare_exchange_strong(&subscribers[i], &expected, NULL);
  }
}

static bool kind_is_known(enum change_kind kind) {
  return kind == CHANGE_ALL || kind == CHANGE_CODE || kind == CHANGE_MERCHANT;
}

void changes_publish(enum change_kind kind, struct str key) {
  if (!kind_is_known(kind) || key.len > CHANGES_KEY_BYTES_MAX || (kind != CHANGE_ALL && key.len == 0))
    kind = CHANGE_ALL;
  if (kind == CHANGE_ALL) key = STR_LIT("");
  for (size_t i = 0; i < CHANGES_SUBSCRIBERS_MAX; i++) {
    change_subscriber fn = atomic_load(&subscribers[i]);
    if (fn) fn(kind, key);
  }
}

void changes_publish_payload(struct str payload) {
  if (payload.len < 2 || payload.data[1] != ':') return changes_publish(CHANGE_ALL, STR_LIT(""));
  struct str key = {payload.data + 2, payload.len - 2};
  changes_publish((enum change_kind)(unsigned char)payload.data[0], key);
}
