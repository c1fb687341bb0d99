/* ledger.c — postings, cached balances, and the verification scans (see ledger.h). */
#include "store/ledger.h"

#include "core/status.h"

DB_SQL(SQL_TXN_INSERT,
       "INSERT INTO ledger_transactions (kind, order_id, merchant_id, reference, created_at_ms)"
       " VALUES ($1, $2, $3, $4, $5) RETURNING id");
DB_SQL(SQL_ENTRY_INSERT, "INSERT INTO ledger_entries (txn_id, account_kind, owner_id, currency, amount_minor)"
                         " VALUES ($1, $2, $3, $4, $5)");
DB_SQL(SQL_BALANCE_ADD,
       "INSERT INTO ledger_balances (account_kind, owner_id, currency, balance_minor)"
       " VALUES ($1, $2, $3, $4) ON CONFLICT (account_kind, owner_id, currency)"
       " DO UPDATE SET balance_minor = ledger_balances.balance_minor + excluded.balance_minor");
DB_SQL(SQL_BALANCE_GET, "SELECT balance_minor FROM ledger_balances WHERE account_kind = $1 AND owner_id = $2"
                        " AND currency = $3");
DB_SQL(SQL_BALANCE_LOCK, "SELECT balance_minor FROM ledger_balances WHERE account_kind = $1 AND owner_id = $2"
                         " AND currency = $3 FOR UPDATE");
DB_SQL(SQL_SCAN_ENTRIES, "SELECT txn_id, account_kind, owner_id, currency, amount_minor FROM ledger_entries"
                         " ORDER BY txn_id, id");
DB_SQL(SQL_SCAN_ACCOUNTS,
       "SELECT e.account_kind, e.owner_id, e.currency, e.total, coalesce(b.balance_minor, 0) FROM"
       " (SELECT account_kind, owner_id, currency, sum(amount_minor) AS total FROM ledger_entries"
       "  GROUP BY account_kind, owner_id, currency) e LEFT JOIN ledger_balances b ON b.account_kind = "
       "e.account_kind"
       " AND b.owner_id = e.owner_id AND b.currency = e.currency"
       " UNION ALL SELECT b.account_kind, b.owner_id, b.currency, 0, b.balance_minor FROM ledger_balances b"
       " WHERE NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.account_kind = b.account_kind"
       " AND x.owner_id = b.owner_id AND x.currency = b.currency)");
DB_SQL(SQL_SCAN_ORDERS, "SELECT o.id, o.currency, o.paid_minor, o.refunded_minor, o.released_minor,"
                        " coalesce(b.balance_minor, 0) FROM orders o LEFT JOIN ledger_balances b"
                        " ON b.account_kind = 'escrow' AND b.owner_id = o.id AND b.currency = o.currency"
                        " WHERE o.paid_minor > 0 OR b.balance_minor IS NOT NULL ORDER BY o.id");
DB_SQL(SQL_AVAILABLE_AT_LEAST,
       "SELECT owner_id, currency, balance_minor FROM ledger_balances"
       " WHERE account_kind = 'merchant_available' AND balance_minor >= $1 ORDER BY owner_id");
DB_SQL(
    SQL_MERCHANT_BALANCES,
    "SELECT currency, account_kind, balance_minor FROM ledger_balances WHERE owner_id = $1"
    " AND account_kind IN ('merchant_available', 'payouts_payable')"
    " UNION ALL SELECT o.currency, 'escrow', sum(b.balance_minor) FROM orders o JOIN ledger_balances b"
    " ON b.account_kind = 'escrow' AND b.owner_id = o.id AND b.currency = o.currency WHERE o.merchant_id = $1"
    " GROUP BY o.currency");
DB_SQL(SQL_STATEMENT,
       "SELECT t.id, t.kind, e.account_kind, e.currency, e.amount_minor, coalesce(t.order_id, 0),"
       " coalesce(t.reference, ''), t.created_at_ms FROM ledger_entries e JOIN ledger_transactions t ON t.id "
       "= e.txn_id"
       " WHERE t.merchant_id = $1 AND t.created_at_ms >= $2 AND t.created_at_ms < $3"
       " AND ((e.account_kind IN ('merchant_available', 'payouts_payable') AND e.owner_id = $1)"
       " OR e.account_kind = 'escrow') ORDER BY t.id, e.id");

int store_ledger_post(struct db *db, const struct ledger_posting *posting, int64_t order_id,
                      int64_t merchant_id, struct str reference, int64_t now_ms) {
  int64_t txn_id = 0;
  int rc = db_query_i64(
      db, &SQL_TXN_INSERT,
      DB_ARGS(DB_CSTR(ledger_posting_kind_name(posting->kind)), order_id ? DB_I64(order_id) : DB_NULL,
              merchant_id ? DB_I64(merchant_id) : DB_NULL, DB_TEXT_OR_NULL(reference), DB_I64(now_ms)),
      &txn_id);
  for (size_t i = 0; i < posting->entry_count && rc == HT_OK; i++) {
    const struct ledger_entry *e = &posting->entries[i];
    struct db_arg account[] = {DB_CSTR(ledger_account_kind_name(e->account.kind)),
                               DB_I64(e->account.owner_id), DB_CSTR(currency_code(e->account.currency)),
                               DB_I64(e->amount_minor)};
    rc = db_exec(db, &SQL_ENTRY_INSERT,
                 DB_ARGS(DB_I64(txn_id), account[0], account[1], account[2], account[3]), NULL);
    if (rc == HT_OK) rc = db_exec(db, &SQL_BALANCE_ADD, account, 4, NULL);
  }
  return rc;
}

int store_ledger_balance(struct db *db, const struct ledger_account *a, int64_t *balance_minor) {
  int rc = db_query_i64(db, &SQL_BALANCE_GET,
                        DB_ARGS(DB_CSTR(ledger_account_kind_name(a->kind)), DB_I64(a->owner_id),
                                DB_CSTR(currency_code(a->currency))),
                        balance_minor);
  if (rc == HT_ENOTFOUND) *balance_minor = 0, rc = HT_OK;
  return rc;
}

int store_ledger_balance_lock(struct db *db, const struct ledger_account *a, int64_t *balance_minor) {
  int rc = db_query_i64(db, &SQL_BALANCE_LOCK,
                        DB_ARGS(DB_CSTR(ledger_account_kind_name(a->kind)), DB_I64(a->owner_id),
                                DB_CSTR(currency_code(a->currency))),
                        balance_minor);
  if (rc == HT_ENOTFOUND) *balance_minor = 0, rc = HT_OK;
  return rc;
}

static bool read_account(const struct db_rows *rows, int c, struct ledger_account *a) {
  a->owner_id = (uint64_t)db_i64(rows, c + 1);
  return ledger_account_kind_from_name(db_text(rows, c), &a->kind) == HT_OK &&
         currency_from_code(db_text(rows, c + 2), &a->currency) == HT_OK;
}

int store_ledger_scan_entries(struct db *db, void (*each)(void *, int64_t, const struct ledger_entry *),
                              void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_SCAN_ENTRIES, DB_NO_ARGS, &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct ledger_entry e = {.amount_minor = db_i64(&rows, 4)};
    if (!read_account(&rows, 1, &e.account)) e.account.kind = 0; /* the verifier reports it */
    each(user, db_i64(&rows, 0), &e);
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_ledger_scan_accounts(struct db *db,
                               void (*each)(void *, const struct ledger_account *, int64_t sum,
                                            int64_t cached),
                               void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_SCAN_ACCOUNTS, DB_NO_ARGS, &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct ledger_account a;
    if (!read_account(&rows, 0, &a)) a.kind = 0;
    each(user, &a, db_i64(&rows, 3), db_i64(&rows, 4));
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_ledger_scan_orders(struct db *db,
                             void (*each)(void *, const struct ledger_order_summary *,
                                          int64_t escrow_balance),
                             void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_SCAN_ORDERS, DB_NO_ARGS, &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct ledger_order_summary s = {.order_id = (uint64_t)db_i64(&rows, 0),
                                     .paid_minor = db_i64(&rows, 2),
                                     .refunded_minor = db_i64(&rows, 3),
                                     .released_minor = db_i64(&rows, 4)};
    if (currency_from_code(db_text(&rows, 1), &s.currency) != HT_OK) s.currency = CURRENCY_DEFAULT;
    each(user, &s, db_i64(&rows, 5));
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_ledger_statement(struct db *db, int64_t merchant_id, int64_t from_ms, int64_t to_ms,
                           void (*each)(void *, const struct statement_line *), void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_STATEMENT, DB_ARGS(DB_I64(merchant_id), DB_I64(from_ms), DB_I64(to_ms)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct statement_line l = {.txn_id = db_i64(&rows, 0),
                               .kind = db_text(&rows, 1),
                               .account = db_text(&rows, 2),
                               .currency = db_text(&rows, 3),
                               .amount_minor = db_i64(&rows, 4),
                               .order_id = db_i64(&rows, 5),
                               .reference = db_text(&rows, 6),
                               .at_ms = db_i64(&rows, 7)};
    each(user, &l);
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_ledger_available_at_least(struct db *db, int64_t min_minor,
                                    void (*each)(void *, int64_t merchant_id, enum currency, int64_t balance),
                                    void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_AVAILABLE_AT_LEAST, DB_ARGS(DB_I64(min_minor)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    enum currency c;
    if (currency_from_code(db_text(&rows, 1), &c) == HT_OK) each(user, db_i64(&rows, 0), c, db_i64(&rows, 2));
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_ledger_merchant_balances(struct db *db, int64_t merchant_id,
                                   void (*each)(void *, struct str currency, const char *what,
                                                int64_t amount),
                                   void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_MERCHANT_BALANCES, DB_ARGS(DB_I64(merchant_id)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct str kind = db_text(&rows, 1);
    const char *what = str_eq(kind, STR_LIT("merchant_available")) ? "available"
                       : str_eq(kind, STR_LIT("payouts_payable"))  ? "payouts_pending"
                                                                   : "escrow";
    each(user, db_text(&rows, 0), what, db_i64(&rows, 2));
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}
