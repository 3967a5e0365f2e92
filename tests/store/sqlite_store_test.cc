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
#include <optional>
#include <thread>

#include "common/temp_dir.h"
#include "conformance/conformance.h"
#include "crypto/key_codec.h"
#include "store/sqlite/migrations.h"

namespace keyward {
namespace {

namespace fs = std::filesystem;
using namespace store_testing;

// Named for this suite, so a directory left by a crashed run says where it came from.
class TempDir : public testing_support::TempDir {
 public:
  TempDir() : testing_support::TempDir("keyward-store") {}
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
}  // namespace keyward

KEYWARD_STORE_CONFORMANCE(Sqlite, SqliteBackend);

namespace keyward {
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
    ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt));
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
    ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt));
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

TEST(SqliteStore, RolesWrittenByMigrationOneReadAsUnscopedAssignments) {
  SqliteBackend backend;
  Tenant t = tenant("acme");
  ApiKey k = key(t, "legacy");
  {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->createTenant(t, event(t.id, "tenant.create", t.id)));
    ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt));
  }
  {
    // What migration 1 wrote: one role name per line, no owner columns.
    RawDb raw(backend.dbPath());
    raw.exec(
        "UPDATE api_keys SET roles = 'Portal Administrator' || char(10) || 'Verifier', "
        "owner_kind = NULL, owner_id = NULL WHERE id = '" +
        k.id + "'");
  }
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  auto got = (*s)->getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->roles, (std::vector<RoleAssignment>{unscoped(kRolePortalAdministrator), unscoped(kRoleVerifier)}));
  EXPECT_FALSE(got->owner);
  EXPECT_EQ(ids((*s)->keysWithRole(t.id, kRoleVerifier).value()), std::vector<std::string>{k.id});
}

TEST(SqliteStore, OpeningAVersionOneDatabaseMigratesItAndKeepsItsKeys) {
  SqliteBackend backend;
  const std::string tenant_id = "ten_legacy", key_id = "key_legacy";
  {
    // A database as keyward with only migration 1 left it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(backend.dbPath().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
    const std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);" +
        sqliteMigrations()[0] +
        "INSERT INTO schema_migrations VALUES (1, 0);"
        "INSERT INTO tenants (id, name, key_prefix, default_expiry_days, max_expiry_days, expiry_alert_days, "
        "max_keys_per_service_user, created_at, updated_at) VALUES ('" +
        tenant_id +
        "', 'acme', 'kw', 182, NULL, "
        "14, 10, 1, 1);"
        "INSERT INTO api_keys (id, tenant_id, name, description, group_id, kind, digest, start, enabled, "
        "revoked_at, expires_at, ip_allowlist, metadata, roles, created_by, created_at, updated_at, last_used_at) "
        "VALUES ('" +
        key_id + "', '" + tenant_id + "', 'deploy', 'old key', NULL, 'simple', x'" + std::string(64, 'a') +
        "', 'kw_abcd', 1, NULL, NULL, '10.0.0.0/8', '{}', "
        "'Global Viewer' || char(10) || 'Verifier', 'bootstrap', 1, 2, 3);";
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close_v2(db);
    ASSERT_EQ(rc, SQLITE_OK);
  }
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE((*s)->ping());
  auto got = (*s)->getKey(tenant_id, key_id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->name, "deploy");
  EXPECT_EQ(got->description, "old key");
  EXPECT_EQ(got->ip_allowlist, std::vector<Cidr>{parseCidr("10.0.0.0/8").value()});
  EXPECT_EQ(got->roles, (std::vector<RoleAssignment>{unscoped(kRoleGlobalViewer), unscoped(kRoleVerifier)}));
  EXPECT_FALSE(got->owner);
  EXPECT_EQ(got->last_used_at, std::optional<UnixSeconds>(3));
  {
    RawDb raw(backend.dbPath());
    EXPECT_EQ(raw.text("SELECT MAX(version) FROM schema_migrations"), std::to_string(sqliteMigrations().size()));
  }

  // The new tables work on the migrated file, and the old key can be given an owner.
  Tenant t = (*s)->getTenant(tenant_id).value();
  ServiceUser svc = serviceUser(t, "bot");
  ASSERT_TRUE((*s)->createServiceUser(svc, event(t.id, "service_user.create", svc.id)));
  ApiKey edit = *got;
  edit.owner = OwnerRef{PrincipalKind::kServiceUser, svc.id};
  ASSERT_TRUE((*s)->updateKey(edit, event(t.id, "key.update", key_id)));
  EXPECT_EQ((*s)->countLiveKeysOfOwner(t.id, svc.id).value(), 1);
}

TEST(SqliteStore, AssignmentsPermissionsAndOwnersAreStoredInTheDocumentedTextFormat) {
  // The format is part of the schema: migration 1's rows and other tools read it.
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant t = addTenant(**s, "acme");
  ServiceUser svc = serviceUser(t, "bot");
  svc.roles = {unscoped("Viewer"), ofAll("Account Viewer")};
  ASSERT_TRUE((*s)->createServiceUser(svc, event(t.id, "service_user.create", svc.id)));
  ApiKey k = key(t, "deploy");
  k.owner = OwnerRef{PrincipalKind::kServiceUser, svc.id};
  k.roles = {of("Account Viewer", {"acc_a", "acc_b"}), unscoped("Viewer")};
  ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt));
  User u = user(t, "alice@example.com");
  ASSERT_TRUE((*s)->createUser(u, event(t.id, "user.create", u.id)));
  ApiKey uk = key(t, "alices");
  uk.owner = OwnerRef{PrincipalKind::kUser, u.id};
  ASSERT_TRUE((*s)->createKey(uk, event(t.id, "key.create", uk.id), std::nullopt));
  Role r = role(t, "Biller", {{"billing", Action::kEdit, Level::kMine}, {"*", Action::kInquire, Level::kAll}},
                "accounts");
  ASSERT_TRUE((*s)->createRole(r, event(t.id, "role.create", r.id)));

  RawDb raw(backend.dbPath());
  EXPECT_EQ(raw.text("SELECT roles FROM api_keys WHERE id = '" + k.id + "'"), "Account Viewer\tacc_a\tacc_b\nViewer");
  EXPECT_EQ(raw.text("SELECT owner_kind || ' ' || owner_id FROM api_keys WHERE id = '" + k.id + "'"),
            "service_user " + svc.id);
  EXPECT_EQ(raw.text("SELECT owner_kind || ' ' || owner_id FROM api_keys WHERE id = '" + uk.id + "'"), "user " + u.id);
  EXPECT_EQ(raw.text("SELECT roles FROM service_users WHERE id = '" + svc.id + "'"), "Viewer\nAccount Viewer\t*");
  EXPECT_EQ(raw.text("SELECT permissions FROM roles WHERE id = '" + r.id + "'"),
            "billing\tedit\tmine\n*\tinquire\tall");
  EXPECT_EQ(raw.text("SELECT scope_module FROM roles WHERE id = '" + r.id + "'"), "accounts");
}

TEST(SqliteStore, DamagedPermissionLinesGrantNothingAndAnUnreadableOwnerKindKeepsTheOwner) {
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant t = addTenant(**s, "acme");
  Role r = role(t, "Biller", {{"billing", Action::kEdit, Level::kAll}});
  ASSERT_TRUE((*s)->createRole(r, event(t.id, "role.create", r.id)));
  ApiKey k = key(t, "deploy");
  k.owner = OwnerRef{PrincipalKind::kServiceUser, "svc_x"};
  ASSERT_TRUE((*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt));
  {
    RawDb raw(backend.dbPath());
    raw.exec(
        "UPDATE roles SET permissions = 'billing' || char(9) || 'edit' || char(9) || 'all' || char(10) || "
        "'garbage' || char(10) || 'billing' || char(9) || 'fly' || char(9) || 'all' || char(10) || "
        "'billing' || char(9) || 'delete' || char(9) || 'everything'");
    raw.exec("UPDATE api_keys SET owner_kind = 'robot'");
  }
  auto got = (*s)->getRole(t.id, r.id).value();
  ASSERT_EQ(got.permissions.size(), 1u);
  EXPECT_EQ(got.permissions[0].module, "billing");
  EXPECT_EQ(got.permissions[0].action, Action::kEdit);
  EXPECT_EQ(got.permissions[0].level, Level::kAll);
  // Dropping the owner would turn the key into a standalone principal with unbounded roles.
  auto key_got = (*s)->getKey(t.id, k.id).value();
  ASSERT_TRUE(key_got.owner);
  EXPECT_EQ(key_got.owner->id, "svc_x");
}

}  // namespace
}  // namespace keyward

namespace keyward {
namespace {

// A store with a few audit events in one tenant, and raw access to its file for tampering.
class AuditTampering : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqliteStore::open(backend_.dbPath());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    Tenant t;
    t.id = "ten_audit";
    t.name = "audit";
    ASSERT_TRUE(store_->createTenant(t, event(t.id, "tenant.create", t.id)));
    for (int i = 1; i <= 4; ++i) ASSERT_TRUE(store_->appendAudit(event(t.id, "probe", std::to_string(i))));
  }
  AuditChainReport verify() {
    auto r = store_->verifyAuditChain("ten_audit");
    EXPECT_TRUE(r) << r.error().message;
    return r.value_or(AuditChainReport{});
  }
  std::string seqOf(const std::string& target) {
    return RawDb(backend_.dbPath())
        .text("SELECT seq FROM audit_events WHERE tenant_id = 'ten_audit' AND target = '" + target + "'");
  }

  SqliteBackend backend_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(AuditTampering, AnUntouchedLogVerifies) {
  const auto r = verify();
  EXPECT_EQ(r.events, 5);
  EXPECT_FALSE(r.first_break);
}

TEST_F(AuditTampering, AnAlteredRowIsReportedAsTheFirstBreak) {
  const std::string seq = seqOf("2");
  RawDb(backend_.dbPath()).exec("UPDATE audit_events SET outcome = 'denied' WHERE seq = " + seq);
  const auto r = verify();
  ASSERT_TRUE(r.first_break);
  EXPECT_EQ(std::to_string(r.first_break->seq), seq);
  EXPECT_EQ(r.first_break->reason, "altered");
}

TEST_F(AuditTampering, ARehashedAlteredRowBreaksTheNextLink) {
  // Whoever rewrites a row and recomputes its hash still leaves the next row pointing at
  // the old hash.
  AuditFilter f;
  f.target = "2";
  auto page = store_->listAudit("ten_audit", f);
  ASSERT_TRUE(page && page->items.size() == 1u);
  AuditEvent forged = page->items[0];
  forged.outcome = "denied";
  const std::string hex = crypto::toHex(auditHash(forged, forged.prev_hash));
  RawDb(backend_.dbPath())
      .exec("UPDATE audit_events SET outcome = 'denied', hash = x'" + hex +
            "' WHERE seq = " + std::to_string(forged.seq));
  const auto r = verify();
  ASSERT_TRUE(r.first_break);
  EXPECT_EQ(std::to_string(r.first_break->seq), seqOf("3"));
  EXPECT_EQ(r.first_break->reason, "link");
}

TEST_F(AuditTampering, ARemovedRowBreaksTheLinkOfTheRowAfterIt) {
  RawDb(backend_.dbPath()).exec("DELETE FROM audit_events WHERE seq = " + seqOf("2"));
  const auto r = verify();
  ASSERT_TRUE(r.first_break);
  EXPECT_EQ(std::to_string(r.first_break->seq), seqOf("3"));
  EXPECT_EQ(r.first_break->reason, "link");
}

TEST_F(AuditTampering, RemovingTheNewestRowsIsReportedAsTruncation) {
  RawDb(backend_.dbPath()).exec("DELETE FROM audit_events WHERE seq >= " + seqOf("3"));
  const auto r = verify();
  ASSERT_TRUE(r.first_break);
  EXPECT_EQ(r.first_break->reason, "truncated");
  EXPECT_EQ(std::to_string(r.first_break->seq), seqOf("2"));
}

TEST(SqliteAuditMigration, EventsWrittenBeforeTheChainExistedAreChainedOnOpen) {
  SqliteBackend backend;
  {
    auto s = SqliteStore::open(backend.dbPath());
    ASSERT_TRUE(s);
    Tenant t;
    t.id = "ten_old";
    t.name = "old";
    ASSERT_TRUE((*s)->createTenant(t, event(t.id, "tenant.create", t.id)));
    ASSERT_TRUE((*s)->appendAudit(event(t.id, "probe", "1")));
  }
  {
    // As a database from before migration 3 looks: no hashes, no chain heads.
    RawDb raw(backend.dbPath());
    raw.exec("UPDATE audit_events SET prev_hash = NULL, hash = NULL; DELETE FROM audit_chains;");
  }
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s) << s.error().message;
  auto r = (*s)->verifyAuditChain("ten_old");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->events, 2);
  EXPECT_FALSE(r->first_break);
  ASSERT_TRUE((*s)->appendAudit(event("ten_old", "probe", "2")));
  EXPECT_FALSE((*s)->verifyAuditChain("ten_old")->first_break);
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
          if ((*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt)) ids[size_t(w)].push_back(k.id);
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
        auto st = (*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt);
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

// Concurrent creations in one tenant are chained in one order across and within their
// batches: the tenant's audit chain verifies, with one event per key, and the store counts
// every key in exactly one commit.
TEST(SqliteStoreGroupCommit, ConcurrentCreationsKeepTheAuditChainValid) {
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant t = addTenant(**s, "acme");
  constexpr int kThreads = 16, kEach = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        ApiKey k = key(t, "c" + std::to_string(w) + "-" + std::to_string(i));
        if (!(*s)->createKey(k, event(t.id, "key.create", k.id), std::nullopt)) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const auto stats = (*s)->groupCommitStats();
  EXPECT_EQ(stats.keys, std::uint64_t(kThreads * kEach));
  EXPECT_GE(stats.commits, 1u);
  EXPECT_LE(stats.commits, stats.keys);
  auto report = (*s)->verifyAuditChain(t.id);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->first_break);
  EXPECT_EQ(report->events, 1 + kThreads * kEach);  // tenant.create, then one per key
}

// createKeyThen does not hold its caller until the commit: each callback runs exactly once
// with its own key's outcome (a taken name fails only that key), on its caller's thread or on
// the thread that committed it; once every caller has returned, every callback has run.
TEST(SqliteStoreGroupCommit, CreateKeyThenCallsEachCallbackOnceWithItsOwnOutcome) {
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant t = addTenant(**s, "acme");
  constexpr int kThreads = 8, kEach = 25;
  // Four threads each create "even-0", "even-1", ... and four "odd-0", "odd-1", ...: exactly
  // one key of each name is created, and the collisions are spread over many rounds.
  std::vector<ApiKey> keys;
  std::vector<AuditEvent> events;
  for (int w = 0; w < kThreads; ++w) {
    for (int i = 0; i < kEach; ++i) {
      keys.push_back(key(t, (w % 2 == 0 ? "even-" : "odd-") + std::to_string(i)));
      events.push_back(event(t.id, "key.create", keys.back().id));
    }
  }
  std::vector<std::atomic<int>> calls(keys.size());
  std::vector<std::optional<Status>> outcome(keys.size());
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const size_t n = size_t(w * kEach + i);
        (*s)->createKeyThen(keys[n], events[n], std::nullopt, [&, n](Status st) {
          calls[n].fetch_add(1);
          outcome[n] = std::move(st);
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  int created = 0;
  for (size_t n = 0; n < keys.size(); ++n) {
    ASSERT_EQ(calls[n].load(), 1) << "key " << n;
    ASSERT_TRUE(outcome[n]);
    if (*outcome[n]) {
      ++created;
      EXPECT_TRUE((*s)->getKey(t.id, keys[n].id)) << keys[n].name;
    } else {
      EXPECT_EQ(outcome[n]->error().code, "NAME_TAKEN");
      EXPECT_FALSE((*s)->getKey(t.id, keys[n].id)) << keys[n].name;
    }
  }
  EXPECT_EQ(created, 2 * kEach);  // one "even-i" and one "odd-i" per i
  auto report = (*s)->verifyAuditChain(t.id);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->first_break);
  EXPECT_EQ(report->events, 1 + 2 * kEach);
}

// One batch with events of two tenants, and a refused key between them: each tenant's chain
// links every event it holds, in order, and its head is its newest event.
TEST(SqliteStoreGroupCommit, BatchSpanningTenantsChainsEachTenantAndSkipsTheRefusedKey) {
  SqliteBackend backend;
  auto s = SqliteStore::open(backend.dbPath());
  ASSERT_TRUE(s);
  Tenant a = addTenant(**s, "a");
  Tenant b = addTenant(**s, "b");
  std::vector<ApiKey> keys = {key(a, "x"), key(b, "x"), key(a, "x"), key(a, "y"), key(b, "y")};
  std::vector<AuditEvent> events;
  for (const auto& k : keys) events.push_back(event(k.tenant_id, "key.create", k.id));
  std::vector<SqliteStore::KeyWrite> batch;
  for (size_t i = 0; i < keys.size(); ++i) batch.push_back({&keys[i], &events[i]});
  auto results = (*s)->createKeys(batch);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_FALSE(results[2]);  // "x" is taken in tenant a
  for (size_t i : {0u, 1u, 3u, 4u}) EXPECT_TRUE(results[i]) << i;
  for (const Tenant* t : {&a, &b}) {
    auto report = (*s)->verifyAuditChain(t->id);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report->first_break) << t->id;
    EXPECT_EQ(report->events, 3) << t->id;  // tenant.create and two keys
  }
  // Later writes link to the heads the batch left behind.
  ApiKey later = key(a, "z");
  ASSERT_TRUE((*s)->createKey(later, event(a.id, "key.create", later.id), std::nullopt));
  auto report = (*s)->verifyAuditChain(a.id);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->first_break);
  EXPECT_EQ(report->events, 4);
}

}  // namespace
}  // namespace keyward
