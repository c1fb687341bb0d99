/*
 * session.h — signing merchants into the dashboard: passwords, sessions, CSRF tokens.
 *
 * Passwords are hashed with argon2id (Debian's libargon2, the reference implementation) at
 * OWASP's current minimum for argon2id — 19 MiB of memory, 2 passes, 1 lane (OWASP Password
 * Storage Cheat Sheet) — with a 128-bit random salt and a 256-bit tag, stored as the PHC string
 * ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") so the parameters can rise later without
 * invalidating old hashes. RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes)
 * would cost a two-core server about four times as much per sign-in attempt; the rate limits
 * below bound the attempts instead.
 *
 * A session id is 256 random bits (hex in the HttpOnly, SameSite=Lax cookie; Secure when the
 * public URL is https); the store keeps only its SHA-256. Sessions end after
 * SESSION_LIFETIME_MS, after SESSION_IDLE_MS without use, or at sign-out. Each session has
 * its own CSRF token (a synchronizer token) that every dashboard form carries and every POST
 * must return; the sign-in form, before any session, uses a double-submit token bound to a
 * short-lived cookie. Comparisons of secrets are constant-time. Wrong passwords are counted
 * per address and per merchant (http/ratelimit.h); past the limits sign-in answers 429.
 */
#ifndef HUTONG_WEB_SESSION_H
#define HUTONG_WEB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"
#include "store/sessions.h"

/* Passwords: at least 8 characters (NIST SP 800-63B's minimum for user-chosen secrets) and at
 * most 256 bytes (far beyond any passphrase; bounds the hashing work). */
#define PASSWORD_CHARS_MIN 8
#define PASSWORD_BYTES_MAX 256
/* argon2id parameters (OWASP's minimum, see above). */
#define PASSWORD_ARGON2_T_COST      2
#define PASSWORD_ARGON2_M_COST_KIB  (19 * 1024)
#define PASSWORD_ARGON2_PARALLELISM 1
#define PASSWORD_SALT_BYTES         16
#define PASSWORD_TAG_BYTES          32
/* Room for the PHC string of those parameters (about 100 bytes). */
#define PASSWORD_ENCODED_BYTES_MAX 160

/* Session ids: 32 random bytes (256 bits), 64 hex digits in the cookie. */
#define SESSION_ID_BYTES     32
#define SESSION_ID_HEX_CHARS (2 * SESSION_ID_BYTES)
#define SESSION_CSRF_BYTES   (SESSION_CSRF_HEX_CHARS / 2)
/* A session lasts a working day at most, and ends after half an hour without a request
 * (OWASP Session Management Cheat Sheet: 15-30 minutes idle for most applications). */
#define SESSION_LIFETIME_MS (12LL * 3600 * 1000)
#define SESSION_IDLE_MS     (30LL * 60 * 1000)
/* Last use is written at most once a minute, not on every page. */
#define SESSION_TOUCH_INTERVAL_MS (60 * 1000)
#define SESSION_COOKIE            "hutong_session"
/* The sign-in form's double-submit token lives in this cookie for an hour. */
#define LOGIN_COOKIE           "hutong_login"
#define LOGIN_COOKIE_MAX_AGE_S 3600
#define LOGIN_TOKEN_BYTES      16
/* Failed sign-ins allowed per client address and per merchant id in a 10-minute window; past
 * either, every attempt (even a right password) answers 429 until the window ends. An address
 * may fail more often than one merchant may be failed (an office shares one address). A
 * right password does not count, so a merchant who signs in often is never locked out. */
#define LOGIN_WINDOW_MS                 (10 * 60 * 1000)
#define LOGIN_RETRY_AFTER_S             "600"
#define LOGIN_FAILURES_PER_IP_MAX       30
#define LOGIN_FAILURES_PER_MERCHANT_MAX 10

/* Checks a new password against the rules: HT_OK; HT_EINVAL when not valid UTF-8 or it has
 * control characters; HT_ERANGE when shorter than PASSWORD_CHARS_MIN characters or longer than
 * PASSWORD_BYTES_MAX bytes. */
int password_check_rules(struct str password);

/* Hashes `password` with a fresh salt into `encoded` (the PHC string, NUL-terminated).
 * HT_ERANGE past PASSWORD_BYTES_MAX; HT_EIO when libargon2 fails (out of memory). */
int password_hash(struct str password, char encoded[PASSWORD_ENCODED_BYTES_MAX]);

/* HT_OK when `password` matches `encoded`; HT_EAUTH when it does not (or `encoded` is not an
 * argon2id hash). libargon2 compares the tags in constant time. */
int password_verify(struct str encoded, struct str password);

/* Spends the time of one verification without a hash to compare with, so that an unknown
 * merchant id or one without a password answers as slowly as a wrong password. */
void password_burn(struct str password);

/* True when `given` equals `expected`, compared in constant time for equal lengths; false
 * for different lengths or an empty `expected` (a missing token never matches). Pure. */
bool secret_equal(struct str expected, struct str given);

/* The SHA-256 (lower-case hex) under which a session id is stored. */
void session_id_hash(struct str id, char hex[SESSION_ID_HEX_CHARS + 1]);

/* True for a well-formed session id: exactly SESSION_ID_HEX_CHARS lower-case hex digits. Pure. */
bool session_id_valid(struct str id);

/* Whether a stored session may still be used at `now_ms`. Pure. */
bool session_alive(const struct merchant_session *s, int64_t now_ms);

#endif
