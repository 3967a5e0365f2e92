#include "core/access.h"

#include "core/roles.h"

namespace keyward {
namespace {

Error forbidden(std::string_view module, Action action) {
  return Error{ErrorKind::kForbidden, "FORBIDDEN",
               "this credential lacks permission '" + std::string(module) + ":" +
                   std::string(verify::toString(action)) + "'",
               ""};
}

}  // namespace

Result<const verify::Grant*> authorize(const Principal& p, std::string_view module, Action action,
                                       std::string_view tenant_id) {
  const bool system = p.tenant_id == kSystemTenantId;
  // Creating, deleting and listing tenants (tenant_id "") is the platform operator's.
  const bool platform = tenant_id.empty() || (module == kModuleTenants && action != Action::kInquire);
  if (platform && !system) return std::unexpected(forbidden(module, action));
  if (!system && p.tenant_id != tenant_id) return notFound("tenant");
  const verify::Grant* g = p.permissions ? p.permissions->find(module, action) : nullptr;
  if (!g) return std::unexpected(forbidden(module, action));
  return g;
}

bool grantCovers(const Principal& p, const verify::Grant& g, const Ownership& object) {
  const Level level = g.levelFor(object.id);
  if (level == Level::kNone) return false;
  if (level == Level::kAll) return true;
  return object.created_by == p.subject_id || object.owner_id == p.subject_id ||
         (!object.id.empty() && object.id == p.subject_id);
}

bool mayVerify(const Principal& p, std::string_view tenant_id) {
  const bool in_scope = p.tenant_id == kSystemTenantId || p.tenant_id == tenant_id;
  return in_scope && p.permissions && p.permissions->allows(kModuleVerification, Action::kInquire, std::nullopt);
}

Status checkNoEscalation(const Principal& actor, const verify::PermissionSet& granted, std::string_view what) {
  std::string missing;
  if (actor.permissions && actor.permissions->covers(granted, &missing)) return {};
  return fail(ErrorKind::kForbidden, "ESCALATION",
              std::string(what) + " would grant '" + missing +
                  "' beyond what this credential holds itself; a principal cannot give more than it has");
}

}  // namespace keyward
