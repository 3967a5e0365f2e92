#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/access_syntax.h"
#include "cli/cmd_keys.h"
#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/requests.h"
#include "cli/session.h"
#include "cli/terminal_input.h"
#include "sign/basic_auth.h"

namespace keyward::cli {
namespace {

struct VerifyOptions {
  std::string key;
  std::string tenant;
  std::string ip;
  std::string public_key;
  std::vector<std::string> checks;
  std::string resource_owner;
};

// The verify request: the key (read from stdin unless given), and what to check it against.
// nullopt after a usage error.
std::optional<json::object> verifyBody(Session& s, const VerifyOptions& o) {
  std::string secret = (o.key.empty() || o.key == "-") ? readKeyFromStdin() : o.key;
  if (secret.empty()) {
    s.usage("no key given: pass it on stdin (first line) or as an argument");
    return std::nullopt;
  }
  json::object body;
  if (o.public_key.empty()) {
    body["key"] = std::move(secret);
  } else {
    body["basic"] = sign::basicAuthorization(o.public_key, secret);
  }
  if (!o.tenant.empty()) body["tenant_id"] = o.tenant;
  if (!o.ip.empty()) body["ip"] = o.ip;
  if (!o.checks.empty()) {
    auto permissions = parsedList(s, o.checks, "--permission", parsePermissionCheck);
    if (!permissions) return std::nullopt;
    if (!o.resource_owner.empty()) {
      for (auto& p : *permissions) p.as_object()["resource_owner"] = o.resource_owner;
    }
    body["permissions"] = std::move(*permissions);
  }
  return body;
}

// VALID with what the key may do, or NOT VALID with the reason; the exit status says which.
void printVerdict(Session& s, const Reply& r) {
  const auto* obj = r.doc.if_object();
  const auto* valid = obj ? obj->if_contains("valid") : nullptr;
  const bool ok = valid && valid->is_bool() && valid->get_bool();
  s.setExit(ok ? kExitOk : kExitRefused);
  if (s.json()) {
    s.printRaw(r);
    return;
  }
  const std::string code = sanitize(field(r.doc, "code", "UNKNOWN"));
  if (ok) {
    std::cout << "VALID\n"
              << renderFields({{"Key ID", field(r.doc, "key_id")},
                               {"Name", field(r.doc, "name")},
                               {"Tenant", field(r.doc, "tenant_id")},
                               {"Group", field(r.doc, "group_id")},
                               {"Expires", field(r.doc, "expires_at", "never")},
                               {"Owner", ownerOf(r.doc, "none")},
                               {"Roles", rolesOf(r.doc)},
                               {"Permissions", describePermissions(member(r.doc, "permissions"))}});
    if (const auto* rot = obj->if_contains("rotating"); rot && rot->is_bool() && rot->get_bool()) {
      std::cout << "Rotating: this is the key's previous secret; it stops verifying at "
                << sanitize(field(r.doc, "rotation_ends_at")) << ": switch to the new one\n";
    }
    return;
  }
  std::cout << "NOT VALID: " << code;
  if (const std::string id = field(r.doc, "key_id", ""); !id.empty()) std::cout << " (key " << sanitize(id) << ")";
  std::cout << '\n';
  if (code == "NOT_AUTHORIZED") {
    std::cerr << "the server tells the reason only to callers with a credential: set KEYWARD_TOKEN\n";
  }
}

}  // namespace

void addKeysVerify(CLI::App* keys, int& exit_code) {
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
  auto o = std::make_shared<VerifyOptions>();
  cmd->add_option("key", o->key, "The API key to verify, or '-' for stdin (the default)");
  cmd->add_option("--public-key", o->public_key,
                  "For an advanced key: its public key; KEY (or stdin) is then the private key, and both are "
                  "verified together as the client's Basic credential");
  cmd->add_option("--tenant", o->tenant, "The tenant whose API is being called; a key of another tenant fails")
      ->envname("KEYWARD_TENANT");
  cmd->add_option("--ip", o->ip, "The client address the resource server saw; checked against the allowlist");
  auto* permission =
      addRepeatable(cmd, "--permission", o->checks,
                    "Require this permission, MODULE:ACTION[:RESOURCE] with ACTION one of inquire, add, edit, "
                    "delete (e.g. billing:edit or cloud_accounts:inquire:acc-1); repeat for several");
  cmd->add_option("--resource-owner", o->resource_owner,
                  "Owner (user or service user id) of the resources in --permission: a grant at level "
                  "'mine' then counts only when it is the key's owner")
      ->needs(permission);
  auto g = addConnectionOptions(cmd);
  cmd->callback(guarded(exit_code, [o, g, &exit_code] {
    Session s(*g, exit_code);
    auto body = verifyBody(s, *o);
    if (!body) return;
    if (auto r = s.call("POST", "/v1/keys/verify", &*body)) printVerdict(s, *r);
  }));
}

}  // namespace keyward::cli
