// roles.h — the built-in roles and modules, and compiling role assignments into the
// PermissionSet that management checks and the verify hot path consult.
// Thread safety: pure functions over values. Ownership: values only.
//
// Built-in roles exist in every tenant (seeds: Veeam, SecureCloud, BloxOne):
//   Portal Administrator, Global Admin — every action on every module of the tenant;
//   Global Viewer — inquire on every module;
//   Cloud Account Viewer — inquire on cloud_accounts, given per account or for all accounts;
//   Verifier — learn exact verification codes (module "verification").
// A system-tenant principal's permissions apply in every tenant (the platform operator).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/principal.h"
#include "verify/permissions.h"

namespace keyward {

inline constexpr std::string_view kModuleKeys = "keys";
inline constexpr std::string_view kModuleKeyGroups = "key_groups";
inline constexpr std::string_view kModuleUsers = "users";
inline constexpr std::string_view kModuleUserGroups = "user_groups";
inline constexpr std::string_view kModuleServiceUsers = "service_users";
inline constexpr std::string_view kModuleRoles = "roles";
inline constexpr std::string_view kModuleTenants = "tenants";
inline constexpr std::string_view kModuleAudit = "audit";
inline constexpr std::string_view kModuleNotifications = "notifications";
inline constexpr std::string_view kModuleSettings = "settings";
inline constexpr std::string_view kModuleVerification = "verification";
inline constexpr std::string_view kModuleCloudAccounts = "cloud_accounts";

const std::vector<Module>& builtinModules();
bool isBuiltinModule(std::string_view name);
const std::vector<Role>& builtinRoles();
const Role* findBuiltinRole(std::string_view name);
const Role* findBuiltinRoleById(std::string_view id);

// Looks up a role definition of a tenant by name (built-in or custom); nullptr when unknown.
using RoleLookup = std::function<const Role*(std::string_view name)>;

// The union of what the assignments grant. Unknown roles grant nothing (a role cannot be
// deleted while assigned, so this happens only for a damaged row: fail closed).
verify::PermissionSet compileAssignments(const std::vector<RoleAssignment>& roles, const RoleLookup& lookup);

// Checks assignments against the role definitions: the role exists; a scoped role names
// resources or all_resources (SecureCloud: "you must specify at least one account ... or
// All accounts"); an unscoped role takes no scope; resource ids are sane. `field` is the
// JSON field for error messages ("roles").
Status validateAssignments(const std::vector<RoleAssignment>& roles, const RoleLookup& lookup, std::string_view field);

// A permission matrix is sane: known modules (`module_known`), no duplicates.
Status validatePermissions(const std::vector<Permission>& perms,
                           const std::function<bool(std::string_view)>& module_known);

// "name", or "name (acc-1, acc-2)" / "name (all resources)": for messages.
std::string describe(const RoleAssignment& a);

}  // namespace keyward
