#include "model/model.h"

// The names of the model's enums, as the API, the store and the console spell them.
namespace keyward {

std::string_view toString(Action a) {
  switch (a) {
    case Action::kInquire: return "inquire";
    case Action::kAdd: return "add";
    case Action::kEdit: return "edit";
    case Action::kDelete: return "delete";
  }
  return "inquire";
}

std::string_view toString(Level l) {
  switch (l) {
    case Level::kNone: return "none";
    case Level::kMine: return "mine";
    case Level::kAll: return "all";
  }
  return "none";
}

std::optional<Action> parseAction(std::string_view s) {
  for (Action a : {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete})
    if (toString(a) == s) return a;
  return std::nullopt;
}

std::optional<Level> parseLevel(std::string_view s) {
  for (Level l : {Level::kNone, Level::kMine, Level::kAll})
    if (toString(l) == s) return l;
  return std::nullopt;
}

std::string_view toString(KeyState s) {
  switch (s) {
    case KeyState::kActive: return "active";
    case KeyState::kDisabled: return "disabled";
    case KeyState::kExpired: return "expired";
    case KeyState::kRevoked: return "revoked";
  }
  return "unknown";
}

std::string_view toString(KeyKind k) {
  switch (k) {
    case KeyKind::kSimple: return "simple";
    case KeyKind::kAdvanced: return "advanced";
    case KeyKind::kJwt: return "jwt";
  }
  return "simple";
}

std::string_view toString(KeyPurpose p) { return p == KeyPurpose::kBuiltinPlugin ? "builtin_plugin" : "third_party"; }

std::string_view toString(CredentialMode m) {
  switch (m) {
    case CredentialMode::kNone: return "";
    case CredentialMode::kSharedSecret: return "shared_secret";
    case CredentialMode::kKeyPair: return "key_pair";
  }
  return "";
}

std::optional<KeyKind> parseKeyKind(std::string_view s) {
  for (auto k : {KeyKind::kSimple, KeyKind::kAdvanced, KeyKind::kJwt})
    if (toString(k) == s) return k;
  return std::nullopt;
}

std::optional<KeyPurpose> parseKeyPurpose(std::string_view s) {
  for (auto p : {KeyPurpose::kBuiltinPlugin, KeyPurpose::kThirdParty})
    if (toString(p) == s) return p;
  return std::nullopt;
}

std::optional<CredentialMode> parseCredentialMode(std::string_view s) {
  for (auto m : {CredentialMode::kNone, CredentialMode::kSharedSecret, CredentialMode::kKeyPair})
    if (toString(m) == s) return m;
  return std::nullopt;
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

std::string_view httpSignatureAlgorithmName(KeyAlgorithm alg) {
  return alg == KeyAlgorithm::kEd25519 ? "ed25519" : "ecdsa-p256-sha256";
}

std::string_view joseAlgorithmName(KeyAlgorithm alg) { return alg == KeyAlgorithm::kEd25519 ? "EdDSA" : "ES256"; }

std::optional<KeyAlgorithm> parseKeyAlgorithm(std::string_view name) {
  if (name == "ed25519" || name == "EdDSA") return KeyAlgorithm::kEd25519;
  if (name == "ecdsa-p256-sha256" || name == "ES256") return KeyAlgorithm::kEcdsaP256Sha256;
  return std::nullopt;
}

}  // namespace keyward
