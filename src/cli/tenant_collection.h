// tenant_collection.h — the commands of tenant-scoped collections. Users, service-users,
// user-groups, roles and modules share one shape: /v1/tenants/{tenant}/<segment>[/{id}]. The
// plumbing is written once here; each family adds only its options, its request body and how
// its records look.
// Thread safety: used from main() only. Ownership: a Noun must outlive the CLI::App (the commands
// keep a pointer to it; the nouns are constants with static storage); the options a builder reads
// are shared_ptrs captured by the builder.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cli/access_options.h"
#include "cli/session.h"

namespace keyward::cli {

struct Noun {
  std::string segment;   // the URL segment, also the command's name: "service-users"
  std::string singular;  // "service user"
  std::string plural;    // "service users"
  std::string id_help;   // help of the positional id
  std::string (*render)(const json::value&);
  std::vector<std::string> headers;
  std::vector<std::string> (*row)(const json::value&);
};

// `path` is the collection's path (create, list) or the object's (get, update, delete).
using Run = std::function<void(Session& s, const CLI::App& cmd, const std::string& path, const std::string& id)>;

// A leaf command with --tenant and the connection options. With `takes_id`, the object
// id is the positional argument and `path` names the object. Callers add their options
// to the returned command.
CLI::App* tenantCommand(CLI::App* parent, const Noun& n, const std::string& name, const std::string& help,
                        bool takes_id, int& exit_code, Run run);

// Builds a create or update body from the parsed options; nullopt after a usage error.
using BodyBuilder = std::function<std::optional<json::object>(Session& s, const CLI::App& cmd)>;

CLI::App* addCreate(CLI::App* parent, const Noun& n, const std::string& help, int& exit_code, BodyBuilder build);
CLI::App* addUpdate(CLI::App* parent, const Noun& n, const std::string& help, int& exit_code, BodyBuilder build);
void addList(CLI::App* parent, const Noun& n, const std::string& help, bool paged, int& exit_code);
void addGet(CLI::App* parent, const Noun& n, int& exit_code);
void addDelete(CLI::App* parent, const Noun& n, const std::string& help, int& exit_code);

// enable / disable: PATCH {"disabled": ...} on a user or service user.
void addEnableDisable(CLI::App* parent, const Noun& n, const std::string& enable_help, const std::string& disable_help,
                      int& exit_code);

// Copies the string options that were given into `body` under their JSON names.
void putGiven(json::object& body, const CLI::App& cmd,
              std::initializer_list<std::tuple<const char*, const char*, const std::string*>> options);

// "enabled" or "disabled", and "<time> by <actor>", as records show them.
std::string enabledState(const json::value& p);
std::string createdLine(const json::value& o);

struct NamedOptions {
  std::string name;
  std::string description;
  RoleOptions roles;
  bool disabled = false;
};

// Name and description: the body of every named object's create and update.
BodyBuilder namedBody(std::shared_ptr<NamedOptions> o);

}  // namespace keyward::cli
