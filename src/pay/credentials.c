/* credentials.c — validating, sealing and loading channel credentials (see credentials.h).
 *
 * Each channel's fields are one table: name, kind, whether it is secret, whether it is
 * required, and its length bounds. Validation walks the table (unknown fields are refused,
 * so a typo never silently drops a setting), parses every key with core/crypto, then runs
 * the channel's cross-field rules. The document is then split by the table's `secret` column
 * into the stored config and the sealed box. */
#include "pay/credentials.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/secretbox.h"
#include "core/status.h"
#include "core/utf8.h"
#include "platform/clock.h"
#include "platform/random.h"
#include "store/wallets.h"

/* Longest identifier field (mchid, appid, app_id, seller_id, serials: ≤ 64 in every spec). */
#define CREDENTIALS_ID_CHARS_MAX 64
/* Longest base URL accepted. */
#define CREDENTIALS_URL_BYTES_MAX 256
/* A WeChat Pay APIv3 key is exactly 32 characters (商户平台 API安全). */
#define CREDENTIALS_APIV3_KEY_BYTES 32
/* Longest file path the CLI resolves. */
#define CREDENTIALS_PATH_BYTES_MAX 1024
/* Room for the associated data "hutong channel-credentials merchant=<id> channel=<name>". */
#define CREDENTIALS_AAD_BYTES 128
/* Arena of one save or load: the document, the sealed box and their copies. */
#define CREDENTIALS_ARENA_BYTES (1024 * 1024)

enum field_kind {
  FIELD_ID,          /* printable ASCII identifier, no spaces */
  FIELD_SECRET_TEXT, /* printable ASCII secret */
  FIELD_PRIVATE_KEY, /* PEM or bare base64 RSA private key */
  FIELD_PUBLIC_KEY,  /* PEM or bare base64 RSA public key, or a certificate */
  FIELD_CERT_LIST,   /* array of PEM certificates */
  FIELD_URL,         /* http(s) base URL without a trailing slash */
  FIELD_TIMEOUT,     /* integer milliseconds */
};

struct cred_field {
  const char *name;
  enum field_kind kind;
  bool secret;
  bool required;
  size_t len_min, len_max; /* FIELD_ID / FIELD_SECRET_TEXT, in bytes */
};

static const struct cred_field wechatpay_fields[] = {
    {"mchid", FIELD_ID, false, true, 1, 32},
    {"appid", FIELD_ID, false, true, 1, 32},
    {"merchant_serial", FIELD_ID, false, true, 1, CREDENTIALS_ID_CHARS_MAX},
    {"merchant_private_key", FIELD_PRIVATE_KEY, true, true, 0, 0},
    {"apiv3_key", FIELD_SECRET_TEXT, true, true, CREDENTIALS_APIV3_KEY_BYTES, CREDENTIALS_APIV3_KEY_BYTES},
    {"platform_certificates", FIELD_CERT_LIST, false, false, 0, 0},
    {"platform_public_key", FIELD_PUBLIC_KEY, false, false, 0, 0},
    {"platform_public_key_id", FIELD_ID, false, false, 1, CREDENTIALS_ID_CHARS_MAX},
    {"app_secret", FIELD_SECRET_TEXT, true, false, 1, CREDENTIALS_ID_CHARS_MAX},
    {"base_url", FIELD_URL, false, false, 0, 0},
    {"oauth_url", FIELD_URL, false, false, 0, 0},
    {"sns_url", FIELD_URL, false, false, 0, 0},
    {"timeout_ms", FIELD_TIMEOUT, false, false, 0, 0},
};

static const struct cred_field alipay_fields[] = {
    {"app_id", FIELD_ID, false, true, 1, 32},
    {"seller_id", FIELD_ID, false, true, 1, 32},
    {"app_private_key", FIELD_PRIVATE_KEY, true, true, 0, 0},
    {"alipay_public_key", FIELD_PUBLIC_KEY, false, true, 0, 0},
    {"gateway_url", FIELD_URL, false, false, 0, 0},
    {"timeout_ms", FIELD_TIMEOUT, false, false, 0, 0},
};

struct channel_fields {
  const char *channel;
  const struct cred_field *fields;
  size_t count;
};

static const struct channel_fields channels[] = {
    {"wechatpay", wechatpay_fields, sizeof wechatpay_fields / sizeof wechatpay_fields[0]},
    {"alipay", alipay_fields, sizeof alipay_fields / sizeof alipay_fields[0]},
};

static const struct channel_fields *channel_fields(struct str channel) {
  for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++)
    if (str_eq(channel, str_from_cstr(channels[i].channel))) return &channels[i];
  return NULL;
}

bool credentials_channel_known(struct str channel) { return channel_fields(channel) != NULL; }

static int problem(struct credentials_problem *p, const char *field, const char *message) {
  snprintf(p->field, sizeof p->field, "%s", field);
  snprintf(p->message, sizeof p->message, "%s", message);
  return HT_EINVAL;
}

static bool printable_ascii(struct str s) {
  for (size_t i = 0; i < s.len; i++)
    if ((unsigned char)s.data[i] <= 0x20 || (unsigned char)s.data[i] >= 0x7f) return false;
  return true;
}

/* An absolute http(s) URL with a host, printable ASCII, no trailing slash (paths are
 * appended to it). */
static bool base_url_ok(struct str url) {
  struct str rest;
  if (str_has_prefix(url, STR_LIT("https://")))
    rest = (struct str){url.data + 8, url.len - 8};
  else if (str_has_prefix(url, STR_LIT("http://")))
    rest = (struct str){url.data + 7, url.len - 7};
  else
    return false;
  return rest.len > 0 && rest.data[0] != '/' && url.data[url.len - 1] != '/' && printable_ascii(url);
}

static struct str json_view(json_t *v) {
  return json_is_string(v) ? (struct str){json_string_value(v), json_string_length(v)} : (struct str){0};
}

/* Parses a key of `kind` to prove it is one; with `serial`, the certificate's serial is copied
 * out (empty when the text is not a certificate). */
static int check_key(struct str text, enum field_kind kind, char serial[CRYPTO_SERIAL_HEX_MAX + 1]) {
  struct crypto_key *key = NULL;
  int rc = kind == FIELD_PRIVATE_KEY ? crypto_private_key_from_pem(text, &key)
                                     : crypto_public_key_from_pem(text, &key);
  if (rc == HT_OK && serial) {
    struct str s = crypto_key_serial(key);
    snprintf(serial, CRYPTO_SERIAL_HEX_MAX + 1, "%.*s", STR_FMT(s));
  }
  crypto_key_free(key);
  return rc;
}

static const char *key_error(int rc) {
  if (rc == HT_ERANGE) return "the RSA key must have 2048 to 4096 bits";
  if (rc == HT_ETOOBIG) return "the key text is too large";
  return "not a readable RSA key (PEM or base64 DER)";
}

static int check_cert_list(json_t *v, json_t *serials, struct credentials_problem *p, const char *name) {
  if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > CREDENTIALS_PLATFORM_CERTS_MAX)
    return problem(p, name, "must be a list of 1 to 4 PEM certificates");
  size_t i;
  json_t *item;
  json_array_foreach(v, i, item) {
    char serial[CRYPTO_SERIAL_HEX_MAX + 1] = "";
    int rc = json_is_string(item) ? check_key(json_view(item), FIELD_PUBLIC_KEY, serial) : HT_EINVAL;
    if (rc != HT_OK) return problem(p, name, key_error(rc));
    if (!serial[0]) return problem(p, name, "each entry must be an X.509 certificate (its serial names it)");
    json_array_append_new(serials, json_string(serial));
  }
  return HT_OK;
}

static int check_field(const struct cred_field *f, json_t *v, json_t *serials,
                       struct credentials_problem *p) {
  struct str s = json_view(v);
  switch (f->kind) {
  case FIELD_ID:
  case FIELD_SECRET_TEXT:
    if (!json_is_string(v) || s.len < f->len_min || s.len > f->len_max || !printable_ascii(s)) {
      char message[160];
      snprintf(message, sizeof message, "must be %zu to %zu printable ASCII characters", f->len_min,
               f->len_max);
      return problem(p, f->name, message);
    }
    return HT_OK;
  case FIELD_PRIVATE_KEY:
  case FIELD_PUBLIC_KEY: {
    int rc =
        json_is_string(v) && s.len <= CRYPTO_KEY_TEXT_BYTES_MAX ? check_key(s, f->kind, NULL) : HT_EINVAL;
    return rc == HT_OK ? HT_OK : problem(p, f->name, key_error(rc));
  }
  case FIELD_CERT_LIST: return check_cert_list(v, serials, p, f->name);
  case FIELD_URL:
    if (!json_is_string(v) || s.len > CREDENTIALS_URL_BYTES_MAX || !base_url_ok(s))
      return problem(p, f->name, "must be an http(s) URL without a trailing slash");
    return HT_OK;
  case FIELD_TIMEOUT:
    if (!json_is_integer(v) || json_integer_value(v) < CREDENTIALS_TIMEOUT_MS_MIN ||
        json_integer_value(v) > CREDENTIALS_TIMEOUT_MS_MAX)
      return problem(p, f->name, "must be a whole number of milliseconds from 100 to 30000");
    return HT_OK;
  }
  return HT_EINVAL;
}

/* The rules between fields. */
static int check_cross(const struct channel_fields *cf, json_t *doc, struct credentials_problem *p) {
  if (strcmp(cf->channel, "wechatpay") != 0) return HT_OK;
  bool certs = json_object_get(doc, "platform_certificates") != NULL;
  bool pub = json_object_get(doc, "platform_public_key") != NULL;
  bool pub_id = json_object_get(doc, "platform_public_key_id") != NULL;
  if (!certs && !pub)
    return problem(p, "platform_certificates",
                   "WeChat Pay's platform certificates or its public key (public-key mode) are required");
  if (pub != pub_id)
    return problem(p, "platform_public_key_id", "platform_public_key and platform_public_key_id go together");
  if (pub_id &&
      !str_has_prefix(json_view(json_object_get(doc, "platform_public_key_id")), STR_LIT("PUB_KEY_ID_")))
    return problem(p, "platform_public_key_id", "a WeChat Pay public key id starts with PUB_KEY_ID_");
  return HT_OK;
}

/* Checks `doc` and splits it into the public config (with derived platform_serials) and the
 * secret document. Both are new references on success. */
static int split(const struct channel_fields *cf, json_t *doc, json_t **config, json_t **secret,
                 struct credentials_problem *p) {
  if (!json_is_object(doc)) return problem(p, "", "the configuration must be a JSON object");
  const char *name;
  json_t *v;
  json_object_foreach(doc, name, v) {
    bool known = false;
    for (size_t i = 0; i < cf->count && !known; i++) known = strcmp(cf->fields[i].name, name) == 0;
    if (!known) {
      size_t n = strlen(name);
      bool file =
          (n > 5 && strcmp(name + n - 5, "_file") == 0) || (n > 6 && strcmp(name + n - 6, "_files") == 0);
      return problem(p, name,
                     file ? "key files are read by `hutong channel set` only; send the key text itself"
                          : "unknown field for this channel");
    }
  }
  json_t *serials = json_array(), *pub = json_object(), *sec = json_object();
  int rc = HT_OK;
  for (size_t i = 0; i < cf->count && rc == HT_OK; i++) {
    const struct cred_field *f = &cf->fields[i];
    v = json_object_get(doc, f->name);
    if (!v) {
      if (f->required) rc = problem(p, f->name, "this field is required");
      continue;
    }
    rc = check_field(f, v, serials, p);
    if (rc == HT_OK) json_object_set(f->secret ? sec : pub, f->name, v);
  }
  if (rc == HT_OK) rc = check_cross(cf, doc, p);
  if (rc == HT_OK && json_array_size(serials)) json_object_set(pub, "platform_serials", serials);
  json_decref(serials);
  if (rc != HT_OK) {
    json_decref(pub);
    json_decref(sec);
    return rc;
  }
  *config = pub;
  *secret = sec;
  return HT_OK;
}

static void aad_of(int64_t merchant_id, struct str channel, char out[CREDENTIALS_AAD_BYTES]) {
  snprintf(out, CREDENTIALS_AAD_BYTES, "hutong channel-credentials merchant=%lld channel=%.*s",
           (long long)merchant_id, STR_FMT(channel));
}

/* Overwrites clear text we allocated ourselves before its memory goes back to the heap. The
 * view is const only because views always are; the bytes are ours. */
static void wipe(struct str s) {
  if (s.data) memset((char *)(uintptr_t)s.data, 0, s.len);
}

static int dump(json_t *v, struct arena *arena, struct str *out) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
  if (!text) return HT_ENOMEM;
  char *copy = arena_strndup(arena, text, strlen(text));
  size_t len = strlen(text);
  memset(text, 0, len); /* the secret part's clear text does not linger in the heap */
  free(text);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, len};
  return HT_OK;
}

/* Seals `plain` under the key derived from `server_secret`, with a fresh nonce. */
static int seal_secret(struct str server_secret, const char *aad, struct str plain, struct arena *arena,
                       struct str *box) {
  uint8_t key[SECRETBOX_KEY_BYTES], nonce[SECRETBOX_NONCE_BYTES];
  random_bytes(nonce, sizeof nonce);
  int rc = secretbox_key_derive(server_secret, STR_LIT(CREDENTIALS_KEY_PURPOSE), key);
  if (rc == HT_OK) rc = secretbox_seal(key, nonce, str_from_cstr(aad), plain, arena, box);
  memset(key, 0, sizeof key);
  return rc;
}

/* Opens a sealed secret part under the key derived from `server_secret`; HT_EAUTH when it
 * does not open (another secret, or a box moved to another merchant or channel). */
static int open_secret(struct str server_secret, const char *aad, struct str box, struct arena *arena,
                       struct str *plain) {
  uint8_t key[SECRETBOX_KEY_BYTES];
  int rc = secretbox_key_derive(server_secret, STR_LIT(CREDENTIALS_KEY_PURPOSE), key);
  if (rc == HT_OK) {
    rc = secretbox_open(key, str_from_cstr(aad), box, arena, plain);
    if (rc == HT_ECHECKSUM || rc == HT_EINVAL) rc = HT_EAUTH;
  }
  memset(key, 0, sizeof key);
  return rc;
}

int credentials_save(struct db *db, struct str server_secret, int64_t merchant_id, struct str channel,
                     json_t *doc, int64_t now_ms, struct credentials_problem *p) {
  const struct channel_fields *cf = channel_fields(channel);
  if (!cf) return HT_ENOTFOUND;
  json_t *config = NULL, *secret = NULL;
  int rc = split(cf, doc, &config, &secret, p);
  if (rc != HT_OK) return rc;
  struct arena arena;
  arena_init(&arena, CREDENTIALS_ARENA_BYTES);
  char aad[CREDENTIALS_AAD_BYTES];
  struct str config_text, secret_text = {0}, box;
  aad_of(merchant_id, channel, aad);
  rc = dump(config, &arena, &config_text);
  if (rc == HT_OK) rc = dump(secret, &arena, &secret_text);
  if (rc == HT_OK) rc = seal_secret(server_secret, aad, secret_text, &arena, &box);
  wipe(secret_text);
  if (rc == HT_OK) rc = store_credentials_put(db, merchant_id, channel, config_text, box, now_ms);
  json_decref(config);
  json_decref(secret);
  arena_free_all(&arena);
  return rc;
}

/* Reads a file of at most CRYPTO_KEY_TEXT_BYTES_MAX bytes as a new JSON string. */
static json_t *file_text(const char *base_dir, struct str path, struct credentials_problem *p,
                         const char *field) {
  char full[CREDENTIALS_PATH_BYTES_MAX];
  int n = path.len && path.data[0] == '/'
              ? snprintf(full, sizeof full, "%.*s", STR_FMT(path))
              : snprintf(full, sizeof full, "%s/%.*s", base_dir && *base_dir ? base_dir : ".", STR_FMT(path));
  if (n <= 0 || (size_t)n >= sizeof full || memchr(path.data, '\0', path.len)) {
    problem(p, field, "the path is too long");
    return NULL;
  }
  FILE *f = fopen(full, "rb");
  if (!f) {
    char message[160];
    snprintf(message, sizeof message, "cannot read the file: %s", strerror(errno));
    problem(p, field, message);
    return NULL;
  }
  char *data = malloc(CRYPTO_KEY_TEXT_BYTES_MAX + 1);
  size_t len = data ? fread(data, 1, CRYPTO_KEY_TEXT_BYTES_MAX + 1, f) : 0;
  fclose(f);
  json_t *out = NULL;
  if (!data)
    problem(p, field, "out of memory");
  else if (len > CRYPTO_KEY_TEXT_BYTES_MAX)
    problem(p, field, "the file is larger than a key may be");
  else if (!(out = json_stringn(data, len)))
    problem(p, field, "the file is not UTF-8 text");
  if (data) memset(data, 0, len), free(data);
  return out;
}

int credentials_resolve_files(json_t *doc, const char *base_dir, struct credentials_problem *p) {
  if (!json_is_object(doc)) return problem(p, "", "the configuration must be a JSON object");
  const char *name;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(doc, tmp, name, v) {
    size_t n = strlen(name);
    bool one = n > 5 && strcmp(name + n - 5, "_file") == 0,
         many = n > 6 && strcmp(name + n - 6, "_files") == 0;
    if (!one && !many) continue;
    char target[64];
    snprintf(target, sizeof target, "%.*s", (int)(n - (one ? 5 : 6)), name);
    if (json_object_get(doc, target)) return problem(p, name, "give the key text or its file, not both");
    json_t *value = NULL;
    if (one) {
      value = json_is_string(v) ? file_text(base_dir, json_view(v), p, name) : NULL;
      if (!json_is_string(v)) problem(p, name, "must be a file path");
    } else if (json_is_array(v) && json_array_size(v) <= CREDENTIALS_PLATFORM_CERTS_MAX) {
      value = json_array();
      size_t i;
      json_t *item;
      json_array_foreach(v, i, item) {
        json_t *text = json_is_string(item) ? file_text(base_dir, json_view(item), p, name) : NULL;
        if (!text) {
          if (!json_is_string(item)) problem(p, name, "must be a list of file paths");
          json_decref(value);
          value = NULL;
          break;
        }
        json_array_append_new(value, text);
      }
    } else {
      problem(p, name, "must be a list of at most 4 file paths");
    }
    if (!value) return HT_EINVAL;
    json_object_set_new(doc, target, value);
    json_object_del(doc, name);
  }
  return HT_OK;
}

int credentials_load(struct db *db, struct str server_secret, int64_t merchant_id, struct str channel,
                     json_t **doc) {
  *doc = NULL;
  if (!channel_fields(channel)) return HT_ENOTFOUND;
  struct arena arena;
  arena_init(&arena, CREDENTIALS_ARENA_BYTES);
  struct credentials_row row;
  char aad[CREDENTIALS_AAD_BYTES];
  struct str plain = {0};
  aad_of(merchant_id, channel, aad);
  int rc = store_credentials_get(db, &arena, merchant_id, channel, &row);
  if (rc == HT_OK) rc = open_secret(server_secret, aad, row.secret_box, &arena, &plain);
  json_error_t error;
  json_t *config =
      rc == HT_OK ? json_loadb(row.config.data, row.config.len, JSON_REJECT_DUPLICATES, &error) : NULL;
  json_t *secret = rc == HT_OK ? json_loadb(plain.data, plain.len, JSON_REJECT_DUPLICATES, &error) : NULL;
  if (rc == HT_OK && (!json_is_object(config) || !json_is_object(secret))) rc = HT_EIO;
  if (rc == HT_OK && json_object_update(config, secret) != 0) rc = HT_ENOMEM;
  wipe(plain);
  json_decref(secret);
  if (rc == HT_OK)
    *doc = config;
  else
    json_decref(config);
  arena_free_all(&arena);
  return rc;
}

int credentials_reseal(struct db *db, struct str old_secret, struct str new_secret, int64_t merchant_id,
                       struct str channel, int64_t now_ms) {
  if (!channel_fields(channel)) return HT_ENOTFOUND;
  struct arena arena;
  arena_init(&arena, CREDENTIALS_ARENA_BYTES);
  struct credentials_row row;
  char aad[CREDENTIALS_AAD_BYTES];
  struct str plain = {0}, box;
  aad_of(merchant_id, channel, aad);
  int rc = store_credentials_get(db, &arena, merchant_id, channel, &row);
  if (rc == HT_OK && open_secret(new_secret, aad, row.secret_box, &arena, &plain) == HT_OK) rc = HT_ECONFLICT;
  if (rc == HT_OK) rc = open_secret(old_secret, aad, row.secret_box, &arena, &plain);
  if (rc == HT_OK) rc = seal_secret(new_secret, aad, plain, &arena, &box);
  wipe(plain);
  if (rc == HT_OK) rc = store_credentials_put(db, merchant_id, channel, row.config, box, now_ms);
  arena_free_all(&arena);
  return rc;
}

/* The fields the view shows: identifiers, URLs and the timeout, never a key or a secret. */
static const char *const shown_fields[] = {
    "mchid",       "appid",     "merchant_serial", "platform_serials", "platform_public_key_id",
    "base_url",    "oauth_url", "sns_url",         "app_id",           "seller_id",
    "gateway_url", "timeout_ms"};

json_t *credentials_view(struct db *db, struct arena *arena, int64_t merchant_id, struct str channel,
                         int *rc) {
  struct credentials_row row;
  *rc = store_credentials_get(db, arena, merchant_id, channel, &row);
  json_t *out = json_pack("{s:s, s:s%, s:b}", "object", "channel", "channel", channel.data, channel.len,
                          "configured", *rc == HT_OK);
  if (*rc == HT_ENOTFOUND) *rc = HT_OK;
  if (*rc != HT_OK || !json_is_true(json_object_get(out, "configured"))) {
    if (*rc != HT_OK) json_decref(out), out = NULL;
    return out;
  }
  json_error_t error;
  json_t *config = json_loadb(row.config.data, row.config.len, 0, &error);
  for (size_t i = 0; i < sizeof shown_fields / sizeof shown_fields[0]; i++) {
    json_t *v = json_object_get(config, shown_fields[i]);
    if (v) json_object_set(out, shown_fields[i], v);
  }
  if (str_eq(channel, STR_LIT("wechatpay")))
    json_object_set_new(
        out, "mode",
        json_string(json_object_get(config, "platform_public_key") ? "public_key" : "certificates"));
  char when[CLOCK_RFC3339_BYTES];
  json_object_set_new(out, "updated_at", json_string(clock_format_rfc3339(row.updated_at_ms, when)));
  json_decref(config);
  return out;
}

int64_t credentials_timeout_ms(json_t *doc) {
  json_t *v = json_object_get(doc, "timeout_ms");
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : CREDENTIALS_TIMEOUT_MS_DEFAULT;
}

struct str credentials_str(json_t *doc, const char *name) {
  struct str s = json_view(json_object_get(doc, name));
  return s.data ? s : STR_LIT("");
}
