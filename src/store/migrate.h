/*
 * migrate.h — versioned schema migrations, compiled into the binary.
 *
 * Migrations live in src/store/sql/<engine>/NNNN_name.sql, one set per engine with the same
 * numbers. Each is applied in its own transaction together with its row in
 * schema_migrations, so a migration is either fully applied and recorded or not at all, and
 * is never applied twice. On PostgreSQL an advisory lock serializes nodes migrating at once.
 */
#ifndef HUTONG_STORE_MIGRATE_H
#define HUTONG_STORE_MIGRATE_H

#include <stdint.h>

#include "store/db.h"

/* Applies every migration not yet recorded, in order. Stores how many were applied in
 * `*applied` and the resulting schema version in `*version`. HT_EIO with db_error() set when
 * a migration fails (that migration is rolled back; earlier ones stay). */
int store_migrate(struct db *db, int64_t now_ms, int *applied, int *version);

/* The highest migration version compiled into this binary for `engine`. */
int store_schema_version_latest(enum db_engine engine);

#endif
