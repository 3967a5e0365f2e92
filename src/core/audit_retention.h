// audit_retention.h — removes audit events older than the retention period, once at start
// and then once a day, keeping every tenant's hash chain verifiable (Store::pruneAudit).
// Thread safety: start()/stop() from one thread. Ownership: borrows the audit log and
// clock; owns its background thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "core/audit_log.h"

namespace keyward {

class AuditRetention {
 public:
  // Told the outcome of every background pass (the composition root logs it).
  using Report = std::function<void(const Result<std::int64_t>&)>;

  // `days` = 0 keeps events forever.
  AuditRetention(const AuditLog& audit, const Clock& clock, int days, Report report = {},
                 std::chrono::milliseconds interval = std::chrono::hours(24))
      : audit_(audit), clock_(clock), days_(days), report_(std::move(report)), interval_(interval) {}
  ~AuditRetention() { stop(); }

  void start();
  void stop();
  // One pass: removes what is older than `days` now; returns how many events went.
  Result<std::int64_t> runOnce();

 private:
  const AuditLog& audit_;
  const Clock& clock_;
  int days_;
  Report report_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace keyward
