// nouns.h — internal to the CLI: one register function per noun (`keyward tenants ...`,
// `keyward keys ...`), each in its own cmd_<noun>.cc; registerCommands() calls them in the
// order the top-level help lists them.
// Thread safety: used from main() only. Ownership: each adds subcommands to `app`; their
// callbacks write the command's exit status to `exit_code`, which must outlive `app`.
#pragma once

#include <CLI/CLI.hpp>

namespace keyward::cli {

void registerTenants(CLI::App& app, int& exit_code);
void registerGroups(CLI::App& app, int& exit_code);
void registerKeys(CLI::App& app, int& exit_code);
void registerUsers(CLI::App& app, int& exit_code);
void registerServiceUsers(CLI::App& app, int& exit_code);
void registerUserGroups(CLI::App& app, int& exit_code);
void registerRoles(CLI::App& app, int& exit_code);
void registerModules(CLI::App& app, int& exit_code);
void registerAudit(CLI::App& app, int& exit_code);
void registerNotifications(CLI::App& app, int& exit_code);
void registerWebhook(CLI::App& app, int& exit_code);
void registerAlerts(CLI::App& app, int& exit_code);
// Also adds the top-level `jwks` command.
void registerSigningKeys(CLI::App& app, int& exit_code);

}  // namespace keyward::cli
