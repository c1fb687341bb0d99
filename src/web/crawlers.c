/* crawlers.c — robots.txt and sitemap.xml: crawlers are invited to the active product and
 * store pages and kept out of everything private (orders, hand-offs, the dashboard, the API). */
#include <stdio.h>

#include "app.h"
#include "core/status.h"
#include "platform/clock.h"
#include "store/products.h"
#include "web/html.h"
#include "web/pages.h"

/* The sitemap protocol allows 50,000 URLs per file (sitemaps.org). */
#define SITEMAP_URLS_MAX 50000
/* One <url> entry with a long public URL fits in this many bytes. */
#define SITEMAP_ENTRY_BYTES 512
/* Crawlers may cache robots.txt and the sitemap for an hour. */
#define CRAWLER_CACHE_CONTROL "public, max-age=3600"

void web_robots(struct request *req, struct response *res) {
  char text[1024];
  int n = snprintf(text, sizeof text,
                   "User-agent: *\nAllow: /P/\nAllow: /S/\nDisallow: /v1/\nDisallow: /H/\nDisallow: /O/\n"
                   "Disallow: /M/\nDisallow: /Q/\nDisallow: /R/\nDisallow: /t\nDisallow: /qr/\n\nSitemap: "
                   "%s/sitemap.xml\n",
                   req->app->public_url);
  response_header(req, res, "Cache-Control", CRAWLER_CACHE_CONTROL);
  response_body(req, res, 200, "text/plain; charset=utf-8", (struct str){text, (size_t)n});
}

struct sitemap_writer {
  struct request *req;
  struct buf *out;
  int rc;
};

static void sitemap_entry(void *user, struct str code, int64_t updated_at_ms) {
  struct sitemap_writer *w = user;
  char day[CLOCK_RFC3339_BYTES];
  clock_format_rfc3339(updated_at_ms, day);
  day[10] = '\0'; /* YYYY-MM-DD */
  if (w->rc == HT_OK)
    w->rc = buf_printf(w->out, "<url><loc>%s/P/%.*s</loc><lastmod>%s</lastmod></url>\n",
                       w->req->app->public_url, STR_FMT(code), day);
}

void web_sitemap(struct request *req, struct response *res) {
  struct db *db = request_db(req, res);
  if (!db) return;
  res->body.len = 0;
  struct sitemap_writer w = {.req = req, .out = &res->body, .rc = HT_OK};
  buf_append_cstr(&res->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
  int rc = store_product_sitemap(db, SITEMAP_URLS_MAX, sitemap_entry, &w);
  if (rc == HT_OK) rc = w.rc;
  if (rc == HT_OK) rc = buf_append_cstr(&res->body, "</urlset>\n");
  if (rc != HT_OK) return response_status_error(req, res, rc, "sitemap");
  res->status = 200;
  res->content_type = "application/xml; charset=utf-8";
  response_header(req, res, "Cache-Control", CRAWLER_CACHE_CONTROL);
}
