#include "cli/commands.h"

#include "cli/nouns.h"

namespace keyward::cli {

void registerCommands(CLI::App& app, int& exit_code) {
  app.footer(
      "Every command except serve calls a running server. Each takes --addr (KEYWARD_ADDR, default\n"
      "http://127.0.0.1:8420), --token (KEYWARD_TOKEN), --ca-file (KEYWARD_CA_FILE) and --json;\n"
      "--tenant defaults to KEYWARD_TENANT. Exit status: 0 success, 1 the server refused (or a key is\n"
      "not valid), 2 usage or connection error. Run `keyward keys --help` for the key commands.\n"
      "Roles are given as --role NAME, --role 'NAME=RES1,RES2' (scoped) or --role 'NAME=*' (all resources).");
  registerTenants(app, exit_code);
  registerGroups(app, exit_code);
  registerKeys(app, exit_code);
  registerUsers(app, exit_code);
  registerServiceUsers(app, exit_code);
  registerUserGroups(app, exit_code);
  registerRoles(app, exit_code);
  registerModules(app, exit_code);
  registerAudit(app, exit_code);
  registerNotifications(app, exit_code);
  registerWebhook(app, exit_code);
  registerAlerts(app, exit_code);
  registerSigningKeys(app, exit_code);
}

}  // namespace keyward::cli
