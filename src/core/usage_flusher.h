// usage_flusher.h — moves the hot path's buffered counters (last use per key, failed
// verifications per key and reason) to the store in batches.
// Thread safety: start()/stop() from one thread; flushNow() from any thread.
// Ownership: borrows the store, index and verifier; owns its background thread.
// Bound on loss: a crash loses at most the counters of the last `interval` (default 5 s);
// a clean shutdown (SIGINT/SIGTERM) flushes everything.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/result.h"
#include "store/store.h"
#include "verify/key_index.h"
#include "verify/verifier.h"

namespace keyward {

class UsageFlusher {
 public:
  UsageFlusher(Store& store, verify::KeyIndex& index, verify::Verifier& verifier, std::chrono::milliseconds interval)
      : store_(store), index_(index), verifier_(verifier), interval_(interval) {}
  ~UsageFlusher() { stop(); }

  void start();
  void stop();  // flushes one last time
  Status flushNow();

 private:
  Store& store_;
  verify::KeyIndex& index_;
  verify::Verifier& verifier_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::mutex flush_mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace keyward
