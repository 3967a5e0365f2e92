// random.h — bytes and identifiers from OpenSSL's CSPRNG.
// Thread safety: safe from any thread (OpenSSL 3's RAND is thread-safe).
// Ownership: values only. A CSPRNG failure is reported, never papered over with a weak source.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace keyward::crypto {

Status randomBytes(std::span<std::uint8_t> out);

// An object id such as "key_3hK9...": prefix, '_', 22 base62 chars (131 bits).
Result<std::string> newId(std::string_view prefix);

}  // namespace keyward::crypto
