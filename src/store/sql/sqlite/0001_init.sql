-- Merchants (each with a store code and an optional deep link into the merchant's own app,
-- app_link, a URL template containing {code}), their API keys, products, and stored
-- idempotent responses.
-- Timestamps are integer milliseconds since the Unix epoch, supplied by the application.
CREATE TABLE merchants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  code TEXT NOT NULL UNIQUE,
  app_link TEXT,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
CREATE INDEX api_keys_merchant ON api_keys(merchant_id);

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  code TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  price_minor INTEGER NOT NULL CHECK (price_minor > 0),
  currency TEXT NOT NULL,
  stock INTEGER NOT NULL CHECK (stock >= 0),
  image_url TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'draft', 'archived')),
  delivery TEXT NOT NULL DEFAULT 'physical' CHECK (delivery IN ('physical', 'virtual', 'auto')),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX products_merchant ON products(merchant_id, id);

CREATE TABLE idempotency_keys (
  scope INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  owner TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
  status INTEGER,
  content_type TEXT,
  location TEXT,
  body TEXT,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at_ms);
