/*
 * lookalike_brands.c — built-in protected brands and lure words (see lookalike_brands.h).
 *
 * Chosen from the commerce, payment, social and banking services that Chinese anti-fraud
 * notices name most often as phishing targets, plus the few global payment and account brands
 * phished in China. Only each brand's canonical, long-established domains are listed (a wrong
 * guess here would exempt a look-alike from every check). Names shorter than five characters
 * match exactly only (lookalike.h), so only the two brands no list can leave out, jd and qq,
 * are here with such names.
 */
#include "core/lookalike_brands.h"

const char *const lookalike_builtin_domains[] = {
    /* Alibaba group: marketplaces, payment, maps, cloud, messaging. */
    "taobao.com",
    "tmall.com",
    "tmall.hk",
    "alipay.com",
    "alibaba.com",
    "aliexpress.com",
    "aliyun.com",
    "alibabacloud.com",
    "alicdn.com",
    "dingtalk.com",
    "fliggy.com",
    /* Tencent: WeChat, QQ, WeChat Pay. */
    "qq.com",
    "weixin.qq.com",
    "wechat.com",
    "tenpay.com",
    "tencent.com",
    /* Other marketplaces and local services. */
    "jd.com",
    "jd.hk",
    "pinduoduo.com",
    "yangkeduo.com",
    "meituan.com",
    "dianping.com",
    "suning.com",
    "xiaohongshu.com",
    "ctrip.com",
    "12306.cn",
    /* ByteDance and other social apps. */
    "douyin.com",
    "tiktok.com",
    "bytedance.com",
    "toutiao.com",
    "kuaishou.com",
    "weibo.com",
    "weibo.cn",
    "baidu.com",
    "feishu.cn",
    "bilibili.com",
    "bilibili.tv",
    /* Card schemes and banks (95516 is UnionPay's service number and domain). The big four
     * state banks (icbc, ccb, boc, abc) have names under five characters; abchina is listed
     * by its domain name, the others would match exactly only and are left to configuration. */
    "unionpay.com",
    "95516.com",
    "abchina.com",
    "bankcomm.com",
    "cmbchina.com",
    "citicbank.com",
    "cebbank.com",
    "pingan.com",
    "pingan.cn",
    "webank.com",
    /* Global payment and account brands phished in China too. Brands whose names are everyday
     * words or one edit from one (apple, amazon, icloud/cloud) are left out: fuzzy matching
     * on them flags ordinary sites. */
    "paypal.com",
    "microsoft.com",
    "steampowered.com",
    /* Government services phishers imitate for "refund" and "subsidy" lures. */
    "chinatax.gov.cn",
};
const size_t lookalike_builtin_domain_count =
    sizeof lookalike_builtin_domains / sizeof lookalike_builtin_domains[0];

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
