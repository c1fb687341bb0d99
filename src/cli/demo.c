/* demo.c — `hutong demo seed`: a demo store for newcomers, created once.
 *
 * The first run creates the merchant, a handful of products with Chinese and English
 * titles priced in CNY, and an API key, whose text is kept in a local file (var/demo-api-key
 * by default) so that `make run` can print it every time. Later runs find the key still
 * valid and only print it. The dashboard password is generated the same way, once, kept in
 * var/demo-password (only its hash is in the database), and printed with the key.
 * It also prints the code of the first demo product, whose QR code `make run` shows. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "core/status.h"
#include "http/auth.h"
#include "platform/clock.h"
#include "store/merchants.h"
#include "store/products.h"
#include "store/sessions.h"
#include "web/session.h"

#define DEMO_KEY_FILE_DEFAULT      "var/demo-api-key"
#define DEMO_PASSWORD_FILE_DEFAULT "var/demo-password"

struct demo_product {
  const char *title;
  const char *description;
  int64_t price_minor;
  int64_t stock;
  const char *delivery;
};

static const struct demo_product demo_products[] = {
    {"云南普洱茶饼 357g · Yunnan Pu'er tea cake", "Aged raw pu'er pressed in Menghai. 勐海古树生普，七子饼。",
     12800, 40, "physical"},
    {"景德镇青花瓷杯 · Jingdezhen blue-and-white cup",
     "Hand-painted porcelain, 200 ml. 手绘青花，容量200毫升。", 8800, 25, "physical"},
    {"手工竹编收纳篮 · Handwoven bamboo basket", "Woven in Anji from local moso bamboo. 安吉毛竹手工编织。",
     5990, 60, "physical"},
    {"宁夏枸杞 500g · Ningxia goji berries", "Sun-dried, this year's harvest. 当季头茬，自然晾晒。", 4550,
     120, "physical"},
    {"杭州真丝围巾 · Hangzhou silk scarf", "Mulberry silk, 180 × 55 cm. 桑蚕丝，180×55厘米。", 23900, 15,
     "physical"},
    {"电子书《互通指南》 · E-book: The Hutong Guide",
     "Delivered instantly as a download link. 付款后自动发货。", 990, 9999, "auto"},
};

static size_t read_key_file(const char *path, char key[APIKEY_TEXT_BYTES]) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(key, 1, APIKEY_TEXT_BYTES - 1, f);
  fclose(f);
  key[n] = '\0';
  return n == APIKEY_TEXT_BYTES - 1 ? n : 0;
}

static bool key_still_valid(struct db *db, const char *key, int64_t *merchant_id) {
  char hash[SHA256_HEX_BYTES];
  sha256_hex(str_from_cstr(key), hash);
  return store_apikey_authenticate(db, str_from_cstr(hash), merchant_id) == HT_OK;
}

static int seed(struct db *db, const char *key_path, int64_t *merchant_id, char key[APIKEY_TEXT_BYTES]) {
  int64_t now = clock_now_ms(), key_id;
  int rc = db_begin(db, true);
  if (!rc) rc = store_merchant_create(db, STR_LIT("互通小店 Hutong Demo Store"), now, merchant_id);
  for (size_t i = 0; !rc && i < sizeof demo_products / sizeof demo_products[0]; i++) {
    const struct demo_product *d = &demo_products[i];
    struct product p = {.merchant_id = *merchant_id,
                        .title = str_from_cstr(d->title),
                        .description = str_from_cstr(d->description),
                        .price_minor = d->price_minor,
                        .currency = STR_LIT("CNY"),
                        .stock = d->stock,
                        .status = STR_LIT("active"),
                        .delivery = str_from_cstr(d->delivery)};
    rc = store_product_create(db, &p, now + (int64_t)i);
  }
  char hash[SHA256_HEX_BYTES], prefix[APIKEY_PREFIX_CHARS + 1];
  apikey_generate(key, hash, prefix);
  if (!rc)
    rc = store_apikey_create(db, *merchant_id, str_from_cstr(hash), str_from_cstr(prefix), now, &key_id);
  if (rc) {
    db_rollback(db);
    return rc;
  }
  FILE *f = fopen(key_path, "w");
  if (!f || fputs(key, f) < 0 || fclose(f) != 0) {
    db_rollback(db);
    return HT_EIO;
  }
  return db_commit(db);
}

/* The demo password from its file, when the file holds the password the merchant has. */
static bool password_still_valid(struct db *db, const char *path, int64_t merchant_id,
                                 char password[PASSWORD_GENERATED_BYTES]) {
  FILE *f = fopen(path, "r");
  if (!f) return false;
  size_t n = fread(password, 1, PASSWORD_GENERATED_BYTES - 1, f);
  fclose(f);
  password[n] = '\0';
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct str hash;
  bool ok = n > 0 && store_password_get(db, &arena, merchant_id, &hash) == HT_OK &&
            password_verify(hash, str_from_cstr(password)) == HT_OK;
  arena_free_all(&arena);
  return ok;
}

static int ensure_password(struct db *db, const char *path, int64_t merchant_id,
                           char password[PASSWORD_GENERATED_BYTES]) {
  if (password_still_valid(db, path, merchant_id, password)) return HT_OK;
  password_generate(password);
  int rc = password_set(db, merchant_id, password);
  if (rc != HT_OK) return rc;
  FILE *f = fopen(path, "w");
  if (!f || fputs(password, f) < 0 || fclose(f) != 0) return HT_EIO;
  return HT_OK;
}

/* The code of the demo's first product (the oldest still active), for `make run` to show as
 * a QR code; empty when the merchant has none left. */
static int first_product_code(struct db *db, int64_t merchant_id, char code[CODE_PUBLIC_LEN + 1]) {
  enum { DEMO_PRODUCTS_MAX = sizeof demo_products / sizeof demo_products[0] };
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct product items[DEMO_PRODUCTS_MAX];
  size_t count = 0;
  int rc = store_product_list(db, &arena, merchant_id, PRODUCTS_ACTIVE, 0, DEMO_PRODUCTS_MAX, items, &count);
  if (rc == HT_OK && count > 0) memcpy(code, items[count - 1].code, CODE_PUBLIC_LEN + 1);
  arena_free_all(&arena);
  return rc;
}

int cli_demo(int argc, char **argv) {
  static const char *const allowed[] = {"db", "key-file", "password-file", "help!", NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help") || !action || strcmp(action, "seed") != 0) {
    fputs("usage: hutong demo seed [--db URL] [--key-file PATH] [--password-file PATH]\n\n"
          "Creates the demo store once and prints its merchant id, API key and dashboard password.\n",
          action ? stdout : stderr);
    return action && strcmp(action, "seed") == 0 ? 0 : 2;
  }
  if (!options_check(argc, argv, allowed, 1)) return 2;
  const char *key_path = option_value(argc, argv, "key-file");
  if (!key_path) key_path = DEMO_KEY_FILE_DEFAULT;
  const char *password_path = option_value(argc, argv, "password-file");
  if (!password_path) password_path = DEMO_PASSWORD_FILE_DEFAULT;
  char password[PASSWORD_GENERATED_BYTES] = "";
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  char key[APIKEY_TEXT_BYTES];
  int64_t merchant_id = 0;
  int rc = HT_OK;
  if (!(read_key_file(key_path, key) && key_still_valid(db, key, &merchant_id)))
    rc = seed(db, key_path, &merchant_id, key);
  if (rc == HT_OK) rc = ensure_password(db, password_path, merchant_id, password);
  char product_code[CODE_PUBLIC_LEN + 1] = "";
  if (rc == HT_OK) rc = first_product_code(db, merchant_id, product_code);
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct merchant m;
  if (rc == HT_OK) rc = store_merchant_get(db, &arena, merchant_id, &m);
  if (rc == HT_OK)
    printf("merchant_id=%lld\napi_key=%s\npassword=%s\nstore_code=%s\nproduct_code=%s\n",
           (long long)merchant_id, key, password, m.code, product_code);
  else
    fprintf(stderr, "hutong demo seed: %s %s\n", ht_status_name(rc), db_error(db));
  arena_free_all(&arena);
  db_close(db);
  return rc == HT_OK ? 0 : 1;
}
