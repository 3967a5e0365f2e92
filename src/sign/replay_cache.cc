#include "sign/replay_cache.h"

#include <algorithm>
#include <cstring>

namespace keyward::sign {

std::size_t ReplayCache::DigestHash::operator()(const crypto::Digest& d) const noexcept {
  // The ids are SHA-256 outputs: any 8 of their bytes are already uniformly distributed.
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

ReplayCache::ReplayCache(std::size_t max_entries, std::size_t shards) {
  shards = std::max<std::size_t>(1, shards);
  per_shard_ = std::max<std::size_t>(1, max_entries / shards);
  shards_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

ReplayCache::Shard& ReplayCache::shardFor(const crypto::Digest& id) {
  // Different bytes from the hash above so that a shard's map still spreads well.
  return *shards_[id[31] % shards_.size()];
}

void ReplayCache::evictExpired(Shard& shard, UnixSeconds now) {
  while (!shard.by_expiry.empty() && shard.by_expiry.begin()->first < now) {
    shard.expiry_of.erase(shard.by_expiry.begin()->second);
    shard.by_expiry.erase(shard.by_expiry.begin());
  }
}

ReplayCache::Outcome ReplayCache::checkAndRemember(const crypto::Digest& id, UnixSeconds expires_at, UnixSeconds now) {
  Shard& shard = shardFor(id);
  std::lock_guard lock(shard.mu);
  evictExpired(shard, now);
  if (shard.expiry_of.contains(id)) return Outcome::kReplayed;
  if (shard.expiry_of.size() >= per_shard_) return Outcome::kFull;
  shard.expiry_of.emplace(id, expires_at);
  shard.by_expiry.emplace(expires_at, id);
  return Outcome::kFresh;
}

std::size_t ReplayCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->expiry_of.size();
  }
  return n;
}

}  // namespace keyward::sign
