/* passwd.c — dashboard passwords from the command line: `hutong merchant passwd` and the demo
 * store's generated password.
 *
 * A password comes from standard input (one line, --password-stdin) or is generated
 * (--generate: 80 random bits as four groups of four Crockford symbols, printed once). Only
 * its argon2id hash is stored (web/session.h); setting it signs the merchant out everywhere. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "core/code.h"
#include "core/status.h"
#include "platform/clock.h"
#include "platform/random.h"
#include "store/sessions.h"
#include "web/session.h"

/* Symbols of a generated password, shown in groups of four: 16 × 5 = 80 random bits. */
#define PASSWORD_GENERATED_SYMBOLS 16
#define PASSWORD_GROUP_SYMBOLS     4

void password_generate(char out[PASSWORD_GENERATED_BYTES]) {
  uint8_t random[CODE_RANDOM_BYTES(PASSWORD_GENERATED_SYMBOLS)];
  char symbols[PASSWORD_GENERATED_SYMBOLS + 1];
  random_bytes(random, sizeof random);
  code_from_random(random, sizeof random, PASSWORD_GENERATED_SYMBOLS, symbols, sizeof symbols);
  size_t len = 0;
  for (size_t i = 0; i < PASSWORD_GENERATED_SYMBOLS; i++) {
    if (i && i % PASSWORD_GROUP_SYMBOLS == 0) out[len++] = '-';
    out[len++] = (char)(symbols[i] >= 'A' && symbols[i] <= 'Z' ? symbols[i] - 'A' + 'a' : symbols[i]);
  }
  out[len] = '\0';
}

int password_set(struct db *db, int64_t merchant_id, const char *password) {
  char encoded[PASSWORD_ENCODED_BYTES_MAX];
  int rc = password_hash(str_from_cstr(password), encoded);
  if (rc == HT_OK) rc = db_begin(db, true);
  if (rc != HT_OK) return rc;
  rc = store_password_set(db, merchant_id, str_from_cstr(encoded), clock_now_ms());
  if (rc == HT_OK) rc = store_sessions_delete_merchant(db, merchant_id);
  if (rc == HT_OK) return db_commit(db);
  db_rollback(db);
  return rc;
}

/* Reads one line (without its newline) of at most PASSWORD_BYTES_MAX bytes from stdin. */
static bool read_password(char *out, size_t size) {
  if (!fgets(out, (int)size, stdin)) return false;
  size_t len = strlen(out);
  if (len && out[len - 1] == '\n') out[--len] = '\0';
  if (len && out[len - 1] == '\r') out[--len] = '\0';
  return true;
}

int cli_merchant_passwd(int argc, char **argv, struct db *db, int64_t merchant_id) {
  bool generate = option_flag(argc, argv, "generate"), from_stdin = option_flag(argc, argv, "password-stdin");
  if (generate == from_stdin)
    return fputs("hutong merchant passwd: give exactly one of --password-stdin or --generate\n", stderr), 2;
  char password[PASSWORD_BYTES_MAX + 2];
  if (generate)
    password_generate(password);
  else if (!read_password(password, sizeof password))
    return fputs("hutong merchant passwd: no password on standard input\n", stderr), 2;
  int rc = password_check_rules(str_from_cstr(password));
  if (rc != HT_OK)
    return fprintf(stderr,
                   "hutong merchant passwd: a password needs at least %d characters, at most %d bytes, no "
                   "control characters\n",
                   PASSWORD_CHARS_MIN, PASSWORD_BYTES_MAX),
           2;
  rc = password_set(db, merchant_id, password);
  if (rc == HT_ENOTFOUND)
    return fprintf(stderr, "hutong merchant passwd: no merchant %lld\n", (long long)merchant_id), 1;
  if (rc != HT_OK)
    return fprintf(stderr, "hutong merchant passwd: %s %s\n", ht_status_name(rc), db_error(db)), 1;
  if (generate) printf("%s\n", password);
  fprintf(stderr, "password set for merchant %lld; its dashboard sessions were signed out\n",
          (long long)merchant_id);
  return 0;
}
