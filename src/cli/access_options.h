// access_options.h — the access-control options shared by keys, users, service users and user
// groups: --role (repeatable) and --clear-roles, and how they go into a request body.
// Thread safety: used from main() only. Ownership: the options write into the RoleOptions
// passed in, which must outlive the CLI::App.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "cli/session.h"

namespace keyward::cli {

struct RoleOptions {
  std::vector<std::string> specs;
  bool clear = false;
};

// --role (repeatable) and, for updates, --clear-roles.
void addRoleOptions(CLI::App* cmd, RoleOptions& o, bool update);

// Puts "roles" into `body` when --role or --clear-roles was given. False (and a usage
// error reported) when a --role value does not parse.
bool putRoles(Session& s, json::object& body, const RoleOptions& o);

}  // namespace keyward::cli
