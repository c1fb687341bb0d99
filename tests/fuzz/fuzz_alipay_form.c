/* fuzz_alipay_form.c — the Alipay notification path must never crash or read out of bounds:
 * the strict form parser, notification signature verification (every sign-content variant)
 * against a real Alipay public key, field extraction with the exact yuan parser, and the raw
 * response walker with result parsing on the same bytes. The key is the one that verifies the
 * corpus's real notification (alipay-sdk-nodejs-all test/alipay.test.ts). */
#include <stdint.h>
#include <stdlib.h>

#include "core/alipay.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* alipay/alipay-sdk-nodejs-all test/alipay.test.ts, notifyAlipayPublicKeyV1. */
static const char ALIPAY_PUBLIC_KEY[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQ"
                                        "RGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIof"
                                        "VHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/"
                                        "AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+"
                                        "i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+"
                                        "6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L"
                                        "8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";

static struct crypto_key *alipay_key(void) {
  static struct crypto_key *key;
  if (!key && crypto_public_key_from_pem(STR_LIT(ALIPAY_PUBLIC_KEY), &key) != HT_OK) abort();
  return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct str body = {(const char *)data, size};
  struct arena arena;
  arena_init(&arena, 16 * ALIPAY_FORM_BYTES_MAX);
  struct alipay_params params;
  struct alipay_problem problem;
  struct alipay_notification n;
  if (alipay_form_parse(body, &arena, &params, &problem) == HT_OK) {
    alipay_notify_verify(&params, alipay_key(), &arena, &problem);
    if (alipay_notification_parse(&params, &n, &problem) == HT_OK) {
      struct alipay_expected e = {STR_LIT("2019073166072302"), STR_LIT("x"), STR_LIT(""), 10};
      alipay_notification_check(&n, &e, &problem);
    }
  }
  struct str content;
  struct alipay_result result;
  if (alipay_response_verify(body, ALIPAY_TRADE_QUERY, alipay_key(), &arena, &content, &problem) !=
          HT_ETOOBIG &&
      alipay_response_signed_part(body, STR_LIT("alipay_trade_query_response"), &content) == HT_OK)
    alipay_result_parse(content, &arena, &result, &problem);
  arena_free_all(&arena);
  return 0;
}
