#include "crypto/base62.h"

#include <vector>

namespace keyward::crypto {

std::string base62EncodeFixed(std::span<const std::uint8_t> bytes, size_t width) {
  // Repeated division of the big-endian number, held in 32-bit limbs, by 62^5 (< 2^32):
  // each pass yields five digits. Byte-wise division by 62 cost ~5 us per key, which made
  // generating the 10-million-key benchmark set take minutes.
  constexpr std::uint64_t kChunk = 62ull * 62 * 62 * 62 * 62;
  std::vector<std::uint32_t> limbs((bytes.size() + 3) / 4, 0);
  const size_t pad = limbs.size() * 4 - bytes.size();  // leading zero bytes of the first limb
  for (size_t i = 0; i < bytes.size(); ++i) {
    const size_t at = i + pad;
    limbs[at / 4] |= std::uint32_t(bytes[i]) << (8 * (3 - at % 4));
  }
  std::string out(width, '0');
  size_t pos = width;
  while (pos > 0) {
    std::uint64_t rem = 0;
    bool nonzero = false;
    for (auto& l : limbs) {
      const std::uint64_t cur = (rem << 32) | l;
      l = std::uint32_t(cur / kChunk);
      rem = cur % kChunk;
      nonzero |= l != 0;
    }
    for (int k = 0; k < 5 && pos > 0; ++k) {
      out[--pos] = kBase62Alphabet[rem % 62];
      rem /= 62;
    }
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
