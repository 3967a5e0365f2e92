#include "store/sqlite/sqlite_checkpointer.h"

#include "common/background.h"

namespace keyward::sqlite_detail {

Status Checkpointer::start(const std::string& path, sqlite3* writer, std::mutex& writer_mu) {
  // Configured like the store's other connections (it syncs the database file with
  // synchronous=FULL).
  if (sqlite3_open_v2(path.c_str(), &cdb_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot open a checkpoint connection to '" + path + "'");
  }
  sqlite3_extended_result_codes(cdb_, 1);
  // Short: its RESTART checkpoint holds the writer off while it waits for readers to leave
  // the WAL, and a checkpoint that gives up is simply tried again later.
  sqlite3_busy_timeout(cdb_, 50);
  if (sqlite3_exec(cdb_, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kUnavailable, "STORE_OPEN_FAILED", "cannot configure the checkpoint connection");
  }
  writer_mu_ = &writer_mu;
  sqlite3_wal_hook(writer, &Checkpointer::walHook, this);
  thread_ = std::thread([this] { loop(); });
  return {};
}

void Checkpointer::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  if (cdb_) sqlite3_close_v2(cdb_);
  cdb_ = nullptr;
}

int Checkpointer::walHook(void* self, sqlite3* conn, const char*, int pages) {
  auto* ck = static_cast<Checkpointer*>(self);
  if (pages >= kInlineCheckpointPages) {
    // The background checkpoint cannot keep up (or is stuck behind a long reader): copy
    // here, as SQLite itself would, so the WAL does not grow without bound.
    sqlite3_wal_checkpoint_v2(conn, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (pages >= kCheckpointPages) {
    std::lock_guard lock(ck->mu_);
    if (!ck->wanted_) {
      ck->wanted_ = true;
      ck->cv_.notify_one();
    }
  }
  return SQLITE_OK;
}

void Checkpointer::loop() {
  // Background work like the usage flush: on a busy core, copying pages and syncing the
  // database file must not take scheduler slices from the threads answering requests
  // (verifications never wait for it). It holds the writer only for the RESTART step.
  runAsBackgroundThread();
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    // Best effort: a checkpoint that cannot run now (busy) is retried after a later commit.
    // The bulk of the copying (and the database file's fsync) runs while commits go on.
    sqlite3_wal_checkpoint_v2(cdb_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // SQLite starts the WAL file over only when a write transaction begins with every frame
    // copied and no reader still on the WAL. A writer that never pauses, with reads going
    // on beside it, never gives it that moment, and the WAL grew to tens of megabytes while
    // every commit asked for another checkpoint. So the frames committed meanwhile are
    // copied with the writer held off between two batches, in RESTART mode, which also
    // waits for the readers to leave the WAL (a read takes well under a millisecond; the
    // wait is bounded by this connection's busy timeout): the next commit restarts the WAL.
    {
      std::lock_guard writer(*writer_mu_);
      sqlite3_wal_checkpoint_v2(cdb_, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    }
    lock.lock();
  }
}

}  // namespace keyward::sqlite_detail
