#include "core/authenticator.h"

namespace keyward {

Result<Principal> Authenticator::authenticate(std::string_view credential,
                                              const std::optional<IpAddress>& client_ip) {
  const auto out = verifier_.verify({credential, std::nullopt, client_ip});
  if (!out.valid() || out.key->roles.empty()) {
    return fail(ErrorKind::kUnauthenticated, "UNAUTHENTICATED",
                "a valid administrator credential is required (Authorization: Bearer <key>)");
  }
  return Principal{out.key->id, out.key->tenant_id, out.key->roles};
}

}  // namespace keyward
