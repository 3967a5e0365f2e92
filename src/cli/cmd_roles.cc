#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/access_options.h"
#include "cli/access_syntax.h"
#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/requests.h"
#include "cli/session.h"
#include "cli/tenant_collection.h"

namespace keyward::cli {
namespace {

std::string roleScope(const json::value& r) {
  const std::string scope = field(r, "scope_module", "");
  return scope.empty() ? "none" : "per " + scope + " resource";
}

std::string renderRole(const json::value& r) {
  std::vector<std::pair<std::string, std::string>> f{
      {"ID", field(r, "id")},
      {"Name", field(r, "name")},
      {"Description", field(r, "description", "")},
      {"Built-in", field(r, "builtin")},
      {"Scope", roleScope(r)},
      {"Permissions", describePermissions(member(r, "permissions"))},
  };
  if (field(r, "builtin") != "true") {
    f.emplace_back("Created", createdLine(r));
    f.emplace_back("Updated", field(r, "updated_at"));
  }
  return renderFields(f);
}

std::vector<std::string> roleRow(const json::value& r) {
  return {field(r, "id"), field(r, "name"), field(r, "builtin"), roleScope(r),
          describePermissions(member(r, "permissions"))};
}

const Noun kRoles{"roles",    "role",
                  "roles",    "Role id, e.g. rol_... or builtin-global-viewer",
                  renderRole, {"ID", "NAME", "BUILTIN", "SCOPE", "PERMISSIONS"},
                  roleRow};

struct RoleDefinition {
  std::string name;
  std::string description;
  std::vector<std::string> permissions;
  bool clear_permissions = false;
  std::string scope_module;
  bool no_scope = false;
};

BodyBuilder roleBody(std::shared_ptr<RoleDefinition> o, bool create) {
  return [o, create](Session& s, const CLI::App& c) -> std::optional<json::object> {
    json::object body;
    putGiven(body, c,
             {{"--name", "name", &o->name},
              {"--description", "description", &o->description},
              {"--scope-module", "scope_module", &o->scope_module}});
    if (o->no_scope) body["scope_module"] = nullptr;
    if (create || !o->permissions.empty() || o->clear_permissions) {
      auto perms = parsedList(s, o->permissions, "--permission", parsePermission);
      if (!perms) return std::nullopt;
      body["permissions"] = std::move(*perms);
    }
    return body;
  };
}

void addRoleDefinitionOptions(CLI::App* cmd, RoleDefinition& o, bool update) {
  auto* p = addRepeatable(cmd, "--permission", o.permissions,
                          std::string(update ? "Replace the permissions with these. " : "") +
                              "A permission MODULE:ACTION:LEVEL; ACTION is inquire, add, edit or delete, LEVEL is "
                              "all, mine or none, MODULE '*' is every module (e.g. billing:edit:mine); repeat");
  auto* scope = cmd->add_option("--scope-module", o.scope_module,
                                "Give the role per resource of this module: each assignment then names its "
                                "resources (--role 'NAME=RES,...' or 'NAME=*')");
  if (update) {
    cmd->add_flag("--clear-permissions", o.clear_permissions, "Remove every permission")->excludes(p);
    cmd->add_flag("--no-scope", o.no_scope, "The role is no longer given per resource")->excludes(scope);
  }
}

}  // namespace

void registerRoles(CLI::App& app, int& exit_code) {
  auto* roles = app.add_subcommand("roles", "Manage roles: named sets of permissions (module, action, level)");
  roles->require_subcommand(1);
  {
    auto o = std::make_shared<RoleDefinition>();
    auto* cmd = addCreate(roles, kRoles, "Create a custom role", exit_code, roleBody(o, true));
    cmd->footer(
        "A role cannot grant more than the credential creating it holds (ESCALATION).\n"
        "Example: keyward roles create --tenant T --name 'Billing Operator' \\\n"
        "  --permission billing:inquire:all --permission billing:edit:mine\n");
    cmd->add_option("--name", o->name, "Name (unique within the tenant; cannot be changed later)")->required();
    cmd->add_option("--description", o->description, "What the role is for");
    addRoleDefinitionOptions(cmd, *o, false);
  }
  addList(roles, kRoles, "List the roles of a tenant: the built-in ones, then its custom roles", false, exit_code);
  addGet(roles, kRoles, exit_code);
  {
    auto o = std::make_shared<RoleDefinition>();
    auto* cmd = addUpdate(roles, kRoles,
                          "Change a custom role's description, permissions or scope (its name cannot change); "
                          "keys and principals holding it follow at once",
                          exit_code, roleBody(o, false));
    cmd->add_option("--description", o->description, "New description");
    addRoleDefinitionOptions(cmd, *o, true);
  }
  addDelete(roles, kRoles, "Delete a custom role (refused while it is assigned)", exit_code);
}

}  // namespace keyward::cli
