// The SQLite backend's connections and their lifecycle: opening (writer, migrations, reader,
// checkpointer), the statement cache and the helpers sqlite_internal.h lends to the other
// translation units, and the store-wide calls (ping, isEmpty, bootstrap). Each aggregate has
// its own file (sqlite_tenants.cc, sqlite_keys.cc, ...).
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_checkpointer.h"
#include "store/sqlite/sqlite_group_commit.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_stmt.h"
#include "store/sqlite/wal_write_buffer.h"

namespace keyward {

using sqlite_detail::connections;
using sqlite_detail::count;
using sqlite_detail::insertAudit;
using sqlite_detail::insertKey;
using sqlite_detail::insertTenant;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;

struct SqliteStore::Impl {
  sqlite3* db = nullptr;  // writes, and reads inside write transactions
  std::mutex mu;
  // Reads outside transactions use a second connection: in WAL mode it sees the last
  // committed state without waiting for a writer, so key creations waiting for the group
  // commit's fsync do not also hold up every read (the tenant lookup before a creation).
  sqlite3* rdb = nullptr;
  std::mutex rmu;

  // Statements prepared once per connection and kept (SQLITE_PREPARE_PERSISTENT), by SQL
  // text: parsing them on every call was a fifth of the CPU of a key creation.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StmtCache = std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>>;
  StmtCache db_stmts;   // under mu
  StmtCache rdb_stmts;  // under rmu

  sqlite_detail::GroupCommitQueue group_commit;
  sqlite_detail::Checkpointer checkpointer;

  ~Impl() {
    checkpointer.stop();  // before the writer it checkpoints goes
    for (auto& [sql, st] : db_stmts) sqlite3_finalize(st);
    for (auto& [sql, st] : rdb_stmts) sqlite3_finalize(st);
    if (rdb) sqlite3_close_v2(rdb);
    if (db) sqlite3_close_v2(db);
  }
};

// ---- the bridge for the other translation units of this backend (sqlite_internal.h) -------

namespace sqlite_detail {

Connections connections(SqliteStore::Impl& impl) { return Connections{impl.db, impl.mu, impl.rdb, impl.rmu}; }

GroupCommitQueue& groupCommitQueue(SqliteStore::Impl& impl) { return impl.group_commit; }

sqlite3_stmt* prepared(SqliteStore::Impl& impl, sqlite3* conn, std::string_view sql) {
  SqliteStore::Impl::StmtCache& cache = conn == impl.db ? impl.db_stmts : impl.rdb_stmts;
  if (auto it = cache.find(sql); it != cache.end()) return it->second;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(conn, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return nullptr;
  }
  cache.emplace(std::string(sql), st);
  return st;
}

Status execOn(sqlite3* conn, std::string_view sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(conn, std::string(sql).c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return fail(ErrorKind::kInternal, "STORE_ERROR", msg);
  }
  return {};
}

Status execCached(SqliteStore::Impl& impl, std::string_view sql) {
  Stmt s(impl.db, prepared(impl, impl.db, sql));
  if (!s.ok()) return execOn(impl.db, sql);  // reports the error text
  const int rc = s.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(ErrorKind::kInternal, "STORE_ERROR", sqlite3_errmsg(impl.db));
  return {};
}

Status transaction(SqliteStore::Impl& impl, const std::function<Status()>& fn) {
  if (auto st = execOn(impl.db, "BEGIN IMMEDIATE"); !st) return st;
  Status result = fn();
  if (result) {
    if (auto st = execOn(impl.db, "COMMIT"); !st) {
      (void)execOn(impl.db, "ROLLBACK");
      return st;
    }
    return {};
  }
  (void)execOn(impl.db, "ROLLBACK");
  return result;
}

std::unexpected<Error> dbError(SqliteStore::Impl& impl, std::string_view what, int rc) {
  const int ext = sqlite3_extended_errcode(impl.db);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    // A key's public key id (and the handle derived from it) is unique like a name, but
    // the caller must be told which one collided.
    const std::string_view msg = sqlite3_errmsg(impl.db);
    if (msg.find("api_keys.public_id") != std::string_view::npos ||
        msg.find("api_keys.digest") != std::string_view::npos) {
      return fail(ErrorKind::kConflict, "PUBLIC_KEY_TAKEN", "this public key is already registered for a key");
    }
    return fail(ErrorKind::kConflict, "NAME_TAKEN", "the name is already in use");
  }
  if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return fail(ErrorKind::kConflict, "REFERENCE_NOT_FOUND", "a referenced object does not exist or is still in use");
  }
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return fail(ErrorKind::kUnavailable, "STORE_BUSY", "the database is busy; retry");
  }
  return fail(ErrorKind::kInternal, "STORE_ERROR", std::string(what) + ": " + sqlite3_errstr(rc));
}

Status run(SqliteStore::Impl& impl, Stmt& s, std::string_view what) {
  if (!s.ok()) return dbError(impl, what, sqlite3_errcode(impl.db));
  const int rc = s.step();
  if (rc != SQLITE_DONE) return dbError(impl, what, rc);
  return {};
}

Result<std::int64_t> count(SqliteStore::Impl& impl, Stmt& s) {
  if (!s.ok()) return dbError(impl, "prepare count", sqlite3_errcode(s.db()));
  if (s.step() != SQLITE_ROW) return dbError(impl, "count", sqlite3_errcode(s.db()));
  return s.i64(0);
}

}  // namespace sqlite_detail

// ---- opening -----------------------------------------------------------------------------

namespace {

// The write connection, in WAL mode with synchronous=FULL and foreign keys on. Its WAL
// appends go out in one write per commit (wal_write_buffer.h; safe because this connection
// commits with synchronous=FULL, set here).
Status openWriter(SqliteStore::Impl& impl, const std::string& path, int cache_mib) {
  const int rc = sqlite3_open_v2(path.c_str(), &impl.db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 sqlite_detail::walWriteBufferVfs());
  if (rc != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED",
                "cannot open SQLite database '" + path + "': " + sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(impl.db, 1);
  sqlite3_busy_timeout(impl.db, 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto st = sqlite_detail::execOn(impl.db, pragma); !st) {
      return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED",
                  "cannot configure SQLite database '" + path + "': " + st.error().message);
    }
  }
  if (cache_mib > 0) {
    if (auto st = sqlite_detail::execOn(impl.db, "PRAGMA cache_size=-" + std::to_string(cache_mib * 1024)); !st) {
      return std::unexpected(st.error());
    }
  }
  Stmt s(impl.db, "PRAGMA journal_mode");
  if (s.step() != SQLITE_ROW || s.text(0) != "wal") {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED",
                "SQLite database '" + path + "' cannot use WAL journaling (is it on a network file system?)");
  }
  return {};
}

// Each version runs once, in its own transaction, recorded in schema_migrations.
Status applyMigrations(SqliteStore::Impl& impl) {
  if (auto st = sqlite_detail::execOn(impl.db,
                                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !st) {
    return st;
  }
  std::int64_t current = 0;
  {
    Stmt s(impl.db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (s.step() == SQLITE_ROW) current = s.i64(0);
  }
  const auto& migrations = sqliteMigrations();
  if (current > std::int64_t(migrations.size())) {
    return fail(ErrorKind::kUnavailable, "STORE_TOO_NEW",
                "the database schema (version " + std::to_string(current) +
                    ") is newer than this keyward build understands; upgrade keyward");
  }
  for (size_t v = size_t(current) + 1; v <= migrations.size(); ++v) {
    auto st = sqlite_detail::transaction(impl, [&]() -> Status {
      if (auto r = sqlite_detail::execOn(impl.db, migrations[v - 1]); !r) return r;
      Stmt s(impl.db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now'))");
      s.bind(std::int64_t(v));
      return sqlite_detail::run(impl, s, "record migration");
    });
    if (!st) {
      return fail(ErrorKind::kUnavailable, "MIGRATION_FAILED",
                  "migration " + std::to_string(v) + " failed: " + st.error().message);
    }
  }
  return {};
}

// The read connection, with the writer's settings (it never writes: query_only), so every
// connection of the store is configured alike.
Status openReader(SqliteStore::Impl& impl, const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &impl.rdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot open a second connection to '" + path + "'");
  }
  sqlite3_extended_result_codes(impl.rdb, 1);
  sqlite3_busy_timeout(impl.rdb, 5000);
  char* err = nullptr;
  if (sqlite3_exec(impl.rdb, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA query_only=1", nullptr, nullptr,
                   &err) != SQLITE_OK) {
    sqlite3_free(err);
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot configure the read connection");
  }
  return {};
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) { return open(path, 0); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, int cache_mib) {
  auto impl = std::make_unique<Impl>();
  if (auto st = openWriter(*impl, path, cache_mib); !st) return std::unexpected(st.error());
  if (auto st = applyMigrations(*impl); !st) return std::unexpected(st.error());
  if (auto st = sqlite_detail::chainUnhashedAudit(*impl); !st) {
    return fail(ErrorKind::kUnavailable, "MIGRATION_FAILED", "chaining the audit log failed: " + st.error().message);
  }
  if (auto st = openReader(*impl, path); !st) return std::unexpected(st.error());
  // The checkpoint connection is opened last, and its WAL hook replaces SQLite's automatic
  // checkpoint inside the writer's COMMIT (sqlite_checkpointer.h).
  if (auto st = impl->checkpointer.start(path, impl->db, impl->mu); !st) return std::unexpected(st.error());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

// ---- store-wide calls --------------------------------------------------------------------

Status SqliteStore::ping() {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  auto n = count(*impl_, s);
  if (!n) return std::unexpected(n.error());
  if (*n != std::int64_t(sqliteMigrations().size())) {
    return fail(ErrorKind::kUnavailable, "NOT_MIGRATED", "database migrations are not applied");
  }
  return {};
}

Result<bool> SqliteStore::isEmpty() {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT COUNT(*) FROM tenants");
  auto n = count(*impl_, s);
  if (!n) return std::unexpected(n.error());
  return *n == 0;
}

Status SqliteStore::bootstrap(const Tenant& system, const ApiKey& admin_key, const std::vector<AuditEvent>& events) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&]() -> Status {
    Stmt s(c.db, "SELECT COUNT(*) FROM tenants");
    auto n = count(*impl_, s);
    if (!n) return std::unexpected(n.error());
    if (*n != 0) return fail(ErrorKind::kConflict, "ALREADY_BOOTSTRAPPED", "the store already holds tenants");
    if (auto st = insertTenant(*impl_, system); !st) return st;
    if (auto st = insertKey(*impl_, admin_key); !st) return st;
    for (const auto& ev : events)
      if (auto st = insertAudit(*impl_, ev); !st) return st;
    return {};
  });
}

}  // namespace keyward
