/* rfc3339.c — timestamp parsing with the civil-calendar arithmetic of Howard Hinnant's
 * well-known days-from-civil derivation (public algorithm, written afresh here). */
#include "core/rfc3339.h"

#include <stdbool.h>

#include "core/status.h"

#define MS_PER_DAY 86400000LL

static bool digits(struct str s, size_t at, size_t n, unsigned *out) {
  if (at + n > s.len) return false;
  unsigned v = 0;
  for (size_t i = at; i < at + n; i++) {
    char c = s.data[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (unsigned)(c - '0');
  }
  *out = v;
  return true;
}

static bool is_leap(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static unsigned days_in_month(unsigned year, unsigned month) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

int64_t rfc3339_days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t yoe = year - era * 400;
  int64_t doy = (153 * (int64_t)(month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void rfc3339_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

/* Parses "Z" or "+hh:mm"/"-hh:mm" at `at`, which must end the text. */
static bool parse_offset(struct str s, size_t at, int64_t *offset_ms) {
  if (at == s.len - 1 && (s.data[at] == 'Z' || s.data[at] == 'z')) {
    *offset_ms = 0;
    return true;
  }
  unsigned hh, mm;
  if (at + 6 != s.len || (s.data[at] != '+' && s.data[at] != '-') || s.data[at + 3] != ':') return false;
  if (!digits(s, at + 1, 2, &hh) || !digits(s, at + 4, 2, &mm) || hh > 23 || mm > 59) return false;
  *offset_ms = ((int64_t)hh * 60 + mm) * 60000 * (s.data[at] == '-' ? -1 : 1);
  return true;
}

int rfc3339_parse(struct str s, int64_t *ms) {
  unsigned year, month, day, hour, minute, second;
  if (s.len > RFC3339_BYTES_MAX || s.len < 20) return HT_EINVAL;
  if (!digits(s, 0, 4, &year) || s.data[4] != '-' || !digits(s, 5, 2, &month) || s.data[7] != '-' ||
      !digits(s, 8, 2, &day))
    return HT_EINVAL;
  char t = s.data[10];
  if (t != 'T' && t != 't' && t != ' ') return HT_EINVAL;
  if (!digits(s, 11, 2, &hour) || s.data[13] != ':' || !digits(s, 14, 2, &minute) || s.data[16] != ':' ||
      !digits(s, 17, 2, &second))
    return HT_EINVAL;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59)
    return HT_EINVAL;
  size_t at = 19;
  int64_t millis = 0;
  if (at < s.len && s.data[at] == '.') {
    size_t start = ++at;
    while (at < s.len && s.data[at] >= '0' && s.data[at] <= '9') {
      if (at - start < 3) millis = millis * 10 + (s.data[at] - '0');
      at++;
    }
    if (at == start) return HT_EINVAL;
    for (size_t n = at - start; n < 3; n++) millis *= 10;
  }
  int64_t offset_ms;
  if (!parse_offset(s, at, &offset_ms)) return HT_EINVAL;
  int64_t days = rfc3339_days_from_civil(year, month, day);
  *ms = days * MS_PER_DAY + ((int64_t)hour * 3600 + minute * 60 + second) * 1000 + millis - offset_ms;
  return HT_OK;
}
