/* serve.c — `hutong serve`: configuration, the database pool, the HTTP server, and a
 * graceful stop on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the
 * store). Signals are blocked in every thread and taken synchronously by the main thread. */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/status.h"
#include "http/limits.h"
#include "http/server.h"
#include "jobs/click_queue.h"
#include "jobs/guard_state.h"
#include "jobs/scheduler.h"
#include "core/crypto.h"
#include "store/merchants.h"
#include "pay/agreements.h"
#include "pay/sandbox.h"
#include "platform/clock.h"
#include "platform/log.h"
#include "routes.h"
#include "store/change_listener.h"
#include "store/jobs_lock.h"
#include "store/migrate.h"
#include "store/pool.h"
#include "web/pages.h"

/* Connections beyond the HTTP workers, for background jobs and admin work. */
#define POOL_EXTRA_CONNECTIONS 2
/* Most worker threads accepted from HUTONG_THREADS. */
#define SERVE_THREADS_MAX 256
#define LISTEN_DEFAULT    "127.0.0.1:8080"

static const char *const serve_options[] = {
    "listen", "db", "db-session", "public-url", "threads", "connections-max", "access-log", "help!", NULL};

static const char serve_help[] =
    "usage: hutong serve [--listen HOST:PORT] [--db URL] [--db-session URL] [--public-url URL]\n"
    "                    [--threads N] [--connections-max N] [--access-log -|off|PATH]\n"
    "\n"
    "Runs the HTTP server. Each option can also be set in the environment:\n"
    "  HUTONG_LISTEN           address to listen on (default " LISTEN_DEFAULT ")\n"
    "  HUTONG_DB               sqlite:PATH (default " CONFIG_DB_DEFAULT ") or postgres://...\n"
    "  HUTONG_DB_SESSION       PostgreSQL URL for the two session connections (jobs lock, change\n"
    "                          listener) when HUTONG_DB goes through pgbouncer in transaction\n"
    "                          mode (default: HUTONG_DB)\n"
    "  HUTONG_PUBLIC_URL       base URL printed in links and QR codes (default http://LISTEN)\n"
    "  HUTONG_SECRET           server secret (>= 32 bytes); when unset one is generated into\n"
    "                          HUTONG_SECRET_FILE (default " CONFIG_SECRET_FILE_DEFAULT ")\n"
    "  HUTONG_THREADS          HTTP worker threads (default: number of cores)\n"
    "  HUTONG_CONNECTIONS_MAX  concurrent connections (default 1024)\n"
    "  HUTONG_ACCESS_LOG       access log: - (stdout, default), off, or a file path\n"
    "  HUTONG_TRUSTED_PROXIES  addresses of the load balancers in front, comma-separated: their\n"
    "                          X-Forwarded-For names the client (rate limits, logs)\n"
    "  HUTONG_LONG_POLL_RECHECK_MS  how often a held long-poll looks again for changes made on\n"
    "                          another node (default 1000; 100..60000)\n"
    "  HUTONG_FEE_BPS          platform fee in basis points taken at release (default 0)\n"
    "  HUTONG_UNPAID_CLOSE_MINUTES         unpaid orders close after (default 15)\n"
    "  HUTONG_AUTO_CONFIRM_HOURS_PHYSICAL  auto-confirm after shipping (default 240)\n"
    "  HUTONG_AUTO_CONFIRM_HOURS_VIRTUAL   ... for virtual goods (default 72)\n"
    "  HUTONG_AUTO_CONFIRM_HOURS_AUTO      ... for auto-delivered goods (default 24)\n"
    "  HUTONG_TOKEN_TTL_DAYS   default lifetime of share tokens (default 30)\n"
    "  HUTONG_NOTIFY_BASE_URL  base URL wallets notify (default: the public URL)\n"
    "  HUTONG_GUARD_FEEDS_DIR  link-guard feed files (default var/feeds; reloaded on change or SIGHUP)\n"
    "  HUTONG_GUARD_DOMAINS    extra protected domains for lookalike checks, comma-separated\n"
    "  HUTONG_PASSWORD_FREE_PER_PAYMENT_MINOR  largest per-payment cap of a password-free\n"
    "                          agreement, in fen (default 20000: ¥200)\n"
    "  HUTONG_PASSWORD_FREE_DAILY_MINOR  largest daily cap of one (default 100000: ¥1,000)\n"
    "  HUTONG_PAY_CODE_DAILY_CAP_MINOR   what one buyer may pay a shop per day through its\n"
    "                          static pay code, in fen (default 50000: ¥500)\n"
    "Migrations are applied on start. SIGTERM or SIGINT stop the server gracefully.\n";

struct serve_config {
  char host[64];
  uint16_t port;
  const char *db_url;
  const char *session_url; /* for session-level features: advisory lock, LISTEN */
  char public_url[APP_PUBLIC_URL_BYTES];
  unsigned threads;
  unsigned connections_max;
  const char *access_log;
  unsigned long_poll_recheck_ms;
};

static const char *setting(int argc, char **argv, const char *option, const char *env, const char *fallback) {
  const char *v = option_value(argc, argv, option);
  if (!v) v = getenv(env);
  return v && *v ? v : fallback;
}

static bool parse_listen(const char *text, struct serve_config *c) {
  const char *colon = strrchr(text, ':');
  if (!colon) return false;
  const char *host = text;
  size_t host_len = (size_t)(colon - text);
  if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') host++, host_len -= 2;
  if (host_len == 0) host = "0.0.0.0", host_len = 7;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535 || host_len >= sizeof c->host) return false;
  memcpy(c->host, host, host_len);
  c->host[host_len] = '\0';
  c->port = (uint16_t)port;
  return true;
}

static bool parse_unsigned(const char *text, unsigned min, unsigned max, unsigned *out) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*end || v < (long)min || v > (long)max) return false;
  *out = (unsigned)v;
  return true;
}

static bool load_config(int argc, char **argv, struct serve_config *c) {
  memset(c, 0, sizeof *c);
  const char *listen = setting(argc, argv, "listen", "HUTONG_LISTEN", LISTEN_DEFAULT);
  if (!parse_listen(listen, c))
    return fprintf(stderr, "hutong serve: bad listen address '%s'\n", listen), false;
  c->db_url = config_db_url(argc, argv);
  c->session_url = setting(argc, argv, "db-session", "HUTONG_DB_SESSION", c->db_url);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  char cores_text[24];
  snprintf(cores_text, sizeof cores_text, "%ld", cores > 0 ? cores : 1);
  const char *threads = setting(argc, argv, "threads", "HUTONG_THREADS", cores_text);
  if (!parse_unsigned(threads, 1, SERVE_THREADS_MAX, &c->threads))
    return fprintf(stderr, "hutong serve: threads must be 1..%d\n", SERVE_THREADS_MAX), false;
  const char *conns = setting(argc, argv, "connections-max", "HUTONG_CONNECTIONS_MAX", "1024");
  if (!parse_unsigned(conns, 1, 1000000, &c->connections_max))
    return fprintf(stderr, "hutong serve: HUTONG_CONNECTIONS_MAX must be a positive number\n"), false;
  const char *public_url = setting(argc, argv, "public-url", "HUTONG_PUBLIC_URL", NULL);
  const char *shown_host =
      strcmp(c->host, "0.0.0.0") == 0 || strcmp(c->host, "::") == 0 ? "127.0.0.1" : c->host;
  int n = public_url ? snprintf(c->public_url, sizeof c->public_url, "%s", public_url)
                     : snprintf(c->public_url, sizeof c->public_url, "http://%s:%u", shown_host, c->port);
  if (n <= 0 || (size_t)n >= sizeof c->public_url)
    return fprintf(stderr, "hutong serve: public URL too long\n"), false;
  size_t len = strlen(c->public_url);
  while (len > 0 && c->public_url[len - 1] == '/') c->public_url[--len] = '\0';
  c->access_log = setting(argc, argv, "access-log", "HUTONG_ACCESS_LOG", "-");
  const char *recheck = getenv("HUTONG_LONG_POLL_RECHECK_MS");
  if (recheck && *recheck &&
      !parse_unsigned(recheck, HTTP_WAIT_RECHECK_MS_MIN, HTTP_WAIT_RECHECK_MS_MAX, &c->long_poll_recheck_ms))
    return fprintf(stderr, "hutong serve: HUTONG_LONG_POLL_RECHECK_MS must be %d..%d\n",
                   HTTP_WAIT_RECHECK_MS_MIN, HTTP_WAIT_RECHECK_MS_MAX),
           false;
  return true;
}

/* Reads a whole-number setting within [min, max]; false (after a message) when malformed. */
static bool env_integer(const char *name, long long min, long long max, long long *out) {
  const char *text = getenv(name);
  if (!text || !*text) return true;
  long long v;
  if (str_to_i64(str_from_cstr(text), &v) != HT_OK || v < min || v > max) {
    fprintf(stderr, "hutong serve: %s must be a whole number between %lld and %lld\n", name, min, max);
    return false;
  }
  *out = v;
  return true;
}

/* The wallet limits: password-free caps and the static pay code's daily cap (pay/agreements.h). */
static bool configure_wallets(struct app *app) {
  long long per_payment = PASSWORD_FREE_PER_PAYMENT_MINOR_DEFAULT, daily = PASSWORD_FREE_DAILY_MINOR_DEFAULT,
            pay_code = PAY_CODE_DAILY_MINOR_DEFAULT;
  if (!env_integer("HUTONG_PASSWORD_FREE_PER_PAYMENT_MINOR", 1, AMOUNT_MINOR_MAX, &per_payment) ||
      !env_integer("HUTONG_PASSWORD_FREE_DAILY_MINOR", 1, AMOUNT_MINOR_MAX, &daily) ||
      !env_integer("HUTONG_PAY_CODE_DAILY_CAP_MINOR", 1, AMOUNT_MINOR_MAX, &pay_code))
    return false;
  app->wallets = (struct wallet_policy){per_payment, daily, pay_code};
  return true;
}

/* The money settings: escrow timers, the platform fee, the payout minimum, token lifetime,
 * where channels send notifications, and whether the test hooks exist. */
static bool configure_money(struct app *app) {
  escrow_policy_default(&app->escrow);
  payout_policy_default(&app->payouts);
  long long unpaid_min = app->escrow.unpaid_close_ms / 60000, fee_bps = app->escrow.fee_bps;
  long long physical_h = app->escrow.auto_confirm_ms[DELIVERY_PHYSICAL] / 3600000;
  long long virtual_h = app->escrow.auto_confirm_ms[DELIVERY_VIRTUAL] / 3600000;
  long long auto_h = app->escrow.auto_confirm_ms[DELIVERY_AUTO] / 3600000,
            token_days = APP_TOKEN_TTL_DAYS_DEFAULT;
  bool ok = env_integer("HUTONG_UNPAID_CLOSE_MINUTES", 1, 24 * 60, &unpaid_min) &&
            env_integer("HUTONG_FEE_BPS", 0, FEE_BPS_MAX, &fee_bps) &&
            env_integer("HUTONG_AUTO_CONFIRM_HOURS_PHYSICAL", 1, 90 * 24, &physical_h) &&
            env_integer("HUTONG_AUTO_CONFIRM_HOURS_VIRTUAL", 1, 90 * 24, &virtual_h) &&
            env_integer("HUTONG_AUTO_CONFIRM_HOURS_AUTO", 1, 90 * 24, &auto_h) &&
            env_integer("HUTONG_TOKEN_TTL_DAYS", 1, 366, &token_days);
  if (!ok) return false;
  app->escrow.unpaid_close_ms = unpaid_min * 60000;
  app->escrow.fee_bps = (uint32_t)fee_bps;
  app->escrow.auto_confirm_ms[DELIVERY_PHYSICAL] = physical_h * 3600000;
  app->escrow.auto_confirm_ms[DELIVERY_VIRTUAL] = virtual_h * 3600000;
  app->escrow.auto_confirm_ms[DELIVERY_AUTO] = auto_h * 3600000;
  app->token_ttl_ms = token_days * 24 * 3600 * 1000;
  const char *notify = getenv("HUTONG_NOTIFY_BASE_URL");
  snprintf(app->notify_base_url, sizeof app->notify_base_url, "%s",
           notify && *notify ? notify : app->public_url);
  const char *hooks = getenv("HUTONG_TEST_HOOKS");
  app->test_hooks = hooks && strcmp(hooks, "1") == 0;
  sandbox_init(app);
  if (!configure_wallets(app)) return false;
  return escrow_policy_check(&app->escrow) == HT_OK;
}

struct domain_list {
  struct arena *arena;
  struct str items[GUARD_EXTRA_DOMAINS_MAX];
  size_t count;
};

static void collect_domain(void *user, struct str domain) {
  struct domain_list *l = user;
  char *copy = arena_strdup_str(l->arena, domain);
  if (copy && l->count < GUARD_EXTRA_DOMAINS_MAX) l->items[l->count++] = (struct str){copy, domain.len};
}

/* Reads every verified merchant domain into `list`. */
static void read_merchant_domains(struct app *app, struct domain_list *list) {
  struct db *db;
  list->count = 0;
  if (db_pool_acquire(app->pool, &db) != HT_OK) return;
  store_merchant_domains(db, collect_domain, list);
  db_pool_release(app->pool, db);
}

/* The link guard: feeds from HUTONG_GUARD_FEEDS_DIR (default var/feeds), protected domains
 * from HUTONG_GUARD_DOMAINS and every verified merchant domain. */
static bool start_guard(struct app *app) {
  crypto_hmac_sha256((struct str){app->secret, app->secret_len}, STR_LIT("hutong-link-sign"), app->link_key);
  const char *dir = getenv("HUTONG_GUARD_FEEDS_DIR");
  struct guard_config config = {.feeds_dir = dir && *dir ? dir : "var/feeds",
                                .extra_domains = getenv("HUTONG_GUARD_DOMAINS"),
                                .link_key = app->link_key};
  struct arena arena;
  arena_init(&arena, 4 * 1024 * 1024);
  static struct domain_list list;
  list.arena = &arena;
  read_merchant_domains(app, &list);
  char error[256];
  int rc = guard_state_create(&config, list.items, list.count, &app->guard, error);
  arena_free_all(&arena);
  if (rc != HT_OK) log_event(LOG_ERROR, NULL, "link guard: %s", error);
  return rc == HT_OK;
}

/* SIGHUP: re-read merchant domains and the feeds, swap atomically. */
static void reload_guard(struct app *app) {
  struct arena arena;
  arena_init(&arena, 4 * 1024 * 1024);
  static struct domain_list list;
  list.arena = &arena;
  read_merchant_domains(app, &list);
  guard_set_merchant_domains(app->guard, list.items, list.count);
  arena_free_all(&arena);
  char error[256];
  guard_reload(app->guard, error);
}

static int wait_for_stop_signal(struct app *app) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log_event(LOG_INFO, NULL, "SIGHUP: reloading the link guard's feeds and protected domains");
      reload_guard(app);
      continue;
    }
    return sig;
  }
}

static bool migrate_pool(struct db_pool *pool) {
  struct db *db;
  if (db_pool_acquire(pool, &db) != HT_OK) return false;
  int applied = 0, version = 0;
  int rc = store_migrate(db, clock_now_ms(), &applied, &version);
  if (rc != HT_OK)
    log_event(LOG_ERROR, NULL, "migration failed: %s", db_error(db));
  else if (applied)
    log_event(LOG_INFO, NULL, "applied %d migrations; schema version %d", applied, version);
  db_pool_release(pool, db);
  return rc == HT_OK;
}

/* What needs a real database session, not a pooled connection: the jobs lock and the change
 * listener (docs/SCALING.md). */
static bool open_session_work(const struct serve_config *c, struct app *app,
                              struct change_listener **listener) {
  char error[DB_ERROR_BYTES];
  if (jobs_lock_open(c->session_url, &app->jobs_lock, error) != HT_OK) {
    log_event(LOG_ERROR, NULL, "cannot open the jobs lock's session: %s", error);
    return false;
  }
  if (change_listener_start(c->session_url, listener) != HT_OK) {
    log_event(LOG_ERROR, NULL, "cannot start the change listener");
    return false;
  }
  return true;
}

static int run_server(const struct serve_config *c, struct app *app) {
  struct http_server_config hc = {.host = c->host,
                                  .port = c->port,
                                  .threads = c->threads,
                                  .connections_max = c->connections_max,
                                  .routes = hutong_routes,
                                  .route_count = hutong_route_count,
                                  .pool = app->pool,
                                  .app = app,
                                  .not_found_html = web_not_found,
                                  .trusted_proxies = getenv("HUTONG_TRUSTED_PROXIES"),
                                  .wait_recheck_ms = c->long_poll_recheck_ms};
  struct http_server *server = NULL;
  if (http_server_start(&hc, &server) != HT_OK) {
    log_event(LOG_ERROR, NULL, "cannot listen on %s:%u", c->host, c->port);
    return 1;
  }
  log_event(LOG_INFO, NULL, "listening on %s:%u with %u threads; public URL %s", c->host,
            http_server_port(server), c->threads, app->public_url);
  int sig = wait_for_stop_signal(app);
  log_event(LOG_INFO, NULL, "signal %d: stopping (finishing in-flight requests)", sig);
  http_server_stop(server);
  return 0;
}

int cli_serve(int argc, char **argv) {
  if (option_flag(argc, argv, "help")) return fputs(serve_help, stdout), 0;
  if (!options_check(argc, argv, serve_options, 0)) return 2;
  struct serve_config c;
  if (!load_config(argc, argv, &c)) return 2;
  if (log_open_access(c.access_log) != 0) return fprintf(stderr, "hutong serve: cannot open access log\n"), 1;
  static struct app app;
  snprintf(app.public_url, sizeof app.public_url, "%s", c.public_url);
  app.secret_len = config_load_secret(app.secret, sizeof app.secret);
  if (app.secret_len == 0) return 1;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread started below */
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: channels call wallets with libcurl */
  char error[DB_ERROR_BYTES];
  if (db_pool_open(c.db_url, c.threads + POOL_EXTRA_CONNECTIONS, &app.pool, error) != HT_OK)
    return log_event(LOG_ERROR, NULL, "cannot open database: %s", error), 1;
  int status = 1;
  struct scheduler *scheduler = NULL;
  struct change_listener *listener = NULL;
  if (configure_money(&app) && migrate_pool(app.pool) && open_session_work(&c, &app, &listener) &&
      start_guard(&app) && click_queue_start(app.pool, &app.clicks) == HT_OK &&
      scheduler_start(&app, &scheduler) == HT_OK) {
    web_init(); /* its caches subscribe to changes (platform/changes.h) */
    status = run_server(&c, &app);
    scheduler_stop(scheduler);    /* after the server: no request can start new work */
    click_queue_stop(app.clicks); /* every recorded open is written */
    change_listener_stop(listener);
    listener = NULL;
    web_shutdown();
  }
  change_listener_stop(listener);
  jobs_lock_close(app.jobs_lock);
  guard_state_free(app.guard);
  db_pool_close(app.pool);
  curl_global_cleanup();
  log_event(LOG_INFO, NULL, "stopped");
  return status;
}
