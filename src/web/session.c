/* session.c — passwords, session ids and token comparison (see session.h). */
#include "web/session.h"

#include <argon2.h>
#include <string.h>

#include "core/crypto.h"
#include "core/status.h"
#include "core/utf8.h"
#include "http/auth.h"
#include "platform/random.h"

int password_check_rules(struct str password) {
  if (password.len > PASSWORD_BYTES_MAX) return HT_ERANGE;
  if (!utf8_valid(password)) return HT_EINVAL;
  for (size_t i = 0; i < password.len; i++)
    if ((unsigned char)password.data[i] < 0x20 || password.data[i] == 0x7f) return HT_EINVAL;
  return utf8_count(password) < PASSWORD_CHARS_MIN ? HT_ERANGE : HT_OK;
}

int password_hash(struct str password, char encoded[PASSWORD_ENCODED_BYTES_MAX]) {
  if (password.len > PASSWORD_BYTES_MAX) return HT_ERANGE;
  unsigned char salt[PASSWORD_SALT_BYTES];
  random_bytes(salt, sizeof salt);
  int rc = argon2id_hash_encoded(PASSWORD_ARGON2_T_COST, PASSWORD_ARGON2_M_COST_KIB,
                                 PASSWORD_ARGON2_PARALLELISM, password.data, password.len, salt, sizeof salt,
                                 PASSWORD_TAG_BYTES, encoded, PASSWORD_ENCODED_BYTES_MAX);
  return rc == ARGON2_OK ? HT_OK : HT_EIO;
}

int password_verify(struct str encoded, struct str password) {
  char text[PASSWORD_ENCODED_BYTES_MAX];
  if (encoded.len == 0 || encoded.len >= sizeof text || password.len > PASSWORD_BYTES_MAX) return HT_EAUTH;
  if (!str_has_prefix(encoded, STR_LIT("$argon2id$"))) return HT_EAUTH;
  memcpy(text, encoded.data, encoded.len);
  text[encoded.len] = '\0';
  return argon2id_verify(text, password.data, password.len) == ARGON2_OK ? HT_OK : HT_EAUTH;
}

void password_burn(struct str password) {
  unsigned char salt[PASSWORD_SALT_BYTES] = {0}, tag[PASSWORD_TAG_BYTES];
  size_t len = password.len > PASSWORD_BYTES_MAX ? PASSWORD_BYTES_MAX : password.len;
  argon2id_hash_raw(PASSWORD_ARGON2_T_COST, PASSWORD_ARGON2_M_COST_KIB, PASSWORD_ARGON2_PARALLELISM,
                    password.data, len, salt, sizeof salt, tag, sizeof tag);
}

bool secret_equal(struct str expected, struct str given) {
  if (expected.len == 0 || expected.len != given.len) return false;
  return crypto_equal_ct(expected.data, given.data, expected.len);
}

void session_id_hash(struct str id, char hex[SESSION_ID_HEX_CHARS + 1]) { sha256_hex(id, hex); }

bool session_id_valid(struct str id) {
  if (id.len != SESSION_ID_HEX_CHARS) return false;
  for (size_t i = 0; i < id.len; i++) {
    char c = id.data[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool session_alive(const struct merchant_session *s, int64_t now_ms) {
  return now_ms < s->expires_at_ms && now_ms - s->last_seen_ms < SESSION_IDLE_MS;
}
