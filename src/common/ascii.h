// ascii.h — ASCII case folding for protocol tokens (HTTP header names, auth schemes,
// "100-continue"). Locale-free on purpose: protocol text is ASCII, and std::tolower would
// consult the C locale on every character.
// Thread safety: pure functions. Ownership: none.
#pragma once

#include <cstddef>
#include <string_view>

namespace keyward {

constexpr char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// True when `a` and `b` are equal ignoring ASCII case.
constexpr bool asciiIEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  return true;
}

// True when `s` starts with `prefix`, ignoring ASCII case.
constexpr bool asciiIStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && asciiIEquals(s.substr(0, prefix.size()), prefix);
}

}  // namespace keyward
