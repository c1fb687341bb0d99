-- The merchant dashboard: one sign-in password per merchant (an argon2id hash in the PHC
-- string format, salt and parameters included), and signed-in sessions. A session row is
-- found by the SHA-256 of its 256-bit random id (the cookie holds the id; a leaked table does
-- not), carries the session's CSRF token, and ends at expires_at_ms or after an idle timeout
-- counted from last_seen_ms. Timestamps are integer milliseconds from the application clock.
CREATE TABLE merchant_passwords (
  merchant_id INTEGER PRIMARY KEY REFERENCES merchants(id),
  hash TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE TABLE merchant_sessions (
  id_hash TEXT PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  csrf_token TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX merchant_sessions_merchant ON merchant_sessions(merchant_id);
CREATE INDEX merchant_sessions_expiry ON merchant_sessions(expires_at_ms);

-- The dashboard's statistics count every open of all of a merchant's codes at once.
CREATE INDEX clicks_merchant ON clicks(merchant_id, at_ms);
