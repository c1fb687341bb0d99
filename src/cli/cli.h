/*
 * cli.h — the subcommands of the `hutong` binary. Each takes the arguments after its own
 * name, prints `--help`, and returns the process exit status (0 success, 1 failure, 2 usage).
 */
#ifndef HUTONG_CLI_CLI_H
#define HUTONG_CLI_CLI_H

int cli_serve(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_merchant(int argc, char **argv);
int cli_apikey(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_ledger(int argc, char **argv);
int cli_guard(int argc, char **argv);

/* `hutong merchant passwd --id ID (--password-stdin | --generate)` (passwd.c): sets the
 * dashboard password of `merchant_id`; the options are checked by the caller. */
struct db;
#include <stdint.h>
int cli_merchant_passwd(int argc, char **argv, struct db *db, int64_t merchant_id);

/* A generated password: 16 Crockford symbols in groups of four, lower case ("k7m2-..."). */
#define PASSWORD_GENERATED_BYTES 20
void password_generate(char out[PASSWORD_GENERATED_BYTES]);

/* Hashes `password` and stores it for `merchant_id` (own transaction), signing the merchant
 * out of every dashboard session. HT_ENOTFOUND when no such merchant. */
int password_set(struct db *db, int64_t merchant_id, const char *password);
int cli_channel(int argc, char **argv);
int cli_qr(int argc, char **argv);
int cli_sheet(int argc, char **argv);
int cli_order(int argc, char **argv);

#endif
