/*
 * sheet_bench — time and memory of a print sheet of many price tags.
 *
 * Streams `count` generated labels (mixed Chinese and English titles, distinct upper-case
 * links) through sheet_render() with the default layout (A4, 3 × 7) into a file, and reports
 * wall time on the monotonic clock, PDF bytes, pages, the number of progress callbacks and the
 * process's peak resident memory. Output: `key value` lines, read by bench/sheet.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/status.h"
#include "web/sheet.h"

#define LABEL_COUNT_MAX 1000000

static const char *const titles[] = {
    "云南普洱熟茶 357克 七子饼",
    "Hand-thrown celadon tea cup, 120 ml",
    "手工红糖 500g",
    "景德镇手绘青花瓷茶具套装 一壶四杯 礼盒装 送长辈 送客户 高档大气 限量版典藏款",
    "Organic Sichuan pepper (花椒) 100 g",
    "桂花乌龙",
};

struct source {
  size_t next, count;
  char link[64], price[32], token[32];
};

struct sink {
  FILE *f;
  size_t bytes;
};

static int next_label(void *ctx, struct sheet_label *label) {
  static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  struct source *s = ctx;
  if (s->next >= s->count) return 0;
  size_t i = s->next++, v = (i * 0x9E3779B1u + 12345u) & ((1u << 30) - 1); /* distinct codes */
  char code[7];
  for (int k = 5; k >= 0; k--, v >>= 5) code[k] = crockford[v & 31u];
  code[6] = '\0';
  snprintf(s->link, sizeof s->link, "HTTPS://SHOP.EXAMPLE/P/%s", code);
  snprintf(s->price, sizeof s->price, "¥%zu.%02zu", 1 + i % 997, i % 100);
  snprintf(s->token, sizeof s->token, "￥%sM￥", code);
  *label = (struct sheet_label){.title = str_from_cstr(titles[i % (sizeof titles / sizeof titles[0])]),
                                .price = str_from_cstr(s->price),
                                .token = str_from_cstr(s->token),
                                .link = str_from_cstr(s->link)};
  return 1;
}

static int write_pdf(void *ctx, const unsigned char *data, size_t len) {
  struct sink *s = ctx;
  if (fwrite(data, 1, len, s->f) != len) return HT_EIO;
  s->bytes += len;
  return HT_OK;
}

static void count_progress(void *ctx, size_t done, size_t total) {
  (void)done;
  (void)total;
  ++*(size_t *)ctx;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: sheet_bench COUNT OUT.pdf\n");
    return 2;
  }
  struct source source = {.count = strtoul(argv[1], NULL, 10)};
  if (source.count == 0 || source.count > LABEL_COUNT_MAX) return 2;
  struct sink sink = {.f = fopen(argv[2], "wb")};
  if (!sink.f) return 1;
  size_t progress_calls = 0;
  struct sheet_io io = {.next_label = next_label,
                        .next_ctx = &source,
                        .write = write_pdf,
                        .write_ctx = &sink,
                        .progress = count_progress,
                        .progress_ctx = &progress_calls,
                        .total_labels = source.count};
  struct sheet_options opts = sheet_options_default();
  struct sheet_stats stats;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = sheet_render(&opts, &io, &stats);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (fclose(sink.f) != 0 && rc == HT_OK) rc = HT_EIO;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("status %s\nlabels %zu\npages %zu\nprogress_calls %zu\n", ht_status_name(rc), stats.labels,
         stats.pages, progress_calls);
  printf("seconds %.2f\nms_per_label %.3f\npdf_bytes %zu\npeak_rss_kib %ld\n", seconds,
         seconds * 1e3 / (double)source.count, sink.bytes, ru.ru_maxrss);
  return rc == HT_OK ? 0 : 1;
}
