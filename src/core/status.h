/*
 * status.h — the one error convention of hutong's C code.
 *
 * Every function that can fail returns an `int`: HT_OK (zero) on success or one of the
 * negative HT_E* codes below, in the libuv tradition. Modules whose callers need richer
 * detail (which field, which rule) return it through an out-parameter, never through a
 * global. ht_status_name() gives the stable snake_case name used in logs and JSON errors.
 */
#ifndef HUTONG_CORE_STATUS_H
#define HUTONG_CORE_STATUS_H

enum ht_status {
  HT_OK = 0,
  HT_EINVAL = -1,    /* malformed input */
  HT_ERANGE = -2,    /* a number or length outside its allowed range */
  HT_ENOMEM = -3,    /* allocation failed or a bounded buffer reached its maximum */
  HT_ENOTFOUND = -4, /* no such thing */
  HT_ECONFLICT = -5, /* the thing exists or is in a state that forbids the operation */
  HT_EIO = -6,       /* storage or network failure: our fault or our dependency's */
  HT_ETOOBIG = -7,   /* input larger than its named limit */
  HT_EEXPIRED = -8,  /* valid once, no longer */
  HT_ECHECKSUM = -9, /* a check symbol or signature did not match */
  HT_EAUTH = -10,    /* missing or wrong credentials */
  HT_EBUSY = -11,    /* try again later (lock held, queue full) */
};

/* Returns the stable snake_case name of `status` ("ok", "invalid", ...). Never NULL. */
const char *ht_status_name(int status);

#endif
