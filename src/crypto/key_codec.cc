#include "crypto/key_codec.h"

#include <array>
#include <boost/crc.hpp>

#include "crypto/base62.h"
#include "crypto/random.h"

namespace keyward::crypto {
namespace {

std::string checksum(std::string_view body) {
  boost::crc_32_type crc;
  crc.process_bytes(body.data(), body.size());
  return base62EncodeFixed(std::uint64_t(crc.checksum()), kKeyChecksumChars);
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
  for (size_t i = sep + 1; i < key.size(); ++i)
    if (!isBase62(key[i])) return false;
  const std::string_view body = key.substr(0, key.size() - kKeyChecksumChars);
  return checksum(body) == key.substr(body.size());
}

std::string keyStart(std::string_view key) {
  const size_t sep = key.find('_');
  if (sep == std::string_view::npos) return {};
  return std::string(key.substr(0, std::min(key.size(), sep + 1 + kKeyStartChars)));
}

}  // namespace keyward::crypto
