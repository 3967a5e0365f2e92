// Unit tests for the bounded, sharded replay cache (src/sign/replay_cache.h).
#include "sign/replay_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace keyward::sign {
namespace {

using Outcome = ReplayCache::Outcome;

crypto::Digest id(int n) { return crypto::sha256("id-" + std::to_string(n)); }

TEST(ReplayCache, SecondUseIsAReplay) {
  ReplayCache cache;
  EXPECT_EQ(cache.checkAndRemember(id(1), 1300, 1000), Outcome::kFresh);
  EXPECT_EQ(cache.checkAndRemember(id(1), 1300, 1001), Outcome::kReplayed);
  EXPECT_EQ(cache.checkAndRemember(id(2), 1300, 1001), Outcome::kFresh);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ReplayCache, EntriesLiveUntilTheirExpiryInclusive) {
  ReplayCache cache;
  ASSERT_EQ(cache.checkAndRemember(id(1), 1300, 1000), Outcome::kFresh);
  EXPECT_EQ(cache.checkAndRemember(id(1), 1300, 1300), Outcome::kReplayed);
  // After expiry the signature itself is stale, so forgetting it is safe.
  EXPECT_EQ(cache.checkAndRemember(id(1), 1601, 1301), Outcome::kFresh);
}

TEST(ReplayCache, ExpiredEntriesAreEvicted) {
  ReplayCache cache(1000, 1);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(cache.checkAndRemember(id(i), 1000 + i, 900), Outcome::kFresh);
  EXPECT_EQ(cache.size(), 100u);
  EXPECT_EQ(cache.checkAndRemember(id(1000), 2000, 1050), Outcome::kFresh);
  EXPECT_EQ(cache.size(), 51u);  // expiries 1000..1049 evicted; 1050..1099 and the new one remain
}

TEST(ReplayCache, AFullShardRefusesInsteadOfForgetting) {
  ReplayCache cache(2, 1);
  EXPECT_EQ(cache.checkAndRemember(id(1), 2000, 1000), Outcome::kFresh);
  EXPECT_EQ(cache.checkAndRemember(id(2), 2000, 1000), Outcome::kFresh);
  EXPECT_EQ(cache.checkAndRemember(id(3), 2000, 1000), Outcome::kFull);
  EXPECT_EQ(cache.checkAndRemember(id(1), 2000, 1000), Outcome::kReplayed);  // still remembered
  EXPECT_EQ(cache.checkAndRemember(id(3), 3000, 2001), Outcome::kFresh);     // room after expiry
}

TEST(ReplayCache, ConcurrentUsesOfOneIdAcceptExactlyOne) {
  ReplayCache cache;
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> fresh{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        if (cache.checkAndRemember(id(round), 5000, 1000) == Outcome::kFresh) ++fresh;
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(fresh.load(), 1) << "round " << round;
  }
}

TEST(ReplayCache, ConcurrentDistinctIdsAreAllAccepted) {
  ReplayCache cache;
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        if (cache.checkAndRemember(id(t * 1000 + i), 5000, 1000) == Outcome::kFresh) ++fresh;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(fresh.load(), 4000);
  EXPECT_EQ(cache.size(), 4000u);
}

}  // namespace
}  // namespace keyward::sign
