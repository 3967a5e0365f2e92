#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/access_options.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/requests.h"
#include "cli/session.h"
#include "cli/tenant_collection.h"
#include "cli/terminal_input.h"

namespace keyward::cli {
namespace {

std::string renderUser(const json::value& u) {
  return renderFields({
      {"ID", field(u, "id")},
      {"Tenant", field(u, "tenant_id")},
      {"E-mail", field(u, "email")},
      {"Display name", field(u, "display_name")},
      {"State", enabledState(u)},
      {"Roles", rolesOf(u)},
      {"Created", createdLine(u)},
      {"Updated", field(u, "updated_at")},
  });
}

std::vector<std::string> userRow(const json::value& u) {
  return {field(u, "id"), field(u, "email"), field(u, "display_name"), enabledState(u), rolesOf(u)};
}

const Noun kUsers{"users", "user", "users", "User id", renderUser, {"ID", "EMAIL", "DISPLAY NAME", "STATE", "ROLES"},
                  userRow};

struct UserOptions {
  std::string email;
  std::string display_name;
  bool password_stdin = false;
  bool change_password = false;
  RoleOptions roles;
  bool disabled = false;
};

}  // namespace

void registerUsers(CLI::App& app, int& exit_code) {
  auto* users = app.add_subcommand("users", "Manage users: people who sign in to the console");
  users->require_subcommand(1);
  {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = addCreate(users, kUsers, "Create a user; the password is read from stdin, never from an argument",
                          exit_code, [o](Session& s, const CLI::App&) -> std::optional<json::object> {
                            json::object body{{"email", o->email}, {"display_name", o->display_name}};
                            if (!putRoles(s, body, o->roles)) return std::nullopt;
                            if (o->disabled) body["disabled"] = true;
                            auto password = readPassword(s, o->password_stdin);
                            if (!password) return std::nullopt;
                            body["password"] = std::move(*password);
                            return body;
                          });
    cmd->footer(
        "The password (at least 12 characters) is asked for twice on a terminal; otherwise it is the\n"
        "first line of stdin. Example: printf '%s\\n' \"$PASSWORD\" | keyward users create --tenant T \\\n"
        "  --email ana@example.com --display-name 'Ana Silva' --role 'Global Viewer' --password-stdin\n");
    cmd->add_option("--email", o->email, "E-mail address: the sign-in name, unique within the tenant")->required();
    cmd->add_option("--display-name", o->display_name, "Name shown in the console")->required();
    cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from the first line of stdin, no prompt");
    addRoleOptions(cmd, o->roles, false);
    cmd->add_flag("--disabled", o->disabled, "Create the user disabled (cannot sign in until enabled)");
  }
  addList(users, kUsers, "List the users of a tenant", true, exit_code);
  addGet(users, kUsers, exit_code);
  {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = addUpdate(
        users, kUsers, "Change a user's e-mail, display name, password or roles", exit_code,
        [o](Session& s, const CLI::App& c) -> std::optional<json::object> {
          json::object body;
          putGiven(body, c, {{"--email", "email", &o->email}, {"--display-name", "display_name", &o->display_name}});
          if (!putRoles(s, body, o->roles)) return std::nullopt;
          if (o->change_password || o->password_stdin) {
            auto password = readPassword(s, o->password_stdin);
            if (!password) return std::nullopt;
            body["password"] = std::move(*password);
          }
          return body;
        });
    cmd->add_option("--email", o->email, "New e-mail address");
    cmd->add_option("--display-name", o->display_name, "New display name");
    cmd->add_flag("--change-password", o->change_password,
                  "Set a new password: asked for twice on a terminal, else the first line of stdin");
    cmd->add_flag("--password-stdin", o->password_stdin, "Set a new password read from the first line of stdin");
    addRoleOptions(cmd, o->roles, true);
  }
  addEnableDisable(users, kUsers, "Enable a disabled user: they can sign in again and keys they own verify again",
                   "Disable a user: their sessions end, they cannot sign in, and keys they own stop verifying "
                   "(OWNER_DISABLED)",
                   exit_code);
  addDelete(users, kUsers, "Delete a user (refused while they own keys that are not revoked)", exit_code);
}

}  // namespace keyward::cli
