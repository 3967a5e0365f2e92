// access.h — who may do what: the authorization decision for every management operation.
// Thread safety: pure functions. Ownership: values only.
// This model is deliberately small (Portal Administrator, Verifier); the finer
// module/action/level model replaces the body of authorize() without touching callers.
#pragma once

#include <string_view>

#include "common/result.h"
#include "core/model.h"

namespace keyward {

enum class Operation {
  kTenantCreate, kTenantList, kTenantDelete,  // platform-wide: system tenant only
  kTenantRead, kTenantUpdate,
  kGroupRead, kGroupWrite,
  kKeyRead, kKeyWrite,
  kAuditRead,
  kVerify,  // learn the exact reason a key failed verification
};

// - The system tenant's Portal Administrator may do everything, in every tenant.
// - A tenant's Portal Administrator may do everything inside its own tenant, but not
//   create, list or delete tenants.
// - A Verifier may only verify (and learn exact codes) for keys of its tenant
//   (every tenant for the system tenant's Verifier).
// An object of another tenant is reported as not found (404), never as forbidden.
Status authorize(const Principal& p, Operation op, std::string_view tenant_id);

// True when the principal may see exact verification codes for keys of `tenant_id`.
bool mayVerify(const Principal& p, std::string_view tenant_id);

// Built-in roles a key may carry in this release.
bool isKnownRole(std::string_view role);

}  // namespace keyward
