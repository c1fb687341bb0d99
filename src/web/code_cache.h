/*
 * code_cache.h — the rows behind the public code routes, and their QR symbols, in memory.
 *
 * /R/, /P/, /S/, /Q/ and /qr/ read a few small, rarely changing rows per request (a link, a
 * product and its merchant, what a code names) and encode the same QR symbols again and
 * again. Under load that was most of a request's cost (perf of GET /R/ with 100,000 links:
 * 23 % of the server's CPU in the SQLite lookup; of GET /qr/: libqrencode's 44 us encode).
 * This keeps the rows, packed, in a bounded kvcache and the symbols' module matrices in
 * another, so a hot path touches neither the database nor the encoder.
 *
 * Freshness: this node's own writes call code_cache_forget() (api/links.c, api/products.c);
 * another node's writes arrive as change notifications (platform/changes.h: LISTEN/NOTIFY on
 * PostgreSQL) and forget their rows at once; the TTL bounds what a lost notification or an
 * admin command's change could leave stale.
 * Unknown codes are not cached (each asks the database), so a new code works at once.
 *
 * A third cache keeps the link guard's verdict on each link's target, so that /R/ does not
 * run the guard on every click: an entry holds the target it judged and the guard snapshot's
 * generation (jobs/guard_state.h), and counts only while both still match. A feed reload or a
 * change of protected domains starts a new generation, so it takes effect at the next click;
 * a changed target misses by itself.
 * Every function falls back to the store when the cache is not initialized (tests of single
 * handlers, admin commands).
 */
#ifndef HUTONG_WEB_CODE_CACHE_H
#define HUTONG_WEB_CODE_CACHE_H

#include <stdint.h>

#include "core/guard.h"
#include "core/qr.h"
#include "http/request.h"
#include "store/codes.h"
#include "store/links.h"
#include "store/merchants.h"
#include "store/products.h"

/* Rows kept: a catalogue of 100,000 products and as many links, the code entries naming them,
 * and their merchants, with room for the cache's short probe runs (about 80 bytes a slot). */
#define CODE_CACHE_ROWS_MAX (512u * 1024u)
/* The most a change that no notification announced may look stale: a minute. An entry expires that long after
 * it was read from the store, however often it is used, so a busy catalogue re-reads each row once a minute
 * (with 100,000 codes at 20,000 requests a second: about 8 % of requests). */
#define CODE_CACHE_TTL_MS (60 * 1000)
/* A packed product with a 5,000-character description is about 15 KB; larger rows are read
 * from the store each time. */
#define CODE_CACHE_ROW_BYTES_MAX (16u * 1024u)
/* Symbols kept: one level for each of 100,000 products with room; a version-3 matrix packs
 * into 89 bytes. Symbols never go stale (they depend only on the code and the public URL). */
#define CODE_CACHE_SYMBOLS_MAX   (256u * 1024u)
#define CODE_CACHE_SYMBOL_TTL_MS (3600 * 1000)
/* Largest symbol kept: version 10 (57 modules a side), far above a short link's version 2-3. */
#define CODE_CACHE_SYMBOL_BYTES_MAX 512

/* Verdicts kept: one per campaign link, as many as the row cache's links. An entry is about
 * 90 bytes of slot plus the target; a reload makes every entry stale, so the TTL only bounds
 * how long an unused entry stays: an hour. */
#define CODE_CACHE_VERDICTS_MAX   (128u * 1024u)
#define CODE_CACHE_VERDICT_TTL_MS (3600 * 1000)
/* A verdict entry: generation, verdict and the target (links allow 2,048 bytes; room to spare). */
#define CODE_CACHE_VERDICT_BYTES_MAX (16u + 4096u)

/* Creates the caches; call once before serving (web_init does). */
void code_cache_init(void);

/* Frees them after the server has stopped (web_shutdown does). */
void code_cache_shutdown(void);

/* What a canonical public `code` names. HT_ENOTFOUND when nothing; a store error otherwise. */
int code_cache_lookup(struct request *req, struct str code, struct code_ref *out);

/* Link `code` (any merchant), strings in the request arena. HT_ENOTFOUND when absent. */
int code_cache_link(struct request *req, struct str code, struct link *out);

/* Product `code` (any merchant, any status), strings in the request arena. */
int code_cache_product(struct request *req, struct str code, struct product *out);

/* Merchant `id`, strings in the request arena. */
int code_cache_merchant(struct request *req, int64_t id, struct merchant *out);

/* The guard's verdict on link `code`'s `target` remembered for snapshot `generation`: true and
 * `*verdict` when an entry for exactly that target and generation exists. */
bool code_cache_verdict(struct request *req, struct str code, struct str target, uint64_t generation,
                        enum guard_verdict *verdict);

/* Remembers `verdict` on link `code`'s `target` under snapshot `generation`. */
void code_cache_verdict_keep(struct request *req, struct str code, struct str target, uint64_t generation,
                             enum guard_verdict verdict);

/* Forgets every row and verdict cached under `code` (call after changing the link or product). */
void code_cache_forget(struct str code);

/* The QR symbol of `text` at level `ec` into `out` (modules in the request arena), encoded
 * once per process for the same text and level. Errors are qr_encode()'s. */
int code_cache_symbol(struct request *req, struct str text, enum qr_ec ec, struct qr_code *out);

#endif
