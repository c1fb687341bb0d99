/* main.c — the one binary: `hutong serve` and the admin subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
    {"serve", cli_serve, "run the HTTP server"},
    {"migrate", cli_migrate, "apply pending database migrations"},
    {"merchant", cli_merchant, "create or show merchants"},
    {"apikey", cli_apikey, "create, list or revoke API keys"},
    {"demo", cli_demo, "seed the demo store"},
    {"ledger", cli_ledger, "verify the ledger's invariants"},
    {"guard", cli_guard, "check links for phishing; load blocklist feeds"},
    {"channel", cli_channel, "set or show a merchant's wallet credentials"},
    {"qr", cli_qr, "print or write the QR code of a product, store or link code"},
    {"sheet", cli_sheet, "render a print-ready PDF of a merchant's price tags"},
    {"order", cli_order, "resolve a disputed order (platform operator)"},
};

static int usage(FILE *out) {
  fputs("usage: hutong COMMAND [options]   (hutong COMMAND --help for details)\n\ncommands:\n", out);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  return out == stdout ? 0 : 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0)
    return usage(stdout);
  if (strcmp(argv[1], "--version") == 0) return puts("hutong " HUTONG_VERSION), 0;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "hutong: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
