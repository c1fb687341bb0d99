/* i18n.c — message texts and language negotiation (see i18n.h). */
#include "web/i18n.h"

#include <stdbool.h>

struct message {
  const char *zh;
  const char *en;
};

static const struct message messages[MSG_COUNT] = {
    [MSG_SITE_NAME] = {"互通", "Hutong"},
    [MSG_NOT_FOUND_TITLE] = {"页面不存在", "Not found"},
    [MSG_NOT_FOUND_BODY] = {"这个链接或编码不存在，请检查后再试。",
                            "Nothing lives at this link or code. Please check it."},
    [MSG_EXPIRED_TITLE] = {"已过期", "Expired"},
    [MSG_EXPIRED_BODY] = {"这个口令已过期，请向分享者索取新的口令。",
                          "This token has expired. Ask the sender for a new one."},
    [MSG_LINK_EXPIRED_BODY] = {"这个活动链接已过期。", "This campaign link has expired."},
    [MSG_HANDOFF_USED_TITLE] = {"二维码已失效", "This code is no longer valid"},
    [MSG_HANDOFF_USED_BODY] =
        {"这个接力二维码已被使用或已过期（有效期10分钟），请在电脑上刷新页面获取新的二维码。",
         "This hand-off code was already used or has expired (codes last 10 minutes). Reload "
         "the page on your computer for a new one."},
    [MSG_UNAVAILABLE_TITLE] = {"商品已下架", "No longer available"},
    [MSG_UNAVAILABLE_BODY] = {"这件商品目前不在售。", "This product is not for sale at the moment."},
    [MSG_IN_STOCK] = {"有货", "In stock"},
    [MSG_OUT_OF_STOCK] = {"已售罄", "Sold out"},
    [MSG_QUANTITY] = {"数量", "Quantity"},
    [MSG_BUY_NOW] = {"立即购买", "Buy now"},
    [MSG_PAY_WITH] = {"支付方式", "Pay with"},
    [MSG_PAY_WECHAT] = {"微信支付", "WeChat Pay"},
    [MSG_PAY_ALIPAY] = {"支付宝", "Alipay"},
    [MSG_PAY_SANDBOX] = {"沙盒钱包（演示）", "Sandbox wallet (demo)"},
    [MSG_PAY_CHOOSE] = {"下单后可选择钱包", "Choose a wallet after ordering"},
    [MSG_SHARE_TOKEN] = {"分享口令", "Share token"},
    [MSG_SHARE_TOKEN_HINT] = {"复制口令发给朋友，对方粘贴到本站即可打开此商品。",
                              "Copy the token and send it; pasting it on this site opens this product."},
    [MSG_COPY] = {"复制", "Copy"},
    [MSG_COPIED] = {"已复制", "Copied"},
    [MSG_OPEN_IN_BROWSER_HINT] = {"点右上角 ⋯ 选择“在浏览器打开”即可使用此功能。",
                                  "Tap ⋯ in the top corner and choose “Open in browser” to use this."},
    [MSG_OPEN_IN_APP] = {"在 App 中打开", "Open in the app"},
    [MSG_CONTINUE_ON_PHONE] = {"在手机上继续", "Continue on your phone"},
    [MSG_CONTINUE_ON_PHONE_HINT] = {"用手机扫码，在手机上浏览和付款。",
                                    "Scan with your phone to browse and pay there."},
    [MSG_CONTINUED_ON_PHONE] = {"已在手机上继续 ✓", "Continued on your phone ✓"},
    [MSG_PASTE_TOKEN] = {"粘贴口令", "Paste a token"},
    [MSG_PASTE_TOKEN_HINT] = {"把收到的整段文字粘贴到这里", "Paste the whole message you received"},
    [MSG_FIND] = {"打开", "Open"},
    [MSG_STORE_PRODUCTS] = {"店铺商品", "Products"},
    [MSG_VISIT_STORE] = {"进入店铺", "Visit the store"},
    [MSG_LANGUAGE_SWITCH] = {"English", "中文"},
    [MSG_TOKEN_NOT_FOUND] = {"没有找到口令，请粘贴完整的分享文字。",
                             "No token found. Paste the whole shared message."},
    [MSG_TOKEN_CHECKSUM] = {"口令有误，请检查是否抄错。", "That token has a typo. Please check it."},
    [MSG_TOKEN_EXPIRED] = {"口令已过期。", "That token has expired."},
    [MSG_WALLET_AMOUNT] = {"付款金额", "Amount to pay"},
    [MSG_WALLET_APPROVE] = {"确认付款", "Approve payment"},
    [MSG_WALLET_DECLINE] = {"取消", "Decline"},
    [MSG_WALLET_PAID] = {"已付款，正在通知商家。", "Paid. The shop is being notified."},
    [MSG_WALLET_CLOSED] = {"这笔交易已关闭。", "This payment was declined or closed."},
    [MSG_WALLET_BACK] = {"返回订单", "Back to the order"},
    [MSG_WALLET_NOTE] = {"这是互通的沙盒钱包，用于演示和测试，不会扣真钱。",
                         "This is hutong's sandbox wallet, for demos and tests: no real money moves."},
    [MSG_GUARD_WARN_TITLE] = {"请注意这个链接", "Careful with this link"},
    [MSG_GUARD_WARN_BODY] = {"这个网址可能在冒充知名网站。继续之前请确认地址。",
                             "This address may be imitating a well-known site. Check it before you go on."},
    [MSG_GUARD_BLOCK_TITLE] = {"已拦截危险链接", "Dangerous link blocked"},
    [MSG_GUARD_BLOCK_BODY] =
        {"这个网址被列为钓鱼或诈骗网站，为了保护你的账户和付款，已被拦截。",
         "This address is listed as phishing or a scam; it was blocked to protect your account "
         "and payments."},
    [MSG_GUARD_CONTINUE] = {"我了解风险，继续访问", "I understand, continue"},
    [MSG_GUARD_BACK] = {"返回安全页面", "Back to safety"},
    [MSG_GUARD_BAD_TITLE] = {"无法打开这个链接", "This link cannot be opened"},
    [MSG_GUARD_BAD_BODY] = {"链接格式不正确。", "The link is not a valid web address."},
};

const char *i18n_text(enum lang lang, enum msg id) {
  if (id < 0 || id >= MSG_COUNT || !messages[id].zh) return "";
  return lang == LANG_EN ? messages[id].en : messages[id].zh;
}

const char *i18n_code(enum lang lang) { return lang == LANG_EN ? "en" : "zh"; }
const char *i18n_html_lang(enum lang lang) { return lang == LANG_EN ? "en" : "zh-CN"; }

static bool parse_code(struct str s, enum lang *out) {
  if (str_eq_nocase(s, STR_LIT("zh")))
    *out = LANG_ZH;
  else if (str_eq_nocase(s, STR_LIT("en")))
    *out = LANG_EN;
  else
    return false;
  return true;
}

/* The quality of one Accept-Language element ("en-US;q=0.8" → 800), 1000 without q. */
static int element_quality(struct str element) {
  long semi = str_find(element, STR_LIT(";"), false);
  if (semi < 0) return 1000;
  struct str params = {element.data + semi + 1, element.len - (size_t)semi - 1};
  long q = str_find(params, STR_LIT("q="), true);
  if (q < 0) return 1000;
  int value = 0, digits = 0, scale = 1000;
  bool fraction = false;
  for (size_t i = (size_t)q + 2; i < params.len; i++) {
    char c = params.data[i];
    if (c == '.' && !fraction)
      fraction = true;
    else if (c >= '0' && c <= '9' && !fraction)
      value = (c - '0') * 1000;
    else if (c >= '0' && c <= '9' && digits < 3)
      value += (c - '0') * (scale /= 10), digits++;
    else
      break;
  }
  return value > 1000 ? 1000 : value;
}

/* The language of one element ("zh-Hant-TW" → zh), false when unsupported. */
static bool element_lang(struct str element, enum lang *out) {
  struct str tag = element;
  for (size_t i = 0; i < element.len; i++)
    if (element.data[i] == ';' || element.data[i] == '-' || element.data[i] == '_') {
      tag.len = i;
      break;
    }
  return parse_code(str_trim(tag), out);
}

enum lang i18n_negotiate(struct str query, struct str cookie, struct str accept_language) {
  enum lang lang;
  if (query.data && parse_code(query, &lang)) return lang;
  if (cookie.data && parse_code(cookie, &lang)) return lang;
  int best_quality = 0;
  enum lang best = LANG_ZH;
  size_t start = 0;
  for (size_t i = 0; accept_language.data && i <= accept_language.len; i++) {
    if (i < accept_language.len && accept_language.data[i] != ',') continue;
    struct str element = str_trim((struct str){accept_language.data + start, i - start});
    start = i + 1;
    int quality = element_quality(element);
    if (quality > best_quality && element_lang(element, &lang)) best_quality = quality, best = lang;
  }
  return best;
}
