// key_index.h — the in-memory index the verify hot path answers from: digest -> compiled key.
// Thread safety: all methods are safe from any thread. Lookups take a shared lock on one of
// 64 shards (chosen by digest bytes), so readers on different cores rarely touch the same
// lock; writers (the management path, after each commit) take that shard's exclusive lock.
// Ownership: the index owns compiled entries through shared_ptr; a lookup hands out a
// shared_ptr so an entry replaced mid-request stays valid for that request.
#pragma once

#include <array>
#include <atomic>
#include <cstring>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "crypto/digest.h"
#include "verify/permissions.h"

namespace keyward::verify {

// Who a key acts for and what it may do, compiled from its roles, its owner's current roles
// and the role definitions. Shared by keys with the same roles and owner; replaced (never
// mutated) when any of those change.
struct KeyAccess {
  std::string owner_kind;  // "user" | "service_user"; "" when the key has no owner
  std::string owner_id;
  bool owner_disabled = false;
  std::shared_ptr<const PermissionSet> permissions;  // the key's roles ∩ its owner's permissions
  std::string roles_json;        // the key's role assignments, pre-rendered for verify replies
  std::string permissions_json;  // the effective permissions, pre-rendered likewise
};

// Everything verification needs about one key, precompiled so the hot path does no parsing.
struct CompiledKey {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string group_id;  // "" when the key is in no group
  UnixSeconds expires_at = kNever;
  bool enabled = true;
  bool revoked = false;
  std::vector<Cidr> ip_allowlist;  // empty: any address
  std::string metadata_json = "{}";
  std::shared_ptr<const KeyAccess> access;  // null: no owner and no roles

  // Hot-path counters, buffered here and flushed to the store in batches.
  mutable std::atomic<UnixSeconds> last_used{0};
  mutable std::atomic<bool> last_used_dirty{false};
};

using KeyPtr = std::shared_ptr<const CompiledKey>;

struct DigestHash {
  size_t operator()(const crypto::Digest& d) const noexcept {
    size_t h;
    static_assert(sizeof h <= sizeof d);
    std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 output is already uniformly distributed
    return h;
  }
};

// Digest equality in constant time (CRYPTO_memcmp), so lookup timing reveals nothing about
// how close a presented key's digest came to a stored one.
struct DigestEqual {
  bool operator()(const crypto::Digest& a, const crypto::Digest& b) const noexcept {
    return crypto::constantTimeEqual(a, b);
  }
};

class KeyIndex {
 public:
  // Inserts or replaces the entry for `digest`. Buffered usage
  // counters carry over to the replacement so an edit does not lose a pending last-use.
  void upsert(const crypto::Digest& digest, std::shared_ptr<CompiledKey> key);

  KeyPtr find(const crypto::Digest& digest) const;
  size_t size() const;

  // Calls fn(key) for each key whose last use has not been flushed yet, clearing the mark.
  template <class Fn>
  void drainDirty(Fn&& fn) {
    std::vector<KeyPtr> dirty;
    {
      std::lock_guard lock(dirty_mu_);
      dirty.swap(dirty_);
    }
    for (auto& k : dirty) {
      k->last_used_dirty.store(false, std::memory_order_relaxed);
      fn(*k);
    }
  }

  // Marks a key used at `now`; cheap when called repeatedly for the same key.
  void touch(const KeyPtr& key, UnixSeconds now);

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<crypto::Digest, std::shared_ptr<CompiledKey>, DigestHash, DigestEqual> by_digest;
  };
  static size_t shardOf(const crypto::Digest& d) { return d[8] % kShards; }

  std::array<Shard, kShards> shards_;
  std::mutex dirty_mu_;
  std::vector<KeyPtr> dirty_;
};

}  // namespace keyward::verify
