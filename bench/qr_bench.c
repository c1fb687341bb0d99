/*
 * qr_bench — our whole QR-to-SVG path against the raw libqrencode encode it builds on.
 *
 * Generates `count` distinct upper-case product links (the shape the server emits), then
 * times, on the monotonic clock, (a) the raw libqrencode encode of each link and (b) our
 * whole qr_render_text(SVG) path — encode, path data, buffer — with a fresh arena per code
 * as a request would have. Rounds alternate between the two so that a noisy neighbour hurts
 * both alike; the best round of each is reported (the least disturbed one). Optionally
 * writes the links to a file so bench/qr_npm.js can time npm's `qrcode` on the same inputs.
 * Output: `key value` lines, read by bench/qr.sh.
 */
#include <inttypes.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/qr.h"
#include "core/status.h"

/* Links are "HTTPS://SHOP.EXAMPLE/P/" + a 6-symbol Crockford base32 code: 30 bytes. */
#define LINK_BYTES_MAX  64
#define LINK_COUNT_MAX  100000
#define ROUNDS_MAX      100
#define BENCH_ARENA_MAX (1u << 20) /* one request's arena; a version-40 SVG is ~200 KiB */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Distinct codes: i scaled by an odd multiplier is a bijection modulo 32^6. */
static void make_link(size_t i, char *out) {
  uint64_t v = ((uint64_t)i * 0x9E3779B1u + 12345u) & ((1u << 30) - 1);
  char code[7];
  for (int k = 5; k >= 0; k--) {
    code[k] = crockford[v & 31u];
    v >>= 5;
  }
  code[6] = '\0';
  snprintf(out, LINK_BYTES_MAX, "HTTPS://SHOP.EXAMPLE/P/%s", code);
}

static uint64_t time_raw(char (*links)[LINK_BYTES_MAX], size_t count, uint64_t *check) {
  uint64_t t0 = now_ns();
  for (size_t i = 0; i < count; i++) {
    QRcode *code = QRcode_encodeString(links[i], 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!code) exit(1);
    *check += (uint64_t)code->width;
    QRcode_free(code);
  }
  return now_ns() - t0;
}

static uint64_t time_svg(char (*links)[LINK_BYTES_MAX], size_t count, uint64_t *check) {
  struct qr_options opts = qr_options_default();
  struct arena arena;
  arena_init(&arena, BENCH_ARENA_MAX);
  uint64_t t0 = now_ns();
  for (size_t i = 0; i < count; i++) {
    struct buf out;
    buf_init(&out, &arena, BENCH_ARENA_MAX / 2);
    if (qr_render_text(str_from_cstr(links[i]), &opts, QR_FORMAT_SVG, &out) != HT_OK) exit(1);
    *check += out.len;
    arena_free_all(&arena);
  }
  return now_ns() - t0;
}

static int write_links(const char *path, char (*links)[LINK_BYTES_MAX], size_t count) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  for (size_t i = 0; i < count; i++) fprintf(f, "%s\n", links[i]);
  return fclose(f);
}

static size_t arg_size(const char *s, size_t max) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || v == 0 || v > max) {
    fprintf(stderr, "qr_bench: bad number %s (1..%zu)\n", s, max);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  size_t count = 1000, rounds = 7;
  const char *links_out = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--count"))
      count = arg_size(argv[i + 1], LINK_COUNT_MAX);
    else if (!strcmp(argv[i], "--rounds"))
      rounds = arg_size(argv[i + 1], ROUNDS_MAX);
    else if (!strcmp(argv[i], "--links-out"))
      links_out = argv[i + 1];
  }
  char(*links)[LINK_BYTES_MAX] = calloc(count, LINK_BYTES_MAX);
  if (!links) return 1;
  for (size_t i = 0; i < count; i++) make_link(i, links[i]);
  if (links_out && write_links(links_out, links, count) != 0) return 1;

  uint64_t check = 0, raw_best = UINT64_MAX, svg_best = UINT64_MAX;
  time_raw(links, count, &check); /* warm caches and libqrencode's tables */
  time_svg(links, count, &check);
  for (size_t r = 0; r < rounds; r++) {
    uint64_t raw = time_raw(links, count, &check), svg = time_svg(links, count, &check);
    if (raw < raw_best) raw_best = raw;
    if (svg < svg_best) svg_best = svg;
  }
  double raw_us = (double)raw_best / 1e3 / (double)count, svg_us = (double)svg_best / 1e3 / (double)count;
  printf("codes %zu\nrounds %zu\n", count, rounds);
  printf("raw_encode_us %.2f\nsvg_render_us %.2f\nratio %.3f\n", raw_us, svg_us, svg_us / raw_us);
  printf("checksum %" PRIu64 "\n", check);
  free(links);
  return 0;
}
