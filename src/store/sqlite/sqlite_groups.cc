// Key groups in the SQLite backend (store.h "Key groups").
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
using sqlite_detail::kGroupCols;
using sqlite_detail::query;
using sqlite_detail::readGroup;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;

}  // namespace

Status SqliteStore::createGroup(const KeyGroup& g, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "INSERT INTO key_groups (id, tenant_id, name, description, created_at, updated_at, created_by) "
           "VALUES (?,?,?,?,?,?,?)");
    s.bind(g.id)
        .bind(g.tenant_id)
        .bind(g.name)
        .bind(g.description)
        .bind(g.created_at)
        .bind(g.updated_at)
        .bind(g.created_by);
    if (auto st = run(*impl_, s, "insert key group"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<KeyGroup> SqliteStore::getGroup(std::string_view tenant_id, std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT " + std::string(kGroupCols) + " FROM key_groups WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = query<KeyGroup>(*impl_, s, readGroup);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("key group");
  return std::move(rows->front());
}

Result<Page<KeyGroup>> SqliteStore::listGroups(std::string_view tenant_id, const PageRequest& page) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  const int limit = clampLimit(page.limit);
  Stmt s(c.rdb,
         "SELECT " + std::string(kGroupCols) + " FROM key_groups WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = query<KeyGroup>(*impl_, s, readGroup);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateGroup(const KeyGroup& g, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db, "UPDATE key_groups SET name = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?");
    s.bind(g.name).bind(g.description).bind(g.updated_at).bind(g.tenant_id).bind(g.id);
    if (auto st = run(*impl_, s, "update key group"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("key group");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::deleteGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt exists(c.db, "SELECT COUNT(*) FROM key_groups WHERE tenant_id = ? AND id = ?");
    exists.bind(tenant_id).bind(id);
    auto n = count(*impl_, exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("key group");
    Stmt busy(c.db, "SELECT COUNT(*) FROM api_keys WHERE tenant_id = ? AND group_id = ? AND revoked_at IS NULL");
    busy.bind(tenant_id).bind(id);
    auto held = count(*impl_, busy);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "GROUP_NOT_EMPTY",
                  "the key group still holds " + std::to_string(*held) + " key(s); move or revoke them first");
    }
    // Revoked keys stay for the audit trail, detached from the group.
    Stmt detach(c.db, "UPDATE api_keys SET group_id = NULL WHERE tenant_id = ? AND group_id = ?");
    detach.bind(tenant_id).bind(id);
    if (auto st = run(*impl_, detach, "detach revoked keys"); !st) return st;
    Stmt del(c.db, "DELETE FROM key_groups WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = run(*impl_, del, "delete key group"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

}  // namespace keyward
