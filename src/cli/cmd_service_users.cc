#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/access_options.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/requests.h"
#include "cli/session.h"
#include "cli/tenant_collection.h"

namespace keyward::cli {
namespace {

std::string renderServiceUser(const json::value& u) {
  return renderFields({
      {"ID", field(u, "id")},
      {"Tenant", field(u, "tenant_id")},
      {"Name", field(u, "name")},
      {"Description", field(u, "description", "")},
      {"State", enabledState(u)},
      {"Roles", rolesOf(u)},
      {"Created", createdLine(u)},
      {"Updated", field(u, "updated_at")},
  });
}

std::vector<std::string> serviceUserRow(const json::value& u) {
  return {field(u, "id"), field(u, "name"), enabledState(u), rolesOf(u), field(u, "description", "")};
}

const Noun kServiceUsers{"service-users",   "service user",    "service users",
                         "Service user id", renderServiceUser, {"ID", "NAME", "STATE", "ROLES", "DESCRIPTION"},
                         serviceUserRow};

}  // namespace

void registerServiceUsers(CLI::App& app, int& exit_code) {
  auto* svc = app.add_subcommand("service-users", "Manage service users: non-human principals that own keys");
  svc->require_subcommand(1);
  {
    auto o = std::make_shared<NamedOptions>();
    auto* cmd = addCreate(svc, kServiceUsers, "Create a service user", exit_code, namedBody(o));
    cmd->add_option("--name", o->name, "Name (unique within the tenant)")->required();
    cmd->add_option("--description", o->description, "What the service user is for");
    addRoleOptions(cmd, o->roles, false);
    cmd->add_flag("--disabled", o->disabled, "Create it disabled (its keys do not verify until enabled)");
  }
  addList(svc, kServiceUsers, "List the service users of a tenant", true, exit_code);
  addGet(svc, kServiceUsers, exit_code);
  {
    auto o = std::make_shared<NamedOptions>();
    auto* cmd = addUpdate(svc, kServiceUsers, "Rename a service user, change its description or roles", exit_code,
                          namedBody(o));
    cmd->add_option("--name", o->name, "New name");
    cmd->add_option("--description", o->description, "New description");
    addRoleOptions(cmd, o->roles, true);
  }
  addEnableDisable(svc, kServiceUsers, "Enable a service user: its keys verify again",
                   "Disable a service user: its keys stop verifying (OWNER_DISABLED) until it is enabled", exit_code);
  addDelete(svc, kServiceUsers, "Delete a service user (refused while it owns keys that are not revoked)", exit_code);
}

}  // namespace keyward::cli
