/*
 * rfc3339.h — parsing RFC 3339 timestamps ("2026-11-23T14:35:00Z", "...+08:00", with an
 * optional fraction) into milliseconds since the Unix epoch. The API prints times in this
 * form and accepts them back (link expiries, statistics ranges). Pure.
 */
#ifndef HUTONG_CORE_RFC3339_H
#define HUTONG_CORE_RFC3339_H

#include <stdint.h>

#include "core/str.h"

/* Longest accepted text: "2026-11-23T14:35:00.123456789+08:00" is 35 bytes. */
#define RFC3339_BYTES_MAX 40

/* Parses `text` (date-time of RFC 3339 section 5.6; a space may stand for 'T'; years
 * 1970..9999; fractions beyond milliseconds are truncated). HT_EINVAL for anything else,
 * including impossible dates (February 30th) and leap seconds. */
int rfc3339_parse(struct str text, int64_t *ms);

/* Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
int64_t rfc3339_days_from_civil(int64_t year, unsigned month, unsigned day);

/* The civil date of a day number (inverse of rfc3339_days_from_civil). */
void rfc3339_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

#endif
