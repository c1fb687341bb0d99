/* fuzz_wechatpay_notify.c — the WeChat Pay notification path must never crash or read out of
 * bounds on any body: signature verification against a real platform certificate, strict
 * envelope parsing, AES-GCM decryption of the resource, and transaction/refund parsing of both
 * the decrypted plaintext and the raw input. The key is the wechatpay-go notify_test.go
 * certificate, so the corpus's real notification reaches every stage. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/status.h"
#include "core/wechatpay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* wechatpay-apiv3/wechatpay-go core/notify/notify_test.go, wechatPayCertificate. */
static const char CERT_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNV\n"
                               "BAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQg\n"
                               "Q29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQsw\n"
                               "CQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZh\n"
                               "dWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
                               "2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXag\n"
                               "HQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOm\n"
                               "DeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B83\n"
                               "4uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGf\n"
                               "y8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtk\n"
                               "aSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZ\n"
                               "umNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0T\n"
                               "BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh\n"
                               "0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2\n"
                               "kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/\n"
                               "fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe\n"
                               "2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmq\n"
                               "cTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==\n"
                               "-----END CERTIFICATE-----\n";

static struct crypto_key *platform_key(void) {
  static struct crypto_key *key;
  if (!key && crypto_public_key_from_pem(STR_LIT(CERT_PEM), &key) != HT_OK) abort();
  return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct str body = {(const char *)data, size};
  struct arena arena;
  arena_init(&arena, 4 * WECHATPAY_BODY_BYTES_MAX);
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), platform_key()}};
  struct wechatpay_signature_headers headers = {
      STR_LIT("1624523846"), STR_LIT("EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"),
      STR_LIT("tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/"
              "Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK"
              "4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//"
              "rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8"
              "kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/"
              "jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb1"
              "6TQMnzCMBoutnwZKNiKRACrFmtxw2Q=="),
      STR_LIT("D7CE59D1F522D701")};
  struct wechatpay_notification n;
  struct wechatpay_problem problem;
  int rc = wechatpay_notification_open(keys, 1, &headers, body, 1624523846, STR_LIT("testMchAPIv3Key0"),
                                       &arena, &n, &problem);
  assert(rc != HT_OK || n.plaintext.len > 0);
  /* Past the signature too: parse and decrypt whatever the input is. */
  if (wechatpay_notification_parse(body, &arena, &n, &problem) == HT_OK &&
      wechatpay_notification_decrypt(&n, STR_LIT("testMchAPIv3Key0"), &arena, &problem) == HT_OK) {
    struct wechatpay_transaction t;
    wechatpay_transaction_parse(n.plaintext, &arena, &t, &problem);
  }
  struct wechatpay_transaction t;
  struct wechatpay_refund r;
  wechatpay_transaction_parse(body, &arena, &t, &problem);
  wechatpay_refund_parse(body, &arena, &r, &problem);
  arena_free_all(&arena);
  return 0;
}
