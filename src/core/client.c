/* client.c — User-Agent classification and per-class capabilities (see client.h).
 *
 * Each rule group is a short function returning CLIENT_UNKNOWN when it does not apply;
 * client_detect() calls them in the documented order. All scans are substring searches over the
 * clipped User-Agent, so the cost is bounded by CLIENT_UA_BYTES_MAX times the number of
 * markers (about forty). */
#include "core/client.h"

#include <string.h>

#include "core/status.h"

static const char *const class_names[CLIENT_CLASS_COUNT] = {
    [CLIENT_UNKNOWN] = "unknown",
    [CLIENT_WECHAT] = "wechat",
    [CLIENT_WECHAT_DESKTOP] = "wechat_desktop",
    [CLIENT_WECHAT_MINIPROGRAM] = "wechat_miniprogram",
    [CLIENT_WECOM] = "wecom",
    [CLIENT_ALIPAY] = "alipay",
    [CLIENT_TAOBAO] = "taobao",
    [CLIENT_TMALL] = "tmall",
    [CLIENT_DINGTALK] = "dingtalk",
    [CLIENT_DOUYIN] = "douyin",
    [CLIENT_TIKTOK] = "tiktok",
    [CLIENT_BYTEDANCE] = "bytedance",
    [CLIENT_FEISHU] = "feishu",
    [CLIENT_LARK] = "lark",
    [CLIENT_QQ] = "qq",
    [CLIENT_WEIBO] = "weibo",
    [CLIENT_QQ_BROWSER] = "qq_browser",
    [CLIENT_BOT] = "bot",
    [CLIENT_IOS_BROWSER] = "ios_browser",
    [CLIENT_ANDROID_BROWSER] = "android_browser",
    [CLIENT_DESKTOP_BROWSER] = "desktop_browser",
};

static const char *const os_names[CLIENT_OS_COUNT] = {
    [CLIENT_OS_OTHER] = "other",         [CLIENT_OS_IOS] = "ios",         [CLIENT_OS_ANDROID] = "android",
    [CLIENT_OS_HARMONYOS] = "harmonyos", [CLIENT_OS_WINDOWS] = "windows", [CLIENT_OS_MACOS] = "macos",
    [CLIENT_OS_LINUX] = "linux",
};

/* ---- matching helpers ------------------------------------------------------------- */

/* Where `lit` (non-empty) occurs in `ua` at or after `from`, or NULL. memchr() on the first
 * byte and then memcmp(): on User-Agent-sized haystacks this is about twice as fast as
 * memmem(), whose setup costs more than the search. */
static const char *find_from(struct str ua, size_t from, const char *lit, size_t lit_len) {
  if (from >= ua.len) return NULL;
  const char *p = ua.data + from, *end = ua.data + ua.len;
  while ((size_t)(end - p) >= lit_len) {
    p = memchr(p, lit[0], (size_t)(end - p) - lit_len + 1);
    if (!p) return NULL;
    if (memcmp(p, lit, lit_len) == 0) return p;
    p++;
  }
  return NULL;
}

static bool has_len(struct str ua, const char *lit, size_t lit_len) {
  return find_from(ua, 0, lit, lit_len) != NULL;
}
#define HAS(ua, lit) has_len((ua), (lit), sizeof(lit) - 1)

/* True when `lit` occurs as the start of a UA token: at the start or after one of the
 * separators real UAs use between tokens. */
static bool has_token_len(struct str ua, const char *lit, size_t lit_len) {
  for (const char *p = find_from(ua, 0, lit, lit_len); p;
       p = find_from(ua, (size_t)(p - ua.data) + 1, lit, lit_len))
    if (p == ua.data || (p[-1] != '\0' && strchr(" /(;,[", p[-1]))) return true;
  return false;
}
#define HAS_TOKEN(ua, lit) has_token_len((ua), (lit), sizeof(lit) - 1)

static bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* ---- OS --------------------------------------------------------------------------- */

/* iOS first (its UAs say "like Mac OS X"), HarmonyOS before Android (its compatibility UAs
 * say "Android"), macOS before Windows (Mac WeChat's UA also says "WindowsWechat"). */
static enum client_os detect_os(struct str ua) {
  if (HAS(ua, "iPhone") || HAS(ua, "iPad") || HAS(ua, "iPod")) return CLIENT_OS_IOS;
  if (HAS(ua, "OpenHarmony") || HAS(ua, "HarmonyOS") || HAS(ua, "ArkWeb")) return CLIENT_OS_HARMONYOS;
  if (HAS(ua, "Android")) return CLIENT_OS_ANDROID;
  if (HAS(ua, "Macintosh") || HAS(ua, "Mac OS X")) return CLIENT_OS_MACOS;
  if (HAS(ua, "Windows Phone")) return CLIENT_OS_OTHER;
  if (HAS(ua, "Windows") || HAS(ua, "Win64") || HAS(ua, "WOW64")) return CLIENT_OS_WINDOWS;
  if (HAS(ua, "Linux") || HAS(ua, "X11") || HAS(ua, "CrOS")) return CLIENT_OS_LINUX;
  return CLIENT_OS_OTHER;
}

static bool os_is_desktop(enum client_os os) {
  return os == CLIENT_OS_WINDOWS || os == CLIENT_OS_MACOS || os == CLIENT_OS_LINUX;
}

/* ---- app rules, in order ---------------------------------------------------------- */

static enum client_class detect_wechat(struct str ua, enum client_os os) {
  if (HAS(ua, "wxwork/")) return CLIENT_WECOM;
  if (!HAS(ua, "MicroMessenger")) return CLIENT_UNKNOWN;
  if (HAS(ua, "miniProgram") || HAS(ua, "MiniProgramEnv")) return CLIENT_WECHAT_MINIPROGRAM;
  if (HAS(ua, "WindowsWechat") || HAS(ua, "MacWechat") || os_is_desktop(os)) return CLIENT_WECHAT_DESKTOP;
  return CLIENT_WECHAT;
}

static enum client_class detect_alibaba(struct str ua) {
  if (HAS(ua, "AlipayClient") || HAS(ua, "AliApp(AP/")) return CLIENT_ALIPAY;
  if (HAS(ua, "AliApp(DingTalk") || HAS(ua, "DingTalk/") || HAS(ua, "DingTalk(") || HAS(ua, "dingtalk-win/"))
    return CLIENT_DINGTALK;
  if (HAS(ua, "AliApp(TB/")) return CLIENT_TAOBAO;
  if (HAS(ua, "AliApp(TM/")) return CLIENT_TMALL;
  return CLIENT_UNKNOWN;
}

static enum client_class detect_lark(struct str ua) {
  bool lark = HAS_TOKEN(ua, "Lark/") || HAS(ua, "LarkLocale/") || HAS(ua, "ChannelName/Feishu") ||
              HAS(ua, "ChannelName/Lark");
  if (!lark) return CLIENT_UNKNOWN;
  if (HAS(ua, "ChannelName/Lark")) return CLIENT_LARK;
  if (HAS(ua, "Feishu")) return CLIENT_FEISHU;                   /* ChannelName/Feishu, appname/Feishu */
  return HAS(ua, "LarkLocale/zh") ? CLIENT_FEISHU : CLIENT_LARK; /* a guess; see client.h */
}

static enum client_class detect_bytedance(struct str ua) {
  if (HAS_TOKEN(ua, "aweme")) return CLIENT_DOUYIN;
  if (HAS(ua, "musical_ly") || HAS(ua, "trill_") || HAS(ua, "AppName/trill")) return CLIENT_TIKTOK;
  enum client_class lark = detect_lark(ua);
  if (lark != CLIENT_UNKNOWN) return lark;
  if (HAS(ua, "BytedanceWebview") || HAS(ua, "NewsArticle/") || HAS(ua, "NewsLite/") ||
      HAS(ua, "VideoArticle/"))
    return CLIENT_BYTEDANCE;
  return CLIENT_UNKNOWN;
}

/* QQ's in-app UAs say ` QQ/9.0.0.1234` and carry a `V1_AND_SQ_` / `V1_IPH_SQ_` build tag. */
static bool is_qq_app(struct str ua) {
  if (HAS(ua, "_SQ_")) return true;
  for (const char *p = find_from(ua, 0, "QQ/", 3); p;
       p = find_from(ua, (size_t)(p - ua.data) + 1, "QQ/", 3)) {
    size_t after = (size_t)(p - ua.data) + 3;
    if ((p == ua.data || p[-1] == ' ') && after < ua.len && ua.data[after] >= '0' && ua.data[after] <= '9')
      return true;
  }
  return false;
}

static enum client_class detect_tencent_weibo(struct str ua) {
  if (is_qq_app(ua)) return CLIENT_QQ;
  if (HAS(ua, "__weibo__") || HAS_TOKEN(ua, "Weibo")) return CLIENT_WEIBO;
  if (HAS(ua, "MQQBrowser") || HAS(ua, "QQBrowser/")) return CLIENT_QQ_BROWSER;
  return CLIENT_UNKNOWN;
}

/* ---- bots ------------------------------------------------------------------------- */

/* Named fetchers whose UA has no generic bot word: link previews (Facebook and iMessage,
 * WhatsApp, Skype/Teams, Bluesky, KakaoTalk, Mastodon, Embedly, Iframely, VK), Google's
 * non-"bot" agents (`AdsBot-Google`, `Storebot-Google`, `Google-InspectionTool`,
 * `GoogleOther`, ...), page testers (Lighthouse, WebPageTest, Prerender), and plain HTTP
 * libraries, behind which no person looks at a page. Also a URL: crawlers put a contact
 * page in their UA (`+http://www.google.com/bot.html`); browsers and in-app web views never
 * do (checked over the 40 000 UAs of matomo-org/device-detector's test fixtures: only feed
 * readers and podcast players, which render no page either, carry one).
 * `HeadlessChrome` is deliberately absent: our own browser tests drive headless Chromium
 * and must see the landing a person sees. */
static const char *const bot_markers[] = {
    "facebookexternalhit",
    "Facebot",
    "WhatsApp/",
    "SkypeUriPreview",
    "Cardyb/",
    "kakaotalk-scrap",
    "Mastodon/",
    "Embedly",
    "Iframely",
    "vkShare",
    "Google-",
    "-Google",
    "GoogleOther",
    "GoogleImageProxy",
    "Google Favicon",
    "Google Page Speed",
    "Google Search Console",
    "GoogleAdSense",
    "Yahoo! Slurp",
    "ia_archiver",
    "W3C_Validator",
    "Lighthouse",
    "PTST/",
    "Prerender",
    "curl/",
    "Wget/",
    "python-requests/",
    "Python-urllib/",
    "Go-http-client/",
    "okhttp/",
    "libwww-perl/",
    "node-fetch/",
    "axios/",
    "Java/",
    "http://",
    "https://",
};

/* Generic words crawlers put in their names, matched ignoring case. */
static const char *const bot_words[] = {"spider", "crawler", "preview", "fetcher", "scraper"};

/* The device comment of an Android UA, `(Linux; Android 7.0; M bot 51 Build/NRD90M)`: phone
 * makers name models "Spider 8", "IDbot553" or "XBot Junior", so generic bot words inside
 * it do not count. Returns an empty view when the first comment is no Android one. */
static struct str android_device_comment(struct str ua) {
  if (ua.len == 0) return ua;
  const char *open = memchr(ua.data, '(', ua.len);
  if (!open) return (struct str){ua.data, 0};
  size_t from = (size_t)(open - ua.data);
  const char *close = memchr(open, ')', ua.len - from);
  struct str comment = {open, close ? (size_t)(close - open) : ua.len - from};
  return has_len(comment, "Android", 7) ? comment : (struct str){ua.data, 0};
}

/* `bot` / `Bot` ending a word at `i`: Googlebot, bingbot, Twitterbot, AhrefsBot, Slackbot-...,
 * but neither `CUBOT` nor `Cubot` (a phone brand) nor `bottle`. */
static bool bot_suffix_at(struct str ua, size_t i) {
  if ((ua.data[i] != 'b' && ua.data[i] != 'B') || memcmp(ua.data + i + 1, "ot", 2) != 0) return false;
  if (i + 3 < ua.len && ascii_alpha(ua.data[i + 3])) return false;
  return !(i >= 2 && (ua.data[i - 2] | 0x20) == 'c' && (ua.data[i - 1] | 0x20) == 'u');
}

/* True when a generic bot word or a `...bot` name occurs outside `skip`. */
static bool has_generic_bot_word(struct str ua, struct str skip) {
  size_t skip_from = (size_t)(skip.data - ua.data), skip_to = skip_from + skip.len;
  for (size_t i = 0; i < ua.len; i++) {
    char lower = (char)(ua.data[i] | 0x20);
    if (!strchr("bscpf", lower) || (i >= skip_from && i < skip_to)) continue;
    if (i + 3 <= ua.len && bot_suffix_at(ua, i)) return true;
    struct str rest = {ua.data + i, ua.len - i};
    for (size_t w = 0; w < sizeof bot_words / sizeof bot_words[0]; w++) {
      struct str word = str_from_cstr(bot_words[w]);
      if (rest.len >= word.len && str_eq_nocase((struct str){rest.data, word.len}, word)) return true;
    }
  }
  return false;
}

static bool is_bot(struct str ua) {
  for (size_t i = 0; i < sizeof bot_markers / sizeof bot_markers[0]; i++)
    if (has_len(ua, bot_markers[i], strlen(bot_markers[i]))) return true;
  return has_generic_bot_word(ua, android_device_comment(ua));
}

/* ---- public ----------------------------------------------------------------------- */

struct client_info client_detect(struct str ua) {
  if (ua.len > CLIENT_UA_BYTES_MAX) ua.len = CLIENT_UA_BYTES_MAX;
  struct client_info info = {.cls = CLIENT_UNKNOWN, .os = detect_os(ua)};
  info.cls = detect_wechat(ua, info.os);
  if (info.cls == CLIENT_UNKNOWN) info.cls = detect_alibaba(ua);
  if (info.cls == CLIENT_UNKNOWN) info.cls = detect_bytedance(ua);
  if (info.cls == CLIENT_UNKNOWN) info.cls = detect_tencent_weibo(ua);
  if (info.cls == CLIENT_UNKNOWN && is_bot(ua)) info.cls = CLIENT_BOT;
  if (info.cls != CLIENT_UNKNOWN) return info;
  /* HarmonyOS names its form factor first: `(Phone; OpenHarmony 5.0)`, `(PC; OpenHarmony`. */
  bool harmony_pc = info.os == CLIENT_OS_HARMONYOS && HAS(ua, "(PC;");
  if (info.os == CLIENT_OS_IOS)
    info.cls = CLIENT_IOS_BROWSER;
  else if (os_is_desktop(info.os) || harmony_pc)
    info.cls = CLIENT_DESKTOP_BROWSER;
  else if (info.os == CLIENT_OS_ANDROID || info.os == CLIENT_OS_HARMONYOS)
    info.cls = CLIENT_ANDROID_BROWSER;
  return info;
}

/* Per-class facts (mobile case; client_caps() adjusts for desktop OSes).
 *  - blocks_custom_schemes: WeChat's web view opens other apps only through its approved
 *    `wx-open-launch-app` tag (WeChat JS-SDK docs, 开放标签); QQ, Weibo, Alipay, Taobao,
 *    Douyin and TikTok likewise drop or refuse foreign schemes (platform mutual blocking,
 *    the reason this project exists). For DingTalk and Feishu/Lark no public rule says
 *    otherwise, so they are treated the same: a dead tap is worse than an extra hint.
 *  - wallet: WeChat Pay's JSAPI flow is for pages inside WeChat and its H5 (MWEB) flow is
 *    refused there (WeChat Pay docs, H5 payment "not for use inside WeChat"); a
 *    mini-program web-view cannot call payment APIs and must navigate to a native page
 *    (WeChat mini-program docs, web-view component); Alipay's page flow works in Alipay and
 *    the Alibaba apps that embed its SDK (Taobao, Tmall); elsewhere the buyer chooses.
 *  - hint: every mobile in-app browser here has a "⋯ → open in browser" menu item except
 *    the mini-program web-view, which has no such menu. */
static const struct {
  bool in_app, blocks_schemes, hint;
  enum client_wallet wallet;
} class_facts[CLIENT_CLASS_COUNT] = {
    [CLIENT_UNKNOWN] = {false, false, false, CLIENT_WALLET_CHOOSE},
    [CLIENT_WECHAT] = {true, true, true, CLIENT_WALLET_WECHAT_JSAPI},
    [CLIENT_WECHAT_DESKTOP] = {true, true, true, CLIENT_WALLET_WECHAT_JSAPI},
    [CLIENT_WECHAT_MINIPROGRAM] = {true, true, false, CLIENT_WALLET_WECHAT_MINIPROGRAM},
    [CLIENT_WECOM] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_ALIPAY] = {true, true, true, CLIENT_WALLET_ALIPAY},
    [CLIENT_TAOBAO] = {true, true, true, CLIENT_WALLET_ALIPAY},
    [CLIENT_TMALL] = {true, true, true, CLIENT_WALLET_ALIPAY},
    [CLIENT_DINGTALK] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_DOUYIN] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_TIKTOK] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_BYTEDANCE] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_FEISHU] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_LARK] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_QQ] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_WEIBO] = {true, true, true, CLIENT_WALLET_CHOOSE},
    [CLIENT_QQ_BROWSER] = {false, false, false, CLIENT_WALLET_CHOOSE},
    [CLIENT_BOT] = {false, false, false, CLIENT_WALLET_NONE},
    [CLIENT_IOS_BROWSER] = {false, false, false, CLIENT_WALLET_CHOOSE},
    [CLIENT_ANDROID_BROWSER] = {false, false, false, CLIENT_WALLET_CHOOSE},
    [CLIENT_DESKTOP_BROWSER] = {false, false, false, CLIENT_WALLET_CHOOSE},
};

struct client_caps client_caps(struct client_info info) {
  enum client_class cls = (unsigned)info.cls < CLIENT_CLASS_COUNT ? info.cls : CLIENT_UNKNOWN;
  struct client_caps caps = {
      .is_in_app = class_facts[cls].in_app,
      .blocks_custom_schemes = class_facts[cls].blocks_schemes,
      .is_bot = cls == CLIENT_BOT,
      .wallet = class_facts[cls].wallet,
  };
  /* Desktop: by class for the two desktop classes, by OS for apps that exist on both
   * (Feishu, DingTalk, WeCom, QQ). Bots and unknown clients are never offered a handoff. */
  caps.is_desktop = cls == CLIENT_WECHAT_DESKTOP || cls == CLIENT_DESKTOP_BROWSER ||
                    (cls != CLIENT_BOT && cls != CLIENT_UNKNOWN && os_is_desktop(info.os));
  /* On a desktop the answer to an app link is the handoff QR, not "open in browser". */
  caps.needs_open_in_browser_hint = class_facts[cls].hint && !caps.is_desktop;
  return caps;
}

const char *client_class_name(enum client_class cls) {
  return (unsigned)cls < CLIENT_CLASS_COUNT ? class_names[cls] : "unknown";
}

const char *client_os_name(enum client_os os) {
  return (unsigned)os < CLIENT_OS_COUNT ? os_names[os] : "unknown";
}

const char *client_wallet_name(enum client_wallet wallet) {
  switch (wallet) {
  case CLIENT_WALLET_NONE: return "none";
  case CLIENT_WALLET_CHOOSE: return "choose";
  case CLIENT_WALLET_WECHAT_JSAPI: return "wechat_jsapi";
  case CLIENT_WALLET_WECHAT_MINIPROGRAM: return "wechat_miniprogram";
  case CLIENT_WALLET_ALIPAY: return "alipay";
  }
  return "unknown";
}

int client_class_parse(struct str name, enum client_class *cls) {
  for (unsigned i = 0; i < CLIENT_CLASS_COUNT; i++) {
    if (str_eq(name, str_from_cstr(class_names[i]))) {
      *cls = (enum client_class)i;
      return HT_OK;
    }
  }
  return HT_EINVAL;
}
