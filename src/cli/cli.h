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
int cli_order(int argc, char **argv);

#endif
