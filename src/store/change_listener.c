/* change_listener.c — LISTEN on a session of its own, publish what arrives (see
 * change_listener.h). The thread sleeps in poll(2) on the session's socket and on a pipe that
 * change_listener_stop() writes to, so a stop never waits for a timeout. */
#include "store/change_listener.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/status.h"
#include "platform/changes.h"
#include "platform/log.h"
#include "store/changes.h"
#include "store/db_driver.h"

struct change_listener {
  char *url;
  pthread_t thread;
  int stop_pipe[2];
  _Atomic int64_t received;
};

/* True when change_listener_stop() has asked the thread to end. */
static bool stop_requested(struct change_listener *l) {
  struct pollfd p = {.fd = l->stop_pipe[0], .events = POLLIN};
  return poll(&p, 1, 0) > 0;
}

/* Sleeps `ms` unless a stop comes first; true when it did. */
static bool sleep_or_stop(struct change_listener *l, int ms) {
  struct pollfd p = {.fd = l->stop_pipe[0], .events = POLLIN};
  int n;
  do n = poll(&p, 1, ms);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

/* A session that listens, or NULL (logged). */
static PGconn *listen_session(struct change_listener *l) {
  char error[DB_ERROR_BYTES];
  PGconn *conn = db_postgres_connect(l->url, error);
  if (!conn) {
    log_event(LOG_WARN, NULL, "change listener: %s", error);
    return NULL;
  }
  PGresult *r = PQexec(conn, "LISTEN " STORE_CHANGES_CHANNEL);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    log_event(LOG_WARN, NULL, "change listener: LISTEN failed: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return NULL;
  }
  return conn;
}

/* Publishes every notification libpq has read. */
static void drain(struct change_listener *l, PGconn *conn) {
  PGnotify *n;
  while ((n = PQnotifies(conn)) != NULL) {
    atomic_fetch_add(&l->received, 1);
    changes_publish_payload(str_from_cstr(n->extra));
    PQfreemem(n);
  }
}

/* Waits for notifications until the session breaks (returns false) or a stop (true). */
static bool listen_until_lost(struct change_listener *l, PGconn *conn) {
  struct pollfd p[2] = {{.fd = l->stop_pipe[0], .events = POLLIN}, {.fd = PQsocket(conn), .events = POLLIN}};
  drain(l, conn); /* what arrived with LISTEN's answer is already in libpq's buffer */
  for (;;) {
    int n = poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || p[0].revents) return n > 0;
    if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) return false;
    drain(l, conn);
  }
}

static void *listener_thread(void *arg) {
  struct change_listener *l = arg;
  int retry_ms = CHANGE_LISTENER_RETRY_FIRST_MS;
  bool heard_before = false;
  while (!stop_requested(l)) {
    PGconn *conn = listen_session(l);
    if (!conn) {
      if (sleep_or_stop(l, retry_ms)) break;
      retry_ms = retry_ms * 2 > CHANGE_LISTENER_RETRY_MAX_MS ? CHANGE_LISTENER_RETRY_MAX_MS : retry_ms * 2;
      continue;
    }
    retry_ms = CHANGE_LISTENER_RETRY_FIRST_MS;
    /* Changes made while nobody listened were not heard (before the first session too, if it
     * took retries): start every cache afresh. */
    changes_publish(CHANGE_ALL, STR_LIT(""));
    if (heard_before) log_event(LOG_WARN, NULL, "change listener: listening again; caches cleared");
    heard_before = true;
    bool stopped = listen_until_lost(l, conn);
    if (!stopped) log_event(LOG_WARN, NULL, "change listener: session lost: %s", PQerrorMessage(conn));
    PQfinish(conn);
    if (stopped) break;
  }
  return NULL;
}

static bool is_postgres(const char *url) {
  return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

int change_listener_start(const char *url, struct change_listener **out) {
  *out = NULL;
  if (!is_postgres(url)) return HT_OK;
  struct change_listener *l = calloc(1, sizeof *l);
  if (!l) return HT_ENOMEM;
  l->url = strdup(url);
  int rc = !l->url ? HT_ENOMEM : pipe(l->stop_pipe) != 0 ? HT_EIO : HT_OK;
  if (rc != HT_OK) {
    free(l->url);
    free(l);
    return rc;
  }
  if (pthread_create(&l->thread, NULL, listener_thread, l) != 0) {
    close(l->stop_pipe[0]);
    close(l->stop_pipe[1]);
    free(l->url);
    free(l);
    return HT_EIO;
  }
  *out = l;
  return HT_OK;
}

int64_t change_listener_received(const struct change_listener *l) {
  return l ? atomic_load(&l->received) : 0;
}

void change_listener_stop(struct change_listener *l) {
  if (!l) return;
  ssize_t written;
  do written = write(l->stop_pipe[1], "x", 1);
  while (written < 0 && errno == EINTR);
  pthread_join(l->thread, NULL);
  close(l->stop_pipe[0]);
  close(l->stop_pipe[1]);
  free(l->url);
  free(l);
}
