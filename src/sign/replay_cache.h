// replay_cache.h — remembers which signed requests were already accepted, so a captured
// request cannot be sent again while its `created` time is still inside the window.
// Thread safety: every member function is safe from any thread. The entries are spread over
// shards, each with its own mutex, so concurrent verifications rarely wait on each other.
// Ownership: owns its entries; callers pass ids by value.
//
// Bounded memory: at most `max_entries` ids (split evenly over the shards); each entry
// lives only until its expiry (created + window), and expired entries are evicted on every
// insert into that shard. When a shard is full of unexpired entries the cache refuses the
// new request (kFull) instead of forgetting an entry early: forgetting would reopen the
// door to exactly the replay this cache exists to stop. Sizing: an entry costs ~150 bytes,
// so the default (1,000,000) is ~150 MB at worst and fits 3,300 signed requests per second
// for a 300 s window.
//
// The cache is per process. Several keyward nodes behind a load balancer each keep their
// own, so a replay sent to a different node within the window is not caught here (see
// docs/architecture.md).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "crypto/digest.h"

namespace keyward::sign {

class ReplayCache {
 public:
  enum class Outcome { kFresh, kReplayed, kFull };

  static constexpr std::size_t kDefaultMaxEntries = 1'000'000;
  static constexpr std::size_t kDefaultShards = 16;

  explicit ReplayCache(std::size_t max_entries = kDefaultMaxEntries, std::size_t shards = kDefaultShards);

  // Records `id` until `expires_at` (inclusive) and answers kFresh, or kReplayed when `id`
  // is already recorded and not expired at `now`, or kFull (see above).
  Outcome checkAndRemember(const crypto::Digest& id, UnixSeconds expires_at, UnixSeconds now);

  std::size_t size() const;

 private:
  struct DigestHash {
    std::size_t operator()(const crypto::Digest& d) const noexcept;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<crypto::Digest, UnixSeconds, DigestHash> expiry_of;
    std::set<std::pair<UnixSeconds, crypto::Digest>> by_expiry;  // oldest first, for eviction
  };

  Shard& shardFor(const crypto::Digest& id);
  static void evictExpired(Shard& shard, UnixSeconds now);

  std::size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace keyward::sign
