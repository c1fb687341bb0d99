-- Wallets: merchants' channel credentials (secret parts sealed by core/secretbox), the data a
-- wallet's pay page shows (WeChat Pay code_url / JSAPI parameters, Alipay qr_code), password-free
-- (免密) agreements with their per-day usage, and the per-buyer per-day usage of static pay codes.
-- Amounts are integer minor units; `day` is the Beijing calendar day as days since 1970-01-01.
CREATE TABLE channel_credentials (
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  channel TEXT NOT NULL CHECK (channel IN ('wechatpay', 'alipay')),
  config TEXT NOT NULL,
  secret_box TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (merchant_id, channel)
);

CREATE TABLE payment_pages (
  reference TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('qr', 'jsapi')),
  data TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE payment_agreements (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  channel TEXT NOT NULL,
  currency TEXT NOT NULL,
  per_payment_cap_minor INTEGER NOT NULL CHECK (per_payment_cap_minor > 0),
  daily_cap_minor INTEGER NOT NULL CHECK (daily_cap_minor >= per_payment_cap_minor),
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE agreement_usage (
  agreement_id INTEGER NOT NULL REFERENCES payment_agreements(id),
  day INTEGER NOT NULL,
  used_minor INTEGER NOT NULL CHECK (used_minor >= 0),
  payments INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agreement_id, day)
);

CREATE TABLE agreement_payments (
  payment_id INTEGER PRIMARY KEY REFERENCES payments(id),
  agreement_id INTEGER NOT NULL REFERENCES payment_agreements(id),
  day INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX agreement_payments_agreement ON agreement_payments(agreement_id, day);

CREATE TABLE pay_code_usage (
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  buyer_key TEXT NOT NULL,
  day INTEGER NOT NULL,
  used_minor INTEGER NOT NULL CHECK (used_minor >= 0),
  PRIMARY KEY (merchant_id, buyer_key, day)
);
