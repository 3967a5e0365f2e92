// The audit log in the SQLite backend (store.h "Audit"): the per-tenant hash chain every
// write appends to (store/audit_chain.h), listing, export, verification and pruning.
#include <sqlite3.h>

#include <algorithm>

#include "store/audit_chain.h"
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
using sqlite_detail::execOn;
using sqlite_detail::finishPage;
using sqlite_detail::insertAudit;
using sqlite_detail::kAuditCols;
using sqlite_detail::prepared;
using sqlite_detail::query;
using sqlite_detail::readAudit;
using sqlite_detail::run;
using sqlite_detail::Stmt;
using sqlite_detail::transaction;

}  // namespace

namespace sqlite_detail {

namespace {

// The tenant's newest hash (its head), or its anchor, or zeros for a new chain.
Result<crypto::Digest> chainHead(SqliteStore::Impl& impl, std::string_view tenant_id) {
  sqlite3* db = connections(impl).db;
  Stmt s(db, prepared(impl, db, "SELECT head_hash FROM audit_chains WHERE tenant_id = ?"));
  if (!s.ok()) return dbError(impl, "prepare audit chain read", sqlite3_errcode(db));
  s.bind(tenant_id);
  crypto::Digest head{};
  const int rc = s.step();
  if (rc == SQLITE_ROW) s.blob(0, head);
  else if (rc != SQLITE_DONE) return dbError(impl, "read audit chain", rc);
  return head;
}

Status setChainHead(SqliteStore::Impl& impl, std::string_view tenant_id, std::int64_t seq, const crypto::Digest& hash) {
  sqlite3* db = connections(impl).db;
  Stmt
      s(db,
        prepared(impl, db,
                 "INSERT INTO audit_chains (tenant_id, head_seq, head_hash) VALUES (?,?,?) "
                 "ON CONFLICT (tenant_id) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash"));
  s.bind(tenant_id).bind(seq).bindBlob(hash);
  return run(impl, s, "advance audit chain");
}

}  // namespace

Status insertAudit(SqliteStore::Impl& impl, const AuditEvent& e, ChainHeads* heads) {
  sqlite3* db = connections(impl).db;
  ChainHead* h = nullptr;
  crypto::Digest prev{};
  if (heads) {
    auto it = std::ranges::find(*heads, std::string_view(e.tenant_id), &ChainHead::tenant_id);
    if (it != heads->end()) h = &*it;
  }
  if (h) {
    prev = h->hash;
  } else {
    auto read = chainHead(impl, e.tenant_id);
    if (!read) return std::unexpected(read.error());
    prev = *read;
  }
  const crypto::Digest hash = auditHash(e, prev);
  Stmt s(db, prepared(impl, db,
                      "INSERT INTO audit_events (id, tenant_id, actor, action, target, client_ip, outcome, "
                      "detail, at, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  s.bind(e.id)
      .bind(e.tenant_id)
      .bind(e.actor)
      .bind(e.action)
      .bind(e.target)
      .bind(e.client_ip)
      .bind(e.outcome)
      .bind(e.detail_json)
      .bind(e.at)
      .bindBlob(prev)
      .bindBlob(hash);
  if (auto st = run(impl, s, "insert audit event"); !st) return st;
  const std::int64_t seq = sqlite3_last_insert_rowid(db);
  if (!heads) return setChainHead(impl, e.tenant_id, seq, hash);
  if (!h) h = &heads->emplace_back(ChainHead{e.tenant_id, 0, {}});
  h->seq = seq;
  h->hash = hash;
  return {};
}

Status flushChainHeads(SqliteStore::Impl& impl, const ChainHeads& heads) {
  for (const auto& h : heads)
    if (auto st = setChainHead(impl, h.tenant_id, h.seq, h.hash); !st) return st;
  return {};
}

Status chainUnhashedAudit(SqliteStore::Impl& impl) {
  sqlite3* db = connections(impl).db;
  Stmt any(db, "SELECT COUNT(*) FROM audit_events WHERE hash IS NULL");
  auto n = count(impl, any);
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return {};
  return transaction(impl, [&]() -> Status {
    Stmt rows(db, "SELECT " + std::string(kAuditCols) + " FROM audit_events ORDER BY tenant_id, seq");
    auto all = query<AuditEvent>(impl, rows, readAudit);
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
      if (auto st = run(impl, up, "chain audit event"); !st) return st;
      if (auto st = setChainHead(impl, e.tenant_id, e.seq, e.hash); !st) return st;
      prev = e.hash;
    }
    return {};
  });
}

}  // namespace sqlite_detail

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

Status SqliteStore::appendAudit(const AuditEvent& ev) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  return transaction(*impl_, [&] { return insertAudit(*impl_, ev); });
}

Result<Page<AuditEvent>> SqliteStore::listAudit(std::string_view tenant_id, const AuditFilter& f) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  const int limit = clampLimit(f.page.limit);
  Stmt s(c.rdb, auditQuery(f) + " LIMIT ?8");
  bindAuditFilter(s, tenant_id, f);
  s.bind(limit + 1);
  auto rows = query<AuditEvent>(*impl_, s, readAudit);
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
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  if (auto st = execOn(c.rdb, "BEGIN"); !st) return std::unexpected(st.error());
  struct EndRead {
    sqlite3* rdb;
    ~EndRead() { (void)execOn(rdb, "COMMIT"); }
  } end_read{c.rdb};
  AuditChainReport report;
  crypto::Digest expected{};
  std::optional<crypto::Digest> head;
  std::int64_t head_seq = 0;
  {
    Stmt chain(c.rdb, "SELECT head_seq, head_hash, anchor_hash FROM audit_chains WHERE tenant_id = ?");
    chain.bind(tenant_id);
    if (chain.step() == SQLITE_ROW) {
      head_seq = chain.i64(0);
      head.emplace();
      chain.blob(1, *head);
      if (auto anchor = chain.optText(2)) chain.blob(2, expected);
    }
  }
  Stmt s(c.rdb, "SELECT " + std::string(kAuditCols) + " FROM audit_events WHERE tenant_id = ? ORDER BY seq");
  s.bind(tenant_id);
  if (!s.ok()) return dbError(*impl_, "prepare audit scan", sqlite3_errcode(c.rdb));
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
  if (rc != SQLITE_DONE) return dbError(*impl_, "audit scan", rc);
  if (!report.first_break && head && (last_seq != head_seq || !crypto::constantTimeEqual(expected, *head))) {
    report.first_break = AuditBreak{last_seq, last_id, "truncated"};
  }
  return report;
}

Result<std::vector<std::string>> SqliteStore::listAuditTenants() {
  auto c = connections(*impl_);
  std::lock_guard lock(c.rmu);
  // audit_chains holds one row per tenant that ever had an event (its chain head).
  Stmt s(c.rdb, "SELECT tenant_id FROM audit_chains ORDER BY tenant_id");
  return query<std::string>(*impl_, s, [](const Stmt& st) { return st.text(0); });
}

Result<std::int64_t> SqliteStore::pruneAudit(std::string_view tenant_id, UnixSeconds before) {
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  std::int64_t removed = 0;
  auto st = transaction(*impl_, [&]() -> Status {
    // The newest event to remove: its hash becomes the anchor the remaining chain starts from.
    Stmt last(c.db, "SELECT seq, hash FROM audit_events WHERE tenant_id = ?1 AND at < ?2 ORDER BY seq DESC LIMIT 1");
    last.bind(tenant_id).bind(before);
    const int rc = last.step();
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return dbError(*impl_, "find prunable audit events", rc);
    const std::int64_t upto = last.i64(0);
    crypto::Digest anchor{};
    last.blob(1, anchor);
    // Events are removed only as a prefix of the chain (every seq up to the newest old one).
    Stmt del(c.db, "DELETE FROM audit_events WHERE tenant_id = ? AND seq <= ?");
    del.bind(tenant_id).bind(upto);
    if (auto r = run(*impl_, del, "prune audit events"); !r) return r;
    removed = sqlite3_changes(c.db);
    Stmt a(c.db, "UPDATE audit_chains SET anchor_hash = ? WHERE tenant_id = ?");
    a.bindBlob(anchor).bind(tenant_id);
    return run(*impl_, a, "record audit anchor");
  });
  if (!st) return std::unexpected(st.error());
  return removed;
}

}  // namespace keyward
