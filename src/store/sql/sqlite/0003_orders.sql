-- The transaction loop: orders and their lines, payment attempts, refunds, payouts, the
-- double-entry ledger with cached balances, processed notifications, and the timeline.
-- Amounts are integer minor units next to an ISO 4217 code; states use escrow_state_name().
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  currency TEXT NOT NULL,
  delivery TEXT NOT NULL,
  total_minor INTEGER NOT NULL CHECK (total_minor > 0),
  fee_bps INTEGER NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  shipped INTEGER NOT NULL DEFAULT 0,
  payment_id INTEGER NOT NULL DEFAULT 0,
  channel_id INTEGER NOT NULL DEFAULT 0,
  paid_minor INTEGER NOT NULL DEFAULT 0,
  refunded_minor INTEGER NOT NULL DEFAULT 0,
  released_minor INTEGER NOT NULL DEFAULT 0,
  fee_minor INTEGER NOT NULL DEFAULT 0,
  refund_requested_minor INTEGER NOT NULL DEFAULT 0,
  deadline_ms INTEGER NOT NULL DEFAULT 0,
  clock_remaining_ms INTEGER NOT NULL DEFAULT 0,
  buyer_name TEXT NOT NULL,
  buyer_phone TEXT NOT NULL,
  buyer_email TEXT,
  shipping_address TEXT,
  note TEXT,
  carrier TEXT,
  tracking_number TEXT,
  source_code TEXT,
  channel TEXT,
  client_class TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX orders_merchant ON orders(merchant_id, id);
CREATE INDEX orders_deadline ON orders(deadline_ms) WHERE deadline_ms > 0;

CREATE TABLE order_lines (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products(id),
  title TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
  PRIMARY KEY (order_id, line)
);

CREATE TABLE order_events (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  event TEXT NOT NULL,
  state TEXT NOT NULL,
  amount_minor INTEGER NOT NULL DEFAULT 0,
  detail TEXT,
  at_ms INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events(order_id, id);

CREATE TABLE payments (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  merchant_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  channel_id INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  out_trade_no TEXT NOT NULL UNIQUE,
  channel_trade_no TEXT,
  pay_url TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX payments_order ON payments(order_id);
CREATE INDEX payments_status ON payments(status, updated_at_ms);

CREATE TABLE refunds (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  payment_id INTEGER NOT NULL REFERENCES payments(id),
  channel_id INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  out_refund_no TEXT NOT NULL UNIQUE,
  reason TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX refunds_status ON refunds(status, updated_at_ms);
CREATE INDEX refunds_order ON refunds(order_id);

CREATE TABLE payouts (
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  channel_id INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  out_payout_no TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX payouts_merchant ON payouts(merchant_id, id);
CREATE INDEX payouts_status ON payouts(status, updated_at_ms);

CREATE TABLE ledger_transactions (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  order_id INTEGER,
  merchant_id INTEGER,
  reference TEXT,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX ledger_transactions_merchant ON ledger_transactions(merchant_id, id);

CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY,
  txn_id INTEGER NOT NULL REFERENCES ledger_transactions(id),
  account_kind TEXT NOT NULL,
  owner_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0)
);
CREATE INDEX ledger_entries_txn ON ledger_entries(txn_id);
CREATE INDEX ledger_entries_account ON ledger_entries(account_kind, owner_id, currency);

CREATE TABLE ledger_balances (
  account_kind TEXT NOT NULL,
  owner_id INTEGER NOT NULL,
  currency TEXT NOT NULL,
  balance_minor INTEGER NOT NULL,
  PRIMARY KEY (account_kind, owner_id, currency)
);

CREATE TABLE notifications (
  channel TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  PRIMARY KEY (channel, notification_id)
);

CREATE TABLE sandbox_trades (
  trade_no TEXT PRIMARY KEY,
  out_trade_no TEXT NOT NULL UNIQUE,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  subject TEXT NOT NULL,
  notify_url TEXT NOT NULL,
  return_url TEXT,
  status TEXT NOT NULL,
  refunded_minor INTEGER NOT NULL DEFAULT 0,
  notify_state TEXT NOT NULL DEFAULT 'none',
  notify_attempts INTEGER NOT NULL DEFAULT 0,
  notify_next_ms INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE INDEX sandbox_trades_notify ON sandbox_trades(notify_state, notify_next_ms);

CREATE TABLE sandbox_refunds (
  out_refund_no TEXT PRIMARY KEY,
  trade_no TEXT NOT NULL REFERENCES sandbox_trades(trade_no),
  amount_minor INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE jobs_runs (
  job TEXT PRIMARY KEY,
  last_run_ms INTEGER NOT NULL
);
