#include "cli/tenant_collection.h"

#include <cctype>
#include <utility>

#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/printing.h"
#include "cli/requests.h"

namespace keyward::cli {

CLI::App* tenantCommand(CLI::App* parent, const Noun& n, const std::string& name, const std::string& help,
                        bool takes_id, int& exit_code, Run run) {
  auto* cmd = parent->add_subcommand(name, help);
  auto tenant = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  addTenantOption(cmd, *tenant);
  if (takes_id) cmd->add_option("id", *id, n.id_help)->required();
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [cmd, tenant, id, g, &exit_code, n = &n, run = std::move(run)] {
    Session s(*g, exit_code);
    std::string path = "/v1/tenants/" + encode(*tenant) + "/" + n->segment;
    if (!id->empty()) path += "/" + encode(*id);
    run(s, *cmd, path, *id);
  }));
  return cmd;
}

CLI::App* addCreate(CLI::App* parent, const Noun& n, const std::string& help, int& exit_code, BodyBuilder build) {
  return tenantCommand(parent, n, "create", help, false, exit_code,
                       [n = &n, build = std::move(build)](Session& s, const CLI::App& cmd, const std::string& path,
                                                          const std::string&) {
                         auto body = build(s, cmd);
                         if (!body) return;
                         if (auto r = s.call("POST", path, &*body)) printOne(s, *r, n->render);
                       });
}

CLI::App* addUpdate(CLI::App* parent, const Noun& n, const std::string& help, int& exit_code, BodyBuilder build) {
  return tenantCommand(parent, n, "update", help, true, exit_code,
                       [n = &n, build = std::move(build)](Session& s, const CLI::App& cmd, const std::string& path,
                                                          const std::string&) {
                         auto body = build(s, cmd);
                         if (!body) return;
                         if (body->empty()) {
                           s.usage("nothing to update: give at least one option (see keyward " + n->segment +
                                   " update --help)");
                           return;
                         }
                         if (auto r = s.call("PATCH", path, &*body)) printOne(s, *r, n->render);
                       });
}

void addList(CLI::App* parent, const Noun& n, const std::string& help, bool paged, int& exit_code) {
  auto l = std::make_shared<ListOptions>();
  auto* cmd = tenantCommand(parent, n, "list", help, false, exit_code,
                            [n = &n, l](Session& s, const CLI::App&, const std::string& path, const std::string&) {
                              runList(s, path, "", *l, n->headers, n->row, n->plural);
                            });
  if (paged) addListOptions(cmd, *l);
}

void addGet(CLI::App* parent, const Noun& n, int& exit_code) {
  tenantCommand(parent, n, "get", "Show one " + n.singular, true, exit_code,
                [n = &n](Session& s, const CLI::App&, const std::string& path, const std::string&) {
                  if (auto r = s.call("GET", path)) printOne(s, *r, n->render);
                });
}

void addDelete(CLI::App* parent, const Noun& n, const std::string& help, int& exit_code) {
  tenantCommand(parent, n, "delete", help, true, exit_code,
                [n = &n](Session& s, const CLI::App&, const std::string& path, const std::string& id) {
                  if (auto r = s.call("DELETE", path)) printDone(s, *r, "Deleted " + n->singular + " " + sanitize(id));
                });
}

void addEnableDisable(CLI::App* parent, const Noun& n, const std::string& enable_help, const std::string& disable_help,
                      int& exit_code) {
  for (const bool enable : {true, false}) {
    tenantCommand(parent, n, enable ? "enable" : "disable", enable ? enable_help : disable_help, true, exit_code,
                  [n = &n, enable](Session& s, const CLI::App&, const std::string& path, const std::string& id) {
                    json::object body{{"disabled", !enable}};
                    if (auto r = s.call("PATCH", path, &body)) {
                      std::string what = n->singular;
                      what[0] = char(std::toupper(static_cast<unsigned char>(what[0])));
                      printDone(s, *r, what + " " + sanitize(id) + " is now " + (enable ? "enabled" : "disabled"));
                    }
                  });
  }
}

void putGiven(json::object& body, const CLI::App& cmd,
              std::initializer_list<std::tuple<const char*, const char*, const std::string*>> options) {
  for (const auto& [option, name, value] : options) {
    const CLI::Option* given = cmd.get_option_no_throw(option);  // not every command has every option
    if (given && given->count() > 0) body[name] = *value;
  }
}

std::string enabledState(const json::value& p) { return field(p, "disabled") == "true" ? "disabled" : "enabled"; }
std::string createdLine(const json::value& o) { return field(o, "created_at") + " by " + field(o, "created_by"); }

BodyBuilder namedBody(std::shared_ptr<NamedOptions> o) {
  return [o](Session& s, const CLI::App& c) -> std::optional<json::object> {
    json::object body;
    putGiven(body, c, {{"--name", "name", &o->name}, {"--description", "description", &o->description}});
    if (!putRoles(s, body, o->roles)) return std::nullopt;
    if (o->disabled) body["disabled"] = true;
    return body;
  };
}

}  // namespace keyward::cli
