/* code_cache.c — packed rows and QR symbols in kvcaches (see code_cache.h).
 *
 * A row is packed field by field in the order of its layout (struct row_layout): integers as
 * 8 bytes in host order (the cache never leaves the process), strings and codes as a 4-byte
 * length (NULL_LEN for a NULL view) and their bytes. kvcache_get() copies the packed value
 * into the request arena and the unpacked views point into that copy. Keys are a kind letter
 * and the code or id: "C" code entry, "L" link, "P" product, "M" merchant; symbols "q" +
 * level + a hash of the text, whose text is stored in the value and compared on every hit,
 * so a hash collision can never draw the wrong code. */
#include "web/code_cache.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/hash.h"
#include "core/status.h"
#include "platform/changes.h"
#include "platform/kvcache.h"

/* A NULL view's length in a packed row. */
#define NULL_LEN UINT32_MAX
/* Room for a key: kind letter, up to 20 decimal digits or a code, NUL. */
#define KEY_BYTES 24

static struct kvcache *rows, *symbols, *verdicts;

/* Another node (or this one) changed data behind a code or a merchant: forget its rows here,
 * so a link edited on one node is followed correctly on every other at once. */
static void forget_changed(enum change_kind kind, struct str key) {
  if (!rows) return;
  if (kind == CHANGE_CODE) return code_cache_forget(key);
  if (kind == CHANGE_MERCHANT) {
    char k[KEY_BYTES];
    int n = snprintf(k, sizeof k, "M%.*s", (int)(key.len < 20 ? key.len : 20), key.data);
    if (n > 0 && (size_t)n < sizeof k) kvcache_delete(rows, (struct str){k, (size_t)n});
    return;
  }
  kvcache_clear(rows);
  kvcache_clear(verdicts);
}

void code_cache_init(void) {
  if (!rows) rows = kvcache_create(CODE_CACHE_ROWS_MAX, CODE_CACHE_TTL_MS, CODE_CACHE_ROW_BYTES_MAX);
  if (!symbols)
    symbols = kvcache_create(CODE_CACHE_SYMBOLS_MAX, CODE_CACHE_SYMBOL_TTL_MS, CODE_CACHE_SYMBOL_BYTES_MAX);
  if (!verdicts)
    verdicts =
        kvcache_create(CODE_CACHE_VERDICTS_MAX, CODE_CACHE_VERDICT_TTL_MS, CODE_CACHE_VERDICT_BYTES_MAX);
  changes_subscribe(forget_changed);
}

void code_cache_shutdown(void) {
  changes_unsubscribe(forget_changed);
  kvcache_destroy(rows);
  kvcache_destroy(symbols);
  kvcache_destroy(verdicts);
  rows = symbols = verdicts = NULL;
}

/* ---- packing ---- */

struct packer {
  struct buf b;
  bool ok; /* false once an append failed (the row is then not kept) */
};

static void pack_i64(struct packer *p, int64_t v) {
  p->ok = p->ok && buf_append(&p->b, &v, sizeof v) == HT_OK;
}

static void pack_str(struct packer *p, struct str s) {
  uint32_t len = s.data ? (uint32_t)s.len : NULL_LEN;
  p->ok = p->ok && buf_append(&p->b, &len, sizeof len) == HT_OK;
  if (s.data) p->ok = p->ok && buf_append(&p->b, s.data, s.len) == HT_OK;
}

struct unpacker {
  struct str in;
  size_t at;
  bool ok;
};

static int64_t unpack_i64(struct unpacker *u) {
  int64_t v = 0;
  if (u->ok && u->at + sizeof v <= u->in.len)
    memcpy(&v, u->in.data + u->at, sizeof v);
  else
    u->ok = false;
  u->at += sizeof v;
  return v;
}

static struct str unpack_str(struct unpacker *u) {
  uint32_t len = 0;
  if (!u->ok || u->at + sizeof len > u->in.len) return u->ok = false, (struct str){0};
  memcpy(&len, u->in.data + u->at, sizeof len);
  u->at += sizeof len;
  if (len == NULL_LEN) return (struct str){0};
  if (u->at + len > u->in.len) return u->ok = false, (struct str){0};
  struct str s = {u->in.data + u->at, len};
  u->at += len;
  return s;
}

/* Copies a code view into a fixed buffer; false when it does not fit. */
static bool unpack_code(struct unpacker *u, char *out, size_t size) {
  struct str s = unpack_str(u);
  if (!u->ok || !s.data || s.len >= size) return u->ok = false;
  memcpy(out, s.data, s.len);
  out[s.len] = '\0';
  return true;
}

static struct str key_of(char key[KEY_BYTES], char kind, struct str code) {
  int n = snprintf(key, KEY_BYTES, "%c%.*s", kind, (int)(code.len < 20 ? code.len : 20), code.data);
  return (struct str){key, (size_t)n};
}

static struct str key_of_id(char key[KEY_BYTES], char kind, int64_t id) {
  int n = snprintf(key, KEY_BYTES, "%c%lld", kind, (long long)id);
  return (struct str){key, (size_t)n};
}

/* ---- rows ---- */

/* How a row type is packed: its fields in order, each an integer (int64_t, or an int-sized
 * enum), a string view, or a fixed code buffer; and the offset of the one string that must not
 * be NULL in a well-formed cached copy (NO_REQUIRED_STR for none). */
enum field_kind { FIELD_I64, FIELD_ENUM, FIELD_STR, FIELD_CODE };
struct row_field {
  enum field_kind kind;
  size_t offset;
  size_t size; /* FIELD_CODE: the buffer's size */
};
struct row_layout {
  const struct row_field *fields;
  size_t count;
  size_t row_size;
  size_t required_str_offset;
};
#define NO_REQUIRED_STR SIZE_MAX

// clang-format off
#define I64(type, member)  {FIELD_I64, offsetof(type, member), 0}
#define ENUM(type, member) {FIELD_ENUM, offsetof(type, member), 0}
#define STR(type, member)  {FIELD_STR, offsetof(type, member), 0}
#define CODE(type, member) {FIELD_CODE, offsetof(type, member), sizeof(((type *)0)->member)}
#define LAYOUT(type, fields, required_offset) {fields, sizeof fields / sizeof fields[0], sizeof(type), required_offset}
// clang-format on

_Static_assert(sizeof(enum code_kind) == sizeof(int), "FIELD_ENUM reads and writes an int");

static const struct row_field code_ref_fields[] = {
    ENUM(struct code_ref, kind), I64(struct code_ref, merchant_id), I64(struct code_ref, ref_id)};
static const struct row_field link_fields[] = {I64(struct link, id),
                                               I64(struct link, merchant_id),
                                               I64(struct link, expires_at_ms),
                                               I64(struct link, created_at_ms),
                                               I64(struct link, updated_at_ms),
                                               CODE(struct link, code),
                                               STR(struct link, target_url),
                                               STR(struct link, channel)};
static const struct row_field product_fields[] = {
    I64(struct product, id),       I64(struct product, merchant_id),   I64(struct product, price_minor),
    I64(struct product, stock),    I64(struct product, created_at_ms), I64(struct product, updated_at_ms),
    CODE(struct product, code),    STR(struct product, title),         STR(struct product, description),
    STR(struct product, currency), STR(struct product, image_url),     STR(struct product, status),
    STR(struct product, delivery)};
static const struct row_field merchant_fields[] = {
    I64(struct merchant, id), I64(struct merchant, created_at_ms), CODE(struct merchant, code),
    STR(struct merchant, name), STR(struct merchant, app_link)};

static const struct row_layout code_ref_layout = LAYOUT(struct code_ref, code_ref_fields, NO_REQUIRED_STR);
static const struct row_layout link_layout =
    LAYOUT(struct link, link_fields, offsetof(struct link, target_url));
static const struct row_layout product_layout =
    LAYOUT(struct product, product_fields, offsetof(struct product, status));
static const struct row_layout merchant_layout =
    LAYOUT(struct merchant, merchant_fields, offsetof(struct merchant, name));

/* Fills `row` (zeroed first; views into the request arena) from the cached entry at `key`;
 * false when there is none or it is malformed. */
static bool row_from_cache(struct request *req, struct str key, const struct row_layout *layout, void *row) {
  struct unpacker u = {.ok = true};
  if (!rows || !kvcache_get(rows, key, req->now_ms, &req->arena, &u.in)) return false;
  memset(row, 0, layout->row_size);
  char *base = row;
  for (size_t i = 0; i < layout->count && u.ok; i++) {
    const struct row_field *f = &layout->fields[i];
    if (f->kind == FIELD_I64) {
      int64_t v = unpack_i64(&u);
      memcpy(base + f->offset, &v, sizeof v);
    } else if (f->kind == FIELD_ENUM) {
      int v = (int)unpack_i64(&u);
      memcpy(base + f->offset, &v, sizeof v);
    } else if (f->kind == FIELD_STR) {
      struct str v = unpack_str(&u);
      memcpy(base + f->offset, &v, sizeof v);
    } else {
      unpack_code(&u, base + f->offset, f->size);
    }
  }
  if (!u.ok) return false;
  if (layout->required_str_offset == NO_REQUIRED_STR) return true;
  struct str required;
  memcpy(&required, base + layout->required_str_offset, sizeof required);
  return required.data != NULL;
}

/* Keeps `row` under `key` (best effort: a row that does not pack is not kept). */
static void row_keep(struct request *req, struct str key, const struct row_layout *layout, const void *row) {
  if (!rows) return;
  struct packer p = {.ok = true};
  buf_init(&p.b, &req->arena, CODE_CACHE_ROW_BYTES_MAX);
  const char *base = row;
  for (size_t i = 0; i < layout->count; i++) {
    const struct row_field *f = &layout->fields[i];
    if (f->kind == FIELD_I64) {
      int64_t v;
      memcpy(&v, base + f->offset, sizeof v);
      pack_i64(&p, v);
    } else if (f->kind == FIELD_ENUM) {
      int v;
      memcpy(&v, base + f->offset, sizeof v);
      pack_i64(&p, v);
    } else if (f->kind == FIELD_STR) {
      struct str v;
      memcpy(&v, base + f->offset, sizeof v);
      pack_str(&p, v);
    } else {
      pack_str(&p, str_from_cstr(base + f->offset));
    }
  }
  if (p.ok) kvcache_put(rows, key, buf_view(&p.b), req->now_ms);
}

/* Ends a cache miss: keeps `row` when the store read it (`rc` is HT_OK); returns `rc`. */
static int row_read(struct request *req, struct str key, const struct row_layout *layout, const void *row,
                    int rc) {
  if (rc == HT_OK) row_keep(req, key, layout, row);
  return rc;
}

int code_cache_lookup(struct request *req, struct str code, struct code_ref *out) {
  char key[KEY_BYTES];
  struct str k = key_of(key, 'C', code);
  if (row_from_cache(req, k, &code_ref_layout, out)) return HT_OK;
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  return row_read(req, k, &code_ref_layout, out, store_code_lookup(db, code, out));
}

int code_cache_link(struct request *req, struct str code, struct link *out) {
  char key[KEY_BYTES];
  struct str k = key_of(key, 'L', code);
  if (row_from_cache(req, k, &link_layout, out)) return HT_OK;
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  return row_read(req, k, &link_layout, out, store_link_get(db, &req->arena, 0, code, out));
}

int code_cache_product(struct request *req, struct str code, struct product *out) {
  char key[KEY_BYTES];
  struct str k = key_of(key, 'P', code);
  if (row_from_cache(req, k, &product_layout, out)) return HT_OK;
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  return row_read(req, k, &product_layout, out, store_product_by_code(db, &req->arena, code, out));
}

int code_cache_merchant(struct request *req, int64_t id, struct merchant *out) {
  char key[KEY_BYTES];
  struct str k = key_of_id(key, 'M', id);
  if (row_from_cache(req, k, &merchant_layout, out)) return HT_OK;
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  return row_read(req, k, &merchant_layout, out, store_merchant_get(db, &req->arena, id, out));
}

void code_cache_forget(struct str code) {
  char key[KEY_BYTES];
  if (verdicts) kvcache_delete(verdicts, key_of(key, 'V', code));
  if (!rows) return;
  static const char kinds[] = "CLP";
  for (size_t i = 0; i < sizeof kinds - 1; i++) kvcache_delete(rows, key_of(key, kinds[i], code));
}

/* ---- guard verdicts ---- */

/* Packed verdict: generation (8 bytes, host order), verdict (1 byte), then the target. */
bool code_cache_verdict(struct request *req, struct str code, struct str target, uint64_t generation,
                        enum guard_verdict *verdict) {
  char key[KEY_BYTES];
  struct str value;
  uint64_t stored;
  if (!verdicts || !kvcache_get(verdicts, key_of(key, 'V', code), req->now_ms, &req->arena, &value) ||
      value.len != sizeof stored + 1 + target.len)
    return false;
  memcpy(&stored, value.data, sizeof stored);
  if (stored != generation || memcmp(value.data + sizeof stored + 1, target.data, target.len) != 0)
    return false;
  unsigned char v = (unsigned char)value.data[sizeof stored];
  if (v > GUARD_BLOCK) return false;
  *verdict = (enum guard_verdict)v;
  return true;
}

void code_cache_verdict_keep(struct request *req, struct str code, struct str target, uint64_t generation,
                             enum guard_verdict verdict) {
  size_t len = sizeof generation + 1 + target.len;
  if (!verdicts || len > CODE_CACHE_VERDICT_BYTES_MAX) return;
  char *value = arena_alloc(&req->arena, len);
  if (!value) return;
  memcpy(value, &generation, sizeof generation);
  value[sizeof generation] = (char)verdict;
  memcpy(value + sizeof generation + 1, target.data, target.len);
  char key[KEY_BYTES];
  kvcache_put(verdicts, key_of(key, 'V', code), (struct str){value, len}, req->now_ms);
}

/* ---- symbols ---- */

static uint64_t text_hash(struct str text) { return hash_fnv1a_str(HASH_FNV1A_START, text); }

/* Packed symbol: text length (2 bytes), text, version, width, then the modules one bit each,
 * row-major. */
static bool symbol_unpack(struct request *req, struct str value, struct str text, struct qr_code *out) {
  uint16_t text_len;
  if (value.len < sizeof text_len + 2) return false;
  memcpy(&text_len, value.data, sizeof text_len);
  size_t at = sizeof text_len;
  if (text_len != text.len || value.len < at + text_len + 2 ||
      memcmp(value.data + at, text.data, text.len) != 0)
    return false;
  at += text_len;
  int version = (unsigned char)value.data[at++];
  size_t width = (unsigned char)value.data[at++];
  if (value.len != at + (width * width + 7) / 8) return false;
  unsigned char *modules = arena_alloc(&req->arena, width * width);
  if (!modules) return false;
  for (size_t i = 0; i < width * width; i++)
    modules[i] = (unsigned char)(((unsigned char)value.data[at + i / 8] >> (i % 8)) & 1u);
  *out = (struct qr_code){.version = version, .width = width, .modules = modules};
  return true;
}

static void symbol_keep(struct request *req, struct str key, struct str text, const struct qr_code *code) {
  size_t bits_len = (code->width * code->width + 7) / 8;
  size_t len = 2 + text.len + 2 + bits_len;
  if (!symbols || len > CODE_CACHE_SYMBOL_BYTES_MAX || code->width > 255) return;
  unsigned char *value = arena_alloc(&req->arena, len);
  if (!value) return;
  memset(value, 0, len);
  uint16_t text_len = (uint16_t)text.len;
  memcpy(value, &text_len, sizeof text_len);
  memcpy(value + 2, text.data, text.len);
  value[2 + text.len] = (unsigned char)code->version;
  value[3 + text.len] = (unsigned char)code->width;
  unsigned char *bits = value + 4 + text.len;
  for (size_t i = 0; i < code->width * code->width; i++)
    if (code->modules[i] & 1u) bits[i / 8] |= (unsigned char)(1u << (i % 8));
  kvcache_put(symbols, key, (struct str){(const char *)value, len}, req->now_ms);
}

int code_cache_symbol(struct request *req, struct str text, enum qr_ec ec, struct qr_code *out) {
  char key[KEY_BYTES];
  int n = snprintf(key, sizeof key, "q%d%016llx", (int)ec, (unsigned long long)text_hash(text));
  struct str k = {key, (size_t)n}, value;
  if (symbols && text.len <= UINT16_MAX && kvcache_get(symbols, k, req->now_ms, &req->arena, &value) &&
      symbol_unpack(req, value, text, out))
    return HT_OK;
  int rc = qr_encode(&req->arena, text, ec, out);
  if (rc == HT_OK) symbol_keep(req, k, text, out);
  return rc;
}
