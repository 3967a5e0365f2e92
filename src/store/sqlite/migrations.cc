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
  };
  return kMigrations;
}

}  // namespace keyward
