/* ledger.c — `hutong ledger verify`: recomputes the whole ledger from its entries and checks
 * every invariant (core/ledger.h): each transaction sums to zero per currency, the whole
 * ledger sums to zero per currency, cached balances equal recomputed ones, no account that
 * must stay non-negative is negative (merchant balances included), and per order
 * escrow = paid − refunded − released ≥ 0. Prints a report; exits 1 on any violation. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "core/ledger.h"
#include "core/status.h"
#include "store/ledger.h"

/* Violations kept for the report (all are counted). */
#define VERIFY_VIOLATIONS_SHOWN 100

struct verify_run {
  struct ledger_verify v;
  int64_t current_txn;
  bool txn_open;
  uint64_t accounts, orders;
};

static void on_entry(void *user, int64_t txn_id, const struct ledger_entry *entry) {
  struct verify_run *r = user;
  if (!r->txn_open || txn_id != r->current_txn) {
    if (r->txn_open) ledger_verify_txn_end(&r->v);
    ledger_verify_txn_begin(&r->v, (uint64_t)txn_id);
    r->current_txn = txn_id;
    r->txn_open = true;
  }
  ledger_verify_txn_entry(&r->v, entry);
}

static void on_account(void *user, const struct ledger_account *account, int64_t sum, int64_t cached) {
  struct verify_run *r = user;
  struct ledger_balance recomputed = {0};
  ledger_balance_add(&recomputed, sum);
  ledger_verify_account(&r->v, account, &recomputed, cached);
  r->accounts++;
}

static void on_order(void *user, const struct ledger_order_summary *order, int64_t escrow_balance) {
  struct verify_run *r = user;
  ledger_verify_order(&r->v, order, escrow_balance);
  r->orders++;
}

static int run_verify(struct db *db, struct verify_run *r) {
  static struct ledger_violation violations[VERIFY_VIOLATIONS_SHOWN];
  ledger_verify_init(&r->v, violations, VERIFY_VIOLATIONS_SHOWN);
  int rc = db_begin(db, false); /* one consistent snapshot for all three passes */
  if (rc == HT_OK) rc = store_ledger_scan_entries(db, on_entry, r);
  if (rc == HT_OK && r->txn_open) ledger_verify_txn_end(&r->v);
  if (rc == HT_OK) rc = store_ledger_scan_accounts(db, on_account, r);
  if (rc == HT_OK) rc = store_ledger_scan_orders(db, on_order, r);
  db_rollback(db);
  if (rc == HT_OK) ledger_verify_finish(&r->v);
  return rc;
}

int cli_ledger(int argc, char **argv) {
  static const char *const allowed[] = {"db", "quiet!", "help!", NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help") || !action || strcmp(action, "verify") != 0) {
    fputs("usage: hutong ledger verify [--db URL] [--quiet]\n\n"
          "Recomputes every balance from the ledger's entries and checks the invariants:\n"
          "zero sum per transaction and per currency; cached balances equal recomputed ones;\n"
          "no negative merchant, escrow or payable balance; per order escrow = paid - refunded\n"
          "- released >= 0. Exits 1 and lists the violations when any is found.\n",
          action ? stdout : stderr);
    return action && strcmp(action, "verify") == 0 ? 0 : 2;
  }
  if (!options_check(argc, argv, allowed, 1)) return 2;
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  struct verify_run r = {0};
  int rc = run_verify(db, &r);
  db_close(db);
  if (rc != HT_OK)
    return fprintf(stderr, "hutong ledger verify: cannot read the ledger: %s\n", ht_status_name(rc)), 1;
  bool quiet = option_flag(argc, argv, "quiet");
  size_t shown =
      r.v.violation_count < VERIFY_VIOLATIONS_SHOWN ? r.v.violation_count : VERIFY_VIOLATIONS_SHOWN;
  for (size_t i = 0; i < shown; i++) printf("VIOLATION %s\n", r.v.violations[i].message);
  if (!quiet || r.v.violation_count)
    printf("%s: %llu transactions, %llu entries, %llu accounts, %llu orders checked; %zu violation(s)\n",
           r.v.violation_count ? "FAILED" : "ok", (unsigned long long)r.v.transactions_seen,
           (unsigned long long)r.v.entries_seen, (unsigned long long)r.accounts, (unsigned long long)r.orders,
           r.v.violation_count);
  return r.v.violation_count ? 1 : 0;
}
