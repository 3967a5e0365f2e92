// object_access.h — the read-check-act pattern every management service shares: guard the
// (module, action), read the object from the caller's tenant, then apply level "mine" and
// resource scopes to it; and the same filter for lists.
// Thread safety: stateless templates. Ownership: borrows what it is given for the call.
#pragma once

#include <algorithm>
#include <string_view>

#include "core/access.h"
#include "core/audit_log.h"

namespace keyward {

// Who created (or owns) an object, for "mine". Objects with `created_by` only.
template <class T>
Ownership ownershipOf(const T& o) {
  return Ownership{o.id, o.created_by, ""};
}
// A key is also its owner's.
inline Ownership ownershipOf(const ApiKey& k) { return Ownership{k.id, k.created_by, k.owner ? k.owner->id : ""}; }

// Lists show only what the grant covers ("mine", resource scopes). A page may then hold
// fewer than `limit` items; next_cursor still continues the scan.
template <class T>
void keepCovered(const Actor& actor, const verify::Grant& g, std::vector<T>& items) {
  std::erase_if(items, [&](const T& o) { return !grantCovers(actor.principal, g, ownershipOf(o)); });
}

// guard(), then `get()` (which reads from the caller's tenant only), then guardObject().
template <class T, class Get>
Result<T> readGuarded(const AuditLog& audit, const Actor& actor, std::string_view module, Action action,
                      std::string_view tenant_id, std::string_view id, std::string_view audit_action, Get get) {
  auto grant = audit.guard(actor, module, action, tenant_id, audit_action, id);
  if (!grant) return std::unexpected(grant.error());
  Result<T> obj = get();
  if (!obj) return obj;
  if (auto st = audit.guardObject(actor, **grant, module, action, tenant_id, ownershipOf(*obj), audit_action); !st) {
    return std::unexpected(st.error());
  }
  return obj;
}

}  // namespace keyward
