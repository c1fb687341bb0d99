/*
 * lookalike.h — does a host imitate a protected brand domain?
 *
 * Phishing links rarely use the brand's own domain; they use one that looks like it. After
 * Chromium's lookalike heuristics (components/lookalikes), the checker compares a host with
 * the protected domains — the built-in brands (lookalike_brands.c), verified merchant domains
 * and configured ones — and reports each imitation it finds:
 *
 *   brand_homograph    the registrable domain, or its name without the suffix, has the same
 *                      UTS #39 confusable skeleton (ICU uspoof) as a brand's, diacritics
 *                      removed: "tаobao.com" (Cyrillic а), "paypa1.com", "rnicrosoft.com"
 *   brand_embedded     a brand's whole domain inside another host: "taobao.com-login.cn",
 *                      "alipay.com.verify.top" (Chromium's "target embedding")
 *   brand_typo         the name is one edit (insertion, deletion, substitution, adjacent swap)
 *                      from a brand name of 5+ characters, or equals it once hyphens or dots are
 *                      removed: "taobaoo.com", "tabao.com", "tao-bao.com", "tao.bao.com"
 *   brand_lure         a brand name together with a lure word: "taobao-secure.com", "jd-pay.cn"
 *   brand_other_tld    the brand's name under another suffix: "taobao.net", "jd.top"
 *   brand_in_domain    a brand name of 5+ characters inside the name: "mytaobao.cn"
 *   brand_in_subdomain a brand name as a label of a foreign host: "taobao.evil.cn"
 *   mixed_script       an IDN label mixing scripts beyond UTS #39 "highly restrictive"
 *
 * A protected domain and its subdomains are genuine and never flagged, and so is any host
 * whose ICANN registrable domain is the registrable domain of a protected one (the same
 * owner). Names of fewer than five characters (jd, qq) match exactly only. Findings marked
 * `strong` (homograph, embedded) have no innocent explanation; the guard blocks on them.
 *
 * Thread safety: a context is immutable after lookalike_ctx_create(); lookalike_check() only
 * reads it, and ICU documents uspoof_getSkeleton / uspoof_check2 on a const checker as safe
 * to call from many threads at once (uspoof.h, "Thread Safety"). libpsl lookups on a const
 * context are read-only too.
 */
#ifndef HUTONG_CORE_LOOKALIKE_H
#define HUTONG_CORE_LOOKALIKE_H

#include <libpsl.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

/* Most protected domains one context holds (built-in + merchants + configured): 200,000, far
 * above the merchants one hutong deployment verifies; each costs ~0.3 KB of tables. */
#define LOOKALIKE_PROTECTED_MAX 200000u
/* Longest host name checked: 253 octets (RFC 1035 section 2.3.4). */
#define LOOKALIKE_HOST_BYTES_MAX 253u
/* Shortest brand name matched by edit distance or as a substring; shorter ones (jd, qq) match
 * exactly only. Five is Chromium's kMinLengthForEditDistance. */
#define LOOKALIKE_FUZZY_NAME_CHARS_MIN 5u
/* Most findings reported for one host. */
#define LOOKALIKE_FINDINGS_MAX 4u

struct lookalike_ctx;

struct lookalike_finding {
  const char *code;         /* stable snake_case code, see the list above */
  const char *brand_domain; /* the protected domain imitated (owned by the context) */
  bool strong;              /* homograph or embedded: block-worthy */
};

struct lookalike_result {
  bool genuine;            /* a protected domain, below one, or under its registrable domain */
  struct str registrable;  /* ICANN registrable domain (punycode), or the host when none */
  struct str host_unicode; /* the host with punycode labels decoded (UTF-8) */
  size_t count;            /* findings, strongest first */
  struct lookalike_finding findings[LOOKALIKE_FINDINGS_MAX];
};

/* Builds a context from the built-in brands plus `extra[0..extra_count)` (merchant and
 * configured domains, any case, UTF-8 or punycode; a leading "www." is kept as given).
 * `psl` is the public suffix data to use; NULL means libpsl's built-in list. The caller keeps
 * ownership of `psl`, which must outlive the context. On HT_OK `*out` is owned by the caller
 * until lookalike_ctx_free(). HT_EINVAL names the first bad extra domain's index in
 * `*bad_index`; HT_ETOOBIG past LOOKALIKE_PROTECTED_MAX; HT_ENOMEM; HT_EIO when ICU cannot
 * open its spoof checker (its data is compiled into libicudata, so this means a broken
 * install). */
int lookalike_ctx_create(const psl_ctx_t *psl, const struct str *extra, size_t extra_count,
                         struct lookalike_ctx **out, size_t *bad_index);

/* Frees the context; NULL is a no-op. No check may be running on it. */
void lookalike_ctx_free(struct lookalike_ctx *ctx);

/* Number of protected domains (built-in and extra, after removing duplicates). */
size_t lookalike_protected_count(const struct lookalike_ctx *ctx);

/* Checks the canonical host `host` (ASCII, lower case, punycode: url_canon's output) and fills
 * `*out`; views point into `arena` or into `host`. IP addresses are neither genuine nor
 * flagged. Returns HT_OK, HT_ETOOBIG for a host above LOOKALIKE_HOST_BYTES_MAX, HT_EINVAL for
 * a punycode label that does not decode, HT_ENOMEM when the arena refuses. */
int lookalike_check(const struct lookalike_ctx *ctx, struct str host, struct arena *arena,
                    struct lookalike_result *out);

/* True when `text` (e.g. the userinfo of "http://taobao.com@evil.cn/") names a protected
 * brand: a protected domain or a brand name as a token. `*brand_domain` is set on true. */
bool lookalike_mentions_brand(const struct lookalike_ctx *ctx, struct str text, const char **brand_domain);

/* The ICANN registrable domain of the lower-case ASCII host `host` (NUL-terminated), as a view
 * into it; empty when the host is itself a public suffix. */
struct str lookalike_registrable_domain(const struct lookalike_ctx *ctx, const char *host, size_t host_len);

#endif
