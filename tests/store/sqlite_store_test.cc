// The store conformance suite on SQLite, plus what only SQLite has: the file's pragmas,
// migrations, and the bytes on disk.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "crypto/key_codec.h"
#include "store/sqlite/migrations.h"
#include "store_conformance.h"

namespace keyward {
namespace {

namespace fs = std::filesystem;
using namespace store_testing;

// A directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "keyward-store-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class SqliteBackend {
 public:
  static std::string unavailable() { return {}; }
  Result<std::unique_ptr<Store>> open() {
    auto s = SqliteStore::open(dbPath());
    if (!s) return std::unexpected(s.error());
    return std::unique_ptr<Store>(std::move(*s));
  }
  std::string dbPath() const { return (dir_.path() / "keyward.db").string(); }
  const fs::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

}  // namespace

namespace store_testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Types<SqliteBackend>);
}

namespace {

// A raw connection for looking at the file from outside the store.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(st, 0);
      out = p ? reinterpret_cast<const char*>(p) : "";
    }
    sqlite3_finalize(st);
    return out;
  }
  void exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  }

 private:
  sqlite3* db_ = nullptr;
};

// Captures the handle of every connection opened while it is alive, so a test can ask the
// store's own connection for its per-connection settings.
class ConnectionSpy {
 public:
  ConnectionSpy() {
    last_ = nullptr;
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&ConnectionSpy::onOpen));
  }
  ~ConnectionSpy() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&ConnectionSpy::onOpen)); }
  sqlite3* last() const { return last_; }

  static std::string pragma(sqlite3* db, const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(st, 0);
      out = p ? reinterpret_cast<const char*>(p) : "";
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  static int onOpen(sqlite3* db, const char**, const sqlite3_api_routines*) {
    last_ = db;
    return SQLITE_OK;
  }
  static inline sqlite3* last_ = nullptr;
};

std::string fileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every byte of every file the database consists of (main file, WAL, shared memory).
std::string allBytes(const fs::path& dir) {
  std::string out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out += fileBytes(e.path());
  return out;
}

Tenant addTenant(Store& s, std::string name) {
  Tenant t = tenant(std::move(name));
  EXPECT_TRUE(s.createTenant(t, event(t.id, "tenant.create", t.id)));
  return t;
}

TEST(SqliteStore, DatabaseUsesWalWithFullSyncAndForeignKeys) {
  SqliteBackend backend;
  ConnectionSpy spy;
  auto store = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(store) << store.error().message;
  sqlite3* conn = spy.last();
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(ConnectionSpy::pragma(conn, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(ConnectionSpy::pragma(conn, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(ConnectionSpy::pragma(conn, "PRAGMA foreign_keys"), "1");
  EXPECT_NE(ConnectionSpy::pragma(conn, "PRAGMA busy_timeout"), "0");
  // WAL is a property of the file: any other connection sees it too.
  RawDb raw(backend.dbPath());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStore, ReopeningKeepsDataAndAppliesNoMigrationTwice) {
  SqliteBackend backend;
  std::string tenant_id, key_id;
  {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s);
    Tenant t = addTenant(**s, "acme");
    ApiKey k = key(t, "deploy");
    ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id)));
    tenant_id = t.id;
    key_id = k.id;
  }
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE((*s)->ping());
    EXPECT_EQ((*s)->getTenant(tenant_id).value().name, "acme");
    EXPECT_EQ((*s)->getKey(tenant_id, key_id).value().name, "deploy");
  }
  RawDb raw(backend.dbPath());
  const std::string n = std::to_string(sqliteMigrations().size());
  EXPECT_EQ(raw.text("SELECT COUNT(*) FROM schema_migrations"), n);
  EXPECT_EQ(raw.text("SELECT COUNT(DISTINCT version) FROM schema_migrations"), n);
  EXPECT_EQ(raw.text("SELECT MAX(version) FROM schema_migrations"), n);
}

TEST(SqliteStore, DatabaseFromANewerVersionIsRefused) {
  SqliteBackend backend;
  { ASSERT_TRUE(SqliteStore::open(backend.dbPath())); }
  {
    RawDb raw(backend.dbPath());
    raw.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
             std::to_string(sqliteMigrations().size() + 1) + ", 0)");
  }
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "STORE_TOO_NEW");
  EXPECT_EQ(s.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(s.error().message.find("upgrade"), std::string::npos) << s.error().message;
}

TEST(SqliteStore, UnopenablePathIsAClearError) {
  TempDir dir;
  auto s = SqliteStore::open((dir.path() / "missing-dir" / "keyward.db").string());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(s.error().message.find("missing-dir"), std::string::npos) << s.error().message;
}

TEST(SqliteStore, DatabaseFilesNeverContainTheRawSecret) {
  SqliteBackend backend;
  const std::string secret = crypto::generateKey("kw").value();
  const std::string body = secret.substr(3);  // without the prefix
  {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s);
    Tenant t = addTenant(**s, "acme");
    ApiKey k = key(t, "marker-key-name");
    k.digest = crypto::sha256(secret);
    k.start = crypto::keyStart(secret);
    ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id)));
    k.description = "edited";
    ASSERT_TRUE((*s)->updateKey(k, event(t.id, "key.update", k.id)));
    ASSERT_TRUE((*s)->recordLastUsed({{k.id, kT0 + 1}}));
    // While the store is open the data may sit in the WAL: look at every file.
    const std::string open_bytes = allBytes(backend.dir());
    EXPECT_NE(open_bytes.find("marker-key-name"), std::string::npos) << "the scan sees no data at all";
    EXPECT_EQ(open_bytes.find(secret), std::string::npos);
    EXPECT_EQ(open_bytes.find(body.substr(0, 20)), std::string::npos);
  }
  const std::string closed_bytes = allBytes(backend.dir());
  EXPECT_NE(closed_bytes.find("marker-key-name"), std::string::npos) << "the scan sees no data at all";
  EXPECT_EQ(closed_bytes.find(secret), std::string::npos);
  EXPECT_EQ(closed_bytes.find(body.substr(0, 20)), std::string::npos);
  EXPECT_EQ(closed_bytes.find(body.substr(body.size() - 20)), std::string::npos);
}

}  // namespace
}  // namespace keyward

// ---- group commit (issue 6) ------------------------------------------------------------------

namespace keyward {
namespace {

// Many threads create keys at once, so creations share transactions (group commit). Every
// acknowledged key must be durable and complete: readable with its audit event after the
// store is closed and the file reopened.
TEST(SqliteStoreGroupCommit, ConcurrentCreationsAreAllDurableAfterReopen) {
  SqliteBackend backend;
  constexpr int kThreads = 16, kEach = 25;
  std::string tenant_id;
  std::vector<std::vector<std::string>> ids(kThreads);
  {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s);
    Tenant t = addTenant(**s, "acme");
    tenant_id = t.id;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kThreads; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < kEach; ++i) {
          ApiKey k = key(t, "k" + std::to_string(w) + "-" + std::to_string(i));
          if ((*s)->createKey(k, event(t.id, "key.create", k.id))) ids[size_t(w)].push_back(k.id);
          else failures.fetch_add(1);
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
  }
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  for (const auto& list : ids) {
    ASSERT_EQ(list.size(), size_t(kEach));
    for (const auto& id : list) EXPECT_TRUE((*s)->getKey(tenant_id, id)) << id;
  }
  RawDb raw(backend.dbPath());
  EXPECT_EQ(raw.text("SELECT COUNT(*) FROM api_keys"), std::to_string(kThreads * kEach));
  EXPECT_EQ(raw.text("SELECT COUNT(*) FROM audit_events WHERE action = 'key.create'"),
            std::to_string(kThreads * kEach));
}

// Concurrent creations of the same names: in whatever batches they land, exactly one
// creation per name succeeds, the others get NAME_TAKEN, and a refused key leaves no audit
// event behind.
TEST(SqliteStoreGroupCommit, ConcurrentDuplicateNamesFailAloneInTheirBatch) {
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant t = addTenant(**s, "acme");
  constexpr int kThreads = 8, kNames = 20;
  std::atomic<int> ok{0}, taken{0}, other{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < kNames; ++i) {
        ApiKey k = key(t, "shared-" + std::to_string(i));
        auto st = (*s)->createKey(k, event(t.id, "key.create", k.id));
        if (st) ok.fetch_add(1);
        else if (st.error().code == "NAME_TAKEN") taken.fetch_add(1);
        else other.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kNames);
  EXPECT_EQ(taken.load(), kNames * (kThreads - 1));
  EXPECT_EQ(other.load(), 0);
  RawDb raw(backend.dbPath());
  EXPECT_EQ(raw.text("SELECT COUNT(*) FROM api_keys"), std::to_string(kNames));
  EXPECT_EQ(raw.text("SELECT COUNT(*) FROM audit_events WHERE action = 'key.create'"), std::to_string(kNames));
}

// One batch, one transaction: the key whose name is taken is rolled back alone.
TEST(SqliteStoreGroupCommit, BatchCommitsEveryKeyButTheFailingOne) {
  SqliteBackend backend;
  std::string tenant_id;
  std::vector<ApiKey> keys;
  {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s);
    Tenant t = addTenant(**s, "acme");
    tenant_id = t.id;
    for (const char* name : {"a", "b", "a", "c"}) keys.push_back(key(t, name));
    std::vector<AuditEvent> events;
    for (const auto& k : keys) events.push_back(event(t.id, "key.create", k.id));
    std::vector<SqliteStore::KeyWrite> batch;
    for (size_t i = 0; i < keys.size(); ++i) batch.push_back({&keys[i], &events[i]});
    auto results = (*s)->createKeys(batch);
    ASSERT_EQ(results.size(), 4u);
    EXPECT_TRUE(results[0]);
    EXPECT_TRUE(results[1]);
    ASSERT_FALSE(results[2]);
    EXPECT_EQ(results[2].error().code, "NAME_TAKEN");
    EXPECT_TRUE(results[3]);
  }
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  EXPECT_TRUE((*s)->getKey(tenant_id, keys[0].id));
  EXPECT_TRUE((*s)->getKey(tenant_id, keys[1].id));
  EXPECT_FALSE((*s)->getKey(tenant_id, keys[2].id));
  EXPECT_TRUE((*s)->getKey(tenant_id, keys[3].id));
  RawDb raw(backend.dbPath());
  EXPECT_EQ(raw.text("SELECT COUNT(*) FROM audit_events WHERE action = 'key.create'"), "3");
}

// A key whose audit event cannot be written (here: its event id is taken) must not stay
// in the batch's transaction without it: no audit, no change.
TEST(SqliteStoreGroupCommit, KeyWhoseAuditEventFailsIsRolledBackAlone) {
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant t = addTenant(**s, "acme");
  std::vector<ApiKey> keys = {key(t, "a"), key(t, "b"), key(t, "c")};
  std::vector<AuditEvent> events;
  for (const auto& k : keys) events.push_back(event(t.id, "key.create", k.id));
  events[1].id = events[0].id;
  std::vector<SqliteStore::KeyWrite> batch;
  for (size_t i = 0; i < keys.size(); ++i) batch.push_back({&keys[i], &events[i]});
  auto results = (*s)->createKeys(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0]);
  EXPECT_FALSE(results[1]);
  EXPECT_TRUE(results[2]);
  EXPECT_TRUE((*s)->getKey(t.id, keys[0].id));
  EXPECT_FALSE((*s)->getKey(t.id, keys[1].id));
  EXPECT_TRUE((*s)->getKey(t.id, keys[2].id));
}

}  // namespace
}  // namespace keyward
