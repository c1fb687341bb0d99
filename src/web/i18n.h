/*
 * i18n.h — the pages' two languages, Chinese and English.
 *
 * Every visible string of the buyer pages and the dashboard has an id here and a text in
 * each language (i18n.c). The language comes from ?lang=, then the `lang` cookie, then the
 * first supported language of Accept-Language by quality; Chinese when nothing matches,
 * since most buyers are in China.
 */
#ifndef HUTONG_WEB_I18N_H
#define HUTONG_WEB_I18N_H

#include "core/str.h"

enum lang { LANG_ZH, LANG_EN, LANG_COUNT };

enum msg {
  MSG_SITE_NAME,
  MSG_NOT_FOUND_TITLE,
  MSG_NOT_FOUND_BODY,
  MSG_EXPIRED_TITLE,
  MSG_EXPIRED_BODY,
  MSG_LINK_EXPIRED_BODY,
  MSG_HANDOFF_USED_TITLE,
  MSG_HANDOFF_USED_BODY,
  MSG_UNAVAILABLE_TITLE,
  MSG_UNAVAILABLE_BODY,
  MSG_IN_STOCK,
  MSG_OUT_OF_STOCK,
  MSG_QUANTITY,
  MSG_BUY_NOW,
  MSG_PAY_WITH,
  MSG_PAY_WECHAT,
  MSG_PAY_ALIPAY,
  MSG_PAY_SANDBOX,
  MSG_PAY_CHOOSE,
  MSG_SHARE_TOKEN,
  MSG_SHARE_TOKEN_HINT,
  MSG_COPY,
  MSG_COPIED,
  MSG_OPEN_IN_BROWSER_HINT,
  MSG_OPEN_IN_APP,
  MSG_CONTINUE_ON_PHONE,
  MSG_CONTINUE_ON_PHONE_HINT,
  MSG_CONTINUED_ON_PHONE,
  MSG_PASTE_TOKEN,
  MSG_PASTE_TOKEN_HINT,
  MSG_FIND,
  MSG_STORE_PRODUCTS,
  MSG_VISIT_STORE,
  MSG_LANGUAGE_SWITCH,
  MSG_TOKEN_NOT_FOUND,
  MSG_TOKEN_CHECKSUM,
  MSG_TOKEN_EXPIRED,
  MSG_WALLET_AMOUNT,
  MSG_WALLET_APPROVE,
  MSG_WALLET_DECLINE,
  MSG_WALLET_PAID,
  MSG_WALLET_CLOSED,
  MSG_WALLET_BACK,
  MSG_WALLET_NOTE,
  MSG_GUARD_WARN_TITLE,
  MSG_GUARD_WARN_BODY,
  MSG_GUARD_BLOCK_TITLE,
  MSG_GUARD_BLOCK_BODY,
  MSG_GUARD_CONTINUE,
  MSG_GUARD_BACK,
  MSG_GUARD_BAD_TITLE,
  MSG_GUARD_BAD_BODY,
  MSG_COUNT,
};

/* The text of `id` in `lang` (never NULL). */
const char *i18n_text(enum lang lang, enum msg id);

/* Chooses the language: an explicit `query` ("zh"/"en"), else `cookie`, else the best of
 * `accept_language` (RFC 9110 quality values), else Chinese. Views may be empty. */
enum lang i18n_negotiate(struct str query, struct str cookie, struct str accept_language);

/* "zh" or "en"; the html lang attribute ("zh-CN" / "en"). */
const char *i18n_code(enum lang lang);
const char *i18n_html_lang(enum lang lang);

#endif
