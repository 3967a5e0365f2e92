// base64.h — standard base64 (RFC 4648 §4, with padding) for HTTP Basic credentials.
// Thread safety: pure functions. Ownership: values only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keyward::crypto {

std::string base64Encode(std::string_view bytes);
// Strict: the alphabet, padding and length of RFC 4648 only (no whitespace, no URL
// alphabet); nullopt for anything else.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace keyward::crypto
