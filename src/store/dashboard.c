/* dashboard.c — merchant-wide click breakdowns (see dashboard.h). */
#include "store/dashboard.h"

#include "core/status.h"

DB_SQL(SQL_CLICKS_BY_CLIENT, "SELECT client_class, source, sum(opens) FROM clicks WHERE merchant_id = $1"
                             " AND (CAST($2 AS TEXT) = '' OR code = $2) AND at_ms >= $3 AND at_ms < $4"
                             " GROUP BY client_class, source");
DB_SQL(SQL_CLICKS_BY_CHANNEL,
       "SELECT coalesce(channel, ''), source, sum(opens) FROM clicks WHERE merchant_id = $1"
       " AND (CAST($2 AS TEXT) = '' OR code = $2) AND at_ms >= $3 AND at_ms < $4"
       " GROUP BY 1, source");

int store_clicks_breakdown(struct db *db, int64_t merchant_id, struct str code, enum click_grouping grouping,
                           int64_t from_ms, int64_t to_ms,
                           void (*each)(void *user, struct str key, struct str source, int64_t count),
                           void *user) {
  const struct db_sql *sql = grouping == CLICKS_BY_CHANNEL ? &SQL_CLICKS_BY_CHANNEL : &SQL_CLICKS_BY_CLIENT;
  struct db_rows rows;
  int rc =
      db_query(db, sql, DB_ARGS(DB_I64(merchant_id), DB_TEXT(code), DB_I64(from_ms), DB_I64(to_ms)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1)
    each(user, db_text(&rows, 0), db_text(&rows, 1), db_i64(&rows, 2));
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}
