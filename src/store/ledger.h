/*
 * ledger.h — storing postings and reading balances.
 *
 * A posting (core/ledger.h) becomes one ledger_transactions row and its entries; the cached
 * balance of every account it touches is updated in the same statement sequence, inside the
 * caller's transaction, so balances and entries can never disagree on disk. Balances are
 * never written any other way. The scans feed `hutong ledger verify`.
 */
#ifndef HUTONG_STORE_LEDGER_H
#define HUTONG_STORE_LEDGER_H

#include <stdint.h>

#include "core/ledger.h"
#include "store/db.h"

/* Records `posting` (inside the caller's write transaction). order_id / merchant_id / reference
 * are for statements and audits (0 / 0 / empty when not applicable). */
int store_ledger_post(struct db *db, const struct ledger_posting *posting, int64_t order_id,
                      int64_t merchant_id, struct str reference, int64_t now_ms);

/* The cached balance of an account (0 when it never moved). */
int store_ledger_balance(struct db *db, const struct ledger_account *account, int64_t *balance_minor);

/* The same, locking the balance's row for the rest of the write transaction (PostgreSQL; on
 * SQLite the write transaction already excludes other writers), for a decision that must not
 * race another one on the same account: a payout checked against the available balance. */
int store_ledger_balance_lock(struct db *db, const struct ledger_account *account, int64_t *balance_minor);

/* Every entry, in transaction order: each(user, txn_id, entry). */
int store_ledger_scan_entries(struct db *db, void (*each)(void *, int64_t, const struct ledger_entry *),
                              void *user);

/* Every account: its recomputed sum of entries and its cached balance. */
int store_ledger_scan_accounts(struct db *db,
                               void (*each)(void *, const struct ledger_account *, int64_t sum,
                                            int64_t cached),
                               void *user);

/* Every order that ever took money: its summary (paid/refunded/released from the order row)
 * and its escrow account's cached balance. */
int store_ledger_scan_orders(struct db *db,
                             void (*each)(void *, const struct ledger_order_summary *,
                                          int64_t escrow_balance),
                             void *user);

/* Calls `each` for every merchant_available balance of at least `min_minor` (payout batch). */
int store_ledger_available_at_least(struct db *db, int64_t min_minor,
                                    void (*each)(void *, int64_t merchant_id, enum currency, int64_t balance),
                                    void *user);

/* A merchant's money by currency: available, payouts pending, and escrow held for its orders;
 * each(user, currency, what, amount) with what "available", "payouts_pending" or "escrow". */
int store_ledger_merchant_balances(struct db *db, int64_t merchant_id,
                                   void (*each)(void *, struct str currency, const char *what,
                                                int64_t amount),
                                   void *user);

struct statement_line {
  int64_t txn_id;
  struct str kind;    /* posting kind name */
  struct str account; /* account kind name */
  struct str currency;
  int64_t amount_minor;
  int64_t order_id;
  struct str reference;
  int64_t at_ms;
};

/* A merchant's statement: entries of its available and payouts accounts and of its orders'
 * escrow, between from_ms and to_ms, oldest first. */
int store_ledger_statement(struct db *db, int64_t merchant_id, int64_t from_ms, int64_t to_ms,
                           void (*each)(void *, const struct statement_line *), void *user);

#endif
