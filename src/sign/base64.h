// base64.h — strict base64 (RFC 4648 §4) and unpadded base64url (§5) for the sign module:
// JWS segments and JWK members use base64url, RFC 8941 byte sequences (Signature,
// Content-Digest) and HTTP Basic use base64.
// Thread safety: pure functions. Ownership: values only.
//
// Decoding is strict on purpose: a signature or key that has several spellings lets an
// attacker vary the bytes a replay cache or a log sees while the meaning stays the same.
// So: no whitespace, no missing or extra padding in base64, no padding in base64url, and the
// unused low bits of the last character must be zero (only the canonical encoding decodes).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace keyward::sign {

using Bytes = std::vector<std::uint8_t>;

std::span<const std::uint8_t> asBytes(std::string_view s);
std::string_view asText(std::span<const std::uint8_t> b);

std::string base64Encode(std::span<const std::uint8_t> data);
std::string base64Encode(std::string_view data);
Result<Bytes> base64Decode(std::string_view text);

std::string base64UrlEncode(std::span<const std::uint8_t> data);
std::string base64UrlEncode(std::string_view data);
Result<Bytes> base64UrlDecode(std::string_view text);

}  // namespace keyward::sign
