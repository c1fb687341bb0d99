/* links.c — campaign links (POST/GET/PATCH /v1/links) and the statistics of any code
 * (GET /v1/links/{code}/stats).
 *
 * A link points a short code at any http(s) target; /R/{code} answers 302 to it (never 301,
 * so the target stays editable) until its optional expiry. The link guard judges each new or
 * changed target (a blocked one is refused with 422 target_blocked) and every link's JSON
 * shows its current verdict. Statistics count every open of a merchant's code (products,
 * store, links) by client class, OS, source, channel and day. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/client.h"
#include "core/rfc3339.h"
#include "core/status.h"
#include "http/validate.h"
#include "jobs/click_queue.h"
#include "jobs/guard_state.h"
#include "store/clicks.h"
#include "store/codes.h"
#include "store/links.h"
#include "web/code_cache.h"
#include "web/urls.h"

/* Target URLs are http or https and at most 2,048 bytes (issue #3). */
#define LINK_TARGET_BYTES_MAX 2048
/* Statistics cover at most this span, and the last 30 days by default. */
#define STATS_SPAN_DAYS_MAX     366
#define STATS_SPAN_DAYS_DEFAULT 30

static const struct field_rule create_rules[] = {
    {"target_url", FIELD_STRING, true, false, 1, LINK_TARGET_BYTES_MAX},
    {"channel", FIELD_STRING, false, true, 1, CLICK_CHANNEL_BYTES_MAX},
    {"expires_at", FIELD_STRING, false, true, 1, RFC3339_BYTES_MAX},
};

static const struct field_rule update_rules[] = {
    {"target_url", FIELD_STRING, false, false, 1, LINK_TARGET_BYTES_MAX},
    {"channel", FIELD_STRING, false, true, 1, CLICK_CHANNEL_BYTES_MAX},
    {"expires_at", FIELD_STRING, false, true, 1, RFC3339_BYTES_MAX},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The link guard's verdict on `target`, judged with a scratch arena of its own (a list judges
 * up to 100 targets). rc is guard_check()'s; on HT_OK `*verdict` and `*reasons` (owned by the
 * caller) are set, otherwise `*error` names what is wrong with the target. */
static int judge(struct request *req, struct str target, enum guard_verdict *verdict, json_t **reasons,
                 const char **error) {
  *reasons = NULL;
  *error = NULL;
  *verdict = GUARD_ALLOW;
  if (!req->app->guard) return HT_OK; /* handler tests without a guard */
  struct arena scratch;
  arena_init(&scratch, GUARD_ARENA_BYTES);
  struct guard_result r;
  struct guard_snapshot *snap = guard_acquire(req->app->guard);
  int rc = guard_check(&snap->ctx, target, NULL, &scratch, &r);
  guard_release(snap);
  if (rc == HT_OK) {
    *verdict = r.verdict;
    *reasons = api_guard_reasons_json(&r);
  } else {
    *error = r.error ? r.error : "url_invalid"; /* a static string */
  }
  arena_free_all(&scratch);
  return rc;
}

/* "guard": the verdict on the target as it stands now (a feed update can change it), or for a
 * target stored before targets were judged and that the guard cannot check, its error. */
static json_t *guard_json(struct request *req, struct str target) {
  enum guard_verdict verdict;
  json_t *reasons;
  const char *error;
  if (judge(req, target, &verdict, &reasons, &error) != HT_OK)
    return json_pack("{s:n, s:[], s:s}", "verdict", "reasons", "error", error);
  return json_pack("{s:s, s:o}", "verdict", guard_verdict_name(verdict), "reasons",
                   reasons ? reasons : json_array());
}

static json_t *link_json(struct request *req, const struct link *l) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "object", "link", "code",
                   l->code, "url", url_public(req->app, &req->arena, URL_REDIRECT, l->code), "qr_url",
                   url_qr_image(req->app, &req->arena, l->code, "svg"), "scan_url",
                   url_qr_text(req->app, &req->arena, URL_SCAN, l->code), "target_url",
                   api_str_json(l->target_url), "channel", api_str_json(l->channel), "expires_at",
                   api_time_json(l->expires_at_ms), "created_at", api_time_json(l->created_at_ms),
                   "updated_at", api_time_json(l->updated_at_ms), "guard", guard_json(req, l->target_url));
}

/* Applies and checks the fields present in `body` to `l`. */
static bool apply_fields(struct request *req, struct response *res, json_t *body, struct link *l) {
  if (json_has(body, "target_url")) {
    l->target_url = json_get_str(body, "target_url");
    if (!api_is_http_url(l->target_url)) {
      response_error(req, res, 400, "invalid_url", "target_url", "target_url must be an http or https URL");
      return false;
    }
  }
  if (json_has(body, "channel")) {
    l->channel = json_is_null_field(body, "channel") ? (struct str){0} : json_get_str(body, "channel");
    if (l->channel.data && !click_channel_valid(l->channel)) {
      response_error(req, res, 400, "invalid_value", "channel",
                     "channel may hold letters, digits, '_' and '-'");
      return false;
    }
  }
  if (json_has(body, "expires_at")) {
    l->expires_at_ms = 0;
    if (!json_is_null_field(body, "expires_at") &&
        rfc3339_parse(json_get_str(body, "expires_at"), &l->expires_at_ms) != HT_OK) {
      response_error(req, res, 400, "invalid_value", "expires_at", "expires_at must be an RFC 3339 time");
      return false;
    }
    if (l->expires_at_ms && l->expires_at_ms <= req->now_ms) {
      response_error(req, res, 400, "out_of_range", "expires_at", "expires_at must be in the future");
      return false;
    }
  }
  return true;
}

/* The link guard on a new or changed target, so that hutong never hands out a short link to a
 * known phishing page: a blocked target is refused (422 target_blocked, with the verdict and
 * reasons in the error), a target the guard cannot check is a 400, and an allowed or warned
 * one is accepted; every link's JSON carries the guard's current verdict ("guard"). /R/
 * judges the target again at every click (web/landing.c), so a feed update still protects
 * links made before it. Returns false after writing the refusal. */
static bool target_acceptable(struct request *req, struct response *res, struct str target) {
  enum guard_verdict verdict;
  json_t *reasons;
  const char *error;
  if (judge(req, target, &verdict, &reasons, &error) != HT_OK) {
    response_error(req, res, 400, "invalid_url", "target_url", "target_url cannot be checked (%s)", error);
    return false;
  }
  if (verdict != GUARD_BLOCK) return json_decref(reasons), true;
  const char *first = json_string_value(json_object_get(json_array_get(reasons, 0), "code"));
  response_error_extra(req, res, 422, "target_blocked", "target_url",
                       json_pack("{s:s, s:o}", "verdict", "block", "reasons", reasons),
                       "the link guard blocks this target (%s)", first ? first : "blocked");
  return false;
}

void api_links_create(struct request *req, struct response *res) {
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, create_rules, COUNT(create_rules))) return;
  struct link l = {.merchant_id = req->merchant_id};
  if (!apply_fields(req, res, body, &l) || !target_acceptable(req, res, l.target_url)) return;
  int rc = store_link_create(req->db, &l, req->now_ms);
  if (rc != HT_OK) return response_status_error(req, res, rc, "link");
  char location[64];
  snprintf(location, sizeof location, "/v1/links/%s", l.code);
  response_header(req, res, "Location", location);
  response_json(req, res, 201, link_json(req, &l));
}

static bool path_code(struct request *req, struct response *res, char code[CODE_LEN_MAX + 1]) {
  size_t len = 0;
  if (code_normalize(request_param(req, 0), code, CODE_LEN_MAX + 1, &len) != HT_OK ||
      len != CODE_PUBLIC_LEN) {
    response_error(req, res, 404, "not_found", NULL, "link not found");
    return false;
  }
  return true;
}

void api_links_get(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  if (!path_code(req, res, code)) return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct link l;
  int rc = store_link_get(db, &req->arena, req->merchant_id, str_from_cstr(code), &l);
  if (rc != HT_OK) return response_status_error(req, res, rc, "link");
  response_json(req, res, 200, link_json(req, &l));
}

void api_links_update(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  if (!path_code(req, res, code)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, update_rules, COUNT(update_rules))) return;
  struct link l;
  int rc = store_link_get(req->db, &req->arena, req->merchant_id, str_from_cstr(code), &l);
  if (rc == HT_OK && !apply_fields(req, res, body, &l)) return;
  if (rc == HT_OK && json_has(body, "target_url") && !target_acceptable(req, res, l.target_url)) return;
  if (rc == HT_OK) rc = store_link_update(req->db, &l, req->now_ms);
  if (rc == HT_OK) code_cache_forget(str_from_cstr(l.code));
  if (rc != HT_OK) return response_status_error(req, res, rc, "link");
  response_json(req, res, 200, link_json(req, &l));
}

void api_links_list(struct request *req, struct response *res) {
  size_t limit;
  int64_t before_id;
  if (!api_page_params(req, res, &limit, &before_id)) return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct link *items = arena_alloc(&req->arena, sizeof *items * (limit + 1));
  size_t count = 0;
  int rc = items ? store_link_list(db, &req->arena, req->merchant_id, before_id, limit + 1, items, &count)
                 : HT_ENOMEM;
  if (rc != HT_OK) return response_status_error(req, res, rc, "links");
  bool has_more = count > limit;
  if (has_more) count = limit;
  json_t *data = json_array();
  for (size_t i = 0; i < count; i++) json_array_append_new(data, link_json(req, &items[i]));
  response_json(req, res, 200,
                json_pack("{s:s, s:o, s:b, s:o}", "object", "list", "data", data, "has_more", has_more,
                          "next_cursor", has_more ? api_cursor_json(req, items[count - 1].id) : json_null()));
}

/* ---- statistics ---- */

struct stats {
  json_t *by[4]; /* client, os, source, channel */
  json_t *days;
  int64_t total;
};

static void add_stat(void *user, const char *dimension, struct str key, int64_t count) {
  static const char *const dimensions[] = {"client", "os", "source", "channel"};
  struct stats *s = user;
  if (strcmp(dimension, "day") == 0) {
    long long day = 0;
    str_to_i64(key, &day);
    int64_t year;
    unsigned month, mday;
    rfc3339_civil_from_days(day, &year, &month, &mday);
    char date[16];
    snprintf(date, sizeof date, "%04lld-%02u-%02u", (long long)year, month % 100, mday % 100);
    json_array_append_new(s->days, json_pack("{s:s, s:I}", "date", date, "count", (json_int_t)count));
    s->total += count;
    return;
  }
  if (key.len == 0) key = STR_LIT("none"); /* opens without a channel */
  for (size_t i = 0; i < 4; i++)
    if (strcmp(dimension, dimensions[i]) == 0)
      json_object_setn_new(s->by[i], key.data, key.len, json_integer(count));
}

static bool stats_range(struct request *req, struct response *res, int64_t *from_ms, int64_t *to_ms) {
  *to_ms = req->now_ms + 1;
  *from_ms = *to_ms - STATS_SPAN_DAYS_DEFAULT * MS_PER_DAY;
  struct str from = request_query(req, "from"), to = request_query(req, "to");
  if (to.data && rfc3339_parse(to, to_ms) != HT_OK) {
    response_error(req, res, 400, "invalid_value", "to", "to must be an RFC 3339 time");
    return false;
  }
  if (from.data && rfc3339_parse(from, from_ms) != HT_OK) {
    response_error(req, res, 400, "invalid_value", "from", "from must be an RFC 3339 time");
    return false;
  }
  if (!from.data && to.data) *from_ms = *to_ms - STATS_SPAN_DAYS_DEFAULT * MS_PER_DAY;
  if (*from_ms >= *to_ms || *to_ms - *from_ms > STATS_SPAN_DAYS_MAX * MS_PER_DAY) {
    response_error(req, res, 400, "out_of_range", "from", "from must precede to by at most %d days",
                   STATS_SPAN_DAYS_MAX);
    return false;
  }
  return true;
}

void api_links_stats(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  int64_t from_ms, to_ms;
  if (!path_code(req, res, code) || !stats_range(req, res, &from_ms, &to_ms)) return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct code_ref ref;
  int rc = store_code_lookup(db, str_from_cstr(code), &ref);
  if (rc == HT_OK && ref.merchant_id != req->merchant_id) rc = HT_ENOTFOUND;
  if (rc != HT_OK) return response_status_error(req, res, rc, "code");
  if (req->app->clicks) click_queue_sync(req->app->clicks); /* read your own opens */
  struct stats s = {.days = json_array()};
  for (size_t i = 0; i < 4; i++) s.by[i] = json_object();
  for (int cls = 0; cls < CLIENT_CLASS_COUNT; cls++)
    json_object_set_new(s.by[0], client_class_name((enum client_class)cls), json_integer(0));
  rc = store_clicks_stats(db, req->merchant_id, str_from_cstr(code), from_ms, to_ms, add_stat, &s);
  json_t *body = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "object", "stats",
                           "code", code, "kind", code_kind_name(ref.kind), "from", api_time_json(from_ms),
                           "to", api_time_json(to_ms), "total", (json_int_t)s.total, "by_client", s.by[0],
                           "by_os", s.by[1], "by_source", s.by[2], "by_channel", s.by[3], "by_day", s.days);
  if (rc != HT_OK) {
    json_decref(body);
    return response_status_error(req, res, rc, "statistics");
  }
  response_json(req, res, 200, body);
}
