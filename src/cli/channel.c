/* channel.c — `hutong channel set`, `show` and `rekey`: a merchant's WeChat Pay and Alipay
 * credentials from the command line, and re-sealing every merchant's after HUTONG_SECRET
 * changed. `set` reads a JSON configuration (keys inline as
 * PEM text, or by path in "..._file" members, resolved relative to the configuration file),
 * checks it, seals its secret fields under HUTONG_SECRET and stores it; both commands print
 * the non-secret view only. The secrets never reach stdout, stderr or the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/status.h"
#include "pay/credentials.h"
#include "platform/clock.h"
#include "store/wallets.h"

/* Arena of one command: the views it prints. */
#define CLI_CHANNEL_ARENA_BYTES (1 << 20)
/* Longest path of the configuration file (its directory is the base of relative key paths). */
#define CLI_CHANNEL_PATH_BYTES_MAX 1024
/* Credentials re-sealed per listing query by `rekey`. */
#define CLI_CHANNEL_REKEY_BATCH 256

static const char channel_help[] =
    "usage: hutong channel set --merchant ID --channel wechatpay|alipay --from-file CONFIG.json [--db URL]\n"
    "       hutong channel show --merchant ID [--channel wechatpay|alipay] [--db URL]\n"
    "       hutong channel rekey --old-secret-file PATH [--db URL]\n"
    "\n"
    "set stores a merchant's wallet credentials (CONFIG.json, or - for stdin; fields in\n"
    "docs/WALLETS.md). Keys may be given inline as PEM text or by path as \"NAME_file\"\n"
    "(\"platform_certificates_files\" for the list), relative to the file's directory. Private\n"
    "keys and API keys are encrypted at rest under a key derived from HUTONG_SECRET; the same\n"
    "secret must be configured for `hutong serve`. show prints the non-secret fields only.\n"
    "\n"
    "rekey re-encrypts every merchant's stored credentials from the secret in PATH (the old\n"
    "HUTONG_SECRET) to the current one, in one transaction: if any of them opens under\n"
    "neither secret, nothing is changed. Credentials already under the current secret are\n"
    "left as they are, so running it again is harmless. Stop the servers first, then start\n"
    "them with the new secret.\n";

static const char *const channel_names[] = {"wechatpay", "alipay"};

static bool parse_id(const char *text, int64_t *id) {
  long long v = 0;
  if (!text || str_to_i64(str_from_cstr(text), &v) != HT_OK || v <= 0) return false;
  *id = v;
  return true;
}

static void print_view(struct db *db, int64_t merchant_id, const char *channel) {
  struct arena arena;
  arena_init(&arena, CLI_CHANNEL_ARENA_BYTES);
  int rc;
  json_t *view = credentials_view(db, &arena, merchant_id, str_from_cstr(channel), &rc);
  if (view) json_dumpf(view, stdout, JSON_COMPACT | JSON_SORT_KEYS), fputc('\n', stdout);
  if (!view) fprintf(stderr, "hutong channel: %s: %s\n", channel, db_error(db));
  json_decref(view);
  arena_free_all(&arena);
}

static json_t *read_config(const char *path, char base_dir[CLI_CHANNEL_PATH_BYTES_MAX]) {
  json_error_t error;
  json_t *doc = strcmp(path, "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &error)
                                       : json_load_file(path, JSON_REJECT_DUPLICATES, &error);
  if (!doc) fprintf(stderr, "hutong channel set: %s: %s (line %d)\n", path, error.text, error.line);
  snprintf(base_dir, CLI_CHANNEL_PATH_BYTES_MAX, "%s", strcmp(path, "-") == 0 ? "." : path);
  char *slash = strrchr(base_dir, '/');
  if (slash)
    *slash = '\0';
  else
    snprintf(base_dir, CLI_CHANNEL_PATH_BYTES_MAX, ".");
  return doc;
}

static int channel_set(int argc, char **argv, struct db *db, int64_t merchant_id, const char *channel) {
  const char *path = option_value(argc, argv, "from-file");
  if (!path) return fputs("hutong channel set: --from-file CONFIG.json is required\n", stderr), 2;
  char secret[APP_SECRET_BYTES_MAX + 1];
  size_t secret_len = config_load_secret(secret, sizeof secret);
  if (secret_len == 0) return 1;
  char base_dir[CLI_CHANNEL_PATH_BYTES_MAX];
  json_t *doc = read_config(path, base_dir);
  if (!doc) return 1;
  struct credentials_problem problem = {"", ""};
  int rc = credentials_resolve_files(doc, base_dir, &problem);
  if (rc == HT_OK)
    rc = credentials_save(db, (struct str){secret, secret_len}, merchant_id, str_from_cstr(channel), doc,
                          clock_now_ms(), &problem);
  json_decref(doc);
  memset(secret, 0, sizeof secret);
  if (rc == HT_EINVAL)
    return fprintf(stderr, "hutong channel set: %s: %s\n", problem.field, problem.message), 1;
  if (rc == HT_ENOTFOUND)
    return fprintf(stderr, "hutong channel set: no merchant %lld\n", (long long)merchant_id), 1;
  if (rc != HT_OK)
    return fprintf(stderr, "hutong channel set: %s (%s)\n", ht_status_name(rc), db_error(db)), 1;
  print_view(db, merchant_id, channel);
  return 0;
}

/* Re-seals every stored configuration; HT_EAUTH (after naming it) at the first one that
 * opens under neither secret. */
static int reseal_all(struct db *db, struct str old_secret, struct str new_secret, size_t *resealed,
                      size_t *current) {
  struct arena arena;
  arena_init(&arena, CLI_CHANNEL_ARENA_BYTES);
  struct credentials_row rows[CLI_CHANNEL_REKEY_BATCH];
  int64_t after_id = 0;
  struct str after_channel = STR_LIT("");
  size_t count = 0;
  int rc;
  do {
    rc = store_credentials_next(db, &arena, after_id, after_channel, CLI_CHANNEL_REKEY_BATCH, rows, &count);
    for (size_t i = 0; rc == HT_OK && i < count; i++) {
      rc = credentials_reseal(db, old_secret, new_secret, rows[i].merchant_id, rows[i].channel,
                              clock_now_ms());
      if (rc == HT_OK) ++*resealed;
      if (rc == HT_ECONFLICT) ++*current, rc = HT_OK;
      if (rc == HT_EAUTH)
        fprintf(stderr, "hutong channel rekey: merchant %lld, %.*s: opens under neither secret\n",
                (long long)rows[i].merchant_id, STR_FMT(rows[i].channel));
    }
    if (count > 0) after_id = rows[count - 1].merchant_id, after_channel = rows[count - 1].channel;
  } while (rc == HT_OK && count == CLI_CHANNEL_REKEY_BATCH);
  arena_free_all(&arena);
  return rc;
}

static int channel_rekey(int argc, char **argv, struct db *db) {
  const char *path = option_value(argc, argv, "old-secret-file");
  if (!path) return fputs("hutong channel rekey: --old-secret-file PATH is required\n", stderr), 2;
  char old_secret[APP_SECRET_BYTES_MAX + 1], new_secret[APP_SECRET_BYTES_MAX + 1];
  size_t old_len = config_read_secret_file(path, old_secret, sizeof old_secret);
  if (old_len == 0) return fprintf(stderr, "hutong channel rekey: cannot read a secret from %s\n", path), 1;
  size_t new_len = config_load_secret(new_secret, sizeof new_secret);
  size_t resealed = 0, current = 0;
  int rc = new_len == 0 ? HT_EINVAL : db_begin(db, true);
  if (rc == HT_OK)
    rc = reseal_all(db, (struct str){old_secret, old_len}, (struct str){new_secret, new_len}, &resealed,
                    &current);
  if (new_len > 0) rc = rc == HT_OK ? db_commit(db) : (db_rollback(db), rc);
  memset(old_secret, 0, sizeof old_secret);
  memset(new_secret, 0, sizeof new_secret);
  if (rc == HT_EAUTH) return fputs("hutong channel rekey: nothing changed\n", stderr), 1;
  if (rc != HT_OK)
    return fprintf(stderr, "hutong channel rekey: %s (%s); nothing changed\n", ht_status_name(rc),
                   db_error(db)),
           1;
  printf("re-encrypted %zu, already under the current secret %zu\n", resealed, current);
  return 0;
}

int cli_channel(int argc, char **argv) {
  static const char *const allowed[] = {"merchant", "channel", "from-file", "old-secret-file",
                                        "db",       "help!",   NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help") || !action)
    return fputs(channel_help, action ? stdout : stderr), action ? 0 : 2;
  if (!options_check(argc, argv, allowed, 1)) return 2;
  if (strcmp(action, "rekey") == 0) {
    struct db *db = config_open_db(config_db_url(argc, argv));
    if (!db) return 1;
    int status = channel_rekey(argc, argv, db);
    db_close(db);
    return status;
  }
  bool set = strcmp(action, "set") == 0;
  if (!set && strcmp(action, "show") != 0)
    return fprintf(stderr, "hutong channel: unknown action '%s'\n%s", action, channel_help), 2;
  int64_t merchant_id;
  if (!parse_id(option_value(argc, argv, "merchant"), &merchant_id))
    return fputs("hutong channel: --merchant ID is required\n", stderr), 2;
  const char *channel = option_value(argc, argv, "channel");
  if ((set && !channel) || (channel && !credentials_channel_known(str_from_cstr(channel))))
    return fputs("hutong channel: --channel must be wechatpay or alipay\n", stderr), 2;
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  int status = 0;
  if (set)
    status = channel_set(argc, argv, db, merchant_id, channel);
  else
    for (size_t i = 0; i < sizeof channel_names / sizeof channel_names[0]; i++)
      if (!channel || strcmp(channel, channel_names[i]) == 0) print_view(db, merchant_id, channel_names[i]);
  db_close(db);
  return status;
}
