/*
 * client.h — which app (or bot, or browser) a request comes from, from its User-Agent.
 *
 * The landing page must suit the place a buyer tapped the link in: WeChat blocks custom
 * URL schemes and only its own wallet works inside it, Alipay's page flow works in Alipay
 * and Taobao, desktop users get a "continue on phone" QR, link-preview bots get the
 * metadata and nothing else. client_detect() sorts a User-Agent into one class; the first
 * rule that matches wins, in the design brief's order:
 *
 *   wecom (`wxwork/`) → wechat_miniprogram (`MicroMessenger` + `miniProgram` or
 *   `MiniProgramEnv`) → wechat_desktop (`WindowsWechat`, `MacWechat`, or `MicroMessenger`
 *   on a desktop OS) → wechat (`MicroMessenger`) → alipay (`AlipayClient`, `AliApp(AP/`) →
 *   dingtalk (`AliApp(DingTalk`, `DingTalk/`, `DingTalk(`, `dingtalk-win/`) → taobao
 *   (`AliApp(TB/`) → tmall (`AliApp(TM/`) → douyin (`aweme` starting a token) → tiktok
 *   (`musical_ly`, `trill_`, `AppName/trill`) → bytedance (`BytedanceWebview`,
 *   `NewsArticle/` Toutiao, `VideoArticle/` Xigua) → feishu / lark (`Lark/`, `LarkLocale/`,
 *   `ChannelName/Feishu|Lark`) → qq (` QQ/<digit>` or `_SQ_`) → weibo (`Weibo`,
 *   `__weibo__`) → qq_browser (`MQQBrowser`, `QQBrowser/`) → bot → ios_browser /
 *   android_browser / desktop_browser by OS → unknown.
 *
 * Two deliberate refinements of that order: a Feishu/Lark web view is never called
 * "bytedance" even if it carried a ByteDance web-view marker (Feishu is a ByteDance app but
 * a different landing), and `aweme` must start a token (`aweme_23.4.0`, `AppName/aweme`), not
 * end a package name. Old WeChat Android UAs carry `MQQBrowser/6.2 TBS/` (Tencent's X5
 * engine) and QQ's in-app UAs carry it too: both are decided before the QQ Browser rule.
 *
 * Feishu versus Lark. They are one ByteDance app built twice: Feishu for mainland China,
 * Lark for the rest of the world; both web views say `Lark/<version>`. Newer builds add
 * `ChannelName/Feishu` or `ChannelName/Lark`, which decides; some add `appname/Feishu`. Older
 * builds carry only `LarkLocale/<ui language>`: there `zh_*` is taken as Feishu and anything
 * else as Lark — a guess from the user's language, documented as such (a Lark user with a
 * Chinese UI is called Feishu, which only changes wording on the landing page).
 *
 * Matching is case-sensitive where the apps write fixed tokens, and case-insensitive only
 * for the generic bot words. There is no regex engine: each rule is a few substring scans
 * over at most CLIENT_UA_BYTES_MAX bytes (bytes past it are ignored), so one call costs a
 * few microseconds at worst (measured: 2.5 us on average over 40 000 real UAs, 9 us for a
 * 2 KiB one) and is safe on any bytes.
 */
#ifndef HUTONG_CORE_CLIENT_H
#define HUTONG_CORE_CLIENT_H

#include <stdbool.h>

#include "core/str.h"

/* Bytes of a User-Agent that are looked at. Real in-app UAs reach about 600 bytes (Alipay
 * and TikTok Android ones are the longest in tests/data/user-agents-extra.tsv); 2 KiB is
 * three times that, well under the HTTP layer's header limit. */
#define CLIENT_UA_BYTES_MAX 2048

/* The classes, in the order of the first column of shared/reference/user-agents.tsv plus
 * `unknown` for an empty or unrecognisable User-Agent (no OS, no app, no bot word). */
enum client_class {
  CLIENT_UNKNOWN,
  CLIENT_WECHAT,
  CLIENT_WECHAT_DESKTOP,
  CLIENT_WECHAT_MINIPROGRAM,
  CLIENT_WECOM,
  CLIENT_ALIPAY,
  CLIENT_TAOBAO,
  CLIENT_TMALL,
  CLIENT_DINGTALK,
  CLIENT_DOUYIN,
  CLIENT_TIKTOK,
  CLIENT_BYTEDANCE, /* other ByteDance apps: Toutiao, Xigua, ... */
  CLIENT_FEISHU,
  CLIENT_LARK,
  CLIENT_QQ,
  CLIENT_WEIBO,
  CLIENT_QQ_BROWSER,
  CLIENT_BOT,
  CLIENT_IOS_BROWSER,
  CLIENT_ANDROID_BROWSER, /* also HarmonyOS phones and tablets: the non-iOS mobile class */
  CLIENT_DESKTOP_BROWSER, /* also HarmonyOS PCs, and iPadOS in desktop mode (looks macOS) */
  CLIENT_CLASS_COUNT,
};

enum client_os {
  CLIENT_OS_OTHER,
  CLIENT_OS_IOS, /* iPhone, iPad (mobile mode), iPod */
  CLIENT_OS_ANDROID,
  CLIENT_OS_HARMONYOS, /* `HarmonyOS` (Android-compatible 2.x-4.x), `OpenHarmony`, `ArkWeb` */
  CLIENT_OS_WINDOWS,   /* Windows desktop; Windows Phone counts as other */
  CLIENT_OS_MACOS,     /* includes iPadOS "request desktop website", indistinguishable */
  CLIENT_OS_LINUX,     /* desktop Linux, ChromeOS and other X11 systems */
  CLIENT_OS_COUNT,
};

/* Which payment the landing should offer first. */
enum client_wallet {
  CLIENT_WALLET_NONE,               /* bots: no checkout at all */
  CLIENT_WALLET_CHOOSE,             /* show every channel; the buyer picks */
  CLIENT_WALLET_WECHAT_JSAPI,       /* WeChat Pay JSAPI, the only wallet that works in WeChat */
  CLIENT_WALLET_WECHAT_MINIPROGRAM, /* hand off to the mini-program's native page to pay */
  CLIENT_WALLET_ALIPAY,             /* Alipay page flow (Alipay, Taobao, Tmall) */
};

struct client_info {
  enum client_class cls;
  enum client_os os;
};

/* What the landing page needs to know. Where each fact comes from is documented next to
 * the table in client.c. */
struct client_caps {
  bool is_in_app;                  /* an app's embedded web view, not a browser */
  bool blocks_custom_schemes;      /* taps on other apps' URL schemes are refused or dropped */
  bool is_desktop;                 /* offer the "continue on phone" handoff QR */
  bool is_bot;                     /* serve metadata (Open Graph) only; opens count as "bot" */
  bool needs_open_in_browser_hint; /* app links need "⋯ → open in browser" first */
  enum client_wallet wallet;
};

/* Classifies `user_agent` (any bytes; only the first CLIENT_UA_BYTES_MAX are read) into a
 * class and an OS. Never fails: empty or unrecognisable input gives CLIENT_UNKNOWN and
 * CLIENT_OS_OTHER. Pure. */
struct client_info client_detect(struct str user_agent);

/* Returns what the landing page may rely on for `info` (see struct client_caps). */
struct client_caps client_caps(struct client_info info);

/* Stable snake_case names ("wechat", "ios_browser", ...; "ios", "macos", ...; "choose",
 * "wechat_jsapi", ...). Never NULL: out-of-range values give "unknown". */
const char *client_class_name(enum client_class cls);
const char *client_os_name(enum client_os os);
const char *client_wallet_name(enum client_wallet wallet);

/* Parses a class name as returned by client_class_name(). HT_EINVAL for any other text. */
int client_class_parse(struct str name, enum client_class *cls);

#endif
