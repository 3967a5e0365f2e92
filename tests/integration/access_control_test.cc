// Access control against the real binary: a tenant registers its own module, a custom role
// and a service user that owns a key; resource servers ask verify and the gateway endpoint
// about permissions; the owner's state reaches verify at once; a restart answers the same;
// a console user signs in and changes something with its session cookie and CSRF token;
// and neither the password nor any issued secret reaches the database or the logs.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "integration/api.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kPassword = "a long console password 4 ops";

std::string post(const ServerProcess& s, const std::string& target, const json::value& body, int expect = 201) {
  const Reply r = s.admin("POST", target, toJson(body));
  if (r.status != expect) ADD_FAILURE() << "POST " << target << ": " << r.status << " " << r.body;
  return r.str("id");
}

json::array check(std::string_view module, std::string_view action) {
  return json::array{json::object{{"module", module}, {"action", action}}};
}

// Everything a resource server learns about one key for one question, as text to compare.
std::string answer(const Reply& r) {
  if (r.status != 200 || !r.json.is_object()) return "HTTP " + std::to_string(r.status) + " " + r.body;
  const auto& o = r.json.as_object();
  std::string out = verifyCode(r);
  for (const char* field : {"owner", "roles", "permissions"})
    if (const auto* v = o.if_contains(field)) out += std::string(" ") + field + "=" + json::serialize(*v);
  return out;
}

std::string cookieValue(const std::string& set_cookie, std::string_view name) {
  const std::string prefix = std::string(name) + "=";
  if (!set_cookie.starts_with(prefix)) return {};
  const size_t end = set_cookie.find(';');
  return set_cookie.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

void expectAbsent(const fs::path& file, const std::string& needle, const std::string& what) {
  if (needle.empty()) return;
  const std::string bytes = readFileBytes(file);
  EXPECT_EQ(bytes.find(needle), std::string::npos) << what << " is in " << file.filename();
}

class AccessControl : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(AccessControl);

TEST_P(AccessControl, ServiceUsersKeyAnswersPermissionsFollowsItsOwnerAndSurvivesARestart) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start({"--log-level", "debug"}));
  const std::string bootstrap = server.bootstrapToken();
  const std::string tenant = createTenant(server, "helpdesk");
  ASSERT_FALSE(tenant.empty());
  const std::string base = "/v1/tenants/" + tenant;

  // The tenant's platform has service tickets; a role gives agents a say over them.
  const Reply module = server.admin("POST", base + "/modules",
                                    toJson({{"name", "service_tickets"}, {"description", "Service desk tickets"}}));
  ASSERT_EQ(module.status, 201) << module.body;
  const std::string role_id = post(server, base + "/roles",
                                   {{"name", "Ticket Agent"},
                                    {"permissions",
                                     {{{"module", "service_tickets"}, {"action", "inquire"}, {"level", "all"}},
                                      {{"module", "service_tickets"}, {"action", "add"}, {"level", "all"}},
                                      {{"module", "service_tickets"}, {"action", "edit"}, {"level", "mine"}}}}});
  ASSERT_FALSE(role_id.empty());
  const std::string agent = post(server, base + "/service-users", {{"name", "psa-sync"}, {"roles", {"Ticket Agent"}}});
  const std::string retired = post(server, base + "/service-users",
                                   {{"name", "old-sync"}, {"roles", {"Ticket Agent"}}});
  ASSERT_FALSE(agent.empty());
  ASSERT_FALSE(retired.empty());
  const CreatedKey key = createKey(server, tenant,
                                   {{"name", "psa-sync-key"},
                                    {"roles", {"Ticket Agent"}},
                                    {"owner", {{"type", "service_user"}, {"id", agent}}}});
  const CreatedKey old_key = createKey(server, tenant,
                                       {{"name", "old-sync-key"},
                                        {"roles", {"Ticket Agent"}},
                                        {"owner", {{"type", "service_user"}, {"id", retired}}}});
  ASSERT_FALSE(key.secret.empty());
  ASSERT_FALSE(old_key.secret.empty());

  // Verify with permissions: granted, not granted, "mine" with the resource's owner.
  const Reply add = verifyKey(server, key.secret, bootstrap,
                              {{"tenant_id", tenant}, {"permissions", check("service_tickets", "add")}});
  ASSERT_EQ(verifyCode(add), "VALID") << add.body;
  EXPECT_EQ(json::serialize(add.json.at("owner")),
            json::serialize(json::value{{"type", "service_user"}, {"id", agent}}));
  EXPECT_EQ(verifyCode(verifyKey(server, key.secret, bootstrap,
                                 {{"tenant_id", tenant}, {"permissions", check("service_tickets", "delete")}})),
            "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(verifyCode(verifyKey(server, key.secret, bootstrap,
                                 {{"tenant_id", tenant}, {"permissions", check("companies", "inquire")}})),
            "INSUFFICIENT_PERMISSIONS");
  const json::object own_ticket{{"module", "service_tickets"},
                                {"action", "edit"},
                                {"resource", "T-1"},
                                {"resource_owner", agent}};
  const json::object their_ticket{{"module", "service_tickets"},
                                  {"action", "edit"},
                                  {"resource", "T-2"},
                                  {"resource_owner", retired}};
  EXPECT_EQ(verifyCode(verifyKey(server, key.secret, bootstrap,
                                 {{"tenant_id", tenant}, {"permissions", {own_ticket}}})),
            "VALID");
  EXPECT_EQ(verifyCode(verifyKey(server, key.secret, bootstrap,
                                 {{"tenant_id", tenant}, {"permissions", {their_ticket}}})),
            "INSUFFICIENT_PERMISSIONS");
  // An anonymous caller learns only that it is not authorized.
  EXPECT_EQ(verifyCode(verifyKey(server, key.secret, "",
                                 {{"tenant_id", tenant}, {"permissions", check("service_tickets", "delete")}})),
            "NOT_AUTHORIZED");

  // The gateway endpoint: 204 when granted, 403 when not.
  auto authz = [&](const std::string& secret, const char* action) {
    return server.call("GET", "/v1/authz", {}, {},
                       {{"X-API-Key", secret},
                        {"X-Keyward-Tenant", tenant},
                        {"X-Keyward-Module", "service_tickets"},
                        {"X-Keyward-Action", action}});
  };
  EXPECT_EQ(authz(key.secret, "add").status, 204);
  EXPECT_EQ(authz(key.secret, "add").header("x-keyward-key-id"), key.id);
  EXPECT_EQ(authz(key.secret, "delete").status, 403);

  // Disabling the owner stops its key at once, and only its key.
  const Reply off = server.admin("PATCH", base + "/service-users/" + retired, R"({"disabled":true})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(verifyCode(verifyKey(server, old_key.secret, bootstrap, {{"tenant_id", tenant}})), "OWNER_DISABLED");
  EXPECT_EQ(authz(old_key.secret, "inquire").status, 401);
  EXPECT_EQ(verifyCode(verifyKey(server, key.secret, bootstrap, {{"tenant_id", tenant}})), "VALID");

  // The same questions before and after a restart get the same answers.
  const std::vector<std::pair<const CreatedKey*, json::object>> questions = {
      {&key, {{"tenant_id", tenant}}},
      {&key, {{"tenant_id", tenant}, {"permissions", check("service_tickets", "add")}}},
      {&key, {{"tenant_id", tenant}, {"permissions", check("service_tickets", "delete")}}},
      {&key, {{"tenant_id", tenant}, {"permissions", {own_ticket}}}},
      {&key, {{"tenant_id", tenant}, {"permissions", {their_ticket}}}},
      {&old_key, {{"tenant_id", tenant}}},
      {&old_key, {{"tenant_id", tenant}, {"permissions", check("service_tickets", "inquire")}}},
  };
  auto ask = [&] {
    std::vector<std::string> out;
    for (const auto& [k, fields] : questions) out.push_back(answer(verifyKey(server, k->secret, bootstrap, fields)));
    out.push_back("authz add " + std::to_string(authz(key.secret, "add").status));
    out.push_back("authz delete " + std::to_string(authz(key.secret, "delete").status));
    out.push_back("authz old " + std::to_string(authz(old_key.secret, "inquire").status));
    return out;
  };
  const std::vector<std::string> before = ask();
  EXPECT_NE(before[1].find("\"Ticket Agent\""), std::string::npos) << before[1];
  EXPECT_NE(before[1].find("\"level\":\"mine\""), std::string::npos) << before[1];
  ASSERT_EQ(server.stop(), 0) << server.stderrText();
  ASSERT_TRUE(server.start({"--log-level", "debug"}));
  const std::vector<std::string> after = ask();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]) << "question " << i;

  // Enabling the owner again brings its key back, after the restart as before.
  ASSERT_EQ(server.admin("PATCH", base + "/service-users/" + retired, R"({"disabled":false})").status, 200);
  EXPECT_EQ(verifyCode(verifyKey(server, old_key.secret, bootstrap, {{"tenant_id", tenant}})), "VALID");

  // A console user signs in and, with the cookie and the CSRF token, creates a key group.
  const std::string user = post(server, base + "/users",
                                {{"email", "ops@example.com"},
                                 {"display_name", "Ops"},
                                 {"password", kPassword},
                                 {"roles", {"Portal Administrator"}}});
  ASSERT_FALSE(user.empty());
  const Reply wrong =
      server.call("POST", "/v1/auth/login",
                  toJson({{"tenant", tenant}, {"email", "ops@example.com"}, {"password", "not the password!"}}));
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  const Reply login = server.call("POST", "/v1/auth/login",
                                  toJson({{"tenant", tenant}, {"email", "ops@example.com"}, {"password", kPassword}}));
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string session = cookieValue(login.header("set-cookie"), "kw_session");
  const std::string csrf = login.str("csrf_token");
  ASSERT_FALSE(session.empty()) << login.header("set-cookie");
  ASSERT_FALSE(csrf.empty()) << login.body;
  EXPECT_NE(login.header("set-cookie").find("HttpOnly"), std::string::npos);
  const Headers cookie = {{"Cookie", "kw_session=" + session}};
  const std::string group_body = toJson({{"name", "console-made"}, {"description", "made in the console"}});
  const Reply no_csrf = server.call("POST", base + "/key-groups", group_body, {}, cookie);
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_EQ(no_csrf.str("code"), "CSRF_TOKEN_INVALID") << no_csrf.body;
  Headers with_csrf = cookie;
  with_csrf.emplace_back("X-CSRF-Token", csrf);
  const Reply group = server.call("POST", base + "/key-groups", group_body, {}, with_csrf);
  ASSERT_EQ(group.status, 201) << group.body;
  const Reply listed = server.call("GET", base + "/key-groups", {}, {}, cookie);
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find("console-made"), std::string::npos);
  const Reply audit = server.admin("GET", base + "/audit?action=key_group.create");
  EXPECT_NE(audit.body.find(user), std::string::npos) << "the change is on record as the user's: " << audit.body;

  // Neither the password nor any issued secret is at rest: database files and both runs' logs.
  // (The database files are SQLite's: a backend that keeps no files in dir() has only the logs
  // scanned here.)
  ASSERT_EQ(server.stop(), 0) << server.stderrText();
  std::vector<fs::path> files;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::path p = server.dbPath();
    p += suffix;
    if (fs::exists(p)) files.push_back(p);
  }
  for (int run = 1; run <= server.runs(); ++run) {
    files.push_back(server.stdoutPath(run));
    files.push_back(server.stderrPath(run));
  }
  const std::map<std::string, std::string> secrets = {
      {"the password", kPassword},
      {"the key's secret", key.secret},
      {"the key's secret without its prefix", key.secret.substr(key.secret.find('_') + 1)},
      {"the other key's secret", old_key.secret},
      {"the session token", session},
      {"the CSRF token", csrf},
  };
  for (const auto& file : files)
    for (const auto& [what, needle] : secrets) expectAbsent(file, needle, what);
}

}  // namespace
}  // namespace keyward::testing
