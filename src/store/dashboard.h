/*
 * dashboard.h — the merchant dashboard's reads that no API resource needed: opens of all of a
 * merchant's codes at once, broken down by client app or by channel and by source.
 *
 * store_clicks_stats() (clicks.h) answers for one code; the dashboard's chart shows the whole
 * shop, or one code when the merchant picks it, with the same counting rules.
 */
#ifndef HUTONG_STORE_DASHBOARD_H
#define HUTONG_STORE_DASHBOARD_H

#include <stdint.h>

#include "core/str.h"
#include "store/db.h"

enum click_grouping {
  CLICKS_BY_CLIENT,  /* client_class: wechat, alipay, ios_browser, ... */
  CLICKS_BY_CHANNEL, /* the ?ch= campaign tag, "" for opens without one */
};

/* Calls each(user, key, source, count) for every (key, source) group of the opens of
 * `merchant_id`'s codes (only `code` when it is non-empty) in [from_ms, to_ms). `source` is
 * "link", "qr", "token" or "handoff". Groups come largest key total first is not promised:
 * the caller orders them. */
int store_clicks_breakdown(struct db *db, int64_t merchant_id, struct str code, enum click_grouping grouping,
                           int64_t from_ms, int64_t to_ms,
                           void (*each)(void *user, struct str key, struct str source, int64_t count),
                           void *user);

#endif
