/* idempotency.c — claim, complete, release and purge of idempotency keys (see
 * idempotency.h). The claim is an INSERT ... ON CONFLICT DO NOTHING followed, when the key
 * exists, by a locking read: on PostgreSQL a concurrent claimant blocks on the unique index
 * until the first commits and then sees its row; on SQLite the write lock serializes them. */
#include "store/idempotency.h"

#include "core/status.h"

DB_SQL(SQL_IDEM_INSERT, "INSERT INTO idempotency_keys (scope, key, request_hash, owner, state, created_at_ms)"
                        " VALUES ($1, $2, $3, $4, 'in_flight', $5) ON CONFLICT DO NOTHING");
DB_SQL(SQL_IDEM_GET, "SELECT request_hash, state, status, content_type, location, body, created_at_ms"
                     " FROM idempotency_keys WHERE scope = $1 AND key = $2 FOR UPDATE");
DB_SQL(SQL_IDEM_TAKEOVER,
       "UPDATE idempotency_keys SET request_hash = $3, owner = $4, state = 'in_flight',"
       " status = NULL, content_type = NULL, location = NULL, body = NULL, created_at_ms = $5"
       " WHERE scope = $1 AND key = $2");
DB_SQL(SQL_IDEM_COMPLETE, "UPDATE idempotency_keys SET state = 'done', status = $4, content_type = $5,"
                          " location = $6, body = $7 WHERE scope = $1 AND key = $2 AND owner = $3"
                          " AND state = 'in_flight'");
DB_SQL(SQL_IDEM_RELEASE, "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND owner = $3"
                         " AND state = 'in_flight'");
DB_SQL(SQL_IDEM_PURGE, "DELETE FROM idempotency_keys WHERE created_at_ms < $1");

static int copy_view(struct arena *arena, struct str in, struct str *out) {
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

/* Decides what an existing row means for a new request; takes it over when abandoned. */
static int judge_existing(struct db *db, struct arena *arena, const struct db_rows *rows, int64_t scope,
                          struct str key, struct str request_hash, struct str owner, int64_t now_ms,
                          enum idem_claim *result, struct idem_response *stored) {
  struct str state = db_text(rows, 1);
  int64_t created_at_ms = db_i64(rows, 6);
  bool expired = created_at_ms < now_ms - IDEMPOTENCY_RETENTION_MS;
  bool abandoned = str_eq(state, STR_LIT("in_flight")) && created_at_ms < now_ms - IDEMPOTENCY_LEASE_MS;
  if (expired || abandoned) {
    *result = IDEM_CLAIMED;
    return db_exec(
        db, &SQL_IDEM_TAKEOVER,
        DB_ARGS(DB_I64(scope), DB_TEXT(key), DB_TEXT(request_hash), DB_TEXT(owner), DB_I64(now_ms)), NULL);
  }
  if (str_eq(state, STR_LIT("in_flight"))) {
    *result = IDEM_IN_FLIGHT; /* whatever its body: retry once the first has finished */
    return HT_OK;
  }
  if (!str_eq(db_text(rows, 0), request_hash)) {
    *result = IDEM_MISMATCH;
    return HT_OK;
  }
  *result = IDEM_REPLAY;
  stored->status = (int)db_i64(rows, 2);
  stored->location = (struct str){0};
  int rc = copy_view(arena, db_text(rows, 3), &stored->content_type);
  if (!rc && !db_is_null(rows, 4)) rc = copy_view(arena, db_text(rows, 4), &stored->location);
  if (!rc) rc = copy_view(arena, db_text(rows, 5), &stored->body);
  return rc;
}

static int claim_in_transaction(struct db *db, struct arena *arena, int64_t scope, struct str key,
                                struct str request_hash, struct str owner, int64_t now_ms,
                                enum idem_claim *result, struct idem_response *stored) {
  int64_t inserted = 0;
  int rc = db_exec(
      db, &SQL_IDEM_INSERT,
      DB_ARGS(DB_I64(scope), DB_TEXT(key), DB_TEXT(request_hash), DB_TEXT(owner), DB_I64(now_ms)), &inserted);
  if (rc || inserted == 1) {
    *result = IDEM_CLAIMED;
    return rc;
  }
  struct db_rows rows;
  rc = db_query(db, &SQL_IDEM_GET, DB_ARGS(DB_I64(scope), DB_TEXT(key)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1)
      rc = judge_existing(db, arena, &rows, scope, key, request_hash, owner, now_ms, result, stored);
    else
      rc = step == 0 ? HT_EBUSY : step; /* purged between the two statements: let the client retry */
  }
  db_rows_done(&rows);
  return rc;
}

int store_idem_claim(struct db *db, struct arena *arena, int64_t scope, struct str key,
                     struct str request_hash, struct str owner, int64_t now_ms, enum idem_claim *result,
                     struct idem_response *stored) {
  int rc = db_begin(db, true);
  if (rc) return rc;
  rc = claim_in_transaction(db, arena, scope, key, request_hash, owner, now_ms, result, stored);
  if (rc == HT_OK) return db_commit(db);
  db_rollback(db);
  return rc;
}

int store_idem_complete(struct db *db, int64_t scope, struct str key, struct str owner,
                        const struct idem_response *response) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_IDEM_COMPLETE,
                   DB_ARGS(DB_I64(scope), DB_TEXT(key), DB_TEXT(owner), DB_I64(response->status),
                           DB_TEXT(response->content_type), DB_TEXT_OR_NULL(response->location),
                           DB_TEXT(response->body)),
                   &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_idem_release(struct db *db, int64_t scope, struct str key, struct str owner) {
  return db_exec(db, &SQL_IDEM_RELEASE, DB_ARGS(DB_I64(scope), DB_TEXT(key), DB_TEXT(owner)), NULL);
}

int store_idem_purge(struct db *db, int64_t before_ms, int64_t *deleted) {
  return db_exec(db, &SQL_IDEM_PURGE, DB_ARGS(DB_I64(before_ms)), deleted);
}
