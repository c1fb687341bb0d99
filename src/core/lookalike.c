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
  KEY_DOMAIN_SKELETON, /* skeleton of a protected registrable domain -> brand index */
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
  unsigned flags;      /* enum lookalike_brand_flag */
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

static uint64_t mix64(uint64_t x) {
  /* splitmix64's finalizer: spreads FNV's weak low bits over the whole word. */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9u;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebu;
  x ^= x >> 31;
  return x ? x : 1;
}

static uint64_t key_of(enum key_kind kind, const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)kind; /* FNV-1a offset basis, tagged by kind */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
  return mix64(h);
}

/* Rolling (Rabin-Karp) hash of a substring; base odd so that it is invertible mod 2^64. */
#define ROLL_BASE 1099511628211u
static uint64_t substring_key(uint64_t rolling, size_t len) {
  return mix64(rolling ^ ((uint64_t)len << 48) ^ ((uint64_t)KEY_SUBSTRING << 58));
}

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
  /* Pairs ICU's table leaves alone but that read as one letter in a URL bar. */
  size_t w = 0;
  for (size_t r = 0; r < *n; r++) {
    char c = s[r];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (r + 1 < *n && c == 'v' && s[r + 1] == 'v') c = 'w', r++;
    else if (r + 1 < *n && c == 'c' && s[r + 1] == 'l') c = 'd', r++;
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
    UChar32 c;
    U16_NEXT(nfd, i, n, c);
    if (u_charType(c) != U_NON_SPACING_MARK) U16_APPEND_UNSAFE(in, kept, c);
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

#include "core/lookalike_build.inc"
#include "core/lookalike_check.inc"
