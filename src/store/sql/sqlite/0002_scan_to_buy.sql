-- Scan-to-buy: one namespace of short codes for products, stores and campaign links; share
-- tokens with lifetimes; recorded opens (clicks, scans, token resolves); desktop→phone handoffs.
CREATE TABLE codes (
  code TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('product', 'store', 'link')),
  merchant_id INTEGER NOT NULL,
  ref_id INTEGER NOT NULL
);

CREATE TABLE links (
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  code TEXT NOT NULL UNIQUE REFERENCES codes(code),
  target_url TEXT NOT NULL,
  channel TEXT,
  expires_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX links_merchant ON links(merchant_id, id);

CREATE TABLE share_tokens (
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  code TEXT NOT NULL,
  channel TEXT,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX share_tokens_code ON share_tokens(code, expires_at_ms);

CREATE TABLE clicks (
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL,
  code TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('link', 'qr', 'token', 'handoff')),
  client_class TEXT NOT NULL,
  os TEXT NOT NULL,
  channel TEXT,
  at_ms INTEGER NOT NULL
);
CREATE INDEX clicks_code ON clicks(merchant_id, code, at_ms);

CREATE TABLE handoffs (
  id TEXT PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  claimed_at_ms INTEGER,
  claimed_by TEXT
);
CREATE INDEX handoffs_expiry ON handoffs(expires_at_ms);
