/* options.c — long-option parsing and shared configuration (see options.h). */
#include "cli/options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "core/status.h"
#include "platform/clock.h"
#include "platform/random.h"
#include "store/migrate.h"

/* Bytes of randomness in a generated secret (shown as twice as many hex digits). */
#define SECRET_RANDOM_BYTES 32

static bool is_flag_name(const char *const *allowed, const char *name, size_t len, bool *takes_value) {
  for (size_t i = 0; allowed && allowed[i]; i++) {
    size_t n = strlen(allowed[i]);
    bool flag = n > 0 && allowed[i][n - 1] == '!';
    if (flag) n--;
    if (n == len && strncmp(allowed[i], name, len) == 0) {
      *takes_value = !flag;
      return true;
    }
  }
  return false;
}

const char *option_value(int argc, char **argv, const char *name) {
  size_t len = strlen(name);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0) continue;
    if (a[2 + len] == '=') return a + 3 + len;
    if (a[2 + len] == '\0' && i + 1 < argc) return argv[i + 1];
  }
  return NULL;
}

bool option_flag(int argc, char **argv, const char *name) {
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0) return true;
  return false;
}

const char *option_positional(int argc, char **argv, int n, const char *const *allowed) {
  int seen = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0) {
      const char *name = argv[i] + 2;
      const char *eq = strchr(name, '=');
      bool takes_value = false;
      is_flag_name(allowed, name, eq ? (size_t)(eq - name) : strlen(name), &takes_value);
      if (takes_value && !eq) i++;
      continue;
    }
    if (seen++ == n) return argv[i];
  }
  return NULL;
}

bool options_check(int argc, char **argv, const char *const *allowed, int positional_max) {
  int positional = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) != 0) {
      if (++positional > positional_max) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", argv[0], argv[i]);
        return false;
      }
      continue;
    }
    const char *name = argv[i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    bool takes_value = false;
    if (!is_flag_name(allowed, name, len, &takes_value)) {
      fprintf(stderr, "%s: unknown option '--%.*s' (see --help)\n", argv[0], (int)len, name);
      return false;
    }
    if (takes_value && !eq && ++i >= argc) {
      fprintf(stderr, "%s: option '--%.*s' needs a value\n", argv[0], (int)len, name);
      return false;
    }
  }
  return true;
}

const char *config_db_url(int argc, char **argv) {
  const char *url = option_value(argc, argv, "db");
  if (!url) url = getenv("HUTONG_DB");
  if (!url || !*url) url = CONFIG_DB_DEFAULT;
  return url;
}

struct db *config_open_db(const char *url) {
  if (strlen(url) >= CONFIG_DB_URL_BYTES) {
    fprintf(stderr, "hutong: database URL longer than %d bytes\n", CONFIG_DB_URL_BYTES);
    return NULL;
  }
  struct db *db = NULL;
  char error[DB_ERROR_BYTES];
  if (db_open(url, &db, error) != HT_OK) {
    fprintf(stderr, "hutong: cannot open database: %s\n", error);
    return NULL;
  }
  int applied, version;
  if (store_migrate(db, clock_now_ms(), &applied, &version) != HT_OK) {
    fprintf(stderr, "hutong: migration failed: %s\n", db_error(db));
    db_close(db);
    return NULL;
  }
  return db;
}

bool config_app(int argc, char **argv, struct app *app) {
  memset(app, 0, sizeof *app);
  app->token_ttl_ms = (int64_t)APP_TOKEN_TTL_DAYS_DEFAULT * 24 * 3600 * 1000;
  const char *url = option_value(argc, argv, "public-url");
  if (!url) url = getenv("HUTONG_PUBLIC_URL");
  if (!url || !*url) url = CONFIG_PUBLIC_URL_DEFAULT;
  size_t len = strlen(url);
  while (len > 0 && url[len - 1] == '/') len--;
  size_t scheme_len = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
  if (scheme_len == 0 || len <= scheme_len || len >= sizeof app->public_url) {
    fprintf(stderr, "%s: public URL must be http(s)://HOST[:PORT] (at most %zu bytes)\n", argv[0],
            sizeof app->public_url - 1);
    return false;
  }
  memcpy(app->public_url, url, len);
  app->public_url[len] = '\0';
  return true;
}

size_t config_read_secret_file(const char *path, char *out, size_t out_size) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(out, 1, out_size - 1, f);
  fclose(f);
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ')) n--;
  out[n] = '\0';
  return n;
}

static size_t generate_secret_file(const char *path, char *out, size_t out_size) {
  char hex[2 * SECRET_RANDOM_BYTES + 1];
  random_hex(hex, SECRET_RANDOM_BYTES);
  const char *slash = strrchr(path, '/');
  if (slash && slash != path) {
    char dir[1024];
    size_t len = (size_t)(slash - path);
    if (len < sizeof dir) {
      memcpy(dir, path, len);
      dir[len] = '\0';
      mkdir(dir, 0700);
    }
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return errno == EEXIST ? config_read_secret_file(path, out, out_size) : 0;
  bool ok = write(fd, hex, strlen(hex)) == (ssize_t)strlen(hex) && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
  close(fd);
  if (!ok || strlen(hex) >= out_size) return 0;
  memcpy(out, hex, strlen(hex) + 1);
  return strlen(hex);
}

size_t config_load_secret(char *out, size_t out_size) {
  const char *env = getenv("HUTONG_SECRET");
  size_t len = 0;
  if (env && *env) {
    len = strlen(env);
    if (len >= out_size)
      len = 0;
    else
      memcpy(out, env, len + 1);
  } else {
    const char *path = getenv("HUTONG_SECRET_FILE");
    if (!path || !*path) path = CONFIG_SECRET_FILE_DEFAULT;
    len = config_read_secret_file(path, out, out_size);
    if (len == 0) len = generate_secret_file(path, out, out_size);
    if (len == 0) fprintf(stderr, "hutong: cannot read or create the secret file %s\n", path);
  }
  if (len > 0 && len < APP_SECRET_MIN_BYTES) {
    fprintf(stderr, "hutong: HUTONG_SECRET must be at least %d bytes\n", APP_SECRET_MIN_BYTES);
    return 0;
  }
  return len;
}
