// jwt.h — keyward's JWT keys: compact JWS encoding (ES256, EdDSA) and strict validation per
// RFC 8725 (JWT Best Current Practices), plus the JWKS document a tenant publishes.
// Thread safety: JwtValidator is immutable after construction and safe to share; it borrows
// the clock. The free functions are pure (signing reads the CSPRNG for ES256).
// Ownership: the validator borrows its Clock; look-up callbacks return borrowed keys that
// must stay alive for the duration of the call.
//
// Decisions (see docs/architecture.md, "Key kinds"):
// - `typ` is "kw+jwt" (explicit typing, RFC 8725 §3.11): a keyward token cannot be mistaken
//   for an OIDC ID token or another JWT signed elsewhere. "application/kw+jwt" is accepted
//   as the same media type (RFC 7515 §4.1.9); comparison is case-insensitive.
// - The verification algorithm is the key's own (looked up by `kid`); the token's `alg`
//   must equal it and is never used to choose one, so `none`, HS256-with-the-public-key and
//   ES256/EdDSA swaps all fail the same check.
// - `kid` must match ^[A-Za-z0-9_-]{1,64}$ before it reaches the look-up, and the look-up is
//   a caller-supplied function (a map lookup), never a path or a query.
// - Header parameters that point at or embed keys or change processing (`crit`, `jku`,
//   `jwk`, `x5u`, `x5c`) are refused outright.
// - Leeway for exp/nbf/iat defaults to 30 s: servers' clocks drift by seconds, not minutes,
//   and the leeway lengthens every token's real lifetime.
// - Time claims must be JSON integers (keyward and jose both emit integers).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "sign/asymmetric_key.h"

namespace keyward::sign {

inline constexpr std::string_view kJwtType = "kw+jwt";
inline constexpr UnixSeconds kDefaultJwtLeeway = 30;

namespace jwterr {
inline constexpr const char* kMalformed = "TOKEN_MALFORMED";           // not 3 strict base64url JSON parts
inline constexpr const char* kHeader = "TOKEN_HEADER_INVALID";         // typ wrong, forbidden parameter, bad kid
inline constexpr const char* kUnknownKey = "TOKEN_KEY_UNKNOWN";        // no key under this kid
inline constexpr const char* kAlgorithm = "TOKEN_ALGORITHM_MISMATCH";  // alg is not the key's algorithm
inline constexpr const char* kSignature = "TOKEN_SIGNATURE_INVALID";
inline constexpr const char* kClaims = "TOKEN_CLAIMS_INVALID";  // a required claim missing or mistyped
inline constexpr const char* kIssuer = "TOKEN_ISSUER_MISMATCH";
inline constexpr const char* kAudience = "TOKEN_AUDIENCE_MISMATCH";
inline constexpr const char* kExpired = "TOKEN_EXPIRED";
inline constexpr const char* kNotYetValid = "TOKEN_NOT_YET_VALID";  // nbf or iat in the future
}  // namespace jwterr

struct JwtClaims {
  std::string iss;
  std::string sub;               // the key id
  std::vector<std::string> aud;  // one audience is encoded as a string
  std::string tenant;
  std::vector<std::string> roles;
  UnixSeconds iat = 0;
  UnixSeconds exp = 0;
  std::optional<UnixSeconds> nbf;
  std::string jti;  // returned so the caller can check revocation
};

// Signs `claims` with `key` (which must hold a private key): header
// {"alg":<key's>,"typ":<typ>,"kid":<kid>}.
Result<std::string> encodeJwt(const JwtClaims& claims, const AsymmetricKey& key, std::string_view kid,
                              std::string_view typ = kJwtType);

bool isValidKid(std::string_view kid);

struct JwtValidationOptions {
  std::string issuer;    // `iss` must equal this
  std::string audience;  // `aud` must be or contain this
  std::string typ = std::string(kJwtType);
  UnixSeconds leeway = kDefaultJwtLeeway;
  std::size_t max_token_size = 8 * 1024;
};

struct ValidatedJwt {
  std::string kid;
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  JwtClaims claims;
};

// Returns the tenant's public key for `kid`, or null when there is none (or it is retired
// past publication).
using JwtKeyLookup = std::function<const AsymmetricKey*(std::string_view kid)>;

class JwtValidator {
 public:
  JwtValidator(const Clock& clock, JwtValidationOptions options);
  // Every failure is kUnauthenticated with one of the jwterr codes. Revocation is not
  // checked here: the caller checks the returned claims.jti / claims.sub.
  Result<ValidatedJwt> validate(std::string_view token, const JwtKeyLookup& lookup) const;

 private:
  const Clock& clock_;
  JwtValidationOptions options_;
};

struct JwksEntry {
  std::string kid;
  const AsymmetricKey* key = nullptr;  // borrowed
};

// {"keys":[{"kty":...,"alg":...,"use":"sig","kid":...}, ...]}; public members only.
Result<std::string> renderJwks(std::span<const JwksEntry> keys);

}  // namespace keyward::sign
