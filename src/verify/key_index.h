// key_index.h — the in-memory index the verify hot path answers from: digest -> compiled key.
// Thread safety: all methods are safe from any thread. Lookups take a shared lock on one of
// 64 shards (chosen by a digest byte), so readers on different cores rarely touch the same
// lock; writers (the management path, after each commit) take that shard's exclusive lock.
// Ownership: the index owns compiled entries through shared_ptr; a lookup hands out a
// shared_ptr so an entry replaced mid-request stays valid for that request.
//
// Layout, chosen for the hot path (docs/architecture.md, "The index"): each shard is one
// open-addressing table (linear probing) whose slots hold the digest and the shared_ptr
// inline, so a lookup reads one slot's cache line and then the compiled key, instead of a
// bucket array, a list node and the key (std::unordered_map). Large tables ask the kernel
// for transparent huge pages, which cuts the TLB misses that dominate random lookups in a
// 10-million-key index.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "crypto/digest.h"
#include "model/principal.h"
#include "verify/key_text.h"
#include "verify/permissions.h"

namespace keyward::sign {
class AsymmetricKey;
}

namespace keyward::verify {

// Who a key acts for and what it may do, compiled from its roles, its owner's current roles
// and the role definitions. Shared by keys with the same roles and owner; replaced (never
// mutated) when any of those change.
struct KeyAccess {
  // kUser | kServiceUser when the key has an owner (owner_id not empty); not read otherwise.
  PrincipalKind owner_kind = PrincipalKind::kServiceUser;
  std::string owner_id;
  bool owner_disabled = false;
  std::shared_ptr<const PermissionSet> permissions;  // the key's roles ∩ its owner's permissions
  std::string roles_json;                            // the key's role assignments, pre-rendered for verify replies
  std::string permissions_json;                      // the effective permissions, pre-rendered likewise
};

// What an advanced key proves possession with, besides its index handle.
struct KeyCredential {
  // Shared-secret mode: the public identifier the private part must be presented with
  // (HTTP Basic public:private).
  std::string public_id;
  // Key-pair mode: the public key its requests are signed with.
  std::shared_ptr<const sign::AsymmetricKey> public_key;
};

// Everything verification needs about one key, precompiled so the hot path does no parsing.
// Field order matters: what every verification reads or writes (state, expiry, counters,
// tenant, allowlist, access, credential) comes first, within the first two cache lines of the
// make_shared block (its control block is the 16 bytes before the entry), and a lookup
// prefetches both; what only a reply reads follows. The text fields use the compact types of
// key_text.h: a key id is inline, the tenant and group are interned (the hot path compares
// the tenant without following a pointer to a per-key heap string), so a simple key makes
// no heap allocation besides its entry (184 bytes; docs/benchmarks.md).
struct CompiledKey {
  // -- hot: read by every verification
  UnixSeconds expires_at = kNever;
  UnixSeconds not_before = 0;  // not valid before this instant (0: no start of validity)
  // This entry is the secret a rotation replaced (previous_secret below): it verifies (as
  // "rotating") until secret_expires_at, after that it answers ROTATED.
  UnixSeconds secret_expires_at = kNever;
  // Hot-path counters, buffered here and flushed to the store in batches.
  mutable std::atomic<UnixSeconds> last_used{0};
  SharedText tenant_id;
  bool enabled = true;
  bool revoked = false;
  bool previous_secret = false;
  mutable std::atomic<bool> last_used_dirty{false};
  std::vector<Cidr> ip_allowlist;           // empty: any address
  std::shared_ptr<const KeyAccess> access;  // null: no owner and no roles
  // Advanced keys only (null for simple and JWT keys, so they pay 16 bytes, not 48).
  std::shared_ptr<const KeyCredential> credential;
  // -- cold: read when a reply is rendered
  SmallText id;
  SmallText name;
  SharedText group_id;  // "" when the key is in no group
  CompactText metadata_json = "{}";
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

class SlotTable;

class KeyIndex {
 public:
  // Inserts or replaces the entry for `digest`. Buffered usage
  // counters carry over to the replacement so an edit does not lose a pending last-use.
  void upsert(const crypto::Digest& digest, std::shared_ptr<CompiledKey> key);

  // Start-up load: inserts all `entries` (later ones replace earlier ones with the same
  // digest, as a sequence of upserts would), sizing each shard's table for its share first,
  // so no table grows and rehashes during the load and each shard lock is taken once.
  struct Entry {
    crypto::Digest digest;
    std::shared_ptr<CompiledKey> key;
  };
  void upsertAll(std::vector<Entry> entries);

  // Removes the entry for `digest` if there is one (a secret that no longer exists: the
  // older secret of a key rotated twice).
  void erase(const crypto::Digest& digest);

  KeyPtr find(const crypto::Digest& digest) const;
  size_t size() const;
  // Heap bytes held by the slot tables (not the compiled keys), for the benchmarks.
  size_t tableBytes() const;

  KeyIndex();
  ~KeyIndex();
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

  // Calls fn(key) for each key whose last use has not been flushed yet, clearing the mark.
  template <class Fn>
  void drainDirty(Fn&& fn) {
    for (auto& list : dirty_) {
      std::vector<KeyPtr> dirty;
      {
        std::lock_guard lock(list.mu);
        dirty.swap(list.keys);
      }
      for (auto& k : dirty) {
        k->last_used_dirty.store(false, std::memory_order_relaxed);
        fn(*k);
      }
    }
  }

  // Marks a key used at `now`; cheap when called repeatedly for the same key. The key's
  // in-memory last use always advances; it is queued for the store (drainDirty) on its first
  // use and then at most once per lastUseResolution() seconds, so the stored last_used_at
  // may trail the true last use by up to that much plus a flush interval.
  void touch(const KeyPtr& key, UnixSeconds now);

  // The setting last_use_resolution. Ten minutes by default: with one minute, the writes of
  // last use (a random page of the keys table per key, each a 4 KiB WAL frame) were what
  // doubled the verify p99 on a busy core (docs/benchmarks.md). Set before the index is
  // shared between threads.
  static constexpr UnixSeconds kDefaultLastUseResolution = 600;
  void setLastUseResolution(UnixSeconds seconds) { last_use_resolution_ = seconds > 0 ? seconds : 1; }
  UnixSeconds lastUseResolution() const { return last_use_resolution_; }

 private:
  static constexpr size_t kShards = 64;
  // One cache line each, so a reader locking one shard does not bounce its neighbour's lock.
  struct alignas(64) Shard {
    mutable std::shared_mutex mu;
    std::unique_ptr<SlotTable> table;
  };
  static size_t shardOf(const crypto::Digest& d) { return d[8] % kShards; }

  // Keys used since the last flush, spread over several lists (by entry address) so that
  // verifications on different cores rarely take the same lock to queue a key.
  static constexpr size_t kDirtyLists = 16;
  struct alignas(64) DirtyList {
    std::mutex mu;
    std::vector<KeyPtr> keys;
  };
  void queueDirty(KeyPtr key);
  // Puts `key` in place of the entry in a slot, carrying its buffered last use over.
  void replace(std::shared_ptr<CompiledKey>& in_slot, std::shared_ptr<CompiledKey> key);

  std::array<Shard, kShards> shards_;
  std::array<DirtyList, kDirtyLists> dirty_;
  UnixSeconds last_use_resolution_ = kDefaultLastUseResolution;
};

}  // namespace keyward::verify
