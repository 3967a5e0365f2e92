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

std::vector<std::string> notificationRow(const json::value& n) {
  return {field(n, "id"),         field(n, "read") == "true" ? "read" : "unread",
          field(n, "kind"),       field(n, "key_name") + " (" + field(n, "key_id") + ")",
          field(n, "expires_at"), field(n, "message")};
}

std::string renderNotification(const json::value& n) {
  return renderFields({
      {"ID", field(n, "id")},
      {"Message", field(n, "message")},
      {"Kind", field(n, "kind")},
      {"Key", field(n, "key_name") + " (" + field(n, "key_id") + ")"},
      {"Link", field(n, "key_path")},
      {"Expires", field(n, "expires_at")},
      {"Created", field(n, "created_at")},
      {"Read", field(n, "read_at", "not yet")},
  });
}

}  // namespace

void registerNotifications(CLI::App& app, int& exit_code) {
  auto* cmd_group = app.add_subcommand("notifications", "Your in-app notifications (expiry alerts of your keys)");
  cmd_group->require_subcommand(1);
  {
    auto* cmd = cmd_group->add_subcommand("list", "List the calling principal's notifications, newest first");
    auto unread = std::make_shared<bool>(false);
    auto o = std::make_shared<ListOptions>();
    cmd->add_flag("--unread", *unread, "Only notifications not yet read");
    addListOptions(cmd, *o);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [unread, o, g, &exit_code] {
      Session s(*g, exit_code);
      runList(s, "/v1/notifications", *unread ? "&unread=true" : "", *o,
              {"ID", "STATE", "KIND", "KEY", "EXPIRES", "MESSAGE"}, notificationRow, "notifications");
    }));
  }
  {
    auto* cmd = cmd_group->add_subcommand("read", "Mark a notification read");
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "Notification id")->required();
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [id, g, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("POST", "/v1/notifications/" + encode(*id) + "/read")) printOne(s, *r, renderNotification);
    }));
  }
}

}  // namespace keyward::cli
