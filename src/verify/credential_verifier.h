// credential_verifier.h — the one credential verifier: whatever a request presented (a bearer
// key, an advanced key's Basic pair, a JWT key's token, a request signed with a key pair), the
// tenant it calls, the client address and the permissions it needs, in; one outcome, out.
// Every check happens here, once, in the documented order below; http/ only parses the
// request and renders the outcome, core's Authenticator turns a management outcome into a
// Principal. This is the single place where per-key rate limits and credits go: they apply to
// Purpose::kApiVerification only, so a management credential is never throttled by them.
// Thread safety: safe from any thread (each part it calls is). Ownership: borrows the
// verifier, the signed-request verifier and the token validator, which must outlive it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/ip.h"
#include "common/result.h"
#include "sign/http_signature.h"
#include "sign/jwt.h"
#include "verify/signed_requests.h"
#include "verify/verifier.h"

namespace keyward::verify {

// Validates a JWT key's token (signature and claims, RFC 8725) against the tenant's signing
// keys. Implemented by core's JwtService, which keeps the key rings.
class TokenValidator {
 public:
  virtual ~TokenValidator() = default;
  // Fails with a sign::jwterr code.
  virtual Result<sign::ValidatedJwt> validate(std::string_view token) const = 0;
};

// Why a credential is checked. A management request (the REST API's own authentication)
// accepts a bearer key only; an API verification (POST /v1/keys/verify, /v1/authz) accepts
// every kind of credential.
enum class Purpose { kManagement, kApiVerification };

// What the request presented, as http/ parsed it. Views must outlive the check.
struct Presented {
  enum class Kind {
    kBearer,     // a key, or (for API verification) a JWT key's token
    kBasic,      // an advanced key's "public:private" pair
    kSignature,  // a request signed with a key pair (RFC 9421)
  };
  Kind kind = Kind::kBearer;
  std::string_view secret;                    // kBearer: the key or token; kBasic: the private part
  std::optional<std::string_view> public_id;  // kBasic: the public part
  // kSignature: the signed request as the resource server or gateway saw it; null when it
  // could not be reconstructed (no original method or URI), which fails as SIGNATURE_INVALID.
  const sign::HttpRequest* signed_request = nullptr;
};

struct CredentialRequest {
  Presented credential;
  Purpose purpose = Purpose::kApiVerification;
  std::optional<std::string_view> tenant_id;  // the tenant whose API is being called
  std::optional<IpAddress> client_ip;         // the address the resource server saw
  std::span<const PermissionCheck> permissions = {};
};

struct CredentialOutcome {
  Outcome outcome;
  // Why a signature or a token was refused (a sign::sigerr or sign::jwterr code), for trusted
  // callers; "" otherwise.
  std::string reason;
  bool valid() const { return outcome.valid(); }
};

// A compact JWS: three base64url parts, the header a JSON object ("eyJ" is base64url of
// '{"'). keyward's own keys contain no dot, so the two never overlap.
bool looksLikeJwt(std::string_view credential);

class CredentialVerifier {
 public:
  // `tokens` may be null: JWTs then fail as INVALID_TOKEN with reason JWT_UNAVAILABLE.
  CredentialVerifier(Verifier& verifier, SignedRequestVerifier& signatures, const TokenValidator* tokens)
      : verifier_(verifier), signatures_(signatures), tokens_(tokens) {}

  // The order of checks:
  //  1. The credential's own proof: a signed request's signature (with replay protection), a
  //     JWT's signature and claims. A failure here is final and counted without a key.
  //  2. The key it names, by the in-memory index (Verifier::verify): format, existence,
  //     tenant, revoked, expired, replaced secret past its grace, not yet valid, disabled,
  //     owner disabled, IP allowlist, permissions.
  //  3. A JWT's signed subject and tenant must be its key record's (INVALID_TOKEN otherwise).
  CredentialOutcome check(const CredentialRequest& req);

 private:
  CredentialOutcome checkSignature(const CredentialRequest& req, const Request& checks);
  CredentialOutcome checkToken(const CredentialRequest& req, Request& checks);

  Verifier& verifier_;
  SignedRequestVerifier& signatures_;
  const TokenValidator* tokens_;
};

}  // namespace keyward::verify
