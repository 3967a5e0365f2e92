// Unit tests for the simple-key format: generation, checksum and offline format check
// (src/crypto/key_codec.h).
#include "crypto/key_codec.h"

#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <random>
#include <set>

#include "crypto/base62.h"

namespace keyward::crypto {
namespace {

std::string mustGenerate(std::string_view prefix) {
  auto k = generateKey(prefix);
  EXPECT_TRUE(k) << prefix;
  return k.value_or("");
}

// Replaces the character at `pos` by another base62 character.
std::string mutate(std::string key, size_t pos) {
  key[pos] = key[pos] == 'a' ? 'b' : 'a';
  return key;
}

TEST(KeyCodec, GeneratedKeyHasPrefixSecretAndChecksum) {
  const std::string key = mustGenerate("kw");
  ASSERT_EQ(key.size(), 2 + 1 + kKeySecretChars + kKeyChecksumChars);
  EXPECT_EQ(key.substr(0, 3), "kw_");
  for (size_t i = 3; i < key.size(); ++i) EXPECT_TRUE(isBase62(key[i])) << key;
  EXPECT_EQ(kKeySecretChars, 43u);
  EXPECT_EQ(kKeyChecksumChars, 6u);
}

TEST(KeyCodec, EveryGeneratedKeyIsWellFormed) {
  for (const char* prefix : {"kw", "acme", "a1", "abcdefghijkl", "0123456789ab"}) {
    for (int i = 0; i < 200; ++i) {
      const std::string key = mustGenerate(prefix);
      ASSERT_TRUE(isWellFormedKey(key)) << key;
      ASSERT_EQ(key.substr(0, std::string_view(prefix).size() + 1), std::string(prefix) + "_");
    }
  }
}

TEST(KeyCodec, GeneratedKeysAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(mustGenerate("kw"));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(KeyCodec, SecretIsNotPaddedLikeASmallNumber) {
  // 32 random bytes in 43 base62 chars: leading '0' padding appears only rarely, so across
  // many keys the first secret character takes many values (a broken encoder gives '0').
  std::set<char> first;
  for (int i = 0; i < 200; ++i) first.insert(mustGenerate("kw")[3]);
  EXPECT_GT(first.size(), 3u);
}

TEST(KeyCodec, AnySingleChangedCharacterFailsTheChecksum) {
  const std::string key = mustGenerate("kw");
  ASSERT_TRUE(isWellFormedKey(key));
  for (size_t pos = 3; pos < key.size(); ++pos) {
    EXPECT_FALSE(isWellFormedKey(mutate(key, pos))) << "change at " << pos << " went unnoticed";
  }
  // The prefix is covered by the checksum too.
  std::string other_prefix = key;
  other_prefix[0] = 'x';
  EXPECT_FALSE(isWellFormedKey(other_prefix));
}

TEST(KeyCodec, SwappedNeighboursFailTheChecksum) {
  const std::string key = mustGenerate("kw");
  int detected = 0, tried = 0;
  for (size_t pos = 3; pos + 1 < key.size(); ++pos) {
    if (key[pos] == key[pos + 1]) continue;
    std::string swapped = key;
    std::swap(swapped[pos], swapped[pos + 1]);
    ++tried;
    detected += !isWellFormedKey(swapped);
  }
  EXPECT_EQ(detected, tried);
}

TEST(KeyCodec, WrongLengthIsRejected) {
  const std::string key = mustGenerate("kw");
  EXPECT_FALSE(isWellFormedKey(key.substr(0, key.size() - 1)));
  EXPECT_FALSE(isWellFormedKey(key + "a"));
  EXPECT_FALSE(isWellFormedKey(""));
  EXPECT_FALSE(isWellFormedKey("kw_"));
  EXPECT_FALSE(isWellFormedKey(key.substr(0, 3) + key.substr(4)));  // one secret char dropped
}

TEST(KeyCodec, BadPrefixIsRejected) {
  const std::string key = mustGenerate("kw");
  const std::string tail = key.substr(2);  // "_<secret><checksum>"
  for (const char* prefix : {"", "k", "KW", "k-w", "abcdefghijklm", "k w", "kw_x"}) {
    EXPECT_FALSE(isWellFormedKey(std::string(prefix) + tail)) << prefix;
  }
  // Missing separator.
  EXPECT_FALSE(isWellFormedKey("kw" + key.substr(3) + "0"));
}

TEST(KeyCodec, NonBase62CharactersAreRejected) {
  const std::string key = mustGenerate("kw");
  for (char bad : {'-', '_', '+', '/', '=', ' ', '\0', '\xc3'}) {
    std::string k = key;
    k[10] = bad;
    EXPECT_FALSE(isWellFormedKey(k)) << int(bad);
  }
}

TEST(KeyCodec, ValidPrefixes) {
  EXPECT_TRUE(isValidKeyPrefix("kw"));
  EXPECT_TRUE(isValidKeyPrefix("acme2026"));
  EXPECT_TRUE(isValidKeyPrefix("abcdefghijkl"));
  EXPECT_FALSE(isValidKeyPrefix("k"));
  EXPECT_FALSE(isValidKeyPrefix("abcdefghijklm"));
  EXPECT_FALSE(isValidKeyPrefix("Kw"));
  EXPECT_FALSE(isValidKeyPrefix("k_w"));
  EXPECT_FALSE(isValidKeyPrefix(""));
}

TEST(KeyCodec, GenerateRefusesAnInvalidPrefix) {
  EXPECT_FALSE(generateKey("K"));
  EXPECT_FALSE(generateKey("has space"));
  EXPECT_FALSE(generateKey("toolongprefix"));
}

TEST(KeyCodec, KeyStartShowsPrefixAndFourCharacters) {
  const std::string key = mustGenerate("acme");
  EXPECT_EQ(keyStart(key), key.substr(0, 5 + kKeyStartChars));
  EXPECT_EQ(keyStart("kw_abcdefgh"), "kw_abcd");
  EXPECT_EQ(keyStart("kw_ab"), "kw_ab");
  EXPECT_EQ(keyStart("nounderscore"), "");
  // Far too short to reveal the secret.
  EXPECT_LT(keyStart(key).size() - 5, kKeySecretChars / 4);
}

// Keys issued before the checksum moved from Boost's CRC to zlib's must stay well formed:
// both compute CRC-32/ISO-HDLC, and this pins it for any body.
TEST(KeyCodec, ChecksumIsTheStandardCrc32OfTheBody) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string body = "kw_";
    for (size_t j = 0; j < kKeySecretChars; ++j) body += kBase62Alphabet[rng() % 62];
    boost::crc_32_type crc;
    crc.process_bytes(body.data(), body.size());
    const std::string key = body + base62EncodeFixed(std::uint64_t(crc.checksum()), kKeyChecksumChars);
    EXPECT_TRUE(isWellFormedKey(key)) << key;
    EXPECT_FALSE(isWellFormedKey(mutate(key, key.size() - 1))) << key;
  }
}

// A checksum written with digits above the CRC's range (62^6 > 2^32) must not wrap around.
TEST(KeyCodec, ChecksumOutsideTheCrcRangeIsRejected) {
  std::string key = mustGenerate("kw");
  key.replace(key.size() - kKeyChecksumChars, kKeyChecksumChars, "zzzzzz");
  EXPECT_FALSE(isWellFormedKey(key));
}

}  // namespace
}  // namespace keyward::crypto
