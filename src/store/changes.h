/*
 * changes.h — announcing that a row other nodes may hold in memory has changed.
 *
 * A store function that changes such a row (a link, a product, a product's share tokens)
 * calls store_changed() in the same transaction. At commit, and only if it commits, this
 * process's subscribers hear it (platform/changes.h); on PostgreSQL the same statement is a
 * NOTIFY on STORE_CHANGES_CHANNEL, which PostgreSQL delivers at commit to every listening
 * node (store/change_listener.h). A rolled-back transaction announces nothing.
 *
 * Stock is deliberately not announced: it changes with every order, the pages show it only
 * as a hint, and placing an order checks it in the database (pay/orders.c).
 */
#ifndef HUTONG_STORE_CHANGES_H
#define HUTONG_STORE_CHANGES_H

#include "platform/changes.h"
#include "store/db.h"

/* The LISTEN/NOTIFY channel every node listens on. */
#define STORE_CHANGES_CHANNEL "hutong_changes"
/* A payload: kind letter, ':', key. */
#define STORE_CHANGES_PAYLOAD_BYTES (2 + CHANGES_KEY_BYTES_MAX)

/* Announces that the row(s) `kind`/`key` name changed. Inside a transaction the announcement
 * waits for its commit; outside one it is made at once. HT_EINVAL for an empty key or one
 * longer than CHANGES_KEY_BYTES_MAX; errors as db_exec() (the transaction is then aborted on
 * PostgreSQL, so the caller must roll back). */
int store_changed(struct db *db, enum change_kind kind, struct str key);

#endif
