/* admin.c — `hutong migrate`, `hutong merchant ...`, `hutong apikey ...`: the admin commands
 * that work directly on the database (a running server picks up their changes at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "core/arena.h"
#include "core/lookalike.h"
#include "core/status.h"
#include "core/url_canon.h"
#include "core/utf8.h"
#include "http/auth.h"
#include "platform/clock.h"
#include "store/merchants.h"
#include "store/migrate.h"

/* Merchant display names: the same bound as product titles. */
#define MERCHANT_NAME_CHARS_MAX 200

static bool parse_id(const char *text, int64_t *id) {
  long long v = 0;
  if (!text || str_to_i64(str_from_cstr(text), &v) != HT_OK || v <= 0) return false;
  *id = v;
  return true;
}

int cli_migrate(int argc, char **argv) {
  static const char *const allowed[] = {"db", "help!", NULL};
  if (option_flag(argc, argv, "help"))
    return fputs("usage: hutong migrate [--db URL]\n\nApplies pending schema migrations (HUTONG_DB).\n",
                 stdout),
           0;
  if (!options_check(argc, argv, allowed, 0)) return 2;
  struct db *db = NULL;
  char error[DB_ERROR_BYTES];
  if (db_open(config_db_url(argc, argv), &db, error) != HT_OK)
    return fprintf(stderr, "hutong migrate: %s\n", error), 1;
  int applied = 0, version = 0;
  int rc = store_migrate(db, clock_now_ms(), &applied, &version);
  if (rc != HT_OK)
    fprintf(stderr, "hutong migrate: %s\n", db_error(db));
  else
    printf("applied %d migration(s); schema version %d\n", applied, version);
  db_close(db);
  return rc == HT_OK ? 0 : 1;
}

static const char merchant_help[] =
    "usage: hutong merchant create --name NAME [--db URL]\n"
    "       hutong merchant show --id ID [--db URL]\n"
    "       hutong merchant passwd --id ID (--password-stdin | --generate) [--db URL]\n"
    "       hutong merchant set-domain --id ID (--domain DOMAIN | --clear) [--db URL]\n"
    "\n"
    "Creates a merchant (prints its id) or shows one. Then create an API key with\n"
    "`hutong apikey create --merchant ID`. passwd sets the dashboard (/M/) password from one\n"
    "line of standard input, or generates one and prints it. set-domain records the merchant's\n"
    "verified domain (e.g. shop.example.cn, any case, Unicode or punycode): the link guard then\n"
    "warns about or blocks look-alikes of it. A running server protects it after SIGHUP.\n";

static int merchant_create(int argc, char **argv, struct db *db) {
  const char *name = option_value(argc, argv, "name");
  struct str s = str_from_cstr(name);
  if (!name || str_trim(s).len == 0 || !utf8_valid(s) || utf8_count(s) > MERCHANT_NAME_CHARS_MAX) {
    fprintf(stderr, "hutong merchant create: --name must be 1..%d characters of UTF-8\n",
            MERCHANT_NAME_CHARS_MAX);
    return 2;
  }
  int64_t id = 0;
  if (store_merchant_create(db, s, clock_now_ms(), &id) != HT_OK)
    return fprintf(stderr, "hutong merchant create: %s\n", db_error(db)), 1;
  printf("%lld\n", (long long)id);
  return 0;
}

static int merchant_show(int argc, char **argv, struct db *db) {
  int64_t id;
  if (!parse_id(option_value(argc, argv, "id"), &id))
    return fputs("hutong merchant show: --id ID is required\n", stderr), 2;
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct merchant m;
  int rc = store_merchant_get(db, &arena, id, &m);
  if (rc == HT_OK)
    printf("id=%lld name=%.*s\n", (long long)m.id, STR_FMT(m.name));
  else
    fprintf(stderr, "hutong merchant show: merchant %lld %s\n", (long long)id,
            rc == HT_ENOTFOUND ? "not found" : db_error(db));
  arena_free_all(&arena);
  return rc == HT_OK ? 0 : 1;
}

/* The canonical form of a domain as the link guard will protect it: lower case, punycode,
 * no port, user, path or IP address, and accepted by the lookalike checker (which also refuses
 * a bare public suffix). Writes it into `out` (arena) and returns true; prints why not. */
static bool canonical_domain(const char *text, struct arena *arena, struct str *out) {
  const char *url = arena_printf(arena, "http://%s/", text);
  struct url_canon u;
  enum url_canon_error error;
  bool ok = url && strlen(text) <= LOOKALIKE_HOST_BYTES_MAX * 4 && !strpbrk(text, "/?#@:\\ ") &&
            url_canon(str_from_cstr(url), arena, &u, &error) == HT_OK &&
            !(u.flags & (URL_CANON_HOST_IPV4 | URL_CANON_HOST_IPV6 | URL_CANON_HOST_FORBIDDEN)) &&
            u.host.len <= LOOKALIKE_HOST_BYTES_MAX && memchr(u.host.data, '.', u.host.len);
  struct lookalike_ctx *ctx = NULL;
  size_t bad;
  if (ok) ok = lookalike_ctx_create(NULL, &u.host, 1, &ctx, &bad) == HT_OK;
  const char *host = ok ? arena_strdup_str(arena, u.host) : NULL; /* libpsl wants a C string */
  if (ok && (!host || lookalike_registrable_domain(ctx, host, u.host.len).len == 0)) ok = false;
  lookalike_ctx_free(ctx);
  if (!ok) return fprintf(stderr, "hutong merchant set-domain: '%s' is not a domain name\n", text), false;
  *out = u.host;
  return true;
}

static int merchant_set_domain(int argc, char **argv, struct db *db) {
  int64_t id;
  const char *domain = option_value(argc, argv, "domain");
  bool clear = option_flag(argc, argv, "clear");
  if (!parse_id(option_value(argc, argv, "id"), &id) || !domain == !clear)
    return fputs("hutong merchant set-domain: --id ID and one of --domain DOMAIN or --clear are required\n",
                 stderr),
           2;
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct str canonical = {0};
  int status = 2;
  if (clear || canonical_domain(domain, &arena, &canonical)) {
    int rc = store_merchant_set_domain(db, id, canonical);
    status = rc == HT_OK ? 0 : 1;
    if (rc == HT_OK && clear)
      printf("merchant %lld: no verified domain\n", (long long)id);
    else if (rc == HT_OK)
      printf("merchant %lld: verified domain %.*s (protected after the server reloads: SIGHUP)\n",
             (long long)id, STR_FMT(canonical));
    else
      fprintf(stderr, "hutong merchant set-domain: merchant %lld %s\n", (long long)id,
              rc == HT_ENOTFOUND ? "not found" : db_error(db));
  }
  arena_free_all(&arena);
  return status;
}

int cli_merchant(int argc, char **argv) {
  static const char *const allowed[] = {"name",   "id",    "db", "password-stdin!", "generate!", "domain",
                                        "clear!", "help!", NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help") || !action)
    return fputs(merchant_help, action ? stdout : stderr), action ? 0 : 2;
  if (!options_check(argc, argv, allowed, 1)) return 2;
  if (strcmp(action, "create") != 0 && strcmp(action, "show") != 0 && strcmp(action, "passwd") != 0 &&
      strcmp(action, "set-domain") != 0)
    return fprintf(stderr, "hutong merchant: unknown action '%s'\n%s", action, merchant_help), 2;
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  int64_t id = 0;
  int status = strcmp(action, "create") == 0       ? merchant_create(argc, argv, db)
               : strcmp(action, "show") == 0       ? merchant_show(argc, argv, db)
               : strcmp(action, "set-domain") == 0 ? merchant_set_domain(argc, argv, db)
               : parse_id(option_value(argc, argv, "id"), &id)
                   ? cli_merchant_passwd(argc, argv, db, id)
                   : (fputs("hutong merchant passwd: --id ID is required\n", stderr), 2);
  db_close(db);
  return status;
}

static const char apikey_help[] = "usage: hutong apikey create --merchant ID [--db URL]\n"
                                  "       hutong apikey list --merchant ID [--db URL]\n"
                                  "       hutong apikey revoke --id KEY_ID [--db URL]\n"
                                  "\n"
                                  "create prints a new API key once (only its hash is stored); send it as\n"
                                  "`Authorization: Bearer hk_...`. revoke disables a key immediately.\n";

static int apikey_create(int argc, char **argv, struct db *db) {
  int64_t merchant_id, key_id = 0;
  if (!parse_id(option_value(argc, argv, "merchant"), &merchant_id))
    return fputs("hutong apikey create: --merchant ID is required\n", stderr), 2;
  char key[APIKEY_TEXT_BYTES], hash[SHA256_HEX_BYTES], prefix[APIKEY_PREFIX_CHARS + 1];
  apikey_generate(key, hash, prefix);
  int rc = store_apikey_create(db, merchant_id, str_from_cstr(hash), str_from_cstr(prefix), clock_now_ms(),
                               &key_id);
  if (rc == HT_ENOTFOUND)
    return fprintf(stderr, "hutong apikey create: no merchant %lld\n", (long long)merchant_id), 1;
  if (rc != HT_OK) return fprintf(stderr, "hutong apikey create: %s\n", db_error(db)), 1;
  printf("%s\n", key);
  fprintf(stderr, "key id %lld for merchant %lld; it is shown only once\n", (long long)key_id,
          (long long)merchant_id);
  return 0;
}

static void print_key(const struct api_key_info *k, void *user) {
  (void)user;
  printf("%lld\t%.*s...\t%s\n", (long long)k->id, STR_FMT(k->prefix),
         k->revoked_at_ms ? "revoked" : "active");
}

static int apikey_list(int argc, char **argv, struct db *db) {
  int64_t merchant_id;
  if (!parse_id(option_value(argc, argv, "merchant"), &merchant_id))
    return fputs("hutong apikey list: --merchant ID is required\n", stderr), 2;
  if (store_apikey_list(db, merchant_id, print_key, NULL) != HT_OK)
    return fprintf(stderr, "hutong apikey list: %s\n", db_error(db)), 1;
  return 0;
}

static int apikey_revoke(int argc, char **argv, struct db *db) {
  int64_t key_id;
  if (!parse_id(option_value(argc, argv, "id"), &key_id))
    return fputs("hutong apikey revoke: --id KEY_ID is required\n", stderr), 2;
  int rc = store_apikey_revoke(db, key_id, clock_now_ms());
  if (rc == HT_ENOTFOUND)
    return fprintf(stderr, "hutong apikey revoke: no active key %lld\n", (long long)key_id), 1;
  if (rc != HT_OK) return fprintf(stderr, "hutong apikey revoke: %s\n", db_error(db)), 1;
  printf("revoked key %lld\n", (long long)key_id);
  return 0;
}

int cli_apikey(int argc, char **argv) {
  static const char *const allowed[] = {"merchant", "id", "db", "help!", NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help") || !action)
    return fputs(apikey_help, action ? stdout : stderr), action ? 0 : 2;
  if (!options_check(argc, argv, allowed, 1)) return 2;
  int (*run)(int, char **, struct db *) = strcmp(action, "create") == 0   ? apikey_create
                                          : strcmp(action, "list") == 0   ? apikey_list
                                          : strcmp(action, "revoke") == 0 ? apikey_revoke
                                                                          : NULL;
  if (!run) return fprintf(stderr, "hutong apikey: unknown action '%s'\n%s", action, apikey_help), 2;
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  int status = run(argc, argv, db);
  db_close(db);
  return status;
}
