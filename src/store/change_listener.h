/*
 * change_listener.h — one thread per node that hears the other nodes' changes.
 *
 * On PostgreSQL the listener holds its own session (not a pool connection: LISTEN belongs to a
 * session, so behind pgbouncer in transaction mode point it at PostgreSQL directly or at a
 * session-mode pool) and runs `LISTEN hutong_changes`. Every notification that arrives is
 * published to this process's subscribers (platform/changes.h), which forget the named cache
 * keys; PostgreSQL delivers a notification only when its transaction commits, so what a
 * subscriber reads after forgetting is the new row.
 *
 * When the session is lost (the server restarted, an administrator ended it, the network
 * dropped it: noticed at once when the server closes it, within the TCP keepalive time
 * otherwise) notifications may have been missed. The listener reconnects with backoff and,
 * once it listens again, publishes CHANGE_ALL so every cache starts afresh; in between, the
 * caches' TTLs bound how stale a row can be. SQLite runs one node: there is nothing to hear.
 */
#ifndef HUTONG_STORE_CHANGE_LISTENER_H
#define HUTONG_STORE_CHANGE_LISTENER_H

#include <stdint.h>

/* Reconnection backoff: first wait, doubled up to the maximum. */
#define CHANGE_LISTENER_RETRY_FIRST_MS 250
#define CHANGE_LISTENER_RETRY_MAX_MS   5000

struct change_listener;

/* Starts listening when `url` names PostgreSQL (`*out` is then the running listener, even if
 * the first connection failed: it keeps trying); for any other URL `*out` is NULL. HT_ENOMEM
 * or HT_EIO when the thread could not be made. */
int change_listener_start(const char *url, struct change_listener **out);

/* Notifications received so far (tests and metrics). */
int64_t change_listener_received(const struct change_listener *listener);

/* Stops the thread, closes the session and frees the listener. NULL is allowed. */
void change_listener_stop(struct change_listener *listener);

#endif
