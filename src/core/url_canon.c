/*
 * url_canon.c — Safe Browsing v4 URL canonicalization (see url_canon.h for the rules and the
 * one deliberate deviation). The work is split by component: the raw URL is cut into scheme,
 * userinfo, host, port, path and query the way a browser cuts it; each component is then
 * unescaped and canonicalized on its own, and the canonical URL is written with the spec's
 * minimal escaping. All buffers come from the caller's arena and are sized from the input.
 */
#include "core/url_canon.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdio.h>

#include "core/status.h"
#include "core/utf8.h"

/* The raw components of a URL: views into the stripped input, not yet unescaped. */
struct raw_parts {
  struct str scheme;
  struct str userinfo;
  struct str host;
  struct str port;
  struct str path;
  struct str query;
  bool has_userinfo, has_port, has_query, special;
  bool default_scheme;
};

static bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return (unsigned)(c - '0');
  if (c >= 'a' && c <= 'f') return (unsigned)(c - 'a' + 10);
  return (unsigned)(c - 'A' + 10);
}

static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c; }

size_t url_unescape_repeatedly(struct str in, char *out) {
  /* One pass that equals "unescape until no escape is left": the output never holds a %XX,
   * because after every byte appended the tail is checked again, and a decoded byte can only
   * form a new escape with the bytes just before it. */
  size_t n = 0;
  for (size_t i = 0; i < in.len; i++) {
    out[n++] = in.data[i];
    while (n >= 3 && out[n - 3] == '%' && is_hex(out[n - 2]) && is_hex(out[n - 1])) {
      out[n - 3] = (char)(hex_value(out[n - 2]) << 4 | hex_value(out[n - 1]));
      n -= 2;
    }
  }
  return n;
}

/* Removes leading and trailing bytes <= 0x20 (whitespace and C0 controls), as browsers do. */
static struct str trim_controls(struct str s) {
  while (s.len > 0 && (unsigned char)s.data[0] <= 0x20) s.data++, s.len--;
  while (s.len > 0 && (unsigned char)s.data[s.len - 1] <= 0x20) s.len--;
  return s;
}

/* Copies `in` without tab, CR and LF, stopping at the first '#' (the fragment). */
static struct str strip_and_cut_fragment(struct str in, char *out) {
  size_t n = 0;
  for (size_t i = 0; i < in.len && in.data[i] != '#'; i++) {
    char c = in.data[i];
    if (c != '\t' && c != '\r' && c != '\n') out[n++] = c;
  }
  return (struct str){out, n};
}

static bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

/* WHATWG "special" schemes: their authority may follow any number of slashes or backslashes. */
static bool scheme_is_special(struct str scheme) {
  static const char *const special[] = {"http", "https", "ws", "wss", "ftp"};
  for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
    if (str_eq_nocase(scheme, str_from_cstr(special[i]))) return true;
  return false;
}

/* True when `s` (what follows a ':') starts with a port: digits up to '/', '?', '\' or the end. */
static bool looks_like_port(struct str s) {
  size_t i = 0;
  while (i < s.len && s.data[i] >= '0' && s.data[i] <= '9') i++;
  return i > 0 && (i == s.len || s.data[i] == '/' || s.data[i] == '?' || s.data[i] == '\\');
}

/* Finds the scheme and returns the offset where the authority starts. */
static int split_scheme(struct str s, struct raw_parts *p, size_t *authority_at,
                        enum url_canon_error *error) {
  size_t i = 0;
  if (s.len > 0 && ((s.data[0] >= 'a' && s.data[0] <= 'z') || (s.data[0] >= 'A' && s.data[0] <= 'Z')))
    while (i < s.len && is_scheme_char(s.data[i])) i++;
  struct str after = {s.data + i + 1, i < s.len ? s.len - i - 1 : 0};
  if (i == 0 || i == s.len || s.data[i] != ':' || looks_like_port(after)) {
    p->scheme = STR_LIT("http");
    p->default_scheme = true;
    p->special = true;
    *authority_at = 0;
    return HT_OK;
  }
  p->scheme = (struct str){s.data, i};
  p->special = scheme_is_special(p->scheme);
  size_t at = i + 1;
  if (p->special) {
    while (at < s.len && (s.data[at] == '/' || s.data[at] == '\\')) at++;
  } else if (after.len >= 2 && after.data[0] == '/' && after.data[1] == '/') {
    at += 2;
  } else {
    *error = URL_CANON_OPAQUE_SCHEME;
    return HT_EINVAL;
  }
  *authority_at = at;
  return HT_OK;
}

/* Splits "userinfo@host:port" into its parts. */
static void split_authority(struct str auth, struct raw_parts *p) {
  for (size_t i = auth.len; i > 0; i--) {
    if (auth.data[i - 1] == '@') {
      p->has_userinfo = true;
      p->userinfo = (struct str){auth.data, i - 1};
      auth = (struct str){auth.data + i, auth.len - i};
      break;
    }
  }
  size_t colon = auth.len;
  size_t start = 0;
  if (auth.len > 0 && auth.data[0] == '[') {
    while (start < auth.len && auth.data[start] != ']') start++;
  }
  for (size_t i = auth.len; i > start; i--) {
    if (auth.data[i - 1] == ':') {
      colon = i - 1;
      break;
    }
  }
  p->host = (struct str){auth.data, colon};
  if (colon < auth.len) {
    p->has_port = true;
    p->port = (struct str){auth.data + colon + 1, auth.len - colon - 1};
  }
}

static int split_url(struct str s, struct raw_parts *p, enum url_canon_error *error) {
  size_t at = 0;
  int rc = split_scheme(s, p, &at, error);
  if (rc != HT_OK) return rc;
  size_t end = at;
  while (end < s.len && s.data[end] != '/' && s.data[end] != '?' && !(p->special && s.data[end] == '\\'))
    end++;
  split_authority((struct str){s.data + at, end - at}, p);
  size_t q = end;
  while (q < s.len && s.data[q] != '?') q++;
  p->path = (struct str){s.data + end, q - end};
  if (q < s.len) {
    p->has_query = true;
    p->query = (struct str){s.data + q + 1, s.len - q - 1};
  }
  return HT_OK;
}

static int parse_port(struct str s, uint32_t *port) {
  uint32_t value = 0;
  for (size_t i = 0; i < s.len; i++) {
    if (s.data[i] < '0' || s.data[i] > '9') return HT_EINVAL;
    value = value * 10 + (uint32_t)(s.data[i] - '0');
    if (value > 65535) return HT_ERANGE;
  }
  *port = value;
  return HT_OK;
}

/* Parses one IPv4 part; false when it is not a number in its base. */
static bool ipv4_part(struct str s, uint64_t *value) {
  unsigned base = 10;
  size_t i = 0;
  if (s.len >= 2 && s.data[0] == '0' && (s.data[1] == 'x' || s.data[1] == 'X'))
    base = 16, i = 2;
  else if (s.len >= 2 && s.data[0] == '0')
    base = 8, i = 1;
  if (s.len == 0) return false;
  uint64_t v = 0;
  for (; i < s.len; i++) {
    char c = s.data[i];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = (unsigned)(c - '0');
    else if (base == 16 && is_hex(c))
      d = hex_value(c);
    else
      return false;
    if (d >= base) return false;
    v = v * base + d;
    if (v > 0xFFFFFFFFu) return false;
  }
  *value = v;
  return true;
}

bool url_parse_ipv4(struct str host, uint32_t *addr) {
  uint64_t parts[4];
  size_t count = 0, start = 0;
  for (size_t i = 0; i <= host.len; i++) {
    if (i < host.len && host.data[i] != '.') continue;
    if (count == 4 || !ipv4_part((struct str){host.data + start, i - start}, &parts[count])) return false;
    count++;
    start = i + 1;
  }
  uint64_t value = 0;
  for (size_t i = 0; i + 1 < count; i++) {
    if (parts[i] > 255) return false;
    value |= parts[i] << (8 * (3 - i));
  }
  /* The last part fills the bytes the earlier parts left: 4 - count + 1 of them. */
  uint64_t last_max = (count == 1) ? 0xFFFFFFFFu : ((uint64_t)1 << (8 * (5 - count))) - 1;
  if (parts[count - 1] > last_max) return false;
  *addr = (uint32_t)(value | parts[count - 1]);
  return true;
}

/* Removes leading and trailing dots and collapses runs of dots, in place. */
static struct str collapse_dots(char *h, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (h[i] == '.' && (n == 0 || h[n - 1] == '.')) continue;
    h[n++] = h[i];
  }
  while (n > 0 && h[n - 1] == '.') n--;
  return (struct str){h, n};
}

/* Bytes that no browser accepts in a host name (WHATWG "forbidden domain code points"). */
static bool host_byte_forbidden(unsigned char c) {
  return c <= 0x20 || c == 0x7F || c == '%' || c == '#' || c == '/' || c == ':' || c == '<' || c == '>' ||
         c == '?' || c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '|';
}

/* Normalizes a bracketed IPv6 literal; mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96)
 * addresses become IPv4, as the Safe Browsing v5 text asks (v4 is silent on IPv6). */
static struct str ipv6_canon(struct str h, struct arena *arena, unsigned *flags) {
  char in[64], text[INET6_ADDRSTRLEN + 2];
  unsigned char a[16];
  if (h.len < 3 || h.len - 2 >= sizeof in) return (struct str){NULL, 0};
  memcpy(in, h.data + 1, h.len - 2);
  in[h.len - 2] = '\0';
  if (inet_pton(AF_INET6, in, a) != 1) return (struct str){NULL, 0};
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
  int n;
  if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
    *flags |= URL_CANON_HOST_IPV4;
    n = snprintf(text, sizeof text, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
  } else {
    *flags |= URL_CANON_HOST_IPV6;
    text[0] = '[';
    if (!inet_ntop(AF_INET6, a, text + 1, INET6_ADDRSTRLEN)) return (struct str){NULL, 0};
    n = (int)strlen(text);
    text[n++] = ']';
  }
  char *copy = arena_strndup(arena, text, (size_t)n);
  return (struct str){copy, copy ? (size_t)n : 0};
}

static bool has_xn_label(struct str h) {
  for (size_t i = 0; i + 4 <= h.len; i++)
    if ((i == 0 || h.data[i - 1] == '.') && str_eq_nocase((struct str){h.data + i, 4}, STR_LIT("xn--")))
      return true;
  return false;
}

static bool has_non_ascii(struct str s) {
  for (size_t i = 0; i < s.len; i++)
    if ((unsigned char)s.data[i] >= 0x80) return true;
  return false;
}

/* Converts a host with non-ASCII characters or xn-- labels to validated punycode (UTS #46
 * non-transitional, as browsers do; transitional as a fallback for symbols IDNA2008 forbids
 * but browsers open). */
static int idn_to_ascii(struct str h, struct arena *arena, char **out, size_t *out_len,
                        enum url_canon_error *error) {
  if (h.len > URL_CANON_IDN_HOST_BYTES_MAX) {
    *error = URL_CANON_HOST_TOO_LONG;
    return HT_ETOOBIG;
  }
  char in[URL_CANON_IDN_HOST_BYTES_MAX + 1];
  memcpy(in, h.data, h.len);
  in[h.len] = '\0';
  uint8_t *ascii = NULL;
  int rc = idn2_lookup_u8((const uint8_t *)in, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK && rc != IDN2_PUNYCODE_BAD_INPUT)
    rc = idn2_lookup_u8((const uint8_t *)in, &ascii, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) {
    *error = (rc == IDN2_PUNYCODE_BAD_INPUT || has_xn_label(h)) ? URL_CANON_BAD_PUNYCODE : URL_CANON_BAD_IDN;
    return HT_EINVAL;
  }
  size_t n = strlen((const char *)ascii);
  char *copy = arena_strndup(arena, (const char *)ascii, n);
  idn2_free(ascii);
  if (!copy) {
    *error = URL_CANON_OUT_OF_MEMORY;
    return HT_ENOMEM;
  }
  *out = copy;
  *out_len = n;
  return HT_OK;
}

/* Converts a host with non-ASCII characters or xn-- labels to punycode, replacing `*h` and `*len`;
 * hosts no browser accepts, or that are not UTF-8 (the spec's \x80 example), stay raw and are
 * escaped later: IDNA would only reject or truncate them. */
static int host_idn(char **h, size_t *len, struct arena *arena, unsigned *flags,
                    enum url_canon_error *error) {
  struct str host = {*h, *len};
  for (size_t i = 0; i < host.len; i++)
    if (host_byte_forbidden((unsigned char)host.data[i])) *flags |= URL_CANON_HOST_FORBIDDEN;
  bool non_ascii = has_non_ascii(host);
  if (non_ascii && !utf8_valid(host)) *flags |= URL_CANON_HOST_FORBIDDEN;
  if ((*flags & URL_CANON_HOST_FORBIDDEN) || (!non_ascii && !has_xn_label(host))) return HT_OK;
  if (non_ascii) *flags |= URL_CANON_HOST_IDN;
  return idn_to_ascii(host, arena, h, len, error);
}

/* Canonicalizes an unescaped host held in the writable buffer `h`: IDN first (full-width
 * dots and digits become ASCII), then the spec's dot rules, IP forms and lower case. */
static int host_canon(char *h, size_t len, struct arena *arena, struct str *out, unsigned *flags,
                      enum url_canon_error *error) {
  len = collapse_dots(h, len).len;
  int rc = len ? host_idn(&h, &len, arena, flags, error) : HT_OK;
  if (rc != HT_OK) return rc;
  struct str host = collapse_dots(h, len); /* again: IDNA maps full-width dots to '.' */
  if (host.len == 0) {
    *error = URL_CANON_NO_HOST;
    return HT_EINVAL;
  }
  uint32_t v4;
  if (host.data[0] == '[' && host.data[host.len - 1] == ']') {
    struct str v6 = ipv6_canon(host, arena, flags);
    if (v6.data) {
      *flags &= ~(unsigned)URL_CANON_HOST_FORBIDDEN;
      *out = v6;
      return HT_OK;
    }
  } else if (url_parse_ipv4(host, &v4)) {
    char text[16];
    int n = snprintf(text, sizeof text, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255, v4 & 255);
    *flags |= URL_CANON_HOST_IPV4;
    *out = (struct str){arena_strndup(arena, text, (size_t)n), (size_t)n};
    return out->data ? HT_OK : HT_ENOMEM;
  }
  if (host.data[0] == '[') *flags |= URL_CANON_HOST_FORBIDDEN; /* brackets without a valid IPv6 */
  for (size_t i = 0; i < host.len; i++) h[i] = ascii_lower(h[i]);
  *out = host;
  return HT_OK;
}

/* Resolves "." and ".." segments and collapses repeated slashes of an unescaped path. `out`
 * must hold in.len + 1 bytes. The result starts with '/'. */
static size_t path_canon(struct str in, char *out) {
  size_t n = 0;
  out[n++] = '/';
  bool trailing_slash = true;
  size_t i = 0;
  while (i < in.len) {
    if (in.data[i] == '/') {
      i++;
      trailing_slash = true;
      continue;
    }
    size_t start = i;
    while (i < in.len && in.data[i] != '/') i++;
    struct str seg = {in.data + start, i - start};
    trailing_slash = true;
    if (str_eq(seg, STR_LIT("."))) continue;
    if (str_eq(seg, STR_LIT(".."))) {
      if (n > 1) {
        n--;
        while (n > 0 && out[n - 1] != '/') n--;
      }
      continue;
    }
    memcpy(out + n, seg.data, seg.len);
    n += seg.len;
    out[n++] = '/';
    trailing_slash = i < in.len; /* a '/' follows this segment */
  }
  if (!trailing_slash && n > 1) n--;
  return n;
}

/* Appends `s` to out+*n with the spec's escaping: bytes <= 0x20, >= 0x7F, '#' and '%'. */
static void append_escaped(char *out, size_t *n, struct str s) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.data[i];
    if (c <= 0x20 || c >= 0x7F || c == '#' || c == '%') {
      out[(*n)++] = '%';
      out[(*n)++] = hex[c >> 4];
      out[(*n)++] = hex[c & 15];
    } else {
      out[(*n)++] = (char)c;
    }
  }
}

/* Unescapes `raw` into a fresh arena buffer (NULL when out of room). */
static char *unescape_copy(struct arena *arena, struct str raw, size_t *len) {
  char *buf = arena_alloc(arena, raw.len + 1);
  if (buf) *len = url_unescape_repeatedly(raw, buf);
  return buf;
}

/* Writes scheme://host path[?query] with escaping and points the views of `out` into it. */
static int assemble(struct arena *arena, const struct raw_parts *p, struct str host, struct str path,
                    struct str query, struct url_canon *out) {
  size_t cap = p->scheme.len + 3 + 3 * (host.len + path.len + query.len) + 2;
  char *u = arena_alloc(arena, cap);
  if (!u) return HT_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < p->scheme.len; i++) u[n++] = ascii_lower(p->scheme.data[i]);
  out->scheme = (struct str){u, n};
  memcpy(u + n, "://", 3);
  n += 3;
  size_t host_at = n;
  append_escaped(u, &n, host);
  out->host = (struct str){u + host_at, n - host_at};
  size_t path_at = n;
  append_escaped(u, &n, path);
  out->path = (struct str){u + path_at, n - path_at};
  out->query = (struct str){u + n, 0};
  if (p->has_query) {
    u[n++] = '?';
    size_t query_at = n;
    append_escaped(u, &n, query);
    out->query = (struct str){u + query_at, n - query_at};
  }
  u[n] = '\0';
  out->url = (struct str){u, n};
  out->has_query = p->has_query;
  return HT_OK;
}

/* Canonicalizes the components found by split_url(). */
/* A '?' decoded from %3F ends the path, as the spec's "unescape, then parse" has it: what
 * follows joins the front of the query. (Left in the path, it would split the canonical URL
 * differently when read again.) Returns the new path length; NULL query buffer on no room. */
static size_t split_decoded_query(struct raw_parts *p, struct arena *arena, char *path, size_t path_len,
                                  char **query, size_t *query_len) {
  char *q = memchr(path, '?', path_len);
  if (!q) return path_len;
  size_t rest = path_len - (size_t)(q + 1 - path);
  char *joined = arena_alloc(arena, rest + 1 + *query_len + 1);
  if (joined) {
    memcpy(joined, q + 1, rest);
    if (p->has_query) joined[rest] = '?', memcpy(joined + rest + 1, *query, *query_len);
    *query_len = rest + (p->has_query ? 1 + *query_len : 0);
    p->has_query = true;
  }
  *query = joined;
  return (size_t)(q - path);
}

static int canon_parts(struct raw_parts *p, struct arena *arena, struct url_canon *out,
                       enum url_canon_error *error) {
  size_t host_len = 0, path_len = 0, query_len = 0;
  char *host_buf = unescape_copy(arena, p->host, &host_len);
  char *path_unescaped = unescape_copy(arena, p->path, &path_len);
  char *path_buf = arena_alloc(arena, path_len + 2);
  char *query_buf = unescape_copy(arena, p->query, &query_len);
  if (!host_buf || !path_unescaped || !path_buf || !query_buf) return HT_ENOMEM;
  /* Browsers read a backslash in the path of a special scheme as a slash. Decoded ones (%5C)
   * too: the spec does not escape '\', so one left in the output would turn into a slash when
   * the canonical URL is read again, and canonical forms must be stable. */
  for (size_t i = 0; p->special && i < path_len; i++)
    if (path_unescaped[i] == '\\') path_unescaped[i] = '/';
  path_len = split_decoded_query(p, arena, path_unescaped, path_len, &query_buf, &query_len);
  if (!query_buf) return HT_ENOMEM;
  struct str host;
  int rc = host_canon(host_buf, host_len, arena, &host, &out->flags, error);
  if (rc != HT_OK) return rc;
  size_t n = path_canon((struct str){path_unescaped, path_len}, path_buf);
  return assemble(arena, p, host, (struct str){path_buf, n}, (struct str){query_buf, query_len}, out);
}

int url_canon(struct str input, struct arena *arena, struct url_canon *out, enum url_canon_error *error) {
  *error = URL_CANON_OK;
  memset(out, 0, sizeof *out);
  struct str s = trim_controls(input);
  if (s.len == 0) return *error = URL_CANON_EMPTY, HT_EINVAL;
  if (s.len > URL_CANON_INPUT_BYTES_MAX) return *error = URL_CANON_TOO_LONG, HT_ETOOBIG;
  char *stripped = arena_alloc(arena, s.len + 1);
  if (!stripped) return *error = URL_CANON_OUT_OF_MEMORY, HT_ENOMEM;
  s = strip_and_cut_fragment(s, stripped);
  struct raw_parts p = {0};
  int rc = split_url(s, &p, error);
  out->scheme = p.scheme; /* reported on error too, so callers can name a bad scheme */
  if (rc != HT_OK) return rc;
  if (p.host.len == 0) return *error = URL_CANON_NO_HOST, HT_EINVAL;
  if (p.has_port && p.port.len > 0) {
    if (parse_port(p.port, &out->port) != HT_OK) return *error = URL_CANON_BAD_PORT, HT_EINVAL;
    out->flags |= URL_CANON_HAD_PORT;
  }
  if (p.default_scheme) out->flags |= URL_CANON_DEFAULT_SCHEME;
  if (p.has_userinfo) out->flags |= URL_CANON_HAD_USERINFO, out->userinfo = p.userinfo;
  rc = canon_parts(&p, arena, out, error);
  if (rc == HT_ENOMEM) *error = URL_CANON_OUT_OF_MEMORY;
  return rc;
}

const char *url_canon_error_name(enum url_canon_error error) {
  switch (error) {
  case URL_CANON_OK: return "ok";
  case URL_CANON_EMPTY: return "url_empty";
  case URL_CANON_TOO_LONG: return "url_too_long";
  case URL_CANON_OPAQUE_SCHEME: return "url_unsupported_scheme";
  case URL_CANON_NO_HOST: return "url_no_host";
  case URL_CANON_BAD_PORT: return "url_bad_port";
  case URL_CANON_BAD_IDN: return "url_invalid_idn";
  case URL_CANON_BAD_PUNYCODE: return "url_invalid_punycode";
  case URL_CANON_HOST_TOO_LONG: return "url_host_too_long";
  case URL_CANON_OUT_OF_MEMORY: return "out_of_memory";
  }
  return "unknown";
}
