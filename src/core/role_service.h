// role_service.h — roles (built-in and custom permission matrices) and the modules a
// tenant registers for its own platform's resources.
// Thread safety: safe from any thread. Ownership: borrows store, clock, audit log and the
// access index, which the composition root keeps alive longer.
// Editing a custom role recompiles every key that holds it, or whose owner holds it, before
// the response is sent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/principal.h"
#include "store/store.h"

namespace keyward {

struct CreateRoleInput {
  std::string name;
  std::string description;
  std::vector<Permission> permissions;
  std::optional<std::string> scope_module;
};

struct UpdateRoleInput {
  std::optional<std::string> description;
  std::optional<std::vector<Permission>> permissions;
  std::optional<std::optional<std::string>> scope_module;  // nullopt inside: not scoped
};

class RoleService {
 public:
  RoleService(Store& store, const Clock& clock, const AuditLog& audit, AccessIndex& access)
      : store_(store), clock_(clock), audit_(audit), access_(access) {}

  Result<Role> create(const Actor& actor, std::string_view tenant_id, const CreateRoleInput& in);
  // By id; built-in roles have ids "builtin-<name in kebab case>".
  Result<Role> get(const Actor& actor, std::string_view tenant_id, std::string_view id);
  // Built-in roles first, then custom roles in creation order.
  Result<std::vector<Role>> list(const Actor& actor, std::string_view tenant_id);
  Result<Role> update(const Actor& actor, std::string_view tenant_id, std::string_view id, const UpdateRoleInput& in);
  Status remove(const Actor& actor, std::string_view tenant_id, std::string_view id);

  // Built-in modules first, then the tenant's.
  Result<std::vector<Module>> listModules(const Actor& actor, std::string_view tenant_id);
  Result<Module> createModule(const Actor& actor, std::string_view tenant_id, const Module& in);
  Status removeModule(const Actor& actor, std::string_view tenant_id, std::string_view name);

 private:
  Status checkMatrix(const Actor& actor, std::string_view tenant_id, const std::vector<Permission>& perms,
                     const std::optional<std::string>& scope_module);

  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  AccessIndex& access_;
};

}  // namespace keyward
