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

std::string_view toString(PrincipalKind k) {
  switch (k) {
    case PrincipalKind::kKey: return "key";
    case PrincipalKind::kUser: return "user";
    case PrincipalKind::kServiceUser: return "service_user";
  }
  return "key";
}

}  // namespace keyward
