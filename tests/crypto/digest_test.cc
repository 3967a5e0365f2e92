// Unit tests for SHA-256 digests and constant-time comparison (src/crypto/digest.h).
#include "crypto/digest.h"

#include <gtest/gtest.h>

#include <vector>

namespace keyward::crypto {
namespace {

TEST(Digest, Sha256OfAbcMatchesTheFipsVector) {
  EXPECT_EQ(toHex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, Sha256OfEmptyInput) {
  EXPECT_EQ(toHex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Sha256OfTwoBlockMessage) {
  EXPECT_EQ(toHex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Digest, ToHexIsLowercaseTwoCharsPerByte) {
  const std::vector<std::uint8_t> bytes{0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(toHex(bytes), "000fa0ff");
  EXPECT_EQ(toHex(std::vector<std::uint8_t>{}), "");
}

TEST(Digest, ConstantTimeEqualComparesContent) {
  const Digest a = sha256("a"), a2 = sha256("a"), b = sha256("b");
  EXPECT_TRUE(constantTimeEqual(a, a2));
  EXPECT_FALSE(constantTimeEqual(a, b));
  Digest last = a;
  last[31] ^= 1;
  EXPECT_FALSE(constantTimeEqual(a, last));
  Digest first = a;
  first[0] ^= 0x80;
  EXPECT_FALSE(constantTimeEqual(a, first));
}

TEST(Digest, ConstantTimeEqualRejectsDifferentLengths) {
  const std::vector<std::uint8_t> x{1, 2, 3}, prefix{1, 2}, empty{};
  EXPECT_FALSE(constantTimeEqual(x, prefix));
  EXPECT_FALSE(constantTimeEqual(prefix, x));
  EXPECT_TRUE(constantTimeEqual(empty, empty));
}

}  // namespace
}  // namespace keyward::crypto
