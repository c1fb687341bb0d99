/*
 * clicks.h — recorded opens of codes (link clicks, QR scans, token resolves, handoffs) and
 * the merchant's statistics over them.
 *
 * Recording is never on the request path: the jobs layer batches events in memory and calls
 * store_clicks_insert() with a whole batch in one transaction.
 */
#ifndef HUTONG_STORE_CLICKS_H
#define HUTONG_STORE_CLICKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/code.h"
#include "core/str.h"
#include "store/db.h"

/* Longest channel tag (?ch=wechat_group_3): short campaign names. */
#define CLICK_CHANNEL_BYTES_MAX 32

/* True for a channel tag: 1..CLICK_CHANNEL_BYTES_MAX bytes of [A-Za-z0-9_-]. */
static inline bool click_channel_valid(struct str channel) {
  if (channel.len == 0 || channel.len > CLICK_CHANNEL_BYTES_MAX) return false;
  for (size_t i = 0; i < channel.len; i++) {
    char c = channel.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

struct click_event {
  int64_t merchant_id;
  char code[CODE_PUBLIC_LEN + 1];
  const char *source;                        /* "link", "qr", "token", "handoff" (static strings) */
  const char *client_class;                  /* client_class_name() */
  const char *os;                            /* client_os_name() */
  char channel[CLICK_CHANNEL_BYTES_MAX + 1]; /* "" when none */
  int64_t at_ms;
  uint32_t opens; /* how many opens this row stands for once rolled up (0 is read as 1) */
};

/* Inserts `count` (rolled-up) events, inside the caller's transaction. */
int store_clicks_insert(struct db *db, const struct click_event *events, size_t count);

/* One row of a breakdown: a key ("wechat", "qr", "2026-11-23", ...) and its count. */
typedef void (*click_stat_fn)(void *user, const char *dimension, struct str key, int64_t count);

/* Counts the opens of `code` (owned by `merchant_id`) between from_ms and to_ms, grouped by
 * client class, OS, source, channel and UTC day; calls `each` once per group. */
int store_clicks_stats(struct db *db, int64_t merchant_id, struct str code, int64_t from_ms, int64_t to_ms,
                       click_stat_fn each, void *user);

#endif
