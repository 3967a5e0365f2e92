#include "crypto/random.h"

#include <openssl/rand.h>

#include <array>

#include "crypto/base62.h"

namespace keyward::crypto {

Status randomBytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), int(out.size())) != 1) {
    return fail(ErrorKind::kInternal, "RANDOM_FAILED", "the system random generator failed");
  }
  return {};
}

Result<std::string> newId(std::string_view prefix) {
  std::array<std::uint8_t, 17> raw{};
  if (auto st = randomBytes(raw); !st) return std::unexpected(st.error());
  std::string id(prefix);
  id += '_';
  id += base62EncodeFixed(raw, 22);
  return id;
}

}  // namespace keyward::crypto
