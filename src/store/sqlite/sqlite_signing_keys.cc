// The JWT signing-key part of the SQLite backend (store.h "JWT signing keys", migration 8).
// It reaches the store's connections through sqlite_internal.h, like every aggregate's file. Private keys arrive and leave sealed: nothing here can open them.
#include <sqlite3.h>

#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite_detail::Stmt;

constexpr const char* kSigningKeyCols = "kid, alg, public_pem, sealed_private, created_at, retired_at";

// The kSigningKeyCols of a row, starting at column `first` (1 when tenant_id comes first).
Result<SigningKeyRecord> readSigningKey(const Stmt& s, int first = 0) {
  SigningKeyRecord k;
  k.kid = s.text(first);
  const auto alg = parseKeyAlgorithm(s.text(first + 1));
  if (!alg) return fail(ErrorKind::kInternal, "STORE_CORRUPT", "signing key '" + k.kid + "' has an unknown algorithm");
  k.algorithm = *alg;
  k.public_pem = s.text(first + 2);
  k.sealed_private = s.blobBytes(first + 3);
  k.created_at = s.i64(first + 4);
  k.retired_at = s.optI64(first + 5);
  return k;
}

Status stepAll(SqliteStore::Impl& impl, Stmt& s, const std::function<Status(const Stmt&)>& each) {
  if (!s.ok()) return sqlite_detail::dbError(impl, "prepare query", sqlite3_errcode(s.db()));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    if (auto st = each(s); !st) return st;
  }
  if (rc != SQLITE_DONE) return sqlite_detail::dbError(impl, "query", rc);
  return {};
}

Status runWrite(SqliteStore::Impl& impl, Stmt& s, std::string_view what) {
  if (!s.ok()) return sqlite_detail::dbError(impl, what, sqlite3_errcode(s.db()));
  if (const int rc = s.step(); rc != SQLITE_DONE) return sqlite_detail::dbError(impl, what, rc);
  return {};
}

}  // namespace

Status SqliteStore::addSigningKey(std::string_view tenant_id, const SigningKeyRecord& key, const AuditEvent& ev) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  return sqlite_detail::transaction(*impl_, [&]() -> Status {
    Stmt tenant(c.db, "SELECT COUNT(*) FROM tenants WHERE id = ?");
    tenant.bind(tenant_id);
    std::int64_t tenants = 0;
    if (auto st = stepAll(*impl_, tenant,
                          [&](const Stmt& r) -> Status {
                            tenants = r.i64(0);
                            return {};
                          });
        !st) {
      return st;
    }
    if (tenants == 0) return fail(ErrorKind::kNotFound, "NOT_FOUND", "tenant not found");
    Stmt dup(c.db, "SELECT COUNT(*) FROM signing_keys WHERE tenant_id = ? AND kid = ?");
    dup.bind(tenant_id).bind(key.kid);
    std::int64_t same = 0;
    if (auto st = stepAll(*impl_, dup,
                          [&](const Stmt& r) -> Status {
                            same = r.i64(0);
                            return {};
                          });
        !st)
      return st;
    if (same > 0)
      return fail(ErrorKind::kConflict, "SIGNING_KEY_EXISTS", "the tenant already has signing key " + key.kid);
    Stmt retire(c.db, "UPDATE signing_keys SET retired_at = ? WHERE tenant_id = ? AND retired_at IS NULL");
    retire.bind(key.created_at).bind(tenant_id);
    if (auto st = runWrite(*impl_, retire, "retire signing keys"); !st) return st;
    Stmt add(c.db,
             "INSERT INTO signing_keys (tenant_id, kid, alg, public_pem, sealed_private, created_at, retired_at) "
             "VALUES (?,?,?,?,?,?,?)");
    add.bind(tenant_id)
        .bind(key.kid)
        .bind(joseAlgorithmName(key.algorithm))
        .bind(key.public_pem)
        .bindBlob(key.sealed_private)
        .bind(key.created_at)
        .bind(key.retired_at);
    if (auto st = runWrite(*impl_, add, "add signing key"); !st) return st;
    return sqlite_detail::insertAudit(*impl_, ev);
  });
}

Result<std::vector<SigningKeyRecord>> SqliteStore::listSigningKeys(std::string_view tenant_id) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, std::string("SELECT ") + kSigningKeyCols +
                    " FROM signing_keys WHERE tenant_id = ? ORDER BY created_at, rowid");
  s.bind(tenant_id);
  std::vector<SigningKeyRecord> out;
  auto st = stepAll(*impl_, s, [&](const Stmt& r) -> Status {
    auto k = readSigningKey(r);
    if (!k) return std::unexpected(k.error());
    out.push_back(std::move(*k));
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return out;
}

Status SqliteStore::forEachSigningKey(const std::function<void(std::string_view tenant_id, SigningKeyRecord&&)>& fn) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, std::string("SELECT tenant_id, ") + kSigningKeyCols +
                    " FROM signing_keys ORDER BY tenant_id, created_at, rowid");
  return stepAll(*impl_, s, [&](const Stmt& r) -> Status {
    auto k = readSigningKey(r, 1);  // tenant_id comes first
    if (!k) return std::unexpected(k.error());
    fn(r.text(0), std::move(*k));
    return {};
  });
}

}  // namespace keyward
