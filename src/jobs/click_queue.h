/*
 * click_queue.h — recording opens without touching the disk on the request path.
 *
 * Handlers push click events into a bounded in-memory ring; one flusher thread writes them
 * in batches, one transaction per batch, every CLICK_FLUSH_INTERVAL_MS or as soon as a batch
 * is full. Pushing never blocks on I/O: when the ring is full the event is dropped and
 * counted (hutong_clicks_dropped_total), because a redirect must never wait for statistics.
 * Stopping the queue flushes everything still in it, so a clean shutdown loses nothing.
 */
#ifndef HUTONG_JOBS_CLICK_QUEUE_H
#define HUTONG_JOBS_CLICK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/clicks.h"

/* Events the ring holds: about 6 MB, several seconds of a very busy campaign, and eight
 * batches. */
#define CLICK_QUEUE_MAX 65536
/* Events written per transaction, sorted by merchant and code first. Opens of many codes
 * each touch their own page of the clicks index, so the cost of a batch is mostly its dirty
 * pages: fewer, larger, key-ordered batches write each page once for more events (measured
 * with 100,000 codes: 8,192 a batch cut the flusher's share of the server's CPU by about
 * half against 1,024 unsorted; 16,384 gained nothing more). */
#define CLICK_BATCH_MAX 8192
/* How long an event may wait in memory before it is written (a clean stop writes them all;
 * a crash loses at most this much). */
#define CLICK_FLUSH_INTERVAL_MS 1000
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
