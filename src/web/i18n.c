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
    [MSG_ADD_TO_CART] = {"加入购物车", "Add to cart"},
    [MSG_ADDED_TO_CART] = {"已加入购物车", "Added to your cart"},
    [MSG_CART] = {"购物车", "Cart"},
    [MSG_CART_EMPTY] = {"购物车是空的。", "Your cart is empty."},
    [MSG_CART_NEW_SHOP] = {"购物车里原有另一家店的商品，现已换成这家店的。",
                           "Your cart held another shop's products; it now holds this shop's."},
    [MSG_CHECKOUT] = {"结算", "Checkout"},
    [MSG_REMOVE] = {"删除", "Remove"},
    [MSG_UPDATE] = {"更新", "Update"},
    [MSG_SUBTOTAL] = {"小计", "Subtotal"},
    [MSG_TOTAL] = {"合计", "Total"},
    [MSG_BUYER_NAME] = {"收货人", "Name"},
    [MSG_BUYER_PHONE] = {"手机号", "Phone"},
    [MSG_SHIPPING_ADDRESS] = {"收货地址", "Shipping address"},
    [MSG_NOTE] = {"备注（选填）", "Note for the shop (optional)"},
    [MSG_PLACE_ORDER] = {"提交订单", "Place order"},
    [MSG_ERR_NAME] = {"请填写收货人姓名（最多50个字）。", "Please enter your name (up to 50 characters)."},
    [MSG_ERR_PHONE] = {"请填写有效的手机号。", "Please enter a valid phone number."},
    [MSG_ERR_ADDRESS] = {"实物商品需要收货地址（最多300个字）。",
                         "Physical goods need a shipping address (up to 300 characters)."},
    [MSG_ERR_NOTE] = {"备注最多300个字，不能含控制字符。", "The note may hold up to 300 characters."},
    [MSG_ERR_OUT_OF_STOCK] = {"库存不足，请减少数量。", "Not enough stock for this quantity."},
    [MSG_ERR_UNAVAILABLE] = {"这件商品已下架，请从购物车删除。",
                             "This product is no longer for sale; please remove it."},
    [MSG_ERR_FORM] = {"表单内容有误，请重试。", "Something in the form was not right. Please try again."},
    [MSG_ERR_CART_FULL] = {"购物车最多20种商品。", "A cart holds at most 20 different products."},
    [MSG_CROSS_SITE_TITLE] = {"请求被拒绝", "Request refused"},
    [MSG_CROSS_SITE_BODY] = {"这个表单来自其他网站，为了你的安全已拒绝。",
                             "This form was sent from another site, so it was refused for your safety."},
    [MSG_ORDER] = {"订单", "Order"},
    [MSG_STATE_PENDING_PAYMENT] = {"待付款", "Awaiting payment"},
    [MSG_STATE_PAID] = {"已付款，待发货", "Paid, awaiting shipment"},
    [MSG_STATE_SHIPPED] = {"已发货", "Shipped"},
    [MSG_STATE_REFUND_REQUESTED] = {"退款申请中", "Refund requested"},
    [MSG_STATE_DISPUTED] = {"平台处理中", "Under review by the platform"},
    [MSG_STATE_COMPLETED] = {"已完成", "Completed"},
    [MSG_STATE_REFUNDED] = {"已退款", "Refunded"},
    [MSG_STATE_CLOSED] = {"已关闭", "Closed"},
    [MSG_HELP_PENDING_PAYMENT] = {"请在订单自动关闭前付款。",
                                  "Please pay before the order closes by itself."},
    [MSG_HELP_PAID] = {"货款由平台托管，你确认收货后才会付给商家。",
                       "Your money is held in escrow; the shop gets it only when you confirm receipt."},
    [MSG_HELP_SHIPPED] = {"收到货后请确认收货；到期未操作将自动确认。",
                          "Confirm receipt when the goods arrive; it confirms itself when the time is up."},
    [MSG_HELP_REFUND_REQUESTED] =
        {"商家正在处理你的退款申请，自动确认已暂停。",
         "The shop is looking at your refund request; the automatic confirmation is paused."},
    [MSG_HELP_DISPUTED] = {"平台正在处理，资金已冻结。",
                           "The platform is looking into it; the money is frozen meanwhile."},
    [MSG_HELP_COMPLETED] = {"交易完成，货款已付给商家。", "All done: the shop has been paid."},
    [MSG_HELP_REFUNDED] = {"货款已退回你的钱包。", "Your money went back to your wallet."},
    [MSG_HELP_CLOSED] = {"订单未付款已关闭。", "This order closed unpaid."},
    [MSG_PAY_NOW] = {"付款", "Pay"},
    [MSG_CLOSES_AT] = {"未付款将自动关闭于", "Closes unpaid at"},
    [MSG_AUTO_CONFIRM_AT] = {"将自动确认收货于", "Receipt confirms itself at"},
    [MSG_WAITING_PAYMENT] = {"正在等待支付结果，页面会自动更新…",
                             "Waiting for the payment to arrive; this page updates by itself…"},
    [MSG_CONFIRM_RECEIPT] = {"确认收货", "Confirm receipt"},
    [MSG_REQUEST_REFUND] = {"申请退款", "Request a refund"},
    [MSG_REFUND_AMOUNT] = {"退款金额（选填，默认全部）", "Amount (optional; everything by default)"},
    [MSG_REFUND_REASON] = {"原因（选填）", "Reason (optional)"},
    [MSG_WITHDRAW_REFUND] = {"撤回退款申请", "Withdraw the refund request"},
    [MSG_OPEN_DISPUTE] = {"申请平台介入", "Ask the platform to step in"},
    [MSG_ITEMS] = {"商品", "Items"},
    [MSG_TIMELINE] = {"订单动态", "Timeline"},
    [MSG_SHIPPING] = {"物流", "Shipping"},
    [MSG_CARRIER] = {"快递公司", "Carrier"},
    [MSG_TRACKING] = {"运单号", "Tracking number"},
    [MSG_PAID_AMOUNT] = {"已付", "Paid"},
    [MSG_REFUNDED_AMOUNT] = {"已退", "Refunded"},
    [MSG_ESCROW_HELD] = {"托管中", "Held in escrow"},
    [MSG_ORDER_LINK_HINT] = {"保存或复制本页链接，随时回来查看订单。",
                             "Keep this page's link to come back to your order."},
    [MSG_COPY_LINK] = {"复制链接", "Copy link"},
    [MSG_ERR_STATE] = {"订单状态已变化，请看最新状态。",
                       "The order has changed in the meantime; here is how it stands now."},
    [MSG_ERR_AMOUNT] = {"金额无效：须大于0且不超过可退金额。",
                        "That amount is not valid: more than 0 and at most what can be refunded."},
    [MSG_ERR_PAYMENT] = {"暂时无法发起支付，请稍后再试。",
                         "The payment could not start. Please try again shortly."},
    [MSG_PAY_NEEDS_BROWSER] = {"需在浏览器中打开", "Needs your browser"},
    [MSG_OVERLAY_TITLE] = {"请在浏览器中打开", "Open this page in your browser"},
    [MSG_OVERLAY_BODY] = {"点右上角 ⋯，选择“在浏览器打开”后再付款。也可以复制链接，粘贴到浏览器。",
                          "Tap ⋯ in the top corner and choose “Open in browser”, then pay there. Or copy the "
                          "link and paste it into your browser."},
    [MSG_CLOSE] = {"关闭", "Close"},
    [MSG_EV_PLACED] = {"下单", "Order placed"},
    [MSG_EV_PAY_SUCCEEDED] = {"付款成功", "Payment received"},
    [MSG_EV_CANCEL] = {"取消", "Cancelled"},
    [MSG_EV_SHIP] = {"商家发货", "Shipped"},
    [MSG_EV_CONFIRM] = {"确认收货", "Receipt confirmed"},
    [MSG_EV_TIMER_DUE] = {"到期自动处理", "Timer ran out"},
    [MSG_EV_REQUEST_REFUND] = {"申请退款", "Refund requested"},
    [MSG_EV_WITHDRAW_REFUND] = {"撤回退款申请", "Refund request withdrawn"},
    [MSG_EV_APPROVE_REFUND] = {"同意退款", "Refund approved"},
    [MSG_EV_REFUSE_REFUND] = {"拒绝退款", "Refund refused"},
    [MSG_EV_OPEN_DISPUTE] = {"申请平台介入", "Dispute opened"},
    [MSG_EV_RESOLVE_DISPUTE] = {"平台处理完毕", "Dispute resolved"},
    [MSG_EV_REFUND_SETTLED] = {"退款到账", "Refund paid back"},
    [MSG_DASHBOARD] = {"商家后台", "Merchant dashboard"},
    [MSG_SIGN_IN] = {"登录", "Sign in"},
    [MSG_SIGN_OUT] = {"退出", "Sign out"},
    [MSG_MERCHANT_ID] = {"商家编号", "Merchant id"},
    [MSG_PASSWORD] = {"密码", "Password"},
    [MSG_SIGN_IN_FAILED] = {"商家编号或密码不正确。", "Wrong merchant id or password."},
    [MSG_TOO_MANY_ATTEMPTS] = {"尝试次数过多，请几分钟后再试。",
                               "Too many attempts. Please wait a few minutes."},
    [MSG_CSRF_TITLE] = {"表单已过期", "This form has expired"},
    [MSG_CSRF_BODY] = {"请返回并刷新页面后再提交。", "Go back, reload the page and send it again."},
    [MSG_NAV_OVERVIEW] = {"概览", "Overview"},
    [MSG_NAV_PRODUCTS] = {"商品", "Products"},
    [MSG_NAV_ORDERS] = {"订单", "Orders"},
    [MSG_NAV_MONEY] = {"资金", "Money"},
    [MSG_NAV_STATS] = {"数据", "Stats"},
    [MSG_NEW_PRODUCT] = {"新建商品", "New product"},
    [MSG_TITLE] = {"标题", "Title"},
    [MSG_DESCRIPTION] = {"描述", "Description"},
    [MSG_PRICE] = {"价格", "Price"},
    [MSG_STOCK] = {"库存", "Stock"},
    [MSG_STATUS] = {"状态", "Status"},
    [MSG_DELIVERY] = {"发货方式", "Delivery"},
    [MSG_DELIVERY_PHYSICAL] = {"实物快递", "Shipped goods"},
    [MSG_DELIVERY_VIRTUAL] = {"虚拟商品", "Virtual goods"},
    [MSG_DELIVERY_AUTO] = {"自动发货", "Delivered automatically"},
    [MSG_IMAGE_URL] = {"图片链接（选填）", "Image URL (optional)"},
    [MSG_SAVE] = {"保存", "Save"},
    [MSG_SAVED] = {"已保存。", "Saved."},
    [MSG_ARCHIVE] = {"下架", "Archive"},
    [MSG_PRODUCT_ACTIVE] = {"在售", "Active"},
    [MSG_PRODUCT_DRAFT] = {"草稿", "Draft"},
    [MSG_PRODUCT_ARCHIVED] = {"已下架", "Archived"},
    [MSG_ALL] = {"全部", "All"},
    [MSG_QR_CODE] = {"二维码", "QR code"},
    [MSG_DOWNLOAD_SVG] = {"下载 SVG", "Download SVG"},
    [MSG_DOWNLOAD_PNG] = {"下载 PNG", "Download PNG"},
    [MSG_PRINT_SHEET] = {"下载打印价签（PDF）", "Download the print sheet (PDF)"},
    [MSG_SHARE_TEXT] = {"分享文案", "Share text"},
    [MSG_LINK] = {"链接", "Link"},
    [MSG_VIEW_PAGE] = {"查看商品页", "Open the product page"},
    [MSG_ERR_TITLE] = {"标题需要1到200个字，不能含控制字符。",
                       "A title needs 1 to 200 characters without control characters."},
    [MSG_ERR_PRICE] = {"请输入有效价格，例如 12.50。", "Enter a price such as 12.50."},
    [MSG_ERR_STOCK] = {"库存须为0到10亿之间的整数。",
                       "Stock must be a whole number from 0 to 1,000,000,000."},
    [MSG_ERR_URL] = {"图片链接须以 http:// 或 https:// 开头。",
                     "The image URL must start with http:// or https://."},
    [MSG_ERR_DESCRIPTION] = {"描述最多5000个字。", "A description holds at most 5,000 characters."},
    [MSG_NO_PRODUCTS] = {"还没有商品。", "No products yet."},
    [MSG_NO_ORDERS] = {"没有订单。", "No orders."},
    [MSG_BUYER] = {"买家", "Buyer"},
    [MSG_SHIP] = {"发货", "Ship"},
    [MSG_APPROVE_REFUND] = {"同意退款", "Approve the refund"},
    [MSG_REFUSE_REFUND] = {"拒绝退款", "Refuse the refund"},
    [MSG_REFUND_ASKED] = {"申请退款金额", "Refund asked for"},
    [MSG_ERR_CARRIER] = {"请填写快递公司（最多64字节）。", "Enter the carrier (up to 64 bytes)."},
    [MSG_ERR_TRACKING] = {"请填写运单号（字母、数字或连字符，最多40个）。",
                          "Enter the tracking number (letters, digits or hyphens, up to 40)."},
    [MSG_BALANCE_AVAILABLE] = {"可提现余额", "Available"},
    [MSG_BALANCE_PAYOUTS] = {"提现处理中", "Payouts in progress"},
    [MSG_STATEMENT] = {"账单（近30天）", "Statement (last 30 days)"},
    [MSG_PAYOUTS] = {"提现记录", "Payouts"},
    [MSG_REQUEST_PAYOUT] = {"全部提现", "Pay out everything available"},
    [MSG_ERR_PAYOUT] = {"没有可提现的余额。", "Nothing is available to pay out."},
    [MSG_NOTHING_YET] = {"暂无记录。", "Nothing yet."},
    [MSG_DOWNLOAD_CSV] = {"下载 CSV", "Download CSV"},
    [MSG_DATE] = {"时间", "Time"},
    [MSG_KIND] = {"类型", "Kind"},
    [MSG_AMOUNT] = {"金额", "Amount"},
    [MSG_STATS_BY_CLIENT] = {"按 App 统计的打开次数（近30天）", "Opens by app (last 30 days)"},
    [MSG_STATS_BY_CHANNEL] = {"按渠道统计的打开次数（近30天）", "Opens by channel (last 30 days)"},
    [MSG_SOURCE_LINK] = {"链接点击", "Link clicks"},
    [MSG_SOURCE_QR] = {"扫码", "QR scans"},
    [MSG_SOURCE_TOKEN] = {"口令打开", "Token opens"},
    [MSG_SOURCE_HANDOFF] = {"电脑转手机", "Hand-offs"},
    [MSG_NO_CHANNEL] = {"无渠道", "No channel"},
    [MSG_OTHER] = {"其他", "Other"},
    [MSG_STATS_EMPTY] = {"还没有打开记录。", "No opens yet."},
    [MSG_ALL_PRODUCTS] = {"全部商品", "All products"},
    [MSG_SHOW] = {"查看", "Show"},
    [MSG_RECENT_ORDERS] = {"最近订单", "Recent orders"},
    [MSG_STORE_LINK] = {"店铺链接", "Store link"},
    [MSG_ORDER_PLACED_AT] = {"下单时间", "Placed"},
    [MSG_TO_SHIP] = {"待发货", "To ship"},
    [MSG_VIEW_ALL] = {"查看全部", "See all"},
    [MSG_CURRENCY] = {"币种", "Currency"},
};

const char *i18n_text(enum lang lang, enum msg id) {
  if (id < 0 || id >= MSG_COUNT || !messages[id].zh) return "";
  return lang == LANG_EN ? messages[id].en : messages[id].zh;
}

static const struct message client_names[CLIENT_CLASS_COUNT] = {
    [CLIENT_UNKNOWN] = {"未知", "Unknown"},
    [CLIENT_WECHAT] = {"微信", "WeChat"},
    [CLIENT_WECHAT_DESKTOP] = {"微信电脑版", "WeChat desktop"},
    [CLIENT_WECHAT_MINIPROGRAM] = {"微信小程序", "WeChat mini program"},
    [CLIENT_WECOM] = {"企业微信", "WeCom"},
    [CLIENT_ALIPAY] = {"支付宝", "Alipay"},
    [CLIENT_TAOBAO] = {"淘宝", "Taobao"},
    [CLIENT_TMALL] = {"天猫", "Tmall"},
    [CLIENT_DINGTALK] = {"钉钉", "DingTalk"},
    [CLIENT_DOUYIN] = {"抖音", "Douyin"},
    [CLIENT_TIKTOK] = {"TikTok", "TikTok"},
    [CLIENT_BYTEDANCE] = {"头条/西瓜", "Toutiao / Xigua"},
    [CLIENT_FEISHU] = {"飞书", "Feishu"},
    [CLIENT_LARK] = {"Lark", "Lark"},
    [CLIENT_QQ] = {"QQ", "QQ"},
    [CLIENT_WEIBO] = {"微博", "Weibo"},
    [CLIENT_QQ_BROWSER] = {"QQ浏览器", "QQ Browser"},
    [CLIENT_BOT] = {"链接预览", "Link previews"},
    [CLIENT_IOS_BROWSER] = {"iPhone 浏览器", "iPhone browser"},
    [CLIENT_ANDROID_BROWSER] = {"安卓浏览器", "Android browser"},
    [CLIENT_DESKTOP_BROWSER] = {"电脑浏览器", "Desktop browser"},
};

const char *i18n_client_name(enum lang lang, enum client_class cls) {
  if (cls < 0 || cls >= CLIENT_CLASS_COUNT || !client_names[cls].zh) cls = CLIENT_UNKNOWN;
  return lang == LANG_EN ? client_names[cls].en : client_names[cls].zh;
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
