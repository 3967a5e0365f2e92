#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/access_options.h"
#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/requests.h"
#include "cli/session.h"
#include "cli/tenant_collection.h"

namespace keyward::cli {
namespace {

std::string renderUserGroup(const json::value& g) {
  return renderFields({
      {"ID", field(g, "id")},
      {"Tenant", field(g, "tenant_id")},
      {"Name", field(g, "name")},
      {"Description", field(g, "description", "")},
      {"Members", field(g, "members", "none")},
      {"Subscriptions", field(g, "subscriptions", "none")},
      {"Created", createdLine(g)},
      {"Updated", field(g, "updated_at")},
  });
}

std::vector<std::string> userGroupRow(const json::value& g) {
  const auto* members = member(g, "members").if_array();
  return {field(g, "id"), field(g, "name"), std::to_string(members ? members->size() : 0),
          field(g, "subscriptions", "none")};
}

const Noun kUserGroups{"user-groups",   "user group",    "user groups",
                       "User group id", renderUserGroup, {"ID", "NAME", "MEMBERS", "SUBSCRIPTIONS"},
                       userGroupRow};

struct UserGroupOptions {
  std::shared_ptr<NamedOptions> named = std::make_shared<NamedOptions>();
  std::vector<std::string> members;
  bool clear_members = false;
  std::vector<std::string> subscriptions;
  bool clear_subscriptions = false;
};

void addUserGroupOptions(CLI::App* cmd, UserGroupOptions& o, bool update) {
  auto* m = addRepeatable(cmd, "--member", o.members,
                          update ? "Replace the members with these users (ids); repeat for several"
                                 : "A member (user id); repeat for several");
  auto* k = addRepeatable(cmd, "--subscribe", o.subscriptions,
                          std::string(update ? "Replace the subscriptions with these alert kinds"
                                             : "Subscribe the group to this alert kind") +
                              ": account_alerts or security_alerts; repeat for several");
  if (update) {
    cmd->add_flag("--clear-members", o.clear_members, "Remove every member")->excludes(m);
    cmd->add_flag("--clear-subscriptions", o.clear_subscriptions, "Remove every subscription")->excludes(k);
  }
}

BodyBuilder userGroupBody(std::shared_ptr<UserGroupOptions> o) {
  return [o, named = namedBody(o->named)](Session& s, const CLI::App& c) -> std::optional<json::object> {
    auto body = named(s, c);
    if (!body) return body;
    if (!o->members.empty() || o->clear_members) (*body)["members"] = stringArray(o->members);
    if (!o->subscriptions.empty() || o->clear_subscriptions) (*body)["subscriptions"] = stringArray(o->subscriptions);
    return body;
  };
}

}  // namespace

void registerUserGroups(CLI::App& app, int& exit_code) {
  auto* groups = app.add_subcommand("user-groups", "Manage user groups: users who receive alert kinds together");
  groups->require_subcommand(1);
  {
    auto o = std::make_shared<UserGroupOptions>();
    auto* cmd = addCreate(groups, kUserGroups, "Create a user group", exit_code, userGroupBody(o));
    cmd->add_option("--name", o->named->name, "Name (unique within the tenant)")->required();
    cmd->add_option("--description", o->named->description, "What the group is for");
    addUserGroupOptions(cmd, *o, false);
  }
  addList(groups, kUserGroups, "List the user groups of a tenant", true, exit_code);
  addGet(groups, kUserGroups, exit_code);
  {
    auto o = std::make_shared<UserGroupOptions>();
    auto* cmd = addUpdate(groups, kUserGroups, "Rename a user group or change its members or subscriptions", exit_code,
                          userGroupBody(o));
    cmd->add_option("--name", o->named->name, "New name");
    cmd->add_option("--description", o->named->description, "New description");
    addUserGroupOptions(cmd, *o, true);
  }
  addDelete(groups, kUserGroups, "Delete a user group", exit_code);
}

}  // namespace keyward::cli
