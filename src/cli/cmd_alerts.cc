#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/printing.h"
#include "cli/requests.h"
#include "cli/session.h"

namespace keyward::cli {
namespace {

std::vector<std::string> deliveryRow(const json::value& d) {
  return {field(d, "id"),     field(d, "channel"),   field(d, "recipient"),
          field(d, "key_id"), field(d, "alert_day"), field(d, "kind"),
          field(d, "status"), field(d, "attempts"),  field(d, "last_error", "")};
}

}  // namespace

void registerAlerts(CLI::App& app, int& exit_code) {
  auto* cmd_group = app.add_subcommand("alerts", "Expiry alerts: what was sent, to whom, and how it went");
  cmd_group->require_subcommand(1);
  struct DeliveryOptions {
    std::string tenant, key, channel, status;
  };
  auto* cmd = cmd_group->add_subcommand("deliveries",
                                        "List alert deliveries (e-mail, webhook) and their attempts, newest first");
  auto d = std::make_shared<DeliveryOptions>();
  auto o = std::make_shared<ListOptions>();
  addTenantOption(cmd, d->tenant);
  cmd->add_option("--key", d->key, "Only deliveries about this key id");
  cmd->add_option("--channel", d->channel, "email or webhook")->check(CLI::IsMember({"email", "webhook"}));
  cmd->add_option("--status", d->status, "pending, sent, failed, skipped or cancelled")
      ->check(CLI::IsMember({"pending", "sent", "failed", "skipped", "cancelled"}));
  addListOptions(cmd, *o);
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [d, o, g, &exit_code] {
    Session s(*g, exit_code);
    std::string q;
    if (!d->key.empty()) q += "&key_id=" + encode(d->key);
    if (!d->channel.empty()) q += "&channel=" + encode(d->channel);
    if (!d->status.empty()) q += "&status=" + encode(d->status);
    runList(s, "/v1/tenants/" + encode(d->tenant) + "/alert-deliveries", q, *o,
            {"ID", "CHANNEL", "RECIPIENT", "KEY", "DAY", "KIND", "STATUS", "ATTEMPTS", "LAST ERROR"}, deliveryRow,
            "deliveries");
  }));
}

}  // namespace keyward::cli
