// Roles and modules in the SQLite backend (store.h "Roles", "Modules"). A role or module
// still in use cannot be deleted: the checks that say so are here.
#include <sqlite3.h>

#include <algorithm>

#include "store/codecs.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_stmt.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite_detail::connections;
using sqlite_detail::count;
using sqlite_detail::forEach;
using sqlite_detail::insertAudit;
using sqlite_detail::kRoleCols;
using sqlite_detail::prepared;
using sqlite_detail::query;
using sqlite_detail::readRole;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;
using store_codec::encodePermissions;
using store_codec::holdsRole;
using store_codec::namesModule;

// Rows of `table` in the tenant whose roles column gives out `role`. instr() narrows the
// scan to candidate rows; holdsRole() then decides on whole names.
Result<std::int64_t> holdersIn(SqliteStore::Impl& impl, std::string_view table, std::string_view tenant_id,
                               std::string_view role, std::string_view extra_where = {}) {
  sqlite3* db = connections(impl).db;
  Stmt s(db, "SELECT roles FROM " + std::string(table) + " WHERE tenant_id = ? AND instr(roles, ?) > 0" +
                 std::string(extra_where));
  s.bind(tenant_id).bind(role);
  auto rows = query<std::string>(impl, s, [](const Stmt& r) { return r.text(0); });
  if (!rows) return std::unexpected(rows.error());
  return std::int64_t(std::ranges::count_if(*rows, [&](const std::string& c) { return holdsRole(c, role); }));
}

// Users, service users and non-revoked keys of the tenant holding `role`.
Result<std::int64_t> roleHolders(SqliteStore::Impl& impl, std::string_view tenant_id, std::string_view role) {
  std::int64_t total = 0;
  for (auto [table, where] : {std::pair<std::string_view, std::string_view>{"users", ""},
                              {"service_users", ""},
                              {"api_keys", " AND revoked_at IS NULL"}}) {
    auto n = holdersIn(impl, table, tenant_id, role, where);
    if (!n) return n;
    total += *n;
  }
  return total;
}

}  // namespace

// ---- roles -------------------------------------------------------------------------------

Status SqliteStore::createRole(const Role& r, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "INSERT INTO roles (id, tenant_id, name, description, permissions, scope_module, created_by, "
           "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(r.id)
        .bind(r.tenant_id)
        .bind(r.name)
        .bind(r.description)
        .bind(encodePermissions(r.permissions))
        .bind(r.scope_module)
        .bind(r.created_by)
        .bind(r.created_at)
        .bind(r.updated_at);
    if (auto st = run(*impl_, s, "insert role"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<Role> SqliteStore::getRole(std::string_view tenant_id, std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kRoleCols) + " FROM roles WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = query<Role>(*impl_, s, readRole);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("role");
  return std::move(rows->front());
}

Result<Role> SqliteStore::getRoleByName(std::string_view tenant_id, std::string_view name) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kRoleCols) + " FROM roles WHERE tenant_id = ? AND name = ?");
  s.bind(tenant_id).bind(name);
  auto rows = query<Role>(*impl_, s, readRole);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("role");
  return std::move(rows->front());
}

Result<std::vector<Role>> SqliteStore::listRoles(std::string_view tenant_id) {
  // On the read connection: a key creation with roles reads them before it joins the group
  // commit, and must not queue behind the commit in progress (the write connection's mutex
  // is held across its fsync). It sees the last committed state, as the writer would.
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  static const std::string sql = "SELECT " + std::string(kRoleCols) + " FROM roles WHERE tenant_id = ? ORDER BY seq";
  Stmt s(c.rdb, prepared(*impl_, c.rdb, sql));
  s.bind(tenant_id);
  return query<Role>(*impl_, s, readRole);
}

Status SqliteStore::updateRole(const Role& r, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    // The name is not written: assignments refer to roles by name.
    Stmt s(c.db,
           "UPDATE roles SET description = ?, permissions = ?, scope_module = ?, updated_at = ? "
           "WHERE tenant_id = ? AND id = ?");
    s.bind(r.description)
        .bind(encodePermissions(r.permissions))
        .bind(r.scope_module)
        .bind(r.updated_at)
        .bind(r.tenant_id)
        .bind(r.id);
    if (auto st = run(*impl_, s, "update role"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("role");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::deleteRole(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt find(c.db, "SELECT name FROM roles WHERE tenant_id = ? AND id = ?");
    find.bind(tenant_id).bind(id);
    auto names = query<std::string>(*impl_, find, [](const Stmt& r) { return r.text(0); });
    if (!names) return std::unexpected(names.error());
    if (names->empty()) return notFound("role");
    const std::string& name = names->front();
    auto held = roleHolders(*impl_, tenant_id, name);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "ROLE_IN_USE",
                  "role '" + name + "' is still assigned to " + std::to_string(*held) +
                      " principal(s) or key(s); remove it from them first");
    }
    Stmt del(c.db, "DELETE FROM roles WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = run(*impl_, del, "delete role"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::forEachRole(const std::function<void(Role&&)>& fn) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return forEach<Role>(*impl_, "SELECT " + std::string(kRoleCols) + " FROM roles ORDER BY seq", readRole, fn);
}

// ---- modules -----------------------------------------------------------------------------

Status SqliteStore::createModule(const Module& m, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db, "INSERT INTO modules (tenant_id, name, description, created_at) VALUES (?,?,?,?)");
    s.bind(m.tenant_id).bind(m.name).bind(m.description).bind(m.created_at);
    if (auto st = run(*impl_, s, "insert module"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<std::vector<Module>> SqliteStore::listModules(std::string_view tenant_id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT tenant_id, name, description, created_at FROM modules WHERE tenant_id = ? ORDER BY name");
  s.bind(tenant_id);
  return query<Module>(*impl_, s, [](const Stmt& r) {
    Module m;
    m.tenant_id = r.text(0);
    m.name = r.text(1);
    m.description = r.text(2);
    m.created_at = r.i64(3);
    return m;
  });
}

Status SqliteStore::deleteModule(std::string_view tenant_id, std::string_view name, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt exists(c.db, "SELECT COUNT(*) FROM modules WHERE tenant_id = ? AND name = ?");
    exists.bind(tenant_id).bind(name);
    auto n = count(*impl_, exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("module");
    // instr() narrows to candidate roles; namesModule() decides on whole module names.
    Stmt users(c.db,
               "SELECT scope_module, permissions FROM roles WHERE tenant_id = ?1 AND "
               "(scope_module = ?2 OR instr(permissions, ?2) > 0)");
    users.bind(tenant_id).bind(name);
    auto rows = query<bool>(*impl_, users, [&](const Stmt& r) {
      return r.optText(0) == std::optional<std::string>(name) || namesModule(r.text(1), name);
    });
    if (!rows) return std::unexpected(rows.error());
    const auto in_use = std::ranges::count(*rows, true);
    if (in_use > 0) {
      return fail(ErrorKind::kConflict, "MODULE_IN_USE",
                  "module '" + std::string(name) + "' is used by " + std::to_string(in_use) +
                      " custom role(s); remove it from them first");
    }
    Stmt del(c.db, "DELETE FROM modules WHERE tenant_id = ? AND name = ?");
    del.bind(tenant_id).bind(name);
    if (auto st = run(*impl_, del, "delete module"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

}  // namespace keyward
