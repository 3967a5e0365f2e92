// principal.h — who is calling: the principal a verified credential (a key or a console
// session) stands for, with its compiled permissions, and what "mine" means for an object.
// Not stored records (those are in model/): built per request by the authenticator.
// Thread safety: plain values; the permission set is immutable and shared.
// Ownership: every value owns its strings; the permission set is shared.
#pragma once

#include <memory>
#include <string>

#include "model/model.h"
#include "verify/permissions.h"

namespace keyward {

// Who is calling: derived from a verified credential (a key or a console session), never
// from what the client claims.
struct Principal {
  std::string key_id;  // the key used; "" for a console session
  PrincipalKind kind = PrincipalKind::kKey;
  std::string subject_id;  // whose permissions apply: the key's owner, the signed-in user, or the key
  std::string tenant_id;
  std::shared_ptr<const verify::PermissionSet> permissions;  // never null once authenticated
  // The id written as actor in audit events and as created_by: the key, or the user.
  const std::string& actorId() const { return key_id.empty() ? subject_id : key_id; }
};

// The principal plus where the request came from: what every service call needs to
// authorize and to write its audit event.
struct Actor {
  Principal principal;
  std::string client_ip;
};

// What "mine" means for an object: created by, or owned by, the calling principal.
struct Ownership {
  std::string id;  // the object's id (for resource-scoped grants)
  std::string created_by;
  std::string owner_id;  // "" when the object has no owner
};
}  // namespace keyward
