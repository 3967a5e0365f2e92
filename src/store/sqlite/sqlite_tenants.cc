// Tenants in the SQLite backend (store.h "Tenants"): a tenant row, its settings, and the
// delete that removes everything a tenant holds once it has no live key or key group left.
#include <sqlite3.h>

#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_stmt.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite_detail::clampLimit;
using sqlite_detail::connections;
using sqlite_detail::count;
using sqlite_detail::finishPage;
using sqlite_detail::insertAudit;
using sqlite_detail::insertTenant;
using sqlite_detail::kTenantCols;
using sqlite_detail::prepared;
using sqlite_detail::query;
using sqlite_detail::readTenant;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;

}  // namespace

namespace sqlite_detail {

Status insertTenant(SqliteStore::Impl& impl, const Tenant& t) {
  sqlite3* db = connections(impl).db;
  Stmt s(db,
         "INSERT INTO tenants (id, name, key_prefix, default_expiry_days, max_expiry_days, "
         "expiry_alert_days, max_keys_per_service_user, created_at, updated_at, allow_never_expiring) "
         "VALUES (?,?,?,?,?,?,?,?,?,?)");
  s.bind(t.id)
      .bind(t.name)
      .bind(t.settings.key_prefix)
      .bind(t.settings.default_expiry_days)
      .bind(t.settings.max_expiry_days)
      .bind(t.settings.expiry_alert_days)
      .bind(t.settings.max_keys_per_service_user)
      .bind(t.created_at)
      .bind(t.updated_at)
      .bind(t.settings.allow_never_expiring);
  return run(impl, s, "insert tenant");
}

}  // namespace sqlite_detail

Status SqliteStore::createTenant(const Tenant& t, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    if (auto st = insertTenant(*impl_, t); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<Tenant> SqliteStore::getTenant(std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  static const std::string sql = "SELECT " + std::string(kTenantCols) + " FROM tenants WHERE id = ?";
  Stmt s(c.rdb, prepared(*impl_, c.rdb, sql));  // on every management request
  s.bind(id);
  auto rows = query<Tenant>(*impl_, s, readTenant);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("tenant");
  return std::move(rows->front());
}

Result<Page<Tenant>> SqliteStore::listTenants(const PageRequest& page) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  const int limit = clampLimit(page.limit);
  Stmt s(c.rdb, "SELECT " + std::string(kTenantCols) + " FROM tenants WHERE seq > ? ORDER BY seq LIMIT ?");
  s.bind(page.after).bind(limit + 1);
  auto rows = query<Tenant>(*impl_, s, readTenant);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateTenant(const Tenant& t, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "UPDATE tenants SET name = ?, key_prefix = ?, default_expiry_days = ?, max_expiry_days = ?, "
           "expiry_alert_days = ?, max_keys_per_service_user = ?, allow_never_expiring = ?, updated_at = ? "
           "WHERE id = ?");
    s.bind(t.name)
        .bind(t.settings.key_prefix)
        .bind(t.settings.default_expiry_days)
        .bind(t.settings.max_expiry_days)
        .bind(t.settings.expiry_alert_days)
        .bind(t.settings.max_keys_per_service_user)
        .bind(t.settings.allow_never_expiring)
        .bind(t.updated_at)
        .bind(t.id);
    if (auto st = run(*impl_, s, "update tenant"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("tenant");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::deleteTenant(std::string_view id, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt exists(c.db, "SELECT COUNT(*) FROM tenants WHERE id = ?");
    exists.bind(id);
    auto n = count(*impl_, exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("tenant");
    Stmt busy(c.db,
              "SELECT (SELECT COUNT(*) FROM key_groups WHERE tenant_id = ?1) + "
              "(SELECT COUNT(*) FROM api_keys WHERE tenant_id = ?1 AND revoked_at IS NULL)");
    busy.bind(id);
    auto held = count(*impl_, busy);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "TENANT_NOT_EMPTY",
                  "the tenant still holds key groups or keys; delete its groups and revoke its keys first");
    }
    // Children before parents: the foreign keys are enforced.
    for (const char* sql : {"DELETE FROM user_group_members WHERE group_id IN "
                            "(SELECT id FROM user_groups WHERE tenant_id = ?)",
                            "DELETE FROM user_group_subscriptions WHERE group_id IN "
                            "(SELECT id FROM user_groups WHERE tenant_id = ?)",
                            "DELETE FROM user_groups WHERE tenant_id = ?", "DELETE FROM users WHERE tenant_id = ?",
                            "DELETE FROM service_users WHERE tenant_id = ?", "DELETE FROM roles WHERE tenant_id = ?",
                            "DELETE FROM modules WHERE tenant_id = ?", "DELETE FROM api_keys WHERE tenant_id = ?",
                            "DELETE FROM verify_failures WHERE tenant_id = ?",
                            "DELETE FROM alert_attempts WHERE delivery_id IN "
                            "(SELECT id FROM alert_deliveries WHERE tenant_id = ?)",
                            "DELETE FROM alert_deliveries WHERE tenant_id = ?",
                            "DELETE FROM notifications WHERE tenant_id = ?", "DELETE FROM webhooks WHERE tenant_id = ?",
                            "DELETE FROM signing_keys WHERE tenant_id = ?", "DELETE FROM tenants WHERE id = ?"}) {
      Stmt s(c.db, sql);
      s.bind(id);
      if (auto st = run(*impl_, s, "delete tenant"); !st) return st;
    }
    return insertAudit(*impl_, ev);
  });
}

}  // namespace keyward
