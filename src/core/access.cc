#include "core/access.h"

namespace keyward {

bool isKnownRole(std::string_view role) {
  return role == kRolePortalAdministrator || role == kRoleVerifier;
}

bool mayVerify(const Principal& p, std::string_view tenant_id) {
  const bool in_scope = p.tenant_id == kSystemTenantId || p.tenant_id == tenant_id;
  return in_scope && (p.hasRole(kRolePortalAdministrator) || p.hasRole(kRoleVerifier));
}

Status authorize(const Principal& p, Operation op, std::string_view tenant_id) {
  const bool system = p.tenant_id == kSystemTenantId;
  const bool admin = p.hasRole(kRolePortalAdministrator);
  const bool platform_op =
      op == Operation::kTenantCreate || op == Operation::kTenantList || op == Operation::kTenantDelete;
  if (!system && !platform_op && p.tenant_id != tenant_id) return notFound("tenant");
  if (op == Operation::kVerify) {
    if (mayVerify(p, tenant_id)) return {};
  } else if (admin && (system || !platform_op)) {
    return {};
  }
  return fail(ErrorKind::kForbidden, "FORBIDDEN",
              "this credential is not permitted to perform this operation");
}

}  // namespace keyward
