#include "verify/key_index.h"

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace keyward::verify {

// One shard's open-addressing table. Slots hold the digest and the entry inline; an empty
// slot has a null entry. A revoked key stays, answering REVOKED; the only removal is of a
// secret replaced twice by rotation, done by backward-shift deletion so linear probing needs
// no tombstones. Not thread-safe: the shard's lock guards it.
class SlotTable {
 public:
  struct Slot {
    crypto::Digest digest{};
    std::shared_ptr<CompiledKey> key;
  };

  explicit SlotTable(size_t capacity) : capacity_(capacity) {
    bytes_ = capacity * sizeof(Slot);
    // Tables of a few MiB and more are 2 MiB-aligned and advised as huge pages: a random
    // probe into a 10-million-key index then misses the TLB far less often.
    constexpr size_t kHuge = size_t(2) << 20;
    if (bytes_ >= 2 * kHuge) {
      bytes_ = (bytes_ + kHuge - 1) / kHuge * kHuge;
      mem_ = std::aligned_alloc(kHuge, bytes_);
      if (mem_) ::madvise(mem_, bytes_, MADV_HUGEPAGE);
    } else {
      mem_ = std::malloc(bytes_);
    }
    if (!mem_) throw std::bad_alloc();  // like any container: allocation failure is fatal
    slots_ = static_cast<Slot*>(mem_);
    for (size_t i = 0; i < capacity_; ++i) new (&slots_[i]) Slot();
  }
  ~SlotTable() {
    for (size_t i = 0; i < capacity_; ++i) slots_[i].~Slot();
    std::free(mem_);
  }
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  size_t size() const { return used_; }
  size_t bytes() const { return bytes_; }

  // The slot holding `d`, or the empty slot where it would go.
  Slot& probe(const crypto::Digest& d) const {
    size_t i = home(d);
    std::uint64_t tag;
    std::memcpy(&tag, d.data() + 16, sizeof tag);
    for (;;) {
      Slot& s = slots_[i];
      if (!s.key) return s;
      // The 8-byte filter on digest bytes the table position does not use skips the other
      // occupants of a probe run; the decision itself is the constant-time comparison of
      // the whole digest.
      std::uint64_t stored;
      std::memcpy(&stored, s.digest.data() + 16, sizeof stored);
      if (stored == tag && crypto::constantTimeEqual(s.digest, d)) return s;
      if (++i == capacity_) i = 0;
    }
  }

  // Keeps the load at most 4/5 so probe runs stay short, also for keys that are absent.
  bool full() const { return (used_ + 1) * 5 > capacity_ * 4; }

  void insertNew(Slot& s, const crypto::Digest& d, std::shared_ptr<CompiledKey> key) {
    s.digest = d;
    s.key = std::move(key);
    ++used_;
  }

  // Empties `s` and shifts later members of its probe run back, so every remaining entry
  // stays reachable from its home slot without tombstones.
  void erase(Slot& s) {
    size_t hole = size_t(&s - slots_);
    slots_[hole].key.reset();
    --used_;
    size_t i = hole;
    for (;;) {
      if (++i == capacity_) i = 0;
      Slot& next = slots_[i];
      if (!next.key) return;
      const size_t h = home(next.digest);
      // `next` may move into the hole unless its home lies cyclically in (hole, i].
      const bool home_after_hole = hole <= i ? (h > hole && h <= i) : (h > hole || h <= i);
      if (home_after_hole) continue;
      slots_[hole].digest = next.digest;
      slots_[hole].key = std::move(next.key);
      hole = i;
    }
  }

  // Moves every entry into `bigger`.
  void moveTo(SlotTable& bigger) {
    for (size_t i = 0; i < capacity_; ++i) {
      Slot& s = slots_[i];
      if (s.key) bigger.insertNew(bigger.probe(s.digest), s.digest, std::move(s.key));
    }
  }

  size_t capacity() const { return capacity_; }

 private:
  // Multiply-shift maps the digest's first 8 bytes (uniform: SHA-256 output) onto any
  // capacity, so tables can grow by 1.5x rather than 2x and waste less memory.
  size_t home(const crypto::Digest& d) const {
    std::uint64_t h;
    std::memcpy(&h, d.data(), sizeof h);
    __extension__ using U128 = unsigned __int128;  // GCC/Clang; -Wpedantic knows no 128-bit type
    return size_t((U128(h) * capacity_) >> 64);
  }

  size_t capacity_;
  size_t used_ = 0;
  size_t bytes_ = 0;
  void* mem_ = nullptr;
  Slot* slots_ = nullptr;
};

namespace {

// Replaces `table` by one of `capacity` slots holding the same entries.
void growTable(std::unique_ptr<SlotTable>& table, size_t capacity) {
  auto bigger = std::make_unique<SlotTable>(capacity);
  table->moveTo(*bigger);
  table = std::move(bigger);
}

}  // namespace

KeyIndex::KeyIndex() {
  for (auto& s : shards_) s.table = std::make_unique<SlotTable>(16);
}

KeyIndex::~KeyIndex() = default;

// Called with the shard's exclusive lock held.
void KeyIndex::replace(std::shared_ptr<CompiledKey>& in_slot, std::shared_ptr<CompiledKey> key) {
  const auto& old = in_slot;
  key->last_used.store(old->last_used.load(std::memory_order_relaxed), std::memory_order_relaxed);
  if (old->last_used_dirty.load(std::memory_order_relaxed)) {
    // The old entry is queued for flushing; queue the replacement so its value is flushed.
    // Lock order is always shard -> dirty list, never the reverse.
    key->last_used_dirty.store(true, std::memory_order_relaxed);
    queueDirty(key);
  }
  in_slot = std::move(key);
}

void KeyIndex::upsert(const crypto::Digest& digest, std::shared_ptr<CompiledKey> key) {
  Shard& shard = shards_[shardOf(digest)];
  std::unique_lock lock(shard.mu);
  SlotTable::Slot* slot = &shard.table->probe(digest);
  if (slot->key) {
    replace(slot->key, std::move(key));
    return;
  }
  if (shard.table->full()) {
    growTable(shard.table, shard.table->capacity() * 3 / 2 + 16);
    slot = &shard.table->probe(digest);
  }
  shard.table->insertNew(*slot, digest, std::move(key));
}

void KeyIndex::upsertAll(std::vector<Entry> entries) {
  // Count each shard's share, then give every table room for all of it (plus what it holds)
  // at most 4/5 full, so the load never grows a table.
  std::array<size_t, kShards> share{};
  for (const auto& e : entries) ++share[shardOf(e.digest)];
  for (size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    std::unique_lock lock(shard.mu);
    const size_t want = shard.table->size() + share[i];
    const size_t capacity = want * 5 / 4 + 16;
    if (shard.table->capacity() < capacity) growTable(shard.table, capacity);
  }
  // Per shard, under its lock taken once: the table is already large enough.
  std::array<std::vector<Entry*>, kShards> by_shard;
  for (size_t i = 0; i < kShards; ++i) by_shard[i].reserve(share[i]);
  for (auto& e : entries) by_shard[shardOf(e.digest)].push_back(&e);
  for (size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    std::unique_lock lock(shard.mu);
    for (Entry* e : by_shard[i]) {
      SlotTable::Slot& slot = shard.table->probe(e->digest);
      if (slot.key) {
        replace(slot.key, std::move(e->key));
      } else {
        shard.table->insertNew(slot, e->digest, std::move(e->key));
      }
    }
  }
}

void KeyIndex::erase(const crypto::Digest& digest) {
  Shard& shard = shards_[shardOf(digest)];
  std::unique_lock lock(shard.mu);
  SlotTable::Slot& slot = shard.table->probe(digest);
  if (slot.key) shard.table->erase(slot);
}

KeyPtr KeyIndex::find(const crypto::Digest& digest) const {
  const Shard& shard = shards_[shardOf(digest)];
  std::shared_lock lock(shard.mu);
  const auto& key = shard.table->probe(digest).key;
  if (const CompiledKey* k = key.get()) {
    // Ask for every cache line a verification reads (the control block before the entry, the
    // hot fields up to `credential`) before copying the shared_ptr: the copy's locked
    // increment orders later loads behind it, so without this the entry's second line would
    // be a second, serial DRAM miss.
    const char* p = reinterpret_cast<const char*>(k);
    __builtin_prefetch(p - 16);
    __builtin_prefetch(p + 48);
    __builtin_prefetch(p + offsetof(CompiledKey, credential) + sizeof(k->credential) - 1);
  }
  return key;
}

size_t KeyIndex::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::shared_lock lock(s.mu);
    n += s.table->size();
  }
  return n;
}

size_t KeyIndex::tableBytes() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::shared_lock lock(s.mu);
    n += s.table->bytes();
  }
  return n;
}

void KeyIndex::queueDirty(KeyPtr key) {
  auto& list = dirty_[(reinterpret_cast<std::uintptr_t>(key.get()) >> 8) % kDirtyLists];
  std::lock_guard lock(list.mu);
  list.keys.push_back(std::move(key));
}

void KeyIndex::touch(const KeyPtr& key, UnixSeconds now) {
  const UnixSeconds before = key->last_used.load(std::memory_order_relaxed);
  if (before < now) {
    key->last_used.store(now, std::memory_order_relaxed);
  }
  // The store hears of a key's use once per period of last_use_resolution_, not once per
  // flush: each write of a last use rewrites a random page of the keys table (a 4 KiB WAL
  // frame, later a checkpoint copy), and at 50,000 verifications/s over 18,000 keys the
  // per-flush writes cost 10% of the core and most of the p99 (docs/benchmarks.md). The
  // in-memory value stays exact, and reads on this node show it. Each key's periods are
  // shifted by a phase from its address, so the keys of a busy minute do not all come due
  // in the same flush.
  if (before != 0) {
    const UnixSeconds period = last_use_resolution_;
    const auto phase = UnixSeconds((reinterpret_cast<std::uintptr_t>(key.get()) >> 6) % std::uintptr_t(period));
    if ((before + phase) / period == (now + phase) / period) return;
  }
  // Load first so the common case (already queued) does not write the cache line.
  if (!key->last_used_dirty.load(std::memory_order_relaxed) &&
      !key->last_used_dirty.exchange(true, std::memory_order_acq_rel)) {
    queueDirty(key);
  }
}

}  // namespace keyward::verify
