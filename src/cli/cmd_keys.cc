#include "cli/cmd_keys.h"

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

std::vector<std::string> keyRow(const json::value& k) {
  return {field(k, "id"),
          field(k, "name"),
          field(k, "state"),
          field(k, "group_id"),
          ownerOf(k, "-"),
          field(k, "expires_at", "never"),
          field(k, "last_used_at", "never")};
}

void addKeysList(CLI::App* keys, int& exit_code) {
  auto* cmd = keys->add_subcommand("list", "List the keys of a tenant (revoked keys only with --state revoked)");
  auto o = std::make_shared<KeyOptions>();
  auto l = std::make_shared<ListOptions>();
  auto state = std::make_shared<std::string>();
  addTenantOption(cmd, o->tenant);
  cmd->add_option("--group", o->group, "Only keys in this key group (id)");
  cmd->add_option("--owner", o->owner.user, "Only keys owned by this user or service user (id)");
  cmd->add_option("--state", *state, "Only keys in this state")
      ->check(CLI::IsMember({"active", "disabled", "expired", "revoked"}));
  cmd->add_option("--kind", o->kind, "Only keys of this kind")->check(CLI::IsMember({"simple", "advanced", "jwt"}));
  cmd->add_option("--purpose", o->purpose, "Only keys with this purpose")
      ->check(CLI::IsMember({"builtin_plugin", "third_party"}));
  addListOptions(cmd, *l);
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [cmd, o, l, state, g, &exit_code] {
    Session s(*g, exit_code);
    std::string query;
    if (cmd->count("--group") > 0) query += "&group_id=" + encode(o->group);
    if (cmd->count("--owner") > 0) query += "&owner_id=" + encode(o->owner.user);
    if (!state->empty()) query += "&state=" + encode(*state);
    if (!o->kind.empty()) query += "&kind=" + encode(o->kind);
    if (!o->purpose.empty()) query += "&purpose=" + encode(o->purpose);
    runList(s, keysPath(*o), query, *l, {"ID", "NAME", "STATE", "GROUP", "OWNER", "EXPIRES", "LAST USED"}, keyRow,
            "keys");
  }));
}

void addKeysGet(CLI::App* keys, int& exit_code) {
  auto* cmd = keys->add_subcommand("get", "Show one key (never its secret)");
  auto o = std::make_shared<KeyOptions>();
  addTenantOption(cmd, o->tenant);
  cmd->add_option("id", o->id, "Key id")->required();
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [o, g, &exit_code] {
    Session s(*g, exit_code);
    if (auto r = s.call("GET", keysPath(*o) + "/" + encode(o->id))) printOne(s, *r, renderKey);
  }));
}

void addKeysUpdate(CLI::App* keys, int& exit_code) {
  auto* cmd = keys->add_subcommand("update",
                                   "Change a key's description, group, expiry, IP allowlist, "
                                   "metadata or roles (its name cannot change)");
  auto o = std::make_shared<KeyOptions>();
  addTenantOption(cmd, o->tenant);
  cmd->add_option("id", o->id, "Key id")->required();
  cmd->add_option("--description", o->description, "New description");
  auto* group = cmd->add_option("--group", o->group, "Move the key to this key group (id)");
  cmd->add_flag("--no-group", o->no_group, "Take the key out of its group")->excludes(group);
  addExpiryOptions(cmd, o->expiry, "counted from now");
  auto* ip = addRepeatable(cmd, "--ip", o->ips, "Replace the IP allowlist with these CIDRs; repeat for several");
  cmd->add_flag("--clear-ips", o->clear_ips, "Empty the IP allowlist (any address may use the key)")->excludes(ip);
  cmd->add_option("--metadata", o->metadata, "Replace the metadata with this JSON object");
  auto* nb = cmd->add_option("--not-before", o->not_before, "The key verifies only from this RFC 3339 time on");
  cmd->add_option("--purpose", o->purpose, "builtin_plugin or third_party")
      ->check(CLI::IsMember({"builtin_plugin", "third_party"}));
  cmd->add_flag("--clear-not-before", o->clear_not_before, "Remove the start of validity: the key verifies at once")
      ->excludes(nb);
  addRoleOptions(cmd, o->roles, true);
  addOwnerOptions(cmd, o->owner, true);
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [cmd, o, g, &exit_code] {
    Session s(*g, exit_code);
    json::object body;
    if (cmd->count("--description") > 0) body["description"] = o->description;
    if (cmd->count("--group") > 0) body["group_id"] = o->group;
    if (o->no_group) body["group_id"] = nullptr;
    putExpiry(body, o->expiry, cmd);
    if (!o->ips.empty() || o->clear_ips) body["ip_allowlist"] = stringArray(o->ips);
    if (cmd->count("--metadata") > 0) {
      auto meta = metadataObject(s, o->metadata);
      if (!meta) return;
      body["metadata"] = std::move(*meta);
    }
    if (cmd->count("--not-before") > 0) body["not_before"] = o->not_before;
    if (o->clear_not_before) body["not_before"] = nullptr;
    if (!o->purpose.empty()) body["purpose"] = o->purpose;
    if (!putRoles(s, body, o->roles)) return;
    putOwner(body, o->owner);
    if (body.empty()) {
      s.usage("nothing to update: give at least one option (see keyward keys update --help)");
      return;
    }
    if (auto r = s.call("PATCH", keysPath(*o) + "/" + encode(o->id), &body)) printOne(s, *r, renderKey);
  }));
}

void addKeysEnableDisable(CLI::App* keys, int& exit_code) {
  for (const bool enable : {true, false}) {
    auto* cmd = keys->add_subcommand(enable ? "enable" : "disable",
                                     enable ? "Enable a disabled key: it verifies again"
                                            : "Disable a key: it stops verifying until enabled again");
    auto o = std::make_shared<KeyOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("id", o->id, "Key id")->required();
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, enable, g, &exit_code] {
      Session s(*g, exit_code);
      json::object body;
      body["enabled"] = enable;
      auto r = s.call("PATCH", keysPath(*o) + "/" + encode(o->id), &body);
      if (!r) return;
      printDone(s, *r,
                std::string("Key ") + sanitize(field(r->doc, "id")) + " is now " + sanitize(field(r->doc, "state")));
    }));
  }
}

void addKeysDelete(CLI::App* keys, int& exit_code) {
  auto* cmd = keys->add_subcommand("delete",
                                   "Revoke a key: it stops verifying at once and is kept, as revoked, "
                                   "for the audit trail");
  auto o = std::make_shared<KeyOptions>();
  addTenantOption(cmd, o->tenant);
  cmd->add_option("id", o->id, "Key id")->required();
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [o, g, &exit_code] {
    Session s(*g, exit_code);
    if (auto r = s.call("DELETE", keysPath(*o) + "/" + encode(o->id))) {
      printDone(s, *r, std::string("Revoked key ") + sanitize(o->id));
    }
  }));
}

}  // namespace

std::string renderKey(const json::value& k) {
  std::vector<std::pair<std::string, std::string>> f{
      {"ID", field(k, "id")},
      {"Name", field(k, "name")},
      {"Tenant", field(k, "tenant_id")},
      {"Description", field(k, "description", "")},
      {"Group", field(k, "group_id")},
      {"Kind",
       field(k, "kind") + (field(k, "credential_mode", "").empty() ? "" : " (" + field(k, "credential_mode") + ")")},
      {"Purpose", field(k, "purpose")},
      {"State", field(k, "state")},
      {"Start", field(k, "start")},
      {"Created", field(k, "created_at") + " by " + field(k, "created_by")},
      {"Expires", field(k, "expires_at", "never")},
      {"Last used", field(k, "last_used_at", "never")},
  };
  if (const std::string revoked = field(k, "revoked_at", ""); !revoked.empty()) f.emplace_back("Revoked", revoked);
  if (const std::string nb = field(k, "not_before", ""); !nb.empty()) f.emplace_back("Not before", nb);
  if (const std::string rotated = field(k, "rotated_at", ""); !rotated.empty()) f.emplace_back("Rotated", rotated);
  if (const std::string prev = field(k, "previous_start", ""); !prev.empty()) {
    f.emplace_back("Previous secret", prev + "... still verifies until " + field(k, "previous_expires_at"));
  }
  if (const std::string pub = field(k, "public_key", ""); !pub.empty()) f.emplace_back("Public key", pub);
  if (const std::string keyid = field(k, "keyid", ""); !keyid.empty()) {
    f.emplace_back("Key id (keyid)", keyid);
    f.emplace_back("Algorithm", field(k, "algorithm"));
  }
  f.emplace_back("IP allowlist", field(k, "ip_allowlist", "any address"));
  f.emplace_back("Owner", ownerOf(k, "none"));
  f.emplace_back("Roles", rolesOf(k));
  const auto* o = k.if_object();
  const auto* meta = o ? o->if_contains("metadata") : nullptr;
  f.emplace_back("Metadata", meta ? json::serialize(*meta) : "{}");
  return renderFields(f);
}

void addExpiryOptions(CLI::App* cmd, ExpiryOptions& e, std::string_view default_text) {
  auto* in = cmd->add_option("--expires-in-days", e.in_days,
                             "Expire this many days from now (" + std::string(default_text) + ")");
  auto* at = cmd->add_option("--expires-at", e.at, "Expire at this RFC 3339 time, e.g. 2026-01-31T00:00:00Z");
  auto* never = cmd->add_flag("--never-expires", e.never,
                              "The key never expires (refused when the tenant sets max_expiry_days)");
  in->excludes(at)->excludes(never);
  at->excludes(never);
}

void putExpiry(json::object& body, const ExpiryOptions& e, const CLI::App* cmd) {
  if (cmd->count("--expires-in-days") > 0) body["expires_in_days"] = e.in_days;
  if (cmd->count("--expires-at") > 0) body["expires_at"] = e.at;
  if (e.never) body["never_expires"] = true;
}

void addOwnerOptions(CLI::App* cmd, OwnerOptions& o, bool update) {
  auto* user = cmd->add_option("--owner-user", o.user,
                               "The key acts on behalf of this user (id): it never holds more than the user holds, "
                               "and stops verifying while the user is disabled");
  auto* svc = cmd->add_option("--owner-service-user", o.service_user,
                              "The key acts on behalf of this service user (id); counts against the tenant's "
                              "max_keys_per_service_user");
  user->excludes(svc);
  if (update)
    cmd->add_flag("--no-owner", o.none, "The key no longer acts on behalf of anyone")->excludes(user)->excludes(svc);
}

void putOwner(json::object& body, const OwnerOptions& o) {
  if (!o.user.empty()) body["owner"] = json::object{{"type", "user"}, {"id", o.user}};
  if (!o.service_user.empty()) body["owner"] = json::object{{"type", "service_user"}, {"id", o.service_user}};
  if (o.none) body["owner"] = nullptr;
}

std::string keysPath(const KeyOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/keys"; }

void registerKeys(CLI::App& app, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "Manage and verify API keys");
  keys->require_subcommand(1);
  addKeysCreate(keys, exit_code);
  addKeysList(keys, exit_code);
  addKeysGet(keys, exit_code);
  addKeysUpdate(keys, exit_code);
  addKeysEnableDisable(keys, exit_code);
  addKeysDelete(keys, exit_code);
  addKeysRotate(keys, exit_code);
  addKeysVerify(keys, exit_code);
}

}  // namespace keyward::cli
