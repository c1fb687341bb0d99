/*
 * url_canon.h — URL canonicalization as Google Safe Browsing v4 specifies it.
 *
 * The link guard hashes URLs and compares hosts with brand domains, so every URL must first be
 * brought to one canonical form: the rules of "Safe Browsing v4: URLs and Hashing"
 * (developers.google.com/safe-browsing/v4/urls-hashing, section Canonicalization). Leading and
 * trailing whitespace is trimmed; tab, CR and LF are removed; the fragment is dropped; each
 * component is percent-unescaped until no escape is left; the host loses leading, trailing and
 * repeated dots, IPv4 addresses in any legal encoding (decimal, octal, hex, fewer than four
 * parts) become dotted decimal, IDN hosts become punycode, and all is lower case; the path has
 * "." and ".." segments resolved and repeated slashes collapsed; the query is kept as is; bytes
 * <= 0x20, >= 0x7F, '#' and '%' are then escaped with upper-case hex. A missing scheme means
 * http and the port is dropped (but reported).
 *
 * One deliberate deviation: component boundaries are found on the raw URL, the way a browser
 * finds them, before unescaping. A literal reading of the spec unescapes first, which would let
 * `http://taobao.com%2F@evil.cn/` canonicalize to host taobao.com while every browser opens
 * evil.cn. For every example in the spec the two readings agree, and a '?' decoded inside the
 * path still ends the path as the literal reading has it.
 */
#ifndef HUTONG_CORE_URL_CANON_H
#define HUTONG_CORE_URL_CANON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

/* Longest URL accepted, in bytes after trimming: 8 KiB, the link guard's documented input
 * limit. Browsers take more (Chromium 2 MB) but no shared shop link needs it, and the limit
 * bounds the work one check may cost. */
#define URL_CANON_INPUT_BYTES_MAX 8192
/* Longest canonical URL: every input byte escaped to three, plus "http://" and a "/". */
#define URL_CANON_OUTPUT_BYTES_MAX (3 * URL_CANON_INPUT_BYTES_MAX + 8)
/* Longest host name accepted for IDN conversion: 253 octets (RFC 1035 section 2.3.4, without
 * the trailing dot), times 4 for UTF-8 before punycode shrinks it. */
#define URL_CANON_IDN_HOST_BYTES_MAX (4 * 253)

/* Why a URL could not be canonicalized. Names (url_canon_error_name) are stable API codes. */
enum url_canon_error {
  URL_CANON_OK = 0,
  URL_CANON_EMPTY,         /* nothing but whitespace */
  URL_CANON_TOO_LONG,      /* more than URL_CANON_INPUT_BYTES_MAX bytes */
  URL_CANON_OPAQUE_SCHEME, /* a scheme without an authority: mailto:, javascript:, data: */
  URL_CANON_NO_HOST,       /* the authority is empty */
  URL_CANON_BAD_PORT,      /* a port that is not a number in 0..65535 */
  URL_CANON_BAD_IDN,       /* a non-ASCII host that IDNA (UTS #46) refuses */
  URL_CANON_BAD_PUNYCODE,  /* an xn-- label that does not decode */
  URL_CANON_HOST_TOO_LONG, /* a non-ASCII host above URL_CANON_IDN_HOST_BYTES_MAX */
  URL_CANON_OUT_OF_MEMORY, /* the arena refused */
};

/* Facts about the original URL that canonicalization removes but the guard wants to see. */
enum url_canon_flag {
  URL_CANON_DEFAULT_SCHEME = 1 << 0, /* no scheme was given; http was assumed */
  URL_CANON_HAD_USERINFO = 1 << 1,   /* "user:pass@" preceded the host */
  URL_CANON_HAD_PORT = 1 << 2,       /* an explicit port was given */
  URL_CANON_HOST_IPV4 = 1 << 3,      /* the host is an IPv4 address (now dotted decimal) */
  URL_CANON_HOST_IPV6 = 1 << 4,      /* the host is a bracketed IPv6 address */
  URL_CANON_HOST_IDN = 1 << 5,       /* the host had non-ASCII characters, now punycode */
  URL_CANON_HOST_FORBIDDEN = 1 << 6, /* the host has bytes no browser accepts in a host
                                        (controls, space, %, invalid UTF-8, <>^|\ ...) */
};

/* A canonical URL. Every view points into `url`, which lives in the caller's arena. */
struct url_canon {
  struct str url;      /* scheme "://" host path ["?" query], NUL-terminated */
  struct str scheme;   /* lower case, e.g. "http"; on error the raw scheme when one was found */
  struct str host;     /* canonical host: ASCII (punycode), lower case, escaped */
  struct str path;     /* starts with '/', escaped, without the query */
  struct str query;    /* after the '?', escaped; empty when has_query is false */
  bool has_query;      /* a '?' was present (even with nothing after it) */
  struct str userinfo; /* the raw userinfo without '@' (a view into the input), or empty */
  uint32_t port;       /* the explicit port when URL_CANON_HAD_PORT */
  unsigned flags;      /* enum url_canon_flag bits */
};

/* Canonicalizes `input` (any bytes) into `out`, allocating the result from `arena`.
 * Returns HT_OK, or HT_EINVAL / HT_ETOOBIG / HT_ENOMEM with the reason in `*error` (which is
 * always written, URL_CANON_OK on success). Pure: no I/O; IDN conversion uses libidn2. */
int url_canon(struct str input, struct arena *arena, struct url_canon *out, enum url_canon_error *error);

/* Stable snake_case name of `error` ("url_empty", "url_too_long", ...). Never NULL. */
const char *url_canon_error_name(enum url_canon_error error);

/* Unescapes %XX sequences in `in` until none is left (the spec's "repeatedly percent-unescape")
 * and writes the result to `out`, which must hold in.len bytes; returns the output length.
 * Exposed for its tests and for the feed parsers. */
size_t url_unescape_repeatedly(struct str in, char *out);

/* Parses `host` as an IPv4 address in any legal inet_aton encoding (1 to 4 parts, each
 * decimal, 0-octal or 0x-hex; the last part fills the remaining bytes). Returns true and
 * stores the address (host byte order) in `*addr` on success. */
bool url_parse_ipv4(struct str host, uint32_t *addr);

#endif
