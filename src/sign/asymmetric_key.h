// asymmetric_key.h — an owning, move-only handle on an OpenSSL EVP_PKEY restricted to the
// two algorithms keyward signs and verifies with: Ed25519 (RFC 8032, pure) and ECDSA over
// P-256 with SHA-256. It imports public keys (SPKI PEM, JWK), exports them (SPKI PEM, JWK,
// RFC 7638 thumbprint), exports private keys as PKCS#8 (shown once, or sealed for storage)
// and signs/verifies bytes.
// Thread safety: a const AsymmetricKey may be used from many threads at once (each call
// makes its own EVP context; OpenSSL 3 keys are safe for concurrent read use).
// Ownership: the object owns its EVP_PKEY and frees it; moved-from objects are empty.
//
// Signatures use the raw, fixed-size encoding of JOSE (RFC 7518 §3.4) and RFC 9421 §3.3.4:
// 64 bytes for both algorithms (ECDSA r||s, each 32 bytes big-endian). The DER form OpenSSL
// speaks is converted at this boundary only.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "model/signing_key.h"
#include "sign/base64.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace keyward::sign {

using keyward::KeyAlgorithm;  // model/signing_key.h

inline constexpr size_t kSignatureSize = 64;  // both algorithms, raw encoding

// The algorithm names are the model's (model/signing_key.h).
using keyward::httpSignatureAlgorithmName;
using keyward::joseAlgorithmName;
using keyward::parseKeyAlgorithm;

class AsymmetricKey {
 public:
  AsymmetricKey() = default;
  AsymmetricKey(AsymmetricKey&& other) noexcept;
  AsymmetricKey& operator=(AsymmetricKey&& other) noexcept;
  AsymmetricKey(const AsymmetricKey&) = delete;
  AsymmetricKey& operator=(const AsymmetricKey&) = delete;
  ~AsymmetricKey();

  // A fresh key pair from OpenSSL's CSPRNG.
  static Result<AsymmetricKey> generate(KeyAlgorithm alg);

  // "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo). Anything but Ed25519 or P-256 is refused.
  static Result<AsymmetricKey> fromPublicPem(std::string_view pem);
  // A public JWK (RFC 7517/7518/8037): OKP/Ed25519 with `x`, or EC/P-256 with `x` and `y`.
  // A JWK with private members (`d`, ...) is refused rather than silently stripped: an
  // administrator who pasted a private key must learn that it has leaked to us.
  // `alg` and `use`, when present, must agree with the key ("EdDSA"/"ES256", "sig").
  static Result<AsymmetricKey> fromPublicJwk(const boost::json::object& jwk);
  static Result<AsymmetricKey> fromPublicJwk(std::string_view json);
  // "-----BEGIN PRIVATE KEY-----" (unencrypted PKCS#8) and its DER form.
  static Result<AsymmetricKey> fromPrivatePem(std::string_view pem);
  static Result<AsymmetricKey> fromPrivateDer(std::span<const std::uint8_t> der);

  bool empty() const { return pkey_ == nullptr; }
  KeyAlgorithm algorithm() const { return alg_; }
  bool hasPrivate() const { return has_private_; }

  Result<std::string> publicPem() const;
  // {"kty","crv","x"[,"y"],"alg","use":"sig"[,"kid"]}; `kid` is omitted when empty.
  Result<boost::json::object> publicJwk(std::string_view kid = {}) const;
  // RFC 7638 thumbprint: base64url(SHA-256(canonical JSON of the required members)). It is
  // a stable, content-derived key id.
  Result<std::string> thumbprint() const;
  // PKCS#8; these carry the private key: show once or seal, never log.
  Result<std::string> privatePkcs8Pem() const;
  Result<Bytes> privatePkcs8Der() const;

  // Raw 64-byte signature (see above). Needs the private key.
  Result<Bytes> sign(std::string_view message) const;
  // False for any malformed or wrong signature; never throws or reports why.
  bool verify(std::string_view message, std::span<const std::uint8_t> signature) const;

  // The underlying key, for callers that need an OpenSSL API not wrapped here. Borrowed.
  EVP_PKEY* native() const { return pkey_; }

 private:
  AsymmetricKey(EVP_PKEY* pkey, KeyAlgorithm alg, bool has_private)
      : pkey_(pkey), alg_(alg), has_private_(has_private) {}
  static Result<AsymmetricKey> adopt(EVP_PKEY* pkey, bool has_private);

  EVP_PKEY* pkey_ = nullptr;
  KeyAlgorithm alg_ = KeyAlgorithm::kEd25519;
  bool has_private_ = false;
};

}  // namespace keyward::sign
