/* status.c — names for the HT_* status codes (see status.h). */
#include "core/status.h"

const char *ht_status_name(int status) {
  switch (status) {
  case HT_OK: return "ok";
  case HT_EINVAL: return "invalid";
  case HT_ERANGE: return "out_of_range";
  case HT_ENOMEM: return "out_of_memory";
  case HT_ENOTFOUND: return "not_found";
  case HT_ECONFLICT: return "conflict";
  case HT_EIO: return "io_error";
  case HT_ETOOBIG: return "too_big";
  case HT_EEXPIRED: return "expired";
  case HT_ECHECKSUM: return "checksum";
  case HT_EAUTH: return "unauthorized";
  case HT_EBUSY: return "busy";
  default: return "unknown_status";
  }
}
