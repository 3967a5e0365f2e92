// signing_key.h — a tenant's JWT signing key as the store keeps it: the public key, the
// private key sealed under the master key (never in clear), and when it was retired.
// The ring's rules (which key signs, which the JWKS publishes) are in sign/signing_keys.h.
// Thread safety: plain values. Ownership: every record owns its strings and bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace keyward {

// The asymmetric algorithms of key pairs and JWT signing keys.
enum class KeyAlgorithm { kEd25519, kEcdsaP256Sha256 };

// RFC 9421 §6.2 names: "ed25519", "ecdsa-p256-sha256".
std::string_view httpSignatureAlgorithmName(KeyAlgorithm alg);
// RFC 7518 / RFC 8037 names: "EdDSA", "ES256".
std::string_view joseAlgorithmName(KeyAlgorithm alg);
// Accepts either naming ("ed25519"/"EdDSA", "ecdsa-p256-sha256"/"ES256").
std::optional<KeyAlgorithm> parseKeyAlgorithm(std::string_view name);

// One signing key as the store keeps it.
struct SigningKeyRecord {
  std::string kid;  // RFC 7638 thumbprint of the public key
  KeyAlgorithm algorithm = KeyAlgorithm::kEcdsaP256Sha256;
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> retired_at;
  std::string public_pem;                    // SPKI
  std::vector<std::uint8_t> sealed_private;  // sign::sealPrivateKey(PKCS#8 DER)
};

}  // namespace keyward
