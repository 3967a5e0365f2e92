// digest.h — SHA-256 digests of secrets and constant-time comparison.
// Thread safety: pure functions. Ownership: values only.
// Keys carry >= 256 bits of CSPRNG entropy, so a plain SHA-256 cannot be reversed or
// brute-forced from a stolen database; see docs/architecture.md ("Why SHA-256").
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keyward::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(std::string_view data);

// Constant-time equality for secrets and digests (CRYPTO_memcmp).
bool constantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

std::string toHex(std::span<const std::uint8_t> bytes);

}  // namespace keyward::crypto
