/*
 * guard.h — the link guard's verdict on one URL: allow, warn or block, with reasons.
 *
 * This is the one function the HTTP endpoint (`POST /v1/guard/check`), the CLI
 * (`hutong guard check`) and the interstitial (`GET /go?u=...&s=...`) call. It takes the URL
 * and an immutable context — the blocklist, the lookalike checker and the link-signing key,
 * all owned by the caller — and returns the verdict, the reasons (stable snake_case codes and
 * a human detail), the canonical URL and the registrable domain. Bad input is not a verdict:
 * guard_check returns an error status and a stable error code that the caller maps to a 4xx.
 *
 * What maps to what, and why:
 *   block  blocklisted        a feed lists the URL or a prefix of it (Safe Browsing semantics)
 *          brand_homograph    looks identical to a brand's domain: no innocent use exists
 *          brand_embedded     a brand's whole domain inside a foreign host ("taobao.com-x.cn")
 *          userinfo_brand     "http://taobao.com@evil.cn/": shows a brand, opens another host
 *          signature_invalid  a hutong link whose signature does not match: forged or altered
 *   warn   brand_typo, brand_lure, brand_other_tld, brand_in_domain, brand_in_subdomain,
 *          mixed_script       likely imitations, but some are unrelated sites; the user decides
 *          userinfo           a user name before the host, a classic way to disguise it
 *          ip_host            a raw IP address instead of a name
 *   allow  signed_link        (informational) the link carries a valid hutong signature
 * Genuine brand domains get no lookalike reason at all; a blocklist hit still blocks them.
 *
 * Thread safety: guard_check only reads the context; give each call its own arena.
 */
#ifndef HUTONG_CORE_GUARD_H
#define HUTONG_CORE_GUARD_H

#include <stddef.h>

#include "core/arena.h"
#include "core/blocklist.h"
#include "core/lookalike.h"
#include "core/str.h"

/* Most URLs in one batch request (the issue: a batch of up to 1,000). */
#define GUARD_BATCH_URLS_MAX 1000u
/* Most reasons one verdict carries; enough for every code above to appear once. */
#define GUARD_REASONS_MAX 12u
/* Arena bytes one check needs at most: the canonical URL and its working copies
 * (url_canon, about 12 input lengths at the 8 KiB limit) plus the lookalike copies. */
#define GUARD_ARENA_BYTES (16u * 8192u + 16384u)

enum guard_verdict { GUARD_ALLOW = 0, GUARD_WARN = 1, GUARD_BLOCK = 2 };

struct guard_ctx {
  const struct blocklist *blocklist;     /* NULL: no feed loaded */
  const struct lookalike_ctx *lookalike; /* NULL: no lookalike checks */
  struct str link_key;                   /* link-signing key; empty: signatures are not checked */
};

struct guard_reason {
  const char *code;            /* stable snake_case code (see above) */
  const char *detail;          /* one sentence for people, in the arena */
  enum guard_verdict severity; /* what this reason alone would decide */
};

struct guard_result {
  enum guard_verdict verdict; /* the most severe reason's, GUARD_ALLOW when none */
  const char *error;          /* on a non-HT_OK return: the stable code of the bad input */
  size_t reason_count;        /* reasons, most severe first */
  struct guard_reason reasons[GUARD_REASONS_MAX];
  struct str canonical_url;      /* Safe Browsing canonical form */
  struct str registrable_domain; /* ICANN registrable domain (punycode), or the IP address */
  struct str host_unicode;       /* the host with IDN labels decoded, for display */
};

/* Checks `url` (any bytes). `signature` is the `s` of a /go link, or NULL when there is none.
 * Returns HT_OK with the verdict in `*out`; or, for input that is not a checkable URL,
 * HT_EINVAL / HT_ETOOBIG with out->error one of: url_empty, url_too_long, url_binary,
 * url_invalid_utf8, url_unsupported_scheme, url_no_host, url_bad_port, url_invalid_host,
 * url_invalid_idn, url_invalid_punycode, url_host_too_long. HT_ENOMEM when the arena refuses
 * (give it GUARD_ARENA_BYTES). Views and details live in `arena`. */
int guard_check(const struct guard_ctx *ctx, struct str url, const struct str *signature, struct arena *arena,
                struct guard_result *out);

/* Validates a batch size: HT_OK for 1..GUARD_BATCH_URLS_MAX; otherwise HT_EINVAL ("batch_empty")
 * or HT_ETOOBIG ("batch_too_large") with the code in `*error`. */
int guard_batch_size_check(size_t count, const char **error);

/* "allow", "warn" or "block". */
const char *guard_verdict_name(enum guard_verdict verdict);

#endif
