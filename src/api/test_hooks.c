/* test_hooks.c — the /_test endpoints, served only when HUTONG_TEST_HOOKS=1: move the one
 * clock, run the background jobs now (or stall the next run), and make the sandbox wallet
 * misbehave. They let the
 * black-box and browser suites test ten-day timers and lost answers without waiting or
 * patching code; in production they do not exist (404). */
#include "api/api.h"
#include "app.h"
#include "core/status.h"
#include "http/validate.h"
#include "jobs/scheduler.h"
#include "platform/clock.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool enabled(struct request *req, struct response *res) {
  if (req->app->test_hooks) return true;
  response_error(req, res, 404, "not_found", NULL, "no such resource");
  return false;
}

static const struct field_rule clock_rules[] = {
    {"advance_ms", FIELD_INTEGER, true, false, 0, 400LL * 24 * 3600 * 1000},
};

void api_test_clock(struct request *req, struct response *res) {
  if (!enabled(req, res)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, clock_rules, COUNT(clock_rules))) return;
  clock_advance_ms(json_get_i64(body, "advance_ms"));
  response_json(req, res, 200, json_pack("{s:I}", "now_ms", (json_int_t)clock_now_ms()));
}

void api_test_jobs(struct request *req, struct response *res) {
  if (!enabled(req, res)) return;
  size_t done = scheduler_run_now(req->app);
  response_json(req, res, 200, json_pack("{s:I}", "handled", (json_int_t)done));
}

/* A stall longer than this would only slow a test's cleanup (a graceful stop waits for it). */
#define TEST_JOBS_STALL_MS_MAX (60 * 1000)

static const struct field_rule stall_rules[] = {
    {"ms", FIELD_INTEGER, true, false, 0, TEST_JOBS_STALL_MS_MAX},
};

/* The next tick that applies a timer stops right after it for `ms`, holding the jobs lock, so
 * that the cluster tests can kill a node in the middle of the jobs. */
void api_test_jobs_stall(struct request *req, struct response *res) {
  if (!enabled(req, res)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, stall_rules, COUNT(stall_rules))) return;
  atomic_store(&req->app->jobs_stall_ms, (int)json_get_i64(body, "ms"));
  response_json(req, res, 200, json_pack("{s:b}", "ok", 1));
}

static const struct field_rule sandbox_rules[] = {
    {"timeout_starts", FIELD_INTEGER, false, false, 0, 1000},
    {"timeout_refunds", FIELD_INTEGER, false, false, 0, 1000},
    {"duplicate_notices", FIELD_INTEGER, false, false, 0, 10},
    {"notice_delay_ms", FIELD_INTEGER, false, false, 0, 3600 * 1000},
};

void api_test_sandbox(struct request *req, struct response *res) {
  if (!enabled(req, res)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, sandbox_rules, COUNT(sandbox_rules))) return;
  struct sandbox_faults *f = &req->app->sandbox;
  if (json_has(body, "timeout_starts"))
    atomic_store(&f->timeout_starts, (int)json_get_i64(body, "timeout_starts"));
  if (json_has(body, "timeout_refunds"))
    atomic_store(&f->timeout_refunds, (int)json_get_i64(body, "timeout_refunds"));
  if (json_has(body, "duplicate_notices"))
    atomic_store(&f->duplicate_notices, (int)json_get_i64(body, "duplicate_notices"));
  if (json_has(body, "notice_delay_ms"))
    atomic_store(&f->notice_delay_ms, (int)json_get_i64(body, "notice_delay_ms"));
  response_json(req, res, 200, json_pack("{s:b}", "ok", 1));
}
