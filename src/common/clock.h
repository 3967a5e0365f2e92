// clock.h — the source of "now" for every module, injectable so tests control time.
// Thread safety: implementations are safe to call from any thread.
// Ownership: the composition root owns the clock; everyone else borrows a reference.
// Time is Unix seconds (UTC): expiry is decided to the second, as the domain requires.
#pragma once

#include <atomic>
#include <cstdint>

namespace keyward {

using UnixSeconds = std::int64_t;
inline constexpr UnixSeconds kNever = INT64_MAX;  // expiry of a never-expiring key

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixSeconds now() const override;
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixSeconds start) : now_(start) {}
  UnixSeconds now() const override { return now_.load(); }
  void set(UnixSeconds t) { now_.store(t); }
  void advance(UnixSeconds d) { now_.fetch_add(d); }

 private:
  std::atomic<UnixSeconds> now_;
};

}  // namespace keyward
