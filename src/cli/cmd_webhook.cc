#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
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

std::string renderWebhook(const json::value& w) {
  std::vector<std::pair<std::string, std::string>> f{
      {"ID", field(w, "id")},
      {"Tenant", field(w, "tenant_id")},
      {"URL", field(w, "url")},
      {"Events", field(w, "events")},
      {"Secret version", field(w, "secret_version")},
      {"Signature header", field(w, "signature_header")},
      {"Created", field(w, "created_at")},
      {"Updated", field(w, "updated_at")},
  };
  return renderFields(f);
}

// PUT and rotate-secret answer with the signing secret, shown once: print it apart, loudly.
void printWebhookWithSecret(Session& s, const Reply& r) {
  if (s.json()) {
    s.printRaw(r);
    return;
  }
  std::cout << renderWebhook(r.doc);
  if (const std::string secret = field(r.doc, "secret", ""); !secret.empty()) {
    std::cout << "\nSigning secret (shown once; keyward keeps no copy):\n  " << secret << "\n";
  }
}

}  // namespace

void registerWebhook(CLI::App& app, int& exit_code) {
  auto* cmd_group = app.add_subcommand("webhook", "A tenant's webhook for expiry alerts (signed JSON POSTs)");
  cmd_group->require_subcommand(1);
  auto path = [](const std::string& tenant) { return "/v1/tenants/" + encode(tenant) + "/webhook"; };
  {
    auto* cmd =
        cmd_group->add_subcommand("set",
                                  "Create or change the webhook; on creation its signing secret is printed once");
    auto tenant = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    auto events = std::make_shared<std::vector<std::string>>();
    addTenantOption(cmd, *tenant);
    cmd->add_option("--url", *url, "http:// or https:// URL the events are POSTed to")->required();
    cmd->add_option("--event", *events, "key.expiring or key.expired; repeat for both (default: both)");
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, url, events, g, path, &exit_code] {
      Session s(*g, exit_code);
      json::object body;
      body["url"] = *url;
      if (!events->empty()) body["events"] = stringArray(*events);
      if (auto r = s.call("PUT", path(*tenant), &body)) printWebhookWithSecret(s, *r);
    }));
  }
  {
    auto* cmd = cmd_group->add_subcommand("get", "Show the webhook (never its secret)");
    auto tenant = std::make_shared<std::string>();
    addTenantOption(cmd, *tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, g, path, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("GET", path(*tenant))) printOne(s, *r, renderWebhook);
    }));
  }
  {
    auto* cmd = cmd_group->add_subcommand("delete", "Remove the webhook (pending webhook deliveries are skipped)");
    auto tenant = std::make_shared<std::string>();
    addTenantOption(cmd, *tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, g, path, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("DELETE", path(*tenant)))
        printDone(s, *r, "Deleted the webhook of tenant " + sanitize(*tenant));
    }));
  }
  {
    auto* cmd = cmd_group->add_subcommand("rotate-secret", "Replace the signing secret; the new one is printed once");
    auto tenant = std::make_shared<std::string>();
    addTenantOption(cmd, *tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [tenant, g, path, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("POST", path(*tenant) + "/rotate-secret")) printWebhookWithSecret(s, *r);
    }));
  }
}

}  // namespace keyward::cli
