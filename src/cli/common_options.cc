#include "cli/common_options.h"

namespace keyward::cli {

std::shared_ptr<Globals> addConnectionOptions(CLI::App* cmd) {
  auto shared = std::make_shared<Globals>();
  Globals& g = *shared;
  cmd->add_option("--addr", g.addr, "Server address: http://HOST:PORT or https://HOST:PORT")
      ->envname("KEYWARD_ADDR")
      ->capture_default_str()
      ->group("Connection");
  cmd->add_option("--token", g.token,
                  "Admin key, sent as 'Authorization: Bearer'. Prefer the environment variable: "
                  "command-line arguments are visible to other users in ps")
      ->envname("KEYWARD_TOKEN")
      ->group("Connection");
  cmd->add_option("--ca-file", g.ca_file, "PEM file of CAs to trust for https (default: the system store)")
      ->envname("KEYWARD_CA_FILE")
      ->group("Connection");
  cmd->add_flag("--json", g.json, "Print the server's JSON response unchanged (for scripts)")->group("Output");
  return shared;
}

void addTenantOption(CLI::App* cmd, std::string& tenant) {
  cmd->add_option("--tenant", tenant, "Tenant id")->envname("KEYWARD_TENANT")->required();
}

void addListOptions(CLI::App* cmd, ListOptions& o) {
  cmd->add_option("--limit", o.limit, "Page size (1-500; default: the server's, 50)")->check(CLI::Range(1, 500));
  cmd->add_option("--cursor", o.cursor, "Start after this cursor (printed when more results exist)");
  cmd->add_flag("--all", o.all, "Follow next_cursor and list every page");
}

CLI::Option* addRepeatable(CLI::App* cmd, const std::string& name, std::vector<std::string>& into,
                           const std::string& help) {
  // One value per flag, so `--ip 10.0.0.0/8 KEY_ID` does not swallow the positional id.
  return cmd->add_option(name, into, help)->allow_extra_args(false);
}

}  // namespace keyward::cli
