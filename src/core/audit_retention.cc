#include "core/audit_retention.h"

#include "common/background.h"

namespace keyward {

Result<std::int64_t> AuditRetention::runOnce() {
  if (days_ <= 0) return 0;
  return audit_.prune(clock_.now() - UnixSeconds(days_) * 86400);
}

void AuditRetention::start() {
  if (days_ <= 0) return;
  thread_ = std::thread([this] {
    runAsBackgroundThread();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      auto result = runOnce();  // a failed pass is retried at the next one; nothing is lost by waiting
      if (report_) report_(result);
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

void AuditRetention::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace keyward
