#include "verify/credential_verifier.h"

#include <algorithm>

namespace keyward::verify {

bool looksLikeJwt(std::string_view credential) {
  return credential.starts_with("eyJ") && std::count(credential.begin(), credential.end(), '.') == 2;
}

CredentialOutcome CredentialVerifier::check(const CredentialRequest& req) {
  Request checks{req.credential.secret, req.tenant_id, req.client_ip, req.permissions};
  switch (req.credential.kind) {
    case Presented::Kind::kSignature:
      // A management request is never authenticated by a signature.
      if (req.purpose != Purpose::kApiVerification) return {Outcome{Code::kNotFound, nullptr}, {}};
      return checkSignature(req, checks);
    case Presented::Kind::kBasic: checks.public_id = req.credential.public_id; break;
    case Presented::Kind::kBearer:
      // A management credential is a key: a token is not looked at as one (MALFORMED).
      if (req.purpose == Purpose::kApiVerification && looksLikeJwt(req.credential.secret)) {
        return checkToken(req, checks);
      }
      break;
  }
  return {verifier_.verify(checks), {}};
}

CredentialOutcome CredentialVerifier::checkSignature(const CredentialRequest& req, const Request& checks) {
  if (!req.credential.signed_request) {
    verifier_.countRejected(Code::kSignatureInvalid);
    return {Outcome{Code::kSignatureInvalid, nullptr}, {}};
  }
  SignedOutcome signed_out = signatures_.verify(*req.credential.signed_request, checks);
  return {std::move(signed_out.outcome), std::move(signed_out.reason)};
}

CredentialOutcome CredentialVerifier::checkToken(const CredentialRequest& req, Request& checks) {
  CredentialOutcome out;
  std::optional<Code> failed;
  std::optional<sign::JwtClaims> claims;
  if (!tokens_) {
    failed = Code::kInvalidToken;
    out.reason = "JWT_UNAVAILABLE";
  } else if (auto v = tokens_->validate(req.credential.secret); !v) {
    out.reason = v.error().code;
    // An expired or not-yet-valid token says so like a key in that state would.
    failed = out.reason == sign::jwterr::kExpired       ? Code::kExpired
             : out.reason == sign::jwterr::kNotYetValid ? Code::kNotYetValid
                                                        : Code::kInvalidToken;
  } else {
    claims = std::move(v->claims);
  }
  if (failed) {
    verifier_.countRejected(*failed);
    out.outcome = Outcome{*failed, nullptr};
    return out;
  }
  checks.handle = handleFor("jti", claims->jti);
  out.outcome = verifier_.verify(checks);
  // A token whose key record disagrees with its signed subject or tenant (which no honest
  // signer produces) is an invalid token.
  if (out.outcome.key && (out.outcome.key->id != claims->sub || out.outcome.key->tenant_id != claims->tenant)) {
    out.outcome = Outcome{Code::kInvalidToken, nullptr};
  }
  return out;
}

}  // namespace keyward::verify
