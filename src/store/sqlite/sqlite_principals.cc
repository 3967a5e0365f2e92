// Principals in the SQLite backend (store.h "Users", "Service users", "User groups"): users,
// service users and user groups with their members and subscriptions.
#include <sqlite3.h>

#include "store/codecs.h"
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
using sqlite_detail::forEach;
using sqlite_detail::insertAudit;
using sqlite_detail::kServiceUserCols;
using sqlite_detail::kUserCols;
using sqlite_detail::kUserGroupCols;
using sqlite_detail::liveKeysOfOwner;
using sqlite_detail::query;
using sqlite_detail::readServiceUser;
using sqlite_detail::readUser;
using sqlite_detail::readUserGroup;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;
using store_codec::encodeAssignments;

// Replaces a group's members and subscriptions; every member must be a user of the
// group's tenant (the foreign key alone would accept another tenant's user).
Status writeMembers(SqliteStore::Impl& impl, const UserGroup& g) {
  sqlite3* db = connections(impl).db;
  for (const char* sql : {"DELETE FROM user_group_members WHERE group_id = ?",
                          "DELETE FROM user_group_subscriptions WHERE group_id = ?"}) {
    Stmt s(db, sql);
    s.bind(g.id);
    if (auto st = run(impl, s, "clear user group members"); !st) return st;
  }
  for (const auto& user_id : g.members) {
    Stmt exists(db, "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = ?");
    exists.bind(g.tenant_id).bind(user_id);
    auto n = count(impl, exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) {
      return fail(ErrorKind::kNotFound, "USER_NOT_FOUND", "user '" + user_id + "' not found", "members");
    }
    // OR IGNORE: a member listed twice is stored once (it does not skip the foreign key).
    Stmt s(db, "INSERT OR IGNORE INTO user_group_members (group_id, user_id) VALUES (?, ?)");
    s.bind(g.id).bind(user_id);
    if (auto st = run(impl, s, "insert user group member"); !st) return st;
  }
  for (const auto& kind : g.subscriptions) {
    Stmt s(db, "INSERT OR IGNORE INTO user_group_subscriptions (group_id, kind) VALUES (?, ?)");
    s.bind(g.id).bind(kind);
    if (auto st = run(impl, s, "insert user group subscription"); !st) return st;
  }
  return {};
}

// rowid order is insertion order: members and subscriptions read back as they were given.
Status readMembers(SqliteStore::Impl& impl, UserGroup& g) {
  sqlite3* db = connections(impl).db;
  Stmt m(db, "SELECT user_id FROM user_group_members WHERE group_id = ? ORDER BY rowid");
  m.bind(g.id);
  auto members = query<std::string>(impl, m, [](const Stmt& r) { return r.text(0); });
  if (!members) return std::unexpected(members.error());
  Stmt k(db, "SELECT kind FROM user_group_subscriptions WHERE group_id = ? ORDER BY rowid");
  k.bind(g.id);
  auto kinds = query<std::string>(impl, k, [](const Stmt& r) { return r.text(0); });
  if (!kinds) return std::unexpected(kinds.error());
  g.members = std::move(*members);
  g.subscriptions = std::move(*kinds);
  return {};
}

// A principal (users / service_users) of the tenant, checked before deleting it: it must
// exist and own no non-revoked key.
Status principalDeletable(SqliteStore::Impl& impl, std::string_view table, std::string_view what,
                          std::string_view tenant_id, std::string_view id) {
  sqlite3* db = connections(impl).db;
  Stmt exists(db, "SELECT COUNT(*) FROM " + std::string(table) + " WHERE tenant_id = ? AND id = ?");
  exists.bind(tenant_id).bind(id);
  auto n = count(impl, exists);
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return notFound(std::string(what));
  auto held = liveKeysOfOwner(impl, tenant_id, id);
  if (!held) return std::unexpected(held.error());
  if (*held > 0) {
    return fail(ErrorKind::kConflict, "PRINCIPAL_HAS_KEYS",
                "the " + std::string(what) + " still owns " + std::to_string(*held) +
                    " key(s); revoke them or give them another owner first");
  }
  return {};
}

// The unique column of users is the email: say so rather than "the name".
Status emailTaken(Status st) {
  if (!st && st.error().code == "NAME_TAKEN") st.error().message = "the email is already in use";
  return st;
}

}  // namespace

// ---- users -------------------------------------------------------------------------------

Status SqliteStore::createUser(const User& u, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "INSERT INTO users (id, tenant_id, email, display_name, password_hash, roles, disabled, "
           "created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(u.id)
        .bind(u.tenant_id)
        .bind(u.email)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(encodeAssignments(u.roles))
        .bind(u.disabled)
        .bind(u.created_by)
        .bind(u.created_at)
        .bind(u.updated_at);
    if (auto st = emailTaken(run(*impl_, s, "insert user")); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<User> SqliteStore::getUser(std::string_view tenant_id, std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = query<User>(*impl_, s, readUser);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("user");
  return std::move(rows->front());
}

Result<User> SqliteStore::findUserByEmail(std::string_view tenant_id, std::string_view email) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND email = ?");
  s.bind(tenant_id).bind(email);
  auto rows = query<User>(*impl_, s, readUser);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("user");
  return std::move(rows->front());
}

Result<Page<User>> SqliteStore::listUsers(std::string_view tenant_id, const PageRequest& page) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  const int limit = clampLimit(page.limit);
  Stmt s(c.db, "SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = query<User>(*impl_, s, readUser);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateUser(const User& u, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "UPDATE users SET email = ?, display_name = ?, password_hash = ?, roles = ?, disabled = ?, "
           "updated_at = ? WHERE tenant_id = ? AND id = ?");
    s.bind(u.email)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(encodeAssignments(u.roles))
        .bind(u.disabled)
        .bind(u.updated_at)
        .bind(u.tenant_id)
        .bind(u.id);
    if (auto st = emailTaken(run(*impl_, s, "update user")); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("user");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::deleteUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    if (auto st = principalDeletable(*impl_, "users", "user", tenant_id, id); !st) return st;
    // User ids are unique across tenants, and the user was just found in this one.
    Stmt leave(c.db, "DELETE FROM user_group_members WHERE user_id = ?");
    leave.bind(id);
    if (auto st = run(*impl_, leave, "remove user from its groups"); !st) return st;
    Stmt del(c.db, "DELETE FROM users WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = run(*impl_, del, "delete user"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}
// ---- service users -----------------------------------------------------------------------

Status SqliteStore::createServiceUser(const ServiceUser& u, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "INSERT INTO service_users (id, tenant_id, name, description, roles, disabled, created_by, "
           "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(u.id)
        .bind(u.tenant_id)
        .bind(u.name)
        .bind(u.description)
        .bind(encodeAssignments(u.roles))
        .bind(u.disabled)
        .bind(u.created_by)
        .bind(u.created_at)
        .bind(u.updated_at);
    if (auto st = run(*impl_, s, "insert service user"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<ServiceUser> SqliteStore::getServiceUser(std::string_view tenant_id, std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kServiceUserCols) + " FROM service_users WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = query<ServiceUser>(*impl_, s, readServiceUser);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("service user");
  return std::move(rows->front());
}

Result<Page<ServiceUser>> SqliteStore::listServiceUsers(std::string_view tenant_id, const PageRequest& page) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  const int limit = clampLimit(page.limit);
  Stmt s(c.db, "SELECT " + std::string(kServiceUserCols) +
                   " FROM service_users WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = query<ServiceUser>(*impl_, s, readServiceUser);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateServiceUser(const ServiceUser& u, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "UPDATE service_users SET name = ?, description = ?, roles = ?, disabled = ?, updated_at = ? "
           "WHERE tenant_id = ? AND id = ?");
    s.bind(u.name)
        .bind(u.description)
        .bind(encodeAssignments(u.roles))
        .bind(u.disabled)
        .bind(u.updated_at)
        .bind(u.tenant_id)
        .bind(u.id);
    if (auto st = run(*impl_, s, "update service user"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("service user");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::deleteServiceUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    if (auto st = principalDeletable(*impl_, "service_users", "service user", tenant_id, id); !st) return st;
    Stmt del(c.db, "DELETE FROM service_users WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = run(*impl_, del, "delete service user"); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

// ---- user groups -------------------------------------------------------------------------

Status SqliteStore::createUserGroup(const UserGroup& g, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "INSERT INTO user_groups (id, tenant_id, name, description, created_by, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?)");
    s.bind(g.id)
        .bind(g.tenant_id)
        .bind(g.name)
        .bind(g.description)
        .bind(g.created_by)
        .bind(g.created_at)
        .bind(g.updated_at);
    if (auto st = run(*impl_, s, "insert user group"); !st) return st;
    if (auto st = writeMembers(*impl_, g); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Result<UserGroup> SqliteStore::getUserGroup(std::string_view tenant_id, std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kUserGroupCols) + " FROM user_groups WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = query<UserGroup>(*impl_, s, readUserGroup);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("user group");
  if (auto st = readMembers(*impl_, rows->front()); !st) return std::unexpected(st.error());
  return std::move(rows->front());
}

Result<Page<UserGroup>> SqliteStore::listUserGroups(std::string_view tenant_id, const PageRequest& page) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  const int limit = clampLimit(page.limit);
  Stmt s(c.db, "SELECT " + std::string(kUserGroupCols) +
                   " FROM user_groups WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = query<UserGroup>(*impl_, s, readUserGroup);
  if (!rows) return std::unexpected(rows.error());
  Page<UserGroup> out = finishPage(std::move(*rows), limit);
  // One query per group: pages are small and the database is in-process.
  for (auto& g : out.items)
    if (auto st = readMembers(*impl_, g); !st) return std::unexpected(st.error());
  return out;
}

Status SqliteStore::updateUserGroup(const UserGroup& g, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db, "UPDATE user_groups SET name = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?");
    s.bind(g.name).bind(g.description).bind(g.updated_at).bind(g.tenant_id).bind(g.id);
    if (auto st = run(*impl_, s, "update user group"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("user group");
    if (auto st = writeMembers(*impl_, g); !st) return st;
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::deleteUserGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    // Members and subscriptions go with it (ON DELETE CASCADE).
    Stmt del(c.db, "DELETE FROM user_groups WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = run(*impl_, del, "delete user group"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("user group");
    return insertAudit(*impl_, ev);
  });
}

// ---- principals for the verify index -----------------------------------------------------

Status SqliteStore::forEachUser(const std::function<void(User&&)>& fn) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return forEach<User>(*impl_, "SELECT " + std::string(kUserCols) + " FROM users ORDER BY seq", readUser, fn);
}

Status SqliteStore::forEachServiceUser(const std::function<void(ServiceUser&&)>& fn) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return forEach<ServiceUser>(*impl_, "SELECT " + std::string(kServiceUserCols) + " FROM service_users ORDER BY seq",
                              readServiceUser, fn);
}

}  // namespace keyward
