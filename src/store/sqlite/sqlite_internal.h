// sqlite_internal.h — what SqliteStore::Impl (defined in sqlite_store.cc) lends to the other
// translation units of the SQLite backend (sqlite_alerts.cc), so they need not see its
// definition. Internal: not for use outside src/store/sqlite/.
// Thread safety: callers lock `mu` (writer) or `rmu` (reader) as sqlite_store.cc does.
// Ownership: everything is borrowed from the Impl, which outlives each call.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_stmt.h"

namespace keyward::sqlite_detail {

struct Connections {
  sqlite3* db;   // writer; reads inside write transactions
  std::mutex& mu;
  sqlite3* rdb;  // reader (query_only), for reads outside transactions
  std::mutex& rmu;
};

Connections connections(SqliteStore::Impl& impl);
// BEGIN IMMEDIATE ... COMMIT on the writer; rolls back when `fn` fails. Caller holds `mu`.
Status transaction(SqliteStore::Impl& impl, const std::function<Status()>& fn);
// Appends to the tenant's hash chain inside the caller's transaction.
Status insertAudit(SqliteStore::Impl& impl, const AuditEvent& ev);
std::unexpected<Error> dbError(SqliteStore::Impl& impl, std::string_view what, int rc);
// The api_keys columns readKeyRow() expects, in order.
std::string_view keyColumns();
ApiKey readKeyRow(const Stmt& s);

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

}  // namespace keyward::sqlite_detail
