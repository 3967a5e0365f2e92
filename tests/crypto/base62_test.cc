// Unit tests for fixed-width base62 encoding (src/crypto/base62.h).
#include "crypto/base62.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace keyward::crypto {
namespace {

TEST(Base62, EncodesIntegersPaddedToWidth) {
  EXPECT_EQ(base62EncodeFixed(std::uint64_t(0), 6), "000000");
  EXPECT_EQ(base62EncodeFixed(std::uint64_t(1), 6), "000001");
  EXPECT_EQ(base62EncodeFixed(std::uint64_t(61), 6), "00000z");
  EXPECT_EQ(base62EncodeFixed(std::uint64_t(62), 6), "000010");
  EXPECT_EQ(base62EncodeFixed(std::uint64_t(3843), 3), "0zz");  // 62^2 - 1
  EXPECT_EQ(base62EncodeFixed(std::uint64_t(0xffffffff), 6), "4gfFC3");
}

TEST(Base62, EncodesBytesAsABigEndianNumber) {
  const std::array<std::uint8_t, 2> one{0x00, 0x01};
  EXPECT_EQ(base62EncodeFixed(one, 4), "0001");
  const std::array<std::uint8_t, 2> x{0x01, 0x00};  // 256 = 4*62 + 8
  EXPECT_EQ(base62EncodeFixed(x, 4), "0048");
  const std::array<std::uint8_t, 4> max32{0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(base62EncodeFixed(max32, 6), base62EncodeFixed(std::uint64_t(0xffffffff), 6));
}

TEST(Base62, OutputHasTheRequestedWidthWhateverTheValue) {
  std::array<std::uint8_t, 32> zero{};
  std::array<std::uint8_t, 32> max{};
  max.fill(0xff);
  const std::string z = base62EncodeFixed(zero, 43);
  const std::string m = base62EncodeFixed(max, 43);
  EXPECT_EQ(z, std::string(43, '0'));
  EXPECT_EQ(m.size(), 43u);
  EXPECT_NE(m[0], '0');  // 2^256-1 needs all 43 digits
  for (char c : m) EXPECT_TRUE(isBase62(c));
}

TEST(Base62, DistinctInputsGiveDistinctOutputs) {
  std::array<std::uint8_t, 32> a{}, b{};
  a[31] = 1;
  b[0] = 1;
  EXPECT_NE(base62EncodeFixed(a, 43), base62EncodeFixed(b, 43));
}

TEST(Base62, AlphabetMembership) {
  for (char c : kBase62Alphabet) EXPECT_TRUE(isBase62(c));
  EXPECT_EQ(kBase62Alphabet.size(), 62u);
  for (char c : {'_', '-', '+', '/', '=', ' ', '\0'}) EXPECT_FALSE(isBase62(c));
}

}  // namespace
}  // namespace keyward::crypto
