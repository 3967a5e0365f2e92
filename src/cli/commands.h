// commands.h — the `keyward tenants|groups|keys|users|service-users|user-groups|roles|modules ...`
// subcommands: a CLI over the REST API.
// Thread safety: used from main() only. Ownership: registers callbacks on the given CLI::App.
#pragma once

#include <CLI/CLI.hpp>

namespace keyward::cli {

// Adds every subcommand except serve; a command's exit status goes to `exit_code`
// (0 success, 1 the server refused, 2 usage or connection error).
void registerCommands(CLI::App& app, int& exit_code);

}  // namespace keyward::cli
