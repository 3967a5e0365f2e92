// sqlite_group_commit.h — the queue behind the SQLite backend's group commit of key
// creations (SqliteStore::createKeyThen, in sqlite_group_commit.cc). Internal: not for use
// outside src/store/sqlite/.
// Each creation is queued; the caller that finds no commit in progress becomes the committer
// and commits everything queued, in one transaction per round, until the queue is empty.
// Callers arriving meanwhile only queue and return: nobody sleeps per key, and a round holds
// every creation that arrived while the previous one was being written and synced.
// Thread safety: `queue` and `committing` under `mu`; the counters are relaxed atomics.
// Ownership: a pending creation borrows its key and event from its caller, who keeps them
// until its `done` has run.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace keyward::sqlite_detail {

struct GroupCommitQueue {
  struct PendingCreate {
    const ApiKey* key;
    const AuditEvent* event;
    std::optional<int> owner_key_limit;
    Store::KeyCommitted done;
  };
  std::mutex mu;
  std::vector<PendingCreate> queue;  // under mu
  bool committing = false;           // under mu: a caller is committing the queue
  // Batch sizes, for the benchmark's log line at close: how many keys shared a commit.
  std::atomic<std::uint64_t> batches{0}, keys{0}, max{0};
};

// The store's queue (a member of its Impl).
GroupCommitQueue& groupCommitQueue(SqliteStore::Impl& impl);

}  // namespace keyward::sqlite_detail
