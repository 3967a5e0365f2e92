// alert_scheduler.h — the expiry-alert job: on every run it takes (or renews) the store lease
// "expiry-alerts" so that one node of a cluster leads, plans today's alerts for keys inside
// their tenant's alert window (in-app notifications, e-mail and webhook deliveries written
// with INSERT OR IGNORE: the store is the arbiter of exactly-once), then sends the due
// deliveries, recording every attempt. See docs/architecture.md "Expiry alerts".
// Thread safety: runOnce() may be called from any thread, but not concurrently with itself
// on one instance; start()/stop() from one thread. Ownership: borrows the store, clock,
// mailer, poster and secrets (the composition root keeps them alive longer); owns its thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "notify/mailer.h"
#include "notify/webhook.h"
#include "store/store.h"

namespace keyward::notify {

inline constexpr std::string_view kAlertLease = "expiry-alerts";

struct SchedulerOptions {
  std::string holder;  // this node's lease holder id (unique per process)
  std::chrono::seconds interval{300};
  UnixSeconds lease_ttl = 0;  // 0: three intervals (at least 30 s)
  int max_attempts = 8;
  UnixSeconds first_backoff = 30;  // then doubled per attempt ...
  UnixSeconds max_backoff = 3600;  // ... up to this
  UnixSeconds claim_ttl = 300;     // a claimed delivery whose sender died is retried after this
  int batch = 100;                 // deliveries sent per run at most
};

struct RunReport {
  bool leader = false;
  int planned = 0;  // new rows (notifications + deliveries)
  int sent = 0;
  int failed = 0;   // attempts that failed (retried later or given up)
  int skipped = 0;  // deliveries that could not be sent (no SMTP, no webhook, key changed)
};

// UTC calendar day of `t`, as days since 1970-01-01 and as "YYYY-MM-DD".
std::int64_t utcDay(UnixSeconds t);
std::string formatDay(std::int64_t day);

class AlertScheduler {
 public:
  using Report = std::function<void(const Result<RunReport>&)>;

  // `mailer` may be null: no SMTP configured, e-mails are recorded as skipped.
  AlertScheduler(Store& store, const Clock& clock, Mailer* mailer, HttpPoster& poster, const WebhookSecrets& secrets,
                 SchedulerOptions options, Report report = {});
  ~AlertScheduler() { stop(); }

  void start();
  // Stops the loop and gives the lease up so another node can lead at once.
  void stop();
  // One pass: lease, plan, deliver. A node that does not hold the lease does nothing.
  Result<RunReport> runOnce();

  // The parts of a pass, exposed for tests.
  Result<int> planAll(UnixSeconds now);
  Result<RunReport> deliverDue(UnixSeconds now);

 private:
  Result<int> planKey(const ApiKey& key, const Tenant& tenant, UnixSeconds now);
  RunReport deliverOne(const AlertDelivery& d, UnixSeconds now);
  // Whether an e-mail's recipient may still be written to (not disabled or deleted since).
  bool recipientActive(const AlertDelivery& d);
  UnixSeconds backoff(int attempts) const;

  Store& store_;
  const Clock& clock_;
  Mailer* mailer_;
  HttpPoster& poster_;
  const WebhookSecrets& secrets_;
  SchedulerOptions opt_;
  Report report_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;
};

}  // namespace keyward::notify
