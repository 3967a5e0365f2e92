#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sstream>

#include "store/sqlite/migrations.h"

namespace keyward {
namespace {

std::string joinLines(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += '\n';
    out += v[i];
  }
  return out;
}

std::vector<std::string> splitLines(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t nl = s.find('\n');
    out.emplace_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

std::string joinCidrs(const std::vector<Cidr>& v) {
  std::vector<std::string> parts;
  for (const auto& c : v) parts.push_back(formatCidr(c));
  return joinLines(parts);
}

// A prepared statement with positional binding; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &st_, nullptr);
  }
  // A statement prepared once and kept by the store (hot inserts): reset, not finalized.
  Stmt(sqlite3* db, sqlite3_stmt* cached) : db_(db), st_(cached), rc_(cached ? SQLITE_OK : SQLITE_ERROR), borrowed_(true) {}
  ~Stmt() {
    if (!borrowed_) {
      sqlite3_finalize(st_);
    } else if (st_) {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3* db() const { return db_; }
  Stmt& bind(std::string_view v) {
    sqlite3_bind_text(st_, ++idx_, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(const char* v) { return bind(std::string_view(v)); }
  Stmt& bind(const std::string& v) { return bind(std::string_view(v)); }
  Stmt& bind(std::int64_t v) {
    sqlite3_bind_int64(st_, ++idx_, v);
    return *this;
  }
  Stmt& bind(int v) { return bind(std::int64_t(v)); }
  Stmt& bind(bool v) { return bind(std::int64_t(v ? 1 : 0)); }
  Stmt& bindNull() {
    sqlite3_bind_null(st_, ++idx_);
    return *this;
  }
  template <class T>
  Stmt& bind(const std::optional<T>& v) {
    return v ? bind(*v) : bindNull();
  }
  Stmt& bindBlob(std::span<const std::uint8_t> b) {
    sqlite3_bind_blob(st_, ++idx_, b.data(), int(b.size()), SQLITE_TRANSIENT);
    return *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ = sqlite3_step(st_); }

  std::string text(int col) const {
    const auto* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  std::optional<std::string> optText(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
  std::optional<std::int64_t> optI64(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return i64(col);
  }
  void blob(int col, std::span<std::uint8_t> out) const {
    const int n = sqlite3_column_bytes(st_, col);
    const void* p = sqlite3_column_blob(st_, col);
    if (p && size_t(n) == out.size()) std::memcpy(out.data(), p, out.size());
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int idx_ = 0;
  int rc_;
  bool borrowed_ = false;
};

constexpr std::string_view kTenantCols =
    "id, name, key_prefix, default_expiry_days, max_expiry_days, expiry_alert_days, "
    "max_keys_per_service_user, created_at, updated_at, seq";
constexpr std::string_view kGroupCols = "id, tenant_id, name, description, created_at, updated_at, seq";
constexpr std::string_view kKeyCols =
    "id, tenant_id, name, description, group_id, kind, digest, start, enabled, revoked_at, "
    "expires_at, ip_allowlist, metadata, roles, created_by, created_at, updated_at, last_used_at, seq";
constexpr std::string_view kAuditCols =
    "seq, id, tenant_id, actor, action, target, client_ip, outcome, detail, at";

Tenant readTenant(const Stmt& s) {
  Tenant t;
  t.id = s.text(0);
  t.name = s.text(1);
  t.settings.key_prefix = s.text(2);
  t.settings.default_expiry_days = int(s.i64(3));
  if (auto m = s.optI64(4)) t.settings.max_expiry_days = int(*m);
  t.settings.expiry_alert_days = int(s.i64(5));
  t.settings.max_keys_per_service_user = int(s.i64(6));
  t.created_at = s.i64(7);
  t.updated_at = s.i64(8);
  t.seq = s.i64(9);
  return t;
}

KeyGroup readGroup(const Stmt& s) {
  return KeyGroup{s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.i64(5), s.i64(6)};
}

ApiKey readKey(const Stmt& s) {
  ApiKey k;
  k.id = s.text(0);
  k.tenant_id = s.text(1);
  k.name = s.text(2);
  k.description = s.text(3);
  k.group_id = s.optText(4);
  k.kind = s.text(5);
  s.blob(6, k.digest);
  k.start = s.text(7);
  k.enabled = s.i64(8) != 0;
  k.revoked_at = s.optI64(9);
  k.expires_at = s.optI64(10).value_or(kNever);
  for (const auto& c : splitLines(s.text(11))) {
    auto parsed = parseCidr(c);
    // Fail closed: a rule that cannot be read becomes "::/128" (the unspecified address,
    // never a client), so a damaged allowlist never turns into "any address".
    k.ip_allowlist.push_back(parsed ? *parsed : Cidr{IpAddress{}, 128});
  }
  k.metadata_json = s.text(12);
  k.roles = splitLines(s.text(13));
  k.created_by = s.text(14);
  k.created_at = s.i64(15);
  k.updated_at = s.i64(16);
  k.last_used_at = s.optI64(17);
  k.seq = s.i64(18);
  return k;
}

AuditEvent readAudit(const Stmt& s) {
  AuditEvent e;
  e.seq = s.i64(0);
  e.id = s.text(1);
  e.tenant_id = s.text(2);
  e.actor = s.text(3);
  e.action = s.text(4);
  e.target = s.text(5);
  e.client_ip = s.text(6);
  e.outcome = s.text(7);
  e.detail_json = s.text(8);
  e.at = s.i64(9);
  return e;
}

int clampLimit(int limit) { return limit < 1 ? 1 : (limit > 500 ? 500 : limit); }

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

}  // namespace

struct SqliteStore::Impl {
  sqlite3* db = nullptr;  // writes, and reads inside write transactions
  std::mutex mu;
  // Reads outside transactions use a second connection: in WAL mode it sees the last
  // committed state without waiting for a writer, so key creations waiting for the group
  // commit's fsync do not also hold up every read (the tenant lookup before a creation).
  sqlite3* rdb = nullptr;
  std::mutex rmu;
  // Inserts of the key-creation path, prepared once (SQLITE_PREPARE_PERSISTENT): preparing
  // them per row cost more than the insert itself in bulk and group commits.
  sqlite3_stmt* insert_key_stmt = nullptr;
  sqlite3_stmt* insert_audit_stmt = nullptr;

  // Group commit of key creations (see createKey): callers queue here; one of them, the
  // leader, commits everything queued in one transaction while the next ones queue up.
  struct PendingCreate {
    const ApiKey* key;
    const AuditEvent* event;
    Status result;
    bool done = false;
  };
  std::mutex gc_mu;
  std::condition_variable gc_cv;
  bool gc_leader = false;
  std::vector<PendingCreate*> gc_queue;

  ~Impl() {
    sqlite3_finalize(insert_key_stmt);
    sqlite3_finalize(insert_audit_stmt);
    if (rdb) sqlite3_close_v2(rdb);
    if (db) sqlite3_close_v2(db);
  }

  sqlite3_stmt* cached(sqlite3_stmt*& slot, std::string_view sql) {
    if (!slot) sqlite3_prepare_v3(db, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &slot, nullptr);
    return slot;
  }

  std::unexpected<Error> dbError(std::string_view what, int rc) {
    const int ext = sqlite3_extended_errcode(db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return fail(ErrorKind::kConflict, "NAME_TAKEN", "the name is already in use");
    }
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return fail(ErrorKind::kConflict, "REFERENCE_NOT_FOUND",
                  "a referenced object does not exist or is still in use");
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      return fail(ErrorKind::kUnavailable, "STORE_BUSY", "the database is busy; retry");
    }
    return fail(ErrorKind::kInternal, "STORE_ERROR",
                std::string(what) + ": " + sqlite3_errstr(rc));
  }

  Status exec(std::string_view sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return fail(ErrorKind::kInternal, "STORE_ERROR", msg);
    }
    return {};
  }

  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back on any error.
  template <class Fn>
  Status transaction(Fn&& fn) {
    if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
    Status result = fn();
    if (result) {
      if (auto st = exec("COMMIT"); !st) {
        (void)exec("ROLLBACK");
        return st;
      }
      return {};
    }
    (void)exec("ROLLBACK");
    return result;
  }

  // Executes a write statement; expects SQLITE_DONE.
  Status run(Stmt& s, std::string_view what) {
    if (!s.ok()) return dbError(what, sqlite3_errcode(db));
    const int rc = s.step();
    if (rc != SQLITE_DONE) return dbError(what, rc);
    return {};
  }

  Status insertAudit(const AuditEvent& e) {
    Stmt s(db, cached(insert_audit_stmt,
                      "INSERT INTO audit_events (id, tenant_id, actor, action, target, client_ip, outcome, "
                      "detail, at) VALUES (?,?,?,?,?,?,?,?,?)"));
    s.bind(e.id).bind(e.tenant_id).bind(e.actor).bind(e.action).bind(e.target).bind(e.client_ip)
        .bind(e.outcome).bind(e.detail_json).bind(e.at);
    return run(s, "insert audit event");
  }

  Status insertTenant(const Tenant& t) {
    Stmt s(db,
           "INSERT INTO tenants (id, name, key_prefix, default_expiry_days, max_expiry_days, "
           "expiry_alert_days, max_keys_per_service_user, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(t.id).bind(t.name).bind(t.settings.key_prefix).bind(t.settings.default_expiry_days)
        .bind(t.settings.max_expiry_days).bind(t.settings.expiry_alert_days)
        .bind(t.settings.max_keys_per_service_user).bind(t.created_at).bind(t.updated_at);
    return run(s, "insert tenant");
  }

  Status insertKey(const ApiKey& k) {
    Stmt s(db, cached(insert_key_stmt,
                      "INSERT INTO api_keys (id, tenant_id, name, description, group_id, kind, digest, start, "
                      "enabled, revoked_at, expires_at, ip_allowlist, metadata, roles, created_by, created_at, "
                      "updated_at, last_used_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    s.bind(k.id).bind(k.tenant_id).bind(k.name).bind(k.description).bind(k.group_id).bind(k.kind)
        .bindBlob(k.digest).bind(k.start).bind(k.enabled).bind(k.revoked_at);
    if (k.expires_at == kNever) s.bindNull(); else s.bind(k.expires_at);
    s.bind(joinCidrs(k.ip_allowlist)).bind(k.metadata_json).bind(joinLines(k.roles))
        .bind(k.created_by).bind(k.created_at).bind(k.updated_at).bind(k.last_used_at);
    return run(s, "insert key");
  }

  // A query returning rows; `read` converts each.
  template <class T, class Read>
  Result<std::vector<T>> query(Stmt& s, Read read) {
    if (!s.ok()) return dbError("prepare query", sqlite3_errcode(s.db()));
    std::vector<T> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read(s));
    if (rc != SQLITE_DONE) return dbError("query", rc);
    return out;
  }

  Result<std::int64_t> count(Stmt& s) {
    if (!s.ok()) return dbError("prepare count", sqlite3_errcode(s.db()));
    if (s.step() != SQLITE_ROW) return dbError("count", sqlite3_errcode(s.db()));
    return s.i64(0);
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) { return open(path, 0); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, int cache_mib) {
  auto impl = std::make_unique<Impl>();
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED",
                "cannot open SQLite database '" + path + "': " + sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON"}) {
    if (auto st = impl->exec(pragma); !st) {
      return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED",
                  "cannot configure SQLite database '" + path + "': " + st.error().message);
    }
  }
  if (cache_mib > 0) {
    if (auto st = impl->exec("PRAGMA cache_size=-" + std::to_string(cache_mib * 1024)); !st) return std::unexpected(st.error());
  }
  {
    Stmt s(impl->db, "PRAGMA journal_mode");
    if (s.step() != SQLITE_ROW || s.text(0) != "wal") {
      return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED",
                  "SQLite database '" + path + "' cannot use WAL journaling (is it on a network file system?)");
    }
  }
  // Migrations: each version runs once, in its own transaction, recorded in schema_migrations.
  if (auto st = impl->exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !st) {
    return std::unexpected(st.error());
  }
  std::int64_t current = 0;
  {
    Stmt s(impl->db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (s.step() == SQLITE_ROW) current = s.i64(0);
  }
  const auto& migrations = sqliteMigrations();
  if (current > std::int64_t(migrations.size())) {
    return fail(ErrorKind::kUnavailable, "STORE_TOO_NEW",
                "the database schema (version " + std::to_string(current) +
                    ") is newer than this keyward build understands; upgrade keyward");
  }
  for (size_t v = size_t(current) + 1; v <= migrations.size(); ++v) {
    auto st = impl->transaction([&]() -> Status {
      if (auto r = impl->exec(migrations[v - 1]); !r) return r;
      Stmt s(impl->db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now'))");
      s.bind(std::int64_t(v));
      return impl->run(s, "record migration");
    });
    if (!st) {
      return fail(ErrorKind::kUnavailable, "MIGRATION_FAILED",
                  "migration " + std::to_string(v) + " failed: " + st.error().message);
    }
  }
  if (sqlite3_open_v2(path.c_str(), &impl->rdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot open a second connection to '" + path + "'");
  }
  sqlite3_extended_result_codes(impl->rdb, 1);
  sqlite3_busy_timeout(impl->rdb, 5000);
  {
    char* err = nullptr;
    // Same settings as the writer (it never writes: query_only), so every connection of the
    // store is configured alike.
    if (sqlite3_exec(impl->rdb, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA query_only=1", nullptr,
                     nullptr, &err) != SQLITE_OK) {
      sqlite3_free(err);
      return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot configure the read connection");
    }
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Status SqliteStore::ping() {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  auto n = impl_->count(s);
  if (!n) return std::unexpected(n.error());
  if (*n != std::int64_t(sqliteMigrations().size())) {
    return fail(ErrorKind::kUnavailable, "NOT_MIGRATED", "database migrations are not applied");
  }
  return {};
}

Result<bool> SqliteStore::isEmpty() {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb, "SELECT COUNT(*) FROM tenants");
  auto n = impl_->count(s);
  if (!n) return std::unexpected(n.error());
  return *n == 0;
}

Status SqliteStore::bootstrap(const Tenant& system, const ApiKey& admin_key,
                              const std::vector<AuditEvent>& events) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db, "SELECT COUNT(*) FROM tenants");
    auto n = impl_->count(s);
    if (!n) return std::unexpected(n.error());
    if (*n != 0) return fail(ErrorKind::kConflict, "ALREADY_BOOTSTRAPPED", "the store already holds tenants");
    if (auto st = impl_->insertTenant(system); !st) return st;
    if (auto st = impl_->insertKey(admin_key); !st) return st;
    for (const auto& ev : events)
      if (auto st = impl_->insertAudit(ev); !st) return st;
    return {};
  });
}

// ---- tenants -----------------------------------------------------------------------------

Status SqliteStore::createTenant(const Tenant& t, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    if (auto st = impl_->insertTenant(t); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<Tenant> SqliteStore::getTenant(std::string_view id) {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb, "SELECT " + std::string(kTenantCols) + " FROM tenants WHERE id = ?");
  s.bind(id);
  auto rows = impl_->query<Tenant>(s, readTenant);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("tenant");
  return std::move(rows->front());
}

Result<Page<Tenant>> SqliteStore::listTenants(const PageRequest& page) {
  std::lock_guard lock(impl_->rmu);
  const int limit = clampLimit(page.limit);
  Stmt s(impl_->rdb, "SELECT " + std::string(kTenantCols) + " FROM tenants WHERE seq > ? ORDER BY seq LIMIT ?");
  s.bind(page.after).bind(limit + 1);
  auto rows = impl_->query<Tenant>(s, readTenant);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateTenant(const Tenant& t, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE tenants SET name = ?, key_prefix = ?, default_expiry_days = ?, max_expiry_days = ?, "
           "expiry_alert_days = ?, max_keys_per_service_user = ?, updated_at = ? WHERE id = ?");
    s.bind(t.name).bind(t.settings.key_prefix).bind(t.settings.default_expiry_days)
        .bind(t.settings.max_expiry_days).bind(t.settings.expiry_alert_days)
        .bind(t.settings.max_keys_per_service_user).bind(t.updated_at).bind(t.id);
    if (auto st = impl_->run(s, "update tenant"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("tenant");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::deleteTenant(std::string_view id, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt exists(impl_->db, "SELECT COUNT(*) FROM tenants WHERE id = ?");
    exists.bind(id);
    auto n = impl_->count(exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("tenant");
    Stmt busy(impl_->db,
              "SELECT (SELECT COUNT(*) FROM key_groups WHERE tenant_id = ?1) + "
              "(SELECT COUNT(*) FROM api_keys WHERE tenant_id = ?1 AND revoked_at IS NULL)");
    busy.bind(id);
    auto held = impl_->count(busy);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "TENANT_NOT_EMPTY",
                  "the tenant still holds key groups or keys; delete its groups and revoke its keys first");
    }
    for (const char* sql : {"DELETE FROM api_keys WHERE tenant_id = ?",
                            "DELETE FROM verify_failures WHERE tenant_id = ?",
                            "DELETE FROM tenants WHERE id = ?"}) {
      Stmt s(impl_->db, sql);
      s.bind(id);
      if (auto st = impl_->run(s, "delete tenant"); !st) return st;
    }
    return impl_->insertAudit(ev);
  });
}

// ---- key groups --------------------------------------------------------------------------

Status SqliteStore::createGroup(const KeyGroup& g, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "INSERT INTO key_groups (id, tenant_id, name, description, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?)");
    s.bind(g.id).bind(g.tenant_id).bind(g.name).bind(g.description).bind(g.created_at).bind(g.updated_at);
    if (auto st = impl_->run(s, "insert key group"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<KeyGroup> SqliteStore::getGroup(std::string_view tenant_id, std::string_view id) {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb, "SELECT " + std::string(kGroupCols) + " FROM key_groups WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = impl_->query<KeyGroup>(s, readGroup);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("key group");
  return std::move(rows->front());
}

Result<Page<KeyGroup>> SqliteStore::listGroups(std::string_view tenant_id, const PageRequest& page) {
  std::lock_guard lock(impl_->rmu);
  const int limit = clampLimit(page.limit);
  Stmt s(impl_->rdb, "SELECT " + std::string(kGroupCols) +
                        " FROM key_groups WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = impl_->query<KeyGroup>(s, readGroup);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateGroup(const KeyGroup& g, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE key_groups SET name = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?");
    s.bind(g.name).bind(g.description).bind(g.updated_at).bind(g.tenant_id).bind(g.id);
    if (auto st = impl_->run(s, "update key group"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("key group");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::deleteGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt exists(impl_->db, "SELECT COUNT(*) FROM key_groups WHERE tenant_id = ? AND id = ?");
    exists.bind(tenant_id).bind(id);
    auto n = impl_->count(exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("key group");
    Stmt busy(impl_->db,
              "SELECT COUNT(*) FROM api_keys WHERE tenant_id = ? AND group_id = ? AND revoked_at IS NULL");
    busy.bind(tenant_id).bind(id);
    auto held = impl_->count(busy);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "GROUP_NOT_EMPTY",
                  "the key group still holds " + std::to_string(*held) +
                      " key(s); move or revoke them first");
    }
    // Revoked keys stay for the audit trail, detached from the group.
    Stmt detach(impl_->db, "UPDATE api_keys SET group_id = NULL WHERE tenant_id = ? AND group_id = ?");
    detach.bind(tenant_id).bind(id);
    if (auto st = impl_->run(detach, "detach revoked keys"); !st) return st;
    Stmt del(impl_->db, "DELETE FROM key_groups WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = impl_->run(del, "delete key group"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

// ---- keys --------------------------------------------------------------------------------

Status SqliteStore::createKey(const ApiKey& k, const AuditEvent& ev) {
  // Group commit: the first caller to find no commit in progress becomes the leader and
  // commits every creation queued so far in one transaction (one fsync); callers that arrive
  // meanwhile queue for the next one. Each caller returns only after the transaction holding
  // its own key has committed (or with its own error), so nothing is acknowledged early.
  Impl& im = *impl_;
  Impl::PendingCreate me{&k, &ev, {}, false};
  std::unique_lock gl(im.gc_mu);
  im.gc_queue.push_back(&me);
  while (!me.done) {
    if (im.gc_leader) {
      im.gc_cv.wait(gl);
      continue;
    }
    im.gc_leader = true;
    std::vector<Impl::PendingCreate*> batch;
    batch.swap(im.gc_queue);  // holds `me`: a leader always commits its own key
    gl.unlock();
    std::vector<KeyWrite> writes;
    writes.reserve(batch.size());
    for (const auto* p : batch) writes.push_back({p->key, p->event});
    auto results = createKeys(writes);
    gl.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result = std::move(results[i]);
      batch[i]->done = true;
    }
    im.gc_leader = false;
    im.gc_cv.notify_all();
  }
  return me.result;
}

std::vector<Status> SqliteStore::createKeys(std::span<const KeyWrite> batch) {
  std::vector<Status> results(batch.size());
  if (batch.empty()) return results;
  std::lock_guard lock(impl_->mu);
  Impl& im = *impl_;
  // Fast path: no savepoints. A key insert that violates a constraint (a taken name) undoes
  // only itself, as every SQLite statement does, and its audit event is then not written.
  // Savepoints would copy every page touched into a sub-journal, which made bulk loads
  // several times slower. Only when an audit insert fails after its key went in (which
  // needs an I/O error or an id collision) is the batch redone with one savepoint per key.
  for (const bool savepoints : {false, true}) {
    if (auto st = im.exec("BEGIN IMMEDIATE"); !st) {
      for (auto& r : results) r = st;
      return results;
    }
    bool any = false;
    bool redo = false;
    for (size_t i = 0; i < batch.size() && !redo; ++i) {
      if (savepoints) {
        if (auto st = im.exec("SAVEPOINT one_key"); !st) {
          results[i] = st;
          continue;
        }
      }
      Status st = im.insertKey(*batch[i].key);
      if (st) {
        st = im.insertAudit(*batch[i].event);
        if (!st && !savepoints) redo = true;  // the key is in without its audit event
      }
      if (savepoints) {
        if (!st) (void)im.exec("ROLLBACK TO one_key");
        (void)im.exec("RELEASE one_key");
      }
      any |= bool(st);
      results[i] = std::move(st);
    }
    if (redo) {
      (void)im.exec("ROLLBACK");
      continue;
    }
    if (!any) {
      (void)im.exec("ROLLBACK");
      return results;
    }
    if (auto st = im.exec("COMMIT"); !st) {
      (void)im.exec("ROLLBACK");
      for (auto& r : results)
        if (r) r = st;  // nothing of this batch is durable
    }
    return results;
  }
  return results;
}

Result<ApiKey> SqliteStore::getKey(std::string_view tenant_id, std::string_view id) {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb, "SELECT " + std::string(kKeyCols) + " FROM api_keys WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = impl_->query<ApiKey>(s, readKey);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("key");
  return std::move(rows->front());
}

Result<Page<ApiKey>> SqliteStore::listKeys(std::string_view tenant_id, const KeyFilter& filter,
                                           UnixSeconds now) {
  std::lock_guard lock(impl_->rmu);
  const int limit = clampLimit(filter.page.limit);
  std::string sql = "SELECT " + std::string(kKeyCols) + " FROM api_keys WHERE tenant_id = ?1 AND seq > ?2";
  if (filter.group_id) sql += " AND group_id = ?3";
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
  Stmt s(impl_->rdb, sql);
  s.bind(tenant_id).bind(filter.page.after);
  if (filter.group_id) s.bind(*filter.group_id); else s.bindNull();
  s.bind(now).bind(limit + 1);
  auto rows = impl_->query<ApiKey>(s, readKey);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateKey(const ApiKey& k, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE api_keys SET description = ?, group_id = ?, enabled = ?, revoked_at = ?, "
           "expires_at = ?, ip_allowlist = ?, metadata = ?, roles = ?, updated_at = ? "
           "WHERE tenant_id = ? AND id = ?");
    s.bind(k.description).bind(k.group_id).bind(k.enabled).bind(k.revoked_at);
    if (k.expires_at == kNever) s.bindNull(); else s.bind(k.expires_at);
    s.bind(joinCidrs(k.ip_allowlist)).bind(k.metadata_json).bind(joinLines(k.roles))
        .bind(k.updated_at).bind(k.tenant_id).bind(k.id);
    if (auto st = impl_->run(s, "update key"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("key");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::forEachKey(const std::function<void(ApiKey&&)>& fn) {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb, "SELECT " + std::string(kKeyCols) + " FROM api_keys ORDER BY seq");
  if (!s.ok()) return impl_->dbError("prepare key scan", sqlite3_errcode(impl_->rdb));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) fn(readKey(s));
  if (rc != SQLITE_DONE) return impl_->dbError("key scan", rc);
  return {};
}

// ---- counters ----------------------------------------------------------------------------

Status SqliteStore::recordLastUsed(const std::vector<std::pair<std::string, UnixSeconds>>& uses) {
  if (uses.empty()) return {};
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    // One statement for the whole batch: a flush after heavy traffic names every key used
    // in the interval, and preparing per key cost more than the updates.
    sqlite3_stmt* st = nullptr;
    const char* sql = "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?";
    if (sqlite3_prepare_v2(impl_->db, sql, -1, &st, nullptr) != SQLITE_OK) {
      return impl_->dbError("prepare last use", sqlite3_errcode(impl_->db));
    }
    Status result;
    for (const auto& [id, at] : uses) {
      Stmt s(impl_->db, st);  // borrowed: reset after each row
      s.bind(at).bind(id);
      if (result = impl_->run(s, "record last use"); !result) break;
    }
    sqlite3_finalize(st);
    return result;
  });
}

Status SqliteStore::addVerifyFailures(const std::vector<VerifyFailureCount>& counts) {
  if (counts.empty()) return {};
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    for (const auto& c : counts) {
      Stmt s(impl_->db,
             "INSERT INTO verify_failures (tenant_id, key_id, reason, count, last_at) VALUES (?,?,?,?,?) "
             "ON CONFLICT (tenant_id, key_id, reason) DO UPDATE SET count = count + excluded.count, "
             "last_at = MAX(last_at, excluded.last_at)");
      s.bind(c.tenant_id).bind(c.key_id).bind(c.reason).bind(c.count).bind(c.last_at);
      if (auto st = impl_->run(s, "record verify failures"); !st) return st;
    }
    return {};
  });
}

Result<std::vector<VerifyFailureCount>> SqliteStore::listVerifyFailures(std::string_view tenant_id) {
  std::lock_guard lock(impl_->rmu);
  Stmt s(impl_->rdb,
         "SELECT tenant_id, key_id, reason, count, last_at FROM verify_failures WHERE tenant_id = ? "
         "ORDER BY key_id, reason");
  s.bind(tenant_id);
  return impl_->query<VerifyFailureCount>(s, [](const Stmt& r) {
    return VerifyFailureCount{r.text(0), r.text(1), r.text(2), r.i64(3), r.i64(4)};
  });
}

// ---- audit -------------------------------------------------------------------------------

Status SqliteStore::appendAudit(const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&] { return impl_->insertAudit(ev); });
}

Result<Page<AuditEvent>> SqliteStore::listAudit(std::string_view tenant_id, const AuditFilter& f) {
  std::lock_guard lock(impl_->rmu);
  const int limit = clampLimit(f.page.limit);
  std::string sql = "SELECT " + std::string(kAuditCols) + " FROM audit_events WHERE tenant_id = ?1 AND seq > ?2";
  if (f.action) sql += " AND action = ?3";
  if (f.actor) sql += " AND actor = ?4";
  if (f.target) sql += " AND target = ?5";
  if (f.since) sql += " AND at >= ?6";
  if (f.until) sql += " AND at < ?7";
  sql += " ORDER BY seq LIMIT ?8";
  Stmt s(impl_->rdb, sql);
  s.bind(tenant_id).bind(f.page.after).bind(f.action).bind(f.actor).bind(f.target).bind(f.since)
      .bind(f.until).bind(limit + 1);
  auto rows = impl_->query<AuditEvent>(s, readAudit);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

}  // namespace keyward
