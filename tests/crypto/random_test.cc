// Unit tests for CSPRNG bytes and object ids (src/crypto/random.h).
#include "crypto/random.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <set>
#include <thread>

#include "crypto/base62.h"

namespace keyward::crypto {
namespace {

TEST(Random, NewIdIsPrefixUnderscoreAnd22Base62Chars) {
  auto id = newId("key");
  ASSERT_TRUE(id);
  ASSERT_EQ(id->size(), 4u + 22u);
  EXPECT_EQ(id->substr(0, 4), "key_");
  for (size_t i = 4; i < id->size(); ++i) EXPECT_TRUE(isBase62((*id)[i])) << *id;
}

TEST(Random, NewIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(newId("ten").value());
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(Random, TimeOrderedIdHasTheSameFormatAndSortsByCreation) {
  auto first = newTimeOrderedId("evt");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 4u + 22u);
  EXPECT_EQ(first->substr(0, 4), "evt_");
  for (size_t i = 4; i < first->size(); ++i) EXPECT_TRUE(isBase62((*first)[i])) << *first;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto later = newTimeOrderedId("evt");
  ASSERT_TRUE(later);
  EXPECT_LT(*first, *later);
}

TEST(Random, TimeOrderedIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(newTimeOrderedId("key").value());
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(Random, RandomBytesFillsTheBuffer) {
  std::array<std::uint8_t, 64> a{}, b{};
  ASSERT_TRUE(randomBytes(a));
  ASSERT_TRUE(randomBytes(b));
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<std::uint8_t, 64>{}));
}

}  // namespace
}  // namespace keyward::crypto
