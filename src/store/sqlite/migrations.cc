#include "store/sqlite/migrations.h"

namespace keyward {

const std::vector<std::string>& sqliteMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: tenants, key groups, keys, audit, verification failure counters
      R"sql(
CREATE TABLE tenants (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  default_expiry_days INTEGER NOT NULL,
  max_expiry_days INTEGER,
  expiry_alert_days INTEGER NOT NULL,
  max_keys_per_service_user INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE key_groups (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE api_keys (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  group_id TEXT REFERENCES key_groups(id),
  kind TEXT NOT NULL,
  digest BLOB NOT NULL UNIQUE,
  start TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  revoked_at INTEGER,
  expires_at INTEGER,
  ip_allowlist TEXT NOT NULL,
  metadata TEXT NOT NULL,
  roles TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_used_at INTEGER,
  UNIQUE (tenant_id, name)
);
CREATE INDEX api_keys_group ON api_keys (tenant_id, group_id);
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, seq);
CREATE INDEX audit_events_tenant_at ON audit_events (tenant_id, at);
CREATE TABLE verify_failures (
  tenant_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key_id, reason)
);
)sql",
      // 2: access control. Keys gain an owner (NULL: a standalone key); their roles column
      // keeps one assignment per line, now optionally followed by tab-separated resources, so
      // the rows of migration 1 (one role name per line) read as unscoped assignments.
      R"sql(
ALTER TABLE api_keys ADD COLUMN owner_kind TEXT;
ALTER TABLE api_keys ADD COLUMN owner_id TEXT;
CREATE INDEX api_keys_owner ON api_keys (tenant_id, owner_id);
CREATE TABLE users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  email TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  roles TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, email)
);
CREATE TABLE service_users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  roles TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE user_groups (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE user_group_members (
  group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX user_group_members_user ON user_group_members (user_id);
CREATE TABLE user_group_subscriptions (
  group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  PRIMARY KEY (group_id, kind)
);
CREATE TABLE roles (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  permissions TEXT NOT NULL,
  scope_module TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE modules (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
)sql",
      // 3: key groups remember who created them (level "mine"), tenants may forbid keys
      // that never expire, and
      // the audit log is hash-chained per tenant (store/audit_chain.h). Rows written
      // before this migration are chained when the store opens (SqliteStore::open).
      R"sql(
ALTER TABLE key_groups ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN allow_never_expiring INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_events ADD COLUMN hash BLOB;
-- Per tenant: the newest event's hash (head: a removed last event is detected) and the
-- hash of the last event removed by retention (anchor: where a pruned chain starts).
CREATE TABLE audit_chains (
  tenant_id TEXT PRIMARY KEY,
  head_seq INTEGER NOT NULL,
  head_hash BLOB NOT NULL,
  anchor_hash BLOB
);
)sql",
      // 4: key lifecycle: a start of validity (not_before) and rotation with a grace period
      // (the replaced secret's digest and until when it still verifies).
      R"sql(
ALTER TABLE api_keys ADD COLUMN not_before INTEGER;
ALTER TABLE api_keys ADD COLUMN previous_digest BLOB;
ALTER TABLE api_keys ADD COLUMN previous_start TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN previous_expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN rotated_at INTEGER;
)sql",
      // 5: key kinds: every key has a purpose; advanced keys have a credential mode and a
      // public identifier, unique across tenants (a Basic credential names it first).
      R"sql(
ALTER TABLE api_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'third_party';
ALTER TABLE api_keys ADD COLUMN credential_mode TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN public_id TEXT;
CREATE UNIQUE INDEX api_keys_public_id ON api_keys (public_id) WHERE public_id IS NOT NULL;
)sql",
      // 6: key pairs: an advanced key's client public key (SPKI PEM), its algorithm, and the
      // public key a rotation replaced (it verifies until the grace period ends).
      R"sql(
ALTER TABLE api_keys ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN key_algorithm TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN previous_public_key TEXT NOT NULL DEFAULT '';
)sql",
      // 7: expiry alerts: the scheduler's lease, in-app notifications, deliveries (e-mail,
      // webhook) with their attempt log, and tenant webhooks. The UNIQUE constraints are
      // what makes an alert happen once per (key, expiry, day, kind, recipient).
      R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE notifications (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  recipient_kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  alert_day TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  days_left INTEGER NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  read_at INTEGER,
  UNIQUE (key_id, expires_at, alert_day, kind, recipient_id)
);
CREATE INDEX notifications_by_recipient ON notifications (tenant_id, recipient_id, seq);
CREATE TABLE alert_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  alert_day TEXT NOT NULL,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  address TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (key_id, expires_at, alert_day, kind, channel, recipient)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at);
CREATE INDEX alert_deliveries_by_tenant ON alert_deliveries (tenant_id, seq);
CREATE TABLE alert_attempts (
  delivery_id TEXT NOT NULL REFERENCES alert_deliveries(id),
  number INTEGER NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (delivery_id, number)
);
CREATE TABLE webhooks (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
  id TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql",
      // 8: jwt signing keys. The private key is stored sealed (AES-256-GCM under the master
      // key file, bound to tenant and kid); the public key is plain SPKI PEM for the JWKS.
      R"sql(
CREATE TABLE signing_keys (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  kid TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_pem TEXT NOT NULL,
  sealed_private BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER,
  PRIMARY KEY (tenant_id, kid)
);
)sql",
  };
  return kMigrations;
}

}  // namespace keyward
