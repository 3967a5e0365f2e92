#include "cli/commands.h"

#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/http_client.h"
#include "cli/output.h"

namespace keyward::cli {
namespace {

namespace json = boost::json;

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;  // the server answered with an error, or a key is not valid
constexpr int kExitUsage = 2;    // bad invocation, or no usable answer from the server

// Connection and output settings. Each leaf command owns its own instance: CLI11 applies
// environment variables to the options of every subcommand, parsed or not, so options of
// different commands bound to one variable would overwrite a value given on the command line.
struct Globals {
  std::string addr = "http://127.0.0.1:8420";
  std::string token;
  std::string ca_file;
  bool json = false;
};

struct Reply {
  int status = 0;
  std::string body;
  json::value doc;  // the parsed body; null when the body is empty
};

// Percent-encodes a path segment or query value. Ids are URL-safe today, but a user may
// paste anything, and it must not be able to change which endpoint is called.
std::string encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string toText(const json::value& v, std::string_view if_null = "-") {
  switch (v.kind()) {
    case json::kind::null: return std::string(if_null);
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::array: {
      std::string out;
      for (const auto& e : v.get_array()) out += (out.empty() ? "" : ", ") + toText(e);
      return out.empty() ? std::string(if_null) : out;
    }
    default: return json::serialize(v);
  }
}

// A field of a JSON object as display text; absent and null both show as `if_null`.
std::string field(const json::value& doc, std::string_view key, std::string_view if_null = "-") {
  const auto* o = doc.if_object();
  if (!o) return std::string(if_null);
  const auto* v = o->if_contains(key);
  return v ? toText(*v, if_null) : std::string(if_null);
}

std::string days(const json::value& doc, std::string_view key, std::string_view if_null) {
  const std::string v = field(doc, key, "");
  return v.empty() ? std::string(if_null) : v + "d";
}

// Runs the requests of one command. Every failure is reported here, once: the message goes
// to stderr and the exit status is set, so commands only handle the success path.
class Session {
 public:
  Session(const Globals& g, int& exit_code) : g_(g), exit_code_(exit_code) {}

  std::optional<Reply> call(std::string_view method, const std::string& target, const json::object* body = nullptr) {
    if (!client_) {
      if (g_.addr.find('@') != std::string::npos) {
        return usage("credentials in --addr are not supported; pass the admin key with --token or KEYWARD_TOKEN");
      }
      auto ep = parseAddress(g_.addr);
      if (!ep) return usage("invalid --addr \"" + sanitize(g_.addr) + "\": " + ep.error().message);
      client_.emplace(std::move(*ep), g_.ca_file);
    }
    std::vector<std::pair<std::string, std::string>> headers{{"Accept", "application/json"}};
    if (!g_.token.empty()) headers.emplace_back("Authorization", "Bearer " + g_.token);
    const std::string text = body ? json::serialize(*body) : std::string();
    auto resp = client_->request(method, target, text, headers);
    if (!resp) return usage(resp.error().message);
    Reply r{resp->status, std::move(resp->body), nullptr};
    if (!r.body.empty()) {
      boost::system::error_code ec;
      r.doc = json::parse(r.body, ec);
      if (ec) r.doc = nullptr;
    }
    if (r.status >= 400) return refused(r);
    if (!r.body.empty() && r.doc.is_null()) {
      return failed(kExitRefused, "error: the server's reply is not JSON (HTTP " + std::to_string(r.status) + ")");
    }
    return r;
  }

  std::nullopt_t usage(std::string_view message) { return failed(kExitUsage, "error: " + std::string(message)); }

  // For --json: the server's body exactly as received, so scripts see what the API documents.
  void printRaw(const Reply& r) const {
    std::cout << r.body;
    if (!r.body.empty() && r.body.back() != '\n') std::cout << '\n';
  }

  bool json() const { return g_.json; }
  void setExit(int code) { exit_code_ = code; }

 private:
  std::nullopt_t failed(int code, const std::string& message) {
    std::cerr << message << '\n';
    exit_code_ = code;
    return std::nullopt;
  }

  // RFC 9457 problem body: detail, code and, for input errors, the field at fault.
  std::nullopt_t refused(const Reply& r) {
    const std::string detail = field(r.doc, "detail", "");
    const std::string code = field(r.doc, "code", "");
    if (detail.empty() && code.empty()) {
      return failed(kExitRefused, "error: the server answered HTTP " + std::to_string(r.status));
    }
    std::string msg = "error: " + sanitize(detail.empty() ? "request failed" : detail) + " (" +
                      sanitize(code.empty() ? "HTTP " + std::to_string(r.status) : code);
    if (const std::string f = field(r.doc, "field", ""); !f.empty()) msg += ", field " + sanitize(f);
    msg += ")";
    return failed(kExitRefused, msg);
  }

  const Globals& g_;
  int& exit_code_;
  std::optional<HttpClient> client_;
};

// CLI11 runs callbacks inside parse(); an exception escaping there would abort the process
// with a stack of CLI11 frames. Anything unexpected becomes an ordinary error message.
std::function<void()> guarded(int& exit_code, std::function<void()> fn) {
  return [&exit_code, fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << '\n';
      exit_code = kExitUsage;
    }
  };
}

std::shared_ptr<Globals> addConnectionOptions(CLI::App* cmd) {
  auto shared = std::make_shared<Globals>();
  Globals& g = *shared;
  cmd->add_option("--addr", g.addr, "Server address: http://HOST:PORT or https://HOST:PORT")
      ->envname("KEYWARD_ADDR")
      ->capture_default_str()
      ->group("Connection");
  cmd->add_option("--token", g.token,
                  "Admin key, sent as 'Authorization: Bearer'. Prefer the environment variable: "
                  "command-line arguments are visible to other users in ps")
      ->envname("KEYWARD_TOKEN")
      ->group("Connection");
  cmd->add_option("--ca-file", g.ca_file, "PEM file of CAs to trust for https (default: the system store)")
      ->envname("KEYWARD_CA_FILE")
      ->group("Connection");
  cmd->add_flag("--json", g.json, "Print the server's JSON response unchanged (for scripts)")->group("Output");
  return shared;
}

void addTenantOption(CLI::App* cmd, std::string& tenant) {
  cmd->add_option("--tenant", tenant, "Tenant id")->envname("KEYWARD_TENANT")->required();
}

// Parses --metadata; the API wants a JSON object, and a typo is better caught before sending.
std::optional<json::object> metadataObject(Session& s, const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    s.usage("--metadata must be a JSON object, e.g. '{\"team\":\"billing\"}'");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

json::array stringArray(const std::vector<std::string>& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return a;
}

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
      {"Kind", field(k, "kind")},
      {"State", field(k, "state")},
      {"Start", field(k, "start")},
      {"Created", field(k, "created_at") + " by " + field(k, "created_by")},
      {"Expires", field(k, "expires_at", "never")},
      {"Last used", field(k, "last_used_at", "never")},
  };
  if (const std::string revoked = field(k, "revoked_at", ""); !revoked.empty()) f.emplace_back("Revoked", revoked);
  f.emplace_back("IP allowlist", field(k, "ip_allowlist", "any address"));
  f.emplace_back("Roles", field(k, "roles", "none"));
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
          field(k, "expires_at", "never"),
          field(k, "last_used_at", "never")};
}

// --- lists -------------------------------------------------------------------------------

struct ListOptions {
  int limit = 0;  // 0: the server's default page size
  std::string cursor;
  bool all = false;
};

void addListOptions(CLI::App* cmd, ListOptions& o) {
  cmd->add_option("--limit", o.limit, "Page size (1-500; default: the server's, 50)")->check(CLI::Range(1, 500));
  cmd->add_option("--cursor", o.cursor, "Start after this cursor (printed when more results exist)");
  cmd->add_flag("--all", o.all, "Follow next_cursor and list every page");
}

// GETs one page, or every page with --all. `query` holds filters already encoded as
// "&name=value" pairs. Prints a table (or the JSON) and a hint when more pages exist.
void runList(Session& s, const std::string& path, std::string query, const ListOptions& o,
             const std::vector<std::string>& headers, std::vector<std::string> (*row)(const json::value&),
             std::string_view noun) {
  if (o.limit > 0) query += "&limit=" + std::to_string(o.limit);
  json::array items;
  std::string cursor = o.cursor;
  std::optional<Reply> last;
  while (true) {
    std::string q = query + (cursor.empty() ? "" : "&cursor=" + encode(cursor));
    if (!q.empty()) q[0] = '?';
    last = s.call("GET", path + q);
    if (!last) return;
    const auto* page = last->doc.if_object();
    const auto* page_items = page ? page->if_contains("items") : nullptr;
    if (!page_items || !page_items->is_array()) {
      s.usage("the server's reply has no items list");
      s.setExit(kExitRefused);
      return;
    }
    for (const auto& it : page_items->get_array()) items.push_back(it);
    cursor = field(last->doc, "next_cursor", "");
    if (!o.all || cursor.empty()) break;
  }
  if (s.json()) {
    if (!o.all) {
      s.printRaw(*last);
    } else {
      json::object merged;
      merged["items"] = std::move(items);
      merged["next_cursor"] = nullptr;
      std::cout << json::serialize(merged) << '\n';
    }
    return;
  }
  Table table(headers);
  for (const auto& it : items) table.addRow(row(it));
  std::cout << table.render();
  if (items.empty()) std::cerr << "no " << noun << " found\n";
  if (!cursor.empty()) std::cerr << "more " << noun << " exist: add --all, or --cursor " << cursor << '\n';
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
  return b;
}

void printOne(Session& s, const Reply& r, std::string (*render)(const json::value&)) {
  if (s.json())
    s.printRaw(r);
  else
    std::cout << render(r.doc);
}

// For replies that carry no record to render (204 on delete, or a one-line summary).
void printDone(Session& s, const Reply& r, const std::string& message) {
  if (s.json())
    s.printRaw(r);
  else
    std::cout << message << '\n';
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
  std::vector<std::string> roles;
  bool clear_roles = false;
};

std::string keysPath(const KeyOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/keys"; }

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Reads the key to verify from stdin: a secret passed as an argument is visible in ps and
// lands in shell history. On a terminal the typed key is not echoed.
std::string readKeyFromStdin() {
  std::string line;
  if (::isatty(STDIN_FILENO)) {
    termios old{};
    const bool have_tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (have_tty) {
      termios quiet = old;
      quiet.c_lflag &= ~tcflag_t(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::cerr << "API key: " << std::flush;
    std::getline(std::cin, line);
    if (have_tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << '\n';
  } else {
    std::getline(std::cin, line);
  }
  return trim(std::move(line));
}

CLI::Option* addRepeatable(CLI::App* cmd, const std::string& name, std::vector<std::string>& into,
                           const std::string& help) {
  // One value per flag, so `--ip 10.0.0.0/8 KEY_ID` does not swallow the positional id.
  return cmd->add_option(name, into, help)->allow_extra_args(false);
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
    addRepeatable(cmd, "--role", o->roles, "Role to grant the key; repeat for several");
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
      if (!o->roles.empty()) body["roles"] = stringArray(o->roles);
      auto r = s.call("POST", keysPath(*o), &body);
      if (!r) return;
      if (s.json()) {
        s.printRaw(*r);
        return;
      }
      const auto* obj = r->doc.if_object();
      const json::value key = obj && obj->contains("key") ? obj->at("key") : json::value();
      std::cout << renderKey(key) << '\n'
                << "Secret: " << sanitize(field(r->doc, "secret")) << '\n'
                << "This secret is shown only once: store it now. keyward keeps only a digest and cannot show "
                   "it again.\n";
    }));
  }
  {
    auto* cmd = keys->add_subcommand("list", "List the keys of a tenant (revoked keys only with --state revoked)");
    auto o = std::make_shared<KeyOptions>();
    auto l = std::make_shared<ListOptions>();
    auto state = std::make_shared<std::string>();
    addTenantOption(cmd, o->tenant);
    cmd->add_option("--group", o->group, "Only keys in this key group (id)");
    cmd->add_option("--state", *state, "Only keys in this state")
        ->check(CLI::IsMember({"active", "disabled", "expired", "revoked"}));
    addListOptions(cmd, *l);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [cmd, o, l, state, g, &exit_code] {
      Session s(*g, exit_code);
      std::string query;
      if (cmd->count("--group") > 0) query += "&group_id=" + encode(o->group);
      if (!state->empty()) query += "&state=" + encode(*state);
      runList(s, keysPath(*o), query, *l, {"ID", "NAME", "STATE", "GROUP", "EXPIRES", "LAST USED"}, keyRow, "keys");
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
    auto* role = addRepeatable(cmd, "--role", o->roles, "Replace the key's roles with these; repeat for several");
    cmd->add_flag("--clear-roles", o->clear_roles, "Remove every role from the key")->excludes(role);
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
      if (!o->roles.empty() || o->clear_roles) body["roles"] = stringArray(o->roles);
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
    auto* cmd = keys->add_subcommand("verify", "Check whether an API key is valid (exit 0 valid, 1 not valid)");
    cmd->footer(
        "Without KEY (or with KEY '-') the key is read from the first line of stdin; prefer that:\n"
        "an argument is visible to other users in ps and stays in shell history.\n"
        "The exact reason for a failure is given only to a caller with a credential (--token);\n"
        "anyone else sees NOT_AUTHORIZED.\n"
        "Example: printf '%s\\n' \"$KEY\" | keyward keys verify --ip 10.1.2.3\n");
    auto key = std::make_shared<std::string>();
    auto tenant = std::make_shared<std::string>();
    auto ip = std::make_shared<std::string>();
    cmd->add_option("key", *key, "The API key to verify, or '-' for stdin (the default)");
    cmd->add_option("--tenant", *tenant, "The tenant whose API is being called; a key of another tenant fails")
        ->envname("KEYWARD_TENANT");
    cmd->add_option("--ip", *ip, "The client address the resource server saw; checked against the allowlist");
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [key, tenant, ip, g, &exit_code] {
      Session s(*g, exit_code);
      std::string secret = (key->empty() || *key == "-") ? readKeyFromStdin() : *key;
      if (secret.empty()) {
        s.usage("no key given: pass it on stdin (first line) or as an argument");
        return;
      }
      json::object body;
      body["key"] = std::move(secret);
      if (!tenant->empty()) body["tenant_id"] = *tenant;
      if (!ip->empty()) body["ip"] = *ip;
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
                                   {"Roles", field(r->doc, "roles", "none")}});
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

}  // namespace

void registerCommands(CLI::App& app, int& exit_code) {
  app.footer(
      "The tenants, groups and keys commands call a running server. Each takes --addr (KEYWARD_ADDR,\n"
      "default http://127.0.0.1:8420), --token (KEYWARD_TOKEN), --ca-file (KEYWARD_CA_FILE) and --json;\n"
      "--tenant defaults to KEYWARD_TENANT. Exit status: 0 success, 1 the server refused (or a key is\n"
      "not valid), 2 usage or connection error. Run `keyward keys --help` for the key commands.");
  registerTenants(app, exit_code);
  registerGroups(app, exit_code);
  registerKeys(app, exit_code);
}

}  // namespace keyward::cli
