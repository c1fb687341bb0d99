/* click_queue.c — a mutex-protected ring and one flusher thread with its roll-up window (see
 * click_queue.h). The critical section of a push is a struct copy, so contention stays
 * negligible next to the HTTP work around it. */
#include "jobs/click_queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "core/status.h"
#include "platform/log.h"
#include "store/pool.h"

struct click_queue {
  pthread_mutex_t lock;
  pthread_cond_t wake;    /* the flusher: work arrived or stop */
  pthread_cond_t flushed; /* waiters of click_queue_sync() */
  pthread_t thread;
  struct db_pool *pool;
  struct click_event ring[CLICK_QUEUE_MAX];
  size_t head, count;
  uint64_t pushed;  /* events ever accepted */
  uint64_t settled; /* events ever written or abandoned */
  bool stopping;
  bool sync_wanted;  /* click_queue_sync() waits: write the window now */
  bool flusher_idle; /* waiting for a first event, with an empty window */
  _Atomic uint64_t dropped;
  _Atomic uint64_t written;
  /* The flusher's own (no lock): events taken from the ring, and the window they are rolled
   * up into: rows, an open-addressing index over them (row number + 1, 0 for empty), and
   * how many events the rows stand for. */
  struct click_event batch[CLICK_BATCH_MAX];
  struct click_event rows[CLICK_WINDOW_ROWS_MAX];
  uint32_t slots[CLICK_WINDOW_SLOTS];
  size_t row_count;
  uint64_t window_events;
  struct timespec window_ends;
};

static void deadline_after_ms(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) ts->tv_sec++, ts->tv_nsec -= 1000000000L;
}

/* Writes the window's rows in one transaction. */
static int write_rows(struct click_queue *q) {
  struct db *db;
  int rc = db_pool_acquire(q->pool, &db);
  if (rc != HT_OK) return rc;
  rc = db_begin(db, true);
  if (rc == HT_OK) rc = store_clicks_insert(db, q->rows, q->row_count);
  if (rc == HT_OK) rc = db_commit(db);
  if (rc != HT_OK)
    log_event(LOG_ERROR, NULL, "%zu click rows not written: %s %s", q->row_count, ht_status_name(rc),
              db_error(db));
  db_pool_release(q->pool, db);
  return rc;
}

/* Opens are stored per minute: a window's opens of one code in one minute with the same
 * source, client, OS and channel become one row with a count. */
#define CLICK_ROLLUP_MS 60000

/* Row order: by merchant and code, then minute, then the other columns: the order of the
 * clicks index, so that a write walks its pages once. Events compared here carry their
 * minute already. */
static int click_order(const void *a, const void *b) {
  const struct click_event *x = a, *y = b;
  if (x->merchant_id != y->merchant_id) return x->merchant_id < y->merchant_id ? -1 : 1;
  int c = strcmp(x->code, y->code);
  if (c) return c;
  if (x->at_ms != y->at_ms) return x->at_ms < y->at_ms ? -1 : 1;
  if ((c = strcmp(x->source, y->source))) return c;
  if ((c = strcmp(x->client_class, y->client_class))) return c;
  if ((c = strcmp(x->os, y->os))) return c;
  return strcmp(x->channel, y->channel);
}

/* A hash of the columns click_order() compares. */
static uint64_t click_hash(const struct click_event *e) {
  uint64_t h = hash_fnv1a(HASH_FNV1A_START, &e->merchant_id, sizeof e->merchant_id);
  h = hash_fnv1a(h, &e->at_ms, sizeof e->at_ms);
  h = hash_fnv1a_cstr(h, e->code);
  h = hash_fnv1a_cstr(h, e->source);
  h = hash_fnv1a_cstr(h, e->client_class);
  h = hash_fnv1a_cstr(h, e->os);
  return hash_fnv1a_cstr(h, e->channel);
}

/* Adds one event to the window: a new row, or one more open of an equal row. The caller
 * makes sure a row is free. The window's first event sets when it is due. */
static void window_add(struct click_queue *q, const struct click_event *event) {
  struct click_event e = *event;
  e.at_ms -= e.at_ms % CLICK_ROLLUP_MS;
  e.opens = 1;
  size_t slot = (size_t)click_hash(&e) & (CLICK_WINDOW_SLOTS - 1);
  for (; q->slots[slot]; slot = (slot + 1) & (CLICK_WINDOW_SLOTS - 1)) {
    struct click_event *row = &q->rows[q->slots[slot] - 1];
    if (click_order(row, &e) == 0) {
      row->opens++;
      q->window_events++;
      return;
    }
  }
  if (q->window_events == 0) deadline_after_ms(&q->window_ends, CLICK_FLUSH_INTERVAL_MS);
  q->rows[q->row_count++] = e;
  q->slots[slot] = (uint32_t)q->row_count;
  q->window_events++;
}

/* Writes the window (sorted in index order) and starts an empty one; then its events are
 * settled, written or (on a database error, logged) dropped. Called without the lock. */
static void window_write(struct click_queue *q) {
  uint64_t events = q->window_events;
  if (q->row_count > 0) {
    qsort(q->rows, q->row_count, sizeof q->rows[0], click_order);
    int rc = write_rows(q);
    atomic_fetch_add(rc == HT_OK ? &q->written : &q->dropped, events);
  }
  memset(q->slots, 0, sizeof q->slots);
  q->row_count = 0;
  q->window_events = 0;
  pthread_mutex_lock(&q->lock);
  q->settled += events;
  pthread_cond_broadcast(&q->flushed);
  pthread_mutex_unlock(&q->lock);
}

static bool window_due(const struct click_queue *q) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > q->window_ends.tv_sec ||
         (now.tv_sec == q->window_ends.tv_sec && now.tv_nsec >= q->window_ends.tv_nsec);
}

/* Moves up to a batch from the ring into the window (lock held on entry and on return, not
 * in between); writes the window first whenever it could run out of rows. */
static void take_some(struct click_queue *q) {
  size_t n = q->count < CLICK_BATCH_MAX ? q->count : CLICK_BATCH_MAX;
  for (size_t i = 0; i < n; i++) q->batch[i] = q->ring[(q->head + i) % CLICK_QUEUE_MAX];
  q->head = (q->head + n) % CLICK_QUEUE_MAX;
  q->count -= n;
  pthread_mutex_unlock(&q->lock);
  for (size_t i = 0; i < n; i++) {
    if (q->row_count == CLICK_WINDOW_ROWS_MAX) window_write(q);
    window_add(q, &q->batch[i]);
  }
  pthread_mutex_lock(&q->lock);
}

static void *flusher(void *arg) {
  struct click_queue *q = arg;
  pthread_mutex_lock(&q->lock);
  for (;;) {
    while (q->count > 0) take_some(q);
    bool write_now = q->window_events > 0 && (q->stopping || q->sync_wanted || window_due(q));
    if (write_now) {
      q->sync_wanted = false;
      pthread_mutex_unlock(&q->lock);
      window_write(q);
      pthread_mutex_lock(&q->lock);
      continue;
    }
    if (q->count > 0) continue;
    if (q->stopping) break;
    q->sync_wanted = false; /* nothing is waiting to be written */
    if (q->window_events == 0) {
      q->flusher_idle = true;
      pthread_cond_wait(&q->wake, &q->lock);
      q->flusher_idle = false;
    } else {
      pthread_cond_timedwait(&q->wake, &q->lock, &q->window_ends);
    }
  }
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

int click_queue_start(struct db_pool *pool, struct click_queue **out) {
  struct click_queue *q = calloc(1, sizeof *q);
  if (!q) return HT_ENOMEM;
  q->pool = pool;
  pthread_mutex_init(&q->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&q->wake, &attr);
  pthread_cond_init(&q->flushed, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&q->thread, NULL, flusher, q) != 0) {
    free(q);
    return HT_EIO;
  }
  *out = q;
  return HT_OK;
}

bool click_queue_push(struct click_queue *q, const struct click_event *event) {
  pthread_mutex_lock(&q->lock);
  bool accepted = q->count < CLICK_QUEUE_MAX && !q->stopping;
  if (accepted) {
    q->ring[(q->head + q->count) % CLICK_QUEUE_MAX] = *event;
    q->count++;
    q->pushed++;
    /* Wake the flusher for a first event, or to empty a filling ring; otherwise it comes
     * at the end of its window. */
    if ((q->count == 1 && q->flusher_idle) || q->count == CLICK_BATCH_MAX) pthread_cond_signal(&q->wake);
  }
  pthread_mutex_unlock(&q->lock);
  if (!accepted) atomic_fetch_add(&q->dropped, 1);
  return accepted;
}

void click_queue_sync(struct click_queue *q) {
  struct timespec deadline;
  deadline_after_ms(&deadline, CLICK_SYNC_WAIT_MS);
  pthread_mutex_lock(&q->lock);
  uint64_t target = q->pushed;
  int rc = 0;
  while (q->settled < target && rc == 0) {
    q->sync_wanted = true;
    pthread_cond_signal(&q->wake);
    rc = pthread_cond_timedwait(&q->flushed, &q->lock, &deadline);
  }
  pthread_mutex_unlock(&q->lock);
}

uint64_t click_queue_dropped(struct click_queue *q) { return atomic_load(&q->dropped); }
uint64_t click_queue_written(struct click_queue *q) { return atomic_load(&q->written); }

void click_queue_stop(struct click_queue *q) {
  if (!q) return;
  pthread_mutex_lock(&q->lock);
  q->stopping = true;
  pthread_cond_signal(&q->wake);
  pthread_mutex_unlock(&q->lock);
  pthread_join(q->thread, NULL);
  pthread_cond_destroy(&q->wake);
  pthread_cond_destroy(&q->flushed);
  pthread_mutex_destroy(&q->lock);
  free(q);
}
