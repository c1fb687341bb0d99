/*
 * guard_bench.c — the link guard benchmark driver (bench/guard.sh runs it; see
 * docs/BENCHMARKS.md, "Link guard").
 *
 *   guard_bench generate N        writes N synthetic phishing URLs, one a line, to stdout
 *   guard_bench memory FILE       loads FILE as a feed, builds the blocklist, prints build time,
 *                                 bytes per prefix, bytes per million prefixes and process RSS
 *   guard_bench verdicts FILE R   loads FILE, then for each sample URL runs R verdicts between
 *                                 callgrind client requests (zero, then dump labelled with the
 *                                 sample's name), so callgrind reports instructions per sample;
 *                                 then R rounds of the anchor (SHA-256 of the sample's Safe
 *                                 Browsing expressions alone) under "anchor_<name>"
 *   guard_bench batch N           writes N URLs of a typical batch to stdout: the samples below
 *                                 made distinct, a tenth of them blocklist hits
 *   guard_bench throughput FILE URLS SECONDS THREADS
 *                                 loads FILE as the feed and checks the URLs of the file URLS
 *                                 round and round on THREADS threads for SECONDS, each check
 *                                 with a fresh arena as the endpoint gives it; prints URLs a
 *                                 second: the in-process ceiling of the batch endpoint
 *
 * Under valgrind --tool=callgrind --instr-atstart=no the loading runs uninstrumented; only the
 * verdict loops are counted. Outside valgrind the client requests do nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_VALGRIND_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(label) ((void)(label))
#endif

#include "core/guard.h"
#include "core/status.h"

/* Largest feed file read: 1 GiB, far above the ~60 MB of a million generated URLs. */
#define BENCH_FEED_BYTES_MAX (1024L * 1024 * 1024)
/* Generated URLs: the benchmark's million, and a ceiling for the command line. */
#define BENCH_URLS_MAX 20000000L
/* Throughput runs: URLs read from the batch file, threads, seconds. */
#define BENCH_BATCH_URLS_MAX 1000
#define BENCH_THREADS_MAX    64
#define BENCH_SECONDS_MAX    600
/* Longest URL line read from the batch file (the guard's own limit, 8 KiB, plus room). */
#define BENCH_URL_BYTES_MAX 8200

static const char *const tlds[] = {"com", "cn", "top", "xyz", "net", "shop", "vip", "online", "com.cn", "cc"};
static const char *const words[] = {"pay",  "login",   "secure", "verify",  "shop",  "refund",
                                    "gift", "account", "wallet", "service", "bonus", "update",
                                    "mall", "cash",    "kefu",   "promo"};

/* The i-th generated URL: a mix of whole-site entries and single pages, like real feeds. */
static int generated_url(long i, char *out, size_t cap) {
  unsigned long h = (unsigned long)i * 2654435761u;
  const char *tld = tlds[h % 10], *w1 = words[(h >> 4) % 16], *w2 = words[(h >> 8) % 16];
  switch (i % 4) {
  case 0: return snprintf(out, cap, "http://%s-%s%ld.%s/", w1, w2, i, tld);
  case 1: return snprintf(out, cap, "https://www.%s%ld.%s/%s/index.php?id=%lu", w1, i, tld, w2, h % 100000);
  case 2: return snprintf(out, cap, "http://%ld.%s-%s.%s/%s/%s.html", i, w1, w2, tld, w2, w1);
  default: return snprintf(out, cap, "https://%s%ld.%s/%s", w2, i, tld, w1);
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = (size >= 0 && size <= BENCH_FEED_BYTES_MAX) ? malloc((size_t)size + 1) : NULL;
  *len = data ? fread(data, 1, (size_t)size, f) : 0;
  fclose(f);
  return data;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return kib;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct blocklist *load(const char *path, double *seconds) {
  size_t len;
  char *data = read_file(path, &len);
  if (!data) return NULL;
  double start = now_s();
  struct blocklist_builder *b;
  struct blocklist *list = NULL;
  struct feed_stats st;
  if (blocklist_builder_create(&b) == HT_OK &&
      blocklist_builder_add_feed(b, (struct str){data, len}, FEED_PLAIN, STR_LIT("generated"), &st) == HT_OK)
    blocklist_build(b, &list);
  else
    blocklist_builder_free(b);
  *seconds = now_s() - start;
  free(data);
  return list;
}

static int cmd_generate(long n) {
  char url[256];
  for (long i = 0; i < n; i++) {
    generated_url(i, url, sizeof url);
    puts(url);
  }
  return 0;
}

static int cmd_memory(const char *path) {
  long rss_before = rss_kib();
  double seconds;
  struct blocklist *list = load(path, &seconds);
  if (!list) return fprintf(stderr, "guard_bench: cannot load %s\n", path), 1;
  size_t count = blocklist_count(list), prefix_bytes = blocklist_prefix_bytes(list);
  printf("entries                 %zu\n", count);
  printf("build_seconds           %.2f\n", seconds);
  /* Bytes a prefix is also MB per million prefixes. */
  printf("prefix_bytes_per_prefix %.3f\n", (double)prefix_bytes / (double)count);
  printf("list_bytes_per_entry    %.2f\n", (double)blocklist_memory_bytes(list) / (double)count);
  printf("rss_growth_mib          %.1f\n", (double)(rss_kib() - rss_before) / 1024.0);
  blocklist_free(list);
  return 0;
}

struct sample {
  const char *name;
  const char *url; /* NULL: generated URL number 4321 (a blocklist hit) */
};

static const struct sample samples[] = {
    {"typical_shop_item", "https://item.taobao.com/item.htm?id=671234567890&spm=a1z10.1-c"},
    {"typical_landing", "https://shop.example.cn/p/7K3QX9"},
    {"typical_news", "https://news.sina.com.cn/c/2024-03-01/doc-imzabcde1234567.shtml"},
    {"typical_root", "https://www.example.com/"},
    {"typical_jd", "https://item.jd.com/100012043978.html"},
    {"typical_query", "http://search.example.org/s?q=rice+cooker&page=2"},
    {"lookalike_lure", "http://taobao-secure-login.top/member/login.jhtml?redirect=1"},
    {"lookalike_typo", "https://taobaoo.com/item.htm?id=1"},
    {"lookalike_idn", "http://t\xD0\xB0obao.com/"},
    {"blocklist_hit", NULL},
    {"long_hosts_paths", "http://a.b.c.d.e.f.g.example.com/1/2/3/4/5/6/7/8.html?x=1&y=2"},
    {"long_escaped", "http://www.example.com/%7Euser/%2E%2E/a%20b/c//d/./e/f.html?q=%25%32%35#frag"},
};

/* The anchor: what any Safe Browsing client must spend on the same URL, the SHA-256 of each of
 * its expressions through OpenSSL (expressions prepared outside the measurement). */
static void measure_anchor(const char *name, struct str url, long repeats) {
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct url_canon u;
  enum url_canon_error error;
  struct sb_expr_list exprs = {0};
  if (url_canon(url, &arena, &u, &error) == HT_OK) sb_expr_generate(&u, &exprs);
  uint8_t hash[SB_HASH_BYTES];
  char label[64];
  snprintf(label, sizeof label, "anchor_%s", name);
  CALLGRIND_ZERO_STATS;
  for (long i = 0; i < repeats; i++)
    for (size_t k = 0; k < exprs.count; k++) sb_expr_hash(&exprs.items[k], hash);
  CALLGRIND_DUMP_STATS_AT(label);
  printf("%s %ld %zu\n", label, repeats, exprs.count);
  arena_free_all(&arena);
}

static int cmd_verdicts(const char *path, long repeats) {
  double seconds;
  struct blocklist *list = load(path, &seconds);
  struct lookalike_ctx *look = NULL;
  size_t bad;
  if (!list || lookalike_ctx_create(NULL, NULL, 0, &look, &bad) != HT_OK) return 1;
  struct guard_ctx ctx = {list, look, STR_LIT("")};
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  char hit[256];
  generated_url(4321, hit, sizeof hit);
  CALLGRIND_START_INSTRUMENTATION;
  for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
    struct str url = str_from_cstr(samples[s].url ? samples[s].url : hit);
    /* One untimed warm-up call: lazy binding and first-touch costs are not per-verdict. */
    guard_check(&ctx, url, NULL, &arena, &r);
    arena_free_all(&arena);
    CALLGRIND_ZERO_STATS;
    for (long i = 0; i < repeats; i++) {
      guard_check(&ctx, url, NULL, &arena, &r);
      arena_free_all(&arena);
    }
    CALLGRIND_DUMP_STATS_AT(samples[s].name);
    printf("%s %ld %s\n", samples[s].name, repeats, guard_verdict_name(r.verdict));
    measure_anchor(samples[s].name, url, repeats);
  }
  lookalike_ctx_free(look);
  blocklist_free(list);
  return 0;
}

/* A typical batch: the typical, look-alike and long samples made distinct by a query, and
 * every tenth URL a blocklist hit (generated URL number 7919 * i). */
static int cmd_batch(long n) {
  char url[BENCH_URL_BYTES_MAX];
  for (long i = 0; i < n; i++) {
    const struct sample *s = &samples[(size_t)i % (sizeof samples / sizeof samples[0])];
    if (i % 10 == 9 || !s->url)
      generated_url((i * 7919) % 1000000, url, sizeof url);
    else /* the query goes before any fragment, which would swallow it */
      snprintf(url, sizeof url, "%.*s%sn=%ld", (int)strcspn(s->url, "#"), s->url,
               strchr(s->url, '?') ? "&" : "?", i);
    puts(url);
  }
  return 0;
}

struct throughput {
  struct guard_ctx ctx;
  struct str *urls;
  size_t count;
  double until_s;
  _Atomic long done;
};

static void *throughput_thread(void *arg) {
  struct throughput *t = arg;
  struct arena arena;
  struct guard_result r;
  long done = 0;
  for (size_t i = 0; now_s() < t->until_s; i++) {
    arena_init(&arena, GUARD_ARENA_BYTES); /* a fresh arena per check, as api/guard.c has */
    guard_check(&t->ctx, t->urls[i % t->count], NULL, &arena, &r);
    arena_free_all(&arena);
    done++;
  }
  atomic_fetch_add(&t->done, done);
  return NULL;
}

static size_t read_lines(const char *path, char **owned, struct str *out, size_t max) {
  FILE *f = fopen(path, "r");
  char line[BENCH_URL_BYTES_MAX];
  size_t n = 0;
  while (f && n < max && fgets(line, sizeof line, f)) {
    size_t len = strcspn(line, "\r\n");
    if (len == 0) continue;
    char *copy = malloc(len + 1);
    if (!copy) break;
    memcpy(copy, line, len);
    copy[len] = '\0';
    owned[n] = copy;
    out[n++] = (struct str){copy, len};
  }
  if (f) fclose(f);
  return n;
}

static int cmd_throughput(const char *feed, const char *batch, long seconds, long threads) {
  if (seconds < 1 || seconds > BENCH_SECONDS_MAX || threads < 1 || threads > BENCH_THREADS_MAX) return 2;
  double build_s;
  struct blocklist *list = load(feed, &build_s);
  struct lookalike_ctx *look = NULL;
  size_t bad;
  static struct str urls[BENCH_BATCH_URLS_MAX];
  static char *owned[BENCH_BATCH_URLS_MAX];
  struct throughput t = {.urls = urls, .count = read_lines(batch, owned, urls, BENCH_BATCH_URLS_MAX)};
  if (!list || t.count == 0 || lookalike_ctx_create(NULL, NULL, 0, &look, &bad) != HT_OK) return 1;
  t.ctx = (struct guard_ctx){list, look, STR_LIT("")};
  pthread_t ids[BENCH_THREADS_MAX];
  double started = now_s();
  t.until_s = started + (double)seconds;
  for (long i = 0; i < threads; i++) pthread_create(&ids[i], NULL, throughput_thread, &t);
  for (long i = 0; i < threads; i++) pthread_join(ids[i], NULL);
  double elapsed = now_s() - started;
  printf("urls_per_second %.0f (%ld threads, %zu distinct URLs, %.1f s)\n",
         (double)atomic_load(&t.done) / elapsed, threads, t.count, elapsed);
  for (size_t i = 0; i < t.count; i++) free(owned[i]);
  lookalike_ctx_free(look);
  blocklist_free(list);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "generate") == 0) {
    long n = strtol(argv[2], NULL, 10);
    return (n > 0 && n <= BENCH_URLS_MAX) ? cmd_generate(n) : 2;
  }
  if (argc == 3 && strcmp(argv[1], "memory") == 0) return cmd_memory(argv[2]);
  if (argc == 4 && strcmp(argv[1], "verdicts") == 0) return cmd_verdicts(argv[2], strtol(argv[3], NULL, 10));
  if (argc == 3 && strcmp(argv[1], "batch") == 0) {
    long n = strtol(argv[2], NULL, 10);
    return (n > 0 && n <= BENCH_BATCH_URLS_MAX) ? cmd_batch(n) : 2;
  }
  if (argc == 6 && strcmp(argv[1], "throughput") == 0)
    return cmd_throughput(argv[2], argv[3], strtol(argv[4], NULL, 10), strtol(argv[5], NULL, 10));
  fprintf(stderr, "usage: guard_bench generate N | memory FILE | verdicts FILE REPEATS | batch N\n"
                  "       guard_bench throughput FEED_FILE URLS_FILE SECONDS THREADS\n");
  return 2;
}
