#include "crypto/base62.h"

#include <vector>

namespace keyward::crypto {

std::string base62EncodeFixed(std::span<const std::uint8_t> bytes, size_t width) {
  // Repeated division of the big-endian number by 62; inputs are tiny (<= 64 bytes).
  std::vector<std::uint8_t> num(bytes.begin(), bytes.end());
  std::string out(width, '0');
  size_t pos = width;
  while (pos > 0) {
    unsigned rem = 0;
    bool nonzero = false;
    for (auto& b : num) {
      const unsigned cur = rem * 256 + b;
      b = std::uint8_t(cur / 62);
      rem = cur % 62;
      nonzero |= b != 0;
    }
    out[--pos] = kBase62Alphabet[rem];
    if (!nonzero) break;
  }
  return out;
}

std::string base62EncodeFixed(std::uint64_t value, size_t width) {
  std::string out(width, '0');
  for (size_t pos = width; pos > 0 && value > 0; value /= 62) out[--pos] = kBase62Alphabet[value % 62];
  return out;
}

}  // namespace keyward::crypto
