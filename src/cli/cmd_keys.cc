#include "cli/commands.h"

#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <functional>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "cli/access_options.h"
#include "cli/access_syntax.h"
#include "cli/common_options.h"
#include "cli/http_client.h"
#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/printing.h"
#include "cli/requests.h"
#include "cli/session.h"
#include "cli/tenant_collection.h"
#include "cli/terminal_input.h"
#include "sign/basic_auth.h"

namespace keyward::cli {
namespace {

// --- rendering ---------------------------------------------------------------------------

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

std::string renderKey(const json::value& k) {
  std::vector<std::pair<std::string, std::string>> f{
      {"ID", field(k, "id")},
      {"Name", field(k, "name")},
      {"Tenant", field(k, "tenant_id")},
      {"Description", field(k, "description", "")},
      {"Group", field(k, "group_id")},
      {"Kind", field(k, "kind") + (field(k, "credential_mode", "").empty() ? "" : " (" + field(k, "credential_mode") + ")")},
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

std::vector<std::string> keyRow(const json::value& k) {
  return {field(k, "id"),
          field(k, "name"),
          field(k, "state"),
          field(k, "group_id"),
          ownerOf(k, "-"),
          field(k, "expires_at", "never"),
          field(k, "last_used_at", "never")};
}

// --- expiry options shared by keys create and keys update --------------------------------

struct ExpiryOptions {
  int in_days = 0;
  std::string at;
  bool never = false;
};

void addExpiryOptions(CLI::App* cmd, ExpiryOptions& e, std::string_view default_text) {
  auto* in = cmd->add_option("--expires-in-days", e.in_days,
                             "Expire this many days from now (" + std::string(default_text) + ")");
  auto* at = cmd->add_option("--expires-at", e.at, "Expire at this RFC 3339 time, e.g. 2026-01-31T00:00:00Z");
  auto* never =
      cmd->add_flag("--never-expires", e.never, "The key never expires (refused when the tenant sets max_expiry_days)");
  in->excludes(at)->excludes(never);
  at->excludes(never);
}

void putExpiry(json::object& body, const ExpiryOptions& e, const CLI::App* cmd) {
  if (cmd->count("--expires-in-days") > 0) body["expires_in_days"] = e.in_days;
  if (cmd->count("--expires-at") > 0) body["expires_at"] = e.at;
  if (e.never) body["never_expires"] = true;
}

// --- tenants -----------------------------------------------------------------------------

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
  auto* max =
      cmd->add_option("--max-expiry-days", t.max_expiry_days, "Longest lifetime a key may have (default: no limit)");
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

// --- key groups --------------------------------------------------------------------------

struct GroupOptions {
  std::string tenant;
  std::string id;
  std::string name;
  std::string description;
};

std::string groupsPath(const GroupOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/key-groups"; }

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

// --- keys --------------------------------------------------------------------------------

struct OwnerOptions {
  std::string user;
  std::string service_user;
  bool none = false;
};

void addOwnerOptions(CLI::App* cmd, OwnerOptions& o, bool update) {
  auto* user = cmd->add_option("--owner-user", o.user,
                               "The key acts on behalf of this user (id): it never holds more than the user holds, "
                               "and stops verifying while the user is disabled");
  auto* svc = cmd->add_option("--owner-service-user", o.service_user,
                              "The key acts on behalf of this service user (id); counts against the tenant's "
                              "max_keys_per_service_user");
  user->excludes(svc);
  if (update) cmd->add_flag("--no-owner", o.none, "The key no longer acts on behalf of anyone")->excludes(user)->excludes(svc);
}

void putOwner(json::object& body, const OwnerOptions& o) {
  if (!o.user.empty()) body["owner"] = json::object{{"type", "user"}, {"id", o.user}};
  if (!o.service_user.empty()) body["owner"] = json::object{{"type", "service_user"}, {"id", o.service_user}};
  if (o.none) body["owner"] = nullptr;
}

struct KeyOptions {
  std::string tenant;
  std::string id;
  std::string name;
  std::string description;
  std::string group;
  bool no_group = false;
  ExpiryOptions expiry;
  std::vector<std::string> ips;
  bool clear_ips = false;
  std::string metadata;
  bool disabled = false;
  RoleOptions roles;
  OwnerOptions owner;
  std::string not_before;
  bool clear_not_before = false;
  std::string grace = "0";
  std::string kind;
  std::string credential_mode;
  std::string purpose;
  std::string public_key_file;  // key pairs: the client's public key (PEM or JWK file)
  std::string algorithm;        // key pairs generated by keyward
};

// Adds --public-key-file / --algorithm (key-pair keys) to `cmd`.
void addKeyPairOptions(CLI::App* cmd, KeyOptions& o) {
  auto* file = cmd->add_option("--public-key-file", o.public_key_file,
                               "For --credential-mode key_pair: the client's public key, a PEM or JWK file "
                               "(the private key never leaves the client); without it keyward generates the pair "
                               "and prints the private key once")
                   ->check(CLI::ExistingFile);
  cmd->add_option("--algorithm", o.algorithm, "For a generated key pair: ed25519 (default) or ecdsa-p256-sha256")
      ->check(CLI::IsMember({"ed25519", "ecdsa-p256-sha256"}))
      ->excludes(file);
}

// Puts the key-pair options into a create or rotate body; false (usage error reported) when
// the public key file cannot be read.
bool putKeyPair(Session& s, json::object& body, const KeyOptions& o) {
  if (!o.algorithm.empty()) body["algorithm"] = o.algorithm;
  if (o.public_key_file.empty()) return true;
  std::ifstream in(o.public_key_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    s.usage("--public-key-file: cannot read " + o.public_key_file);
    return false;
  }
  const std::string content = text.str();
  boost::system::error_code ec;
  auto jwk = json::parse(content, ec);
  if (!ec && jwk.is_object()) body["public_key"] = std::move(jwk);
  else body["public_key"] = content;
  return true;
}

// What a creation or rotation prints once: the secret, and for an advanced key the header
// its client sends.
void printSecretOnce(const json::value& doc, std::string_view what) {
  const auto* obj = doc.if_object();
  const json::value key = obj && obj->contains("key") ? obj->at("key") : json::value();
  std::cout << renderKey(key) << '\n';
  const std::string secret = field(doc, "secret", "");
  if (field(key, "credential_mode", "") == "key_pair") {
    if (secret.empty()) {
      std::cout << "The client keeps its private key; it signs requests with keyid \"" << sanitize(field(key, "keyid"))
                << "\".\n";
      return;
    }
    std::cout << "Private key (PKCS#8 PEM; give it to the client, it signs requests with keyid \""
              << sanitize(field(key, "keyid")) << "\"):\n"
              ;
    // A PEM is printed line by line: each line is sanitised, the line breaks kept.
    std::istringstream lines(secret);
    for (std::string line; std::getline(lines, line);) std::cout << sanitize(line) << '\n';
  } else if (field(key, "kind", "") == "jwt") {
    std::cout << "Token: " << sanitize(field(doc, "secret")) << '\n'
              << "Client header: Authorization: " << sanitize(field(doc, "authorization")) << '\n';
  } else if (const std::string auth = field(doc, "authorization", ""); !auth.empty()) {
    std::cout << "Private key: " << sanitize(field(doc, "secret")) << '\n'
              << "Client header: Authorization: " << sanitize(auth) << '\n';
  } else {
    std::cout << "Secret: " << sanitize(field(doc, "secret")) << '\n';
  }
  std::cout << "This " << what << " is shown only once: store it now. keyward keeps only a digest and cannot show "
               "it again.\n";
}

std::string keysPath(const KeyOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/keys"; }

// "90", "90s", "15m", "24h", "7d" -> seconds; nullopt when malformed or negative.
std::optional<std::int64_t> parseDurationSeconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; text.remove_suffix(1); break;
    case 'm': unit = 60; text.remove_suffix(1); break;
    case 'h': unit = 3600; text.remove_suffix(1); break;
    case 'd': unit = 86400; text.remove_suffix(1); break;
    default: break;
  }
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  return n * unit;
}

void registerKeys(CLI::App& app, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "Manage and verify API keys");
  keys->require_subcommand(1);

  {
    auto* cmd = keys->add_subcommand("create", "Create a simple API key; its secret is printed once");
    cmd->footer(
        "The secret is shown only at creation: keyward stores only a digest of it.\n"
        "Example: keyward keys create --tenant t_123 --name billing-sync --expires-in-days 90 --ip 10.0.0.0/8\n");
    auto o = std::make_shared<KeyOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("--name", o->name, "Key name (unique within the tenant; cannot be changed later)")->required();
    cmd->add_option("--description", o->description, "What the key is for");
    cmd->add_option("--group", o->group, "Id of the key group to put the key in");
    addExpiryOptions(cmd, o->expiry, "default: the tenant's default_expiry_days");
    addRepeatable(cmd, "--ip", o->ips,
                  "Allow only this client address range (CIDR); repeat for several; "
                  "none means any address");
    cmd->add_option("--metadata", o->metadata,
                    "JSON object returned with every successful verification "
                    "(at most 4 KiB)");
    cmd->add_flag("--disabled", o->disabled, "Create the key disabled (enable it later with keys enable)");
    cmd->add_option("--not-before", o->not_before,
                    "The key verifies only from this RFC 3339 time on (NOT_YET_VALID before), e.g. 2026-01-01T00:00:00Z");
    cmd->add_option("--kind", o->kind,
                    "simple (one secret, the default), advanced (public key + private key) or jwt (a JWT signed by "
                    "the tenant's signing key, checkable offline against its JWKS; must expire, at most 730 days)")
        ->check(CLI::IsMember({"simple", "advanced", "jwt"}));
    cmd->add_option("--credential-mode", o->credential_mode,
                    "For --kind advanced: shared_secret (the client sends Authorization: Basic base64(public:private)) "
                    "or key_pair (the client signs requests, RFC 9421)")
        ->check(CLI::IsMember({"shared_secret", "key_pair"}));
    addKeyPairOptions(cmd, *o);
    cmd->add_option("--purpose", o->purpose, "builtin_plugin or third_party (the default)")
        ->check(CLI::IsMember({"builtin_plugin", "third_party"}));
    addRoleOptions(cmd, o->roles, false);
    addOwnerOptions(cmd, o->owner, false);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, o, g, &exit_code] {
      Session s(*g, exit_code);
      json::object body;
      body["name"] = o->name;
      if (cmd->count("--description") > 0) body["description"] = o->description;
      if (cmd->count("--group") > 0) body["group_id"] = o->group;
      putExpiry(body, o->expiry, cmd);
      if (!o->ips.empty()) body["ip_allowlist"] = stringArray(o->ips);
      if (cmd->count("--metadata") > 0) {
        auto meta = metadataObject(s, o->metadata);
        if (!meta) return;
        body["metadata"] = std::move(*meta);
      }
      if (o->disabled) body["enabled"] = false;
      if (cmd->count("--not-before") > 0) body["not_before"] = o->not_before;
      if (!o->kind.empty()) body["kind"] = o->kind;
      if (!o->credential_mode.empty()) body["credential_mode"] = o->credential_mode;
      if (!o->purpose.empty()) body["purpose"] = o->purpose;
      if (!putKeyPair(s, body, *o)) return;
      if (!putRoles(s, body, o->roles)) return;
      putOwner(body, o->owner);
      auto r = s.call("POST", keysPath(*o), &body);
      if (!r) return;
      if (s.json()) {
        s.printRaw(*r);
        return;
      }
      printSecretOnce(r->doc, "secret");
    }));
  }
  {
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
  {
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
  {
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
  for (const bool enable : {true, false}) {
    auto* cmd = keys->add_subcommand(
        enable ? "enable" : "disable",
        enable ? "Enable a disabled key: it verifies again" : "Disable a key: it stops verifying until enabled again");
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
      printDone(s, *r, std::string("Key ") + sanitize(field(r->doc, "id")) + " is now " + sanitize(field(r->doc, "state")));
    }));
  }
  {
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
  {
    auto* cmd = keys->add_subcommand("rotate",
                                     "Issue a new secret for a key (same record, roles, owner, group, allowlist "
                                     "and metadata); the new secret is printed once");
    cmd->footer(
        "The old secret keeps verifying for the grace period (default 0: it stops at once), never past\n"
        "the key's old expiry; meanwhile verify replies say rotating: true when the old secret is used.\n"
        "Without an expiry option the new secret gets a fresh lifetime of the tenant's default_expiry_days\n"
        "(a key that never expires keeps never expiring). Revoked and expired keys cannot be rotated.\n"
        "Example: keyward keys rotate key_123 --tenant t_123 --grace 24h\n");
    auto o = std::make_shared<KeyOptions>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("id", o->id, "Key id")->required();
    cmd->add_option("--grace", o->grace,
                    "How long the old secret keeps working: seconds, or with a unit (90s, 15m, 24h, 7d); at most 30d");
    addExpiryOptions(cmd, o->expiry, "default: a fresh default_expiry_days");
    addKeyPairOptions(cmd, *o);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, o, g, &exit_code] {
      Session s(*g, exit_code);
      const auto grace = parseDurationSeconds(o->grace);
      if (!grace) {
        s.usage("--grace: give seconds or a number with s, m, h or d (e.g. 24h)");
        return;
      }
      json::object body;
      body["grace_seconds"] = *grace;
      putExpiry(body, o->expiry, cmd);
      if (!putKeyPair(s, body, *o)) return;
      auto r = s.call("POST", keysPath(*o) + "/" + encode(o->id) + "/rotate", &body);
      if (!r) return;
      if (s.json()) {
        s.printRaw(*r);
        return;
      }
      printSecretOnce(r->doc, "new secret");
    }));
  }
  {
    auto* cmd = keys->add_subcommand("verify", "Check whether an API key is valid (exit 0 valid, 1 not valid)");
    cmd->footer(
        "Without KEY (or with KEY '-') the key is read from the first line of stdin; prefer that:\n"
        "an argument is visible to other users in ps and stays in shell history.\n"
        "The exact reason for a failure is given only to a caller with a Verifier or administrator\n"
        "credential (--token); anyone else sees NOT_AUTHORIZED.\n"
        "With --permission the key is valid only when it holds every permission asked for\n"
        "(INSUFFICIENT_PERMISSIONS otherwise). Without RESOURCE, a resource-scoped grant counts;\n"
        "the reply lists the key's effective permissions with their levels and resources.\n"
        "Example: printf '%s\\n' \"$KEY\" | keyward keys verify --ip 10.1.2.3 --permission billing:edit:inv-42\n");
    auto key = std::make_shared<std::string>();
    auto tenant = std::make_shared<std::string>();
    auto ip = std::make_shared<std::string>();
    auto public_key = std::make_shared<std::string>();
    cmd->add_option("key", *key, "The API key to verify, or '-' for stdin (the default)");
    cmd->add_option("--public-key", *public_key,
                    "For an advanced key: its public key; KEY (or stdin) is then the private key, and both are "
                    "verified together as the client's Basic credential");
    cmd->add_option("--tenant", *tenant, "The tenant whose API is being called; a key of another tenant fails")
        ->envname("KEYWARD_TENANT");
    cmd->add_option("--ip", *ip, "The client address the resource server saw; checked against the allowlist");
    auto checks = std::make_shared<std::vector<std::string>>();
    auto resource_owner = std::make_shared<std::string>();
    auto* permission = addRepeatable(cmd, "--permission", *checks,
                  "Require this permission, MODULE:ACTION[:RESOURCE] with ACTION one of inquire, add, edit, "
                  "delete (e.g. billing:edit or cloud_accounts:inquire:acc-1); repeat for several");
    cmd->add_option("--resource-owner", *resource_owner,
                    "Owner (user or service user id) of the resources in --permission: a grant at level "
                    "'mine' then counts only when it is the key's owner")
        ->needs(permission);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [key, tenant, ip, checks, resource_owner, public_key, g, &exit_code] {
      Session s(*g, exit_code);
      std::string secret = (key->empty() || *key == "-") ? readKeyFromStdin() : *key;
      if (secret.empty()) {
        s.usage("no key given: pass it on stdin (first line) or as an argument");
        return;
      }
      json::object body;
      if (public_key->empty()) {
        body["key"] = std::move(secret);
      } else {
        body["basic"] = sign::basicAuthorization(*public_key, secret);
      }
      if (!tenant->empty()) body["tenant_id"] = *tenant;
      if (!ip->empty()) body["ip"] = *ip;
      if (!checks->empty()) {
        auto permissions = parsedList(s, *checks, "--permission", parsePermissionCheck);
        if (!permissions) return;
        if (!resource_owner->empty()) {
          for (auto& p : *permissions) p.as_object()["resource_owner"] = *resource_owner;
        }
        body["permissions"] = std::move(*permissions);
      }
      auto r = s.call("POST", "/v1/keys/verify", &body);
      if (!r) return;
      const auto* obj = r->doc.if_object();
      const auto* valid = obj ? obj->if_contains("valid") : nullptr;
      const bool ok = valid && valid->is_bool() && valid->get_bool();
      s.setExit(ok ? kExitOk : kExitRefused);
      if (s.json()) {
        s.printRaw(*r);
        return;
      }
      const std::string code = sanitize(field(r->doc, "code", "UNKNOWN"));
      if (ok) {
        std::cout << "VALID\n"
                  << renderFields({{"Key ID", field(r->doc, "key_id")},
                                   {"Name", field(r->doc, "name")},
                                   {"Tenant", field(r->doc, "tenant_id")},
                                   {"Group", field(r->doc, "group_id")},
                                   {"Expires", field(r->doc, "expires_at", "never")},
                                   {"Owner", ownerOf(r->doc, "none")},
                                   {"Roles", rolesOf(r->doc)},
                                   {"Permissions", describePermissions(member(r->doc, "permissions"))}});
        if (const auto* rot = obj->if_contains("rotating"); rot && rot->is_bool() && rot->get_bool()) {
          std::cout << "Rotating: this is the key's previous secret; it stops verifying at "
                    << sanitize(field(r->doc, "rotation_ends_at")) << ": switch to the new one\n";
        }
        return;
      }
      std::cout << "NOT VALID: " << code;
      if (const std::string id = field(r->doc, "key_id", ""); !id.empty()) std::cout << " (key " << sanitize(id) << ")";
      std::cout << '\n';
      if (code == "NOT_AUTHORIZED") {
        std::cerr << "the server tells the reason only to callers with a credential: set KEYWARD_TOKEN\n";
      }
    }));
  }
}

// --- users -------------------------------------------------------------------------------

std::string renderUser(const json::value& u) {
  return renderFields({
      {"ID", field(u, "id")},
      {"Tenant", field(u, "tenant_id")},
      {"E-mail", field(u, "email")},
      {"Display name", field(u, "display_name")},
      {"State", enabledState(u)},
      {"Roles", rolesOf(u)},
      {"Created", createdLine(u)},
      {"Updated", field(u, "updated_at")},
  });
}

std::vector<std::string> userRow(const json::value& u) {
  return {field(u, "id"), field(u, "email"), field(u, "display_name"), enabledState(u), rolesOf(u)};
}

const Noun kUsers{"users", "user", "users", "User id", renderUser,
                  {"ID", "EMAIL", "DISPLAY NAME", "STATE", "ROLES"}, userRow};

struct UserOptions {
  std::string email;
  std::string display_name;
  bool password_stdin = false;
  bool change_password = false;
  RoleOptions roles;
  bool disabled = false;
};

void registerUsers(CLI::App& app, int& exit_code) {
  auto* users = app.add_subcommand("users", "Manage users: people who sign in to the console");
  users->require_subcommand(1);
  {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = addCreate(users, kUsers, "Create a user; the password is read from stdin, never from an argument",
                          exit_code, [o](Session& s, const CLI::App&) -> std::optional<json::object> {
                            json::object body{{"email", o->email}, {"display_name", o->display_name}};
                            if (!putRoles(s, body, o->roles)) return std::nullopt;
                            if (o->disabled) body["disabled"] = true;
                            auto password = readPassword(s, o->password_stdin);
                            if (!password) return std::nullopt;
                            body["password"] = std::move(*password);
                            return body;
                          });
    cmd->footer(
        "The password (at least 12 characters) is asked for twice on a terminal; otherwise it is the\n"
        "first line of stdin. Example: printf '%s\\n' \"$PASSWORD\" | keyward users create --tenant T \\\n"
        "  --email ana@example.com --display-name 'Ana Silva' --role 'Global Viewer' --password-stdin\n");
    cmd->add_option("--email", o->email, "E-mail address: the sign-in name, unique within the tenant")->required();
    cmd->add_option("--display-name", o->display_name, "Name shown in the console")->required();
    cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from the first line of stdin, no prompt");
    addRoleOptions(cmd, o->roles, false);
    cmd->add_flag("--disabled", o->disabled, "Create the user disabled (cannot sign in until enabled)");
  }
  addList(users, kUsers, "List the users of a tenant", true, exit_code);
  addGet(users, kUsers, exit_code);
  {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = addUpdate(users, kUsers, "Change a user's e-mail, display name, password or roles", exit_code,
                          [o](Session& s, const CLI::App& c) -> std::optional<json::object> {
                            json::object body;
                            putGiven(body, c, {{"--email", "email", &o->email},
                                               {"--display-name", "display_name", &o->display_name}});
                            if (!putRoles(s, body, o->roles)) return std::nullopt;
                            if (o->change_password || o->password_stdin) {
                              auto password = readPassword(s, o->password_stdin);
                              if (!password) return std::nullopt;
                              body["password"] = std::move(*password);
                            }
                            return body;
                          });
    cmd->add_option("--email", o->email, "New e-mail address");
    cmd->add_option("--display-name", o->display_name, "New display name");
    cmd->add_flag("--change-password", o->change_password,
                  "Set a new password: asked for twice on a terminal, else the first line of stdin");
    cmd->add_flag("--password-stdin", o->password_stdin, "Set a new password read from the first line of stdin");
    addRoleOptions(cmd, o->roles, true);
  }
  addEnableDisable(users, kUsers, "Enable a disabled user: they can sign in again and keys they own verify again",
                   "Disable a user: their sessions end, they cannot sign in, and keys they own stop verifying "
                   "(OWNER_DISABLED)",
                   exit_code);
  addDelete(users, kUsers, "Delete a user (refused while they own keys that are not revoked)", exit_code);
}

// --- service users -----------------------------------------------------------------------

std::string renderServiceUser(const json::value& u) {
  return renderFields({
      {"ID", field(u, "id")},
      {"Tenant", field(u, "tenant_id")},
      {"Name", field(u, "name")},
      {"Description", field(u, "description", "")},
      {"State", enabledState(u)},
      {"Roles", rolesOf(u)},
      {"Created", createdLine(u)},
      {"Updated", field(u, "updated_at")},
  });
}

std::vector<std::string> serviceUserRow(const json::value& u) {
  return {field(u, "id"), field(u, "name"), enabledState(u), rolesOf(u), field(u, "description", "")};
}

const Noun kServiceUsers{"service-users", "service user", "service users", "Service user id", renderServiceUser,
                         {"ID", "NAME", "STATE", "ROLES", "DESCRIPTION"}, serviceUserRow};

void registerServiceUsers(CLI::App& app, int& exit_code) {
  auto* svc = app.add_subcommand("service-users", "Manage service users: non-human principals that own keys");
  svc->require_subcommand(1);
  {
    auto o = std::make_shared<NamedOptions>();
    auto* cmd = addCreate(svc, kServiceUsers, "Create a service user", exit_code, namedBody(o));
    cmd->add_option("--name", o->name, "Name (unique within the tenant)")->required();
    cmd->add_option("--description", o->description, "What the service user is for");
    addRoleOptions(cmd, o->roles, false);
    cmd->add_flag("--disabled", o->disabled, "Create it disabled (its keys do not verify until enabled)");
  }
  addList(svc, kServiceUsers, "List the service users of a tenant", true, exit_code);
  addGet(svc, kServiceUsers, exit_code);
  {
    auto o = std::make_shared<NamedOptions>();
    auto* cmd = addUpdate(svc, kServiceUsers, "Rename a service user, change its description or roles", exit_code,
                          namedBody(o));
    cmd->add_option("--name", o->name, "New name");
    cmd->add_option("--description", o->description, "New description");
    addRoleOptions(cmd, o->roles, true);
  }
  addEnableDisable(svc, kServiceUsers, "Enable a service user: its keys verify again",
                   "Disable a service user: its keys stop verifying (OWNER_DISABLED) until it is enabled",
                   exit_code);
  addDelete(svc, kServiceUsers, "Delete a service user (refused while it owns keys that are not revoked)",
            exit_code);
}

// --- user groups -------------------------------------------------------------------------

std::string renderUserGroup(const json::value& g) {
  return renderFields({
      {"ID", field(g, "id")},
      {"Tenant", field(g, "tenant_id")},
      {"Name", field(g, "name")},
      {"Description", field(g, "description", "")},
      {"Members", field(g, "members", "none")},
      {"Subscriptions", field(g, "subscriptions", "none")},
      {"Created", createdLine(g)},
      {"Updated", field(g, "updated_at")},
  });
}

std::vector<std::string> userGroupRow(const json::value& g) {
  const auto* members = member(g, "members").if_array();
  return {field(g, "id"), field(g, "name"), std::to_string(members ? members->size() : 0),
          field(g, "subscriptions", "none")};
}

const Noun kUserGroups{"user-groups", "user group", "user groups", "User group id", renderUserGroup,
                       {"ID", "NAME", "MEMBERS", "SUBSCRIPTIONS"}, userGroupRow};

struct UserGroupOptions {
  std::shared_ptr<NamedOptions> named = std::make_shared<NamedOptions>();
  std::vector<std::string> members;
  bool clear_members = false;
  std::vector<std::string> subscriptions;
  bool clear_subscriptions = false;
};

void addUserGroupOptions(CLI::App* cmd, UserGroupOptions& o, bool update) {
  auto* m = addRepeatable(cmd, "--member", o.members,
                          update ? "Replace the members with these users (ids); repeat for several"
                                 : "A member (user id); repeat for several");
  auto* k = addRepeatable(cmd, "--subscribe", o.subscriptions,
                          std::string(update ? "Replace the subscriptions with these alert kinds"
                                             : "Subscribe the group to this alert kind") +
                              ": account_alerts or security_alerts; repeat for several");
  if (update) {
    cmd->add_flag("--clear-members", o.clear_members, "Remove every member")->excludes(m);
    cmd->add_flag("--clear-subscriptions", o.clear_subscriptions, "Remove every subscription")->excludes(k);
  }
}

BodyBuilder userGroupBody(std::shared_ptr<UserGroupOptions> o) {
  return [o, named = namedBody(o->named)](Session& s, const CLI::App& c) -> std::optional<json::object> {
    auto body = named(s, c);
    if (!body) return body;
    if (!o->members.empty() || o->clear_members) (*body)["members"] = stringArray(o->members);
    if (!o->subscriptions.empty() || o->clear_subscriptions) (*body)["subscriptions"] = stringArray(o->subscriptions);
    return body;
  };
}

void registerUserGroups(CLI::App& app, int& exit_code) {
  auto* groups = app.add_subcommand("user-groups", "Manage user groups: users who receive alert kinds together");
  groups->require_subcommand(1);
  {
    auto o = std::make_shared<UserGroupOptions>();
    auto* cmd = addCreate(groups, kUserGroups, "Create a user group", exit_code, userGroupBody(o));
    cmd->add_option("--name", o->named->name, "Name (unique within the tenant)")->required();
    cmd->add_option("--description", o->named->description, "What the group is for");
    addUserGroupOptions(cmd, *o, false);
  }
  addList(groups, kUserGroups, "List the user groups of a tenant", true, exit_code);
  addGet(groups, kUserGroups, exit_code);
  {
    auto o = std::make_shared<UserGroupOptions>();
    auto* cmd = addUpdate(groups, kUserGroups, "Rename a user group or change its members or subscriptions",
                          exit_code, userGroupBody(o));
    cmd->add_option("--name", o->named->name, "New name");
    cmd->add_option("--description", o->named->description, "New description");
    addUserGroupOptions(cmd, *o, true);
  }
  addDelete(groups, kUserGroups, "Delete a user group", exit_code);
}

// --- roles -------------------------------------------------------------------------------

std::string roleScope(const json::value& r) {
  const std::string scope = field(r, "scope_module", "");
  return scope.empty() ? "none" : "per " + scope + " resource";
}

std::string renderRole(const json::value& r) {
  std::vector<std::pair<std::string, std::string>> f{
      {"ID", field(r, "id")},
      {"Name", field(r, "name")},
      {"Description", field(r, "description", "")},
      {"Built-in", field(r, "builtin")},
      {"Scope", roleScope(r)},
      {"Permissions", describePermissions(member(r, "permissions"))},
  };
  if (field(r, "builtin") != "true") {
    f.emplace_back("Created", createdLine(r));
    f.emplace_back("Updated", field(r, "updated_at"));
  }
  return renderFields(f);
}

std::vector<std::string> roleRow(const json::value& r) {
  return {field(r, "id"), field(r, "name"), field(r, "builtin"), roleScope(r),
          describePermissions(member(r, "permissions"))};
}

const Noun kRoles{"roles", "role", "roles", "Role id, e.g. rol_... or builtin-global-viewer", renderRole,
                  {"ID", "NAME", "BUILTIN", "SCOPE", "PERMISSIONS"}, roleRow};

struct RoleDefinition {
  std::string name;
  std::string description;
  std::vector<std::string> permissions;
  bool clear_permissions = false;
  std::string scope_module;
  bool no_scope = false;
};

BodyBuilder roleBody(std::shared_ptr<RoleDefinition> o, bool create) {
  return [o, create](Session& s, const CLI::App& c) -> std::optional<json::object> {
    json::object body;
    putGiven(body, c, {{"--name", "name", &o->name}, {"--description", "description", &o->description},
                       {"--scope-module", "scope_module", &o->scope_module}});
    if (o->no_scope) body["scope_module"] = nullptr;
    if (create || !o->permissions.empty() || o->clear_permissions) {
      auto perms = parsedList(s, o->permissions, "--permission", parsePermission);
      if (!perms) return std::nullopt;
      body["permissions"] = std::move(*perms);
    }
    return body;
  };
}

void addRoleDefinitionOptions(CLI::App* cmd, RoleDefinition& o, bool update) {
  auto* p = addRepeatable(cmd, "--permission", o.permissions,
                          std::string(update ? "Replace the permissions with these. " : "") +
                              "A permission MODULE:ACTION:LEVEL; ACTION is inquire, add, edit or delete, LEVEL is "
                              "all, mine or none, MODULE '*' is every module (e.g. billing:edit:mine); repeat");
  auto* scope = cmd->add_option("--scope-module", o.scope_module,
                                "Give the role per resource of this module: each assignment then names its "
                                "resources (--role 'NAME=RES,...' or 'NAME=*')");
  if (update) {
    cmd->add_flag("--clear-permissions", o.clear_permissions, "Remove every permission")->excludes(p);
    cmd->add_flag("--no-scope", o.no_scope, "The role is no longer given per resource")->excludes(scope);
  }
}

void registerRoles(CLI::App& app, int& exit_code) {
  auto* roles = app.add_subcommand("roles", "Manage roles: named sets of permissions (module, action, level)");
  roles->require_subcommand(1);
  {
    auto o = std::make_shared<RoleDefinition>();
    auto* cmd = addCreate(roles, kRoles, "Create a custom role", exit_code, roleBody(o, true));
    cmd->footer(
        "A role cannot grant more than the credential creating it holds (ESCALATION).\n"
        "Example: keyward roles create --tenant T --name 'Billing Operator' \\\n"
        "  --permission billing:inquire:all --permission billing:edit:mine\n");
    cmd->add_option("--name", o->name, "Name (unique within the tenant; cannot be changed later)")->required();
    cmd->add_option("--description", o->description, "What the role is for");
    addRoleDefinitionOptions(cmd, *o, false);
  }
  addList(roles, kRoles, "List the roles of a tenant: the built-in ones, then its custom roles", false, exit_code);
  addGet(roles, kRoles, exit_code);
  {
    auto o = std::make_shared<RoleDefinition>();
    auto* cmd = addUpdate(roles, kRoles,
                          "Change a custom role's description, permissions or scope (its name cannot change); "
                          "keys and principals holding it follow at once",
                          exit_code, roleBody(o, false));
    cmd->add_option("--description", o->description, "New description");
    addRoleDefinitionOptions(cmd, *o, true);
  }
  addDelete(roles, kRoles, "Delete a custom role (refused while it is assigned)", exit_code);
}

// --- modules -----------------------------------------------------------------------------

std::string renderModule(const json::value& m) {
  return renderFields({{"Name", field(m, "name")},
                       {"Description", field(m, "description", "")},
                       {"Built-in", field(m, "builtin")}});
}

std::vector<std::string> moduleRow(const json::value& m) {
  return {field(m, "name"), field(m, "builtin"), field(m, "description", "")};
}

const Noun kModules{"modules", "module", "modules", "Module name", renderModule,
                    {"NAME", "BUILTIN", "DESCRIPTION"}, moduleRow};

void registerModules(CLI::App& app, int& exit_code) {
  auto* modules = app.add_subcommand(
      "modules", "Manage modules: the names permissions refer to (register your own API's areas here)");
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

// --- audit ---------------------------------------------------------------------------------

struct AuditOptions {
  std::string tenant;
  std::string action;
  std::string actor;
  std::string target;
  std::string since;
  std::string until;
  std::string output;
};

void addAuditFilters(CLI::App* cmd, AuditOptions& o) {
  cmd->add_option("--action", o.action, "Only this action, e.g. key.revoke");
  cmd->add_option("--actor", o.actor, "Only events by this actor (key or user id)");
  cmd->add_option("--target", o.target, "Only events about this object id");
  cmd->add_option("--since", o.since, "From this RFC 3339 time (inclusive)");
  cmd->add_option("--until", o.until, "Before this RFC 3339 time");
}

// "&name=value..." for the filters given (runList turns the first '&' into '?').
std::string auditQuery(const AuditOptions& o) {
  std::string q;
  for (auto [name, value] : {std::pair{"action", &o.action}, std::pair{"actor", &o.actor}, std::pair{"target", &o.target},
                             std::pair{"since", &o.since}, std::pair{"until", &o.until}}) {
    if (!value->empty()) q += std::string("&") + name + "=" + encode(*value);
  }
  return q;
}

std::string auditPath(const AuditOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/audit"; }

std::vector<std::string> auditRow(const json::value& e) {
  return {field(e, "seq"), field(e, "at"), field(e, "actor"), field(e, "action"), field(e, "target"),
          field(e, "outcome"), field(e, "client_ip")};
}

void registerAudit(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "Search, verify and export a tenant's hash-chained audit log");
  audit->require_subcommand(1);
  {
    auto* cmd = audit->add_subcommand("list", "Search the audit log, oldest first");
    auto o = std::make_shared<AuditOptions>();
    auto l = std::make_shared<ListOptions>();
    addTenantOption(cmd, o->tenant);
    addAuditFilters(cmd, *o);
    addListOptions(cmd, *l);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, l, g, &exit_code] {
      Session s(*g, exit_code);
      runList(s, auditPath(*o), auditQuery(*o), *l, {"SEQ", "AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "FROM"},
              auditRow, "audit events");
    }));
  }
  {
    auto* cmd = audit->add_subcommand(
        "verify", "Recompute the tenant's hash chain; exit 0 when intact, 1 with the first broken link");
    auto o = std::make_shared<AuditOptions>();
    addTenantOption(cmd, o->tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      auto r = s.call("GET", auditPath(*o) + "/verify");
      if (!r) return;
      const auto* doc = r->doc.if_object();
      const bool intact = doc && doc->contains("intact") && doc->at("intact").is_bool() && doc->at("intact").as_bool();
      if (s.json()) {
        s.printRaw(*r);
      } else if (intact) {
        std::cout << "intact: " << field(r->doc, "events") << " events checked\n";
      } else {
        const json::value brk = doc && doc->contains("first_break") ? doc->at("first_break") : json::value();
        std::cout << "BROKEN: first break at event " << field(brk, "seq") << " (" << field(brk, "event_id")
                  << "): " << field(brk, "reason") << "; " << field(r->doc, "events") << " events checked\n";
      }
      if (!intact) s.setExit(kExitRefused);
    }));
  }
  {
    auto* cmd = audit->add_subcommand("export", "Write matching events as JSON Lines (for SIEM ingestion)");
    auto o = std::make_shared<AuditOptions>();
    addTenantOption(cmd, o->tenant);
    addAuditFilters(cmd, *o);
    cmd->add_option("--output,-o", o->output, "Write to this file instead of standard output");
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      std::string q = auditQuery(*o);
      if (!q.empty()) q[0] = '?';
      // Streamed to the output as it arrives: an export of any size needs no memory for it.
      std::ofstream file;
      if (!o->output.empty()) {
        file.open(o->output, std::ios::binary | std::ios::trunc);
        if (!file) {
          s.usage("cannot write " + sanitize(o->output));
          return;
        }
      }
      std::ostream& out = o->output.empty() ? std::cout : file;
      std::int64_t lines = 0;
      const BodySink sink = [&](std::string_view chunk) {
        lines += std::count(chunk.begin(), chunk.end(), '\n');
        out.write(chunk.data(), std::streamsize(chunk.size()));
        return bool(out);
      };
      auto r = s.call("GET", auditPath(*o) + "/export" + q, nullptr, false, &sink);
      if (!r) return;
      if (!out.flush()) {
        s.usage("cannot write " + sanitize(o->output.empty() ? std::string("standard output") : o->output));
        return;
      }
      if (!o->output.empty()) std::cerr << "wrote " << lines << " events to " << sanitize(o->output) << '\n';
    }));
  }
}

// --- expiry alerts: notifications, webhook, deliveries -------------------------------------

std::vector<std::string> notificationRow(const json::value& n) {
  return {field(n, "id"),
          field(n, "read") == "true" ? "read" : "unread",
          field(n, "kind"),
          field(n, "key_name") + " (" + field(n, "key_id") + ")",
          field(n, "expires_at"),
          field(n, "message")};
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

std::vector<std::string> deliveryRow(const json::value& d) {
  return {field(d, "id"),        field(d, "channel"),  field(d, "recipient"), field(d, "key_id"),
          field(d, "alert_day"), field(d, "kind"),     field(d, "status"),    field(d, "attempts"),
          field(d, "last_error", "")};
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

void registerWebhook(CLI::App& app, int& exit_code) {
  auto* cmd_group = app.add_subcommand("webhook", "A tenant's webhook for expiry alerts (signed JSON POSTs)");
  cmd_group->require_subcommand(1);
  auto path = [](const std::string& tenant) { return "/v1/tenants/" + encode(tenant) + "/webhook"; };
  {
    auto* cmd = cmd_group->add_subcommand("set", "Create or change the webhook; on creation its signing secret is printed once");
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
      if (auto r = s.call("DELETE", path(*tenant))) printDone(s, *r, "Deleted the webhook of tenant " + sanitize(*tenant));
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

std::vector<std::string> signingKeyRow(const json::value& k) {
  return {field(k, "kid"), field(k, "alg"), field(k, "status"), field(k, "created_at"), field(k, "retired_at"),
          field(k, "published_until")};
}

std::string renderSigningKey(const json::value& k) {
  return renderFields({{"Kid", field(k, "kid")},
                       {"Algorithm", field(k, "alg")},
                       {"Status", field(k, "status")},
                       {"Created", field(k, "created_at")}});
}

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
    auto* cmd = cmd_group->add_subcommand("rotate", "Start signing new JWTs with a new key; the old one stays in the JWKS");
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

void registerAlerts(CLI::App& app, int& exit_code) {
  auto* cmd_group = app.add_subcommand("alerts", "Expiry alerts: what was sent, to whom, and how it went");
  cmd_group->require_subcommand(1);
  struct DeliveryOptions {
    std::string tenant, key, channel, status;
  };
  auto* cmd = cmd_group->add_subcommand("deliveries", "List alert deliveries (e-mail, webhook) and their attempts, newest first");
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

}  // namespace

void registerCommands(CLI::App& app, int& exit_code) {
  app.footer(
      "Every command except serve calls a running server. Each takes --addr (KEYWARD_ADDR, default\n"
      "http://127.0.0.1:8420), --token (KEYWARD_TOKEN), --ca-file (KEYWARD_CA_FILE) and --json;\n"
      "--tenant defaults to KEYWARD_TENANT. Exit status: 0 success, 1 the server refused (or a key is\n"
      "not valid), 2 usage or connection error. Run `keyward keys --help` for the key commands.\n"
      "Roles are given as --role NAME, --role 'NAME=RES1,RES2' (scoped) or --role 'NAME=*' (all resources).");
  registerTenants(app, exit_code);
  registerGroups(app, exit_code);
  registerKeys(app, exit_code);
  registerUsers(app, exit_code);
  registerServiceUsers(app, exit_code);
  registerUserGroups(app, exit_code);
  registerRoles(app, exit_code);
  registerModules(app, exit_code);
  registerAudit(app, exit_code);
  registerNotifications(app, exit_code);
  registerWebhook(app, exit_code);
  registerAlerts(app, exit_code);
  registerSigningKeys(app, exit_code);
}

}  // namespace keyward::cli
