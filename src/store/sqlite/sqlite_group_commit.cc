// Key creation in the SQLite backend: the group commit (sqlite_group_commit.h) and the batch
// transaction it and bulk loads share (SqliteStore::createKeys).
#include "store/sqlite/sqlite_group_commit.h"

#include <sqlite3.h>

#include "common/await.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite_detail::ChainHeads;
using sqlite_detail::checkOwnerKeyLimit;
using sqlite_detail::connections;
using sqlite_detail::execCached;
using sqlite_detail::execOn;
using sqlite_detail::flushChainHeads;
using sqlite_detail::insertAudit;
using sqlite_detail::insertKey;

// One key of a batch: its owner's limit, the key, its audit event. `key_in` tells the caller
// whether a failure came after the key row went in, i.e. left the key without its event.
Status writeKey(SqliteStore::Impl& im, const SqliteStore::KeyWrite& w, ChainHeads* heads, bool& key_in) {
  // The owner's key limit is counted inside the transaction, after the keys of this
  // batch inserted before this one, so two creations cannot both take the last slot.
  if (auto st = checkOwnerKeyLimit(im, *w.key, w.owner_key_limit); !st) return st;
  if (auto st = insertKey(im, *w.key); !st) return st;
  key_in = true;
  return insertAudit(im, *w.event, heads);
}

// The slow path's key: in a savepoint of its own, so a failure is rolled back alone (with
// its audit link, since the chain head is written per event here).
Status writeKeyInSavepoint(SqliteStore::Impl& im, const SqliteStore::KeyWrite& w) {
  sqlite3* db = connections(im).db;
  if (auto st = execOn(db, "SAVEPOINT one_key"); !st) return st;
  bool key_in = false;
  Status st = writeKey(im, w, nullptr, key_in);
  if (!st) (void)execOn(db, "ROLLBACK TO one_key");
  (void)execOn(db, "RELEASE one_key");
  return st;
}

// One transaction over the batch, filling `results`. False when the fast path has to be
// redone with savepoints; `results` is then reset.
bool commitBatch(SqliteStore::Impl& im, std::span<const SqliteStore::KeyWrite> batch, bool savepoints,
                 std::vector<Status>& results) {
  if (auto st = execCached(im, "BEGIN IMMEDIATE"); !st) {
    for (auto& r : results) r = st;
    return true;
  }
  bool any = false;
  bool redo = false;
  // The fast path chains the batch's audit events in memory and writes each tenant's
  // head once; the savepoint path writes it per event, so a rolled-back key takes its
  // link with it.
  ChainHeads heads;
  for (size_t i = 0; i < batch.size() && !redo; ++i) {
    Status st;
    if (savepoints) {
      st = writeKeyInSavepoint(im, batch[i]);
    } else {
      bool key_in = false;
      st = writeKey(im, batch[i], &heads, key_in);
      redo = !st && key_in;  // the key is in without its audit event
    }
    any |= bool(st);
    results[i] = std::move(st);
  }
  if (!redo && any) {
    if (auto st = flushChainHeads(im, heads); !st) redo = true;
  }
  if (redo) {
    (void)execCached(im, "ROLLBACK");
    for (auto& r : results) r = {};
    return false;
  }
  if (!any) {
    (void)execCached(im, "ROLLBACK");
    return true;
  }
  if (auto st = execCached(im, "COMMIT"); !st) {
    (void)execCached(im, "ROLLBACK");
    for (auto& r : results)
      if (r) r = st;  // nothing of this batch is durable
  }
  return true;
}

}  // namespace

Status SqliteStore::createKey(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit) {
  // If this caller becomes the committer, its own key is in the first round and the reply
  // has come before createKeyThen returns.
  return awaitReply<Status>([&](KeyCommitted done) { createKeyThen(k, ev, owner_key_limit, std::move(done)); });
}

void SqliteStore::createKeyThen(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit,
                                KeyCommitted done) {
  sqlite_detail::GroupCommitQueue& gc = sqlite_detail::groupCommitQueue(*impl_);
  {
    std::lock_guard gl(gc.mu);
    gc.queue.push_back({&k, &ev, owner_key_limit, std::move(done)});
    if (gc.committing) return;  // the committer takes it in its next round
    gc.committing = true;
  }
  std::vector<sqlite_detail::GroupCommitQueue::PendingCreate> round;
  std::vector<KeyWrite> writes;
  for (;;) {
    {
      std::lock_guard gl(gc.mu);
      if (gc.queue.empty()) {
        gc.committing = false;
        return;
      }
      round.swap(gc.queue);  // the queue keeps the old round's capacity
    }
    writes.clear();
    for (const auto& p : round) writes.push_back({p.key, p.event, p.owner_key_limit});
    auto results = createKeys(writes);
    const std::uint64_t n = round.size();
    gc.batches.fetch_add(1, std::memory_order_relaxed);
    gc.keys.fetch_add(n, std::memory_order_relaxed);
    if (n > gc.max.load(std::memory_order_relaxed)) gc.max.store(n, std::memory_order_relaxed);
    for (size_t i = 0; i < round.size(); ++i) round[i].done(std::move(results[i]));
    round.clear();
  }
}

std::vector<Status> SqliteStore::createKeys(std::span<const KeyWrite> batch) {
  std::vector<Status> results(batch.size());
  if (batch.empty()) return results;
  auto c = connections(*impl_);
  std::lock_guard lock(c.mu);
  // Fast path: no savepoints. A key insert that violates a constraint (a taken name) undoes
  // only itself, as every SQLite statement does, and its audit event is then not written.
  // Savepoints would copy every page touched into a sub-journal, which made bulk loads
  // several times slower. Only when an audit insert fails after its key went in (which
  // needs an I/O error or an id collision) is the batch redone with one savepoint per key.
  if (!commitBatch(*impl_, batch, false, results)) (void)commitBatch(*impl_, batch, true, results);
  return results;
}

SqliteStore::GroupCommitStats SqliteStore::groupCommitStats() const {
  sqlite_detail::GroupCommitQueue& gc = sqlite_detail::groupCommitQueue(*impl_);
  return {gc.batches.load(std::memory_order_relaxed), gc.keys.load(std::memory_order_relaxed),
          gc.max.load(std::memory_order_relaxed)};
}

}  // namespace keyward
