/* channel_call.c — the channel-call status machine as one table (see channel_call.h).
 *
 * Rows are the current status, columns the outcome. A table keeps every pair visible in one
 * place, which is what a reviewer of money code wants to read, and the tests walk it. */
#include "core/channel_call.h"

#include <stdbool.h>

#include "core/status.h"

struct call_step {
  enum channel_call_status next;
  enum channel_call_change change;
  bool conflict; /* the channel contradicts an earlier final answer */
};

#define STEP(n, c)                                                                                           \
  { CHANNEL_CALL_##n, CHANNEL_CHANGE_##c, false }
#define CONTRADICTION                                                                                        \
  { CHANNEL_CALL_PENDING, CHANNEL_CHANGE_NONE, true }

static const struct call_step call_table[CHANNEL_CALL_STATUS_COUNT][CHANNEL_OUTCOME_COUNT] = {
    /*                        SUCCEEDED                  FAILED                  IN_PROGRESS TIMEOUT */
    [CHANNEL_CALL_PENDING] = {STEP(SUCCEEDED, SUCCEEDED), STEP(FAILED, FAILED), STEP(PENDING, NONE),
                              STEP(UNKNOWN, STATUS)},
    [CHANNEL_CALL_UNKNOWN] = {STEP(SUCCEEDED, SUCCEEDED), STEP(FAILED, FAILED), STEP(PENDING, STATUS),
                              STEP(UNKNOWN, NONE)},
    /* Final states: repeats and stale answers change nothing; the opposite answer conflicts. */
    [CHANNEL_CALL_SUCCEEDED] = {STEP(SUCCEEDED, NONE), CONTRADICTION, STEP(SUCCEEDED, NONE),
                                STEP(SUCCEEDED, NONE)},
    [CHANNEL_CALL_FAILED] = {CONTRADICTION, STEP(FAILED, NONE), STEP(FAILED, NONE), STEP(FAILED, NONE)},
};

int channel_call_apply(enum channel_call_status current, enum channel_outcome outcome,
                       enum channel_call_status *next, enum channel_call_change *change) {
  if ((unsigned)current >= CHANNEL_CALL_STATUS_COUNT || (unsigned)outcome >= CHANNEL_OUTCOME_COUNT)
    return HT_EINVAL;
  const struct call_step *step = &call_table[current][outcome];
  if (step->conflict) return HT_ECONFLICT;
  *next = step->next;
  *change = step->change;
  return HT_OK;
}

int64_t channel_call_retry_delay_ms(int64_t attempts) {
  int64_t delay = CHANNEL_CALL_RETRY_FIRST_MS;
  for (int64_t i = 1; i < attempts && delay < CHANNEL_CALL_RETRY_MAX_MS; i++) delay *= 2;
  return delay < CHANNEL_CALL_RETRY_MAX_MS ? delay : CHANNEL_CALL_RETRY_MAX_MS;
}

static const char *const status_names[CHANNEL_CALL_STATUS_COUNT] = {
    [CHANNEL_CALL_PENDING] = "pending",
    [CHANNEL_CALL_UNKNOWN] = "unknown",
    [CHANNEL_CALL_SUCCEEDED] = "succeeded",
    [CHANNEL_CALL_FAILED] = "failed",
};

static const char *const outcome_names[CHANNEL_OUTCOME_COUNT] = {
    [CHANNEL_OUTCOME_SUCCEEDED] = "succeeded",
    [CHANNEL_OUTCOME_FAILED] = "failed",
    [CHANNEL_OUTCOME_IN_PROGRESS] = "in_progress",
    [CHANNEL_OUTCOME_TIMEOUT] = "timeout",
};

const char *channel_call_status_name(enum channel_call_status status) {
  return (unsigned)status < CHANNEL_CALL_STATUS_COUNT ? status_names[status] : "invalid";
}

const char *channel_outcome_name(enum channel_outcome outcome) {
  return (unsigned)outcome < CHANNEL_OUTCOME_COUNT ? outcome_names[outcome] : "invalid";
}

int channel_call_status_from_name(struct str name, enum channel_call_status *out) {
  for (unsigned i = 0; i < CHANNEL_CALL_STATUS_COUNT; i++) {
    if (str_eq(name, str_from_cstr(status_names[i]))) {
      *out = (enum channel_call_status)i;
      return HT_OK;
    }
  }
  return HT_EINVAL;
}
