/*
 * log.h — one JSON object per line, for application events and the access log.
 *
 * Application events go to stderr; the access log (one line per request) goes where
 * HUTONG_ACCESS_LOG says: "-" for stdout (the default), "off", or a file path opened for
 * appending. Each line is formatted into a local buffer and written with a single write(2),
 * so concurrent lines never interleave. Secrets never reach these functions.
 */
#ifndef HUTONG_PLATFORM_LOG_H
#define HUTONG_PLATFORM_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Longest log line; longer messages are cut (and stay valid JSON). */
#define LOG_LINE_BYTES 4096

/* Configures the access-log destination ("-", "off" or a path). Returns 0 or -errno. */
int log_open_access(const char *destination);

/* Minimum level written to stderr (LOG_INFO by default). */
void log_set_level(enum log_level level);

/* Writes {"ts","level","request_id"?,"msg"} to stderr. `request_id` may be NULL. The message
 * is JSON-escaped. */
void log_event(enum log_level level, const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes a preformatted JSON object (no newline) as one access-log line. */
void log_access_line(const char *json, size_t len);

/* True when access lines are written anywhere (lets callers skip formatting them). */
bool log_access_enabled(void);

/* Appends `s` to `out` as the inside of a JSON string (quotes not included), escaping what
 * JSON requires; stops before overflowing `cap` (total bytes including NUL). Returns the new
 * length. Invalid UTF-8 bytes are written as \ufffd so the line stays valid JSON. */
size_t log_json_escape(char *out, size_t len, size_t cap, const char *s, size_t slen);

#endif
