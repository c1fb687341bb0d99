/*
 * lookalike_brands.c — built-in protected brands and lure words (see lookalike_brands.h).
 *
 * Chosen from the commerce, payment, social and banking services that Chinese anti-fraud
 * notices name most often as phishing targets, plus the few global payment and account brands
 * phished in China. Only each brand's canonical, long-established domains are listed (a wrong
 * guess here would exempt a look-alike from every check). Brands whose name is shorter than
 * five characters (jd, qq, vip) are matched exactly only, never by edit distance or substring.
 */
#include "core/lookalike_brands.h"

const struct lookalike_builtin_brand lookalike_builtin_brands[] = {
    /* Alibaba group: marketplaces, payment, maps, cloud, messaging. */
    {"taobao.com", 0},
    {"tmall.com", 0},
    {"tmall.hk", 0},
    {"alipay.com", 0},
    {"alibaba.com", 0},
    {"1688.com", 0},
    {"aliexpress.com", 0},
    {"aliyun.com", 0},
    {"alibabacloud.com", 0},
    {"alicdn.com", 0},
    {"dingtalk.com", 0},
    {"fliggy.com", 0},
    {"xianyu.com", 0},
    /* Tencent: WeChat, QQ, WeChat Pay. */
    {"qq.com", 0},
    {"weixin.qq.com", 0},
    {"wechat.com", 0},
    {"tenpay.com", 0},
    {"tencent.com", 0},
    /* Other marketplaces and local services. */
    {"jd.com", 0},
    {"jd.hk", 0},
    {"pinduoduo.com", 0},
    {"yangkeduo.com", 0},
    {"temu.com", 0},
    {"meituan.com", 0},
    {"dianping.com", 0},
    {"suning.com", 0},
    {"vip.com", 0},
    {"xiaohongshu.com", 0},
    {"ctrip.com", 0},
    {"trip.com", BRAND_WORD},
    {"12306.cn", 0},
    /* ByteDance and other social apps. */
    {"douyin.com", 0},
    {"tiktok.com", 0},
    {"bytedance.com", 0},
    {"toutiao.com", 0},
    {"kuaishou.com", 0},
    {"weibo.com", 0},
    {"baidu.com", 0},
    {"feishu.cn", 0},
    {"bilibili.com", 0},
    /* Card schemes and banks (95516 is UnionPay's service number and domain). */
    {"unionpay.com", 0},
    {"95516.com", 0},
    {"icbc.com.cn", 0},
    {"ccb.com", 0},
    {"boc.cn", 0},
    {"abchina.com", 0},
    {"bankcomm.com", 0},
    {"cmbchina.com", 0},
    {"psbc.com", 0},
    {"citicbank.com", 0},
    {"spdb.com.cn", 0},
    {"cebbank.com", 0},
    {"pingan.com", 0},
    {"webank.com", 0},
    {"mybank.cn", 0},
    /* Global payment and account brands phished in China too. */
    {"paypal.com", 0},
    {"apple.com", BRAND_WORD},
    {"icloud.com", 0},
    {"amazon.com", BRAND_WORD},
    {"microsoft.com", 0},
    {"steampowered.com", 0},
    /* Government services phishers imitate for "refund" and "subsidy" lures. */
    {"chinatax.gov.cn", 0},
};
const size_t lookalike_builtin_brand_count =
    sizeof lookalike_builtin_brands / sizeof lookalike_builtin_brands[0];

const char *const lookalike_lure_words[] = {
    "login",        "logon",   "signin",   "sign",    "secure",   "security", "safe",     "verify",
    "verification", "account", "update",   "confirm", "auth",     "pay",      "payment",  "wallet",
    "bank",         "card",    "refund",   "bonus",   "gift",     "prize",    "reward",   "lottery",
    "service",      "support", "help",     "kefu",    "unlock",   "unfreeze", "official", "online",
    "web",          "center",  "member",   "app",     "download", "cash",     "coupon",   "claim",
    "check",        "alert",   "notice",   "billing", "invoice",  "tuikuan",  "lingqu",   "zhongjiang",
    "anquan",       "denglu",  "yanzheng", "jiedong", "buchang",
};
const size_t lookalike_lure_word_count = sizeof lookalike_lure_words / sizeof lookalike_lure_words[0];
