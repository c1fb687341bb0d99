/*
 * lookalike.c — the lookalike checker (see lookalike.h for the findings and their rules).
 *
 * Everything a check compares against is precomputed into one hash multimap when the context
 * is built: protected domains, their registrable domains and last labels, brand names, the
 * confusable skeletons of names and domains, every one-character deletion of each name (so
 * that "within one edit" is a handful of lookups, the symmetric-delete method, instead of a
 * scan of all brands), and the names' rolling hashes for substring search. A check therefore
 * costs a few dozen hash lookups whatever the number of merchants, and every lookup hit is
 * verified against the stored strings. ASCII labels take their skeleton from a 128-entry
 * table filled from ICU at build time; only IDN labels call into ICU during a check.
 */
#include "core/lookalike.h"

#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "core/lookalike_brands.h"
#include "core/status.h"
#include "core/url_canon.h"

/* A DNS label is at most 63 octets (RFC 1035 section 2.3.4); brand names are labels. */
#define LABEL_BYTES_MAX 63u
/* Skeletons of a host: ICU may expand a character to a few (m -> rn); 4x the host bound. */
#define SKELETON_BYTES_MAX (4u * LOOKALIKE_HOST_BYTES_MAX)
/* UTF-16 code units for one host on its way through ICU (a UTF-8 byte is at most one unit). */
#define SKELETON_UNITS_MAX (SKELETON_BYTES_MAX + 1u)
/* Longest public-suffix rule in the PSL has fewer than 6 labels; the registrable-domain search
 * starts that many labels from the right. */
#define PSL_RULE_LABELS_MAX 6u
/* Bytes of one character's skeleton in the ASCII table ("rn" for m, with room to spare). */
#define ASCII_SKELETON_BYTES_MAX 7u
/* Labels before the public suffix that are tokenized for brand names and lure words. */
#define TOKENS_MAX 32u
/* Storage for the context's strings: per protected domain a few copies of at most a host. */
#define CTX_STRING_BYTES_PER_DOMAIN (6u * (LOOKALIKE_HOST_BYTES_MAX + 1u))

enum key_kind {
  KEY_DOMAIN = 1,      /* protected domain -> domain index */
  KEY_REGISTRABLE,     /* registrable domain of a protected domain -> domain index */
  KEY_TLD,             /* last label of a protected domain -> domain index */
  KEY_NAME,            /* brand name -> brand index */
  KEY_NAME_SKELETON,   /* skeleton of a brand name -> brand index */
  KEY_DOMAIN_SKELETON, /* skeleton of a protected registrable domain -> domain index */
  KEY_DELETION,        /* a name, and the name minus one character -> brand index */
  KEY_SUBSTRING,       /* rolling hash of a name -> brand index */
  KEY_LURE,            /* lure word -> its index */
};

struct mm_entry {
  uint64_t key; /* 0 = empty slot */
  uint32_t value;
};

struct multimap {
  struct mm_entry *slots;
  size_t mask;
};

struct brand {
  struct str name;     /* "taobao" */
  struct str domain;   /* the protected domain it stands for, "taobao.com" */
  struct str skeleton; /* skeleton of the name */
};

struct domain {
  struct str name;        /* protected domain */
  struct str registrable; /* its ICANN registrable domain */
  struct str skeleton;    /* skeleton of the registrable domain */
  size_t brand;           /* the brand of its registrable label */
};

struct lookalike_ctx {
  const psl_ctx_t *psl;
  USpoofChecker *spoof;
  const UNormalizer2 *nfd;
  char ascii_skeleton[128][ASCII_SKELETON_BYTES_MAX + 1];
  struct domain *domains;
  size_t domain_count;
  struct brand *brands;
  size_t brand_count;
  uint64_t substring_lengths; /* bit m: some substring-matched name has m bytes */
  struct multimap map;
  struct arena strings;
};

/* ---- hashing and the multimap ---- */

/* The final key: splitmix64's finalizer spreads FNV's weak low bits, and the top byte holds the
 * kind, so keys of different kinds never compare equal and a lookup can only ever return an
 * index into the array its kind names. Kinds start at 1, so no key is 0 (an empty slot). */
static uint64_t tagged(enum key_kind kind, uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9u;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebu;
  x ^= x >> 31;
  return (x >> 8) | (uint64_t)kind << 56;
}

#define FNV_OFFSET_BASIS 0xcbf29ce484222325u
#define FNV_PRIME        0x100000001b3u

static uint64_t key_of(enum key_kind kind, const char *s, size_t n) {
  uint64_t h = FNV_OFFSET_BASIS;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
  return tagged(kind, h);
}

/* Rolling (Rabin-Karp) hash of a substring; base odd so that it is invertible mod 2^64. */
#define ROLL_BASE 1099511628211u
static uint64_t substring_key(uint64_t rolling, size_t len) { return tagged(KEY_SUBSTRING, rolling ^ len); }

static uint64_t rolling_of(const char *s, size_t n) {
  uint64_t h = 0;
  for (size_t i = 0; i < n; i++) h = h * ROLL_BASE + (unsigned char)s[i];
  return h;
}

static int mm_init(struct multimap *m, size_t entries) {
  size_t cap = 64;
  while (cap < 2 * entries) cap <<= 1;
  m->slots = calloc(cap, sizeof *m->slots);
  m->mask = cap - 1;
  return m->slots ? HT_OK : HT_ENOMEM;
}

static void mm_put(struct multimap *m, uint64_t key, size_t value) {
  size_t i = (size_t)key & m->mask;
  while (m->slots[i].key) i = (i + 1) & m->mask;
  m->slots[i] = (struct mm_entry){key, (uint32_t)value};
}

/* Iterates the values stored under `key`: start with *pos = SIZE_MAX. */
static bool mm_next(const struct multimap *m, uint64_t key, size_t *pos, size_t *value) {
  size_t i = (*pos == SIZE_MAX) ? (size_t)key & m->mask : ((*pos + 1) & m->mask);
  for (; m->slots[i].key; i = (i + 1) & m->mask) {
    if (m->slots[i].key == key) {
      *pos = i;
      *value = m->slots[i].value;
      return true;
    }
  }
  return false;
}

/* ---- skeletons ---- */

static void skeleton_fixups(char *s, size_t *n) {
  /* Pairs ICU's table leaves apart but that read as one letter in a URL bar (vv/w, cl/d, nn/m), and
   * i, which ICU keeps apart from l although it maps Cyrillic palochka to i and I to l. */
  size_t w = 0;
  for (size_t r = 0; r < *n; r++) {
    char c = s[r];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c == 'i') c = 'l';
    if (r + 1 < *n && c == 'v' && s[r + 1] == 'v')
      c = 'w', r++;
    else if (r + 1 < *n && c == 'c' && s[r + 1] == 'l')
      c = 'd', r++;
    s[w++] = c;
  }
  *n = w;
}

/* Skeleton through ICU: NFD, combining marks dropped (Chromium's diacritic-insensitive
 * skeleton), then uspoof_getSkeleton. Returns 0 when ICU fails or the output does not fit. */
static size_t skeleton_icu(const struct lookalike_ctx *ctx, struct str utf8, char *out, size_t cap) {
  UChar in[SKELETON_UNITS_MAX], nfd[SKELETON_UNITS_MAX], skel[SKELETON_UNITS_MAX];
  UErrorCode st = U_ZERO_ERROR;
  int32_t n = 0, out_len = 0;
  u_strFromUTF8(in, (int32_t)SKELETON_UNITS_MAX, &n, utf8.data, (int32_t)utf8.len, &st);
  n = unorm2_normalize(ctx->nfd, in, n, nfd, (int32_t)SKELETON_UNITS_MAX, &st);
  if (U_FAILURE(st)) return 0;
  int32_t kept = 0;
  for (int32_t i = 0; i < n;) {
    int32_t at = i;
    uint32_t c = nfd[i++];
    if (c >= 0xD800 && c < 0xDC00 && i < n && nfd[i] >= 0xDC00 && nfd[i] < 0xE000)
      c = ((c - 0xD800) << 10) + (uint32_t)(nfd[i++] - 0xDC00) + 0x10000;
    if (u_charType((UChar32)c) == U_NON_SPACING_MARK) continue;
    while (at < i) in[kept++] = nfd[at++]; /* copy the code point's units unchanged */
  }
  n = uspoof_getSkeleton(ctx->spoof, 0, in, kept, skel, (int32_t)SKELETON_UNITS_MAX, &st);
  u_strToUTF8(out, (int32_t)cap, &out_len, skel, n, &st);
  if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) return 0;
  return (size_t)out_len;
}

/* Writes the skeleton of `s` (UTF-8) to `out` (SKELETON_BYTES_MAX bytes); returns its length. */
static size_t skeleton_of(const struct lookalike_ctx *ctx, struct str s, char *out) {
  size_t n = 0;
  bool ascii = true;
  for (size_t i = 0; i < s.len && ascii; i++) ascii = (unsigned char)s.data[i] < 0x80;
  if (ascii) {
    for (size_t i = 0; i < s.len; i++) {
      const char *k = ctx->ascii_skeleton[(unsigned char)s.data[i]];
      size_t kl = strlen(k);
      if (n + kl > SKELETON_BYTES_MAX) return 0;
      memcpy(out + n, k, kl);
      n += kl;
    }
  } else {
    n = skeleton_icu(ctx, s, out, SKELETON_BYTES_MAX);
  }
  skeleton_fixups(out, &n);
  return n;
}

/* ---- registrable domains ---- */

struct str lookalike_registrable_domain(const struct lookalike_ctx *ctx, const char *host, size_t host_len) {
  size_t starts[LOOKALIKE_HOST_BYTES_MAX / 2 + 2];
  size_t labels = 0;
  starts[labels++] = 0;
  for (size_t i = 0; i < host_len && labels < sizeof starts / sizeof starts[0]; i++)
    if (host[i] == '.') starts[labels++] = i + 1;
  size_t first = labels > PSL_RULE_LABELS_MAX ? labels - PSL_RULE_LABELS_MAX : 0;
  for (size_t i = first; i < labels; i++) {
    if (!psl_is_public_suffix2(ctx->psl, host + starts[i], PSL_TYPE_ICANN)) continue;
    if (i == 0) return (struct str){host, 0}; /* the host is a public suffix */
    return (struct str){host + starts[i - 1], host_len - starts[i - 1]};
  }
  return (struct str){host + starts[first], host_len - starts[first]};
}

/* The registrable label: "taobao" of "taobao.com". */
static struct str first_label(struct str s) {
  const char *dot = memchr(s.data, '.', s.len);
  return (struct str){s.data, dot ? (size_t)(dot - s.data) : s.len};
}

static bool is_lure(const struct lookalike_ctx *ctx, struct str word) {
  size_t pos = SIZE_MAX, v;
  uint64_t key = key_of(KEY_LURE, word.data, word.len);
  while (mm_next(&ctx->map, key, &pos, &v))
    if (str_eq(str_from_cstr(lookalike_lure_words[v]), word)) return true;
  return false;
}

static bool has_lure_substring(struct str label);

/* ---- building the context ---- */

static uint64_t deletion_key(struct str name, size_t skip) {
  uint64_t h = FNV_OFFSET_BASIS;
  for (size_t i = 0; i < name.len; i++)
    if (i != skip) h = (h ^ (unsigned char)name.data[i]) * FNV_PRIME;
  return tagged(KEY_DELETION, h);
}

static bool fuzzy_eligible(const struct brand *b) {
  return b->name.len >= LOOKALIKE_FUZZY_NAME_CHARS_MIN && b->name.len <= LABEL_BYTES_MAX;
}

/* Brings a configured domain to canonical form (lower case, punycode, no trailing dot) with
 * url_canon, and refuses anything that is not a plain multi-label host name. */
static int normalize_domain(struct lookalike_ctx *ctx, struct str in, struct str *out) {
  struct arena tmp;
  arena_init(&tmp, 4 * URL_CANON_OUTPUT_BYTES_MAX);
  struct url_canon u;
  enum url_canon_error error;
  int rc = url_canon(in, &tmp, &u, &error);
  if (rc == HT_OK && (u.flags & ~(unsigned)(URL_CANON_DEFAULT_SCHEME | URL_CANON_HOST_IDN))) rc = HT_EINVAL;
  if (rc == HT_OK && (!str_eq(u.path, STR_LIT("/")) || u.has_query || u.host.len > LOOKALIKE_HOST_BYTES_MAX))
    rc = HT_EINVAL;
  for (size_t i = 0; rc == HT_OK && i < u.host.len; i++) {
    char c = u.host.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) rc = HT_EINVAL;
  }
  if (rc == HT_OK && !memchr(u.host.data, '.', u.host.len)) rc = HT_EINVAL;
  if (rc == HT_OK) {
    out->data = arena_strdup_str(&ctx->strings, u.host);
    out->len = u.host.len;
    if (!out->data) rc = HT_ENOMEM;
  }
  arena_free_all(&tmp);
  return rc == HT_OK ? HT_OK : (rc == HT_ENOMEM ? HT_ENOMEM : HT_EINVAL);
}

/* Decodes punycode labels of `ascii` into the context arena (the input itself when none). */
static struct str to_unicode(struct arena *arena, struct str ascii) {
  char buf[LOOKALIKE_HOST_BYTES_MAX + 1];
  if (ascii.len > LOOKALIKE_HOST_BYTES_MAX || str_find(ascii, STR_LIT("xn--"), false) < 0) return ascii;
  memcpy(buf, ascii.data, ascii.len);
  buf[ascii.len] = '\0';
  char *u = NULL;
  if (idn2_to_unicode_8z8z(buf, &u, 0) != IDN2_OK) return (struct str){NULL, 0};
  struct str copy = {arena_strndup(arena, u, strlen(u)), strlen(u)};
  idn2_free(u);
  return copy.data ? copy : (struct str){NULL, 0};
}

static int add_brand(struct lookalike_ctx *ctx, struct str name, struct str domain) {
  char skel[SKELETON_BYTES_MAX];
  struct str uname = to_unicode(&ctx->strings, name);
  if (!uname.data) return HT_EINVAL;
  size_t n = skeleton_of(ctx, uname, skel);
  struct brand *b = &ctx->brands[ctx->brand_count++];
  *b = (struct brand){name, domain, {arena_strndup(&ctx->strings, skel, n), n}};
  return b->skeleton.data ? HT_OK : HT_ENOMEM;
}

/* Fills domain `i`'s registrable domain and skeleton and adds its brands. */
static int describe_domain(struct lookalike_ctx *ctx, size_t i) {
  struct domain *d = &ctx->domains[i];
  d->registrable = lookalike_registrable_domain(ctx, d->name.data, d->name.len);
  if (d->registrable.len == 0) return HT_EINVAL; /* a bare public suffix protects nothing */
  struct str ureg = to_unicode(&ctx->strings, d->registrable);
  if (!ureg.data) return HT_EINVAL;
  char skel[SKELETON_BYTES_MAX];
  size_t n = skeleton_of(ctx, ureg, skel);
  d->skeleton = (struct str){arena_strndup(&ctx->strings, skel, n), n};
  if (!d->skeleton.data) return HT_ENOMEM;
  d->brand = ctx->brand_count;
  int rc = add_brand(ctx, first_label(d->registrable), d->name);
  struct str left = first_label(d->name);
  /* "weixin" of weixin.qq.com is a brand name of its own. */
  if (rc == HT_OK && d->name.len != d->registrable.len && left.len >= LOOKALIKE_FUZZY_NAME_CHARS_MIN &&
      !has_lure_substring(left))
    rc = add_brand(ctx, left, d->name);
  return rc;
}

static size_t map_entries_needed(const struct lookalike_ctx *ctx) {
  size_t n = lookalike_lure_word_count + 4 * ctx->domain_count;
  for (size_t i = 0; i < ctx->brand_count; i++) n += 3 + ctx->brands[i].name.len + 1;
  return n;
}

static void index_brand(struct lookalike_ctx *ctx, size_t i) {
  const struct brand *b = &ctx->brands[i];
  mm_put(&ctx->map, key_of(KEY_NAME, b->name.data, b->name.len), i);
  mm_put(&ctx->map, key_of(KEY_NAME_SKELETON, b->skeleton.data, b->skeleton.len), i);
  if (!fuzzy_eligible(b)) return;
  mm_put(&ctx->map, deletion_key(b->name, SIZE_MAX), i);
  for (size_t k = 0; k < b->name.len; k++)
    if (k == 0 || b->name.data[k] != b->name.data[k - 1]) mm_put(&ctx->map, deletion_key(b->name, k), i);
  mm_put(&ctx->map, substring_key(rolling_of(b->name.data, b->name.len), b->name.len), i);
  ctx->substring_lengths |= (uint64_t)1 << b->name.len;
}

static int index_all(struct lookalike_ctx *ctx) {
  int rc = mm_init(&ctx->map, map_entries_needed(ctx));
  if (rc != HT_OK) return rc;
  for (size_t i = 0; i < lookalike_lure_word_count; i++) {
    const char *w = lookalike_lure_words[i];
    mm_put(&ctx->map, key_of(KEY_LURE, w, strlen(w)), i);
  }
  for (size_t i = 0; i < ctx->domain_count; i++) {
    const struct domain *d = &ctx->domains[i];
    const char *dot = memrchr(d->name.data, '.', d->name.len);
    struct str tld = {dot + 1, d->name.len - (size_t)(dot + 1 - d->name.data)};
    mm_put(&ctx->map, key_of(KEY_DOMAIN, d->name.data, d->name.len), i);
    mm_put(&ctx->map, key_of(KEY_REGISTRABLE, d->registrable.data, d->registrable.len), i);
    mm_put(&ctx->map, key_of(KEY_TLD, tld.data, tld.len), i);
    mm_put(&ctx->map, key_of(KEY_DOMAIN_SKELETON, d->skeleton.data, d->skeleton.len), i);
  }
  for (size_t i = 0; i < ctx->brand_count; i++) index_brand(ctx, i);
  return HT_OK;
}

static int open_icu(struct lookalike_ctx *ctx) {
  UErrorCode st = U_ZERO_ERROR;
  ctx->spoof = uspoof_open(&st);
  uspoof_setChecks(ctx->spoof, USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS, &st);
  uspoof_setRestrictionLevel(ctx->spoof, USPOOF_HIGHLY_RESTRICTIVE);
  ctx->nfd = unorm2_getNFDInstance(&st);
  if (U_FAILURE(st)) return HT_EIO;
  for (int c = 0; c < 128; c++) {
    char one = (char)c, out[SKELETON_BYTES_MAX];
    size_t n = (c > 0x20 && c < 0x7F) ? skeleton_icu(ctx, (struct str){&one, 1}, out, sizeof out) : 0;
    if (n == 0 || n > ASCII_SKELETON_BYTES_MAX) out[0] = one, n = 1;
    for (size_t k = 0; k < n; k++)
      ctx->ascii_skeleton[c][k] = (out[k] >= 'A' && out[k] <= 'Z') ? (char)(out[k] + 32) : out[k];
    ctx->ascii_skeleton[c][n] = '\0';
  }
  return HT_OK;
}

static int cmp_domain(const void *a, const void *b) {
  const struct domain *x = a, *y = b;
  size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
  int c = memcmp(x->name.data, y->name.data, n);
  return c ? c : (x->name.len > y->name.len) - (x->name.len < y->name.len);
}

/* Normalizes every domain, sorts them and drops duplicates. The built-in ones come first and
 * come first; a duplicate extra domain is not an error. */
static int collect_domains(struct lookalike_ctx *ctx, const struct str *extra, size_t extra_count,
                           size_t *bad) {
  size_t total = lookalike_builtin_domain_count + extra_count;
  for (size_t i = 0; i < total; i++) {
    struct str in = i < lookalike_builtin_domain_count ? str_from_cstr(lookalike_builtin_domains[i])
                                                       : extra[i - lookalike_builtin_domain_count];
    struct domain *d = &ctx->domains[ctx->domain_count];
    int rc = normalize_domain(ctx, in, &d->name);
    if (rc == HT_EINVAL && i >= lookalike_builtin_domain_count) *bad = i - lookalike_builtin_domain_count;
    if (rc != HT_OK) return rc;
    ctx->domain_count++;
  }
  qsort(ctx->domains, ctx->domain_count, sizeof *ctx->domains, cmp_domain);
  size_t n = 0;
  for (size_t i = 0; i < ctx->domain_count; i++)
    if (n == 0 || !str_eq(ctx->domains[i].name, ctx->domains[n - 1].name))
      ctx->domains[n++] = ctx->domains[i];
  ctx->domain_count = n;
  return HT_OK;
}

int lookalike_ctx_create(const psl_ctx_t *psl, const struct str *extra, size_t extra_count,
                         struct lookalike_ctx **out, size_t *bad_index) {
  *out = NULL;
  *bad_index = SIZE_MAX;
  if (extra_count > LOOKALIKE_PROTECTED_MAX - lookalike_builtin_domain_count) return HT_ETOOBIG;
  size_t total = lookalike_builtin_domain_count + extra_count;
  struct lookalike_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return HT_ENOMEM;
  ctx->psl = psl ? psl : psl_builtin();
  arena_init(&ctx->strings, total * CTX_STRING_BYTES_PER_DOMAIN + ARENA_BLOCK_BYTES);
  ctx->domains = calloc(total, sizeof *ctx->domains);
  ctx->brands = calloc(2 * total, sizeof *ctx->brands);
  int rc = (ctx->domains && ctx->brands && ctx->psl) ? open_icu(ctx) : HT_ENOMEM;
  if (rc == HT_OK) rc = collect_domains(ctx, extra, extra_count, bad_index);
  for (size_t i = 0; rc == HT_OK && i < ctx->domain_count; i++) rc = describe_domain(ctx, i);
  if (rc == HT_OK) rc = index_all(ctx);
  if (rc != HT_OK) {
    lookalike_ctx_free(ctx);
    return rc;
  }
  *out = ctx;
  return HT_OK;
}

void lookalike_ctx_free(struct lookalike_ctx *ctx) {
  if (!ctx) return;
  if (ctx->spoof) uspoof_close(ctx->spoof);
  free(ctx->map.slots);
  free(ctx->domains);
  free(ctx->brands);
  arena_free_all(&ctx->strings);
  free(ctx);
}

size_t lookalike_protected_count(const struct lookalike_ctx *ctx) { return ctx->domain_count; }

/* ---- checking a host ---- */

static void add_finding(struct lookalike_result *r, const char *code, const struct brand *b, bool strong) {
  for (size_t i = 0; i < r->count; i++)
    if (strcmp(r->findings[i].code, code) == 0) return;
  if (r->count == LOOKALIKE_FINDINGS_MAX) return;
  struct lookalike_finding f = {code, b->domain.data, strong};
  if (strong) { /* strongest first */
    memmove(&r->findings[1], &r->findings[0], r->count * sizeof f);
    r->findings[0] = f;
  } else {
    r->findings[r->count] = f;
  }
  r->count++;
}

/* A brand whose `field` (name or skeleton, chosen by `kind`) equals `s`, or NULL. */
static const struct brand *brand_by(const struct lookalike_ctx *ctx, enum key_kind kind, struct str s) {
  size_t pos = SIZE_MAX, v;
  uint64_t key = key_of(kind, s.data, s.len);
  while (mm_next(&ctx->map, key, &pos, &v)) {
    const struct brand *b = &ctx->brands[v];
    if (str_eq(kind == KEY_NAME ? b->name : b->skeleton, s)) return b;
  }
  return NULL;
}

static const struct domain *domain_by(const struct lookalike_ctx *ctx, enum key_kind kind, struct str s) {
  size_t pos = SIZE_MAX, v;
  uint64_t key = key_of(kind, s.data, s.len);
  while (mm_next(&ctx->map, key, &pos, &v)) {
    const struct domain *d = &ctx->domains[v];
    if (str_eq(kind == KEY_DOMAIN ? d->name : d->registrable, s)) return d;
  }
  return NULL;
}

/* A protected domain, a subdomain of one, or under a protected domain's registrable domain. */
static bool is_genuine(const struct lookalike_ctx *ctx, struct str host, struct str registrable) {
  for (size_t i = 0; i < host.len; i++) {
    if (i > 0 && host.data[i - 1] != '.') continue;
    if (domain_by(ctx, KEY_DOMAIN, (struct str){host.data + i, host.len - i})) return true;
  }
  return domain_by(ctx, KEY_REGISTRABLE, registrable) != NULL;
}

/* Keyboard rows of the QWERTY, QWERTZ and AZERTY layouts, with each row's offset in quarter
 * keys: the layouts typosquatting tools (dnstwist) take their "replacement" and "insertion"
 * neighbours from. */
static const struct {
  const char *rows[4];
} keyboards[] = {
    {{"1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"}},
    {{"1234567890-", "qwertzuiop", "asdfghjkl", "yxcvbnm"}},
    {{"1234567890-", "azertyuiop", "qsdfghjklm", "wxcvbn"}},
};
static const int keyboard_row_offset_quarters[4] = {0, 2, 3, 5};

static bool key_position(const char *const rows[4], char c, int *row, int *x) {
  for (int r = 0; r < 4; r++) {
    const char *at = strchr(rows[r], c);
    if (c && at) {
      *row = r;
      *x = 4 * (int)(at - rows[r]) + keyboard_row_offset_quarters[r];
      return true;
    }
  }
  return false;
}

static bool keyboard_adjacent(char a, char b) {
  for (size_t k = 0; k < sizeof keyboards / sizeof keyboards[0]; k++) {
    int ra, xa, rb, xb;
    if (!key_position(keyboards[k].rows, a, &ra, &xa) || !key_position(keyboards[k].rows, b, &rb, &xb))
      continue;
    int dr = ra - rb, dx = xa - xb;
    if (dr == 0 && (dx == 4 || dx == -4)) return true;
    if ((dr == 1 || dr == -1) && dx >= -4 && dx <= 4) return true;
  }
  return false;
}

static bool is_vowel(char c) { return c && strchr("aeiouy", c); }

/* ASCII look-alike pairs a substitution can use (the ASCII part of dnstwist's glyph table). */
static bool visually_close(char a, char b) {
  static const char *const pairs[] = {"o0", "l1", "i1", "il", "s5", "z2", "b6", "b8", "g9", "q9",
                                      "gq", "bd", "mn", "nr", "uv", "ce", "ij", "a4", "e3", "t7"};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
    if ((pairs[i][0] == a && pairs[i][1] == b) || (pairs[i][0] == b && pairs[i][1] == a)) return true;
  return false;
}

static bool one_bit_apart(char a, char b) {
  unsigned x = (unsigned char)a ^ (unsigned char)b;
  return x && !(x & (x - 1));
}

/* A substitution of `b` by `a` that a typo, a vowel mix-up, a look-alike character or a flipped
 * memory bit (bitsquatting) explains. Only the first character needs such an explanation:
 * a different first letter is how everyday words differ from brands (small / tmall,
 * strip / ctrip), while a changed letter further in is rarely a word of its own. */
static bool plausible_substitution(char a, char b, size_t at) {
  if (at > 0) return true;
  bool digits = a >= '0' && a <= '9' && b >= '0' && b <= '9';
  return keyboard_adjacent(a, b) || (is_vowel(a) && is_vowel(b)) || visually_close(a, b) ||
         one_bit_apart(a, b) || digits;
}

/* Whether `cand` is one plausible edit from the brand name `name` (Damerau: an adjacent swap
 * counts as one edit). Random one-letter differences ("small" / "tmall") are ordinary words
 * far more often than attacks; the edits attackers generate are keyboard slips, repeated or
 * appended characters, vowel swaps, look-alike characters and bit flips, and only those count. */
static bool plausible_one_edit(struct str cand, struct str name) {
  size_t i = 0, n = cand.len < name.len ? cand.len : name.len;
  while (i < n && cand.data[i] == name.data[i]) i++;
  if (cand.len + 1 == name.len) /* omission */
    return memcmp(cand.data + i, name.data + i + 1, cand.len - i) == 0;
  if (cand.len == name.len + 1) { /* insertion of cand[i] */
    if (memcmp(cand.data + i + 1, name.data + i, name.len - i) != 0) return false;
    char x = cand.data[i], prev = i > 0 ? cand.data[i - 1] : 0,
         next = i + 1 < cand.len ? cand.data[i + 1] : 0;
    /* appended at the end, repeated, or a key next to a neighbour */
    return i + 1 == cand.len || x == prev || x == next || keyboard_adjacent(x, prev) ||
           keyboard_adjacent(x, next);
  }
  if (cand.len != name.len || i == cand.len) return false;
  if (memcmp(cand.data + i + 1, name.data + i + 1, cand.len - i - 1) == 0)
    return plausible_substitution(cand.data[i], name.data[i], i);
  return i + 1 < cand.len && cand.data[i] == name.data[i + 1] && cand.data[i + 1] == name.data[i] &&
         memcmp(cand.data + i + 2, name.data + i + 2, cand.len - i - 2) == 0;
}

static size_t trailing_digits(struct str s) {
  size_t n = 0;
  while (n < s.len && s.data[s.len - 1 - n] >= '0' && s.data[s.len - 1 - n] <= '9') n++;
  return n;
}

/* Chromium's edit-distance false-positive filter: a name that ends in a number (shop1) has
 * numbered siblings (shop, shop2) that are other shops, not look-alikes. All-digit names
 * (95516) and names without a number (taobao1 imitates taobao) are not covered. */
static bool numbered_siblings(struct str cand, struct str name) {
  size_t dc = trailing_digits(cand), dn = trailing_digits(name);
  return dn > 0 && dn < name.len &&
         str_eq((struct str){cand.data, cand.len - dc}, (struct str){name.data, name.len - dn});
}

/* brand_typo by one edit: the label and its one-character deletions looked up. */
static void check_one_edit(const struct lookalike_ctx *ctx, struct str label, struct lookalike_result *r) {
  if (label.len < LOOKALIKE_FUZZY_NAME_CHARS_MIN || label.len > LABEL_BYTES_MAX) return;
  for (size_t skip = 0; skip <= label.len; skip++) {
    size_t del = skip == label.len ? SIZE_MAX : skip;
    size_t pos = SIZE_MAX, v;
    uint64_t key = deletion_key(label, del);
    while (mm_next(&ctx->map, key, &pos, &v)) {
      const struct brand *b = &ctx->brands[v];
      if (plausible_one_edit(label, b->name) && !numbered_siblings(label, b->name)) {
        add_finding(r, "brand_typo", b, false);
        return;
      }
    }
  }
}

/* Copies `s` without the bytes in `drop` into `out` (LOOKALIKE_HOST_BYTES_MAX bytes). */
static struct str without(struct str s, const char *drop, char *out) {
  size_t n = 0;
  for (size_t i = 0; i < s.len; i++)
    if (!strchr(drop, s.data[i])) out[n++] = s.data[i];
  return (struct str){out, n};
}

/* brand_typo: one edit, or equal once hyphens ("tao-bao") or dots ("tao.bao.com") go. */
static void check_typo(const struct lookalike_ctx *ctx, struct str label, struct str before_suffix,
                       struct lookalike_result *r) {
  check_one_edit(ctx, label, r);
  char buf[LOOKALIKE_HOST_BYTES_MAX + 1];
  struct str joined = without(before_suffix, ".-", buf);
  if (joined.len == before_suffix.len) return;
  const struct brand *b = brand_by(ctx, KEY_NAME, joined);
  if (b && fuzzy_eligible(b)) add_finding(r, "brand_typo", b, false);
}

/* brand_homograph: the registrable domain's or the label's skeleton is a brand's. */
static void check_homograph(const struct lookalike_ctx *ctx, struct str ureg, struct str label,
                            struct lookalike_result *r) {
  char skel[SKELETON_BYTES_MAX];
  size_t n = skeleton_of(ctx, ureg, skel);
  size_t pos = SIZE_MAX, v;
  uint64_t key = key_of(KEY_DOMAIN_SKELETON, skel, n);
  while (n > 0 && mm_next(&ctx->map, key, &pos, &v)) {
    const struct domain *d = &ctx->domains[v];
    if (str_eq(d->skeleton, (struct str){skel, n})) {
      add_finding(r, "brand_homograph", &ctx->brands[d->brand], true);
      return;
    }
  }
  struct str ulabel = first_label(ureg);
  n = skeleton_of(ctx, ulabel, skel);
  const struct brand *b = n ? brand_by(ctx, KEY_NAME_SKELETON, (struct str){skel, n}) : NULL;
  if (!b || str_eq(b->name, label)) return; /* same name: another TLD, not a homograph */
  bool ascii = str_eq(ulabel, label);
  if (b->name.len >= LOOKALIKE_FUZZY_NAME_CHARS_MIN || !ascii) add_finding(r, "brand_homograph", b, true);
}

static bool is_protected_tld(const struct lookalike_ctx *ctx, struct str tld) {
  size_t pos = SIZE_MAX, v;
  uint64_t key = key_of(KEY_TLD, tld.data, tld.len);
  while (mm_next(&ctx->map, key, &pos, &v)) {
    struct str name = ctx->domains[v].name;
    if (name.len > tld.len && name.data[name.len - tld.len - 1] == '.' &&
        memcmp(name.data + name.len - tld.len, tld.data, tld.len) == 0)
      return true;
  }
  return false;
}

static bool is_separator(char c) { return c == '.' || c == '-'; }

/* brand_embedded: a protected domain followed by more labels or a hyphen, before the host's
 * own public suffix: "taobao.com-login.cn", "alipay.com.verify.top". */
static void check_embedded(const struct lookalike_ctx *ctx, struct str before_suffix,
                           struct lookalike_result *r) {
  const char *h = before_suffix.data;
  for (size_t e = 1; e < before_suffix.len; e++) {
    if (!is_separator(h[e])) continue;
    size_t q = e;
    while (q > 0 && !is_separator(h[q - 1])) q--;
    if (q < 2 || h[q - 1] != '.' || !is_protected_tld(ctx, (struct str){h + q, e - q})) continue;
    for (size_t p = q - 1; p-- > 0;) {
      if (p > 0 && !is_separator(h[p - 1])) continue;
      const struct domain *d = domain_by(ctx, KEY_DOMAIN, (struct str){h + p, e - p});
      if (d) {
        add_finding(r, "brand_embedded", &ctx->brands[d->brand], true);
        return;
      }
    }
  }
}

/* A brand name of 5+ characters inside `label` (not equal to it), by rolling hash. */
static const struct brand *brand_substring(const struct lookalike_ctx *ctx, struct str label) {
  for (size_t m = LOOKALIKE_FUZZY_NAME_CHARS_MIN; m < label.len && m < 64; m++) {
    if (!(ctx->substring_lengths >> m & 1)) continue;
    uint64_t top = 1; /* ROLL_BASE^(m-1) */
    for (size_t k = 1; k < m; k++) top *= ROLL_BASE;
    uint64_t h = rolling_of(label.data, m);
    for (size_t i = 0;; i++) {
      size_t pos = SIZE_MAX, v;
      uint64_t key = substring_key(h, m);
      while (mm_next(&ctx->map, key, &pos, &v))
        if (ctx->brands[v].name.len == m && memcmp(ctx->brands[v].name.data, label.data + i, m) == 0)
          return &ctx->brands[v];
      if (i + m >= label.len) break;
      h = (h - top * (unsigned char)label.data[i]) * ROLL_BASE + (unsigned char)label.data[i + m];
    }
  }
  return NULL;
}

static bool has_lure_substring(struct str label) {
  for (size_t i = 0; i < lookalike_lure_word_count; i++) {
    const char *w = lookalike_lure_words[i];
    if (str_find(label, str_from_cstr(w), false) >= 0) return true;
  }
  return false;
}

/* What the labels before the public suffix say: brand names as tokens, lure words. */
struct token_scan {
  const struct brand *in_label;     /* a brand name token inside the registrable label */
  const struct brand *in_subdomain; /* a brand name as a token of a subdomain label */
  bool lure;
};

static void scan_tokens(const struct lookalike_ctx *ctx, struct str before_suffix, size_t label_at,
                        struct token_scan *t) {
  const char *h = before_suffix.data;
  for (size_t s = 0, e = 0; s < before_suffix.len; s = e + 1) {
    e = s;
    while (e < before_suffix.len && !is_separator(h[e])) e++;
    struct str tok = {h + s, e - s};
    if (tok.len == 0) continue;
    if (is_lure(ctx, tok)) {
      t->lure = true;
      continue;
    }
    const struct brand *b = brand_by(ctx, KEY_NAME, tok);
    if (b && s >= label_at && !t->in_label) t->in_label = b;
    if (b && s < label_at && !t->in_subdomain) t->in_subdomain = b;
  }
}

/* brand_other_tld, brand_lure, brand_in_domain, brand_in_subdomain. */
static void check_tokens(const struct lookalike_ctx *ctx, struct str before_suffix, struct str label,
                         struct lookalike_result *r) {
  struct token_scan t = {0};
  scan_tokens(ctx, before_suffix, before_suffix.len - label.len, &t);
  const struct brand *exact = brand_by(ctx, KEY_NAME, label);
  if (exact) add_finding(r, "brand_other_tld", exact, false);
  const struct brand *sub = (t.in_label || exact) ? NULL : brand_substring(ctx, label);
  const struct brand *named = t.in_label ? t.in_label : (sub ? sub : t.in_subdomain);
  if (!named) return;
  if (t.lure || (!exact && has_lure_substring(label))) {
    add_finding(r, "brand_lure", named, false);
  } else if (t.in_label && t.in_label != exact && fuzzy_eligible(t.in_label)) {
    add_finding(r, "brand_in_domain", t.in_label, false);
  } else if (sub) {
    add_finding(r, "brand_in_domain", sub, false);
  } else if (t.in_subdomain && fuzzy_eligible(t.in_subdomain)) {
    add_finding(r, "brand_in_subdomain", t.in_subdomain, false);
  }
}

/* mixed_script: an IDN label beyond UTS #39 "highly restrictive" (e.g. Latin with Cyrillic). */
static void check_mixed_script(const struct lookalike_ctx *ctx, struct str uhost,
                               struct lookalike_result *r) {
  static const struct brand none = {{"", 0}, {"", 0}, {"", 0}};
  for (size_t s = 0, e = 0; s < uhost.len; s = e + 1) {
    e = s;
    bool ascii = true;
    for (; e < uhost.len && uhost.data[e] != '.'; e++)
      if ((unsigned char)uhost.data[e] >= 0x80) ascii = false;
    if (ascii) continue;
    UErrorCode st = U_ZERO_ERROR;
    int32_t result = uspoof_check2UTF8(ctx->spoof, uhost.data + s, (int32_t)(e - s), NULL, &st);
    if (U_SUCCESS(st) && (result & (USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS))) {
      add_finding(r, "mixed_script", &none, false);
      return;
    }
  }
}

int lookalike_check(const struct lookalike_ctx *ctx, struct str host, struct arena *arena,
                    struct lookalike_result *out) {
  memset(out, 0, sizeof *out);
  if (host.len == 0) return HT_EINVAL;
  if (host.len > LOOKALIKE_HOST_BYTES_MAX) return HT_ETOOBIG;
  char *h = arena_strdup_str(arena, host);
  if (!h) return HT_ENOMEM;
  host.data = h;
  out->registrable = out->host_unicode = host;
  uint32_t v4;
  if (h[0] == '[' || url_parse_ipv4(host, &v4)) return HT_OK;
  struct str reg = lookalike_registrable_domain(ctx, h, host.len);
  if (reg.len == 0) reg = host;
  out->registrable = reg;
  out->host_unicode = to_unicode(arena, host);
  struct str ureg = to_unicode(arena, reg);
  if (!out->host_unicode.data || !ureg.data) return HT_EINVAL;
  if (is_genuine(ctx, host, reg)) {
    out->genuine = true;
    return HT_OK;
  }
  struct str label = first_label(reg);
  struct str before_suffix = {h, (size_t)(reg.data - h) + label.len};
  check_homograph(ctx, ureg, label, out);
  check_embedded(ctx, before_suffix, out);
  if (!str_has_prefix(label, STR_LIT("xn--"))) check_typo(ctx, label, before_suffix, out);
  check_tokens(ctx, before_suffix, label, out);
  if (!str_eq(out->host_unicode, host)) check_mixed_script(ctx, out->host_unicode, out);
  return HT_OK;
}

bool lookalike_mentions_brand(const struct lookalike_ctx *ctx, struct str text, const char **brand_domain) {
  char buf[LOOKALIKE_HOST_BYTES_MAX];
  size_t n = text.len < sizeof buf ? text.len : sizeof buf;
  for (size_t i = 0; i < n; i++) {
    char c = text.data[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
  }
  for (size_t s = 0; s < n; s++) {
    bool token_start =
        s == 0 || !((buf[s - 1] >= 'a' && buf[s - 1] <= 'z') || (buf[s - 1] >= '0' && buf[s - 1] <= '9'));
    if (!token_start) continue;
    for (size_t e = s + 1; e <= n; e++) {
      if (e < n && ((buf[e] >= 'a' && buf[e] <= 'z') || (buf[e] >= '0' && buf[e] <= '9') || buf[e] == '-'))
        continue;
      struct str span = {buf + s, e - s};
      const struct domain *d = domain_by(ctx, KEY_DOMAIN, span);
      const struct brand *b = d ? &ctx->brands[d->brand] : brand_by(ctx, KEY_NAME, span);
      if (b && (d || fuzzy_eligible(b))) {
        *brand_domain = b->domain.data;
        return true;
      }
      if (e == n || buf[e] != '.') break;
    }
  }
  return false;
}
