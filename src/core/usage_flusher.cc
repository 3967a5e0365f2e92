#include "core/usage_flusher.h"

#include "common/background.h"

namespace keyward {

void UsageFlusher::start() {
  thread_ = std::thread([this] {
    runAsBackgroundThread();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
      lock.unlock();
      (void)flushNow();  // a failed flush keeps nothing back: counters are advisory
      lock.lock();
    }
  });
}

void UsageFlusher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)flushNow();
}

Status UsageFlusher::flushNow() {
  std::lock_guard lock(flush_mu_);
  std::vector<std::pair<std::string, UnixSeconds>> uses;
  index_.drainDirty([&](const verify::CompiledKey& k) {
    uses.emplace_back(k.id, k.last_used.load(std::memory_order_relaxed));
  });
  std::vector<VerifyFailureCount> failures;
  for (auto& f : verifier_.drainFailures()) {
    // Failures of unknown or malformed keys belong to no tenant; the platform operator (the
    // system tenant) sees them, so scanning and guessing show up somewhere.
    std::string tenant = f.tenant_id.empty() ? std::string(kSystemTenantId) : std::move(f.tenant_id);
    failures.push_back({std::move(tenant), std::move(f.key_id), std::string(verify::toString(f.code)), f.count,
                        f.last_at});
  }
  auto st = store_.recordLastUsed(uses);
  auto st2 = store_.addVerifyFailures(failures);
  if (!st) return st;
  return st2;
}

}  // namespace keyward
