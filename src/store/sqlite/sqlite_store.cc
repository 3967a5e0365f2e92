#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "common/await.h"
#include "common/background.h"
#include "store/audit_chain.h"
#include "store/codecs.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_stmt.h"
#include "store/sqlite/wal_write_buffer.h"

namespace keyward {
namespace {

using store_codec::decodeAssignments;
using store_codec::decodePermissions;
using store_codec::encodeAllowlist;
using store_codec::encodeAssignments;
using store_codec::encodePermissions;
using store_codec::holdsRole;
using store_codec::namesModule;
using store_codec::ownerIdText;
using store_codec::ownerKindText;

using sqlite_detail::Stmt;
using sqlite_detail::clampLimit;
using sqlite_detail::finishPage;

constexpr std::string_view kTenantCols =
    "id, name, key_prefix, default_expiry_days, max_expiry_days, expiry_alert_days, "
    "max_keys_per_service_user, created_at, updated_at, seq, allow_never_expiring";
constexpr std::string_view kGroupCols = "id, tenant_id, name, description, created_at, updated_at, seq, created_by";
constexpr std::string_view kKeyCols =
    "id, tenant_id, name, description, group_id, kind, digest, start, enabled, revoked_at, "
    "expires_at, ip_allowlist, metadata, roles, created_by, created_at, updated_at, last_used_at, seq, "
    "owner_kind, owner_id, not_before, previous_digest, previous_start, previous_expires_at, rotated_at, "
    "purpose, credential_mode, public_id, public_key, key_algorithm, previous_public_key";
constexpr std::string_view kUserCols =
    "id, tenant_id, email, display_name, password_hash, roles, disabled, created_by, created_at, "
    "updated_at, seq";
constexpr std::string_view kServiceUserCols =
    "id, tenant_id, name, description, roles, disabled, created_by, created_at, updated_at, seq";
constexpr std::string_view kUserGroupCols =
    "id, tenant_id, name, description, created_by, created_at, updated_at, seq";
constexpr std::string_view kRoleCols =
    "id, tenant_id, name, description, permissions, scope_module, created_by, created_at, updated_at, seq";
constexpr std::string_view kAuditCols =
    "seq, id, tenant_id, actor, action, target, client_ip, outcome, detail, at, prev_hash, hash";

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
  t.settings.allow_never_expiring = s.i64(10) != 0;
  return t;
}

KeyGroup readGroup(const Stmt& s) {
  return KeyGroup{s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.i64(5), s.i64(6), s.text(7)};
}

// The digest a rotation replaced, when the column holds one.
std::optional<crypto::Digest> readPreviousDigest(const Stmt& s, int col) {
  if (s.isNull(col)) return std::nullopt;
  crypto::Digest d;
  s.blob(col, d);
  return d;
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
  k.ip_allowlist = store_codec::decodeAllowlist(s.text(11));
  k.metadata_json = s.text(12);
  k.roles = decodeAssignments(s.text(13));
  k.created_by = s.text(14);
  k.created_at = s.i64(15);
  k.updated_at = s.i64(16);
  k.last_used_at = s.optI64(17);
  k.seq = s.i64(18);
  k.owner = store_codec::decodeOwner(s.optText(19), s.optText(20));
  k.not_before = s.optI64(21);
  k.previous_digest = readPreviousDigest(s, 22);
  k.previous_start = s.text(23);
  k.previous_expires_at = s.i64(24);
  k.rotated_at = s.optI64(25);
  k.purpose = s.text(26);
  k.credential_mode = s.text(27);
  k.public_id = s.optText(28).value_or("");
  k.public_key_pem = s.text(29);
  k.key_algorithm = s.text(30);
  k.previous_public_key_pem = s.text(31);
  return k;
}

// The columns the verify index reads (forEachKey): ten fewer than kKeyCols, which is about a
// third of the start-up load's column work and the strings it would build and free per key.
constexpr std::string_view kIndexKeyCols =
    "id, tenant_id, name, group_id, digest, enabled, revoked_at, expires_at, ip_allowlist, metadata, "
    "roles, last_used_at, owner_kind, owner_id, not_before, previous_digest, previous_expires_at, "
    "credential_mode, public_id, public_key, previous_public_key";

ApiKey readIndexKey(const Stmt& s) {
  ApiKey k;
  k.id = s.text(0);
  k.tenant_id = s.text(1);
  k.name = s.text(2);
  k.group_id = s.optText(3);
  s.blob(4, k.digest);
  k.enabled = s.i64(5) != 0;
  k.revoked_at = s.optI64(6);
  k.expires_at = s.optI64(7).value_or(kNever);
  if (!s.isNull(8)) k.ip_allowlist = store_codec::decodeAllowlist(s.text(8));
  k.metadata_json = s.text(9);
  if (!s.isNull(10)) k.roles = decodeAssignments(s.text(10));
  k.last_used_at = s.optI64(11);
  k.owner = store_codec::decodeOwner(s.optText(12), s.optText(13));
  k.not_before = s.optI64(14);
  k.previous_digest = readPreviousDigest(s, 15);
  k.previous_expires_at = s.i64(16);
  k.credential_mode = s.text(17);
  k.public_id = s.optText(18).value_or("");
  k.public_key_pem = s.text(19);
  k.previous_public_key_pem = s.text(20);
  return k;
}

User readUser(const Stmt& s) {
  User u;
  u.id = s.text(0);
  u.tenant_id = s.text(1);
  u.email = s.text(2);
  u.display_name = s.text(3);
  u.password_hash = s.text(4);
  u.roles = decodeAssignments(s.text(5));
  u.disabled = s.i64(6) != 0;
  u.created_by = s.text(7);
  u.created_at = s.i64(8);
  u.updated_at = s.i64(9);
  u.seq = s.i64(10);
  return u;
}

ServiceUser readServiceUser(const Stmt& s) {
  ServiceUser u;
  u.id = s.text(0);
  u.tenant_id = s.text(1);
  u.name = s.text(2);
  u.description = s.text(3);
  u.roles = decodeAssignments(s.text(4));
  u.disabled = s.i64(5) != 0;
  u.created_by = s.text(6);
  u.created_at = s.i64(7);
  u.updated_at = s.i64(8);
  u.seq = s.i64(9);
  return u;
}

// Without members and subscriptions: those come from their own tables.
UserGroup readUserGroup(const Stmt& s) {
  UserGroup g;
  g.id = s.text(0);
  g.tenant_id = s.text(1);
  g.name = s.text(2);
  g.description = s.text(3);
  g.created_by = s.text(4);
  g.created_at = s.i64(5);
  g.updated_at = s.i64(6);
  g.seq = s.i64(7);
  return g;
}

Role readRole(const Stmt& s) {
  Role r;
  r.id = s.text(0);
  r.tenant_id = s.text(1);
  r.name = s.text(2);
  r.description = s.text(3);
  r.permissions = decodePermissions(s.text(4));
  r.scope_module = s.optText(5);
  r.created_by = s.text(6);
  r.created_at = s.i64(7);
  r.updated_at = s.i64(8);
  r.seq = s.i64(9);
  return r;
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
  s.blob(10, e.prev_hash);
  s.blob(11, e.hash);
  return e;
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

  // Statements prepared once per connection and kept (SQLITE_PREPARE_PERSISTENT), by SQL
  // text: parsing them on every call was a fifth of the CPU of a key creation. A cached
  // statement is used under its connection's mutex and must not be stepped by two Stmt at
  // once, so only statements that no caller nests inside another use of itself go here.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StmtCache = std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>>;
  StmtCache db_stmts;   // under mu
  StmtCache rdb_stmts;  // under rmu

  // Group commit of key creations (see createKeyThen). Each creation is queued; the caller
  // that finds no commit in progress becomes the committer and commits everything queued,
  // in one transaction per round, until the queue is empty. Callers arriving meanwhile only
  // queue and return: nobody sleeps per key, and a round holds every creation that arrived
  // while the previous one was being written and synced.
  struct PendingCreate {
    const ApiKey* key;
    const AuditEvent* event;
    std::optional<int> owner_key_limit;
    Store::KeyCommitted done;
  };
  std::mutex gc_mu;
  std::vector<PendingCreate> gc_queue;  // under gc_mu
  bool gc_committing = false;           // under gc_mu: a caller is committing the queue
  // Batch sizes, for the benchmark's log line at close: how many keys shared a commit.
  std::atomic<std::uint64_t> gc_batches{0}, gc_keys{0}, gc_max{0};

  // Checkpoints run on their own connection and thread, off the request path. SQLite's
  // automatic checkpoint runs inside the COMMIT that crosses wal_autocheckpoint pages, so
  // one creation in every hundred or so paid for copying a thousand pages to the database
  // file and its fsync. The writer's WAL hook only signals this thread; the checkpoint is
  // PASSIVE, so commits go on while it copies. Durability is unchanged: a commit is durable
  // once its WAL frames are synced (synchronous=FULL), whatever the checkpoint does.
  static constexpr int kCheckpointPages = 1000;       // SQLite's own default threshold
  static constexpr int kInlineCheckpointPages = 50000;  // ~200 MB: back-pressure if we fall behind
  sqlite3* cdb = nullptr;
  std::thread checkpointer;
  std::mutex ck_mu;
  std::condition_variable ck_cv;
  bool ck_wanted = false;
  bool ck_stop = false;

  ~Impl() {
    stopCheckpointer();
    for (auto& [sql, st] : db_stmts) sqlite3_finalize(st);
    for (auto& [sql, st] : rdb_stmts) sqlite3_finalize(st);
    if (cdb) sqlite3_close_v2(cdb);
    if (rdb) sqlite3_close_v2(rdb);
    if (db) sqlite3_close_v2(db);
  }

  // The statement for `sql` on `conn` (db under mu, or rdb under rmu), prepared on first use;
  // null if it does not prepare (the Stmt then reports the error).
  sqlite3_stmt* prepared(sqlite3* conn, std::string_view sql) {
    StmtCache& cache = conn == db ? db_stmts : rdb_stmts;
    if (auto it = cache.find(sql); it != cache.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(conn, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) {
      sqlite3_finalize(st);
      return nullptr;
    }
    cache.emplace(std::string(sql), st);
    return st;
  }

  // Runs a cached statement without results (BEGIN, COMMIT, ROLLBACK of the group commit).
  Status execCached(std::string_view sql) {
    Stmt s(db, prepared(db, sql));
    if (!s.ok()) return exec(sql);  // reports the error text
    const int rc = s.step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(ErrorKind::kInternal, "STORE_ERROR", sqlite3_errmsg(db));
    return {};
  }

  static int walHook(void* self, sqlite3* conn, const char*, int pages) {
    auto* im = static_cast<Impl*>(self);
    if (pages >= kInlineCheckpointPages) {
      // The background checkpoint cannot keep up (or is stuck behind a long reader): copy
      // here, as SQLite itself would, so the WAL does not grow without bound.
      sqlite3_wal_checkpoint_v2(conn, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      return SQLITE_OK;
    }
    if (pages >= kCheckpointPages) {
      std::lock_guard lock(im->ck_mu);
      if (!im->ck_wanted) {
        im->ck_wanted = true;
        im->ck_cv.notify_one();
      }
    }
    return SQLITE_OK;
  }

  void checkpointLoop() {
    // Background work like the usage flush: on a busy core, copying pages and syncing the
    // database file must not take scheduler slices from the threads answering requests
    // (verifications never wait for it). It holds the writer only for the RESTART step.
    runAsBackgroundThread();
    std::unique_lock lock(ck_mu);
    for (;;) {
      ck_cv.wait(lock, [&] { return ck_wanted || ck_stop; });
      if (ck_stop) return;
      ck_wanted = false;
      lock.unlock();
      // Best effort: a checkpoint that cannot run now (busy) is retried after a later commit.
      // The bulk of the copying (and the database file's fsync) runs while commits go on.
      sqlite3_wal_checkpoint_v2(cdb, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      // SQLite starts the WAL file over only when a write transaction begins with every frame
      // copied and no reader still on the WAL. A writer that never pauses, with reads going
      // on beside it, never gives it that moment, and the WAL grew to tens of megabytes while
      // every commit asked for another checkpoint. So the frames committed meanwhile are
      // copied with the writer held off between two batches, in RESTART mode, which also
      // waits for the readers to leave the WAL (a read takes well under a millisecond; the
      // wait is bounded by this connection's busy timeout): the next commit restarts the WAL.
      {
        std::lock_guard writer(mu);
        sqlite3_wal_checkpoint_v2(cdb, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
      }
      lock.lock();
    }
  }

  void stopCheckpointer() {
    if (!checkpointer.joinable()) return;
    {
      std::lock_guard lock(ck_mu);
      ck_stop = true;
    }
    ck_cv.notify_one();
    checkpointer.join();
  }

  std::unexpected<Error> dbError(std::string_view what, int rc) {
    const int ext = sqlite3_extended_errcode(db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
      // A key's public key id (and the handle derived from it) is unique like a name, but
      // the caller must be told which one collided.
      const std::string_view msg = sqlite3_errmsg(db);
      if (msg.find("api_keys.public_id") != std::string_view::npos || msg.find("api_keys.digest") != std::string_view::npos) {
        return fail(ErrorKind::kConflict, "PUBLIC_KEY_TAKEN", "this public key is already registered for a key");
      }
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

  Status exec(std::string_view sql) { return execOn(db, sql); }

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

  // The tenant's newest hash (its head), or its anchor, or zeros for a new chain.
  Result<crypto::Digest> chainHead(std::string_view tenant_id) {
    Stmt s(db, prepared(db, "SELECT head_hash FROM audit_chains WHERE tenant_id = ?"));
    if (!s.ok()) return dbError("prepare audit chain read", sqlite3_errcode(db));
    s.bind(tenant_id);
    crypto::Digest head{};
    const int rc = s.step();
    if (rc == SQLITE_ROW) s.blob(0, head);
    else if (rc != SQLITE_DONE) return dbError("read audit chain", rc);
    return head;
  }

  Status setChainHead(std::string_view tenant_id, std::int64_t seq, const crypto::Digest& hash) {
    Stmt s(db, prepared(db,
                        "INSERT INTO audit_chains (tenant_id, head_seq, head_hash) VALUES (?,?,?) "
                        "ON CONFLICT (tenant_id) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash"));
    s.bind(tenant_id).bind(seq).bindBlob(hash);
    return run(s, "advance audit chain");
  }

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
  Status insertAudit(const AuditEvent& e, ChainHeads* heads = nullptr) {
    ChainHead* h = nullptr;
    crypto::Digest prev{};
    if (heads) {
      auto it = std::ranges::find(*heads, std::string_view(e.tenant_id), &ChainHead::tenant_id);
      if (it != heads->end()) h = &*it;
    }
    if (h) {
      prev = h->hash;
    } else {
      auto read = chainHead(e.tenant_id);
      if (!read) return std::unexpected(read.error());
      prev = *read;
    }
    const crypto::Digest hash = auditHash(e, prev);
    Stmt s(db, prepared(db,
                        "INSERT INTO audit_events (id, tenant_id, actor, action, target, client_ip, outcome, "
                        "detail, at, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
    s.bind(e.id).bind(e.tenant_id).bind(e.actor).bind(e.action).bind(e.target).bind(e.client_ip)
        .bind(e.outcome).bind(e.detail_json).bind(e.at).bindBlob(prev).bindBlob(hash);
    if (auto st = run(s, "insert audit event"); !st) return st;
    const std::int64_t seq = sqlite3_last_insert_rowid(db);
    if (!heads) return setChainHead(e.tenant_id, seq, hash);
    if (!h) h = &heads->emplace_back(ChainHead{e.tenant_id, 0, {}});
    h->seq = seq;
    h->hash = hash;
    return {};
  }

  Status flushChainHeads(const ChainHeads& heads) {
    for (const auto& h : heads)
      if (auto st = setChainHead(h.tenant_id, h.seq, h.hash); !st) return st;
    return {};
  }

  // Chains rows written before migration 3 (no hash yet), oldest first, per tenant.
  Status chainUnhashedAudit() {
    Stmt any(db, "SELECT COUNT(*) FROM audit_events WHERE hash IS NULL");
    auto n = count(any);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return {};
    return transaction([&]() -> Status {
      Stmt rows(db, "SELECT " + std::string(kAuditCols) + " FROM audit_events ORDER BY tenant_id, seq");
      auto all = query<AuditEvent>(rows, readAudit);
      if (!all) return std::unexpected(all.error());
      std::string tenant;
      crypto::Digest prev{};
      for (auto& e : *all) {
        if (e.tenant_id != tenant) {
          tenant = e.tenant_id;
          prev = crypto::Digest{};
        }
        e.hash = auditHash(e, prev);
        Stmt up(db, "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?");
        up.bindBlob(prev).bindBlob(e.hash).bind(e.seq);
        if (auto st = run(up, "chain audit event"); !st) return st;
        if (auto st = setChainHead(e.tenant_id, e.seq, e.hash); !st) return st;
        prev = e.hash;
      }
      return {};
    });
  }

  Status insertTenant(const Tenant& t) {
    Stmt s(db,
           "INSERT INTO tenants (id, name, key_prefix, default_expiry_days, max_expiry_days, "
           "expiry_alert_days, max_keys_per_service_user, created_at, updated_at, allow_never_expiring) "
           "VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(t.id).bind(t.name).bind(t.settings.key_prefix).bind(t.settings.default_expiry_days)
        .bind(t.settings.max_expiry_days).bind(t.settings.expiry_alert_days)
        .bind(t.settings.max_keys_per_service_user).bind(t.created_at).bind(t.updated_at)
        .bind(t.settings.allow_never_expiring);
    return run(s, "insert tenant");
  }

  // kConflict/KEY_LIMIT_REACHED when the key's owner already holds `limit` live keys.
  Status checkOwnerKeyLimit(const ApiKey& k, std::optional<int> limit) {
    if (!limit || !k.owner) return {};
    auto held = liveKeysOfOwner(k.tenant_id, k.owner->id);
    if (!held) return std::unexpected(held.error());
    if (*held < *limit) return {};
    return std::unexpected(keyLimitReached(*k.owner, *held, *limit));
  }

  Status insertKey(const ApiKey& k) {
    Stmt s(db, prepared(db,
                      "INSERT INTO api_keys (id, tenant_id, name, description, group_id, kind, digest, start, "
                      "enabled, revoked_at, expires_at, ip_allowlist, metadata, roles, created_by, created_at, "
                      "updated_at, last_used_at, owner_kind, owner_id, not_before, purpose, credential_mode, public_id, "
                      "public_key, key_algorithm) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    s.bind(k.id).bind(k.tenant_id).bind(k.name).bind(k.description).bind(k.group_id).bind(k.kind)
        .bindBlob(k.digest).bind(k.start).bind(k.enabled).bind(k.revoked_at);
    if (k.expires_at == kNever) s.bindNull(); else s.bind(k.expires_at);
    s.bind(encodeAllowlist(k.ip_allowlist)).bind(k.metadata_json).bind(encodeAssignments(k.roles))
        .bind(k.created_by).bind(k.created_at).bind(k.updated_at).bind(k.last_used_at)
        .bind(ownerKindText(k)).bind(ownerIdText(k)).bind(k.not_before).bind(k.purpose).bind(k.credential_mode);
    if (k.public_id.empty()) s.bindNull(); else s.bind(k.public_id);
    s.bind(k.public_key_pem).bind(k.key_algorithm);
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

  // Streams every row of `sql` (no parameters) through `read` into `fn`.
  template <class T, class Read>
  Status forEach(std::string_view sql, Read read, const std::function<void(T&&)>& fn) {
    Stmt s(db, sql);
    if (!s.ok()) return dbError("prepare scan", sqlite3_errcode(db));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) fn(read(s));
    if (rc != SQLITE_DONE) return dbError("scan", rc);
    return {};
  }

  Result<std::int64_t> liveKeysOfOwner(std::string_view tenant_id, std::string_view owner_id) {
    Stmt s(db, "SELECT COUNT(*) FROM api_keys WHERE tenant_id = ? AND owner_id = ? AND revoked_at IS NULL");
    s.bind(tenant_id).bind(owner_id);
    return count(s);
  }

  // Rows of `table` in the tenant whose roles column gives out `role`. instr() narrows the
  // scan to candidate rows; holdsRole() then decides on whole names.
  Result<std::int64_t> holdersIn(std::string_view table, std::string_view tenant_id, std::string_view role,
                                 std::string_view extra_where = {}) {
    Stmt s(db, "SELECT roles FROM " + std::string(table) + " WHERE tenant_id = ? AND instr(roles, ?) > 0" +
                   std::string(extra_where));
    s.bind(tenant_id).bind(role);
    auto rows = query<std::string>(s, [](const Stmt& r) { return r.text(0); });
    if (!rows) return std::unexpected(rows.error());
    return std::int64_t(std::ranges::count_if(*rows, [&](const std::string& c) { return holdsRole(c, role); }));
  }

  // Users, service users and non-revoked keys of the tenant holding `role`.
  Result<std::int64_t> roleHolders(std::string_view tenant_id, std::string_view role) {
    std::int64_t total = 0;
    for (auto [table, where] : {std::pair<std::string_view, std::string_view>{"users", ""},
                                {"service_users", ""},
                                {"api_keys", " AND revoked_at IS NULL"}}) {
      auto n = holdersIn(table, tenant_id, role, where);
      if (!n) return n;
      total += *n;
    }
    return total;
  }

  // Replaces a group's members and subscriptions; every member must be a user of the
  // group's tenant (the foreign key alone would accept another tenant's user).
  Status writeMembers(const UserGroup& g) {
    for (const char* sql : {"DELETE FROM user_group_members WHERE group_id = ?",
                            "DELETE FROM user_group_subscriptions WHERE group_id = ?"}) {
      Stmt s(db, sql);
      s.bind(g.id);
      if (auto st = run(s, "clear user group members"); !st) return st;
    }
    for (const auto& user_id : g.members) {
      Stmt exists(db, "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = ?");
      exists.bind(g.tenant_id).bind(user_id);
      auto n = count(exists);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) {
        return fail(ErrorKind::kNotFound, "USER_NOT_FOUND", "user '" + user_id + "' not found", "members");
      }
      // OR IGNORE: a member listed twice is stored once (it does not skip the foreign key).
      Stmt s(db, "INSERT OR IGNORE INTO user_group_members (group_id, user_id) VALUES (?, ?)");
      s.bind(g.id).bind(user_id);
      if (auto st = run(s, "insert user group member"); !st) return st;
    }
    for (const auto& kind : g.subscriptions) {
      Stmt s(db, "INSERT OR IGNORE INTO user_group_subscriptions (group_id, kind) VALUES (?, ?)");
      s.bind(g.id).bind(kind);
      if (auto st = run(s, "insert user group subscription"); !st) return st;
    }
    return {};
  }

  // rowid order is insertion order: members and subscriptions read back as they were given.
  Status readMembers(UserGroup& g) {
    Stmt m(db, "SELECT user_id FROM user_group_members WHERE group_id = ? ORDER BY rowid");
    m.bind(g.id);
    auto members = query<std::string>(m, [](const Stmt& r) { return r.text(0); });
    if (!members) return std::unexpected(members.error());
    Stmt k(db, "SELECT kind FROM user_group_subscriptions WHERE group_id = ? ORDER BY rowid");
    k.bind(g.id);
    auto kinds = query<std::string>(k, [](const Stmt& r) { return r.text(0); });
    if (!kinds) return std::unexpected(kinds.error());
    g.members = std::move(*members);
    g.subscriptions = std::move(*kinds);
    return {};
  }

  // A principal (users / service_users) of the tenant, checked before deleting it: it must
  // exist and own no non-revoked key.
  Status principalDeletable(std::string_view table, std::string_view what, std::string_view tenant_id,
                            std::string_view id) {
    Stmt exists(db, "SELECT COUNT(*) FROM " + std::string(table) + " WHERE tenant_id = ? AND id = ?");
    exists.bind(tenant_id).bind(id);
    auto n = count(exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound(std::string(what));
    auto held = liveKeysOfOwner(tenant_id, id);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "PRINCIPAL_HAS_KEYS",
                  "the " + std::string(what) + " still owns " + std::to_string(*held) +
                      " key(s); revoke them or give them another owner first");
    }
    return {};
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) { return open(path, 0); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, int cache_mib) {
  auto impl = std::make_unique<Impl>();
  // The write connection's WAL appends go out in one write per commit (wal_write_buffer.h;
  // safe because this connection commits with synchronous=FULL, set below).
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 sqlite_detail::walWriteBufferVfs());
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
  if (auto st = impl->chainUnhashedAudit(); !st) {
    return fail(ErrorKind::kUnavailable, "MIGRATION_FAILED", "chaining the audit log failed: " + st.error().message);
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
  // The checkpoint connection, configured like the others (it syncs the database file with
  // synchronous=FULL), and the writer's WAL hook that replaces SQLite's automatic
  // checkpoint inside COMMIT (see Impl::walHook).
  if (sqlite3_open_v2(path.c_str(), &impl->cdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot open a checkpoint connection to '" + path + "'");
  }
  sqlite3_extended_result_codes(impl->cdb, 1);
  // Short: its RESTART checkpoint holds the writer off while it waits for readers to leave
  // the WAL, and a checkpoint that gives up is simply tried again later.
  sqlite3_busy_timeout(impl->cdb, 50);
  if (sqlite3_exec(impl->cdb, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot configure the checkpoint connection");
  }
  sqlite3_wal_hook(impl->db, &Impl::walHook, impl.get());
  impl->checkpointer = std::thread([im = impl.get()] { im->checkpointLoop(); });
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::GroupCommitStats SqliteStore::groupCommitStats() const {
  return {impl_->gc_batches.load(std::memory_order_relaxed), impl_->gc_keys.load(std::memory_order_relaxed),
          impl_->gc_max.load(std::memory_order_relaxed)};
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
  static const std::string sql = "SELECT " + std::string(kTenantCols) + " FROM tenants WHERE id = ?";
  Stmt s(impl_->rdb, impl_->prepared(impl_->rdb, sql));  // on every management request
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
           "expiry_alert_days = ?, max_keys_per_service_user = ?, allow_never_expiring = ?, updated_at = ? "
           "WHERE id = ?");
    s.bind(t.name).bind(t.settings.key_prefix).bind(t.settings.default_expiry_days)
        .bind(t.settings.max_expiry_days).bind(t.settings.expiry_alert_days)
        .bind(t.settings.max_keys_per_service_user).bind(t.settings.allow_never_expiring).bind(t.updated_at)
        .bind(t.id);
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
    // Children before parents: the foreign keys are enforced.
    for (const char* sql : {"DELETE FROM user_group_members WHERE group_id IN "
                            "(SELECT id FROM user_groups WHERE tenant_id = ?)",
                            "DELETE FROM user_group_subscriptions WHERE group_id IN "
                            "(SELECT id FROM user_groups WHERE tenant_id = ?)",
                            "DELETE FROM user_groups WHERE tenant_id = ?",
                            "DELETE FROM users WHERE tenant_id = ?",
                            "DELETE FROM service_users WHERE tenant_id = ?",
                            "DELETE FROM roles WHERE tenant_id = ?",
                            "DELETE FROM modules WHERE tenant_id = ?",
                            "DELETE FROM api_keys WHERE tenant_id = ?",
                            "DELETE FROM verify_failures WHERE tenant_id = ?",
                            "DELETE FROM alert_attempts WHERE delivery_id IN "
                            "(SELECT id FROM alert_deliveries WHERE tenant_id = ?)",
                            "DELETE FROM alert_deliveries WHERE tenant_id = ?",
                            "DELETE FROM notifications WHERE tenant_id = ?",
                            "DELETE FROM webhooks WHERE tenant_id = ?",
                            "DELETE FROM signing_keys WHERE tenant_id = ?",
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
           "INSERT INTO key_groups (id, tenant_id, name, description, created_at, updated_at, created_by) "
           "VALUES (?,?,?,?,?,?,?)");
    s.bind(g.id).bind(g.tenant_id).bind(g.name).bind(g.description).bind(g.created_at).bind(g.updated_at)
        .bind(g.created_by);
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

Status SqliteStore::createKey(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit) {
  // If this caller becomes the committer, its own key is in the first round and the reply
  // has come before createKeyThen returns.
  return awaitReply<Status>([&](KeyCommitted done) { createKeyThen(k, ev, owner_key_limit, std::move(done)); });
}

void SqliteStore::createKeyThen(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit,
                                KeyCommitted done) {
  Impl& im = *impl_;
  {
    std::lock_guard gl(im.gc_mu);
    im.gc_queue.push_back({&k, &ev, owner_key_limit, std::move(done)});
    if (im.gc_committing) return;  // the committer takes it in its next round
    im.gc_committing = true;
  }
  std::vector<Impl::PendingCreate> round;
  std::vector<KeyWrite> writes;
  for (;;) {
    {
      std::lock_guard gl(im.gc_mu);
      if (im.gc_queue.empty()) {
        im.gc_committing = false;
        return;
      }
      round.swap(im.gc_queue);  // the queue keeps the old round's capacity
    }
    writes.clear();
    for (const auto& p : round) writes.push_back({p.key, p.event, p.owner_key_limit});
    auto results = createKeys(writes);
    const std::uint64_t n = round.size();
    im.gc_batches.fetch_add(1, std::memory_order_relaxed);
    im.gc_keys.fetch_add(n, std::memory_order_relaxed);
    if (n > im.gc_max.load(std::memory_order_relaxed)) im.gc_max.store(n, std::memory_order_relaxed);
    for (size_t i = 0; i < round.size(); ++i) round[i].done(std::move(results[i]));
    round.clear();
  }
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
    if (auto st = im.execCached("BEGIN IMMEDIATE"); !st) {
      for (auto& r : results) r = st;
      return results;
    }
    bool any = false;
    bool redo = false;
    // The fast path chains the batch's audit events in memory and writes each tenant's
    // head once; the savepoint path writes it per event, so a rolled-back key takes its
    // link with it.
    Impl::ChainHeads heads;
    for (size_t i = 0; i < batch.size() && !redo; ++i) {
      if (savepoints) {
        if (auto st = im.exec("SAVEPOINT one_key"); !st) {
          results[i] = st;
          continue;
        }
      }
      // The owner's key limit is counted inside the transaction, after the keys of this
      // batch inserted before this one, so two creations cannot both take the last slot.
      Status st = im.checkOwnerKeyLimit(*batch[i].key, batch[i].owner_key_limit);
      if (st) st = im.insertKey(*batch[i].key);
      if (st) {
        st = im.insertAudit(*batch[i].event, savepoints ? nullptr : &heads);
        if (!st && !savepoints) redo = true;  // the key is in without its audit event
      }
      if (savepoints) {
        if (!st) (void)im.exec("ROLLBACK TO one_key");
        (void)im.exec("RELEASE one_key");
      }
      any |= bool(st);
      results[i] = std::move(st);
    }
    if (!redo && any) {
      if (auto st = im.flushChainHeads(heads); !st) redo = true;
    }
    if (redo) {
      (void)im.execCached("ROLLBACK");
      for (auto& r : results) r = {};
      continue;
    }
    if (!any) {
      (void)im.execCached("ROLLBACK");
      return results;
    }
    if (auto st = im.execCached("COMMIT"); !st) {
      (void)im.execCached("ROLLBACK");
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
  Stmt s(impl_->rdb, sql);
  s.bind(tenant_id).bind(filter.page.after);
  if (filter.group_id) s.bind(*filter.group_id); else s.bindNull();
  // Parameters absent from the statement are bound anyway: SQLite ignores them (SQLITE_RANGE).
  s.bind(now).bind(limit + 1).bind(filter.owner_id).bind(filter.mine_of).bind(filter.kind).bind(filter.purpose);
  auto rows = impl_->query<ApiKey>(s, readKey);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateKey(const ApiKey& k, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE api_keys SET description = ?, group_id = ?, enabled = ?, revoked_at = ?, "
           "expires_at = ?, ip_allowlist = ?, metadata = ?, roles = ?, owner_kind = ?, owner_id = ?, "
           "updated_at = ?, not_before = ?, purpose = ? WHERE tenant_id = ? AND id = ?");
    s.bind(k.description).bind(k.group_id).bind(k.enabled).bind(k.revoked_at);
    if (k.expires_at == kNever) s.bindNull(); else s.bind(k.expires_at);
    s.bind(encodeAllowlist(k.ip_allowlist)).bind(k.metadata_json).bind(encodeAssignments(k.roles))
        .bind(ownerKindText(k)).bind(ownerIdText(k)).bind(k.updated_at).bind(k.not_before).bind(k.purpose).bind(k.tenant_id).bind(k.id);
    if (auto st = impl_->run(s, "update key"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("key");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::rotateKey(const ApiKey& k, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE api_keys SET digest = ?, start = ?, previous_digest = ?, previous_start = ?, "
           "previous_expires_at = ?, rotated_at = ?, expires_at = ?, updated_at = ?, public_id = ?, "
           "public_key = ?, key_algorithm = ?, previous_public_key = ? "
           "WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL");
    s.bindBlob(k.digest).bind(k.start);
    if (k.previous_digest) s.bindBlob(*k.previous_digest); else s.bindNull();
    s.bind(k.previous_start).bind(k.previous_expires_at).bind(k.rotated_at);
    if (k.expires_at == kNever) s.bindNull(); else s.bind(k.expires_at);
    s.bind(k.updated_at);
    if (k.public_id.empty()) s.bindNull(); else s.bind(k.public_id);
    s.bind(k.public_key_pem).bind(k.key_algorithm).bind(k.previous_public_key_pem).bind(k.tenant_id).bind(k.id);
    if (auto st = impl_->run(s, "rotate key"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("key");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::forEachKey(const std::function<void(ApiKey&&)>& fn) {
  // The scan runs on a connection of its own, opened without SQLite's per-call mutex
  // (SQLITE_OPEN_NOMUTEX: only this thread uses it, and only here). On the shared read
  // connection (FULLMUTEX) the mutex around each of the ~40 column calls per row took 8% of
  // a start with a million keys. It never writes (query_only).
  const char* path = sqlite3_db_filename(impl_->rdb, "main");
  sqlite3* db = nullptr;
  if (!path || !*path ||
      sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA query_only=1", nullptr, nullptr, nullptr) != SQLITE_OK) {
    if (db) sqlite3_close_v2(db);
    return impl_->dbError("open the key scan connection", SQLITE_CANTOPEN);
  }
  sqlite3_busy_timeout(db, 5000);
  Status result;
  {
    Stmt s(db, "SELECT " + std::string(kIndexKeyCols) + " FROM api_keys ORDER BY seq");
    if (!s.ok()) {
      result = impl_->dbError("prepare key scan", sqlite3_errcode(db));
    } else {
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) fn(readIndexKey(s));
      if (rc != SQLITE_DONE) result = impl_->dbError("key scan", rc);
    }
  }
  sqlite3_close_v2(db);
  return result;
}

Result<std::vector<ApiKey>> SqliteStore::keysOfOwner(std::string_view tenant_id, std::string_view owner_id) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kKeyCols) +
                        " FROM api_keys WHERE tenant_id = ? AND owner_id = ? ORDER BY seq");
  s.bind(tenant_id).bind(owner_id);
  return impl_->query<ApiKey>(s, readKey);
}

Result<std::vector<ApiKey>> SqliteStore::keysWithRole(std::string_view tenant_id, std::string_view role) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kKeyCols) +
                        " FROM api_keys WHERE tenant_id = ? AND instr(roles, ?) > 0 ORDER BY seq");
  s.bind(tenant_id).bind(role);
  auto rows = impl_->query<ApiKey>(s, readKey);
  if (!rows) return std::unexpected(rows.error());
  std::erase_if(*rows, [&](const ApiKey& k) {
    return std::ranges::none_of(k.roles, [&](const RoleAssignment& a) { return a.role == role; });
  });
  return rows;
}

Result<std::int64_t> SqliteStore::countLiveKeysOfOwner(std::string_view tenant_id, std::string_view owner_id) {
  std::lock_guard lock(impl_->mu);
  return impl_->liveKeysOfOwner(tenant_id, owner_id);
}

// ---- users -------------------------------------------------------------------------------

namespace {

// The unique column of users is the email: say so rather than "the name".
Status emailTaken(Status st) {
  if (!st && st.error().code == "NAME_TAKEN") st.error().message = "the email is already in use";
  return st;
}

}  // namespace

Status SqliteStore::createUser(const User& u, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "INSERT INTO users (id, tenant_id, email, display_name, password_hash, roles, disabled, "
           "created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(u.id).bind(u.tenant_id).bind(u.email).bind(u.display_name).bind(u.password_hash)
        .bind(encodeAssignments(u.roles)).bind(u.disabled).bind(u.created_by).bind(u.created_at)
        .bind(u.updated_at);
    if (auto st = emailTaken(impl_->run(s, "insert user")); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<User> SqliteStore::getUser(std::string_view tenant_id, std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = impl_->query<User>(s, readUser);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("user");
  return std::move(rows->front());
}

Result<User> SqliteStore::findUserByEmail(std::string_view tenant_id, std::string_view email) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND email = ?");
  s.bind(tenant_id).bind(email);
  auto rows = impl_->query<User>(s, readUser);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("user");
  return std::move(rows->front());
}

Result<Page<User>> SqliteStore::listUsers(std::string_view tenant_id, const PageRequest& page) {
  std::lock_guard lock(impl_->mu);
  const int limit = clampLimit(page.limit);
  Stmt s(impl_->db, "SELECT " + std::string(kUserCols) +
                        " FROM users WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = impl_->query<User>(s, readUser);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateUser(const User& u, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE users SET email = ?, display_name = ?, password_hash = ?, roles = ?, disabled = ?, "
           "updated_at = ? WHERE tenant_id = ? AND id = ?");
    s.bind(u.email).bind(u.display_name).bind(u.password_hash).bind(encodeAssignments(u.roles))
        .bind(u.disabled).bind(u.updated_at).bind(u.tenant_id).bind(u.id);
    if (auto st = emailTaken(impl_->run(s, "update user")); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("user");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::deleteUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    if (auto st = impl_->principalDeletable("users", "user", tenant_id, id); !st) return st;
    // User ids are unique across tenants, and the user was just found in this one.
    Stmt leave(impl_->db, "DELETE FROM user_group_members WHERE user_id = ?");
    leave.bind(id);
    if (auto st = impl_->run(leave, "remove user from its groups"); !st) return st;
    Stmt del(impl_->db, "DELETE FROM users WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = impl_->run(del, "delete user"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

// ---- service users -----------------------------------------------------------------------

Status SqliteStore::createServiceUser(const ServiceUser& u, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "INSERT INTO service_users (id, tenant_id, name, description, roles, disabled, created_by, "
           "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(u.id).bind(u.tenant_id).bind(u.name).bind(u.description).bind(encodeAssignments(u.roles))
        .bind(u.disabled).bind(u.created_by).bind(u.created_at).bind(u.updated_at);
    if (auto st = impl_->run(s, "insert service user"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<ServiceUser> SqliteStore::getServiceUser(std::string_view tenant_id, std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kServiceUserCols) +
                        " FROM service_users WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = impl_->query<ServiceUser>(s, readServiceUser);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("service user");
  return std::move(rows->front());
}

Result<Page<ServiceUser>> SqliteStore::listServiceUsers(std::string_view tenant_id, const PageRequest& page) {
  std::lock_guard lock(impl_->mu);
  const int limit = clampLimit(page.limit);
  Stmt s(impl_->db, "SELECT " + std::string(kServiceUserCols) +
                        " FROM service_users WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = impl_->query<ServiceUser>(s, readServiceUser);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::updateServiceUser(const ServiceUser& u, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE service_users SET name = ?, description = ?, roles = ?, disabled = ?, updated_at = ? "
           "WHERE tenant_id = ? AND id = ?");
    s.bind(u.name).bind(u.description).bind(encodeAssignments(u.roles)).bind(u.disabled)
        .bind(u.updated_at).bind(u.tenant_id).bind(u.id);
    if (auto st = impl_->run(s, "update service user"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("service user");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::deleteServiceUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    if (auto st = impl_->principalDeletable("service_users", "service user", tenant_id, id); !st) return st;
    Stmt del(impl_->db, "DELETE FROM service_users WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = impl_->run(del, "delete service user"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

// ---- user groups -------------------------------------------------------------------------

Status SqliteStore::createUserGroup(const UserGroup& g, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "INSERT INTO user_groups (id, tenant_id, name, description, created_by, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?)");
    s.bind(g.id).bind(g.tenant_id).bind(g.name).bind(g.description).bind(g.created_by).bind(g.created_at)
        .bind(g.updated_at);
    if (auto st = impl_->run(s, "insert user group"); !st) return st;
    if (auto st = impl_->writeMembers(g); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<UserGroup> SqliteStore::getUserGroup(std::string_view tenant_id, std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kUserGroupCols) +
                        " FROM user_groups WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = impl_->query<UserGroup>(s, readUserGroup);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("user group");
  if (auto st = impl_->readMembers(rows->front()); !st) return std::unexpected(st.error());
  return std::move(rows->front());
}

Result<Page<UserGroup>> SqliteStore::listUserGroups(std::string_view tenant_id, const PageRequest& page) {
  std::lock_guard lock(impl_->mu);
  const int limit = clampLimit(page.limit);
  Stmt s(impl_->db, "SELECT " + std::string(kUserGroupCols) +
                        " FROM user_groups WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  s.bind(tenant_id).bind(page.after).bind(limit + 1);
  auto rows = impl_->query<UserGroup>(s, readUserGroup);
  if (!rows) return std::unexpected(rows.error());
  Page<UserGroup> out = finishPage(std::move(*rows), limit);
  // One query per group: pages are small and the database is in-process.
  for (auto& g : out.items)
    if (auto st = impl_->readMembers(g); !st) return std::unexpected(st.error());
  return out;
}

Status SqliteStore::updateUserGroup(const UserGroup& g, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "UPDATE user_groups SET name = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?");
    s.bind(g.name).bind(g.description).bind(g.updated_at).bind(g.tenant_id).bind(g.id);
    if (auto st = impl_->run(s, "update user group"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("user group");
    if (auto st = impl_->writeMembers(g); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::deleteUserGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    // Members and subscriptions go with it (ON DELETE CASCADE).
    Stmt del(impl_->db, "DELETE FROM user_groups WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = impl_->run(del, "delete user group"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("user group");
    return impl_->insertAudit(ev);
  });
}

// ---- roles -------------------------------------------------------------------------------

Status SqliteStore::createRole(const Role& r, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db,
           "INSERT INTO roles (id, tenant_id, name, description, permissions, scope_module, created_by, "
           "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
    s.bind(r.id).bind(r.tenant_id).bind(r.name).bind(r.description).bind(encodePermissions(r.permissions))
        .bind(r.scope_module).bind(r.created_by).bind(r.created_at).bind(r.updated_at);
    if (auto st = impl_->run(s, "insert role"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<Role> SqliteStore::getRole(std::string_view tenant_id, std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kRoleCols) + " FROM roles WHERE tenant_id = ? AND id = ?");
  s.bind(tenant_id).bind(id);
  auto rows = impl_->query<Role>(s, readRole);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("role");
  return std::move(rows->front());
}

Result<Role> SqliteStore::getRoleByName(std::string_view tenant_id, std::string_view name) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT " + std::string(kRoleCols) + " FROM roles WHERE tenant_id = ? AND name = ?");
  s.bind(tenant_id).bind(name);
  auto rows = impl_->query<Role>(s, readRole);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return notFound("role");
  return std::move(rows->front());
}

Result<std::vector<Role>> SqliteStore::listRoles(std::string_view tenant_id) {
  // On the read connection: a key creation with roles reads them before it joins the group
  // commit, and must not queue behind the commit in progress (the write connection's mutex
  // is held across its fsync). It sees the last committed state, as the writer would.
  std::lock_guard lock(impl_->rmu);
  static const std::string sql = "SELECT " + std::string(kRoleCols) + " FROM roles WHERE tenant_id = ? ORDER BY seq";
  Stmt s(impl_->rdb, impl_->prepared(impl_->rdb, sql));
  s.bind(tenant_id);
  return impl_->query<Role>(s, readRole);
}

Status SqliteStore::updateRole(const Role& r, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    // The name is not written: assignments refer to roles by name.
    Stmt s(impl_->db,
           "UPDATE roles SET description = ?, permissions = ?, scope_module = ?, updated_at = ? "
           "WHERE tenant_id = ? AND id = ?");
    s.bind(r.description).bind(encodePermissions(r.permissions)).bind(r.scope_module).bind(r.updated_at)
        .bind(r.tenant_id).bind(r.id);
    if (auto st = impl_->run(s, "update role"); !st) return st;
    if (sqlite3_changes(impl_->db) == 0) return notFound("role");
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::deleteRole(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt find(impl_->db, "SELECT name FROM roles WHERE tenant_id = ? AND id = ?");
    find.bind(tenant_id).bind(id);
    auto names = impl_->query<std::string>(find, [](const Stmt& r) { return r.text(0); });
    if (!names) return std::unexpected(names.error());
    if (names->empty()) return notFound("role");
    const std::string& name = names->front();
    auto held = impl_->roleHolders(tenant_id, name);
    if (!held) return std::unexpected(held.error());
    if (*held > 0) {
      return fail(ErrorKind::kConflict, "ROLE_IN_USE",
                  "role '" + name + "' is still assigned to " + std::to_string(*held) +
                      " principal(s) or key(s); remove it from them first");
    }
    Stmt del(impl_->db, "DELETE FROM roles WHERE tenant_id = ? AND id = ?");
    del.bind(tenant_id).bind(id);
    if (auto st = impl_->run(del, "delete role"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Status SqliteStore::forEachRole(const std::function<void(Role&&)>& fn) {
  std::lock_guard lock(impl_->mu);
  return impl_->forEach<Role>("SELECT " + std::string(kRoleCols) + " FROM roles ORDER BY seq", readRole, fn);
}

// ---- modules -----------------------------------------------------------------------------

Status SqliteStore::createModule(const Module& m, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt s(impl_->db, "INSERT INTO modules (tenant_id, name, description, created_at) VALUES (?,?,?,?)");
    s.bind(m.tenant_id).bind(m.name).bind(m.description).bind(m.created_at);
    if (auto st = impl_->run(s, "insert module"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

Result<std::vector<Module>> SqliteStore::listModules(std::string_view tenant_id) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db,
         "SELECT tenant_id, name, description, created_at FROM modules WHERE tenant_id = ? ORDER BY name");
  s.bind(tenant_id);
  return impl_->query<Module>(s, [](const Stmt& r) {
    Module m;
    m.tenant_id = r.text(0);
    m.name = r.text(1);
    m.description = r.text(2);
    m.created_at = r.i64(3);
    return m;
  });
}

Status SqliteStore::deleteModule(std::string_view tenant_id, std::string_view name, const AuditEvent& ev) {
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    Stmt exists(impl_->db, "SELECT COUNT(*) FROM modules WHERE tenant_id = ? AND name = ?");
    exists.bind(tenant_id).bind(name);
    auto n = impl_->count(exists);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("module");
    // instr() narrows to candidate roles; namesModule() decides on whole module names.
    Stmt users(impl_->db,
               "SELECT scope_module, permissions FROM roles WHERE tenant_id = ?1 AND "
               "(scope_module = ?2 OR instr(permissions, ?2) > 0)");
    users.bind(tenant_id).bind(name);
    auto rows = impl_->query<bool>(users, [&](const Stmt& r) {
      return r.optText(0) == std::optional<std::string>(name) || namesModule(r.text(1), name);
    });
    if (!rows) return std::unexpected(rows.error());
    const auto in_use = std::ranges::count(*rows, true);
    if (in_use > 0) {
      return fail(ErrorKind::kConflict, "MODULE_IN_USE",
                  "module '" + std::string(name) + "' is used by " + std::to_string(in_use) +
                      " custom role(s); remove it from them first");
    }
    Stmt del(impl_->db, "DELETE FROM modules WHERE tenant_id = ? AND name = ?");
    del.bind(tenant_id).bind(name);
    if (auto st = impl_->run(del, "delete module"); !st) return st;
    return impl_->insertAudit(ev);
  });
}

// ---- principals for the verify index -----------------------------------------------------

Status SqliteStore::forEachUser(const std::function<void(User&&)>& fn) {
  std::lock_guard lock(impl_->mu);
  return impl_->forEach<User>("SELECT " + std::string(kUserCols) + " FROM users ORDER BY seq", readUser, fn);
}

Status SqliteStore::forEachServiceUser(const std::function<void(ServiceUser&&)>& fn) {
  std::lock_guard lock(impl_->mu);
  return impl_->forEach<ServiceUser>("SELECT " + std::string(kServiceUserCols) + " FROM service_users ORDER BY seq",
                                     readServiceUser, fn);
}

// ---- counters ----------------------------------------------------------------------------

Status SqliteStore::recordLastUsed(const std::vector<std::pair<std::string, UnixSeconds>>& uses) {
  if (uses.empty()) return {};
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    // Prepared once per connection (the statement cache): a flush after heavy traffic names
    // every key used since the last one, and preparing per key cost more than the updates.
    for (const auto& [id, at] : uses) {
      Stmt s(impl_->db, impl_->prepared(impl_->db,
                                        "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?"));
      s.bind(at).bind(id);
      if (auto st = impl_->run(s, "record last use"); !st) return st;
    }
    return {};
  });
}

Status SqliteStore::addVerifyFailures(const std::vector<VerifyFailureCount>& counts) {
  if (counts.empty()) return {};
  std::lock_guard lock(impl_->mu);
  return impl_->transaction([&]() -> Status {
    for (const auto& c : counts) {
      Stmt s(impl_->db, impl_->prepared(impl_->db,
                                        "INSERT INTO verify_failures (tenant_id, key_id, reason, count, last_at) "
                                        "VALUES (?,?,?,?,?) ON CONFLICT (tenant_id, key_id, reason) DO UPDATE SET "
                                        "count = count + excluded.count, last_at = MAX(last_at, excluded.last_at)"));
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

namespace {

// The WHERE clause and bindings shared by listing and exporting the audit log.
std::string auditQuery(const AuditFilter& f) {
  std::string sql = "SELECT " + std::string(kAuditCols) + " FROM audit_events WHERE tenant_id = ?1 AND seq > ?2";
  if (f.action) sql += " AND action = ?3";
  if (f.actor) sql += " AND actor = ?4";
  if (f.target) sql += " AND target = ?5";
  if (f.since) sql += " AND at >= ?6";
  if (f.until) sql += " AND at < ?7";
  return sql + " ORDER BY seq";
}

void bindAuditFilter(Stmt& s, std::string_view tenant_id, const AuditFilter& f) {
  s.bind(tenant_id).bind(f.page.after).bind(f.action).bind(f.actor).bind(f.target).bind(f.since).bind(f.until);
}

}  // namespace

Result<Page<AuditEvent>> SqliteStore::listAudit(std::string_view tenant_id, const AuditFilter& f) {
  std::lock_guard lock(impl_->rmu);
  const int limit = clampLimit(f.page.limit);
  Stmt s(impl_->rdb, auditQuery(f) + " LIMIT ?8");
  bindAuditFilter(s, tenant_id, f);
  s.bind(limit + 1);
  auto rows = impl_->query<AuditEvent>(s, readAudit);
  if (!rows) return std::unexpected(rows.error());
  return finishPage(std::move(*rows), limit);
}

Status SqliteStore::forEachAudit(std::string_view tenant_id, const AuditFilter& f,
                                 const std::function<bool(const AuditEvent&)>& fn) {
  // Read in batches so the store's lock is never held while the caller writes to a slow
  // client: each batch is a short query resuming after the last seq seen.
  AuditFilter batch = f;
  batch.page.limit = 500;
  for (;;) {
    auto page = listAudit(tenant_id, batch);
    if (!page) return std::unexpected(page.error());
    for (const auto& e : page->items)
      if (!fn(e)) return {};
    if (!page->next) return {};
    batch.page.after = *page->next;
  }
}

Result<AuditChainReport> SqliteStore::verifyAuditChain(std::string_view tenant_id) {
  // On the read connection, in one read transaction: the head and the events are one
  // snapshot, and writers are not held up while a long chain is recomputed.
  std::lock_guard lock(impl_->rmu);
  if (auto st = impl_->execOn(impl_->rdb, "BEGIN"); !st) return std::unexpected(st.error());
  struct EndRead {
    Impl& im;
    ~EndRead() { (void)im.execOn(im.rdb, "COMMIT"); }
  } end_read{*impl_};
  AuditChainReport report;
  crypto::Digest expected{};
  std::optional<crypto::Digest> head;
  std::int64_t head_seq = 0;
  {
    Stmt c(impl_->rdb, "SELECT head_seq, head_hash, anchor_hash FROM audit_chains WHERE tenant_id = ?");
    c.bind(tenant_id);
    if (c.step() == SQLITE_ROW) {
      head_seq = c.i64(0);
      head.emplace();
      c.blob(1, *head);
      if (auto anchor = c.optText(2)) c.blob(2, expected);
    }
  }
  Stmt s(impl_->rdb, "SELECT " + std::string(kAuditCols) + " FROM audit_events WHERE tenant_id = ? ORDER BY seq");
  s.bind(tenant_id);
  if (!s.ok()) return impl_->dbError("prepare audit scan", sqlite3_errcode(impl_->rdb));
  int rc;
  std::int64_t last_seq = 0;
  std::string last_id;
  while ((rc = s.step()) == SQLITE_ROW) {
    const AuditEvent e = readAudit(s);
    ++report.events;
    if (!report.first_break) {
      if (!crypto::constantTimeEqual(e.prev_hash, expected)) {
        report.first_break = AuditBreak{e.seq, e.id, "link"};
      } else if (!crypto::constantTimeEqual(auditHash(e, e.prev_hash), e.hash)) {
        report.first_break = AuditBreak{e.seq, e.id, "altered"};
      }
    }
    expected = e.hash;
    last_seq = e.seq;
    last_id = e.id;
  }
  if (rc != SQLITE_DONE) return impl_->dbError("audit scan", rc);
  if (!report.first_break && head && (last_seq != head_seq || !crypto::constantTimeEqual(expected, *head))) {
    report.first_break = AuditBreak{last_seq, last_id, "truncated"};
  }
  return report;
}

Result<std::vector<std::string>> SqliteStore::listAuditTenants() {
  std::lock_guard lock(impl_->rmu);
  // audit_chains holds one row per tenant that ever had an event (its chain head).
  Stmt s(impl_->rdb, "SELECT tenant_id FROM audit_chains ORDER BY tenant_id");
  return impl_->query<std::string>(s, [](const Stmt& st) { return st.text(0); });
}

Result<std::int64_t> SqliteStore::pruneAudit(std::string_view tenant_id, UnixSeconds before) {
  std::lock_guard lock(impl_->mu);
  std::int64_t removed = 0;
  auto st = impl_->transaction([&]() -> Status {
    // The newest event to remove: its hash becomes the anchor the remaining chain starts from.
    Stmt last(impl_->db,
              "SELECT seq, hash FROM audit_events WHERE tenant_id = ?1 AND at < ?2 ORDER BY seq DESC LIMIT 1");
    last.bind(tenant_id).bind(before);
    const int rc = last.step();
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return impl_->dbError("find prunable audit events", rc);
    const std::int64_t upto = last.i64(0);
    crypto::Digest anchor{};
    last.blob(1, anchor);
    // Events are removed only as a prefix of the chain (every seq up to the newest old one).
    Stmt del(impl_->db, "DELETE FROM audit_events WHERE tenant_id = ? AND seq <= ?");
    del.bind(tenant_id).bind(upto);
    if (auto r = impl_->run(del, "prune audit events"); !r) return r;
    removed = sqlite3_changes(impl_->db);
    Stmt a(impl_->db, "UPDATE audit_chains SET anchor_hash = ? WHERE tenant_id = ?");
    a.bindBlob(anchor).bind(tenant_id);
    return impl_->run(a, "record audit anchor");
  });
  if (!st) return std::unexpected(st.error());
  return removed;
}

// ---- internal bridge for the other translation units of this backend (sqlite_internal.h) --

namespace sqlite_detail {

Connections connections(SqliteStore::Impl& impl) { return Connections{impl.db, impl.mu, impl.rdb, impl.rmu}; }

Status transaction(SqliteStore::Impl& impl, const std::function<Status()>& fn) { return impl.transaction(fn); }

Status insertAudit(SqliteStore::Impl& impl, const AuditEvent& ev) { return impl.insertAudit(ev); }

std::unexpected<Error> dbError(SqliteStore::Impl& impl, std::string_view what, int rc) { return impl.dbError(what, rc); }

ApiKey readKeyRow(const Stmt& s) { return readKey(s); }

std::string_view keyColumns() { return kKeyCols; }

}  // namespace sqlite_detail

}  // namespace keyward
