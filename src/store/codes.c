/* codes.c — reserve, bind and look up short codes (see codes.h). Reservation uses
 * INSERT ... ON CONFLICT DO NOTHING so that a collision leaves the surrounding transaction
 * usable on PostgreSQL too (a failed statement would abort it). */
#include "store/codes.h"

#include <string.h>

#include "core/status.h"
#include "platform/random.h"

DB_SQL(SQL_CODE_RESERVE, "INSERT INTO codes (code, kind, merchant_id, ref_id) VALUES ($1, $2, 0, 0)"
                         " ON CONFLICT DO NOTHING");
DB_SQL(SQL_CODE_BIND, "UPDATE codes SET merchant_id = $2, ref_id = $3 WHERE code = $1");
DB_SQL(SQL_CODE_LOOKUP, "SELECT kind, merchant_id, ref_id FROM codes WHERE code = $1");

const char *code_kind_name(enum code_kind kind) {
  switch (kind) {
  case CODE_KIND_PRODUCT: return "product";
  case CODE_KIND_STORE: return "store";
  default: return "link";
  }
}

int store_code_reserve(struct db *db, enum code_kind kind, char code[CODE_PUBLIC_LEN + 1]) {
  for (int attempt = 0; attempt < CODE_ALLOCATE_ATTEMPTS_MAX; attempt++) {
    uint8_t random[CODE_RANDOM_BYTES(CODE_PUBLIC_LEN)];
    random_bytes(random, sizeof random);
    int rc = code_from_random(random, sizeof random, CODE_PUBLIC_LEN, code, CODE_PUBLIC_LEN + 1);
    if (rc != HT_OK) return rc;
    int64_t inserted = 0;
    rc = db_exec(db, &SQL_CODE_RESERVE, DB_ARGS(DB_CSTR(code), DB_CSTR(code_kind_name(kind))), &inserted);
    if (rc != HT_OK) return rc;
    if (inserted == 1) return HT_OK;
  }
  return HT_EBUSY;
}

int store_code_bind(struct db *db, const char *code, int64_t merchant_id, int64_t ref_id) {
  return db_exec(db, &SQL_CODE_BIND, DB_ARGS(DB_CSTR(code), DB_I64(merchant_id), DB_I64(ref_id)), NULL);
}

int store_code_lookup(struct db *db, struct str code, struct code_ref *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_CODE_LOOKUP, DB_ARGS(DB_TEXT(code)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) {
      struct str kind = db_text(&rows, 0);
      out->kind = str_eq(kind, STR_LIT("product")) ? CODE_KIND_PRODUCT
                  : str_eq(kind, STR_LIT("store")) ? CODE_KIND_STORE
                                                   : CODE_KIND_LINK;
      out->merchant_id = db_i64(&rows, 1);
      out->ref_id = db_i64(&rows, 2);
    }
    rc = step == 1 ? HT_OK : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}
