#include "verify/key_index.h"

namespace keyward::verify {

void KeyIndex::upsert(const crypto::Digest& digest, std::shared_ptr<CompiledKey> key) {
  Shard& shard = shards_[shardOf(digest)];
  std::unique_lock lock(shard.mu);
  auto& slot = shard.by_digest[digest];
  if (slot) {
    key->last_used.store(slot->last_used.load(std::memory_order_relaxed), std::memory_order_relaxed);
    if (slot->last_used_dirty.load(std::memory_order_relaxed)) {
      // The old entry is queued for flushing; queue the replacement so its value is flushed.
      // Lock order is always shard -> dirty_mu_, never the reverse.
      std::lock_guard dl(dirty_mu_);
      key->last_used_dirty.store(true, std::memory_order_relaxed);
      dirty_.push_back(key);
    }
  }
  slot = std::move(key);
}

KeyPtr KeyIndex::find(const crypto::Digest& digest) const {
  const Shard& shard = shards_[shardOf(digest)];
  std::shared_lock lock(shard.mu);
  auto it = shard.by_digest.find(digest);
  if (it == shard.by_digest.end()) return nullptr;
  return it->second;
}

size_t KeyIndex::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::shared_lock lock(s.mu);
    n += s.by_digest.size();
  }
  return n;
}

void KeyIndex::touch(const KeyPtr& key, UnixSeconds now) {
  if (key->last_used.load(std::memory_order_relaxed) < now) {
    key->last_used.store(now, std::memory_order_relaxed);
  }
  // Load first so the common case (already queued) does not write the cache line.
  if (!key->last_used_dirty.load(std::memory_order_relaxed) &&
      !key->last_used_dirty.exchange(true, std::memory_order_acq_rel)) {
    std::lock_guard lock(dirty_mu_);
    dirty_.push_back(key);
  }
}

}  // namespace keyward::verify
