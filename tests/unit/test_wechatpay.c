/* Unit tests for core/wechatpay: request signing and the Authorization header, response and
 * notification verification (the complete signed + encrypted notification of the official Go
 * SDK, certificate and public-key modes, both sides of the 300 s skew), every rejection reason,
 * transaction and refund parsing on the spec's examples, state mappings, request builders and
 * their limits, the JSAPI paySign, acknowledgements, and interop with tests/sim/wechatpay_sim.py
 * (the simulator's notifications open with our code; our Authorization passes its checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/status.h"
#include "core/wechatpay.h"
#include "wallet_test_util.h"

#define ARENA_BYTES (1 << 20)

/* wechatpay-apiv3/wechatpay-go core/notify/notify_test.go, TestHandler_ParseNotifyRequest. */
#define GO_NOTIFY_TIMESTAMP 1624523846LL
#define GO_NOTIFY_NONCE     "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"
#define GO_NOTIFY_SERIAL    "D7CE59D1F522D701"
#define GO_NOTIFY_APIV3_KEY "testMchAPIv3Key0"
#define GO_NOTIFY_SIGNATURE                                                                                  \
  "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/"                                                                          \
  "Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9++"                        \
  "ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//"                                           \
  "rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZRU8"                                                         \
  "CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/"                                                                  \
  "jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRAC"                                \
  "rFmtxw2Q=="
#define GO_NOTIFY_PLAINTEXT                                                                                  \
  "{\"mchid\":\"1234567890\",\"appid\":\"054aa7d7a2a54ab5898df65bd96f001c\",\"create_time\":\"2020-06-"      \
  "30T12:12:00+"                                                                                             \
  "08:00\",\"out_contract_code\":\"21640bdbd08e473e828f3206a2741c6e\"}"

struct fixture {
  struct arena arena;
  struct crypto_key *cert;   /* wechatpay-go notify_test.go platform certificate */
  struct crypto_key *pubkey; /* wechatpay-go pubkey verifier test key (same modulus) */
  struct str body;           /* wechatpay-go notify_test.go body */
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  arena_init(&f->arena, ARENA_BYTES);
  f->cert = test_public_key("vectors/wechatpay-go/notify_platform_cert.pem");
  f->pubkey = test_public_key("vectors/wechatpay-go/pubkey_verifier_public_key.pem");
  f->body = test_read("vectors/wechatpay-go/notify_body.json");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  crypto_key_free(f->cert);
  crypto_key_free(f->pubkey);
  test_release(f->body);
  arena_free_all(&f->arena);
  free(f);
  return 0;
}

static struct wechatpay_signature_headers go_headers(void) {
  return (struct wechatpay_signature_headers){STR_LIT("1624523846"), STR_LIT(GO_NOTIFY_NONCE),
                                              STR_LIT(GO_NOTIFY_SIGNATURE), STR_LIT(GO_NOTIFY_SERIAL)};
}

static void test_request_message_and_authorization(void **state) {
  struct fixture *f = *state;
  struct str msg;
  /* wechatpay-go core/auth/credentials/wechat_pay_credential_test.go, "gen success without
   * body": the message signed for GET /v3/certificates. */
  assert_int_equal(wechatpay_request_message(STR_LIT("GET"), STR_LIT("/v3/certificates"), 1624523846,
                                             STR_LIT("A1B2C3D4E5F6G7"), STR_LIT(""), &f->arena, &msg),
                   HT_OK);
  assert_true(str_eq(msg, STR_LIT("GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n")));
  /* "gen success with body". */
  assert_int_equal(wechatpay_request_message(STR_LIT("POST"), STR_LIT("/v3/certificates"), 1624523846,
                                             STR_LIT("A1B2C3D4E5F6G7"), STR_LIT("Hello World!\n"), &f->arena,
                                             &msg),
                   HT_OK);
  assert_true(str_eq(msg, STR_LIT("POST\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\nHello World!\n\n")));
  /* The Authorization value, signed with the Go SDK's test key: the signature inside must
   * verify over the message with the matching public key. */
  struct crypto_key *priv = test_private_key("vectors/wechatpay-go/signer_private_key.pem");
  struct wechatpay_merchant m = {STR_LIT("1234567890"), STR_LIT("F5765756002FDD77"), priv};
  struct str auth;
  assert_int_equal(wechatpay_authorization(&m, STR_LIT("GET"), STR_LIT("/v3/certificates"), 1624523846,
                                           STR_LIT("A1B2C3D4E5F6G7"), STR_LIT(""), &f->arena, &auth),
                   HT_OK);
  const char *prefix =
      "WECHATPAY2-SHA256-RSA2048 mchid=\"1234567890\",nonce_str=\"A1B2C3D4E5F6G7\",signature=\"";
  assert_true(str_has_prefix(auth, str_from_cstr(prefix)));
  const char *suffix = "\",timestamp=\"1624523846\",serial_no=\"F5765756002FDD77\"";
  size_t sig_at = strlen(prefix), sig_len = auth.len - sig_at - strlen(suffix);
  assert_memory_equal(auth.data + sig_at + sig_len, suffix, strlen(suffix));
  struct str sig = {auth.data + sig_at, sig_len};
  assert_int_equal(crypto_rsa_sha256_verify_base64(
                       f->pubkey, STR_LIT("GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n"), sig),
                   HT_OK);
  /* Header-breaking input is refused rather than signed. */
  assert_int_equal(wechatpay_authorization(&m, STR_LIT("get"), STR_LIT("/v3/x"), 1, STR_LIT("n"), STR_LIT(""),
                                           &f->arena, &auth),
                   HT_EINVAL);
  assert_int_equal(wechatpay_authorization(&m, STR_LIT("GET"), STR_LIT("v3/x"), 1, STR_LIT("n"), STR_LIT(""),
                                           &f->arena, &auth),
                   HT_EINVAL);
  assert_int_equal(wechatpay_authorization(&m, STR_LIT("GET"), STR_LIT("/v3/x y"), 1, STR_LIT("n"),
                                           STR_LIT(""), &f->arena, &auth),
                   HT_EINVAL);
  assert_int_equal(wechatpay_authorization(&m, STR_LIT("GET"), STR_LIT("/v3/x"), 1, STR_LIT("n\""),
                                           STR_LIT(""), &f->arena, &auth),
                   HT_EINVAL);
  /* Nonce: 32 characters is the most (string(32)), 33 is refused. */
  struct str n32 = STR_LIT("0123456789abcdef0123456789ABCDEF");
  assert_int_equal(
      wechatpay_authorization(&m, STR_LIT("GET"), STR_LIT("/v3/x"), 1, n32, STR_LIT(""), &f->arena, &auth),
      HT_OK);
  assert_int_equal(wechatpay_authorization(&m, STR_LIT("GET"), STR_LIT("/v3/x"), 1,
                                           STR_LIT("0123456789abcdef0123456789ABCDEFx"), STR_LIT(""),
                                           &f->arena, &auth),
                   HT_EINVAL);
  crypto_key_free(priv);
}

static void test_go_sdk_notification_end_to_end(void **state) {
  struct fixture *f = *state;
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), f->cert}}; /* serial taken from the certificate */
  struct wechatpay_signature_headers h = go_headers();
  struct wechatpay_notification n;
  struct wechatpay_problem p;
  assert_int_equal(wechatpay_notification_open(keys, 1, &h, f->body, GO_NOTIFY_TIMESTAMP,
                                               STR_LIT(GO_NOTIFY_APIV3_KEY), &f->arena, &n, &p),
                   HT_OK);
  assert_int_equal(p.reason, WECHATPAY_ACCEPTED);
  assert_true(str_eq(n.id, STR_LIT("3119dfba-e649-5eec-ab1e-3412bc4d2e17")));
  assert_true(str_eq(n.create_time, STR_LIT("2021-06-24T16:37:26+08:00")));
  assert_true(str_eq(n.resource_type, STR_LIT("encrypt-resource")));
  assert_true(str_eq(n.event_type, STR_LIT("PAYSCORE.USER_OPEN_SERVICE")));
  assert_true(str_eq(n.summary, STR_LIT("签约成功")));
  assert_true(str_eq(n.associated_data, STR_LIT("payscore")));
  assert_true(str_eq(n.algorithm, STR_LIT("AEAD_AES_256_GCM")));
  assert_true(str_eq(n.original_type, STR_LIT("payscore")));
  assert_true(str_eq(n.plaintext, STR_LIT(GO_NOTIFY_PLAINTEXT)));
}

static void test_public_key_mode(void **state) {
  struct fixture *f = *state;
  /* The newer mode: WeChat Pay signs with a public key whose id is sent as Wechatpay-Serial.
   * The key of sha256withrsa_pubkey_verifier_test.go is the one behind the notify vector's
   * certificate, so the same signed bytes verify under an id. */
  struct wechatpay_platform_key keys[] = {
      {STR_LIT("PUB_KEY_ID_0112345678202409110000000000000001"), f->pubkey}};
  struct wechatpay_signature_headers h = go_headers();
  h.serial = STR_LIT("PUB_KEY_ID_0112345678202409110000000000000001");
  struct wechatpay_problem p;
  assert_int_equal(wechatpay_verify(keys, 1, &h, f->body, GO_NOTIFY_TIMESTAMP, &p), HT_OK);
  /* The certificate's serial is unknown in this key set. */
  h.serial = STR_LIT(GO_NOTIFY_SERIAL);
  assert_int_equal(wechatpay_verify(keys, 1, &h, f->body, GO_NOTIFY_TIMESTAMP, &p), HT_EAUTH);
  assert_int_equal(p.reason, WECHATPAY_REJECT_UNKNOWN_SERIAL);
  /* Serial matching ignores case, and surrounding header whitespace is trimmed. */
  struct wechatpay_platform_key cert_keys[] = {{STR_LIT(""), f->pubkey}, {STR_LIT(""), f->cert}};
  h.serial = STR_LIT(" d7ce59d1f522d701 ");
  assert_int_equal(wechatpay_verify(cert_keys, 2, &h, f->body, GO_NOTIFY_TIMESTAMP, &p), HT_OK);
}

static void test_clock_skew_both_sides(void **state) {
  struct fixture *f = *state;
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), f->cert}};
  struct wechatpay_signature_headers h = go_headers();
  struct wechatpay_problem p;
  const long long ts = GO_NOTIFY_TIMESTAMP;
  assert_int_equal(wechatpay_verify(keys, 1, &h, f->body, ts + WECHATPAY_CLOCK_SKEW_S_MAX - 1, &p), HT_OK);
  assert_int_equal(wechatpay_verify(keys, 1, &h, f->body, ts + WECHATPAY_CLOCK_SKEW_S_MAX, &p), HT_EAUTH);
  assert_int_equal(p.reason, WECHATPAY_REJECT_STALE_TIMESTAMP);
  assert_int_equal(wechatpay_verify(keys, 1, &h, f->body, ts - WECHATPAY_CLOCK_SKEW_S_MAX + 1, &p), HT_OK);
  assert_int_equal(wechatpay_verify(keys, 1, &h, f->body, ts - WECHATPAY_CLOCK_SKEW_S_MAX, &p), HT_EAUTH);
  assert_int_equal(p.reason, WECHATPAY_REJECT_STALE_TIMESTAMP);
  assert_true(wechatpay_timestamp_fresh(1000, 1299));
  assert_false(wechatpay_timestamp_fresh(1000, 1300));
  assert_false(wechatpay_timestamp_fresh(-9223372036854775807LL, 9223372036854775807LL));
}

static void expect_verify_reject(struct fixture *f, struct wechatpay_signature_headers h, struct str body,
                                 enum wechatpay_reject reason) {
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), f->cert}};
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  assert_int_equal(wechatpay_verify(keys, 1, &h, body, GO_NOTIFY_TIMESTAMP, &p), HT_EAUTH);
  assert_int_equal(p.reason, reason);
  assert_non_null(p.field);
}

static void test_verify_rejections(void **state) {
  struct fixture *f = *state;
  struct wechatpay_signature_headers h = go_headers();
  h.serial = STR_LIT("");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_MISSING_HEADER);
  h = go_headers(), h.signature = STR_LIT("  ");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_MISSING_HEADER);
  h = go_headers(), h.timestamp = STR_LIT("");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_MISSING_HEADER);
  h = go_headers(), h.nonce = STR_LIT("");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_MISSING_HEADER);
  h = go_headers(), h.timestamp = STR_LIT("invalid timestamp");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_BAD_TIMESTAMP);
  h = go_headers(), h.timestamp = STR_LIT("+1624523846");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_BAD_TIMESTAMP);
  h = go_headers(), h.serial = STR_LIT("5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_UNKNOWN_SERIAL);
  /* Nonce changed: the signed message differs. */
  h = go_headers(), h.nonce = STR_LIT("EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBZ");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_BAD_SIGNATURE);
  /* WeChat Pay's signature probes ("WECHATPAY/SIGNTEST/...") must fail verification. */
  h = go_headers(), h.signature = STR_LIT("WECHATPAY/SIGNTEST/tJHIiIS9eB2hAYstmAmb");
  expect_verify_reject(f, h, f->body, WECHATPAY_REJECT_BAD_SIGNATURE);
  /* One body byte changed. */
  char *tampered = malloc(f->body.len);
  memcpy(tampered, f->body.data, f->body.len);
  tampered[8] ^= 1;
  expect_verify_reject(f, go_headers(), (struct str){tampered, f->body.len}, WECHATPAY_REJECT_BAD_SIGNATURE);
  free(tampered);
  /* Body size: WECHATPAY_BODY_BYTES_MAX is checked (fails on signature), one more is too big. */
  char *big = calloc(1, WECHATPAY_BODY_BYTES_MAX + 1);
  expect_verify_reject(f, go_headers(), (struct str){big, WECHATPAY_BODY_BYTES_MAX},
                       WECHATPAY_REJECT_BAD_SIGNATURE);
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), f->cert}};
  struct wechatpay_problem p;
  struct wechatpay_signature_headers hh = go_headers();
  assert_int_equal(wechatpay_verify(keys, 1, &hh, (struct str){big, WECHATPAY_BODY_BYTES_MAX + 1},
                                    GO_NOTIFY_TIMESTAMP, &p),
                   HT_EAUTH);
  assert_int_equal(p.reason, WECHATPAY_REJECT_TOO_BIG);
  free(big);
}

static void test_decrypt_failures(void **state) {
  struct fixture *f = *state;
  struct wechatpay_notification n;
  struct wechatpay_problem p;
  assert_int_equal(wechatpay_notification_parse(f->body, &f->arena, &n, &p), HT_OK);
  struct wechatpay_notification copy = n;
  /* Wrong APIv3 key. */
  assert_int_equal(wechatpay_notification_decrypt(&copy, STR_LIT("testMchAPIv3Key1"), &f->arena, &p),
                   HT_ECHECKSUM);
  assert_int_equal(p.reason, WECHATPAY_REJECT_DECRYPT_FAILED);
  assert_int_equal(copy.plaintext.len, 0);
  /* Tampered ciphertext (first character changed), tampered AAD, tampered nonce. */
  char *ct = arena_strdup_str(&f->arena, n.ciphertext);
  ct[0] = ct[0] == 'A' ? 'B' : 'A';
  copy = n, copy.ciphertext = str_from_cstr(ct);
  assert_int_equal(wechatpay_notification_decrypt(&copy, STR_LIT(GO_NOTIFY_APIV3_KEY), &f->arena, &p),
                   HT_ECHECKSUM);
  copy = n, copy.associated_data = STR_LIT("transaction");
  assert_int_equal(wechatpay_notification_decrypt(&copy, STR_LIT(GO_NOTIFY_APIV3_KEY), &f->arena, &p),
                   HT_ECHECKSUM);
  copy = n, copy.nonce = STR_LIT("Kj7QIyUiYx1Q");
  assert_int_equal(wechatpay_notification_decrypt(&copy, STR_LIT(GO_NOTIFY_APIV3_KEY), &f->arena, &p),
                   HT_ECHECKSUM);
  /* Not base64. */
  copy = n, copy.ciphertext = STR_LIT("not base64!");
  assert_int_equal(wechatpay_notification_decrypt(&copy, STR_LIT(GO_NOTIFY_APIV3_KEY), &f->arena, &p),
                   HT_ECHECKSUM);
  assert_int_equal(p.reason, WECHATPAY_REJECT_DECRYPT_FAILED);
  /* A key of neither 16 nor 32 bytes is our configuration error. */
  copy = n;
  assert_int_equal(wechatpay_notification_decrypt(&copy, STR_LIT("short"), &f->arena, &p), HT_EINVAL);
  assert_int_equal(p.reason, WECHATPAY_REJECT_INTERNAL);
  /* The whole path stops at the signature before touching the ciphertext. */
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), f->cert}};
  struct wechatpay_signature_headers h = go_headers();
  h.timestamp = STR_LIT("1624523847");
  assert_int_equal(wechatpay_notification_open(keys, 1, &h, f->body, GO_NOTIFY_TIMESTAMP,
                                               STR_LIT(GO_NOTIFY_APIV3_KEY), &f->arena, &n, &p),
                   HT_EAUTH);
  assert_int_equal(p.reason, WECHATPAY_REJECT_BAD_SIGNATURE);
}

static void expect_parse_reject(struct fixture *f, const char *body, enum wechatpay_reject reason) {
  struct wechatpay_notification n;
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  assert_int_not_equal(wechatpay_notification_parse(str_from_cstr(body), &f->arena, &n, &p), HT_OK);
  assert_int_equal(p.reason, reason);
}

#define ENVELOPE_HEAD                                                                                        \
  "{\"id\":\"EV-1\",\"create_time\":\"2015-05-20T13:29:35+08:00\",\"event_type\":\"TRANSACTION.SUCCESS\","

static void test_envelope_rejections(void **state) {
  struct fixture *f = *state;
  expect_parse_reject(f, "", WECHATPAY_REJECT_MALFORMED);
  expect_parse_reject(f, "[]", WECHATPAY_REJECT_MALFORMED);
  expect_parse_reject(f, "{\"id\":\"a\",\"id\":\"b\"}", WECHATPAY_REJECT_MALFORMED);
  expect_parse_reject(f, "{\"id\":1}", WECHATPAY_REJECT_MALFORMED);
  expect_parse_reject(f, "{\"id\":\"x\"}", WECHATPAY_REJECT_MISSING_FIELD);
  expect_parse_reject(f, ENVELOPE_HEAD "\"resource_type\":\"encrypt-resource\"}",
                      WECHATPAY_REJECT_MISSING_FIELD);
  expect_parse_reject(f, ENVELOPE_HEAD "\"resource_type\":\"encrypt-resource\",\"resource\":\"x\"}",
                      WECHATPAY_REJECT_MALFORMED);
  expect_parse_reject(f,
                      ENVELOPE_HEAD
                      "\"resource_type\":\"plain\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\","
                      "\"ciphertext\":\"\",\"nonce\":\"n\"}}",
                      WECHATPAY_REJECT_BAD_ALGORITHM);
  /* wechatpay-go notify_test.go TestHandler_processBody_InvalidAlgorithm: AEAD_SM4_GCM. */
  expect_parse_reject(f,
                      ENVELOPE_HEAD
                      "\"resource_type\":\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_SM4_GCM\","
                      "\"ciphertext\":\"\",\"nonce\":\"n\"}}",
                      WECHATPAY_REJECT_BAD_ALGORITHM);
  expect_parse_reject(
      f,
      ENVELOPE_HEAD "\"resource_type\":\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\","
                    "\"ciphertext\":\"\"}}",
      WECHATPAY_REJECT_MISSING_FIELD);
  /* resource.nonce: 16 characters accepted (string[1,16]), 17 refused. */
  struct wechatpay_notification n;
  struct wechatpay_problem p;
  const char *ok16 =
      ENVELOPE_HEAD "\"resource_type\":\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\","
                    "\"ciphertext\":\"\",\"nonce\":\"0123456789abcdef\"}}";
  assert_int_equal(wechatpay_notification_parse(str_from_cstr(ok16), &f->arena, &n, &p), HT_OK);
  expect_parse_reject(
      f,
      ENVELOPE_HEAD "\"resource_type\":\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\","
                    "\"ciphertext\":\"\",\"nonce\":\"0123456789abcdefg\"}}",
      WECHATPAY_REJECT_MALFORMED);
  /* Nesting: WECHATPAY_JSON_DEPTH_MAX levels parse, one more is refused. */
  char body[256];
  for (int levels = WECHATPAY_JSON_DEPTH_MAX; levels <= WECHATPAY_JSON_DEPTH_MAX + 1; levels++) {
    char *b = body + snprintf(body, sizeof body, "{\"x\":");
    for (int i = 1; i < levels; i++) *b++ = '[';
    for (int i = 1; i < levels; i++) *b++ = ']';
    snprintf(b, 2, "}");
    expect_parse_reject(f, body,
                        levels <= WECHATPAY_JSON_DEPTH_MAX ? WECHATPAY_REJECT_MISSING_FIELD
                                                           : WECHATPAY_REJECT_MALFORMED);
  }
  /* Size: one byte over WECHATPAY_BODY_BYTES_MAX is too big. */
  char *big = malloc(WECHATPAY_BODY_BYTES_MAX + 2);
  memset(big, ' ', WECHATPAY_BODY_BYTES_MAX + 1);
  big[WECHATPAY_BODY_BYTES_MAX + 1] = '\0';
  expect_parse_reject(f, big, WECHATPAY_REJECT_TOO_BIG);
  big[WECHATPAY_BODY_BYTES_MAX] = '\0';
  expect_parse_reject(f, big, WECHATPAY_REJECT_MALFORMED);
  free(big);
}

/* The transaction example of the spec (Native 支付成功回调通知, resource after decryption). */
static const char SPEC_TRANSACTION[] =
    "{\"transaction_id\":\"1217752501201407033233368018\",\"amount\":{\"payer_total\":100,\"total\":100,"
    "\"currency\":\"CNY\",\"payer_currency\":\"CNY\"},\"mchid\":\"1230000109\",\"trade_state\":\"SUCCESS\","
    "\"bank_type\":\"CMC\",\"promotion_detail\":[{\"amount\":100,\"wechatpay_contribute\":0,\"coupon_id\":"
    "\"109519\","
    "\"scope\":\"GLOBAL\",\"merchant_contribute\":0,\"name\":\"单品惠-6\",\"other_contribute\":0,"
    "\"currency\":\"CNY\","
    "\"stock_id\":\"931386\",\"goods_detail\":[{\"goods_remark\":\"商品备注信息\",\"quantity\":1,\"discount_"
    "amount\":1,"
    "\"goods_id\":\"M1006\",\"unit_price\":100}]}],\"success_time\":\"2018-06-08T10:34:56+08:00\","
    "\"payer\":{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"},\"out_trade_no\":"
    "\"1217752501201407033233368018\","
    "\"appid\":\"wxd678efh567hg6787\",\"trade_state_desc\":\"支付成功\",\"trade_type\":\"MICROPAY\","
    "\"attach\":\"自定义数据\",\"scene_info\":{\"device_id\":\"013467007045764\"}}";

static void test_transaction_parse_and_check(void **state) {
  struct fixture *f = *state;
  struct wechatpay_transaction t;
  struct wechatpay_problem p;
  assert_int_equal(wechatpay_transaction_parse(STR_LIT(SPEC_TRANSACTION), &f->arena, &t, &p), HT_OK);
  assert_int_equal(t.state, WECHATPAY_TRADE_SUCCEEDED);
  assert_true(str_eq(t.out_trade_no, STR_LIT("1217752501201407033233368018")));
  assert_true(str_eq(t.transaction_id, STR_LIT("1217752501201407033233368018")));
  assert_true(str_eq(t.payer_openid, STR_LIT("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")));
  assert_true(str_eq(t.attach, STR_LIT("自定义数据")));
  assert_true(t.has_amount);
  assert_int_equal(t.total_fen, 100);
  assert_int_equal(t.payer_total_fen, 100);
  struct wechatpay_expected e = {STR_LIT("1230000109"), STR_LIT("wxd678efh567hg6787"),
                                 STR_LIT("1217752501201407033233368018"), 100, STR_LIT("CNY")};
  assert_int_equal(wechatpay_transaction_check(&t, &e, &p), HT_OK);
  struct wechatpay_expected bad = e;
  bad.out_trade_no = STR_LIT("1217752501201407033233368019");
  assert_int_equal(wechatpay_transaction_check(&t, &bad, &p), HT_ECONFLICT);
  assert_int_equal(p.reason, WECHATPAY_REJECT_UNKNOWN_ORDER);
  bad = e, bad.total_fen = 101;
  assert_int_equal(wechatpay_transaction_check(&t, &bad, &p), HT_ECONFLICT);
  assert_int_equal(p.reason, WECHATPAY_REJECT_AMOUNT_MISMATCH);
  bad = e, bad.currency = STR_LIT("USD");
  assert_int_equal(wechatpay_transaction_check(&t, &bad, &p), HT_ECONFLICT);
  assert_int_equal(p.reason, WECHATPAY_REJECT_AMOUNT_MISMATCH);
  bad = e, bad.mchid = STR_LIT("1230000110");
  assert_int_equal(wechatpay_transaction_check(&t, &bad, &p), HT_ECONFLICT);
  assert_int_equal(p.reason, WECHATPAY_REJECT_MERCHANT_MISMATCH);
  bad = e, bad.appid = STR_LIT("wx0000000000000000");
  assert_int_equal(wechatpay_transaction_check(&t, &bad, &p), HT_ECONFLICT);
  assert_int_equal(p.reason, WECHATPAY_REJECT_MERCHANT_MISMATCH);
  /* A SUCCESS without an amount cannot be matched against our record. */
  assert_int_equal(
      wechatpay_transaction_parse(STR_LIT("{\"mchid\":\"1230000109\",\"out_trade_no\":"
                                          "\"1217752501201407033233368018\",\"appid\":\"wxd678efh567hg6787\","
                                          "\"trade_state\":\"SUCCESS\"}"),
                                  &f->arena, &t, &p),
      HT_OK);
  assert_int_equal(wechatpay_transaction_check(&t, &e, &p), HT_ECONFLICT);
  assert_int_equal(p.reason, WECHATPAY_REJECT_AMOUNT_MISMATCH);
  /* Malformed amounts. */
  assert_int_equal(
      wechatpay_transaction_parse(STR_LIT("{\"mchid\":\"1\",\"out_trade_no\":\"123456\",\"trade_state\":"
                                          "\"SUCCESS\",\"amount\":{\"total\":\"100\"}}"),
                                  &f->arena, &t, &p),
      HT_EINVAL);
  assert_int_equal(p.reason, WECHATPAY_REJECT_MALFORMED);
  assert_int_equal(
      wechatpay_transaction_parse(STR_LIT("{\"mchid\":\"1\",\"out_trade_no\":\"123456\",\"trade_state\":"
                                          "\"SUCCESS\",\"amount\":{\"total\":-1}}"),
                                  &f->arena, &t, &p),
      HT_EINVAL);
  assert_int_equal(
      wechatpay_transaction_parse(STR_LIT("{\"mchid\":\"1\",\"out_trade_no\":\"123456\",\"trade_state\":"
                                          "\"SUCCESS\",\"amount\":{\"total\":1.5}}"),
                                  &f->arena, &t, &p),
      HT_EINVAL);
  assert_int_equal(wechatpay_transaction_parse(STR_LIT("{\"mchid\":\"1\",\"out_trade_no\":\"123456\"}"),
                                               &f->arena, &t, &p),
                   HT_EINVAL);
  assert_int_equal(p.reason, WECHATPAY_REJECT_MISSING_FIELD);
  assert_string_equal(p.field, "trade_state");
}

static void test_state_mappings(void **state) {
  (void)state;
  static const struct {
    const char *text;
    enum wechatpay_trade_state state;
  } cases[] = {
      {"SUCCESS", WECHATPAY_TRADE_SUCCEEDED}, {"REFUND", WECHATPAY_TRADE_REFUNDED},
      {"NOTPAY", WECHATPAY_TRADE_PENDING},    {"USERPAYING", WECHATPAY_TRADE_PENDING},
      {"ACCEPT", WECHATPAY_TRADE_PENDING},    {"CLOSED", WECHATPAY_TRADE_CLOSED},
      {"REVOKED", WECHATPAY_TRADE_FAILED},    {"PAYERROR", WECHATPAY_TRADE_FAILED},
      {"success", WECHATPAY_TRADE_UNKNOWN},   {"", WECHATPAY_TRADE_UNKNOWN},
      {"PAYING", WECHATPAY_TRADE_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_int_equal(wechatpay_trade_state_from(str_from_cstr(cases[i].text)), cases[i].state);
  assert_string_equal(wechatpay_trade_state_name(WECHATPAY_TRADE_PENDING), "pending");
  assert_string_equal(wechatpay_trade_state_name(WECHATPAY_TRADE_UNKNOWN), "unknown");
  assert_int_equal(wechatpay_refund_state_from(STR_LIT("SUCCESS")), WECHATPAY_REFUND_SUCCEEDED);
  assert_int_equal(wechatpay_refund_state_from(STR_LIT("PROCESSING")), WECHATPAY_REFUND_PENDING);
  assert_int_equal(wechatpay_refund_state_from(STR_LIT("CLOSED")), WECHATPAY_REFUND_CLOSED);
  assert_int_equal(wechatpay_refund_state_from(STR_LIT("ABNORMAL")), WECHATPAY_REFUND_ABNORMAL);
  assert_int_equal(wechatpay_refund_state_from(STR_LIT("REFUNDING")), WECHATPAY_REFUND_UNKNOWN);
  assert_string_equal(wechatpay_refund_state_name(WECHATPAY_REFUND_ABNORMAL), "abnormal");
  assert_string_equal(wechatpay_reject_name(WECHATPAY_REJECT_BAD_SIGNATURE), "bad_signature");
  assert_string_equal(wechatpay_reject_name((enum wechatpay_reject)99), "unknown");
}

static void test_refund_parse(void **state) {
  struct fixture *f = *state;
  struct wechatpay_refund r;
  struct wechatpay_problem p;
  /* The spec's REFUND.SUCCESS resource example (退款结果通知). */
  assert_int_equal(
      wechatpay_refund_parse(
          STR_LIT("{\"mchid\":\"1900000100\",\"transaction_id\":\"1008450740201411110005820873\","
                  "\"out_trade_no\":\"20150806125346\",\"refund_id\":\"50200207182018070300011301001\","
                  "\"out_refund_no\":\"7752501201407033233368018\",\"refund_status\":\"SUCCESS\","
                  "\"success_time\":\"2018-06-08T10:34:56+08:00\",\"user_received_account\":"
                  "\"招商银行信用卡0403\",\"amount\":{\"total\":999,\"refund\":999,\"payer_total\":999,"
                  "\"payer_refund\":999}}"),
          &f->arena, &r, &p),
      HT_OK);
  assert_int_equal(r.state, WECHATPAY_REFUND_SUCCEEDED);
  assert_int_equal(r.refund_fen, 999);
  assert_int_equal(r.payer_refund_fen, 999);
  assert_true(str_eq(r.out_refund_no, STR_LIT("7752501201407033233368018")));
  /* The spec's 退款申请 response example (status, no mchid). */
  assert_int_equal(
      wechatpay_refund_parse(
          STR_LIT("{\"refund_id\":\"50000000382019052709732678859\",\"out_refund_no\":"
                  "\"1217752501201407033233368018\",\"transaction_id\":\"1217752501201407033233368018\","
                  "\"out_trade_no\":\"1217752501201407033233368018\",\"channel\":\"ORIGINAL\","
                  "\"user_received_account\":\"招商银行信用卡0403\",\"create_time\":"
                  "\"2020-12-01T16:18:12+08:00\",\"status\":\"PROCESSING\",\"funds_account\":\"UNSETTLED\","
                  "\"amount\":{\"total\":100,\"refund\":100,\"from\":[{\"account\":\"AVAILABLE\","
                  "\"amount\":444}],\"payer_total\":90,\"payer_refund\":90,\"settlement_refund\":100,"
                  "\"settlement_total\":100,\"discount_refund\":10,\"currency\":\"CNY\"}}"),
          &f->arena, &r, &p),
      HT_OK);
  assert_int_equal(r.state, WECHATPAY_REFUND_PENDING);
  assert_int_equal(r.total_fen, 100);
  assert_true(str_eq(r.currency, STR_LIT("CNY")));
  assert_int_equal(wechatpay_refund_parse(STR_LIT("{\"status\":\"SUCCESS\",\"out_trade_no\":\"123456\","
                                                  "\"out_refund_no\":\"1\",\"refund_id\":\"2\"}"),
                                          &f->arena, &r, &p),
                   HT_EINVAL);
  assert_int_equal(p.reason, WECHATPAY_REJECT_MISSING_FIELD);
  assert_string_equal(p.field, "amount");
}

static void test_request_builders(void **state) {
  struct fixture *f = *state;
  struct wechatpay_order o = {.appid = STR_LIT("wxd678efh567hg6787"),
                              .mchid = STR_LIT("1230000109"),
                              .description = STR_LIT("Image形象店-深圳腾大-QQ公仔"),
                              .out_trade_no = STR_LIT("1217752501201407033233368018"),
                              .notify_url = STR_LIT("https://www.weixin.qq.com/wxpay/pay.php"),
                              .total_fen = 100};
  struct str out;
  assert_int_equal(wechatpay_native_body(&o, &f->arena, &out), HT_OK);
  assert_true(str_eq(
      out, STR_LIT("{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"description\":"
                   "\"Image形象店-深圳腾大-QQ公仔\",\"out_trade_no\":\"1217752501201407033233368018\","
                   "\"notify_url\":\"https://www.weixin.qq.com/wxpay/pay.php\",\"amount\":{\"total\":100,"
                   "\"currency\":\"CNY\"}}")));
  assert_int_equal(wechatpay_jsapi_body(&o, &f->arena, &out), HT_EINVAL); /* no openid */
  o.payer_openid = STR_LIT("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
  o.time_expire = STR_LIT("2018-06-08T10:34:56+08:00");
  assert_int_equal(wechatpay_jsapi_body(&o, &f->arena, &out), HT_OK);
  assert_true(str_find(out, STR_LIT("\"time_expire\":\"2018-06-08T10:34:56+08:00\""), false) > 0);
  assert_true(str_find(out, STR_LIT("\"payer\":{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"}"), false) > 0);
  /* out_trade_no 6..32, description ≤ 127 bytes, amount ≥ 1, https notify_url. */
  struct wechatpay_order b = o;
  b.out_trade_no = STR_LIT("12345");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  b.out_trade_no = STR_LIT("123456");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_OK);
  b.out_trade_no = STR_LIT("12345678901234567890123456789012");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_OK);
  b.out_trade_no = STR_LIT("123456789012345678901234567890123");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  b.out_trade_no = STR_LIT("12345/../x");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  char desc[WECHATPAY_DESCRIPTION_BYTES_MAX + 1];
  memset(desc, 'd', sizeof desc);
  b = o, b.description = (struct str){desc, WECHATPAY_DESCRIPTION_BYTES_MAX};
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_OK);
  b.description.len++;
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  b = o, b.total_fen = 0;
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  b = o, b.notify_url = STR_LIT("http://insecure.example/notify");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  /* Loopback http is for local servers and simulators; a look-alike host is not loopback. */
  b = o, b.notify_url = STR_LIT("http://127.0.0.1:8080/notify/wechatpay/1");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_OK);
  b = o, b.notify_url = STR_LIT("http://127.0.0.1.evil.example/notify");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);
  b = o, b.notify_url = STR_LIT("http://localhost.evil.example/notify");
  assert_int_equal(wechatpay_native_body(&b, &f->arena, &out), HT_EINVAL);

  assert_int_equal(
      wechatpay_query_path(STR_LIT("1217752501201407033233368018"), STR_LIT("1230000109"), &f->arena, &out),
      HT_OK);
  assert_true(str_eq(
      out, STR_LIT("/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109")));
  assert_int_equal(wechatpay_query_path(STR_LIT("a?b=c&d"), STR_LIT("1"), &f->arena, &out), HT_EINVAL);
  assert_int_equal(wechatpay_close_path(STR_LIT("1217752501201407033233368018"), &f->arena, &out), HT_OK);
  assert_true(str_eq(out, STR_LIT("/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close")));
  assert_int_equal(wechatpay_close_body(STR_LIT("1230000109"), &f->arena, &out), HT_OK);
  assert_true(str_eq(out, STR_LIT("{\"mchid\":\"1230000109\"}")));

  struct wechatpay_refund_request r = {STR_LIT("1217752501201407033233368018"),
                                       STR_LIT("1217752501201407033233368018"),
                                       STR_LIT("商品已售完"),
                                       STR_LIT("https://weixin.qq.com"),
                                       100,
                                       100};
  assert_int_equal(wechatpay_refund_body(&r, &f->arena, &out), HT_OK);
  assert_true(str_eq(
      out,
      STR_LIT("{\"out_trade_no\":\"1217752501201407033233368018\",\"out_refund_no\":"
              "\"1217752501201407033233368018\",\"reason\":\"商品已售完\",\"notify_url\":"
              "\"https://weixin.qq.com\",\"amount\":{\"refund\":100,\"total\":100,\"currency\":\"CNY\"}}")));
  struct wechatpay_refund_request rb = r;
  rb.refund_fen = 101;
  assert_int_equal(wechatpay_refund_body(&rb, &f->arena, &out), HT_EINVAL);
  rb = r, rb.refund_fen = 0;
  assert_int_equal(wechatpay_refund_body(&rb, &f->arena, &out), HT_EINVAL);
  char long_no[WECHATPAY_OUT_REFUND_NO_CHARS_MAX + 1];
  memset(long_no, '7', sizeof long_no);
  rb = r, rb.out_refund_no = (struct str){long_no, WECHATPAY_OUT_REFUND_NO_CHARS_MAX};
  assert_int_equal(wechatpay_refund_body(&rb, &f->arena, &out), HT_OK);
  rb.out_refund_no.len++;
  assert_int_equal(wechatpay_refund_body(&rb, &f->arena, &out), HT_EINVAL);
  assert_int_equal(wechatpay_refund_query_path(STR_LIT("R-1@x"), &f->arena, &out), HT_OK);
  assert_true(str_eq(out, STR_LIT("/v3/refund/domestic/refunds/R-1@x")));

  assert_int_equal(
      wechatpay_response_string(STR_LIT("{\"code_url\":\"weixin://wxpay/bizpayurl?pr=p4lpSuKzz\"}"),
                                "code_url", &f->arena, &out),
      HT_OK);
  assert_true(str_eq(out, STR_LIT("weixin://wxpay/bizpayurl?pr=p4lpSuKzz")));
  assert_int_equal(wechatpay_response_string(STR_LIT("{\"prepay_id\":7}"), "prepay_id", &f->arena, &out),
                   HT_EINVAL);
  assert_int_equal(wechatpay_response_string(STR_LIT("not json"), "prepay_id", &f->arena, &out), HT_EINVAL);
}

static void test_jsapi_pay_sign(void **state) {
  struct fixture *f = *state;
  struct crypto_key *priv = test_private_key("keys/wechatpay_merchant_key.pem");
  struct crypto_key *pub = test_public_key("keys/wechatpay_merchant_pub.pem");
  struct wechatpay_merchant m = {STR_LIT("1230000109"), STR_LIT("ABCDEF"), priv};
  struct wechatpay_jsapi_params js;
  assert_int_equal(wechatpay_jsapi_sign(&m, STR_LIT("wx8888888888888888"), 1414561699,
                                        STR_LIT("5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
                                        STR_LIT("wx201410272009395522657a690389285100"), &f->arena, &js),
                   HT_OK);
  assert_true(str_eq(js.package, STR_LIT("prepay_id=wx201410272009395522657a690389285100")));
  assert_true(str_eq(js.sign_type, STR_LIT("RSA")));
  /* The message of the JSAPI 调起支付 spec: appId, timeStamp, nonceStr, package, each + "\n". */
  assert_int_equal(crypto_rsa_sha256_verify_base64(
                       pub,
                       STR_LIT("wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
                               "prepay_id=wx201410272009395522657a690389285100\n"),
                       js.pay_sign),
                   HT_OK);
  assert_true(str_has_prefix(
      js.json, STR_LIT("{\"appId\":\"wx8888888888888888\",\"timeStamp\":\"1414561699\",\"nonceStr\":"
                       "\"5K8264ILTKCH16CQ2502SI8ZNMTM67VS\",\"package\":\"prepay_id=wx2014102720093955"
                       "22657a690389285100\",\"signType\":\"RSA\",\"paySign\":\"")));
  assert_int_equal(wechatpay_jsapi_sign(&m, STR_LIT("wx8888888888888888"), 1, STR_LIT("bad nonce"),
                                        STR_LIT("wx1"), &f->arena, &js),
                   HT_EINVAL);
  crypto_key_free(priv);
  crypto_key_free(pub);
}

static void test_ack(void **state) {
  (void)state;
  struct wechatpay_ack a;
  wechatpay_ack(WECHATPAY_ACCEPTED, &a);
  assert_int_equal(a.http_status, 204);
  assert_int_equal(a.body.len, 0);
  wechatpay_ack(WECHATPAY_REJECT_BAD_SIGNATURE, &a);
  assert_int_equal(a.http_status, 401);
  assert_true(str_eq(a.body, STR_LIT("{\"code\":\"FAIL\",\"message\":\"失败\"}")));
  wechatpay_ack(WECHATPAY_REJECT_AMOUNT_MISMATCH, &a);
  assert_int_equal(a.http_status, 400);
  wechatpay_ack(WECHATPAY_REJECT_INTERNAL, &a);
  assert_int_equal(a.http_status, 500);
}

/* The simulator's defaults (tests/sim/wechatpay_sim.py): merchant, serial and APIv3 key. */
#define SIM_MCHID           "1230000109"
#define SIM_MERCHANT_SERIAL "3775B6A45ACD588826D15E583A95F5DD3E6F2BC3"
#define SIM_APIV3_KEY       "hutongTestAPIv3Key0123456789abcd"
#define SIM_NOW             1700000000LL

/* Runs the simulator in a one-shot mode with `input` on stdin. */
static char *run_sim(const char *mode, struct str input, int *status) {
  char *script = test_data_path("../sim/wechatpay_sim.py");
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s --now %lld", script, mode, SIM_NOW);
  char *out = test_run(cmd, input, status);
  free(script);
  return out;
}

/* Value of header `name` in the simulator's "Name: value" lines. */
static struct str header_value(const char *text, const char *name) {
  const char *at = strstr(text, name);
  assert_non_null(at);
  at += strlen(name) + 2;
  return (struct str){at, (size_t)(strchr(at, '\n') - at)};
}

static void test_simulator_notification_opens(void **state) {
  struct fixture *f = *state;
  int status = -1;
  char *out = run_sim(
      "--emit-notification",
      STR_LIT("{\"mchid\":\"1230000109\",\"appid\":\"wxd678efh567hg6787\",\"out_trade_no\":\"T20240001\","
              "\"transaction_id\":\"4200001\",\"trade_type\":\"NATIVE\",\"trade_state\":\"SUCCESS\","
              "\"amount\":{\"total\":8888,\"payer_total\":8888,\"currency\":\"CNY\"}}"),
      &status);
  assert_int_equal(status, 0);
  struct wechatpay_signature_headers h = {
      header_value(out, "Wechatpay-Timestamp"), header_value(out, "Wechatpay-Nonce"),
      header_value(out, "Wechatpay-Signature"), header_value(out, "Wechatpay-Serial")};
  struct str body = str_from_cstr(strstr(out, "\n\n") + 2);
  struct crypto_key *cert = test_public_key("keys/wechatpay_platform_cert.pem");
  struct wechatpay_platform_key keys[] = {{STR_LIT(""), cert}};
  struct wechatpay_notification n;
  struct wechatpay_problem p;
  assert_int_equal(
      wechatpay_notification_open(keys, 1, &h, body, SIM_NOW + 10, STR_LIT(SIM_APIV3_KEY), &f->arena, &n, &p),
      HT_OK);
  struct wechatpay_transaction t;
  assert_int_equal(wechatpay_transaction_parse(n.plaintext, &f->arena, &t, &p), HT_OK);
  struct wechatpay_expected e = {STR_LIT("1230000109"), STR_LIT("wxd678efh567hg6787"), STR_LIT("T20240001"),
                                 8888, STR_LIT("CNY")};
  assert_int_equal(wechatpay_transaction_check(&t, &e, &p), HT_OK);
  assert_int_equal(t.state, WECHATPAY_TRADE_SUCCEEDED);
  crypto_key_free(cert);
  free(out);
}

static void test_simulator_accepts_our_authorization(void **state) {
  struct fixture *f = *state;
  struct crypto_key *priv = test_private_key("keys/wechatpay_merchant_key.pem");
  struct wechatpay_merchant m = {STR_LIT(SIM_MCHID), STR_LIT(SIM_MERCHANT_SERIAL), priv};
  struct str body = STR_LIT("{\"mchid\":\"1230000109\"}");
  struct str auth;
  assert_int_equal(wechatpay_authorization(
                       &m, STR_LIT("POST"), STR_LIT("/v3/pay/transactions/out-trade-no/T20240001/close"),
                       SIM_NOW, STR_LIT("593BEC0C930BF1AFEB40B4A08C8FB242"), body, &f->arena, &auth),
                   HT_OK);
  char *request =
      arena_printf(&f->arena, "POST\n/v3/pay/transactions/out-trade-no/T20240001/close\n%.*s\n%.*s",
                   STR_FMT(auth), STR_FMT(body));
  int status = -1;
  char *out = run_sim("--verify-request", str_from_cstr(request), &status);
  assert_string_equal(out, "OK\n");
  assert_int_equal(status, 0);
  free(out);
  /* The same header on another body is refused like the real API does. */
  request = arena_printf(&f->arena, "POST\n/v3/pay/transactions/out-trade-no/T20240001/close\n%.*s\n{}",
                         STR_FMT(auth));
  out = run_sim("--verify-request", str_from_cstr(request), &status);
  assert_int_equal(status, 1);
  assert_true(strncmp(out, "SIGN_ERROR", 10) == 0);
  free(out);
  crypto_key_free(priv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_request_message_and_authorization, setup, teardown),
      cmocka_unit_test_setup_teardown(test_go_sdk_notification_end_to_end, setup, teardown),
      cmocka_unit_test_setup_teardown(test_public_key_mode, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clock_skew_both_sides, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_rejections, setup, teardown),
      cmocka_unit_test_setup_teardown(test_decrypt_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_envelope_rejections, setup, teardown),
      cmocka_unit_test_setup_teardown(test_transaction_parse_and_check, setup, teardown),
      cmocka_unit_test(test_state_mappings),
      cmocka_unit_test_setup_teardown(test_refund_parse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_request_builders, setup, teardown),
      cmocka_unit_test_setup_teardown(test_jsapi_pay_sign, setup, teardown),
      cmocka_unit_test(test_ack),
      cmocka_unit_test_setup_teardown(test_simulator_notification_opens, setup, teardown),
      cmocka_unit_test_setup_teardown(test_simulator_accepts_our_authorization, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
