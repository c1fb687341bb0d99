/* guard.c — `hutong guard check URL...` and `hutong guard load FILE...`.
 *
 * check prints, per URL, the verdict and reasons the API would give (--json: the same JSON),
 * with the same feeds and protected domains: the configured ones and the verified merchant
 * domains of the database (HUTONG_DB / --db, when that database exists); load parses feed files (PhishTank
 * CSV/JSON, URLhaus CSV, one URL per line), reports what they hold, and installs them into the feeds
 * directory atomically (write, fsync, rename), where a running server picks them up within seconds (or at
 * once on SIGHUP). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/crypto.h"
#include "core/status.h"
#include "jobs/guard_state.h"
#include "store/merchants.h"

#define FEEDS_DIR_DEFAULT "var/feeds"
/* Arena of one URL's check: the guard's scratch plus its answer line (a URL of 8 KiB escaped
 * up to six times, its canonical form up to three times, doubled while the line grows). */
#define CHECK_ARENA_BYTES (GUARD_ARENA_BYTES + 512u * 1024u)
/* Arena for the merchant domains read from the database (GUARD_EXTRA_DOMAINS_MAX of them). */
#define DOMAINS_ARENA_BYTES (4u * 1024u * 1024u)

static const char guard_help[] =
    "usage: hutong guard check URL... [--json] [--feeds-dir DIR] [--domains a.com,b.com] [--db URL]\n"
    "       hutong guard load FILE... [--feeds-dir DIR]\n"
    "\n"
    "check: the link guard's verdict (allow, warn, block) and reasons for each URL, using the feeds\n"
    "in the feeds directory (HUTONG_GUARD_FEEDS_DIR, default " FEEDS_DIR_DEFAULT ") and the protected\n"
    "domains (built-in brands, HUTONG_GUARD_DOMAINS / --domains, and the verified merchant domains\n"
    "of the database, HUTONG_DB / --db, when it exists). Exit 0 when every URL is allowed, 1 when\n"
    "any is warned about or blocked, 2 on bad input.\n"
    "load: checks feed files and installs them into the feeds directory; a running server reloads\n"
    "them by itself within seconds, or at once on SIGHUP.\n";

static const char *feeds_dir(int argc, char **argv) {
  const char *dir = option_value(argc, argv, "feeds-dir");
  if (!dir) dir = getenv("HUTONG_GUARD_FEEDS_DIR");
  return dir && *dir ? dir : FEEDS_DIR_DEFAULT;
}

struct domain_list {
  struct arena *arena;
  struct str *items;
  size_t count;
};

static void collect_domain(void *user, struct str domain) {
  struct domain_list *l = user;
  char *copy = l->count < GUARD_EXTRA_DOMAINS_MAX ? arena_strdup_str(l->arena, domain) : NULL;
  if (copy) l->items[l->count++] = (struct str){copy, domain.len};
}

/* The verified merchant domains, as the server protects them. A database that does not exist
 * (a SQLite file not created yet) is not created here; one that cannot be read is reported and
 * the check goes on without its domains. */
static void read_merchant_domains(int argc, char **argv, struct domain_list *list) {
  const char *url = config_db_url(argc, argv);
  struct stat st;
  if (strncmp(url, "sqlite:", 7) == 0 && stat(url + 7, &st) != 0) return;
  struct db *db = NULL;
  char error[DB_ERROR_BYTES];
  int rc = db_open(url, &db, error);
  if (rc == HT_OK) rc = store_merchant_domains(db, collect_domain, list);
  if (rc != HT_OK)
    fprintf(stderr, "hutong guard check: merchant domains not read (%s)\n", error[0] ? error : db_error(db));
  db_close(db);
}

static int guard_check_cli(int argc, char **argv, const char *const *allowed) {
  const char *domains = option_value(argc, argv, "domains");
  if (!domains) domains = getenv("HUTONG_GUARD_DOMAINS");
  unsigned char key[32] = {0}; /* signatures are not checked offline */
  struct guard_config config = {
      .feeds_dir = feeds_dir(argc, argv), .extra_domains = domains, .link_key = key};
  struct arena domains_arena;
  arena_init(&domains_arena, DOMAINS_ARENA_BYTES);
  struct domain_list merchants = {
      &domains_arena, arena_alloc(&domains_arena, GUARD_EXTRA_DOMAINS_MAX * sizeof(struct str)), 0};
  if (merchants.items) read_merchant_domains(argc, argv, &merchants);
  struct guard_state *state;
  char error[256];
  int created = guard_state_create(&config, merchants.items, merchants.count, &state, error);
  arena_free_all(&domains_arena);
  if (created != HT_OK) return fprintf(stderr, "hutong guard check: %s\n", error), 1;
  struct guard_snapshot *snap = guard_acquire(state);
  bool json = option_flag(argc, argv, "json");
  int worst = 0;
  for (int n = 1;; n++) {
    const char *url = option_positional(argc, argv, n, allowed);
    if (!url) break;
    struct arena arena;
    arena_init(&arena, CHECK_ARENA_BYTES);
    struct guard_result r;
    memset(&r, 0, sizeof r);
    int rc = guard_check(&snap->ctx, str_from_cstr(url), NULL, &arena, &r);
    struct buf line;
    buf_init(&line, &arena, API_GUARD_ANSWER_BYTES_MAX);
    if (json && api_guard_result_write(&line, str_from_cstr(url), rc, &r) == HT_OK) {
      puts(buf_view(&line).data);
    } else if (json) {
      printf("{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}\n");
    } else if (rc != HT_OK) {
      printf("error  %s  (%s)\n", url, r.error ? r.error : "url_invalid");
    } else {
      printf("%-6s %s", guard_verdict_name(r.verdict), url);
      for (size_t i = 0; i < r.reason_count; i++) printf("%s%s", i ? ", " : "  [", r.reasons[i].code);
      puts(r.reason_count ? "]" : "");
    }
    int level = rc != HT_OK ? 2 : r.verdict == GUARD_ALLOW ? 0 : 1;
    if (level > worst) worst = level;
    arena_free_all(&arena);
  }
  guard_release(snap);
  guard_state_free(state);
  return worst;
}

/* Copies `path` into `dir` under its base name: temporary file, fsync, rename. */
static int install(const char *path, const char *dir) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char target[2048], temporary[2100];
  snprintf(target, sizeof target, "%s/%s", dir, base);
  snprintf(temporary, sizeof temporary, "%s/.%s.tmp", dir, base);
  FILE *in = fopen(path, "rb");
  int fd = in ? open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
  int rc = in && fd >= 0 ? HT_OK : HT_EIO;
  char chunk[65536];
  size_t n;
  while (rc == HT_OK && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
    if (write(fd, chunk, n) != (ssize_t)n) rc = HT_EIO;
  if (rc == HT_OK && fsync(fd) != 0) rc = HT_EIO;
  if (fd >= 0) close(fd);
  if (in) fclose(in);
  if (rc == HT_OK && rename(temporary, target) != 0) rc = HT_EIO;
  if (rc != HT_OK) unlink(temporary);
  return rc;
}

static int guard_load_cli(int argc, char **argv, const char *const *allowed) {
  const char *dir = feeds_dir(argc, argv);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    return fprintf(stderr, "hutong guard load: cannot create %s\n", dir), 1;
  int status = 0;
  for (int n = 1;; n++) {
    const char *path = option_positional(argc, argv, n, allowed);
    if (!path) break;
    struct blocklist_builder *b;
    struct feed_stats stats = {0};
    struct blocklist *list = NULL;
    char error[256] = "";
    enum feed_format format = FEED_AUTO;
    int rc = blocklist_builder_create(&b);
    if (rc == HT_OK) rc = guard_load_feed_file(b, path, &stats, &format, error);
    if (rc == HT_OK)
      rc = blocklist_build(b, &list);
    else
      blocklist_builder_free(b);
    if (rc == HT_OK) rc = install(path, dir);
    if (rc == HT_OK)
      printf("%s: %s, %zu records, %zu URLs listed, %zu skipped (unverified or offline), %zu rejected "
             "(not URLs); installed into %s\n",
             path, feed_format_name(format), stats.records, blocklist_count(list), stats.skipped,
             stats.rejected, dir);
    else
      fprintf(stderr, "hutong guard load: %s\n", error[0] ? error : path), status = 1;
    blocklist_free(list);
  }
  return status;
}

int cli_guard(int argc, char **argv) {
  static const char *const allowed[] = {"json!", "feeds-dir", "domains", "db", "help!", NULL};
  const char *action = option_positional(argc, argv, 0, allowed);
  if (option_flag(argc, argv, "help") || !action)
    return fputs(guard_help, action ? stdout : stderr), action ? 0 : 2;
  if (!options_check(argc, argv, allowed, 1 + 1000)) return 2;
  if (!option_positional(argc, argv, 1, allowed)) return fputs(guard_help, stderr), 2;
  if (strcmp(action, "check") == 0) return guard_check_cli(argc, argv, allowed);
  if (strcmp(action, "load") == 0) return guard_load_cli(argc, argv, allowed);
  return fprintf(stderr, "hutong guard: unknown action '%s'\n%s", action, guard_help), 2;
}
