// base62.h — fixed-width base62 encoding of big-endian byte strings and of integers.
// Thread safety: pure functions. Ownership: values only.
// Fixed width keeps every key of a tenant the same length, so a format check is a length check.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keyward::crypto {

inline constexpr std::string_view kBase62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Encodes the bytes as a base62 number padded with '0' to `width` characters.
// `width` must be large enough (62^width >= 256^bytes); callers pass constants.
std::string base62EncodeFixed(std::span<const std::uint8_t> bytes, size_t width);
std::string base62EncodeFixed(std::uint64_t value, size_t width);

inline bool isBase62(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The value of one base62 digit, or -1 for a character outside the alphabet.
inline int base62Digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 36;
  return -1;
}

}  // namespace keyward::crypto
