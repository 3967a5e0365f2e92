// access.h — who may do what: the authorization decision for every management operation.
// Thread safety: pure functions. Ownership: values only.
// A decision is (module, action) against the caller's compiled permissions, then the level
// ("mine": only objects the principal created or owns) and the resource scope against the
// object when there is one. Tenancy comes first: an object of another tenant is reported
// as not found (404), never as forbidden, so a caller learns nothing about other tenants.
// A system-tenant principal's permissions apply in every tenant (the platform operator);
// creating, listing and deleting tenants is for system-tenant principals only.
#pragma once

#include <string_view>

#include "common/result.h"
#include "core/principal.h"

namespace keyward {

// Everything a principal's grant on (module, action) allows, or 403/404.
Result<const verify::Grant*> authorize(const Principal& p, std::string_view module, Action action,
                                       std::string_view tenant_id);

// Whether a grant lets the principal see/change `object` (used to filter lists).
bool grantCovers(const Principal& p, const verify::Grant& g, const Ownership& object);

// True when the principal may learn exact verification codes for keys of `tenant_id`.
bool mayVerify(const Principal& p, std::string_view tenant_id);

// No escalation: refuses (403, ESCALATION) when `granted` holds anything the actor does
// not hold itself. `what` names the thing being given ("the key's roles").
Status checkNoEscalation(const Principal& actor, const verify::PermissionSet& granted, std::string_view what);

}  // namespace keyward
