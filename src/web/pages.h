/*
 * pages.h — the public, server-rendered pages: product landing, store, scans, redirects,
 * hand-offs, token opening, QR images, robots.txt and sitemap.xml.
 *
 * Every code route is case-insensitive and forgiving (code_normalize: lower case, O→0,
 * I/L→1). Each open of a product, store or link is recorded as a click, asynchronously, with
 * its source (link, qr, token, handoff), the client class and OS, and the ?ch= channel.
 */
#ifndef HUTONG_WEB_PAGES_H
#define HUTONG_WEB_PAGES_H

#include "core/qr.h"
#include "http/request.h"

/* Prepares the web layer's shared state (asset versions, caches); call once before serving.
 * web_shutdown() frees it after the server has stopped. */
void web_init(void);
void web_shutdown(void);
void qr_images_init(void);
void qr_images_shutdown(void);

/* Appends the image of `code`'s scan link (urls.h URL_SCAN) drawn as `format` (SVG or PNG)
 * with `opts` to `out`, from this node's image cache when it holds it (the same images
 * GET /qr/ serves), else drawn and kept. `code` is a normalized public code; whether it exists
 * is the caller's business. HT_ERANGE when opts->size_px is too small for the symbol. */
int qr_image_append(struct request *req, const char *code, const struct qr_options *opts,
                    enum qr_format format, struct buf *out);

void web_home(struct request *req, struct response *res);
void web_product(struct request *req, struct response *res);
void web_scan(struct request *req, struct response *res);
void web_store(struct request *req, struct response *res);
void web_redirect(struct request *req, struct response *res);
void web_handoff(struct request *req, struct response *res);
void web_token_open(struct request *req, struct response *res);
void web_qr_svg(struct request *req, struct response *res);
void web_qr_png(struct request *req, struct response *res);
void web_robots(struct request *req, struct response *res);
void web_sitemap(struct request *req, struct response *res);
void web_go(struct request *req, struct response *res);
struct guard_result;
/* The warning (200) or block (403) page for `target` with the guard's reasons. */
void web_guard_page(struct request *req, struct response *res, struct str target,
                    const struct guard_result *r);
void web_wallet_page(struct request *req, struct response *res);
void web_wallet_decide(struct request *req, struct response *res);

/* The friendly HTML 404 for browsers (the server calls it for unknown paths). */
void web_not_found(struct request *req, struct response *res);

#endif
