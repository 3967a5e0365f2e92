#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/tenant_collection.h"

namespace keyward::cli {
namespace {

std::string renderModule(const json::value& m) {
  return renderFields({{"Name", field(m, "name")},
                       {"Description", field(m, "description", "")},
                       {"Built-in", field(m, "builtin")}});
}

std::vector<std::string> moduleRow(const json::value& m) {
  return {field(m, "name"), field(m, "builtin"), field(m, "description", "")};
}

const Noun kModules{"modules", "module", "modules", "Module name", renderModule, {"NAME", "BUILTIN", "DESCRIPTION"},
                    moduleRow};

}  // namespace

void registerModules(CLI::App& app, int& exit_code) {
  auto* modules =
      app.add_subcommand("modules",
                         "Manage modules: the names permissions refer to (register your own API's areas here)");
  modules->require_subcommand(1);
  {
    auto o = std::make_shared<NamedOptions>();
    auto* cmd = addCreate(modules, kModules, "Register a module of your API so roles can grant permissions on it",
                          exit_code, namedBody(o));
    cmd->add_option("--name", o->name, "Module name: 1-64 of a-z, 0-9 and _, starting with a letter")->required();
    cmd->add_option("--description", o->description, "What the module covers");
  }
  addList(modules, kModules, "List the modules of a tenant: the built-in ones, then its own", false, exit_code);
  addDelete(modules, kModules, "Remove a module (refused while a custom role uses it)", exit_code);
}

}  // namespace keyward::cli
