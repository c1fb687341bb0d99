/*
 * click_queue.h — recording opens without touching the disk on the request path.
 *
 * Handlers push click events into a bounded in-memory ring; one flusher thread takes them out
 * and rolls them up in a window (one row per code, minute, source, client, OS and channel,
 * with a count), which it writes in one transaction every CLICK_FLUSH_INTERVAL_MS, when it
 * runs out of rows, when click_queue_sync() asks, and at stop. Pushing never blocks on I/O:
 * when the ring is full the event is dropped and counted (hutong_clicks_dropped_total),
 * because a redirect must never wait for statistics. Stopping the queue writes everything
 * still in it, so a clean shutdown loses nothing; a crash loses at most one interval of
 * opens, and another node's statistics pages see them up to one interval late.
 */
#ifndef HUTONG_JOBS_CLICK_QUEUE_H
#define HUTONG_JOBS_CLICK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/clicks.h"

/* Events the ring holds: about 6 MB, more than a second of a very busy campaign. */
#define CLICK_QUEUE_MAX 65536
/* Events the flusher takes out of the ring at a time (the ring's lock is not held while it
 * rolls them up). */
#define CLICK_BATCH_MAX 8192
/* Rows a window holds before it is written early, and the slots of its index (a power of
 * two, twice the rows). The window exists because opens spread over many codes each dirty
 * their own page of the clicks index: with 100,000 codes opened at random, 50,000 a second,
 * a one-second window wrote nearly a row per open and the flusher took a fifth of the
 * server's CPU; ten seconds write each code about once per window. */
#define CLICK_WINDOW_ROWS_MAX (128u * 1024u)
#define CLICK_WINDOW_SLOTS    (2u * CLICK_WINDOW_ROWS_MAX)
/* How long an open may wait in memory before it is written. */
#define CLICK_FLUSH_INTERVAL_MS 10000
/* How long click_queue_sync() waits for the flusher. */
#define CLICK_SYNC_WAIT_MS 5000

struct click_queue;
struct db_pool;

/* Starts the flusher thread over `pool`. The caller owns the queue. */
int click_queue_start(struct db_pool *pool, struct click_queue **out);

/* Queues one event; false when the ring is full (the event is dropped and counted). */
bool click_queue_push(struct click_queue *queue, const struct click_event *event);

/* Waits (up to CLICK_SYNC_WAIT_MS) until everything pushed before this call is written,
 * so that statistics read right after see it. */
void click_queue_sync(struct click_queue *queue);

/* Events dropped because the ring was full, and events written so far. */
uint64_t click_queue_dropped(struct click_queue *queue);
uint64_t click_queue_written(struct click_queue *queue);

/* Flushes what is queued, stops the thread and frees the queue. NULL is allowed. */
void click_queue_stop(struct click_queue *queue);

#endif
