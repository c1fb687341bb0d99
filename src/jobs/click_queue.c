/* click_queue.c — a mutex-protected ring and one flusher thread (see click_queue.h). The
 * critical section of a push is a struct copy, so contention stays negligible next to the
 * HTTP work around it. */
#include "jobs/click_queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
  _Atomic uint64_t dropped;
  _Atomic uint64_t written;
  struct click_event batch[CLICK_BATCH_MAX];
};

static void deadline_after_ms(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) ts->tv_sec++, ts->tv_nsec -= 1000000000L;
}

static int write_batch(struct click_queue *q, size_t n) {
  struct db *db;
  int rc = db_pool_acquire(q->pool, &db);
  if (rc != HT_OK) return rc;
  rc = db_begin(db, true);
  if (rc == HT_OK) rc = store_clicks_insert(db, q->batch, n);
  if (rc == HT_OK) rc = db_commit(db);
  if (rc != HT_OK)
    log_event(LOG_ERROR, NULL, "click batch of %zu not written: %s %s", n, ht_status_name(rc), db_error(db));
  db_pool_release(q->pool, db);
  return rc;
}

/* Opens are stored per minute: a batch's opens of one code in one minute with the same
 * source, client, OS and channel become one row with a count. */
#define CLICK_ROLLUP_MS 60000

/* Batch order: by merchant and code, then minute, then the other columns: the order of the
 * clicks index, so the batch walks its pages once, and equal rows sit side by side. */
static int click_order(const void *a, const void *b) {
  const struct click_event *x = a, *y = b;
  if (x->merchant_id != y->merchant_id) return x->merchant_id < y->merchant_id ? -1 : 1;
  int c = strcmp(x->code, y->code);
  if (c) return c;
  int64_t mx = x->at_ms / CLICK_ROLLUP_MS, my = y->at_ms / CLICK_ROLLUP_MS;
  if (mx != my) return mx < my ? -1 : 1;
  if ((c = strcmp(x->source, y->source))) return c;
  if ((c = strcmp(x->client_class, y->client_class))) return c;
  if ((c = strcmp(x->os, y->os))) return c;
  return strcmp(x->channel, y->channel);
}

/* Rolls a sorted batch up in place: each run of equal rows becomes one with its count and
 * the minute as its time. Returns the number of rows left. */
static size_t roll_up(struct click_event *batch, size_t n) {
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    if (out > 0 && click_order(&batch[out - 1], &batch[i]) == 0) {
      batch[out - 1].opens++;
      continue;
    }
    batch[out] = batch[i];
    batch[out].at_ms -= batch[out].at_ms % CLICK_ROLLUP_MS;
    batch[out++].opens = 1;
  }
  return out;
}

/* Takes up to a batch from the ring (lock held), writes it (lock released), settles it. */
static void flush_some(struct click_queue *q) {
  size_t n = q->count < CLICK_BATCH_MAX ? q->count : CLICK_BATCH_MAX;
  for (size_t i = 0; i < n; i++) q->batch[i] = q->ring[(q->head + i) % CLICK_QUEUE_MAX];
  q->head = (q->head + n) % CLICK_QUEUE_MAX;
  q->count -= n;
  pthread_mutex_unlock(&q->lock);
  qsort(q->batch, n, sizeof q->batch[0], click_order);
  int rc = write_batch(q, roll_up(q->batch, n));
  if (rc == HT_OK)
    atomic_fetch_add(&q->written, n);
  else
    atomic_fetch_add(&q->dropped, n);
  pthread_mutex_lock(&q->lock);
  q->settled += n;
  pthread_cond_broadcast(&q->flushed);
}

static void *flusher(void *arg) {
  struct click_queue *q = arg;
  pthread_mutex_lock(&q->lock);
  for (;;) {
    if (q->count == 0 && q->stopping) break;
    if (q->count == 0) pthread_cond_wait(&q->wake, &q->lock);
    if (q->count > 0 && q->count < CLICK_BATCH_MAX && !q->stopping) {
      struct timespec deadline;
      deadline_after_ms(&deadline, CLICK_FLUSH_INTERVAL_MS);
      /* Let a batch gather, unless someone asked to sync or stop. */
      pthread_cond_timedwait(&q->wake, &q->lock, &deadline);
    }
    if (q->count > 0) flush_some(q);
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
    if (q->count == 1 || q->count == CLICK_BATCH_MAX) pthread_cond_signal(&q->wake);
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
  pthread_cond_signal(&q->wake);
  int rc = 0;
  while (q->settled < target && rc == 0) {
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
