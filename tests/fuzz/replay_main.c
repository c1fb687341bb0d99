/* replay_main.c — runs a fuzz target over every file of its corpus directories, so that the
 * corpora become regression tests in `make test` (and under the sanitizers) without
 * libFuzzer. Prints a TAP-free summary; exits non-zero only through a crash or abort. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Corpus files above this size are skipped: fuzzers keep inputs small. */
#define REPLAY_FILE_BYTES_MAX (1024 * 1024)

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint8_t *data = malloc(REPLAY_FILE_BYTES_MAX);
  size_t n = data ? fread(data, 1, REPLAY_FILE_BYTES_MAX, f) : 0;
  fclose(f);
  if (!data) return -1;
  LLVMFuzzerTestOneInput(data, n);
  free(data);
  return 0;
}

int main(int argc, char **argv) {
  long files = 0;
  for (int i = 1; i < argc; i++) {
    DIR *dir = opendir(argv[i]);
    if (!dir) {
      fprintf(stderr, "replay: cannot open %s\n", argv[i]);
      return 1;
    }
    struct dirent *e;
    while ((e = readdir(dir))) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
      struct stat st;
      if (stat(path, &st) || !S_ISREG(st.st_mode)) continue;
      if (replay_file(path) == 0) files++;
    }
    closedir(dir);
  }
  printf("replayed %ld corpus files\n", files);
  return files > 0 ? 0 : 1;
}
