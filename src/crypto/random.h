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

// The same format, but the first 9 chars are the creation time in Unix milliseconds and
// the other 13 are random (77 bits), so ids created later sort later (like UUIDv7). For
// rows inserted at a high rate into a UNIQUE index on the id (keys, audit events): each
// insert then lands on the index's newest page instead of a random one, which with a
// million keys halved the pages a key creation writes. The id shows when its object was
// created, which its record shows anyway (created_at, at).
Result<std::string> newTimeOrderedId(std::string_view prefix);

}  // namespace keyward::crypto
