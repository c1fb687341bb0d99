/* clicks.c — batched click inserts and grouped counts (see clicks.h). The day of a click is
 * computed from its millisecond timestamp with integer arithmetic (at_ms / 86400000), which
 * both engines agree on, and turned into a date by the caller. */
#include "store/clicks.h"

#include <stdio.h>

#include "core/status.h"

DB_SQL(SQL_CLICK_INSERT,
       "INSERT INTO clicks (merchant_id, code, source, client_class, os, channel, at_ms, opens)"
       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
DB_SQL(SQL_CLICK_BY_CLASS, "SELECT client_class, sum(opens) FROM clicks WHERE merchant_id = $1 AND code = $2"
                           " AND at_ms >= $3 AND at_ms < $4 GROUP BY client_class ORDER BY 2 DESC, 1");
DB_SQL(SQL_CLICK_BY_OS, "SELECT os, sum(opens) FROM clicks WHERE merchant_id = $1 AND code = $2"
                        " AND at_ms >= $3 AND at_ms < $4 GROUP BY os ORDER BY 2 DESC, 1");
DB_SQL(SQL_CLICK_BY_SOURCE, "SELECT source, sum(opens) FROM clicks WHERE merchant_id = $1 AND code = $2"
                            " AND at_ms >= $3 AND at_ms < $4 GROUP BY source ORDER BY 2 DESC, 1");
DB_SQL(SQL_CLICK_BY_CHANNEL, "SELECT coalesce(channel, ''), sum(opens) FROM clicks WHERE merchant_id = $1"
                             " AND code = $2 AND at_ms >= $3 AND at_ms < $4 GROUP BY 1 ORDER BY 2 DESC, 1");
DB_SQL(SQL_CLICK_BY_DAY,
       "SELECT at_ms / 86400000, sum(opens) FROM clicks WHERE merchant_id = $1 AND code = $2"
       " AND at_ms >= $3 AND at_ms < $4 GROUP BY 1 ORDER BY 1");

int store_clicks_insert(struct db *db, const struct click_event *events, size_t count) {
  int rc = HT_OK;
  for (size_t i = 0; i < count && rc == HT_OK; i++) {
    const struct click_event *e = &events[i];
    rc = db_exec(db, &SQL_CLICK_INSERT,
                 DB_ARGS(DB_I64(e->merchant_id), DB_CSTR(e->code), DB_CSTR(e->source),
                         DB_CSTR(e->client_class), DB_CSTR(e->os),
                         e->channel[0] ? DB_CSTR(e->channel) : DB_NULL, DB_I64(e->at_ms),
                         DB_I64(e->opens ? e->opens : 1)),
                 NULL);
  }
  return rc;
}

static int breakdown(struct db *db, const struct db_sql *sql, const char *dimension, int64_t merchant_id,
                     struct str code, int64_t from_ms, int64_t to_ms, click_stat_fn each, void *user) {
  struct db_rows rows;
  int rc =
      db_query(db, sql, DB_ARGS(DB_I64(merchant_id), DB_TEXT(code), DB_I64(from_ms), DB_I64(to_ms)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    char day[16];
    struct str key = db_text(&rows, 0);
    if (sql == &SQL_CLICK_BY_DAY) {
      snprintf(day, sizeof day, "%lld", (long long)db_i64(&rows, 0));
      key = str_from_cstr(day);
    }
    each(user, dimension, key, db_i64(&rows, 1));
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_clicks_stats(struct db *db, int64_t merchant_id, struct str code, int64_t from_ms, int64_t to_ms,
                       click_stat_fn each, void *user) {
  static const struct {
    const struct db_sql *sql;
    const char *dimension;
  } groups[] = {{&SQL_CLICK_BY_CLASS, "client"},
                {&SQL_CLICK_BY_OS, "os"},
                {&SQL_CLICK_BY_SOURCE, "source"},
                {&SQL_CLICK_BY_CHANNEL, "channel"},
                {&SQL_CLICK_BY_DAY, "day"}};
  int rc = HT_OK;
  for (size_t i = 0; i < sizeof groups / sizeof groups[0] && rc == HT_OK; i++)
    rc = breakdown(db, groups[i].sql, groups[i].dimension, merchant_id, code, from_ms, to_ms, each, user);
  return rc;
}
