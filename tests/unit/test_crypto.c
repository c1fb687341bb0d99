/* Unit tests for core/crypto: digests and HMAC against published vectors, key parsing in every
 * accepted form and both sides of the size limits, the exact SHA256withRSA signature from the
 * WeChat Pay Go SDK, AES-GCM against the GCM paper and the Go SDK's decrypt cases, strict base64,
 * and a differential test of our RSA signer against the `openssl` command line, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/status.h"
#include "wallet_test_util.h"

static void hex(const uint8_t *bytes, size_t len, char *out) {
  for (size_t i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

static void test_sha256_and_hmac(void **state) {
  (void)state;
  uint8_t d[CRYPTO_SHA256_BYTES];
  char h[2 * CRYPTO_SHA256_BYTES + 1];
  /* FIPS 180-2, Appendix B.1: SHA-256("abc"). */
  assert_int_equal(crypto_sha256(STR_LIT("abc"), d), HT_OK);
  hex(d, sizeof d, h);
  assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  /* RFC 4231, test case 2. */
  assert_int_equal(crypto_hmac_sha256(STR_LIT("Jefe"), STR_LIT("what do ya want for nothing?"), d), HT_OK);
  hex(d, sizeof d, h);
  assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_equal_ct(void **state) {
  (void)state;
  assert_true(crypto_str_equal_ct(STR_LIT("secret"), STR_LIT("secret")));
  assert_false(crypto_str_equal_ct(STR_LIT("secret"), STR_LIT("secreT")));
  assert_false(crypto_str_equal_ct(STR_LIT("secret"), STR_LIT("secret!")));
  assert_true(crypto_str_equal_ct(STR_LIT(""), STR_LIT("")));
}

/* wechatpay-apiv3/wechatpay-go core/auth/signers/sha256withrsa_signer_test.go:
 * testExpectedSignature for testMessage "source" under testPrivateKeyStr. */
static const char GO_SDK_SIGNATURE[] =
    "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6"
    "pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/"
    "K8V29QiOh"
    "uH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/"
    "L+hdwf"
    "LpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

static void test_rsa_go_sdk_exact_signature(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct crypto_key *priv = test_private_key("vectors/wechatpay-go/signer_private_key.pem");
  struct str sig;
  assert_int_equal(crypto_rsa_sha256_sign_base64(priv, STR_LIT("source"), &arena, &sig), HT_OK);
  assert_true(str_eq(sig, STR_LIT(GO_SDK_SIGNATURE)));
  /* sha256withrsa_pubkey_verifier_test.go: the same signature verifies under testPubKey, and
   * "wrong source" / an empty message / a non-base64 signature do not. */
  struct crypto_key *pub = test_public_key("vectors/wechatpay-go/pubkey_verifier_public_key.pem");
  assert_int_equal(crypto_rsa_sha256_verify_base64(pub, STR_LIT("source"), STR_LIT(GO_SDK_SIGNATURE)), HT_OK);
  assert_int_equal(crypto_rsa_sha256_verify_base64(pub, STR_LIT("wrong source"), STR_LIT(GO_SDK_SIGNATURE)),
                   HT_ECHECKSUM);
  assert_int_equal(crypto_rsa_sha256_verify_base64(pub, STR_LIT(""), STR_LIT(GO_SDK_SIGNATURE)),
                   HT_ECHECKSUM);
  assert_int_equal(
      crypto_rsa_sha256_verify_base64(pub, STR_LIT("source"), STR_LIT("invalid base64 signature")),
      HT_ECHECKSUM);
  assert_int_equal(crypto_rsa_sha256_verify_base64(pub, STR_LIT("source"), STR_LIT("")), HT_ECHECKSUM);
  /* A public key cannot sign. */
  assert_int_equal(crypto_rsa_sha256_sign_base64(pub, STR_LIT("source"), &arena, &sig), HT_EINVAL);
  assert_false(crypto_key_is_private(pub));
  assert_true(crypto_key_is_private(priv));
  crypto_key_free(pub);
  crypto_key_free(priv);
  arena_free_all(&arena);
}

static void test_key_forms(void **state) {
  (void)state;
  /* X.509 certificate from wechatpay-go core/notify/notify_test.go; its serial is the
   * Wechatpay-Serial of that test ("D7CE59D1F522D701"). */
  struct crypto_key *cert = test_public_key("vectors/wechatpay-go/notify_platform_cert.pem");
  assert_true(str_eq(crypto_key_serial(cert), STR_LIT("D7CE59D1F522D701")));
  crypto_key_free(cert);
  /* PKCS#1 private key (alipay-sdk-nodejs-all test/fixtures/app-private-key.pem), SPKI public. */
  struct crypto_key *k = test_private_key("vectors/alipay-sdk-nodejs-all/app-private-key.pem");
  crypto_key_free(k);
  k = test_public_key("vectors/alipay-sdk-nodejs-all/app-public-key.pem");
  assert_int_equal(crypto_key_serial(k).len, 0);
  crypto_key_free(k);
  /* Bare base64 DER, the form Alipay's console shows (alipay.test.ts notifyAlipayPublicKeyV1). */
  k = test_public_key("vectors/alipay-sdk-nodejs-all/notify-public-key-v1-inline.txt");
  crypto_key_free(k);
  /* PKCS#1 "RSA PUBLIC KEY" from a key of ours. */
  int status = 0;
  struct str spki = test_read("keys/alipay_app_pub.pem");
  char *pkcs1 = test_run("openssl rsa -pubin -RSAPublicKey_out 2>/dev/null", spki, &status);
  test_release(spki);
  assert_int_equal(status, 0);
  assert_non_null(strstr(pkcs1, "BEGIN RSA PUBLIC KEY"));
  assert_int_equal(crypto_public_key_from_pem(str_from_cstr(pkcs1), &k), HT_OK);
  crypto_key_free(k);
  free(pkcs1);
}

static void test_key_errors_and_limits(void **state) {
  (void)state;
  struct crypto_key *k = NULL;
  assert_int_equal(crypto_public_key_from_pem(STR_LIT("not a key"), &k), HT_EINVAL);
  assert_int_equal(crypto_private_key_from_pem(
                       STR_LIT("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), &k),
                   HT_EINVAL);
  /* A public key is not a private key. */
  struct str pub = test_read("keys/alipay_app_pub.pem");
  assert_int_equal(crypto_private_key_from_pem(pub, &k), HT_EINVAL);
  test_release(pub);
  /* Modulus sizes: 2040 bits is below CRYPTO_RSA_BITS_MIN, 4096 is the largest accepted,
   * 4104 is above CRYPTO_RSA_BITS_MAX. */
  struct str small = test_read("keys/rsa2040_too_small.pem");
  assert_int_equal(crypto_private_key_from_pem(small, &k), HT_ERANGE);
  test_release(small);
  struct str big = test_read("keys/rsa4104_too_big.pem");
  assert_int_equal(crypto_private_key_from_pem(big, &k), HT_ERANGE);
  test_release(big);
  k = test_private_key("keys/rsa4096_largest.pem");
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct str sig;
  assert_int_equal(crypto_rsa_sha256_sign_base64(k, STR_LIT("m"), &arena, &sig), HT_OK);
  assert_int_equal(sig.len, CRYPTO_BASE64_LEN(512));
  crypto_key_free(k);
  arena_free_all(&arena);
  /* Key text size: CRYPTO_KEY_TEXT_BYTES_MAX bytes are read, one more is refused. */
  char *text = malloc(CRYPTO_KEY_TEXT_BYTES_MAX + 1);
  memset(text, 'A', CRYPTO_KEY_TEXT_BYTES_MAX + 1);
  assert_int_equal(crypto_public_key_from_pem((struct str){text, CRYPTO_KEY_TEXT_BYTES_MAX}, &k), HT_EINVAL);
  assert_int_equal(crypto_public_key_from_pem((struct str){text, CRYPTO_KEY_TEXT_BYTES_MAX + 1}, &k),
                   HT_ETOOBIG);
  free(text);
}

static void test_rsa_sign_verify(void **state) {
  (void)state;
  struct crypto_key *priv = test_private_key("keys/wechatpay_merchant_key.pem");
  struct crypto_key *pub = test_public_key("keys/wechatpay_merchant_pub.pem");
  struct crypto_key *other = test_public_key("keys/alipay_app_pub.pem");
  uint8_t sig[CRYPTO_RSA_SIG_BYTES_MAX];
  size_t len = 0;
  assert_int_equal(crypto_rsa_sha256_sign(priv, STR_LIT("hello"), sig, 255, &len), HT_ETOOBIG);
  assert_int_equal(crypto_rsa_sha256_sign(priv, STR_LIT("hello"), sig, 256, &len), HT_OK);
  assert_int_equal(len, 256);
  assert_int_equal(crypto_rsa_sha256_verify(pub, STR_LIT("hello"), sig, len), HT_OK);
  assert_int_equal(crypto_rsa_sha256_verify(pub, STR_LIT("hellO"), sig, len), HT_ECHECKSUM);
  assert_int_equal(crypto_rsa_sha256_verify(other, STR_LIT("hello"), sig, len), HT_ECHECKSUM);
  assert_int_equal(crypto_rsa_sha256_verify(pub, STR_LIT("hello"), sig, len - 1), HT_ECHECKSUM);
  sig[100] ^= 1;
  assert_int_equal(crypto_rsa_sha256_verify(pub, STR_LIT("hello"), sig, len), HT_ECHECKSUM);
  crypto_key_free(priv);
  crypto_key_free(pub);
  crypto_key_free(other);
}

static int unhex(const char *h, uint8_t *out) {
  int n = 0;
  for (; h[0] && h[1]; h += 2) {
    unsigned v = 0;
    sscanf(h, "%2x", &v);
    out[n++] = (uint8_t)v;
  }
  return n;
}

static void test_gcm_known_answer(void **state) {
  (void)state;
  /* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test case 2: AES-128, zero
   * key, zero 96-bit IV, one zero block. */
  uint8_t zero[16] = {0}, out[64], back[64];
  size_t len = 0, back_len = 0;
  struct str key = {(const char *)zero, 16};
  struct str iv = {(const char *)zero, 12};
  assert_int_equal(crypto_aes_gcm_encrypt(key, iv, STR_LIT(""), key, out, sizeof out, &len), HT_OK);
  char h[2 * 32 + 1];
  hex(out, len, h);
  assert_string_equal(h, "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
  assert_int_equal(crypto_aes_gcm_decrypt(key, iv, STR_LIT(""), (struct str){(const char *)out, len}, back,
                                          sizeof back, &back_len),
                   HT_OK);
  assert_int_equal(back_len, 16);
  assert_memory_equal(back, zero, 16);
  /* Same paper, test case 14: AES-256, zero key and IV, one zero block. */
  uint8_t key32[32] = {0};
  assert_int_equal(crypto_aes_gcm_encrypt((struct str){(const char *)key32, 32}, iv, STR_LIT(""),
                                          (struct str){(const char *)zero, 16}, out, sizeof out, &len),
                   HT_OK);
  hex(out, len, h);
  assert_string_equal(h, "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
  uint8_t expect[32];
  assert_int_equal(unhex("cea7403d4d606b6e074ec5d3baf39d18", expect), 16);
  assert_memory_equal(out, expect, 16);
}

/* wechatpay-apiv3/wechatpay-go utils/aes_test.go, TestDecryptAes256Gcm. */
#define GO_AES_KEY        "testAPIv3Key0000"
#define GO_AES_NONCE      "wCq51qZv4Yfg"
#define GO_AES_AAD        "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8"
#define GO_AES_CIPHERTEXT "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"

static int go_decrypt(struct str key, struct str b64, struct str aad, char *out, size_t *len) {
  struct arena arena;
  arena_init(&arena, 4096);
  struct str sealed;
  int rc = crypto_base64_decode_arena(b64, &arena, &sealed);
  if (rc == HT_OK)
    rc = crypto_aes_gcm_decrypt(key, STR_LIT(GO_AES_NONCE), aad, sealed, (uint8_t *)out, 64, len);
  arena_free_all(&arena);
  return rc;
}

static void test_gcm_go_sdk_cases(void **state) {
  (void)state;
  char out[64];
  size_t len = 0;
  /* "decrypt success": 16-byte APIv3 key, so AES-128. */
  assert_int_equal(
      go_decrypt(STR_LIT(GO_AES_KEY), STR_LIT(GO_AES_CIPHERTEXT), STR_LIT(GO_AES_AAD), out, &len), HT_OK);
  assert_int_equal(len, 11);
  assert_memory_equal(out, "Hello World", 11);
  /* "invalid base64 ciphertext". */
  assert_int_equal(go_decrypt(STR_LIT(GO_AES_KEY), STR_LIT("invalid cipher"), STR_LIT(GO_AES_AAD), out, &len),
                   HT_EINVAL);
  /* "invalid ciphertext": valid base64 of 12 bytes, shorter than the tag. */
  assert_int_equal(
      go_decrypt(STR_LIT(GO_AES_KEY), STR_LIT("SGVsbG8gV29ybGQK"), STR_LIT(GO_AES_AAD), out, &len),
      HT_EINVAL);
  /* "invalid aes key": 13 bytes is no AES key size. */
  assert_int_equal(
      go_decrypt(STR_LIT("not a aes key"), STR_LIT(GO_AES_CIPHERTEXT), STR_LIT(GO_AES_AAD), out, &len),
      HT_EINVAL);
  /* "wrong aes key": the tag does not match. */
  assert_int_equal(
      go_decrypt(STR_LIT("testAPIv3Key1111"), STR_LIT(GO_AES_CIPHERTEXT), STR_LIT(GO_AES_AAD), out, &len),
      HT_ECHECKSUM);
  /* Ours: wrong AAD, and one flipped ciphertext bit ("FsdX" -> "GsdX"). */
  assert_int_equal(go_decrypt(STR_LIT(GO_AES_KEY), STR_LIT(GO_AES_CIPHERTEXT), STR_LIT("x"), out, &len),
                   HT_ECHECKSUM);
  assert_int_equal(go_decrypt(STR_LIT(GO_AES_KEY), STR_LIT("GsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"),
                              STR_LIT(GO_AES_AAD), out, &len),
                   HT_ECHECKSUM);
}

static void test_gcm_limits(void **state) {
  (void)state;
  uint8_t out[64];
  size_t len = 0;
  struct str key = STR_LIT("0123456789abcdef0123456789abcdef");
  struct str pt = STR_LIT("hello");
  /* Output room: plaintext + tag exactly fits, one byte less does not. */
  assert_int_equal(crypto_aes_gcm_encrypt(key, STR_LIT("nonce"), STR_LIT(""), pt, out, 5 + 16, &len), HT_OK);
  assert_int_equal(crypto_aes_gcm_encrypt(key, STR_LIT("nonce"), STR_LIT(""), pt, out, 5 + 15, &len),
                   HT_ETOOBIG);
  uint8_t back[8];
  assert_int_equal(crypto_aes_gcm_decrypt(key, STR_LIT("nonce"), STR_LIT(""),
                                          (struct str){(const char *)out, 21}, back, 5, &len),
                   HT_OK);
  assert_int_equal(crypto_aes_gcm_decrypt(key, STR_LIT("nonce"), STR_LIT(""),
                                          (struct str){(const char *)out, 21}, back, 4, &len),
                   HT_ETOOBIG);
  /* Nonce lengths: 1 and CRYPTO_GCM_NONCE_BYTES_MAX accepted, 0 and one more refused. */
  char nonce[CRYPTO_GCM_NONCE_BYTES_MAX + 1];
  memset(nonce, 'n', sizeof nonce);
  assert_int_equal(
      crypto_aes_gcm_encrypt(key, (struct str){nonce, 1}, STR_LIT(""), pt, out, sizeof out, &len), HT_OK);
  assert_int_equal(crypto_aes_gcm_encrypt(key, (struct str){nonce, CRYPTO_GCM_NONCE_BYTES_MAX}, STR_LIT(""),
                                          pt, out, sizeof out, &len),
                   HT_OK);
  assert_int_equal(
      crypto_aes_gcm_encrypt(key, (struct str){nonce, 0}, STR_LIT(""), pt, out, sizeof out, &len), HT_EINVAL);
  assert_int_equal(crypto_aes_gcm_encrypt(key, (struct str){nonce, CRYPTO_GCM_NONCE_BYTES_MAX + 1},
                                          STR_LIT(""), pt, out, sizeof out, &len),
                   HT_EINVAL);
  /* Key lengths: 16/24/32 only. */
  assert_int_equal(crypto_aes_gcm_encrypt(STR_LIT("0123456789abcdef01234567"), STR_LIT("n"), STR_LIT(""), pt,
                                          out, sizeof out, &len),
                   HT_OK);
  assert_int_equal(crypto_aes_gcm_encrypt(STR_LIT("0123456789abcde"), STR_LIT("n"), STR_LIT(""), pt, out,
                                          sizeof out, &len),
                   HT_EINVAL);
}

static void test_base64(void **state) {
  (void)state;
  /* RFC 4648 §10 test vectors. */
  static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (size_t i = 0; i < 7; i++) {
    char text[16];
    size_t len = 0;
    assert_int_equal(
        crypto_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), text, sizeof text, &len), HT_OK);
    assert_string_equal(text, coded[i]);
    uint8_t bytes[8];
    assert_int_equal(crypto_base64_decode(str_from_cstr(coded[i]), bytes, sizeof bytes, &len), HT_OK);
    assert_int_equal(len, strlen(plain[i]));
    assert_memory_equal(bytes, plain[i], len);
  }
  /* Strictness: length, padding position, alphabet, whitespace, non-zero unused bits. */
  static const char *const bad[] = {
      "Zg=", "Zg", "Zh==", "Zm9=", "Z===", "=Zg=", "Zg==Zg==", "Zm-v", "Zm9v\n", " Zm9v", "Zm_v", "Zg=a"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t bytes[16];
    size_t len = 0;
    assert_int_equal(crypto_base64_decode(str_from_cstr(bad[i]), bytes, sizeof bytes, &len), HT_EINVAL);
  }
  /* Output room on both sides. */
  char text[9];
  size_t len = 0;
  assert_int_equal(crypto_base64_encode((const uint8_t *)"foobar", 6, text, 9, &len), HT_OK);
  assert_int_equal(crypto_base64_encode((const uint8_t *)"foobar", 6, text, 8, &len), HT_ETOOBIG);
  uint8_t bytes[6];
  assert_int_equal(crypto_base64_decode(STR_LIT("Zm9vYmFy"), bytes, 6, &len), HT_OK);
  assert_int_equal(crypto_base64_decode(STR_LIT("Zm9vYmFy"), bytes, 5, &len), HT_ETOOBIG);
}

/* Small deterministic generator for the differential test's messages (test-only). */
static uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Signs random messages with our signer and with `openssl dgst -sha256 -sign`, checks the
 * signatures are byte-identical (PKCS#1 v1.5 is deterministic) and that each side's verifier
 * accepts the other's signature. */
static void test_rsa_differential_openssl_cli(void **state) {
  (void)state;
  char *key_path = test_data_path("keys/alipay_app_key.pem");
  char *pub_path = test_data_path("keys/alipay_app_pub.pem");
  struct crypto_key *priv = test_private_key("keys/alipay_app_key.pem");
  struct crypto_key *pub = test_public_key("keys/alipay_app_pub.pem");
  uint64_t seed = 0x9E3779B97F4A7C15u;
  for (int round = 0; round < 8; round++) {
    char msg[300];
    size_t msg_len = (size_t)(xorshift(&seed) % sizeof msg);
    for (size_t i = 0; i < msg_len; i++) msg[i] = (char)(xorshift(&seed) & 0xFF);
    uint8_t ours[256];
    size_t ours_len = 0;
    assert_int_equal(crypto_rsa_sha256_sign(priv, (struct str){msg, msg_len}, ours, sizeof ours, &ours_len),
                     HT_OK);
    char *msg_path = test_temp_file(msg, msg_len);
    char *sig_path = test_temp_file(ours, ours_len);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -verify %s -signature %s %s", pub_path, sig_path,
             msg_path);
    int status = -1;
    char *out = test_run(cmd, STR_LIT(""), &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "Verified OK"));
    free(out);
    snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -sign %s %s", key_path, msg_path);
    out = test_run(cmd, STR_LIT(""), &status);
    assert_int_equal(status, 0);
    assert_memory_equal(out, ours, ours_len);
    assert_int_equal(crypto_rsa_sha256_verify(pub, (struct str){msg, msg_len}, (const uint8_t *)out, 256),
                     HT_OK);
    free(out);
    unlink(msg_path);
    unlink(sig_path);
    free(msg_path);
    free(sig_path);
  }
  crypto_key_free(priv);
  crypto_key_free(pub);
  free(key_path);
  free(pub_path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_and_hmac),
      cmocka_unit_test(test_equal_ct),
      cmocka_unit_test(test_rsa_go_sdk_exact_signature),
      cmocka_unit_test(test_key_forms),
      cmocka_unit_test(test_key_errors_and_limits),
      cmocka_unit_test(test_rsa_sign_verify),
      cmocka_unit_test(test_gcm_known_answer),
      cmocka_unit_test(test_gcm_go_sdk_cases),
      cmocka_unit_test(test_gcm_limits),
      cmocka_unit_test(test_base64),
      cmocka_unit_test(test_rsa_differential_openssl_cli),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
