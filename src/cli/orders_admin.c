/* orders_admin.c — `hutong order resolve-dispute --id N --refund AMOUNT`: the platform
 * operator's decision on a disputed order. A dispute freezes the order (no confirm, refund or
 * timer acts on it); only this decision unfreezes it: AMOUNT minor units (0 allowed: the
 * merchant is right) go back to the buyer through the order's channel, and the rest goes on
 * where it was — paid, or shipped with the auto-confirm clock resumed with the time that was
 * left — or the order ends refunded when nothing is left. It works directly on the database
 * through the same code as the API (pay/orders.h): one transaction with every effect (ledger,
 * stock, refund record); a running server's scheduler then makes the refund at the channel. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/arena.h"
#include "core/status.h"
#include "pay/orders.h"
#include "platform/clock.h"

/* Arena of one command: the order's lines and timeline entry. */
#define ORDER_ADMIN_ARENA_BYTES (256 * 1024)

static const char order_help[] =
    "usage: hutong order resolve-dispute --id ORDER_ID --refund AMOUNT_MINOR [--db URL]\n"
    "\n"
    "Resolves a disputed order: AMOUNT_MINOR (0 .. what escrow still holds, in the order's\n"
    "minor units) is refunded to the buyer; the order goes back to paid or shipped (the\n"
    "auto-confirm clock resumes with the time that was left), or ends refunded when nothing\n"
    "is left. A running server makes the refund at the payment channel.\n";

static bool parse_amount(const char *text, int64_t min, int64_t *out) {
  long long v = 0;
  if (!text || str_to_i64(str_from_cstr(text), &v) != HT_OK || v < min) return false;
  *out = v;
  return true;
}

/* Applies the decision in one write transaction. `*after` is the order as it now is, or as it
 * stayed when the decision was refused. */
static int resolve(struct db *db, int64_t order_id, int64_t refund_minor, struct escrow_order *after) {
  static struct app app; /* the escrow policy only: resolving uses each order's own fee and clock */
  escrow_policy_default(&app.escrow);
  payout_policy_default(&app.payouts);
  struct arena arena;
  arena_init(&arena, ORDER_ADMIN_ARENA_BYTES);
  struct pay_ctx ctx = {.app = &app, .arena = &arena, .db = db, .now_ms = clock_now_ms()};
  struct escrow_event ev = {.kind = ESCROW_EV_RESOLVE_DISPUTE, .amount_minor = refund_minor};
  bool applied = false;
  int rc = db_begin(db, true);
  if (rc == HT_OK)
    rc = orders_apply(&ctx, db, order_id, &ev, STR_LIT("platform: dispute resolved"), after, &applied);
  if (rc == HT_OK)
    rc = db_commit(db);
  else
    db_rollback(db);
  arena_free_all(&arena);
  return rc;
}

static int resolve_dispute(int argc, char **argv, struct db *db) {
  int64_t id = 0, refund = 0;
  if (!parse_amount(option_value(argc, argv, "id"), 1, &id))
    return fputs("hutong order resolve-dispute: --id ORDER_ID is required\n", stderr), 2;
  if (!parse_amount(option_value(argc, argv, "refund"), 0, &refund) || refund > AMOUNT_MINOR_MAX)
    return fprintf(stderr, "hutong order resolve-dispute: --refund must be 0..%lld minor units\n",
                   (long long)AMOUNT_MINOR_MAX),
           2;
  struct escrow_order after = {0};
  int rc = resolve(db, id, refund, &after);
  if (rc == HT_ENOTFOUND)
    return fprintf(stderr, "hutong order resolve-dispute: no order %lld\n", (long long)id), 1;
  if (rc == HT_ECONFLICT && after.state != ESCROW_DISPUTED)
    return fprintf(stderr, "hutong order resolve-dispute: order %lld is %s, not disputed\n", (long long)id,
                   escrow_state_name(after.state)),
           1;
  if (rc == HT_ECONFLICT || rc == HT_ERANGE)
    return fprintf(stderr,
                   "hutong order resolve-dispute: order %lld holds %lld in escrow; cannot refund %lld\n",
                   (long long)id, (long long)escrow_order_remaining_minor(&after), (long long)refund),
           1;
  if (rc != HT_OK)
    return fprintf(stderr, "hutong order resolve-dispute: %s (%s)\n", ht_status_name(rc), db_error(db)), 1;
  printf("order %lld: disputed -> %s; refunded %lld, escrow holds %lld\n", (long long)id,
         escrow_state_name(after.state), (long long)refund, (long long)escrow_order_remaining_minor(&after));
  return 0;
}

int cli_order(int argc, char **argv) {
  static const char *const allowed[] = {"id", "refund", "db", "help!", NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help")) return fputs(order_help, stdout), 0;
  if (!action) return fputs(order_help, stderr), 2;
  if (!options_check(argc, argv, allowed, 1)) return 2;
  if (strcmp(action, "resolve-dispute") != 0)
    return fprintf(stderr, "hutong order: unknown action '%s'\n%s", action, order_help), 2;
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  int status = resolve_dispute(argc, argv, db);
  db_close(db);
  return status;
}
