// API keys in the SQLite backend (store.h "Keys"): reads, updates, rotation and the verify
// index's start-up scan. Creation is the group commit's (sqlite_group_commit.cc); the insert
// it and the bootstrap share is here.
#include <sqlite3.h>

#include <algorithm>

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
using sqlite_detail::dbError;
using sqlite_detail::finishPage;
using sqlite_detail::insertAudit;
using sqlite_detail::kIndexKeyCols;
using sqlite_detail::kKeyCols;
using sqlite_detail::liveKeysOfOwner;
using sqlite_detail::prepared;
using sqlite_detail::query;
using sqlite_detail::readIndexKey;
using sqlite_detail::readKey;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;
using store_codec::encodeAllowlist;
using store_codec::encodeAssignments;
using store_codec::ownerIdText;
using store_codec::ownerKindText;

}  // namespace

namespace sqlite_detail {

Status checkOwnerKeyLimit(SqliteStore::Impl& impl, const ApiKey& k, std::optional<int> limit) {
  if (!limit || !k.owner) return {};
  auto held = liveKeysOfOwner(impl, k.tenant_id, k.owner->id);
  if (!held) return std::unexpected(held.error());
  if (*held < *limit) return {};
  return std::unexpected(keyLimitReached(*k.owner, *held, *limit));
}

Status insertKey(SqliteStore::Impl& impl, const ApiKey& k) {
  sqlite3* db = connections(impl).db;
  Stmt s(db,
         prepared(impl, db,
                  "INSERT INTO api_keys (id, tenant_id, name, description, group_id, kind, digest, start, "
                  "enabled, revoked_at, expires_at, ip_allowlist, metadata, roles, created_by, created_at, "
                  "updated_at, last_used_at, owner_kind, owner_id, not_before, purpose, credential_mode, public_id, "
                  "public_key, key_algorithm) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s.bind(k.id)
      .bind(k.tenant_id)
      .bind(k.name)
      .bind(k.description)
      .bind(k.group_id)
      .bind(toString(k.kind))
      .bindBlob(k.digest)
      .bind(k.start)
      .bind(k.enabled)
      .bind(k.revoked_at);
  if (k.expires_at == kNever) s.bindNull();
  else s.bind(k.expires_at);
  s.bind(encodeAllowlist(k.ip_allowlist))
      .bind(k.metadata_json)
      .bind(encodeAssignments(k.roles))
      .bind(k.created_by)
      .bind(k.created_at)
      .bind(k.updated_at)
      .bind(k.last_used_at)
      .bind(ownerKindText(k))
      .bind(ownerIdText(k))
      .bind(k.not_before)
      .bind(toString(k.purpose))
      .bind(toString(k.credential_mode));
  if (k.public_id.empty()) s.bindNull();
  else s.bind(k.public_id);
  s.bind(k.public_key_pem).bind(k.key_algorithm);
  return run(impl, s, "insert key");
}

Result<std::int64_t> liveKeysOfOwner(SqliteStore::Impl& impl, std::string_view tenant_id, std::string_view owner_id) {
  sqlite3* db = connections(impl).db;
  Stmt s(db, "SELECT COUNT(*) FROM api_keys WHERE tenant_id = ? AND owner_id = ? AND revoked_at IS NULL");
  s.bind(tenant_id).bind(owner_id);
  return count(impl, s);
}

}  // namespace sqlite_detail

Result<ApiKey> SqliteStore::getKey(std::string_view tenant_id, std::string_view id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT " + std::string(kKeyCols) + " FROM api_keys WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = query<ApiKey>(*impl_, s, readKey);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("key");
  return std::move(rows->front());
}

Result<Page<ApiKey>> SqliteStore::listKeys(std::string_view tenant_id, const KeyFilter& filter, UnixSeconds now) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  const int limit = clampLimit(filter.page.limit);
  std::string sql = "SELECT " + std::string(kKeyCols) + " FROM api_keys WHERE tenant_id = ?1 AND seq > ?2";
  if (filter.group_id) sql += " AND group_id = ?3";
  if (filter.owner_id) sql += " AND owner_id = ?6";
  if (filter.mine_of) sql += " AND (created_by = ?7 OR owner_id = ?7)";
  if (filter.kind) sql += " AND kind = ?8";
  if (filter.purpose) sql += " AND purpose = ?9";
  // State is derived from the clock (?4), so expiry shows to the second without a background job.
  constexpr std::string_view kLive = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?4)";
  if (!filter.state) {
    sql += " AND revoked_at IS NULL";
  } else {
    switch (*filter.state) {
      case KeyState::kRevoked: sql += " AND revoked_at IS NOT NULL"; break;
      case KeyState::kExpired: sql += " AND revoked_at IS NULL AND expires_at <= ?4"; break;
      case KeyState::kDisabled: sql += " AND " + std::string(kLive) + " AND enabled = 0"; break;
      case KeyState::kActive: sql += " AND " + std::string(kLive) + " AND enabled = 1"; break;
    }
  }
  sql += " ORDER BY seq LIMIT ?5";
  Stmt s(c.rdb, sql);
  s.bind(tenant_id).bind(filter.page.after);
  if (filter.group_id) s.bind(*filter.group_id);
  else s.bindNull();
  // Parameters absent from the statement are bound anyway: SQLite ignores them (SQLITE_RANGE).
  s.bind(now)
      .bind(limit + 1)
      .bind(filter.owner_id)
      .bind(filter.mine_of)
      .bind(filter.kind ? std::optional<std::string_view>(toString(*filter.kind)) : std::nullopt)
      .bind(filter.purpose ? std::optional<std::string_view>(toString(*filter.purpose)) : std::nullopt);
  auto rows = query<ApiKey>(*impl_, s, readKey);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateKey(const ApiKey& k, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "UPDATE api_keys SET description = ?, group_id = ?, enabled = ?, revoked_at = ?, "
           "expires_at = ?, ip_allowlist = ?, metadata = ?, roles = ?, owner_kind = ?, owner_id = ?, "
           "updated_at = ?, not_before = ?, purpose = ? WHERE tenant_id = ? AND id = ?");
    s.bind(k.description).bind(k.group_id).bind(k.enabled).bind(k.revoked_at);
    if (k.expires_at == kNever) s.bindNull();
    else s.bind(k.expires_at);
    s.bind(encodeAllowlist(k.ip_allowlist))
        .bind(k.metadata_json)
        .bind(encodeAssignments(k.roles))
        .bind(ownerKindText(k))
        .bind(ownerIdText(k))
        .bind(k.updated_at)
        .bind(k.not_before)
        .bind(toString(k.purpose))
        .bind(k.tenant_id)
        .bind(k.id);
    if (auto st = run(*impl_, s, "update key"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("key");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::rotateKey(const ApiKey& k, const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "UPDATE api_keys SET digest = ?, start = ?, previous_digest = ?, previous_start = ?, "
           "previous_expires_at = ?, rotated_at = ?, expires_at = ?, updated_at = ?, public_id = ?, "
           "public_key = ?, key_algorithm = ?, previous_public_key = ? "
           "WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL");
    s.bindBlob(k.digest).bind(k.start);
    if (k.previous_digest) s.bindBlob(*k.previous_digest);
    else s.bindNull();
    s.bind(k.previous_start).bind(k.previous_expires_at).bind(k.rotated_at);
    if (k.expires_at == kNever) s.bindNull();
    else s.bind(k.expires_at);
    s.bind(k.updated_at);
    if (k.public_id.empty()) s.bindNull();
    else s.bind(k.public_id);
    s.bind(k.public_key_pem).bind(k.key_algorithm).bind(k.previous_public_key_pem).bind(k.tenant_id).bind(k.id);
    if (auto st = run(*impl_, s, "rotate key"); !st) return st;
    if (sqlite3_changes(c.db) == 0) return notFound("key");
    return insertAudit(*impl_, ev);
  });
}

Status SqliteStore::forEachKey(const std::function<void(ApiKey&&)>& fn) {
  // The scan runs on a connection of its own, opened without SQLite's per-call mutex
  // (SQLITE_OPEN_NOMUTEX: only this thread uses it, and only here). On the shared read
  // connection (FULLMUTEX) the mutex around each of the ~40 column calls per row took 8% of
  // a start with a million keys. It never writes (query_only).
  const char* path = sqlite3_db_filename(connections(*impl_).rdb, "main");
  sqlite3* db = nullptr;
  if (!path || !*path ||
      sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA query_only=1", nullptr, nullptr, nullptr) != SQLITE_OK) {
    if (db) sqlite3_close_v2(db);
    return dbError(*impl_, "open the key scan connection", SQLITE_CANTOPEN);
  }
  sqlite3_busy_timeout(db, 5000);
  Status result;
  {
    Stmt s(db, "SELECT " + std::string(kIndexKeyCols) + " FROM api_keys ORDER BY seq");
    if (!s.ok()) {
      result = dbError(*impl_, "prepare key scan", sqlite3_errcode(db));
    } else {
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) fn(readIndexKey(s));
      if (rc != SQLITE_DONE) result = dbError(*impl_, "key scan", rc);
    }
  }
  sqlite3_close_v2(db);
  return result;
}

Result<std::vector<ApiKey>> SqliteStore::keysOfOwner(std::string_view tenant_id, std::string_view owner_id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "SELECT " + std::string(kKeyCols) + " FROM api_keys WHERE tenant_id = ? AND owner_id = ? ORDER BY seq");
  s.bind(tenant_id).bind(owner_id);
  return query<ApiKey>(*impl_, s, readKey);
}

Result<std::vector<ApiKey>> SqliteStore::keysWithRole(std::string_view tenant_id, std::string_view role) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db,
         "SELECT " + std::string(kKeyCols) + " FROM api_keys WHERE tenant_id = ? AND instr(roles, ?) > 0 ORDER BY seq");
  s.bind(tenant_id).bind(role);
  auto rows = query<ApiKey>(*impl_, s, readKey);
  if (!rows) return std::unexpected(rows.error());
  std::erase_if(*rows, [&](const ApiKey& k) {
    return std::ranges::none_of(k.roles, [&](const RoleAssignment& a) { return a.role == role; });
  });
  return rows;
}

Result<std::int64_t> SqliteStore::countLiveKeysOfOwner(std::string_view tenant_id, std::string_view owner_id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return liveKeysOfOwner(*impl_, tenant_id, owner_id);
}

}  // namespace keyward
