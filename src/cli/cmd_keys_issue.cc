#include <boost/json.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "cli/cmd_keys.h"
#include "cli/common_options.h"
#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/requests.h"
#include "cli/session.h"

namespace keyward::cli {
namespace {

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
              << sanitize(field(key, "keyid")) << "\"):\n";
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
  std::cout << "This " << what
            << " is shown only once: store it now. keyward keeps only a digest and cannot show "
               "it again.\n";
}

// "90", "90s", "15m", "24h", "7d" -> seconds; nullopt when malformed or negative.
std::optional<std::int64_t> parseDurationSeconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      text.remove_suffix(1);
      break;
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

}  // namespace

void addKeysCreate(CLI::App* keys, int& exit_code) {
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

void addKeysRotate(CLI::App* keys, int& exit_code) {
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

}  // namespace keyward::cli
