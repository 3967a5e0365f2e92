// key_codec.h — the format of simple API keys: generation and the offline format check.
// Thread safety: pure functions (generation reads the CSPRNG). Ownership: values only.
//
// Format: <prefix>_<43 base62 chars: 32 CSPRNG bytes><6 base62 chars: CRC32 of everything before>
// e.g. "kw_4Ttz...Qm2Ab1x9". The prefix (2-12 of [a-z0-9]) names the tenant's keys so secret
// scanners can find leaks; the CRC32 lets the verifier reject typos and garbage without a
// lookup (GitHub token style). The checksum is not a security feature: the secret is.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace keyward::crypto {

inline constexpr size_t kKeySecretChars = 43;   // 32 bytes: 62^43 > 2^256
inline constexpr size_t kKeyChecksumChars = 6;  // 62^6 > 2^32
inline constexpr size_t kKeyStartChars = 4;     // random chars shown in `start`

bool isValidKeyPrefix(std::string_view prefix);

// A fresh key for `prefix` (which must satisfy isValidKeyPrefix).
Result<std::string> generateKey(std::string_view prefix);

// True when `key` has the shape above and its checksum matches.
bool isWellFormedKey(std::string_view key);

// The recognisable, non-secret start of a key: "<prefix>_" plus a few characters.
std::string keyStart(std::string_view key);

}  // namespace keyward::crypto
