/* db_sqlite.c — the SQLite driver behind db.h.
 *
 * Each connection opens the file in WAL mode with synchronous=FULL: a commit returns only
 * after the WAL has been fsynced, which is what "durable before acknowledged" needs (see
 * docs/ARCHITECTURE.md, Durability). Prepared statements are cached per connection in a
 * small open-addressing table keyed by the address of their static `struct db_sql`.
 *
 * SQLite has one write lock per database, and a connection that finds it taken sleeps in its
 * busy handler with a growing back-off (1, 2, 5 ... 100 ms) instead of waiting in line: under
 * load one worker thread kept winning while another slept for hundreds of milliseconds (p99
 * 600 ms at p50 2 ms in bench/ledger.sh). The connections of one process to one file
 * therefore share a writer gate: a write transaction (BEGIN IMMEDIATE), or a write statement
 * outside one, first waits on a condition variable, and is woken the moment the previous
 * writer finishes. Other processes (the admin commands) still meet the busy handler. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/status.h"
#include "store/db_driver.h"

/* Distinct statements one connection may cache; the application has far fewer. Power of 2. */
#define SQLITE_STATEMENTS_MAX 512
/* How long a writer waits for the write lock before giving up with HT_EBUSY. */
#define SQLITE_BUSY_TIMEOUT_MS 5000
/* Longest SQL text accepted for translation ($N → ?N). */
#define SQLITE_SQL_BYTES_MAX 16384

/* What the connections of this process to one database file share: the writer gate. Found
 * by the file's real path in a small list, counted, freed with the last connection. */
struct sqlite_file {
  struct sqlite_file *next;
  char path[PATH_MAX];
  int connections;
  pthread_mutex_t lock;
  pthread_cond_t writer_done;
  bool writer_busy;
};

static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sqlite_file *files;

struct statement_slot {
  const struct db_sql *key;
  sqlite3_stmt *stmt;
};

struct sqlite_db {
  struct db base;
  sqlite3 *handle;
  struct sqlite_file *file;
  bool writing; /* this connection holds the file's writer gate */
  struct statement_slot slots[SQLITE_STATEMENTS_MAX];
};

static int map_error(struct db *db, int code, const char *what) {
  struct sqlite_db *s = (struct sqlite_db *)db;
  db_set_error(db, "%s: %s", what, sqlite3_errmsg(s->handle));
  switch (code & 0xff) {
  case SQLITE_CONSTRAINT: return HT_ECONFLICT;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return HT_EBUSY;
  default: return HT_EIO;
  }
}

static const char BEGIN_WRITE_SQL[] = "BEGIN IMMEDIATE";

/* Waits for the writer gate, at most SQLITE_BUSY_TIMEOUT_MS (as the busy handler would):
 * HT_EBUSY after that. */
static int writer_enter(struct sqlite_db *s) {
  struct sqlite_file *f = s->file;
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += SQLITE_BUSY_TIMEOUT_MS / 1000;
  deadline.tv_nsec += (long)(SQLITE_BUSY_TIMEOUT_MS % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
  int rc = 0;
  pthread_mutex_lock(&f->lock);
  while (f->writer_busy && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&f->writer_done, &f->lock, &deadline);
  bool entered = !f->writer_busy;
  if (entered) f->writer_busy = true;
  pthread_mutex_unlock(&f->lock);
  if (!entered) {
    db_set_error(&s->base, "sqlite: another writer held the database for %d ms", SQLITE_BUSY_TIMEOUT_MS);
    return HT_EBUSY;
  }
  s->writing = true;
  return HT_OK;
}

static void writer_leave(struct sqlite_db *s) {
  if (!s->writing) return;
  s->writing = false;
  pthread_mutex_lock(&s->file->lock);
  s->file->writer_busy = false;
  pthread_cond_signal(&s->file->writer_done);
  pthread_mutex_unlock(&s->file->lock);
}

static int sqlite_exec_simple(struct db *db, const char *sql) {
  struct sqlite_db *s = (struct sqlite_db *)db;
  if (sql == BEGIN_WRITE_SQL && !s->writing) {
    int gate = writer_enter(s);
    if (gate != HT_OK) return gate;
  }
  int rc = sqlite3_exec(s->handle, sql, NULL, NULL, NULL);
  /* A write transaction that ended (commit, rollback, or a failed begin) opens the gate. */
  if (s->writing && sqlite3_get_autocommit(s->handle)) writer_leave(s);
  return rc == SQLITE_OK ? HT_OK : map_error(db, rc, "exec");
}

static const char *sqlite_begin_sql(bool write) { return write ? BEGIN_WRITE_SQL : "BEGIN"; }

/* Row locks are implicit in SQLite: a write transaction (BEGIN IMMEDIATE) already holds the
 * database's single write lock, so a trailing PostgreSQL " FOR UPDATE" is simply dropped. */
static const char FOR_UPDATE_SUFFIX[] = " FOR UPDATE";

/* Rewrites portable SQL for SQLite: PostgreSQL placeholders ($1) become SQLite's numbered
 * form (?1) outside quotes, and a trailing FOR UPDATE is removed. */
static char *translate_sql(const char *text) {
  size_t len = strlen(text);
  if (len > SQLITE_SQL_BYTES_MAX) return NULL;
  size_t suffix = sizeof FOR_UPDATE_SUFFIX - 1;
  if (len >= suffix && strcmp(text + len - suffix, FOR_UPDATE_SUFFIX) == 0) len -= suffix;
  char *out = malloc(len + 1);
  if (!out) return NULL;
  bool in_quote = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (c == '\'') in_quote = !in_quote;
    out[i] = (!in_quote && c == '$' && text[i + 1] >= '1' && text[i + 1] <= '9') ? '?' : c;
  }
  out[len] = '\0';
  return out;
}

static sqlite3_stmt **statement_slot(struct sqlite_db *s, const struct db_sql *sql) {
  size_t mask = SQLITE_STATEMENTS_MAX - 1;
  size_t i = ((uintptr_t)sql >> 4) & mask;
  for (size_t probes = 0; probes < SQLITE_STATEMENTS_MAX; probes++, i = (i + 1) & mask) {
    if (s->slots[i].key == sql) return &s->slots[i].stmt;
    if (!s->slots[i].key) {
      s->slots[i].key = sql;
      return &s->slots[i].stmt;
    }
  }
  return NULL;
}

static int bind_args(struct db *db, sqlite3_stmt *stmt, const struct db_arg *args, size_t nargs) {
  for (size_t i = 0; i < nargs; i++) {
    int index = (int)i + 1, rc;
    switch (args[i].type) {
    case DB_ARG_NULL: rc = sqlite3_bind_null(stmt, index); break;
    case DB_ARG_I64: rc = sqlite3_bind_int64(stmt, index, args[i].i64); break;
    default: rc = sqlite3_bind_text(stmt, index, args[i].text.data, (int)args[i].text.len, SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return map_error(db, rc, "bind");
  }
  return HT_OK;
}

static int sqlite_query(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
                        struct db_rows *rows) {
  struct sqlite_db *s = (struct sqlite_db *)db;
  sqlite3_stmt **slot = statement_slot(s, sql);
  if (!slot) {
    db_set_error(db, "statement cache full");
    return HT_EIO;
  }
  if (!*slot) {
    char *text = translate_sql(sql->text);
    if (!text) {
      db_set_error(db, "%s: SQL too long or out of memory", sql->name);
      return HT_EIO;
    }
    int rc = sqlite3_prepare_v3(s->handle, text, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
    free(text);
    if (rc != SQLITE_OK) return map_error(db, rc, sql->name);
  }
  sqlite3_stmt *stmt = *slot;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  int rc = bind_args(db, stmt, args, nargs);
  if (rc != HT_OK) return rc;
  rows->driver_state = stmt;
  rows->columns = sqlite3_column_count(stmt);
  return HT_OK;
}

static int sqlite_next(struct db_rows *rows) {
  sqlite3_stmt *stmt = rows->driver_state;
  struct sqlite_db *s = (struct sqlite_db *)rows->db;
  /* A write outside a transaction takes the gate for its statement (released in rows_done). */
  if (!s->writing && sqlite3_get_autocommit(s->handle) && !sqlite3_stmt_readonly(stmt)) {
    int gate = writer_enter(s);
    if (gate != HT_OK) return gate;
  }
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    rows->row++;
    return 1;
  }
  if (rc == SQLITE_DONE) return 0;
  return map_error(rows->db, rc, sqlite3_sql(stmt));
}

static int64_t sqlite_col_i64(const struct db_rows *rows, int column) {
  return sqlite3_column_int64(rows->driver_state, column);
}

static struct str sqlite_col_text(const struct db_rows *rows, int column) {
  const unsigned char *text = sqlite3_column_text(rows->driver_state, column);
  int len = sqlite3_column_bytes(rows->driver_state, column);
  return (struct str){.data = text ? (const char *)text : "", .len = text ? (size_t)len : 0};
}

static bool sqlite_col_is_null(const struct db_rows *rows, int column) {
  return sqlite3_column_type(rows->driver_state, column) == SQLITE_NULL;
}

static int64_t sqlite_changes(struct db_rows *rows) {
  return sqlite3_changes64(((struct sqlite_db *)rows->db)->handle);
}

static void sqlite_rows_done(struct db_rows *rows) {
  sqlite3_reset(rows->driver_state);
  struct sqlite_db *s = (struct sqlite_db *)rows->db;
  if (s && s->writing && sqlite3_get_autocommit(s->handle)) writer_leave(s);
}

/* The shared state of the file at `path` (resolved), created on first use; NULL when out of
 * memory. */
static struct sqlite_file *file_acquire(const char *path) {
  char real[PATH_MAX];
  if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
  pthread_mutex_lock(&files_lock);
  struct sqlite_file *f = files;
  while (f && strcmp(f->path, real) != 0) f = f->next;
  if (!f && (f = calloc(1, sizeof *f)) != NULL) {
    snprintf(f->path, sizeof f->path, "%s", real);
    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->writer_done, &attr);
    pthread_condattr_destroy(&attr);
    f->next = files;
    files = f;
  }
  if (f) f->connections++;
  pthread_mutex_unlock(&files_lock);
  return f;
}

static void file_release(struct sqlite_file *f) {
  if (!f) return;
  pthread_mutex_lock(&files_lock);
  if (--f->connections == 0) {
    struct sqlite_file **p = &files;
    while (*p != f) p = &(*p)->next;
    *p = f->next;
    pthread_cond_destroy(&f->writer_done);
    pthread_mutex_destroy(&f->lock);
    free(f);
  }
  pthread_mutex_unlock(&files_lock);
}

static void sqlite_close(struct db *db) {
  struct sqlite_db *s = (struct sqlite_db *)db;
  for (size_t i = 0; i < SQLITE_STATEMENTS_MAX; i++)
    if (s->slots[i].stmt) sqlite3_finalize(s->slots[i].stmt);
  sqlite3_close(s->handle);
  writer_leave(s);
  file_release(s->file);
  free(s);
}

static const struct db_driver sqlite_driver = {
    .exec_simple = sqlite_exec_simple,
    .begin_sql = sqlite_begin_sql,
    .query = sqlite_query,
    .next = sqlite_next,
    .col_i64 = sqlite_col_i64,
    .col_text = sqlite_col_text,
    .col_is_null = sqlite_col_is_null,
    .changes = sqlite_changes,
    .rows_done = sqlite_rows_done,
    .close = sqlite_close,
};

/* Creates the directory that will hold the database file, one level (var/ in a checkout). */
static void make_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return;
  size_t len = (size_t)(slash - path);
  char dir[4096];
  if (len >= sizeof dir) return;
  memcpy(dir, path, len);
  dir[len] = '\0';
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return;
}

int db_sqlite_open(const char *path, struct db **out, char error[DB_ERROR_BYTES]) {
  struct sqlite_db *s = calloc(1, sizeof *s);
  if (!s) return HT_ENOMEM;
  s->base.driver = &sqlite_driver;
  s->base.engine = DB_ENGINE_SQLITE;
  make_parent_dir(path);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path, &s->handle, flags, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(s->handle, SQLITE_BUSY_TIMEOUT_MS);
    rc = sqlite3_exec(s->handle,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY;",
                      NULL, NULL, NULL);
  }
  if (rc == SQLITE_OK && !(s->file = file_acquire(path))) rc = SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    snprintf(error, DB_ERROR_BYTES, "sqlite %s: %s", path,
             s->handle ? sqlite3_errmsg(s->handle) : "cannot open");
    sqlite3_close(s->handle);
    free(s);
    return HT_EIO;
  }
  *out = &s->base;
  return HT_OK;
}
