// The usage counters in the SQLite backend (store.h "Counters"): last use of keys and verify
// failures, written in batches by core's usage flusher.
#include <sqlite3.h>

#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_stmt.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite_detail::connections;
using sqlite_detail::prepared;
using sqlite_detail::query;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;

}  // namespace

Status SqliteStore::recordLastUsed(const std::vector<std::pair<std::string, UnixSeconds>>& uses) {
  if (uses.empty()) return {};
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    // Prepared once per connection (the statement cache): a flush after heavy traffic names
    // every key used since the last one, and preparing per key cost more than the updates.
    for (const auto& [id, at] : uses) {
      Stmt s(c.db, prepared(*impl_, c.db,
                            "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?"));
      s.bind(at).bind(id);
      if (auto st = run(*impl_, s, "record last use"); !st) return st;
    }
    return {};
  });
}

Status SqliteStore::addVerifyFailures(const std::vector<VerifyFailureCount>& counts) {
  if (counts.empty()) return {};
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    for (const auto& f : counts) {
      Stmt s(c.db, prepared(*impl_, c.db,
                            "INSERT INTO verify_failures (tenant_id, key_id, reason, count, last_at) "
                            "VALUES (?,?,?,?,?) ON CONFLICT (tenant_id, key_id, reason) DO UPDATE SET "
                            "count = count + excluded.count, last_at = MAX(last_at, excluded.last_at)"));
      s.bind(f.tenant_id).bind(f.key_id).bind(f.reason).bind(f.count).bind(f.last_at);
      if (auto st = run(*impl_, s, "record verify failures"); !st) return st;
    }
    return {};
  });
}

Result<std::vector<VerifyFailureCount>> SqliteStore::listVerifyFailures(std::string_view tenant_id) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb,
         "SELECT tenant_id, key_id, reason, count, last_at FROM verify_failures WHERE tenant_id = ? "
         "ORDER BY key_id, reason");
  s.bind(tenant_id);
  return query<VerifyFailureCount>(*impl_, s, [](const Stmt& r) {
    return VerifyFailureCount{r.text(0), r.text(1), r.text(2), r.i64(3), r.i64(4)};
  });
}

}  // namespace keyward
