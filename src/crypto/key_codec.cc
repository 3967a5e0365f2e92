#include "crypto/key_codec.h"

#include <array>
#include <bit>
#include <cstring>

#include "crypto/base62.h"
#include "crypto/random.h"

namespace keyward::crypto {
namespace {

// CRC-32/ISO-HDLC (what zlib and Boost's crc_32_type compute), slicing-by-8: eight table
// lookups per 8 input bytes instead of one per byte. The checksum runs first on every
// verification; Boost's byte-wise loop took ~130 ns of a ~220 ns format check on a 46-byte
// key body, and so did zlib 1.2.13's crc32_z on inputs this short.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;
constexpr CrcTables kCrcTables = [] {
  CrcTables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  return t;
}();

static_assert(std::endian::native == std::endian::little, "crc32Of loads little-endian words");

std::uint32_t crc32Of(std::string_view body) {
  const auto& t = kCrcTables;
  std::uint32_t crc = 0xFFFFFFFFu;
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  size_t n = body.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);  // little-endian loads: x86-64 and arm64 alike
    std::memcpy(&hi, p + 4, 4);
    lo ^= crc;
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][hi & 0xff] ^
          t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xff];
  return crc ^ 0xFFFFFFFFu;
}

// Base62 membership by table: the 43 secret characters of every presented key are checked,
// and a table lookup has no data-dependent branches to mispredict.
constexpr std::array<bool, 256> kIsBase62 = [] {
  std::array<bool, 256> t{};
  for (char c : kBase62Alphabet) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

std::string checksum(std::string_view body) {
  return base62EncodeFixed(std::uint64_t(crc32Of(body)), kKeyChecksumChars);
}

}  // namespace

bool isValidKeyPrefix(std::string_view p) {
  if (p.size() < 2 || p.size() > 12) return false;
  for (char c : p)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

Result<std::string> generateKey(std::string_view prefix) {
  if (!isValidKeyPrefix(prefix)) return internalError("invalid key prefix");
  std::array<std::uint8_t, 32> raw{};
  if (auto st = randomBytes(raw); !st) return std::unexpected(st.error());
  std::string key(prefix);
  key += '_';
  key += base62EncodeFixed(raw, kKeySecretChars);
  key += checksum(key);
  return key;
}

bool isWellFormedKey(std::string_view key) {
  constexpr size_t tail = kKeySecretChars + kKeyChecksumChars;
  if (key.size() < 3 + tail || key.size() > 13 + tail) return false;
  const size_t sep = key.size() - tail - 1;
  if (key[sep] != '_' || !isValidKeyPrefix(key.substr(0, sep))) return false;
  bool all = true;
  for (size_t i = sep + 1; i < key.size() - kKeyChecksumChars; ++i)
    all &= kIsBase62[static_cast<unsigned char>(key[i])];
  if (!all) return false;
  // The checksum is compared as a number: decoding six digits is cheaper than encoding the
  // CRC into a string, and fixed-width base62 is one-to-one, so the answer is the same.
  std::uint64_t written = 0;
  for (size_t i = key.size() - kKeyChecksumChars; i < key.size(); ++i) {
    const int d = base62Digit(key[i]);
    if (d < 0) return false;
    written = written * 62 + std::uint64_t(d);
  }
  return written == crc32Of(key.substr(0, key.size() - kKeyChecksumChars));
}

std::string keyStart(std::string_view key) {
  const size_t sep = key.find('_');
  if (sep == std::string_view::npos) return {};
  return std::string(key.substr(0, std::min(key.size(), sep + 1 + kKeyStartChars)));
}

}  // namespace keyward::crypto
