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

std::string renderGroup(const json::value& g) {
  return renderFields({
      {"ID", field(g, "id")},
      {"Tenant", field(g, "tenant_id")},
      {"Name", field(g, "name")},
      {"Description", field(g, "description", "")},
      {"Created", field(g, "created_at")},
      {"Updated", field(g, "updated_at")},
  });
}

std::vector<std::string> groupRow(const json::value& g) {
  return {field(g, "id"), field(g, "name"), field(g, "description", ""), field(g, "created_at")};
}

struct GroupOptions {
  std::string tenant;
  std::string id;
  std::string name;
  std::string description;
};

std::string groupsPath(const GroupOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/key-groups"; }

}  // namespace

void registerGroups(CLI::App& app, int& exit_code) {
  auto* groups = app.add_subcommand("groups", "Manage key groups (named folders of keys within a tenant)");
  groups->require_subcommand(1);

  {
    auto* cmd = groups->add_subcommand("create", "Create a key group");
    auto o = std::make_shared<GroupOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("--name", o->name, "Group name (unique within the tenant)")->required();
    cmd->add_option("--description", o->description, "What the group is for");
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, o, g, &exit_code] {
      Session s(*g, exit_code);
      json::object body;
      body["name"] = o->name;
      if (cmd->count("--description") > 0) body["description"] = o->description;
      if (auto r = s.call("POST", groupsPath(*o), &body)) printOne(s, *r, renderGroup);
    }));
  }
  {
    auto* cmd = groups->add_subcommand("list", "List the key groups of a tenant");
    auto o = std::make_shared<GroupOptions>();
    auto l = std::make_shared<ListOptions>();
    addTenantOption(cmd, o->tenant);
    addListOptions(cmd, *l);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, l, g, &exit_code] {
      Session s(*g, exit_code);
      runList(s, groupsPath(*o), "", *l, {"ID", "NAME", "DESCRIPTION", "CREATED"}, groupRow, "groups");
    }));
  }
  {
    auto* cmd = groups->add_subcommand("get", "Show one key group");
    auto o = std::make_shared<GroupOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("id", o->id, "Group id")->required();
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("GET", groupsPath(*o) + "/" + encode(o->id))) printOne(s, *r, renderGroup);
    }));
  }
  {
    auto* cmd = groups->add_subcommand("update", "Rename a key group or change its description");
    auto o = std::make_shared<GroupOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("id", o->id, "Group id")->required();
    cmd->add_option("--name", o->name, "New group name");
    cmd->add_option("--description", o->description, "New description");
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, o, g, &exit_code] {
      Session s(*g, exit_code);
      json::object body;
      if (cmd->count("--name") > 0) body["name"] = o->name;
      if (cmd->count("--description") > 0) body["description"] = o->description;
      if (body.empty()) {
        s.usage("nothing to update: give --name and/or --description");
        return;
      }
      if (auto r = s.call("PATCH", groupsPath(*o) + "/" + encode(o->id), &body)) printOne(s, *r, renderGroup);
    }));
  }
  {
    auto* cmd = groups->add_subcommand("delete", "Delete an empty key group (refused while it holds keys)");
    auto o = std::make_shared<GroupOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("id", o->id, "Group id")->required();
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      if (auto r = s.call("DELETE", groupsPath(*o) + "/" + encode(o->id))) {
        printDone(s, *r, std::string("Deleted key group ") + sanitize(o->id));
      }
    }));
  }
}

}  // namespace keyward::cli
