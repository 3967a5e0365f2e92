// authenticator.h — turns a presented admin or verifier credential into a Principal.
// Thread safety: safe from any thread. Ownership: borrows the credential verifier.
// Management credentials are keys like any other: they are checked by the same in-memory
// credential verifier (state, expiry, IP allowlist; Purpose::kManagement: a bearer key only),
// so revoking or disabling one takes effect at once.
#pragma once

#include <optional>
#include <string_view>

#include "common/ip.h"
#include "common/result.h"
#include "core/principal.h"
#include "verify/credential_verifier.h"

namespace keyward {

class Authenticator {
 public:
  explicit Authenticator(verify::CredentialVerifier& credentials) : credentials_(credentials) {}

  // kUnauthenticated with one message for every failure: the caller learns nothing about why.
  Result<Principal> authenticate(std::string_view credential, const std::optional<IpAddress>& client_ip);

 private:
  verify::CredentialVerifier& credentials_;
};

}  // namespace keyward
