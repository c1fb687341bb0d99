/*
 * blocklist.c — feed parsers, the builder and the immutable list (see blocklist.h).
 *
 * The parsers read bytes already in memory and never allocate per record beyond one bounded
 * arena used to canonicalize a URL. CSV follows RFC 4180: fields may be quoted, a quote inside
 * a quoted field is doubled, and a quoted field may span lines.
 */
#include "core/blocklist.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/prefix_set.h"
#include "core/status.h"
#include "core/url_canon.h"

/* Arena for canonicalizing one listed URL: the canonical URL is at most
 * URL_CANON_OUTPUT_BYTES_MAX and the working copies about 5 input lengths. */
#define FEED_URL_ARENA_BYTES (URL_CANON_OUTPUT_BYTES_MAX + 8 * URL_CANON_INPUT_BYTES_MAX)
/* Scratch for one CSV field with doubled quotes; a longer URL could not canonicalize anyway. */
#define FEED_CSV_FIELD_BYTES_MAX (URL_CANON_INPUT_BYTES_MAX + 1)
/* First capacity of the builder's entry array; it doubles from there. */
#define BUILDER_ENTRIES_INITIAL 4096u

struct entry {
  uint8_t hash[SB_HASH_BYTES];
  uint8_t source;
};

struct blocklist_builder {
  struct entry *entries;
  size_t count, cap;
  size_t source_count;
  char sources[BLOCKLIST_SOURCES_MAX][BLOCKLIST_SOURCE_NAME_BYTES_MAX + 1];
};

struct blocklist {
  struct entry *entries; /* sorted by hash, distinct */
  size_t count;
  struct prefix_set *prefixes;
  size_t source_count;
  char sources[BLOCKLIST_SOURCES_MAX][BLOCKLIST_SOURCE_NAME_BYTES_MAX + 1];
};

/* ---- builder ---- */

int blocklist_builder_create(struct blocklist_builder **out) {
  *out = calloc(1, sizeof **out);
  return *out ? HT_OK : HT_ENOMEM;
}

void blocklist_builder_free(struct blocklist_builder *b) {
  if (!b) return;
  free(b->entries);
  free(b);
}

int blocklist_builder_add_source(struct blocklist_builder *b, struct str name, uint8_t *source_id) {
  if (name.len > BLOCKLIST_SOURCE_NAME_BYTES_MAX) name.len = BLOCKLIST_SOURCE_NAME_BYTES_MAX;
  for (size_t i = 0; i < b->source_count; i++) {
    if (str_eq(str_from_cstr(b->sources[i]), name)) {
      *source_id = (uint8_t)i;
      return HT_OK;
    }
  }
  if (b->source_count == BLOCKLIST_SOURCES_MAX) return HT_ETOOBIG;
  memcpy(b->sources[b->source_count], name.data, name.len);
  b->sources[b->source_count][name.len] = '\0';
  *source_id = (uint8_t)b->source_count++;
  return HT_OK;
}

int blocklist_builder_add_hash(struct blocklist_builder *b, const uint8_t hash[SB_HASH_BYTES],
                               uint8_t source_id) {
  if (b->count == b->cap) {
    if (b->cap >= BLOCKLIST_ENTRIES_MAX) return HT_ETOOBIG;
    size_t cap = b->cap ? 2 * b->cap : BUILDER_ENTRIES_INITIAL;
    if (cap > BLOCKLIST_ENTRIES_MAX) cap = BLOCKLIST_ENTRIES_MAX;
    struct entry *grown = realloc(b->entries, cap * sizeof *grown);
    if (!grown) return HT_ENOMEM;
    b->entries = grown;
    b->cap = cap;
  }
  memcpy(b->entries[b->count].hash, hash, SB_HASH_BYTES);
  b->entries[b->count++].source = source_id;
  return HT_OK;
}

int blocklist_builder_add_url(struct blocklist_builder *b, struct str url, uint8_t source_id) {
  struct arena arena;
  arena_init(&arena, FEED_URL_ARENA_BYTES);
  struct url_canon u;
  enum url_canon_error error;
  int rc = url_canon(url, &arena, &u, &error);
  if (rc == HT_OK && (u.flags & URL_CANON_HOST_FORBIDDEN)) rc = HT_EINVAL; /* no browser opens it */
  if (rc == HT_OK) {
    struct sb_expr_list exprs;
    sb_expr_generate(&u, &exprs);
    uint8_t hash[SB_HASH_BYTES];
    sb_expr_hash(&exprs.items[0], hash); /* the most specific: host + path + query */
    rc = blocklist_builder_add_hash(b, hash, source_id);
  } else if (rc != HT_ENOMEM) {
    rc = HT_EINVAL;
  }
  arena_free_all(&arena);
  return rc;
}

/* Adds one feed URL and counts the outcome; only the builder's own limits are fatal. */
static int feed_add(struct blocklist_builder *b, struct str url, uint8_t source, struct feed_stats *stats) {
  stats->records++;
  int rc = blocklist_builder_add_url(b, url, source);
  if (rc == HT_OK)
    stats->added++;
  else if (rc == HT_EINVAL)
    stats->rejected++;
  else
    return rc;
  return HT_OK;
}

/* ---- CSV (RFC 4180) ---- */

struct csv_record {
  size_t count;
  struct str field[FEED_CSV_FIELDS_MAX];
  char scratch[FEED_CSV_FIELDS_MAX][FEED_CSV_FIELD_BYTES_MAX];
};

/* Reads a quoted field starting after its opening quote; returns the offset after it. */
static size_t csv_quoted(struct str d, size_t pos, struct csv_record *rec, struct str *field) {
  size_t start = pos, n = 0;
  bool copied = false;
  char *scratch = rec->count < FEED_CSV_FIELDS_MAX ? rec->scratch[rec->count] : NULL;
  for (; pos < d.len; pos++) {
    if (d.data[pos] == '"') {
      if (pos + 1 < d.len && d.data[pos + 1] == '"') {
        if (!copied && scratch && pos - start < FEED_CSV_FIELD_BYTES_MAX) {
          memcpy(scratch, d.data + start, pos - start);
          n = pos - start, copied = true;
        }
        if (copied && n < FEED_CSV_FIELD_BYTES_MAX) scratch[n++] = '"';
        pos++;
        continue;
      }
      break;
    }
    if (copied && n < FEED_CSV_FIELD_BYTES_MAX) scratch[n++] = d.data[pos];
  }
  *field = copied ? (struct str){scratch, n} : (struct str){d.data + start, pos - start};
  if (pos < d.len) pos++; /* the closing quote */
  while (pos < d.len && d.data[pos] != ',' && d.data[pos] != '\n' && d.data[pos] != '\r') pos++;
  return pos;
}

/* Reads one record starting at `pos`; returns the offset of the next record. */
static size_t csv_next(struct str d, size_t pos, struct csv_record *rec) {
  rec->count = 0;
  for (;;) {
    struct str field;
    if (pos < d.len && d.data[pos] == '"') {
      pos = csv_quoted(d, pos + 1, rec, &field);
    } else {
      size_t start = pos;
      while (pos < d.len && d.data[pos] != ',' && d.data[pos] != '\n' && d.data[pos] != '\r') pos++;
      field = (struct str){d.data + start, pos - start};
    }
    if (rec->count < FEED_CSV_FIELDS_MAX) rec->field[rec->count++] = field;
    if (pos < d.len && d.data[pos] == ',') {
      pos++;
      continue;
    }
    if (pos < d.len && d.data[pos] == '\r') pos++;
    if (pos < d.len && d.data[pos] == '\n') pos++;
    return pos;
  }
}

static size_t skip_line(struct str d, size_t pos) {
  while (pos < d.len && d.data[pos] != '\n') pos++;
  return pos < d.len ? pos + 1 : pos;
}

/* Index of the column named `name` in `rec`, or `fallback`. */
static size_t csv_column(const struct csv_record *rec, const char *name, size_t fallback) {
  for (size_t i = 0; i < rec->count; i++)
    if (str_eq_nocase(str_trim(rec->field[i]), str_from_cstr(name))) return i;
  return fallback;
}

static bool field_says_no(const struct csv_record *rec, size_t column) {
  return column < rec->count && str_eq_nocase(str_trim(rec->field[column]), STR_LIT("no"));
}

/* PhishTank CSV: a header naming the columns; records marked verified=no or online=no are
 * skipped (PhishTank's own download holds only verified, online entries). */
static int parse_phishtank_csv(struct blocklist_builder *b, struct str d, uint8_t source,
                               struct feed_stats *stats, struct csv_record *rec) {
  size_t pos = csv_next(d, 0, rec);
  size_t url_col = csv_column(rec, "url", 1), verified_col = csv_column(rec, "verified", SIZE_MAX),
         online_col = csv_column(rec, "online", SIZE_MAX);
  while (pos < d.len) {
    pos = csv_next(d, pos, rec);
    if (url_col >= rec->count || str_trim(rec->field[url_col]).len == 0) continue;
    if (field_says_no(rec, verified_col) || field_says_no(rec, online_col)) {
      stats->records++, stats->skipped++;
      continue;
    }
    int rc = feed_add(b, rec->field[url_col], source, stats);
    if (rc != HT_OK) return rc;
  }
  return HT_OK;
}

/* URLhaus CSV: '#' comment lines, one of which may be the header "# id,dateadded,url,...". */
static int parse_urlhaus_csv(struct blocklist_builder *b, struct str d, uint8_t source,
                             struct feed_stats *stats, struct csv_record *rec) {
  size_t url_col = 2, pos = 0;
  while (pos < d.len) {
    if (d.data[pos] == '#') {
      size_t end = skip_line(d, pos);
      struct str comment = str_trim((struct str){d.data + pos + 1, end - pos - 1});
      csv_next(comment, 0, rec);
      url_col = csv_column(rec, "url", url_col);
      pos = end;
      continue;
    }
    pos = csv_next(d, pos, rec);
    if (url_col >= rec->count || str_trim(rec->field[url_col]).len == 0) continue;
    int rc = feed_add(b, rec->field[url_col], source, stats);
    if (rc != HT_OK) return rc;
  }
  return HT_OK;
}

static int parse_plain(struct blocklist_builder *b, struct str d, uint8_t source, struct feed_stats *stats) {
  size_t pos = 0;
  while (pos < d.len) {
    size_t end = skip_line(d, pos);
    struct str line = str_trim((struct str){d.data + pos, end - pos});
    pos = end;
    if (line.len == 0 || line.data[0] == '#') continue;
    int rc = feed_add(b, line, source, stats);
    if (rc != HT_OK) return rc;
  }
  return HT_OK;
}

/* ---- PhishTank JSON ---- */

static bool json_says_no(json_t *v) {
  return json_is_false(v) || (json_is_string(v) && strcmp(json_string_value(v), "no") == 0);
}

static int parse_phishtank_json(struct blocklist_builder *b, struct str d, uint8_t source,
                                struct feed_stats *stats) {
  if (d.len > FEED_JSON_BYTES_MAX) return HT_ETOOBIG;
  json_error_t error;
  json_t *root = json_loadb(d.data, d.len, JSON_REJECT_DUPLICATES, &error);
  if (!json_is_array(root)) {
    json_decref(root);
    return HT_EINVAL;
  }
  int rc = HT_OK;
  for (size_t i = 0; rc == HT_OK && i < json_array_size(root); i++) {
    json_t *item = json_array_get(root, i);
    json_t *url = json_object_get(item, "url");
    if (!json_is_string(url)) continue;
    if (json_says_no(json_object_get(item, "verified")) || json_says_no(json_object_get(item, "online"))) {
      stats->records++, stats->skipped++;
      continue;
    }
    rc = feed_add(b, (struct str){json_string_value(url), json_string_length(url)}, source, stats);
  }
  json_decref(root);
  return rc;
}

/* ---- detection and dispatch ---- */

enum feed_format feed_detect(struct str d) {
  size_t pos = 0;
  if (d.len >= 3 && memcmp(d.data, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* UTF-8 byte-order mark */
  while (pos < d.len &&
         (d.data[pos] == ' ' || d.data[pos] == '\t' || d.data[pos] == '\r' || d.data[pos] == '\n'))
    pos++;
  struct str rest = {d.data + pos, d.len - pos};
  if (rest.len > 0 && (rest.data[0] == '[' || rest.data[0] == '{')) return FEED_PHISHTANK_JSON;
  if (str_has_prefix(rest, STR_LIT("phish_id"))) return FEED_PHISHTANK_CSV;
  while (pos < d.len && d.data[pos] == '#') pos = skip_line(d, pos);
  if (pos < d.len && d.data[pos] == '"') return FEED_URLHAUS_CSV;
  return FEED_PLAIN;
}

const char *feed_format_name(enum feed_format format) {
  switch (format) {
  case FEED_AUTO: return "auto";
  case FEED_PHISHTANK_CSV: return "phishtank_csv";
  case FEED_PHISHTANK_JSON: return "phishtank_json";
  case FEED_URLHAUS_CSV: return "urlhaus_csv";
  case FEED_PLAIN: return "plain";
  }
  return "unknown";
}

int blocklist_builder_add_feed(struct blocklist_builder *b, struct str data, enum feed_format format,
                               struct str source_name, struct feed_stats *stats) {
  memset(stats, 0, sizeof *stats);
  uint8_t source;
  int rc = blocklist_builder_add_source(b, source_name, &source);
  if (rc != HT_OK) return rc;
  if (format == FEED_AUTO) format = feed_detect(data);
  if (format == FEED_PHISHTANK_JSON) return parse_phishtank_json(b, data, source, stats);
  if (format == FEED_PLAIN) return parse_plain(b, data, source, stats);
  struct csv_record *rec = malloc(sizeof *rec);
  if (!rec) return HT_ENOMEM;
  rc = format == FEED_PHISHTANK_CSV ? parse_phishtank_csv(b, data, source, stats, rec)
                                    : parse_urlhaus_csv(b, data, source, stats, rec);
  free(rec);
  return rc;
}

/* ---- the immutable list ---- */

static int cmp_entry(const void *a, const void *b) {
  return memcmp(((const struct entry *)a)->hash, ((const struct entry *)b)->hash, SB_HASH_BYTES);
}

int blocklist_build(struct blocklist_builder *b, struct blocklist **out) {
  *out = NULL;
  struct blocklist *list = calloc(1, sizeof *list);
  uint32_t *prefixes = malloc((b->count + 1) * sizeof *prefixes);
  int rc = (list && prefixes) ? HT_OK : HT_ENOMEM;
  if (rc == HT_OK) {
    if (b->count) qsort(b->entries, b->count, sizeof *b->entries, cmp_entry); /* entries is NULL when empty */
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++)
      if (n == 0 || memcmp(b->entries[i].hash, b->entries[n - 1].hash, SB_HASH_BYTES) != 0)
        b->entries[n++] = b->entries[i];
    for (size_t i = 0; i < n; i++) prefixes[i] = sb_hash_prefix(b->entries[i].hash);
    rc = prefix_set_build(prefixes, n, &list->prefixes);
    list->count = n;
  }
  if (rc == HT_OK) {
    struct entry *shrunk = realloc(b->entries, (list->count + 1) * sizeof *shrunk);
    list->entries = shrunk ? shrunk : b->entries;
    b->entries = NULL;
    list->source_count = b->source_count;
    memcpy(list->sources, b->sources, sizeof list->sources);
    *out = list;
  } else {
    blocklist_free(list);
  }
  free(prefixes);
  blocklist_builder_free(b);
  return rc;
}

static bool full_hash_listed(const struct blocklist *list, const uint8_t hash[SB_HASH_BYTES],
                             uint8_t *source) {
  size_t lo = 0, hi = list->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp(list->entries[mid].hash, hash, SB_HASH_BYTES);
    if (c == 0) {
      *source = list->entries[mid].source;
      return true;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

bool blocklist_lookup(const struct blocklist *list, const struct sb_expr_list *exprs,
                      struct blocklist_match *match) {
  for (size_t i = 0; i < exprs->count; i++) {
    uint8_t hash[SB_HASH_BYTES];
    sb_expr_hash(&exprs->items[i], hash);
    if (!prefix_set_contains(list->prefixes, sb_hash_prefix(hash))) continue;
    uint8_t source;
    if (!full_hash_listed(list, hash, &source)) continue; /* a prefix collision, not a listing */
    match->expr_index = i;
    match->source_name = source < list->source_count ? list->sources[source] : "";
    return true;
  }
  return false;
}

size_t blocklist_count(const struct blocklist *list) { return list->count; }

size_t blocklist_prefix_bytes(const struct blocklist *list) {
  return prefix_set_memory_bytes(list->prefixes);
}

size_t blocklist_memory_bytes(const struct blocklist *list) {
  return sizeof *list + list->count * sizeof *list->entries + prefix_set_memory_bytes(list->prefixes);
}

void blocklist_free(struct blocklist *list) {
  if (!list) return;
  prefix_set_free(list->prefixes);
  free(list->entries);
  free(list);
}
