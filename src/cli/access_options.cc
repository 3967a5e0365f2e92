#include "cli/access_options.h"

#include "cli/access_syntax.h"
#include "cli/common_options.h"
#include "cli/requests.h"

namespace keyward::cli {
namespace {

constexpr const char* kRoleHelp =
    "Role to grant; repeat for several. NAME for an unscoped role, NAME=RES1,RES2 for a "
    "resource-scoped role on those resources, NAME=* for all its resources "
    "(e.g. --role 'Cloud Account Viewer=acc-1,acc-2')";

}  // namespace

void addRoleOptions(CLI::App* cmd, RoleOptions& o, bool update) {
  auto* role = addRepeatable(cmd, "--role", o.specs,
                             update ? std::string("Replace the roles with these. ") + kRoleHelp : kRoleHelp);
  if (update) cmd->add_flag("--clear-roles", o.clear, "Remove every role")->excludes(role);
}

bool putRoles(Session& s, json::object& body, const RoleOptions& o) {
  if (o.specs.empty() && !o.clear) return true;
  auto roles = parsedList(s, o.specs, "--role", parseRoleAssignment);
  if (roles) body["roles"] = std::move(*roles);
  return roles.has_value();
}

}  // namespace keyward::cli
