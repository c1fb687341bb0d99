/* Unit tests for core/client: every row of shared/reference/user-agents.tsv and of
 * tests/data/user-agents-extra.tsv (real UAs, sources cited in that file), tricky
 * negatives, OS detection, the length cap, capabilities and names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/client.h"
#include "core/status.h"

/* Checks every `class<TAB>user-agent` row of `dir/name`; returns the number of rows. */
static size_t check_tsv(const char *env, const char *name) {
  const char *dir = getenv(env);
  if (!dir) fail_msg("%s is not set (meson test sets it)", env);
  char path[4096], line[8192];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) fail_msg("cannot open %s", path);
  size_t rows = 0, wrong = 0;
  while (fgets(line, sizeof line, f)) {
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n == 0 || line[0] == '#') continue;
    char *tab = strchr(line, '\t');
    if (!tab) fail_msg("%s: row without a tab: %s", name, line);
    *tab = '\0';
    enum client_class want;
    if (client_class_parse(str_from_cstr(line), &want) != HT_OK) fail_msg("%s: unknown class %s", name, line);
    struct client_info got = client_detect(str_from_cstr(tab + 1));
    if (got.cls != want) {
      print_error("%s: want %s, got %s (os %s): %s\n", name, line, client_class_name(got.cls),
                  client_os_name(got.os), tab + 1);
      wrong++;
    }
    rows++;
  }
  fclose(f);
  assert_int_equal(wrong, 0);
  return rows;
}

static void test_shared_reference_rows(void **state) {
  (void)state;
  /* The reference file holds 19 samples today; fewer means it was not read properly. */
  assert_true(check_tsv("HUTONG_SHARED", "reference/user-agents.tsv") >= 19);
}

static void test_extra_rows(void **state) {
  (void)state;
  assert_true(check_tsv("HUTONG_TEST_DATA", "user-agents-extra.tsv") >= 90);
}

static enum client_class cls_of(const char *ua) { return client_detect(str_from_cstr(ua)).cls; }

static void test_tricky_negatives(void **state) {
  (void)state;
  assert_int_equal(cls_of(""), CLIENT_UNKNOWN);
  assert_int_equal(cls_of("garbage"), CLIENT_UNKNOWN);
  assert_int_equal(client_detect((struct str){NULL, 0}).cls, CLIENT_UNKNOWN);
  /* Phone models that contain bot words are not bots. */
  assert_int_equal(cls_of("Mozilla/5.0 (Linux; Android 10; CUBOT J9) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/88.0.4324.152 Mobile Safari/537.36"),
                   CLIENT_ANDROID_BROWSER);
  assert_int_equal(cls_of("Mozilla/5.0 (Linux; Android 13; Spider 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/124.0.0.0 Safari/537.36"),
                   CLIENT_ANDROID_BROWSER);
  /* ...but the same words outside the device comment are. */
  assert_int_equal(
      cls_of("Mozilla/5.0 (Linux; Android 13; Pixel 8) AppleWebKit/537.36 Chrome/124.0.0.0 Safari/537.36 "
             "SomeSpider/1.0"),
      CLIENT_BOT);
  /* `aweme` ending a package name is no Douyin marker; `QQ/` must be a token with a version. */
  assert_int_equal(
      cls_of("Mozilla/5.0 (Linux; Android 12; wv) Chrome/100 Mobile Safari/537.36 com.ss.android.ugc.aweme"),
      CLIENT_ANDROID_BROWSER);
  assert_int_equal(cls_of("Mozilla/5.0 (Linux; Android 12) Chrome/100 Mobile Safari/537.36 MyQQ/1.0"),
                   CLIENT_ANDROID_BROWSER);
  assert_int_equal(cls_of("Mozilla/5.0 (Linux; Android 12) Chrome/100 Mobile Safari/537.36 QQ/abc"),
                   CLIENT_ANDROID_BROWSER);
  /* Old WeChat Android carries MQQBrowser: still WeChat, never QQ or QQ Browser. */
  assert_int_equal(
      cls_of("Mozilla/5.0 (Linux; Android 7.1.1; MI 6 Build/NMF26X; wv) AppleWebKit/537.36 (KHTML, like "
             "Gecko) Version/4.0 Chrome/57.0.2987.132 MQQBrowser/6.2 TBS/044306 Mobile Safari/537.36 "
             "MicroMessenger/6.6.7.1320(0x26060739) NetType/WIFI Language/zh_CN"),
      CLIENT_WECHAT);
  /* Case matters where apps write fixed tokens. */
  assert_int_equal(cls_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) micromessenger/8.0"),
                   CLIENT_IOS_BROWSER);
  /* WeCom wins over everything WeChat-like in its UA. */
  assert_int_equal(
      cls_of("Mozilla/5.0 (Windows NT 10.0) wxwork/4.1 MicroMessenger/7.0 miniProgram WindowsWechat"),
      CLIENT_WECOM);
  /* A ByteDance web-view marker does not make Feishu "bytedance". */
  assert_int_equal(
      cls_of("Mozilla/5.0 (Linux; Android 13) Lark/7.1.0 LarkLocale/zh_CN BytedanceWebview/d8a21c6"),
      CLIENT_FEISHU);
  assert_int_equal(
      cls_of("Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile Safari/537.36 BytedanceWebview/d8a21c6"),
      CLIENT_BYTEDANCE);
  /* The channel decides over the UI language... */
  assert_int_equal(
      cls_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1) Lark/7.0.0 LarkLocale/zh_CN ChannelName/Lark"),
      CLIENT_LARK);
  assert_int_equal(
      cls_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1) Lark/7.0.0 LarkLocale/en_US appname/Feishu;"),
      CLIENT_FEISHU);
  /* ...and without a channel the UI language is all there is. */
  assert_int_equal(cls_of("Mozilla/5.0 (Macintosh) Lark/7.0.0 LarkLocale/en_US"), CLIENT_LARK);
  assert_int_equal(cls_of("Mozilla/5.0 (Macintosh) Lark/7.0.0 LarkLocale/zh_TW"), CLIENT_FEISHU);
  assert_int_equal(cls_of("Mozilla/5.0 (Macintosh) SkyLark/7.0.0"), CLIENT_DESKTOP_BROWSER);
  /* Headless Chromium (our own browser tests) is a desktop browser, not a bot. */
  assert_int_equal(cls_of("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "HeadlessChrome/120.0.0.0 Safari/537.36"),
                   CLIENT_DESKTOP_BROWSER);
  /* Binary bytes and NULs are fine: the scan goes by length, not by terminator. */
  const char binary[] = "\0\xff\xfe(Linux; Android\0 QQ/\0 MicroMessenger\0";
  assert_int_equal(client_detect((struct str){binary, sizeof binary - 1}).cls, CLIENT_WECHAT);
}

static void test_os(void **state) {
  (void)state;
  static const struct {
    const char *ua;
    enum client_os os;
  } rows[] = {
      {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1",
       CLIENT_OS_IOS},
      {"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1",
       CLIENT_OS_IOS},
      {"Mozilla/5.0 (Phone; OpenHarmony 4.1) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile",
       CLIENT_OS_HARMONYOS},
      {"Mozilla/5.0 (Linux; Android 10; HarmonyOS; AGR-AL09HN) Chrome/92.0 HuaweiBrowser/12.0",
       CLIENT_OS_HARMONYOS},
      {"Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0.0.0 Mobile Safari/537.36", CLIENT_OS_ANDROID},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36", CLIENT_OS_WINDOWS},
      {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Version/17.5 Safari/605.1.15", CLIENT_OS_MACOS},
      /* Mac WeChat also says WindowsWechat. */
      {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) MicroMessenger/6.8.0 MacWechat/3.3 WindowsWechat",
       CLIENT_OS_MACOS},
      {"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", CLIENT_OS_LINUX},
      {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) Chrome/120.0 Safari/537.36", CLIENT_OS_LINUX},
      {"Mozilla/5.0 (Windows Phone 10.0; Lumia 950) Edge/15.15063", CLIENT_OS_OTHER},
      {"curl/8.0", CLIENT_OS_OTHER},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    enum client_os got = client_detect(str_from_cstr(rows[i].ua)).os;
    if (got != rows[i].os)
      fail_msg("%s: want %s got %s", rows[i].ua, client_os_name(rows[i].os), client_os_name(got));
  }
  /* Form factors of HarmonyOS and iPadOS desktop mode. */
  assert_int_equal(cls_of("Mozilla/5.0 (PC; OpenHarmony 6.1; Windows NT 10.0) Chrome/132.0 ArkWeb/6.1.0.100"),
                   CLIENT_DESKTOP_BROWSER);
  assert_int_equal(cls_of("Mozilla/5.0 (Phone; OpenHarmony 4.1) Chrome/114.0 ArkWeb/4.1.6.1 Mobile"),
                   CLIENT_ANDROID_BROWSER);
}

/* Bytes past CLIENT_UA_BYTES_MAX are not looked at; a marker ending right at it is. */
static void test_length_cap(void **state) {
  (void)state;
  static char ua[CLIENT_UA_BYTES_MAX + 64];
  const char marker[] = " MicroMessenger";
  memset(ua, 'x', sizeof ua);
  memcpy(ua, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", 54);
  memcpy(ua + CLIENT_UA_BYTES_MAX - (sizeof marker - 1), marker, sizeof marker - 1);
  assert_int_equal(client_detect((struct str){ua, sizeof ua}).cls, CLIENT_WECHAT);
  memset(ua + CLIENT_UA_BYTES_MAX - (sizeof marker - 1), 'x', sizeof marker - 1);
  memcpy(ua + CLIENT_UA_BYTES_MAX - (sizeof marker - 2), marker, sizeof marker - 1);
  assert_int_equal(client_detect((struct str){ua, sizeof ua}).cls, CLIENT_IOS_BROWSER);
}

static struct client_caps caps_of(const char *ua) { return client_caps(client_detect(str_from_cstr(ua))); }

static void test_caps(void **state) {
  (void)state;
  struct client_caps c =
      caps_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.43");
  assert_true(c.is_in_app && c.blocks_custom_schemes && c.needs_open_in_browser_hint);
  assert_false(c.is_desktop || c.is_bot);
  assert_int_equal(c.wallet, CLIENT_WALLET_WECHAT_JSAPI);
  c = caps_of("Mozilla/5.0 (Windows NT 10.0) Chrome/132 MicroMessenger/7.0.20 WindowsWechat(0x63090a13)");
  assert_true(c.is_in_app && c.is_desktop);
  assert_false(c.needs_open_in_browser_hint);
  c = caps_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) MicroMessenger/8.0.46 miniProgram/wx1");
  assert_int_equal(c.wallet, CLIENT_WALLET_WECHAT_MINIPROGRAM);
  assert_false(c.needs_open_in_browser_hint);
  assert_true(c.blocks_custom_schemes);
  c = caps_of("Mozilla/5.0 (Linux; U; Android 11) AliApp(AP/10.2.51.7100) AlipayClient/10.2.51.7100");
  assert_int_equal(c.wallet, CLIENT_WALLET_ALIPAY);
  assert_int_equal(caps_of("Mozilla/5.0 (iPhone; CPU iPhone OS 15_5) AliApp(TB/10.14.0)").wallet,
                   CLIENT_WALLET_ALIPAY);
  assert_int_equal(caps_of("Mozilla/5.0 (iPhone; CPU iPhone OS 15_5) AliApp(TM/13.6.0)").wallet,
                   CLIENT_WALLET_ALIPAY);
  c = caps_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4) musical_ly_34.3.1 BytedanceWebview/d8a21c6");
  assert_int_equal(c.wallet, CLIENT_WALLET_CHOOSE);
  assert_true(c.is_in_app && c.needs_open_in_browser_hint);
  c = caps_of("Twitterbot/1.0");
  assert_true(c.is_bot);
  assert_false(c.is_in_app || c.is_desktop || c.needs_open_in_browser_hint);
  assert_int_equal(c.wallet, CLIENT_WALLET_NONE);
  c = caps_of("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36");
  assert_true(c.is_desktop);
  assert_false(c.is_in_app || c.blocks_custom_schemes || c.needs_open_in_browser_hint);
  assert_int_equal(c.wallet, CLIENT_WALLET_CHOOSE);
  c = caps_of("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0.0.0 Mobile Safari/537.36");
  assert_false(c.is_desktop || c.is_in_app);
  /* Apps on both form factors: desktop decided by the OS. */
  c = caps_of("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Lark/7.12.7 Chrome/120 LarkLocale/zh_CN "
              "ChannelName/Feishu");
  assert_true(c.is_in_app && c.is_desktop);
  assert_false(c.needs_open_in_browser_hint);
  c = caps_of(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Lark/5.29.6 LarkLocale/en_US ChannelName/Lark");
  assert_true(c.needs_open_in_browser_hint);
  assert_false(c.is_desktop);
  /* Unknown and out-of-range classes give the neutral answer. */
  c = caps_of("");
  assert_false(c.is_in_app || c.is_desktop || c.is_bot || c.blocks_custom_schemes);
  assert_int_equal(c.wallet, CLIENT_WALLET_CHOOSE);
  c = client_caps((struct client_info){.cls = CLIENT_CLASS_COUNT, .os = CLIENT_OS_WINDOWS});
  assert_false(c.is_in_app || c.is_desktop);
}

static void test_names(void **state) {
  (void)state;
  for (unsigned i = 0; i < CLIENT_CLASS_COUNT; i++) {
    enum client_class cls;
    const char *name = client_class_name((enum client_class)i);
    assert_int_equal(client_class_parse(str_from_cstr(name), &cls), HT_OK);
    assert_int_equal(cls, i);
  }
  enum client_class cls;
  assert_int_equal(client_class_parse(STR_LIT("WeChat"), &cls), HT_EINVAL);
  assert_int_equal(client_class_parse(STR_LIT(""), &cls), HT_EINVAL);
  assert_string_equal(client_class_name(CLIENT_CLASS_COUNT), "unknown");
  assert_string_equal(client_class_name(CLIENT_QQ_BROWSER), "qq_browser");
  assert_string_equal(client_os_name(CLIENT_OS_HARMONYOS), "harmonyos");
  assert_string_equal(client_os_name(CLIENT_OS_COUNT), "unknown");
  assert_string_equal(client_wallet_name(CLIENT_WALLET_WECHAT_JSAPI), "wechat_jsapi");
  assert_string_equal(client_wallet_name((enum client_wallet)99), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shared_reference_rows),
      cmocka_unit_test(test_extra_rows),
      cmocka_unit_test(test_tricky_negatives),
      cmocka_unit_test(test_os),
      cmocka_unit_test(test_length_cap),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
