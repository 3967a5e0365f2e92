// router_fixture.h — the HTTP router wired by the function src/app/serve.cc calls
// (app/wiring.h, through common/test_stack.h: a store in a temporary directory, a manual
// clock, the verify index, a bootstrapped system administrator), called in-process without
// sockets. The store backend is the test's parameter: RouterTest's suites are
// value-parameterised (TEST_P) and instantiated over every backend with
// KEYWARD_ON_EVERY_BACKEND (common/test_backend.h); a suite with cases of its own derives from
// RouterTestWith<OnBackend<Case>> and combines its cases with every backend.
// Every response that passes through send() is also checked for the API's invariants:
// `Cache-Control: no-store`, RFC 9457 shape for every error, and no issued secret anywhere.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "common/await.h"
#include "common/clock.h"
#include "common/ip.h"
#include "common/temp_dir.h"
#include "common/test_stack.h"
#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/authenticator.h"
#include "core/bootstrap.h"
#include "core/group_service.h"
#include "core/jwt_service.h"
#include "core/key_service.h"
#include "core/principal_service.h"
#include "core/role_service.h"
#include "core/session_service.h"
#include "core/tenant_service.h"
#include "http/message.h"
#include "http/router.h"
#include "notify/alert_service.h"
#include "notify/webhook.h"
#include "verify/key_index.h"
#include "verify/verifier.h"

namespace keyward::http_testing {

using http::Header;
using http::Request;
using http::Response;
namespace json = boost::json;

inline constexpr UnixSeconds kT0 = 1'800'000'000;  // 2027-01-15T08:00:00Z
inline constexpr UnixSeconds kDay = 86400;
inline constexpr const char* kPeer = "198.51.100.7";
inline const std::string kNoCredential;  // pass as token: send no Authorization header

struct CreatedKey {
  std::string id;
  std::string secret;
  json::object key;  // the "key" member of the 201 response
};

inline std::string headerOf(const Response& r, std::string_view lower_name) {
  for (const auto& h : r.headers)
    if (h.name == lower_name) return h.value;
  return {};
}

inline int headerCount(const Response& r, std::string_view lower_name) {
  int n = 0;
  for (const auto& h : r.headers) n += h.name == lower_name;
  return n;
}

inline json::value parse(const Response& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << "response body is not JSON: " << r.body;
  return v;
}

inline json::object obj(const Response& r) {
  json::value v = parse(r);
  EXPECT_TRUE(v.is_object()) << r.body;
  return v.is_object() ? v.as_object() : json::object();
}

inline std::string str(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A copy, so `for (auto& k : items(obj(get(...))))` does not iterate a dead temporary.
inline json::array items(const json::object& page) {
  const auto* v = page.if_contains("items");
  return v && v->is_array() ? v->as_array() : json::array();
}

// "YYYY-MM-DDTHH:MM:SSZ" (what the API emits for every instant).
// A gtest parameter name from arbitrary text: alphanumerics kept, the rest as '_'.
inline std::string paramName(std::string_view text, size_t index) {
  std::string out;
  for (char c : text.substr(0, 40)) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out + "_" + std::to_string(index);
}

inline bool isRfc3339(const json::value& v) {
  if (!v.is_string()) return false;
  const std::string_view s = v.as_string();
  if (s.size() != 20) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return false;
        break;
      case 10:
        if (c != 'T') return false;
        break;
      case 13:
      case 16:
        if (c != ':') return false;
        break;
      case 19:
        if (c != 'Z') return false;
        break;
      default:
        if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

// `Param` is TestBackend (RouterTest) or OnBackend<Case>.
template <class Param>
class RouterTestWith : public testing_support::BackendTestWith<Param> {
 protected:
  void SetUp() override {
    admin_ = stack_.admin_secret;
    secrets_.push_back(admin_);
    useTrustedProxies({});
  }

  void TearDown() override { router_.reset(); }

  // Rebuilds the router with `proxies` as the configured trusted_proxies.
  void useTrustedProxies(const std::vector<std::string>& proxies) {
    std::vector<Cidr> cidrs;
    for (const auto& p : proxies) {
      auto c = parseCidr(p);
      ASSERT_TRUE(c) << p;
      cidrs.push_back(*c);
    }
    router_ = std::make_unique<http::Router>(services_.routerDeps(std::move(cidrs), tls_));
  }

  static std::optional<IpAddress> ip(std::string_view text) {
    auto a = parseIp(text);
    EXPECT_TRUE(a) << text;
    return a ? std::optional(*a) : std::nullopt;
  }

  // Builds a request; `target` may carry a query ("/v1/x?limit=2").
  static Request request(std::string method, std::string_view target, std::string body = {},
                         std::vector<Header> headers = {}) {
    Request r;
    r.method = std::move(method);
    const size_t q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.peer = parseIp(kPeer).value();
    return r;
  }

  // Sends a request through the router and checks the invariants every response must keep.
  Response send(const Request& req) {
    Response r = router_->handle(req);
    if (r.later) {  // a key creation answers once its commit is durable
      auto later = std::move(r.later);
      r = awaitReply<Response>([&](http::Reply reply) { later(std::move(reply)); });
      EXPECT_FALSE(r.later) << "a response that comes later is the real one";
    }
    EXPECT_EQ(headerCount(r, "cache-control"), 1) << req.method << " " << req.path;
    EXPECT_EQ(headerOf(r, "cache-control"), "no-store") << req.method << " " << req.path;
    for (const auto& s : secrets_) {
      EXPECT_EQ(r.body.find(s), std::string::npos) << "a secret leaked into " << req.method << " " << req.path;
      for (const auto& h : r.headers) EXPECT_EQ(h.value.find(s), std::string::npos) << h.name;
    }
    if (r.status >= 400) expectProblemShape(r, req.path);
    return r;
  }

  // A request with `Authorization: Bearer <token>` (none when token is empty).
  Response call(std::string method, std::string_view target, std::string body = {},
                const std::string& token = kUseAdmin) {
    std::vector<Header> headers;
    const std::string& t = token == kUseAdmin ? admin_ : token;
    if (!t.empty()) headers.push_back({"authorization", "Bearer " + t});
    if (!body.empty()) headers.push_back({"content-type", "application/json"});
    return send(request(std::move(method), target, std::move(body), std::move(headers)));
  }
  Response get(std::string_view target, const std::string& token = kUseAdmin) { return call("GET", target, {}, token); }
  Response post(std::string_view target, std::string body, const std::string& token = kUseAdmin) {
    return call("POST", target, std::move(body), token);
  }
  Response patch(std::string_view target, std::string body, const std::string& token = kUseAdmin) {
    return call("PATCH", target, std::move(body), token);
  }
  Response del(std::string_view target, const std::string& token = kUseAdmin) {
    return call("DELETE", target, {}, token);
  }

  // RFC 9457 body with every member the API promises.
  void expectProblemShape(const Response& r, std::string_view path) const {
    EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    ASSERT_TRUE(v.is_object()) << r.body;
    const auto& o = v.as_object();
    for (const char* m : {"type", "title", "detail", "code", "instance"}) {
      ASSERT_TRUE(o.contains(m) && o.at(m).is_string()) << "problem lacks " << m << ": " << r.body;
    }
    ASSERT_TRUE(o.contains("status") && o.at("status").is_int64()) << r.body;
    EXPECT_EQ(o.at("status").as_int64(), r.status) << r.body;
    // The instance is the request path, with any key a caller pasted into it cut out.
    std::string instance(path);
    for (const auto& secret : secrets_) {
      for (size_t at; (at = instance.find(secret)) != std::string::npos;) {
        instance.replace(at, secret.size(), "[redacted key]");
      }
    }
    EXPECT_EQ(o.at("instance").as_string(), instance) << r.body;
    EXPECT_TRUE(std::string_view(o.at("type").as_string()).starts_with("urn:keyward:problem:")) << r.body;
    EXPECT_FALSE(o.at("detail").as_string().empty()) << r.body;
  }

  // An error response with this status and code (and field, when given).
  static void expectProblem(const Response& r, int status, std::string_view code,
                            std::optional<std::string_view> field = std::nullopt) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    ASSERT_TRUE(v.is_object()) << r.body;
    const auto& o = v.as_object();
    EXPECT_EQ(str(o, "code"), code) << r.body;
    if (field) {
      EXPECT_EQ(str(o, "field"), *field) << r.body;
    }
  }

  std::string createTenant(const std::string& name, std::string extra_fields = {}) {
    std::string body = "{\"name\":" + json::serialize(json::value(name)) +
                       (extra_fields.empty() ? "" : "," + extra_fields) + "}";
    Response r = post("/v1/tenants", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r), "id");
  }

  std::string createGroup(const std::string& tenant, const std::string& name) {
    Response r = post("/v1/tenants/" + tenant + "/key-groups", "{\"name\":" + json::serialize(json::value(name)) + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r), "id");
  }

  // POST .../keys with `fields` spliced into {"name": ..., <fields>}.
  CreatedKey createKey(const std::string& tenant, const std::string& name, std::string fields = {},
                       const std::string& token = kUseAdmin) {
    std::string body = "{\"name\":" + json::serialize(json::value(name)) + (fields.empty() ? "" : "," + fields) + "}";
    Response r = post("/v1/tenants/" + tenant + "/keys", body, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return keep(r);
  }

  // Remembers the secret of a 201 key creation so later responses are checked for it.
  CreatedKey keep(const Response& r) {
    CreatedKey k;
    json::object o = obj(r);
    if (auto* key = o.if_contains("key"); key && key->is_object()) k.key = key->as_object();
    k.id = str(k.key, "id");
    k.secret = str(o, "secret");
    if (!k.secret.empty()) secrets_.push_back(k.secret);
    return k;
  }

  // A credential of `tenant` carrying `role`.
  std::string makeCredential(const std::string& tenant, const std::string& role = "Portal Administrator") {
    return createKey(tenant, "cred-" + std::to_string(++credentials_),
                     "\"never_expires\":true,\"roles\":[" + json::serialize(json::value(role)) + "]")
        .secret;
  }

  // The tenant's audit events, oldest first, as the system administrator sees them.
  json::array auditOf(const std::string& tenant, std::string query = {}) {
    Response r = get("/v1/tenants/" + tenant + "/audit?limit=500" + (query.empty() ? "" : "&" + query));
    EXPECT_EQ(r.status, 200) << r.body;
    return items(obj(r));
  }

  // What a rejected request must leave untouched: every key (all states), group, tenant
  // and (unless `with_audit` is false) audit event visible to the system administrator.
  std::string snapshot(const std::string& tenant, bool with_audit = true) {
    std::string s;
    for (const char* st : {"active", "disabled", "expired", "revoked"}) {
      s += get("/v1/tenants/" + tenant + "/keys?limit=500&state=" + st).body;
    }
    s += get("/v1/tenants/" + tenant + "/key-groups?limit=500").body;
    s += get("/v1/tenants/" + tenant).body;
    s += get("/v1/tenants?limit=500").body;
    if (!with_audit) return s;
    s += get("/v1/tenants/" + tenant + "/audit?limit=500").body;
    s += get("/v1/tenants/system/audit?limit=500").body;
    return s;
  }

  // ---- access control (users, service users, roles): small helpers shared by the tests of
  // issue 3. Passwords given here are remembered like secrets, so send() fails a test when
  // one ever appears in a response.

  // POST .../users; returns the new user's id. `roles` is a JSON array text.
  std::string createUser(const std::string& tenant, const std::string& email, const std::string& password,
                         const std::string& roles = "[]", const std::string& token = kUseAdmin) {
    secrets_.push_back(password);
    Response r = post("/v1/tenants/" + tenant + "/users",
                      "{\"email\":" + json::serialize(json::value(email)) + ",\"display_name\":\"Test user\"," +
                          "\"password\":" + json::serialize(json::value(password)) + ",\"roles\":" + roles + "}",
                      token);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r), "id");
  }

  // POST .../service-users; returns the new service user's id. `roles` is a JSON array text.
  std::string createServiceUser(const std::string& tenant, const std::string& name, const std::string& roles = "[]",
                                const std::string& token = kUseAdmin) {
    Response r = post("/v1/tenants/" + tenant + "/service-users",
                      "{\"name\":" + json::serialize(json::value(name)) + ",\"roles\":" + roles + "}", token);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r), "id");
  }

  // POST .../roles; returns the new role's id. `permissions` is a JSON array text.
  std::string createRole(const std::string& tenant, const std::string& name, const std::string& permissions,
                         const std::string& extra_fields = {}, const std::string& token = kUseAdmin) {
    Response r = post("/v1/tenants/" + tenant + "/roles",
                      "{\"name\":" + json::serialize(json::value(name)) + ",\"permissions\":" + permissions +
                          (extra_fields.empty() ? "" : "," + extra_fields) + "}",
                      token);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(obj(r), "id");
  }

  // snapshot() plus everything issue 3 added: users, service users, user groups, roles, modules.
  // Keys' last_used_at is left out: presenting a credential is a use, not a change.
  std::string accessSnapshot(const std::string& tenant, bool with_audit = true) {
    std::string s = snapshot(tenant, with_audit);
    for (const char* what :
         {"/users?limit=500", "/service-users?limit=500", "/user-groups?limit=500", "/roles", "/modules"}) {
      s += get("/v1/tenants/" + tenant + what).body;
    }
    static const std::regex kLastUsed(R"("last_used_at":("[^"]*"|null))");
    return std::regex_replace(s, kLastUsed, "");
  }

  static inline const std::string kUseAdmin = "\x01use-admin";

  // Removed with everything in it when the test ends, after the members declared below.
  const testing_support::TempDir tmp_{"keyward-http"};
  const std::filesystem::path dir_ = tmp_.path();
  ManualClock clock_{kT0};
  // The server's service graph (app/wiring.h) over a bootstrapped store of the test's backend.
  testing_support::TestStack stack_ = testing_support::makeTestStack(dir_, clock_, this->backend());
  app::Services& services_ = *stack_.services;
  verify::KeyIndex& index_ = services_.index;
  verify::Verifier& verifier_ = services_.verifier;
  verify::SignedRequestVerifier& signed_requests_ = services_.signed_requests;
  Authenticator& auth_ = services_.auth;
  Store* const store_ = stack_.store.get();
  AuditLog* const audit_ = &services_.audit;
  TenantService* const tenants_ = &services_.tenants;
  GroupService* const groups_ = &services_.groups;
  AccessIndex* const access_ = &services_.access;
  const sign::MasterKey* const master_ = &services_.master_key;
  JwtService* const jwt_ = &services_.jwt;
  KeyService* const keys_ = &services_.keys;
  PrincipalService* const principals_ = &services_.principals;
  RoleService* const roles_ = &services_.roles;
  SessionService* const sessions_ = &services_.sessions;
  const notify::WebhookSecrets& webhook_secrets_ = services_.webhook_secrets;
  notify::AlertService* const alerts_ = &services_.alerts;
  bool tls_ = false;
  std::unique_ptr<http::Router> router_;
  std::string admin_;                 // the bootstrap administrator's secret
  std::vector<std::string> secrets_;  // every secret issued so far
  int credentials_ = 0;
};

using RouterTest = RouterTestWith<testing_support::TestBackend>;

}  // namespace keyward::http_testing
