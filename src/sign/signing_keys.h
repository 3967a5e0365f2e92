// signing_keys.h — a tenant's JWT signing-key ring, as pure functions over its records (no
// store): which key signs now, which public keys the JWKS must still publish, and the
// sealing of private keys under a master key kept outside the database.
// Thread safety: pure functions; MasterKey is immutable after construction and safe to
// share. Ownership: records are values; MasterKey owns its bytes and wipes them on
// destruction (OPENSSL_cleanse).
//
// Rotation: a new key is added (it becomes the signer, being the newest), the old one is
// retired (retired_at = now). A retired key signs nothing but stays in the JWKS until
// retired_at + max token lifetime, when the last token it signed has expired; then it can
// be deleted.
//
// Sealing: AES-256-GCM (OpenSSL EVP), a fresh random 96-bit nonce per seal, and AAD binding
// the ciphertext to (tenant id, kid), so a sealed key copied to another tenant's or key's
// row fails to open. Format: 0x01 | nonce (12) | ciphertext | tag (16).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/signing_key.h"
#include "sign/asymmetric_key.h"

namespace keyward::sign {

class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;

  static Result<MasterKey> fromBytes(std::span<const std::uint8_t> bytes);
  // The key file's content: base64 of 32 bytes; surrounding whitespace is ignored.
  static Result<MasterKey> fromFileContents(std::string_view contents);
  static Result<MasterKey> generate();

  MasterKey(const MasterKey&) = delete;
  MasterKey& operator=(const MasterKey&) = delete;
  MasterKey(MasterKey&& other) noexcept;
  MasterKey& operator=(MasterKey&& other) noexcept;
  ~MasterKey();

  std::span<const std::uint8_t> bytes() const { return key_; }

 private:
  MasterKey() = default;
  std::array<std::uint8_t, kSize> key_{};
};

Result<Bytes> sealPrivateKey(const MasterKey& master, std::string_view tenant_id, std::string_view kid,
                             std::span<const std::uint8_t> pkcs8_der);
// Fails with UNSEAL_FAILED (kInternal) when the data was altered, the master key differs,
// or tenant id / kid are not the ones it was sealed for.
Result<Bytes> unsealPrivateKey(const MasterKey& master, std::string_view tenant_id, std::string_view kid,
                               std::span<const std::uint8_t> sealed);

using keyward::SigningKeyRecord;  // the record is the model's (model/signing_key.h)

// ES256 is the default (widest JOSE support); EdDSA on request.
Result<SigningKeyRecord> newSigningKey(const MasterKey& master, std::string_view tenant_id, UnixSeconds now,
                                       KeyAlgorithm algorithm = KeyAlgorithm::kEcdsaP256Sha256);

bool isRetired(const SigningKeyRecord& key, UnixSeconds now);

// The newest key (by created_at, then kid) that is not retired and not created in the
// future; nullopt when the tenant has none (the caller creates one).
std::optional<std::size_t> currentSigner(std::span<const SigningKeyRecord> keys, UnixSeconds now);

// Indexes of the keys the JWKS publishes: every non-retired key, and every retired key
// whose tokens may still be valid (now < retired_at + max_token_lifetime).
std::vector<std::size_t> publishedKeys(std::span<const SigningKeyRecord> keys, UnixSeconds now,
                                       UnixSeconds max_token_lifetime);

// Opens a record's private key for signing.
Result<AsymmetricKey> openSigner(const SigningKeyRecord& key, const MasterKey& master, std::string_view tenant_id);

}  // namespace keyward::sign
