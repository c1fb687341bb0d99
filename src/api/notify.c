/* notify.c — POST /notify/{channel}/{merchant}: every wallet's notification goes through the same
 * pipeline: the channel verifies and parses it (signature, timestamp, decryption), the
 * delivery is recorded (a repeat of a delivery already processed is acknowledged and changes
 * nothing), and the answer is applied with its money movement — all in one transaction that
 * commits before we acknowledge. A rejected notification applies nothing, is logged with its
 * reason, and gets the failure answer the wallet expects. The merchant in the path names the
 * credentials that verify the notification; /notify/{channel} without one is kept for the
 * sandbox wallet, whose key is the server's own. */
#include <stdio.h>

#include "api/api.h"
#include "core/status.h"
#include "pay/channel.h"
#include "pay/payments.h"
#include "platform/log.h"
#include "web/shop.h"

static struct str header_of(void *ctx, const char *name) { return request_header(ctx, name); }

static void reply(struct request *req, struct response *res, const struct pay_channel *channel, bool accepted,
                  int failure_status) {
  struct pay_notification_reply r;
  channel->notification_reply(accepted, failure_status, &r);
  response_body(req, res, r.status, r.content_type, str_from_cstr(r.body));
}

static int record_and_apply(struct request *req, const struct pay_channel *channel, struct pay_ctx *ctx,
                            const struct pay_answer *answer, enum answer_result *result, char reason[160]) {
  struct db *db = req->db;
  int rc = db_begin(db, true);
  if (rc != HT_OK) return rc;
  if (answer->notification_id.len) {
    rc = store_notification_seen(db, str_from_cstr(channel->name), answer->notification_id, req->now_ms);
    if (rc == HT_ECONFLICT) {
      db_rollback(db);
      *result = ANSWER_DUPLICATE;
      return HT_OK;
    }
  }
  if (rc == HT_OK) rc = payments_apply_answer(ctx, db, answer, result, reason);
  if (rc == HT_OK && *result != ANSWER_REJECTED) return db_commit(db);
  db_rollback(db);
  return rc;
}

/* Wakes the order page long-polling on the order this answer was about. */
static void wake_order_page(struct request *req, const struct pay_answer *answer) {
  struct channel_call_row call;
  if (store_call_by_reference(req->db, &req->arena, answer->kind, answer->reference, &call) != HT_OK) return;
  char topic[ORDER_TOPIC_BYTES];
  order_topic(call.order_id, topic);
  http_notify(req, topic);
}

/* The answer to a notification the channel could not read: 401 for signatures and time
 * stamps, 400 for content that is wrong, 500 when the fault is ours (storage), so that the
 * wallet retries exactly when retrying can help. */
static int failure_status(int rc) {
  if (rc == HT_EAUTH) return 401;
  if (rc == HT_EINVAL || rc == HT_ETOOBIG || rc == HT_ECONFLICT || rc == HT_ENOTFOUND) return 400;
  return 500;
}

void api_notify(struct request *req, struct response *res) {
  const struct pay_channel *channel = pay_channel_find(request_param(req, 0));
  if (!channel) return response_error(req, res, 404, "not_found", NULL, "no such payment channel");
  long long merchant_id = 0;
  if (req->param_count > 1 && (str_to_i64(request_param(req, 1), &merchant_id) != HT_OK || merchant_id <= 0))
    return response_error(req, res, 404, "not_found", NULL, "no such merchant");
  if (!request_db(req, res)) return;
  struct pay_ctx ctx = {.app = req->app,
                        .arena = &req->arena,
                        .db = req->db,
                        .now_ms = req->now_ms,
                        .merchant_id = merchant_id};
  struct pay_notification_in in = {.body = buf_view(&req->body), .header = header_of, .header_ctx = req};
  struct pay_answer answer;
  char reason[160] = "";
  int rc = channel->read_notification(&ctx, &in, &answer, reason);
  if (rc != HT_OK) {
    log_event(LOG_WARN, req->id, "%s notification rejected: %s", channel->name, reason);
    return reply(req, res, channel, false, failure_status(rc));
  }
  enum answer_result result;
  rc = record_and_apply(req, channel, &ctx, &answer, &result, reason);
  if (rc != HT_OK) {
    log_event(LOG_ERROR, req->id, "%s notification not applied: %s (%s)", channel->name, ht_status_name(rc),
              db_error(req->db));
    return reply(req, res, channel, false, 500); /* our fault: the wallet will retry */
  }
  if (result == ANSWER_REJECTED) {
    log_event(LOG_WARN, req->id, "%s notification rejected: %s", channel->name, reason);
    return reply(req, res, channel, false, 400);
  }
  if (result == ANSWER_APPLIED) wake_order_page(req, &answer);
  reply(req, res, channel, true, 0);
}
