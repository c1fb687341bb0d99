/*
 * changes.h — "this row changed": how the in-memory copies of rows learn that they are stale.
 *
 * Nodes keep small rows in memory (kvcache users: link and product rows, share-token
 * expiries). When a row changes, whoever changed it says so through the store
 * (store/changes.h): the store tells this process's subscribers once the transaction has
 * committed, and on PostgreSQL every other node hears it through LISTEN/NOTIFY
 * (store/change_listener.h), whose listener calls changes_publish() on its node. A subscriber
 * forgets the named key. When notifications may have been missed (the listener lost its
 * connection), everything is forgotten: a publish with kind CHANGE_ALL.
 *
 * Subscribers are registered once at startup, before the threads that publish exist; the
 * table is fixed (CHANGES_SUBSCRIBERS_MAX) and is read without a lock afterwards.
 */
#ifndef HUTONG_PLATFORM_CHANGES_H
#define HUTONG_PLATFORM_CHANGES_H

#include "core/str.h"

/* What changed; the letter is also the first byte of a notification's payload. */
enum change_kind {
  CHANGE_ALL = '*',      /* anything may have changed: forget everything (key empty) */
  CHANGE_CODE = 'c',     /* the link, product or share tokens behind a public code (key: the code) */
  CHANGE_MERCHANT = 'm', /* a merchant's row (key: the decimal id) */
};

/* Subscribers one process may have (one per cache, with room). */
#define CHANGES_SUBSCRIBERS_MAX 8
/* Longest key: a public code or a decimal id. */
#define CHANGES_KEY_BYTES_MAX 32

/* Forgets what `kind`/`key` names. Called from any thread; must be quick and must not block
 * on the database (a subscriber deletes cache keys). */
typedef void (*change_subscriber)(enum change_kind kind, struct str key);

/* Adds `fn` (once; a second registration of the same function is ignored). Call before any
 * thread publishes. HT_OK, or HT_ERANGE when the table is full. */
int changes_subscribe(change_subscriber fn);

/* Removes `fn` (at shutdown, after the publishers have stopped). */
void changes_unsubscribe(change_subscriber fn);

/* Tells every subscriber. A key longer than CHANGES_KEY_BYTES_MAX, or an unknown kind, is
 * published as CHANGE_ALL (forgetting too much is safe; too little is not). */
void changes_publish(enum change_kind kind, struct str key);

/* Parses a notification payload "<kind letter>:<key>" and publishes it; anything malformed
 * is published as CHANGE_ALL. */
void changes_publish_payload(struct str payload);

#endif
