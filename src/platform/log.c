/* log.c — JSON-lines logging (see log.h). */
#include "platform/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8.h"
#include "platform/clock.h"

static int access_fd = STDOUT_FILENO;
static enum log_level min_level = LOG_INFO;

int log_open_access(const char *destination) {
  if (!destination || strcmp(destination, "-") == 0) {
    access_fd = STDOUT_FILENO;
    return 0;
  }
  if (strcmp(destination, "off") == 0) {
    access_fd = -1;
    return 0;
  }
  int fd = open(destination, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return -errno;
  access_fd = fd;
  return 0;
}

void log_set_level(enum log_level level) { min_level = level; }

bool log_access_enabled(void) { return access_fd >= 0; }

size_t log_json_escape(char *out, size_t len, size_t cap, const char *s, size_t slen) {
  for (size_t i = 0; i < slen;) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    const char *piece = esc;
    size_t n = 1, advance = 1;
    if (c == '"' || c == '\\')
      esc[0] = '\\', esc[1] = (char)c, n = 2;
    else if (c == '\n')
      piece = "\\n", n = 2;
    else if (c < 0x20 || c == 0x7f)
      n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
    else if (c < 0x80)
      esc[0] = (char)c;
    else {
      uint32_t cp;
      size_t ulen = utf8_decode((struct str){s + i, slen - i}, &cp);
      if (ulen == 0)
        piece = "\\ufffd", n = 6;
      else
        piece = s + i, n = advance = ulen;
    }
    if (len + n + 1 > cap) break;
    memcpy(out + len, piece, n);
    len += n;
    i += advance;
  }
  out[len] = '\0';
  return len;
}

static const char *level_name(enum log_level level) {
  static const char *names[] = {"debug", "info", "warn", "error"};
  return names[level];
}

static void write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    len -= (size_t)n;
  }
}

void log_event(enum log_level level, const char *request_id, const char *fmt, ...) {
  if (level < min_level) return;
  char message[LOG_LINE_BYTES / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  char line[LOG_LINE_BYTES], ts[CLOCK_RFC3339_BYTES];
  size_t len = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",",
                                clock_format_rfc3339(clock_now_ms(), ts), level_name(level));
  if (request_id)
    len += (size_t)snprintf(line + len, sizeof line - len, "\"request_id\":\"%s\",", request_id);
  len += (size_t)snprintf(line + len, sizeof line - len, "\"msg\":\"");
  len = log_json_escape(line, len, sizeof line - 3, message, strlen(message));
  memcpy(line + len, "\"}\n", 3);
  write_all(STDERR_FILENO, line, len + 3);
}

void log_access_line(const char *json, size_t len) {
  if (access_fd < 0) return;
  char line[LOG_LINE_BYTES + 1];
  if (len > LOG_LINE_BYTES) len = LOG_LINE_BYTES;
  memcpy(line, json, len);
  line[len] = '\n';
  write_all(access_fd, line, len + 1);
}
