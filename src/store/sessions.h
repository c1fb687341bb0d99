/*
 * sessions.h — the merchant dashboard's passwords and signed-in sessions.
 *
 * A password is stored only as its argon2id hash string (web/session.h makes and checks it).
 * A session is stored under the SHA-256 (hex) of its random id, so the table alone does not
 * let anyone sign in; its row carries the merchant, the CSRF token of its forms, and its
 * absolute expiry and last use (the idle timeout is the caller's rule).
 */
#ifndef HUTONG_STORE_SESSIONS_H
#define HUTONG_STORE_SESSIONS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"
#include "store/db.h"

/* A session's CSRF token: 32 random bytes in lower-case hex. */
#define SESSION_CSRF_HEX_CHARS 64

struct merchant_session {
  int64_t merchant_id;
  char csrf_token[SESSION_CSRF_HEX_CHARS + 1];
  int64_t created_at_ms;
  int64_t last_seen_ms;
  int64_t expires_at_ms;
};

/* Sets (or replaces) the password hash of `merchant_id`. HT_ENOTFOUND when the merchant does
 * not exist. */
int store_password_set(struct db *db, int64_t merchant_id, struct str hash, int64_t now_ms);

/* Reads the password hash of `merchant_id` into `arena`. HT_ENOTFOUND when it has none. */
int store_password_get(struct db *db, struct arena *arena, int64_t merchant_id, struct str *hash);

/* Records a new session. */
int store_session_create(struct db *db, struct str id_hash, const struct merchant_session *s);

/* Reads the session stored under `id_hash`. HT_ENOTFOUND when there is none (expiry is the
 * caller's to check). */
int store_session_get(struct db *db, struct str id_hash, struct merchant_session *out);

/* Records a use of the session at `now_ms`. */
int store_session_touch(struct db *db, struct str id_hash, int64_t now_ms);

/* Deletes one session (sign-out). Deleting a missing one is not an error. */
int store_session_delete(struct db *db, struct str id_hash);

/* Deletes every session of a merchant (after a password change). */
int store_sessions_delete_merchant(struct db *db, int64_t merchant_id);

/* Deletes sessions past their expiry or unused since `idle_before_ms`. */
int store_sessions_purge(struct db *db, int64_t now_ms, int64_t idle_before_ms);

#endif
