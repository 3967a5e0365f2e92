#include "core/roles.h"

#include <cctype>
#include <set>

namespace keyward {
namespace {

Role builtin(std::string_view name, std::string description, std::vector<Permission> perms,
             std::optional<std::string> scope = std::nullopt) {
  Role r;
  r.id = "builtin-";
  for (char c : name) r.id += c == ' ' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  r.name = name;
  r.description = std::move(description);
  r.permissions = std::move(perms);
  r.scope_module = std::move(scope);
  r.builtin = true;
  return r;
}

std::vector<Permission> everything(Level level, std::vector<Action> actions) {
  std::vector<Permission> out;
  for (Action a : actions) out.push_back({std::string(verify::kAnyModule), a, level});
  return out;
}

bool saneId(std::string_view s) {
  if (s.empty() || s.size() > 128 || s == "*") return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

const std::vector<Module>& builtinModules() {
  static const std::vector<Module> kModules = [] {
    std::vector<Module> v;
    for (auto [name, text] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {kModuleKeys, "API keys"},
             {kModuleKeyGroups, "Key groups"},
             {kModuleUsers, "Users who sign in to the console"},
             {kModuleUserGroups, "User groups and their alert subscriptions"},
             {kModuleServiceUsers, "Service users (API members) that own keys"},
             {kModuleRoles, "Roles and permission matrices"},
             {kModuleTenants, "Tenants (platform operators only)"},
             {kModuleAudit, "The audit log"},
             {kModuleNotifications, "In-app notifications"},
             {kModuleSettings, "The tenant's settings and registered modules"},
             {kModuleVerification, "Exact reasons of failed verifications"},
             {kModuleCloudAccounts, "Cloud accounts (SecureCloud's Cloud Account Viewer scope)"},
         }) {
      v.push_back(Module{"", std::string(name), std::string(text), true, 0});
    }
    return v;
  }();
  return kModules;
}

bool isBuiltinModule(std::string_view name) {
  for (const auto& m : builtinModules())
    if (m.name == name) return true;
  return false;
}

const std::vector<Role>& builtinRoles() {
  static const std::vector<Role> kRoles = {
      builtin(kRolePortalAdministrator, "Everything in the tenant (Veeam Service Provider Console)",
              everything(Level::kAll, {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete})),
      builtin(kRoleGlobalAdmin, "Everything in the tenant (Trend Micro SecureCloud)",
              everything(Level::kAll, {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete})),
      builtin(kRoleGlobalViewer, "Inquire everything, change nothing", everything(Level::kAll, {Action::kInquire})),
      builtin(kRoleCloudAccountViewer, "Inquire the cloud accounts it is given, or all of them",
              {{std::string(kModuleCloudAccounts), Action::kInquire, Level::kAll}}, std::string(kModuleCloudAccounts)),
      builtin(kRoleVerifier, "Verify keys and learn the exact reason a verification failed",
              {{std::string(kModuleVerification), Action::kInquire, Level::kAll}}),
  };
  return kRoles;
}

const Role* findBuiltinRole(std::string_view name) {
  for (const auto& r : builtinRoles())
    if (r.name == name) return &r;
  return nullptr;
}

const Role* findBuiltinRoleById(std::string_view id) {
  for (const auto& r : builtinRoles())
    if (r.id == id) return &r;
  return nullptr;
}

verify::PermissionSet compileAssignments(const std::vector<RoleAssignment>& roles, const RoleLookup& lookup) {
  verify::PermissionSet set;
  for (const auto& a : roles) {
    const Role* role = lookup(a.role);
    if (!role) continue;
    for (const auto& p : role->permissions) {
      verify::Grant g;
      g.level = p.level;
      if (role->scope_module && (p.module == *role->scope_module || p.module == verify::kAnyModule)) {
        g.all_resources = a.all_resources;
        if (!a.all_resources) g.resources.insert(a.resources.begin(), a.resources.end());
      }
      set.add(p.module, p.action, g);
    }
  }
  set.seal();
  return set;
}

Status validateAssignments(const std::vector<RoleAssignment>& roles, const RoleLookup& lookup, std::string_view field) {
  if (roles.size() > 32) return invalidField(std::string(field), "at most 32 role assignments");
  std::set<std::string> seen;
  for (size_t i = 0; i < roles.size(); ++i) {
    const auto& a = roles[i];
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    const Role* role = lookup(a.role);
    if (!role) return fail(ErrorKind::kInvalid, "UNKNOWN_ROLE", "unknown role '" + a.role + "'", at);
    if (!seen.insert(a.role).second) {
      return invalidField(at, "role '" + a.role + "' is assigned twice; give one assignment with all its resources");
    }
    if (role->scope_module) {
      if (!a.all_resources && a.resources.empty()) {
        return fail(ErrorKind::kInvalid, "SCOPE_REQUIRED",
                    "role '" + a.role + "' is given per " + *role->scope_module +
                        " resource: specify at least one resource in \"resources\" or \"all_resources\": true",
                    at);
      }
      if (a.all_resources && !a.resources.empty()) {
        return invalidField(at, "give either \"resources\" or \"all_resources\": true, not both");
      }
      if (a.resources.size() > 1000) return invalidField(at + ".resources", "at most 1000 resources");
      for (const auto& r : a.resources)
        if (!saneId(r))
          return invalidField(at + ".resources", "resource ids are 1-128 printable characters and not \"*\"");
    } else if (a.all_resources || !a.resources.empty()) {
      return invalidField(at, "role '" + a.role + "' is not scoped to resources; give it without \"resources\"");
    }
  }
  return {};
}

Status validatePermissions(const std::vector<Permission>& perms,
                           const std::function<bool(std::string_view)>& module_known) {
  if (perms.size() > 512) return invalidField("permissions", "at most 512 permissions");
  std::set<std::pair<std::string, int>> seen;
  for (size_t i = 0; i < perms.size(); ++i) {
    const auto& p = perms[i];
    const std::string at = "permissions[" + std::to_string(i) + "]";
    if (p.module != verify::kAnyModule && !module_known(p.module)) {
      return fail(ErrorKind::kInvalid, "UNKNOWN_MODULE",
                  "unknown module '" + p.module + "'; register it first (POST .../modules)", at + ".module");
    }
    if (!seen.insert({p.module, int(p.action)}).second) {
      return invalidField(at, "module '" + p.module + "' action '" + std::string(verify::toString(p.action)) +
                                  "' is listed twice");
    }
  }
  return {};
}

std::string describe(const RoleAssignment& a) {
  if (a.all_resources) return a.role + " (all resources)";
  if (a.resources.empty()) return a.role;
  std::string out = a.role + " (";
  for (size_t i = 0; i < a.resources.size(); ++i) out += (i ? ", " : "") + a.resources[i];
  return out + ")";
}

}  // namespace keyward
