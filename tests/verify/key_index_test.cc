// Unit tests for the in-memory verify index (src/verify/key_index.h): lookups, replacement,
// and the buffered last-use counters that the flusher drains.
#include "verify/key_index.h"

#include <gtest/gtest.h>

#include <map>

#include "verify_fixture.h"

namespace keyward::verify {
namespace {

using testing::compiled;
using testing::kStart;

std::map<std::string, UnixSeconds> drain(KeyIndex& index) {
  std::map<std::string, UnixSeconds> out;
  index.drainDirty([&](const CompiledKey& k) {
    auto& slot = out[k.id];
    slot = std::max(slot, k.last_used.load());
  });
  return out;
}

TEST(KeyIndex, FindsByDigestOnly) {
  KeyIndex index;
  const auto d1 = crypto::sha256("one"), d2 = crypto::sha256("two");
  index.upsert(d1, compiled("key_1"));
  ASSERT_TRUE(index.find(d1));
  EXPECT_EQ(index.find(d1)->id, "key_1");
  EXPECT_FALSE(index.find(d2));
  EXPECT_EQ(index.size(), 1u);
}

TEST(KeyIndex, UpsertReplacesTheEntryForADigest) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  auto replacement = compiled("key_1");
  replacement->enabled = false;
  index.upsert(d, replacement);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_FALSE(index.find(d)->enabled);
}

TEST(KeyIndex, EntryHandedOutStaysValidAfterReplacement) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  KeyPtr held = index.find(d);
  auto replacement = compiled("key_1");
  replacement->name = "renamed";
  index.upsert(d, replacement);
  EXPECT_EQ(held->name, "key_1-name");  // the in-flight request keeps its snapshot
  EXPECT_EQ(index.find(d)->name, "renamed");
}

TEST(KeyIndex, ManyKeysAcrossShards) {
  KeyIndex index;
  for (int i = 0; i < 1000; ++i) index.upsert(crypto::sha256(std::to_string(i)), compiled("key_" + std::to_string(i)));
  EXPECT_EQ(index.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    auto k = index.find(crypto::sha256(std::to_string(i)));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->id, "key_" + std::to_string(i));
  }
}

TEST(KeyIndex, ErasedEntryIsGoneAndEveryOtherStaysReachable) {
  // Enough keys that probe runs form in every shard, so the backward shift of an erase
  // moves entries; every survivor must still be found, every erased one not.
  KeyIndex index;
  constexpr int kKeys = 20000;
  for (int i = 0; i < kKeys; ++i) index.upsert(crypto::sha256(std::to_string(i)), compiled("key_" + std::to_string(i)));
  for (int i = 0; i < kKeys; i += 3) index.erase(crypto::sha256(std::to_string(i)));
  index.erase(crypto::sha256("never inserted"));  // a no-op
  EXPECT_EQ(index.size(), size_t(kKeys - (kKeys + 2) / 3));
  for (int i = 0; i < kKeys; ++i) {
    auto k = index.find(crypto::sha256(std::to_string(i)));
    if (i % 3 == 0) {
      EXPECT_FALSE(k) << i;
    } else {
      ASSERT_TRUE(k) << i;
      EXPECT_EQ(k->id, "key_" + std::to_string(i));
    }
  }
  // Erased digests can be inserted again.
  index.upsert(crypto::sha256("0"), compiled("key_again"));
  EXPECT_EQ(index.find(crypto::sha256("0"))->id, "key_again");
}

TEST(KeyIndex, TouchKeepsTheLatestUse) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  KeyPtr k = index.find(d);
  index.touch(k, kStart + 10);
  index.touch(k, kStart + 5);  // a request that read the clock earlier finishes later
  EXPECT_EQ(k->last_used.load(), kStart + 10);
  auto drained = drain(index);
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained["key_1"], kStart + 10);
}

TEST(KeyIndex, RepeatedTouchesQueueTheKeyOnce) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  KeyPtr k = index.find(d);
  for (int i = 0; i < 100; ++i) index.touch(k, kStart + i);
  int calls = 0;
  index.drainDirty([&](const CompiledKey&) { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(k->last_used_dirty.load());
}

TEST(KeyIndex, ReplacingAKeyKeepsItsPendingLastUse) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  index.touch(index.find(d), kStart + 42);
  // An edit (e.g. a new description) replaces the entry before the flusher ran.
  index.upsert(d, compiled("key_1"));
  EXPECT_EQ(index.find(d)->last_used.load(), kStart + 42);
  auto drained = drain(index);
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained["key_1"], kStart + 42);
}

TEST(KeyIndex, ReplacementOfAFlushedKeyKeepsLastUseButQueuesNothing) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  index.touch(index.find(d), kStart + 7);
  ASSERT_EQ(drain(index).size(), 1u);
  index.upsert(d, compiled("key_1"));
  EXPECT_EQ(index.find(d)->last_used.load(), kStart + 7);  // GET still shows the last use
  EXPECT_TRUE(drain(index).empty());
}

TEST(KeyIndex, UseAfterReplacementIsQueuedForTheNewEntry) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  index.touch(index.find(d), kStart + 1);
  index.upsert(d, compiled("key_1"));
  index.touch(index.find(d), kStart + 2);
  auto drained = drain(index);
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained["key_1"], kStart + 2);
  // The next period's use reaches the store through the new entry.
  index.touch(index.find(d), kStart + 2 + KeyIndex::kDefaultLastUseResolution);
  drained = drain(index);
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained["key_1"], kStart + 2 + KeyIndex::kDefaultLastUseResolution);
}

TEST(KeyIndex, AShorterLastUseResolutionStoresUsesMoreOften) {
  KeyIndex index;
  index.setLastUseResolution(10);
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  index.touch(index.find(d), kStart);
  EXPECT_EQ(drain(index).size(), 1u);  // the first use, at once
  // Within 20 s, the key comes due once or twice (its period is shifted by a phase), never
  // more often than every 10 s, and never zero times.
  int queued = 0;
  for (UnixSeconds t = kStart + 1; t <= kStart + 20; ++t) {
    index.touch(index.find(d), t);
    queued += int(drain(index).size());
  }
  EXPECT_GE(queued, 1);
  EXPECT_LE(queued, 2);
  EXPECT_EQ(index.lastUseResolution(), 10);
}

}  // namespace
}  // namespace keyward::verify

namespace keyward::verify {
namespace {

// The start-up load (AccessIndex::loadAll) inserts every key at once.
TEST(KeyIndexBulkLoad, FindsEveryLoadedKeyAndKeepsTheLastEntryOfADigest) {
  KeyIndex index;
  index.upsert(crypto::sha256("already"), compiled("key_already"));
  std::vector<KeyIndex::Entry> entries;
  for (int i = 0; i < 5000; ++i)
    entries.push_back({crypto::sha256(std::to_string(i)), compiled("key_" + std::to_string(i))});
  entries.push_back({crypto::sha256("7"), compiled("key_7_again")});
  index.upsertAll(std::move(entries));
  EXPECT_EQ(index.size(), 5001u);
  for (int i = 0; i < 5000; ++i) {
    auto k = index.find(crypto::sha256(std::to_string(i)));
    ASSERT_TRUE(k) << i;
    EXPECT_EQ(k->id, i == 7 ? "key_7_again" : "key_" + std::to_string(i));
  }
  EXPECT_EQ(index.find(crypto::sha256("already"))->id, "key_already");
}

TEST(KeyIndexBulkLoad, SizesTablesForTheLoadSoTheyStayCompact) {
  KeyIndex index;
  std::vector<KeyIndex::Entry> entries;
  constexpr size_t kKeys = 20000;
  for (size_t i = 0; i < kKeys; ++i) entries.push_back({crypto::sha256(std::to_string(i)), compiled("k")});
  index.upsertAll(std::move(entries));
  // At most 4/5 full after the load, and not much emptier (a 48-byte slot per 4/5 key plus
  // 16 spare slots per shard), which is what keeps the memory per key low.
  EXPECT_LE(index.tableBytes(), kKeys * 48 * 5 / 4 + 64 * 16 * 48 + 64 * 48);
  // Growing afterwards still works.
  index.upsert(crypto::sha256("later"), compiled("later"));
  EXPECT_EQ(index.find(crypto::sha256("later"))->id, "later");
}

TEST(KeyIndexBulkLoad, ReplacingAKeyCarriesItsPendingLastUseOver) {
  KeyIndex index;
  const auto d = crypto::sha256("one");
  index.upsert(d, compiled("key_1"));
  index.touch(index.find(d), kStart + 5);
  std::vector<KeyIndex::Entry> entries;
  entries.push_back({d, compiled("key_1")});
  index.upsertAll(std::move(entries));
  EXPECT_EQ(index.find(d)->last_used.load(), kStart + 5);
  EXPECT_EQ(drain(index)["key_1"], kStart + 5);
}

}  // namespace
}  // namespace keyward::verify
