#include <boost/json.hpp>
#include <iostream>
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

std::vector<std::string> signingKeyRow(const json::value& k) {
  return {field(k, "kid"),        field(k, "alg"),        field(k, "status"),
          field(k, "created_at"), field(k, "retired_at"), field(k, "published_until")};
}

std::string renderSigningKey(const json::value& k) {
  return renderFields({{"Kid", field(k, "kid")},
                       {"Algorithm", field(k, "alg")},
                       {"Status", field(k, "status")},
                       {"Created", field(k, "created_at")}});
}

}  // namespace

void registerSigningKeys(CLI::App& app, int& exit_code) {
  auto* cmd_group = app.add_subcommand("signing-keys", "A tenant's JWT signing keys (public parts only)");
  cmd_group->require_subcommand(1);
  auto path = [](const std::string& tenant) { return "/v1/tenants/" + encode(tenant) + "/signing-keys"; };
  {
    auto* cmd = cmd_group->add_subcommand("list", "List the signing keys: current, and retired ones still in the JWKS");
    auto tenant = std::make_shared<std::string>();
    addTenantOption(cmd, *tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, g, path, &exit_code] {
      Session s(*g, exit_code);
      auto r = s.call("GET", path(*tenant));
      if (!r) return;
      if (s.json()) {
        s.printRaw(*r);
        return;
      }
      Table table({"KID", "ALG", "STATUS", "CREATED", "RETIRED", "PUBLISHED UNTIL"});
      const auto* o = r->doc.if_object();
      const auto* list = o ? o->if_contains("items") : nullptr;
      if (list && list->is_array())
        for (const auto& k : list->get_array()) table.addRow(signingKeyRow(k));
      std::cout << table.render();
      if (table.rowCount() == 0) std::cerr << "no signing keys yet: the first JWT key creates one\n";
    }));
  }
  {
    auto* cmd = cmd_group->add_subcommand("rotate",
                                          "Start signing new JWTs with a new key; the old one stays in the JWKS");
    cmd->footer(
        "Tokens signed by the old key keep verifying: it stays in the JWKS until the longest a JWT key\n"
        "can live (730 days) has passed since its retirement.\n");
    auto tenant = std::make_shared<std::string>();
    addTenantOption(cmd, *tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, g, path, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("POST", path(*tenant) + "/rotate")) printOne(s, *r, renderSigningKey);
    }));
  }
  {
    auto* cmd = app.add_subcommand("jwks", "Print a tenant's public JWKS (what third parties check JWT keys with)");
    auto tenant = std::make_shared<std::string>();
    addTenantOption(cmd, *tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, g, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("GET", "/v1/tenants/" + encode(*tenant) + "/jwks.json")) s.printRaw(*r);
    }));
  }
}

}  // namespace keyward::cli
