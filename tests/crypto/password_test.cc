// Unit tests for console password hashing (src/crypto/password.h): Argon2id encoded
// strings with a fresh salt, verification, and failing closed on anything malformed.
#include "crypto/password.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward::crypto {
namespace {

// The cheapest cost libargon2 accepts keeps the suite fast; the production cost is
// exercised once below.
constexpr PasswordCost kCheap{8, 1, 1};

TEST(Password, HashIsAnArgon2idStringThatHoldsItsParameters) {
  auto h = hashPassword("correct horse battery staple");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *h;
  EXPECT_EQ(h->find("correct horse"), std::string::npos);
  EXPECT_TRUE(verifyPassword(*h, "correct horse battery staple"));
}

TEST(Password, RightPasswordVerifiesAndAnyOtherDoesNot) {
  auto h = hashPassword("s3cret-Passw0rd", kCheap);
  ASSERT_TRUE(h);
  EXPECT_TRUE(verifyPassword(*h, "s3cret-Passw0rd"));
  EXPECT_FALSE(verifyPassword(*h, "s3cret-Passw0rD"));
  EXPECT_FALSE(verifyPassword(*h, "s3cret-Passw0rd "));
  EXPECT_FALSE(verifyPassword(*h, "s3cret-Passw0r"));
  EXPECT_FALSE(verifyPassword(*h, ""));
}

TEST(Password, SamePasswordHashesDifferentlyEachTime) {
  auto a = hashPassword("same password", kCheap);
  auto b = hashPassword("same password", kCheap);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);  // a fresh salt per hash
  EXPECT_TRUE(verifyPassword(*a, "same password"));
  EXPECT_TRUE(verifyPassword(*b, "same password"));
}

TEST(Password, PasswordsWithNulBytesAndNonAsciiAreKeptWhole) {
  const std::string with_nul("ab\0cd", 5);
  auto h = hashPassword(with_nul, kCheap);
  ASSERT_TRUE(h);
  EXPECT_TRUE(verifyPassword(*h, with_nul));
  EXPECT_FALSE(verifyPassword(*h, "ab"));
  auto u = hashPassword("pässwörd-日本", kCheap);
  ASSERT_TRUE(u);
  EXPECT_TRUE(verifyPassword(*u, "pässwörd-日本"));
  EXPECT_FALSE(verifyPassword(*u, "passwort-日本"));
}

TEST(Password, MalformedOrForeignHashesNeverVerify) {
  auto h = hashPassword("pw", kCheap);
  ASSERT_TRUE(h);
  std::string argon2i = *h;
  argon2i.replace(0, 10, "$argon2i$");
  std::string truncated = h->substr(0, h->size() - 5);
  for (const std::string& bad : {std::string(), std::string("pw"), std::string("$argon2id$"), argon2i, truncated,
                                 std::string("$2b$12$abcdefghijklmnopqrstuu")}) {
    EXPECT_FALSE(verifyPassword(bad, "pw")) << bad;
  }
}

}  // namespace
}  // namespace keyward::crypto
