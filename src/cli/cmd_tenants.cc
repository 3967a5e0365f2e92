#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/printing.h"
#include "cli/requests.h"
#include "cli/session.h"

namespace keyward::cli {
namespace {

std::string renderTenant(const json::value& t) {
  return renderFields({
      {"ID", field(t, "id")},
      {"Name", field(t, "name")},
      {"Key prefix", field(t, "key_prefix")},
      {"Default expiry", days(t, "default_expiry_days", "-")},
      {"Max expiry", days(t, "max_expiry_days", "no limit")},
      {"Expiry alert", days(t, "expiry_alert_days", "-") + " before expiry"},
      {"Max keys per service user", field(t, "max_keys_per_service_user")},
      {"Never-expiring keys", field(t, "allow_never_expiring") == "false" ? "forbidden" : "allowed"},
      {"Created", field(t, "created_at")},
      {"Updated", field(t, "updated_at")},
  });
}

std::vector<std::string> tenantRow(const json::value& t) {
  return {field(t, "id"),
          field(t, "name"),
          field(t, "key_prefix"),
          days(t, "default_expiry_days", "-"),
          days(t, "max_expiry_days", "none"),
          field(t, "created_at")};
}

struct TenantSettings {
  std::string name;
  std::string key_prefix;
  int default_expiry_days = 0;
  int max_expiry_days = 0;
  bool no_max_expiry = false;
  int expiry_alert_days = 0;
  int max_keys_per_service_user = 0;
  std::string never_expiring;  // "allow" | "forbid"
};

void addTenantSettings(CLI::App* cmd, TenantSettings& t, bool create) {
  cmd->add_option("--key-prefix", t.key_prefix, "Prefix of every key of the tenant: 2-12 of [a-z0-9] (default kw)");
  cmd->add_option("--default-expiry-days", t.default_expiry_days,
                  "Lifetime of a key created without an expiry (default 182)");
  auto* max = cmd->add_option("--max-expiry-days", t.max_expiry_days,
                              "Longest lifetime a key may have (default: no limit)");
  if (!create) {
    cmd->add_flag("--no-max-expiry", t.no_max_expiry, "Remove the limit on key lifetime")->excludes(max);
  }
  cmd->add_option("--expiry-alert-days", t.expiry_alert_days, "Days before expiry that alerts start (default 14)");
  cmd->add_option("--max-keys-per-service-user", t.max_keys_per_service_user,
                  "Most keys one service user may own (default 10)");
  cmd->add_option("--never-expiring", t.never_expiring, "Whether keys that never expire may be created (default allow)")
      ->check(CLI::IsMember({"allow", "forbid"}));
}

json::object tenantBody(const TenantSettings& t, const CLI::App* cmd) {
  json::object b;
  if (cmd->count("--name") > 0) b["name"] = t.name;
  if (cmd->count("--key-prefix") > 0) b["key_prefix"] = t.key_prefix;
  if (cmd->count("--default-expiry-days") > 0) b["default_expiry_days"] = t.default_expiry_days;
  if (cmd->count("--max-expiry-days") > 0) b["max_expiry_days"] = t.max_expiry_days;
  if (t.no_max_expiry) b["max_expiry_days"] = nullptr;
  if (cmd->count("--expiry-alert-days") > 0) b["expiry_alert_days"] = t.expiry_alert_days;
  if (cmd->count("--max-keys-per-service-user") > 0) b["max_keys_per_service_user"] = t.max_keys_per_service_user;
  if (cmd->count("--never-expiring") > 0) b["allow_never_expiring"] = t.never_expiring == "allow";
  return b;
}

}  // namespace

void registerTenants(CLI::App& app, int& exit_code) {
  auto* tenants = app.add_subcommand("tenants", "Manage tenants (isolation boundaries; needs a system admin key)");
  tenants->require_subcommand(1);

  {
    auto* cmd = tenants->add_subcommand("create", "Create a tenant");
    auto t = std::make_shared<TenantSettings>();
    cmd->add_option("--name", t->name, "Tenant name (unique)")->required();
    addTenantSettings(cmd, *t, true);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, t, g, &exit_code] {
      Session s(*g, exit_code);
      const auto body = tenantBody(*t, cmd);
      if (auto r = s.call("POST", "/v1/tenants", &body)) printOne(s, *r, renderTenant);
    }));
  }
  {
    auto* cmd = tenants->add_subcommand("list", "List tenants");
    auto o = std::make_shared<ListOptions>();
    addListOptions(cmd, *o);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      runList(s, "/v1/tenants", "", *o, {"ID", "NAME", "KEY PREFIX", "DEFAULT EXPIRY", "MAX EXPIRY", "CREATED"},
              tenantRow, "tenants");
    }));
  }
  {
    auto* cmd = tenants->add_subcommand("get", "Show one tenant and its settings");
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "Tenant id")->required();
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [id, g, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("GET", "/v1/tenants/" + encode(*id))) printOne(s, *r, renderTenant);
    }));
  }
  {
    auto* cmd = tenants->add_subcommand("update", "Rename a tenant or change its settings");
    auto t = std::make_shared<TenantSettings>();
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "Tenant id")->required();
    cmd->add_option("--name", t->name, "New tenant name");
    addTenantSettings(cmd, *t, false);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, t, id, g, &exit_code] {
      Session s(*g, exit_code);
      const auto body = tenantBody(*t, cmd);
      if (body.empty()) {
        s.usage("nothing to update: give at least one option (see keyward tenants update --help)");
        return;
      }
      if (auto r = s.call("PATCH", "/v1/tenants/" + encode(*id), &body)) printOne(s, *r, renderTenant);
    }));
  }
  {
    auto* cmd = tenants->add_subcommand("delete", "Delete a tenant");
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "Tenant id")->required();
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [id, g, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("DELETE", "/v1/tenants/" + encode(*id))) {
        printDone(s, *r, std::string("Deleted tenant ") + sanitize(*id));
      }
    }));
  }
}

}  // namespace keyward::cli
