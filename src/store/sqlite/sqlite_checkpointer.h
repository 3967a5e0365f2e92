// sqlite_checkpointer.h — WAL checkpoints on a connection and thread of their own, off the
// request path. Internal: not for use outside src/store/sqlite/.
// Why: SQLite's automatic checkpoint runs inside the COMMIT that crosses wal_autocheckpoint
// pages, so one key creation in every hundred or so paid for copying a thousand pages to the
// database file and its fsync. The writer's WAL hook only signals this thread; the checkpoint
// is PASSIVE, so commits go on while it copies. Durability is unchanged: a commit is durable
// once its WAL frames are synced (synchronous=FULL), whatever the checkpoint does.
// Thread safety: start() and stop() from the owning store's thread; the WAL hook runs on
// the writer under the store's write mutex, which the checkpoint thread also takes.
// Ownership: owns the checkpoint connection and the thread; borrows the writer and its
// mutex, which must outlive stop().
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"

namespace keyward::sqlite_detail {

class Checkpointer {
 public:
  Checkpointer() = default;
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer() { stop(); }

  // Opens the checkpoint connection to `path`, replaces the writer's automatic checkpoint
  // with this one (its WAL hook) and starts the thread.
  Status start(const std::string& path, sqlite3* writer, std::mutex& writer_mu);
  // Joins the thread and closes the connection; idempotent.
  void stop();

 private:
  static constexpr int kCheckpointPages = 1000;         // SQLite's own default threshold
  static constexpr int kInlineCheckpointPages = 50000;  // ~200 MB: back-pressure if we fall behind

  static int walHook(void* self, sqlite3* conn, const char*, int pages);
  void loop();

  sqlite3* cdb_ = nullptr;
  std::mutex* writer_mu_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // under mu_
  bool stop_ = false;    // under mu_
};

}  // namespace keyward::sqlite_detail
