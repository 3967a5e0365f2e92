// sqlite_internal.h — what SqliteStore::Impl (defined in sqlite_store.cc) lends to the other
// translation units of the SQLite backend, one per aggregate or job, so they need not see its
// definition; and the few writes one unit makes on behalf of another (a bootstrap inserts a
// tenant and a key, every change appends to the audit chain). Internal: not for use outside
// src/store/sqlite/.
// Thread safety: nothing here locks. Callers hold `mu` for the writer `db` (and for every
// write helper below) or `rmu` for the reader `rdb`, as sqlite_store.h describes.
// Ownership: everything is borrowed from the Impl, which outlives each call.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/digest.h"
#include "store/sqlite/sqlite_stmt.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward::sqlite_detail {

// ---- the connections (sqlite_store.cc) ----------------------------------------------------

struct Connections {
  sqlite3* db;  // writer; reads inside write transactions
  std::mutex& mu;
  sqlite3* rdb;  // reader (query_only), for reads outside transactions
  std::mutex& rmu;
};

Connections connections(SqliteStore::Impl& impl);

// The statement for `sql` on `conn` (db under mu, or rdb under rmu), prepared on first use and
// kept; null if it does not prepare (the Stmt then reports the error). A cached statement
// must not be stepped by two Stmt at once, so only statements that no caller nests inside
// another use of itself belong here.
sqlite3_stmt* prepared(SqliteStore::Impl& impl, sqlite3* conn, std::string_view sql);

// sqlite3_exec on `conn`: kInternal/STORE_ERROR with SQLite's message.
Status execOn(sqlite3* conn, std::string_view sql);
// A cached statement without results on the writer (BEGIN, COMMIT, ROLLBACK of the group commit).
Status execCached(SqliteStore::Impl& impl, std::string_view sql);
// BEGIN IMMEDIATE ... COMMIT on the writer; rolls back when `fn` fails.
Status transaction(SqliteStore::Impl& impl, const std::function<Status()>& fn);

// The store's error for SQLite result `rc`: constraint violations become kConflict
// (NAME_TAKEN, PUBLIC_KEY_TAKEN, REFERENCE_NOT_FOUND), a busy database kUnavailable.
std::unexpected<Error> dbError(SqliteStore::Impl& impl, std::string_view what, int rc);

// Executes a write statement; expects SQLITE_DONE.
Status run(SqliteStore::Impl& impl, Stmt& s, std::string_view what);
// The single integer a COUNT(*) (or similar) statement returns.
Result<std::int64_t> count(SqliteStore::Impl& impl, Stmt& s);

// A query returning rows; `read` converts each.
template <class T, class Read>
Result<std::vector<T>> query(SqliteStore::Impl& impl, Stmt& s, Read read) {
  if (!s.ok()) return dbError(impl, "prepare query", sqlite3_errcode(s.db()));
  std::vector<T> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read(s));
  if (rc != SQLITE_DONE) return dbError(impl, "query", rc);
  return out;
}

// Streams every row of `sql` (no parameters) on the writer through `read` into `fn`.
template <class T, class Read>
Status forEach(SqliteStore::Impl& impl, std::string_view sql, Read read, const std::function<void(T&&)>& fn) {
  sqlite3* db = connections(impl).db;
  Stmt s(db, sql);
  if (!s.ok()) return dbError(impl, "prepare scan", sqlite3_errcode(db));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) fn(read(s));
  if (rc != SQLITE_DONE) return dbError(impl, "scan", rc);
  return {};
}

// Page size 1..500, as every list endpoint promises.
inline int clampLimit(int limit) { return limit < 1 ? 1 : (limit > 500 ? 500 : limit); }

// Turns `limit + 1` fetched rows into a page: the extra row only says that a next page exists.
template <class T>
Page<T> finishPage(std::vector<T> items, int limit) {
  Page<T> page;
  if (int(items.size()) > limit) {
    items.resize(size_t(limit));
    page.next = items.back().seq;
  }
  page.items = std::move(items);
  return page;
}

// ---- the audit hash chain (sqlite_audit.cc) -----------------------------------------------

// Chain heads of the tenants a group commit writes to, kept in memory for the length of
// its transaction: every event of the batch links to the one inserted just before it, as
// if each had read the head from audit_chains, and the row is written once per tenant at
// the end (flushChainHeads) instead of read and rewritten for every event.
struct ChainHead {
  std::string tenant_id;
  std::int64_t seq = 0;
  crypto::Digest hash{};
};
using ChainHeads = std::vector<ChainHead>;  // a batch rarely spans more than a few tenants

// Appends one event to its tenant's hash chain (inside the caller's transaction, which
// serialises writers, so the chain has one order). With `heads`, the tenant's head is
// taken from and left in `heads`, and audit_chains is written by flushChainHeads.
Status insertAudit(SqliteStore::Impl& impl, const AuditEvent& ev, ChainHeads* heads = nullptr);
Status flushChainHeads(SqliteStore::Impl& impl, const ChainHeads& heads);
// Chains rows written before migration 3 (no hash yet), oldest first, per tenant; at open.
Status chainUnhashedAudit(SqliteStore::Impl& impl);

// ---- writes shared with the bootstrap and the group commit --------------------------------

// sqlite_tenants.cc
Status insertTenant(SqliteStore::Impl& impl, const Tenant& t);

// sqlite_keys.cc
Status insertKey(SqliteStore::Impl& impl, const ApiKey& k);
// kConflict/KEY_LIMIT_REACHED when the key's owner already holds `limit` live keys.
Status checkOwnerKeyLimit(SqliteStore::Impl& impl, const ApiKey& k, std::optional<int> limit);
// Non-revoked keys of the owner, on the writer.
Result<std::int64_t> liveKeysOfOwner(SqliteStore::Impl& impl, std::string_view tenant_id, std::string_view owner_id);

}  // namespace keyward::sqlite_detail
