/* changes.c — store_changed() (see changes.h): a NOTIFY on PostgreSQL, and the connection's
 * list of announcements that db_commit() tells this process once the transaction is durable. */
#include "store/changes.h"

#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "store/db_driver.h"

/* pg_notify() rather than NOTIFY, which takes no parameters. PostgreSQL only. */
DB_SQL(SQL_NOTIFY, "SELECT pg_notify($1, $2)");

static void remember(struct db *db, enum change_kind kind, struct str key) {
  for (unsigned i = 0; i < db->changes_pending; i++)
    if (db->changes[i].kind == (char)kind && db->changes[i].len == key.len &&
        memcmp(db->changes[i].key, key.data, key.len) == 0)
      return;
  if (db->changes_pending == DB_CHANGES_PENDING_MAX) {
    db->changes_overflow = true; /* too many to name: everything is forgotten at commit */
    return;
  }
  struct db_change *c = &db->changes[db->changes_pending++];
  c->kind = (char)kind;
  c->len = (unsigned char)key.len;
  memcpy(c->key, key.data, key.len);
}

int store_changed(struct db *db, enum change_kind kind, struct str key) {
  if (key.len == 0 || key.len > CHANGES_KEY_BYTES_MAX) return HT_EINVAL;
  if (db_engine(db) == DB_ENGINE_POSTGRES) {
    char payload[STORE_CHANGES_PAYLOAD_BYTES + 1];
    int n = snprintf(payload, sizeof payload, "%c:%.*s", (char)kind, STR_FMT(key));
    int rc =
        db_exec(db, &SQL_NOTIFY,
                DB_ARGS(DB_CSTR(STORE_CHANGES_CHANNEL), DB_TEXT(((struct str){payload, (size_t)n}))), NULL);
    if (rc != HT_OK) return rc;
  }
  if (db_in_transaction(db))
    remember(db, kind, key);
  else
    changes_publish(kind, key);
  return HT_OK;
}
