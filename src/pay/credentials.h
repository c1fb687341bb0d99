/*
 * credentials.h — each merchant's WeChat Pay and Alipay credentials: validated, split into a
 * public and a secret part, the secret part sealed at rest, and loaded back for a call.
 *
 * A configuration is one JSON object per channel (the same document for `hutong channel set
 * --from-file` and `PUT /v1/channels/{name}`; the fields are listed in docs/WALLETS.md). On
 * saving, every field is checked (keys are parsed, certificates must be certificates), the
 * secret fields (private keys, the APIv3 key, the WeChat app secret) are sealed with
 * core/secretbox under HKDF-SHA256(HUTONG_SECRET, purpose "channel-credentials") with the
 * merchant id and channel as associated data, and the rest is stored as JSON. Secrets are
 * never logged and never returned: the only way out of this module is credentials_load(),
 * for the adapters, and credentials_view(), which shows the non-secret fields only.
 */
#ifndef HUTONG_PAY_CREDENTIALS_H
#define HUTONG_PAY_CREDENTIALS_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"
#include "store/db.h"

/* Largest configuration document: a few PEM keys and certificates of ≈ 2 KB each. */
#define CREDENTIALS_DOCUMENT_BYTES_MAX (64 * 1024)
/* Platform certificates kept per WeChat Pay merchant: WeChat Pay overlaps two during a
 * rotation; four leaves room for a late removal. */
#define CREDENTIALS_PLATFORM_CERTS_MAX 4
/* Bounds of a channel's call timeout (timeout_ms): fast enough to fail a hung wallet before
 * the buyer gives up, slow enough for a distant gateway. */
#define CREDENTIALS_TIMEOUT_MS_MIN     100
#define CREDENTIALS_TIMEOUT_MS_MAX     30000
#define CREDENTIALS_TIMEOUT_MS_DEFAULT 5000
/* The HKDF purpose of the credentials key. */
#define CREDENTIALS_KEY_PURPOSE "channel-credentials"

/* Why a configuration was refused, for a 400 naming the field. */
struct credentials_problem {
  char field[64];
  char message[160];
};

/* True when `channel` is a channel with credentials ("wechatpay", "alipay"). */
bool credentials_channel_known(struct str channel);

/* Checks `doc` as the configuration of `channel`, seals its secret fields and stores it for
 * `merchant_id` (replacing what was there). Fields ending in `_file` are refused here: only
 * the CLI reads files (credentials_resolve_files()). HT_EINVAL with `problem` for a bad
 * document, HT_ENOTFOUND for an unknown channel or merchant, storage errors otherwise. Runs in
 * the caller's transaction if one is open. */
int credentials_save(struct db *db, struct str server_secret, int64_t merchant_id, struct str channel,
                     json_t *doc, int64_t now_ms, struct credentials_problem *problem);

/* Replaces every "X_file": "path" member of `doc` by "X": "<the file's text>" (and every
 * "X_files": ["path", ...] by "X": ["text", ...]), paths relative to `base_dir`. For the CLI
 * only. HT_EINVAL with `problem` when a file cannot be read or is larger than a key may be. */
int credentials_resolve_files(json_t *doc, const char *base_dir, struct credentials_problem *problem);

/* Loads the configuration of (merchant, channel): public and secret fields merged into one
 * new JSON object the caller releases with json_decref(). HT_ENOTFOUND when none is stored;
 * HT_EAUTH when the secret part does not open (HUTONG_SECRET changed, or the row was moved). */
int credentials_load(struct db *db, struct str server_secret, int64_t merchant_id, struct str channel,
                     json_t **doc);

/* Re-seals the secret part of (merchant, channel), sealed under `old_secret`, under
 * `new_secret` (after HUTONG_SECRET was changed); the public part is kept as it is. HT_OK when
 * re-sealed; HT_ECONFLICT, writing nothing, when it already opens under `new_secret`; HT_EAUTH
 * when it opens under neither; HT_ENOTFOUND when none is stored. Runs in the caller's
 * transaction if one is open. */
int credentials_reseal(struct db *db, struct str old_secret, struct str new_secret, int64_t merchant_id,
                       struct str channel, int64_t now_ms);

/* The non-secret view of (merchant, channel): {"object":"channel","channel","configured",
 * and when configured the identifiers, serials, URLs, timeout and "updated_at"}. A new
 * reference, or NULL on a storage error (with *rc set). */
json_t *credentials_view(struct db *db, struct arena *arena, int64_t merchant_id, struct str channel,
                         int *rc);

/* The configured timeout of a loaded configuration, or the default. */
int64_t credentials_timeout_ms(json_t *doc);

/* A string member of a loaded configuration; the empty view when absent. */
struct str credentials_str(json_t *doc, const char *name);

#endif
