/*
 * guard.c — the link guard's verdict (see guard.h for what maps to what). The checks run in
 * order of cost: input validation, canonicalization, the signature, the blocklist (hashes of
 * up to 30 expressions), then the lookalike checker on the host. Every reason found is kept so
 * that the warning page can show them all.
 */
#include "core/guard.h"

#include "core/link_sign.h"
#include "core/sb_expr.h"
#include "core/status.h"
#include "core/url_canon.h"
#include "core/utf8.h"

static void add_reason(struct guard_result *r, const char *code, const char *detail,
                       enum guard_verdict severity) {
  if (r->reason_count == GUARD_REASONS_MAX) return;
  size_t at = r->reason_count++;
  while (at > 0 && r->reasons[at - 1].severity < severity) { /* most severe first */
    r->reasons[at] = r->reasons[at - 1];
    at--;
  }
  r->reasons[at] = (struct guard_reason){code, detail ? detail : "", severity};
  if (severity > r->verdict) r->verdict = severity;
}

static int reject(struct guard_result *r, const char *code, int status) {
  r->error = code;
  return status;
}

/* Input that is not text: NUL and C0 controls other than the tab, CR and LF the spec strips,
 * and DEL. */
static bool is_binary(struct str s) {
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.data[i];
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F) return true;
  }
  return false;
}

static int validate_and_canon(struct str url, struct arena *arena, struct url_canon *u,
                              struct guard_result *r) {
  if (str_trim(url).len == 0) return reject(r, "url_empty", HT_EINVAL);
  if (url.len > URL_CANON_INPUT_BYTES_MAX) return reject(r, "url_too_long", HT_ETOOBIG);
  if (is_binary(url)) return reject(r, "url_binary", HT_EINVAL);
  if (!utf8_valid(url)) return reject(r, "url_invalid_utf8", HT_EINVAL);
  enum url_canon_error error;
  int rc = url_canon(url, arena, u, &error);
  if (rc == HT_ENOMEM) return rc;
  bool web = str_eq_nocase(u->scheme, STR_LIT("http")) || str_eq_nocase(u->scheme, STR_LIT("https"));
  if (u->scheme.len > 0 && !web)
    return reject(r, "url_unsupported_scheme", HT_EINVAL); /* ftp:, file:, data: */
  if (rc != HT_OK) return reject(r, url_canon_error_name(error), rc);
  if (u->flags & URL_CANON_HOST_FORBIDDEN) return reject(r, "url_invalid_host", HT_EINVAL);
  if (u->host.len > LOOKALIKE_HOST_BYTES_MAX) return reject(r, "url_host_too_long", HT_ETOOBIG);
  return HT_OK;
}

static void check_signature(const struct guard_ctx *ctx, struct str url, const struct str *signature,
                            struct guard_result *r) {
  if (!signature || ctx->link_key.len == 0) return;
  if (link_verify(ctx->link_key, url, *signature) == HT_OK)
    add_reason(r, "signed_link", "The link carries a valid hutong signature.", GUARD_ALLOW);
  else
    add_reason(r, "signature_invalid", "The link's signature does not match: it was forged or altered.",
               GUARD_BLOCK);
}

static void check_blocklist(const struct guard_ctx *ctx, const struct url_canon *u, struct arena *arena,
                            struct guard_result *r) {
  if (!ctx->blocklist) return;
  struct sb_expr_list exprs;
  sb_expr_generate(u, &exprs);
  struct blocklist_match m;
  if (!blocklist_lookup(ctx->blocklist, &exprs, &m)) return;
  const struct sb_expr *e = &exprs.items[m.expr_index];
  add_reason(r, "blocklisted",
             arena_printf(arena, "%.*s%.*s is listed by %s as phishing or malware.", STR_FMT(e->host),
                          STR_FMT(e->path), m.source_name),
             GUARD_BLOCK);
}

static int check_lookalike(const struct guard_ctx *ctx, const struct url_canon *u, struct arena *arena,
                           struct guard_result *r) {
  r->registrable_domain = r->host_unicode = u->host;
  if (!ctx->lookalike) return HT_OK;
  struct lookalike_result lr;
  int rc = lookalike_check(ctx->lookalike, u->host, arena, &lr);
  if (rc == HT_EINVAL) return reject(r, "url_invalid_punycode", rc);
  if (rc != HT_OK) return rc;
  r->registrable_domain = lr.registrable;
  r->host_unicode = lr.host_unicode;
  for (size_t i = 0; i < lr.count; i++) {
    const struct lookalike_finding *f = &lr.findings[i];
    const char *detail =
        f->brand_domain[0]
            ? arena_printf(arena, "%.*s looks like %s but is not.", STR_FMT(lr.host_unicode), f->brand_domain)
            : arena_printf(arena, "%.*s mixes writing systems.", STR_FMT(lr.host_unicode));
    add_reason(r, f->code, detail, f->strong ? GUARD_BLOCK : GUARD_WARN);
  }
  return HT_OK;
}

static void check_host_form(const struct guard_ctx *ctx, const struct url_canon *u, struct arena *arena,
                            struct guard_result *r) {
  const char *brand = NULL;
  if ((u->flags & URL_CANON_HAD_USERINFO) && ctx->lookalike &&
      lookalike_mentions_brand(ctx->lookalike, u->userinfo, &brand))
    add_reason(r, "userinfo_brand",
               arena_printf(arena, "The text before '@' names %s, but the link opens %.*s.", brand,
                            STR_FMT(r->host_unicode)),
               GUARD_BLOCK);
  else if (u->flags & URL_CANON_HAD_USERINFO)
    add_reason(r, "userinfo",
               arena_printf(arena, "The link hides its host behind a user name; it opens %.*s.",
                            STR_FMT(r->host_unicode)),
               GUARD_WARN);
  if (u->flags & (URL_CANON_HOST_IPV4 | URL_CANON_HOST_IPV6))
    add_reason(r, "ip_host", arena_printf(arena, "The link opens a bare IP address, %.*s.", STR_FMT(u->host)),
               GUARD_WARN);
}

int guard_check(const struct guard_ctx *ctx, struct str url, const struct str *signature, struct arena *arena,
                struct guard_result *out) {
  memset(out, 0, sizeof *out);
  struct url_canon u;
  int rc = validate_and_canon(url, arena, &u, out);
  if (rc != HT_OK) return rc;
  out->canonical_url = u.url;
  rc = check_lookalike(ctx, &u, arena, out);
  if (rc != HT_OK) return rc;
  check_signature(ctx, url, signature, out);
  check_blocklist(ctx, &u, arena, out);
  check_host_form(ctx, &u, arena, out);
  return HT_OK;
}

int guard_batch_size_check(size_t count, const char **error) {
  *error = NULL;
  if (count == 0) return *error = "batch_empty", HT_EINVAL;
  if (count > GUARD_BATCH_URLS_MAX) return *error = "batch_too_large", HT_ETOOBIG;
  return HT_OK;
}

const char *guard_verdict_name(enum guard_verdict verdict) {
  switch (verdict) {
  case GUARD_ALLOW: return "allow";
  case GUARD_WARN: return "warn";
  case GUARD_BLOCK: return "block";
  }
  return "unknown";
}
