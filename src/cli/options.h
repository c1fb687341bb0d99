/*
 * options.h — long options (`--name value` or `--name=value`) for the subcommands, and the
 * configuration every subcommand shares (database URL, secret) read from the environment.
 */
#ifndef HUTONG_CLI_OPTIONS_H
#define HUTONG_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/db.h"

/* Longest database URL accepted from HUTONG_DB or --db. */
#define CONFIG_DB_URL_BYTES 1024
/* Default database: SQLite in var/ of the working directory. */
#define CONFIG_DB_DEFAULT "sqlite:var/hutong.db"
/* Where the generated server secret lives when HUTONG_SECRET is unset. */
#define CONFIG_SECRET_FILE_DEFAULT "var/secret"

/* Returns the value of --name (NULL when absent). `argv[0]` is the subcommand. */
const char *option_value(int argc, char **argv, const char *name);

/* True when --name appears as a flag. */
bool option_flag(int argc, char **argv, const char *name);

/* Checks that every --option in argv is one of `allowed` (NULL-terminated, names without
 * dashes; names ending in '!' are flags without a value) and that no stray positional
 * arguments remain beyond `positional_max`. Prints the problem and returns false. */
bool options_check(int argc, char **argv, const char *const *allowed, int positional_max);

/* The n-th positional argument after the subcommand (0-based), or NULL. */
const char *option_positional(int argc, char **argv, int n, const char *const *allowed);

/* The database URL: --db, else HUTONG_DB, else CONFIG_DB_DEFAULT. */
const char *config_db_url(int argc, char **argv);

/* Opens the database and applies migrations; prints errors. Returns the connection or NULL. */
struct db *config_open_db(const char *url);

/* Base of printed links when neither --public-url nor HUTONG_PUBLIC_URL is given: where
 * `hutong serve` listens by default. */
#define CONFIG_PUBLIC_URL_DEFAULT "http://127.0.0.1:8080"

struct app;

/* Fills what offline commands need of `struct app` to print links: the public URL (--public-url,
 * else HUTONG_PUBLIC_URL, else CONFIG_PUBLIC_URL_DEFAULT; trailing slashes dropped) and the
 * default token lifetime. Other fields are zeroed. Prints the problem and returns false when
 * the URL is not http(s) or longer than APP_PUBLIC_URL_BYTES - 1. */
bool config_app(int argc, char **argv, struct app *app);

/* Loads the server secret: HUTONG_SECRET, else the file HUTONG_SECRET_FILE (default
 * var/secret), generating 32 random bytes in hex into that file (mode 0600) on first run.
 * Returns the secret's length, or 0 after printing an error. */
size_t config_load_secret(char *out, size_t out_size);

/* Reads a secret from the file at `path` (trailing newlines and spaces dropped) into `out`.
 * Returns its length, or 0 when the file cannot be read or is empty. */
size_t config_read_secret_file(const char *path, char *out, size_t out_size);

#endif
