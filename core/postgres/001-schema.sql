-- The PostgreSQL ledger's schema, version 1: the SQLite ledger's schema 7
-- (core/ledger-sqlite.c) in PostgreSQL's types, so `tender ledger copy`
-- moves rows between the two column for column. Applied once, under an
-- advisory lock, by core/ledger-postgres-schema.c. Append only: a released
-- migration is never edited; a change is a new file 002-*.sql.

CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  method TEXT NOT NULL, account TEXT NOT NULL, tier TEXT NOT NULL,
  region TEXT NOT NULL, currency TEXT NOT NULL, exponent INTEGER NOT NULL,
  status TEXT NOT NULL,
  amount BIGINT NOT NULL, captured BIGINT NOT NULL DEFAULT 0,
  refunded BIGINT NOT NULL DEFAULT 0, fee BIGINT NOT NULL DEFAULT 0,
  order_currency TEXT NOT NULL, order_amount BIGINT NOT NULL,
  processor_ref TEXT NOT NULL DEFAULT '', plugin_state TEXT NOT NULL DEFAULT '',
  -- UNIQUE: two hosts racing one key cannot both insert; the loser's
  -- unit fails and is run again, and then finds the winner's payment.
  idempotency_key TEXT UNIQUE, request_hash TEXT NOT NULL DEFAULT '',
  action_kind INTEGER NOT NULL DEFAULT 0, action_data TEXT, action_hint TEXT,
  action_expires_ms BIGINT NOT NULL DEFAULT 0,
  decline_code INTEGER NOT NULL DEFAULT 0, decline_raw TEXT, decline_message TEXT,
  brand TEXT, first6 TEXT, last4 TEXT, display_account TEXT, issuer_country TEXT,
  details TEXT,
  created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
  authorized_ms BIGINT NOT NULL DEFAULT 0, hold_expires_ms BIGINT NOT NULL DEFAULT 0,
  busy_until_ms BIGINT NOT NULL DEFAULT 0, busy_seq BIGINT NOT NULL DEFAULT 0,
  effective_tier TEXT, exchange_rate TEXT
);
CREATE INDEX payments_account ON payments(account, created_ms);
CREATE INDEX payments_created ON payments(created_ms, id);
CREATE INDEX payments_account_holds ON payments(account, hold_expires_ms)
  WHERE status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0;
CREATE INDEX payments_account_actions ON payments(account, action_expires_ms)
  WHERE status = 'requires_action' AND action_expires_ms > 0;
-- What reconcile looks for, so it never scans every payment.
CREATE INDEX payments_unsettled ON payments(updated_ms)
  WHERE status IN ('unknown', 'pending', 'requires_action', 'authorized', 'partially_captured');
CREATE INDEX payments_leased ON payments(busy_until_ms) WHERE busy_until_ms > 0;

CREATE TABLE operations (
  seq BIGSERIAL PRIMARY KEY,
  payment_id TEXT NOT NULL REFERENCES payments(id),
  kind TEXT NOT NULL, request_id TEXT NOT NULL, idempotency_key TEXT,
  request_hash TEXT NOT NULL DEFAULT '',
  amount BIGINT NOT NULL, outcome TEXT, decline_code TEXT, raw_code TEXT,
  message TEXT, processor_ref TEXT, status_after TEXT, created_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, plugin_state TEXT
);
CREATE INDEX operations_payment ON operations(payment_id, seq);
CREATE UNIQUE INDEX operations_key ON operations(payment_id, kind, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- The cumulative limits' counters: a unit that checks a limit locks the
-- counter's row (ledger-postgres-payments.c, usage_get) until it commits.
CREATE TABLE usage (key TEXT PRIMARY KEY, amount BIGINT NOT NULL);
CREATE TABLE payment_usage (
  payment_id TEXT NOT NULL, key TEXT NOT NULL,
  full_amount BIGINT NOT NULL, counted BIGINT NOT NULL,
  PRIMARY KEY (payment_id, key));

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL UNIQUE, created_ms BIGINT NOT NULL,
  revoked_ms BIGINT NOT NULL DEFAULT 0);
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,
  created_ms BIGINT NOT NULL, removed_ms BIGINT NOT NULL DEFAULT 0);
CREATE TABLE events (
  seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  payment_id TEXT NOT NULL, body TEXT NOT NULL, created_ms BIGINT NOT NULL);
CREATE TABLE deliveries (
  event_seq BIGINT NOT NULL, endpoint_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_ms BIGINT NOT NULL, last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  done_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (event_seq, endpoint_id));
CREATE INDEX deliveries_due ON deliveries(next_ms) WHERE state = 'pending';
CREATE TABLE idempotent_responses (
  scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL, content_type TEXT NOT NULL, body BYTEA NOT NULL,
  headers TEXT NOT NULL, created_ms BIGINT NOT NULL,
  PRIMARY KEY (scope, key));
CREATE INDEX idempotent_responses_age ON idempotent_responses(created_ms);

CREATE TABLE plugin_crashes (
  id BIGSERIAL PRIMARY KEY,
  plugin_id TEXT NOT NULL, at_ms BIGINT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX plugin_crashes_by_plugin ON plugin_crashes(plugin_id, at_ms);
