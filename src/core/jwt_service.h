// jwt_service.h — JWT keys' tenant signing keys: the in-memory key rings (public keys for
// validation and the JWKS, sealed private keys for signing), issuing a key's token,
// validating a presented token, and listing and rotating a tenant's signing keys.
// Thread safety: safe from any thread. Readers (validate, jwks) take a shared lock only to
// copy a shared_ptr to the tenant's immutable ring; writers (lazy first key, rotation) are
// serialized by their own mutex and replace the ring after the store committed.
// Ownership: borrows store, clock, audit log and master key, which outlive it. Private
// keys are unsealed on each issuance and freed at once: they are never cached in memory.
//
// Decisions (docs/architecture.md "JWT keys"): `iss` is "keyward:tenant:<tenant id>", `aud`
// the server's jwt_audience; the tenant is taken from the token's `tenant` claim only to
// pick which key ring to look the `kid` up in, and is then bound by the signature and the
// `iss` check. A retired signing key validates and stays in the JWKS until retired_at +
// publicationPeriod(): the longest any token it signed can live, plus leeway.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "core/audit_log.h"
#include "core/principal.h"
#include "sign/jwt.h"
#include "sign/signing_keys.h"
#include "store/store.h"
#include "verify/credential_verifier.h"

namespace keyward {

// A JWT key lives six months unless asked otherwise, at most two years: its token cannot be
// recalled from the third parties that check it offline, so its lifetime is its exposure.
inline constexpr int kDefaultJwtExpiryDays = 182;
inline constexpr int kMaxJwtLifetimeDays = 730;

struct JwtSettings {
  std::string audience = "keyward";
  sign::KeyAlgorithm algorithm = sign::KeyAlgorithm::kEcdsaP256Sha256;
};

// A signing key as the API shows it: public parts only.
struct SigningKeyInfo {
  std::string kid;
  std::string alg;  // "ES256" | "EdDSA"
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> retired_at;
  bool current = false;  // signs new tokens
  // A retired key stays in the JWKS until then; null for the current key.
  std::optional<UnixSeconds> published_until;
  std::string public_jwk_json;  // the JWKS entry
};

class JwtService : public verify::TokenValidator {
 public:
  JwtService(Store& store, const Clock& clock, const AuditLog& audit, const sign::MasterKey& master,
             JwtSettings settings)
      : store_(store), clock_(clock), audit_(audit), master_(master), settings_(std::move(settings)) {}

  // Reads every tenant's signing keys into memory (server start).
  Result<size_t> loadAll();

  static std::string issuerFor(std::string_view tenant_id);
  const std::string& audience() const { return settings_.audience; }
  static constexpr UnixSeconds maxTokenLifetime() { return UnixSeconds(kMaxJwtLifetimeDays) * 86400; }
  // How long a retired signing key stays published (and validating): the longest a token it
  // signed can live, plus the validators' leeway.
  static constexpr UnixSeconds publicationPeriod() { return maxTokenLifetime() + sign::kDefaultJwtLeeway; }

  // Signs the token of JWT key `k` (jti = k.public_id, exp = k.expires_at). The tenant's
  // first signing key is created here when it has none, recorded as `actor`'s
  // "signing_key.create" audit event.
  Result<std::string> issue(const Actor& actor, const ApiKey& k);

  // Signature and claims per RFC 8725 (sign::JwtValidator) against the tenant's published
  // keys. Revocation and every other state of the key are the verifier's to check.
  Result<sign::ValidatedJwt> validate(std::string_view token) const override;

  // The tenant's JWKS document; NOT_FOUND for an unknown tenant.
  Result<std::string> jwks(std::string_view tenant_id);

  // Management: keys:inquire / keys:edit at level "all" over every resource (a signing key
  // serves every JWT key of the tenant, so it is nobody's "own").
  Result<std::vector<SigningKeyInfo>> list(const Actor& actor, std::string_view tenant_id);
  Result<SigningKeyInfo> rotate(const Actor& actor, std::string_view tenant_id);

 private:
  struct Ring {
    std::vector<sign::SigningKeyRecord> records;
    std::vector<sign::AsymmetricKey> publics;  // parallel to records
  };
  std::shared_ptr<const Ring> ringOf(std::string_view tenant_id) const;
  Result<std::shared_ptr<const Ring>> buildRing(std::vector<sign::SigningKeyRecord> records) const;
  Status reloadTenant(std::string_view tenant_id);  // caller holds write_mu_
  Result<sign::SigningKeyRecord> addKey(const Actor& actor, std::string_view tenant_id, std::string_view action);
  std::vector<SigningKeyInfo> infos(const Ring& ring, UnixSeconds now) const;
  Status guardAll(const Actor& actor, Action action, std::string_view tenant_id, std::string_view audit_action);

  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  const sign::MasterKey& master_;
  const JwtSettings settings_;
  std::mutex write_mu_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const Ring>, std::less<>> rings_;
};

}  // namespace keyward
