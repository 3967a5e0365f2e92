#include "core/model.h"

namespace keyward {

std::string_view toString(KeyState s) {
  switch (s) {
    case KeyState::kActive: return "active";
    case KeyState::kDisabled: return "disabled";
    case KeyState::kExpired: return "expired";
    case KeyState::kRevoked: return "revoked";
  }
  return "unknown";
}

std::optional<KeyState> parseKeyState(std::string_view s) {
  for (auto st : {KeyState::kActive, KeyState::kDisabled, KeyState::kExpired, KeyState::kRevoked})
    if (toString(st) == s) return st;
  return std::nullopt;
}

}  // namespace keyward
