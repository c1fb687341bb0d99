/* channels.c — the registry of wallet channels: a name or id to its function table. */
#include "pay/channel.h"
#include "pay/alipay.h"
#include "pay/sandbox.h"
#include "pay/wechatpay.h"

static const struct pay_channel *const channels[] = {&pay_channel_sandbox, &pay_channel_wechatpay,
                                                     &pay_channel_alipay};

const struct pay_channel *pay_channel_find(struct str name) {
  for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++)
    if (str_eq(name, str_from_cstr(channels[i]->name))) return channels[i];
  return NULL;
}

const struct pay_channel *pay_channel_by_id(int64_t id) {
  for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++)
    if (channels[i]->id == id) return channels[i];
  return NULL;
}
