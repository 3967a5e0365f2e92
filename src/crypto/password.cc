#include "crypto/password.h"

#include <argon2.h>

#include <array>
#include <vector>

#include "crypto/random.h"

namespace keyward::crypto {

Result<std::string> hashPassword(std::string_view password, const PasswordCost& cost) {
  std::array<std::uint8_t, 16> salt{};
  if (auto st = randomBytes(salt); !st) return std::unexpected(st.error());
  constexpr size_t kHashLen = 32;
  const size_t len = argon2_encodedlen(cost.iterations, cost.memory_kib, cost.parallelism, salt.size(), kHashLen,
                                       Argon2_id);
  std::vector<char> encoded(len);
  const int rc = argon2id_hash_encoded(cost.iterations, cost.memory_kib, cost.parallelism, password.data(),
                                       password.size(), salt.data(), salt.size(), kHashLen, encoded.data(), len);
  if (rc != ARGON2_OK) return internalError(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verifyPassword(std::string_view encoded, std::string_view password) {
  if (!encoded.starts_with("$argon2id$")) return false;
  const std::string z(encoded);  // libargon2 wants a NUL-terminated string
  return argon2id_verify(z.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace keyward::crypto
