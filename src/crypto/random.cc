#include "crypto/random.h"

#include <openssl/rand.h>

#include <array>
#include <chrono>

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

Result<std::string> newTimeOrderedId(std::string_view prefix) {
  std::array<std::uint8_t, 10> raw{};
  if (auto st = randomBytes(raw); !st) return std::unexpected(st.error());
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string id(prefix);
  id += '_';
  // 62^9 ms is 427,000 years: fixed width, and base62's alphabet is in ASCII order, so the
  // text sorts like the number.
  id += base62EncodeFixed(std::uint64_t(ms), 9);
  id += base62EncodeFixed(raw, 13);
  return id;
}

}  // namespace keyward::crypto
