#include "core/authenticator.h"

namespace keyward {

Result<Principal> Authenticator::authenticate(std::string_view credential, const std::optional<IpAddress>& client_ip) {
  verify::CredentialRequest req;
  req.credential.secret = credential;
  req.purpose = verify::Purpose::kManagement;
  req.client_ip = client_ip;
  const verify::Outcome out = credentials_.check(req).outcome;
  // A key that grants nothing (no roles) identifies an integration, not a manager.
  if (!out.valid() || !out.key->access || !out.key->access->permissions || out.key->access->permissions->empty()) {
    return fail(ErrorKind::kUnauthenticated, "UNAUTHENTICATED",
                "a valid administrator credential is required (Authorization: Bearer <key>)");
  }
  const auto& access = *out.key->access;
  Principal p;
  p.key_id = out.key->id;
  p.tenant_id = out.key->tenant_id;
  p.permissions = access.permissions;
  if (access.owner_id.empty()) {
    p.kind = PrincipalKind::kKey;
    p.subject_id = out.key->id;
  } else {
    p.kind = access.owner_kind;
    p.subject_id = access.owner_id;
  }
  return p;
}

}  // namespace keyward
