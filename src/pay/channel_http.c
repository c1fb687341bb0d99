/* channel_http.c — outbound calls to wallets over libcurl (see channel_http.h). */
#include "pay/channel_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/status.h"

/* Wallets want a User-Agent (WeChat Pay v3: requests without one are refused). */
#ifndef HUTONG_VERSION
#define HUTONG_VERSION "dev"
#endif
#define CHANNEL_HTTP_USER_AGENT "hutong/" HUTONG_VERSION

struct sink {
  struct buf body;
  struct channel_http_response *res;
  struct arena *arena;
  bool too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *user) {
  struct sink *s = user;
  if (buf_append(&s->body, data, size * n) != HT_OK) {
    s->too_big = true;
    return 0; /* makes curl stop with CURLE_WRITE_ERROR */
  }
  return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *user) {
  struct sink *s = user;
  size_t len = size * n;
  struct str line = str_trim((struct str){data, len});
  if (str_has_prefix(line, STR_LIT("HTTP/"))) {
    s->res->header_count = 0; /* a new response (after 100 Continue): forget the previous headers */
    return len;
  }
  long colon = str_find(line, STR_LIT(":"), false);
  if (len > CHANNEL_HTTP_HEADER_BYTES_MAX || colon <= 0) return len;
  if (s->res->header_count >= CHANNEL_HTTP_HEADERS_MAX) return len;
  struct str name = str_trim((struct str){line.data, (size_t)colon});
  struct str value = str_trim((struct str){line.data + colon + 1, line.len - (size_t)colon - 1});
  char *n_copy = arena_strdup_str(s->arena, name), *v_copy = arena_strdup_str(s->arena, value);
  if (n_copy && v_copy)
    s->res->headers[s->res->header_count++] =
        (struct channel_http_header){{n_copy, name.len}, {v_copy, value.len}};
  return len;
}

static struct curl_slist *request_headers(const struct channel_http_request *req, char *scratch,
                                          size_t scratch_size) {
  struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
  /* No "Expect: 100-continue" round trip: the body is small and the timeout is tight. */
  h = curl_slist_append(h, "Expect:");
  if (req->content_type) {
    snprintf(scratch, scratch_size, "Content-Type: %s", req->content_type);
    h = curl_slist_append(h, scratch);
  }
  if (req->authorization) {
    snprintf(scratch, scratch_size, "Authorization: %s", req->authorization);
    h = curl_slist_append(h, scratch);
  }
  return h;
}

int channel_http_call(struct arena *arena, const struct channel_http_request *req,
                      struct channel_http_response *res) {
  memset(res, 0, sizeof *res);
  struct sink s = {.res = res, .arena = arena};
  buf_init(&s.body, arena, CHANNEL_HTTP_RESPONSE_BYTES_MAX);
  CURL *curl = curl_easy_init();
  if (!curl) {
    snprintf(res->error, sizeof res->error, "curl_easy_init failed");
    return HT_EIO;
  }
  char scratch[4096];
  struct curl_slist *headers = request_headers(req, scratch, sizeof scratch);
  long timeout = (long)req->timeout_ms;
  curl_easy_setopt(curl, CURLOPT_URL, req->url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, CHANNEL_HTTP_USER_AGENT);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   timeout < CHANNEL_HTTP_CONNECT_TIMEOUT_MS_MAX ? timeout
                                                                 : (long)CHANNEL_HTTP_CONNECT_TIMEOUT_MS_MAX);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &s);
  if (strcmp(req->method, "POST") == 0) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body.data ? req->body.data : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)req->body.len);
  }
  CURLcode code = curl_easy_perform(curl);
  int rc = HT_OK;
  if (code != CURLE_OK) {
    snprintf(res->error, sizeof res->error, "%s", s.too_big ? "answer too large" : curl_easy_strerror(code));
    rc = HT_EIO;
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
    res->body = buf_view(&s.body);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return rc;
}

struct str channel_http_header(const struct channel_http_response *res, const char *name) {
  struct str key = str_from_cstr(name);
  for (size_t i = 0; i < res->header_count; i++)
    if (str_eq_nocase(res->headers[i].name, key)) return res->headers[i].value;
  return (struct str){0};
}
