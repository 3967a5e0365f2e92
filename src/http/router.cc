#include "http/router.h"

#include "common/ascii.h"
#include "common/time.h"
#include "http/client_address.h"
#include "http/handlers.h"
#include "http/problem.h"

namespace keyward::http {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// Responses may carry secrets (key creation) or tenant data: never cache any of them,
// including those that come later.
void markNoStore(Response& resp) {
  if (!resp.later) {
    resp.with("cache-control", "no-store");
    return;
  }
  resp.later = [later = std::move(resp.later)](Reply reply) {
    later([reply = std::move(reply)](Response r) {
      markNoStore(r);
      reply(std::move(r));
    });
  };
}

}  // namespace

std::string_view Ctx::bearer() const {
  std::string_view h = req.header("authorization");
  if (!asciiIStartsWith(h, "bearer ")) return {};
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return h;
}

std::string_view Ctx::cookie(std::string_view name) const {
  std::string_view h = req.header("cookie");
  while (!h.empty()) {
    const size_t semi = h.find(';');
    std::string_view part = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view() : h.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
  }
  return {};
}

Result<Actor> Ctx::actor() const {
  Result<Principal> principal = std::unexpected(Error{});
  const std::string_view session = cookie("kw_session");
  if (!req.hasHeader("authorization") && !session.empty()) {
    const bool unsafe = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
    const std::string_view csrf = req.header("x-csrf-token");
    principal = deps.sessions.authenticate(session, req.hasHeader("x-csrf-token") ? std::optional(csrf) : std::nullopt,
                                           unsafe);
  } else {
    principal = deps.auth.authenticate(bearer(), client_ip);
  }
  if (!principal) return std::unexpected(principal.error());
  return Actor{std::move(*principal), client_ip ? formatIp(*client_ip) : std::string()};
}

Router::Router(Deps deps) : deps_(std::move(deps)) {
  auto add = [this](std::string method, std::string_view pattern, Handler h) {
    routes_.push_back({std::move(method), split(pattern), h});
  };
  add("GET", "/healthz", getHealthz);
  add("GET", "/readyz", getReadyz);
  add("GET", "/v1/version", getVersion);
  add("POST", "/v1/keys/verify", verifyKey);
  add("GET", "/v1/authz", authz);
  add("POST", "/v1/tenants", createTenant);
  add("GET", "/v1/tenants", listTenants);
  add("GET", "/v1/tenants/{}", getTenant);
  add("PATCH", "/v1/tenants/{}", updateTenant);
  add("DELETE", "/v1/tenants/{}", deleteTenant);
  add("POST", "/v1/tenants/{}/key-groups", createGroup);
  add("GET", "/v1/tenants/{}/key-groups", listGroups);
  add("GET", "/v1/tenants/{}/key-groups/{}", getGroup);
  add("PATCH", "/v1/tenants/{}/key-groups/{}", updateGroup);
  add("DELETE", "/v1/tenants/{}/key-groups/{}", deleteGroup);
  add("POST", "/v1/tenants/{}/keys", createKey);
  add("GET", "/v1/tenants/{}/keys", listKeys);
  add("GET", "/v1/tenants/{}/keys/{}", getKey);
  add("PATCH", "/v1/tenants/{}/keys/{}", updateKey);
  add("DELETE", "/v1/tenants/{}/keys/{}", deleteKey);
  add("POST", "/v1/tenants/{}/keys/{}/rotate", rotateKey);
  add("GET", "/v1/tenants/{}/verify-failures", listVerifyFailures);
  add("GET", "/v1/tenants/{}/audit", listAudit);
  add("GET", "/v1/tenants/{}/audit/export", exportAudit);
  add("GET", "/v1/tenants/{}/audit/verify", verifyAudit);
  add("POST", "/v1/tenants/{}/users", createUser);
  add("GET", "/v1/tenants/{}/users", listUsers);
  add("GET", "/v1/tenants/{}/users/{}", getUser);
  add("PATCH", "/v1/tenants/{}/users/{}", updateUser);
  add("DELETE", "/v1/tenants/{}/users/{}", deleteUser);
  add("POST", "/v1/tenants/{}/service-users", createServiceUser);
  add("GET", "/v1/tenants/{}/service-users", listServiceUsers);
  add("GET", "/v1/tenants/{}/service-users/{}", getServiceUser);
  add("PATCH", "/v1/tenants/{}/service-users/{}", updateServiceUser);
  add("DELETE", "/v1/tenants/{}/service-users/{}", deleteServiceUser);
  add("POST", "/v1/tenants/{}/user-groups", createUserGroup);
  add("GET", "/v1/tenants/{}/user-groups", listUserGroups);
  add("GET", "/v1/tenants/{}/user-groups/{}", getUserGroup);
  add("PATCH", "/v1/tenants/{}/user-groups/{}", updateUserGroup);
  add("DELETE", "/v1/tenants/{}/user-groups/{}", deleteUserGroup);
  add("POST", "/v1/tenants/{}/roles", createRole);
  add("GET", "/v1/tenants/{}/roles", listRoles);
  add("GET", "/v1/tenants/{}/roles/{}", getRole);
  add("PATCH", "/v1/tenants/{}/roles/{}", updateRole);
  add("DELETE", "/v1/tenants/{}/roles/{}", deleteRole);
  add("GET", "/v1/tenants/{}/modules", listModules);
  add("POST", "/v1/tenants/{}/modules", createModule);
  add("DELETE", "/v1/tenants/{}/modules/{}", deleteModule);
  add("GET", "/v1/notifications", listNotifications);
  add("POST", "/v1/notifications/{}/read", readNotification);
  add("PUT", "/v1/tenants/{}/webhook", putWebhook);
  add("GET", "/v1/tenants/{}/webhook", getWebhook);
  add("DELETE", "/v1/tenants/{}/webhook", deleteWebhook);
  add("POST", "/v1/tenants/{}/webhook/rotate-secret", rotateWebhookSecret);
  add("GET", "/v1/tenants/{}/alert-deliveries", listAlertDeliveries);
  add("GET", "/v1/tenants/{}/jwks.json", getJwks);
  add("GET", "/v1/tenants/{}/signing-keys", listSigningKeys);
  add("POST", "/v1/tenants/{}/signing-keys/rotate", rotateSigningKeys);
  add("POST", "/v1/auth/login", login);
  add("POST", "/v1/auth/logout", logout);
  add("GET", "/v1/auth/me", me);
}

Response Router::handle(const Request& req) const {
  Response resp;
  // The verify hot path skips the general route table (splitting the path into strings and
  // comparing it with every pattern); the answer is the one the table gives.
  // HEAD is answered as GET (RFC 9110 9.3.2); the server then sends the header fields only.
  const std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
  if ((method == "POST" && req.path == "/v1/keys/verify") || (method == "GET" && req.path == "/v1/authz")) {
    Ctx ctx{req, deps_, {}, clientAddress(req.peer, req.header("x-forwarded-for"), deps_.trusted_proxies)};
    resp = method == "POST" ? verifyKey(ctx) : authz(ctx);
    resp.with("cache-control", "no-store");
    return resp;
  }
  const auto segments = split(req.path);
  bool path_matched = false;
  std::string allowed;
  const Route* match = nullptr;
  std::vector<std::string> params;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    std::vector<std::string> p;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      if (r.segments[i] == "{}") p.push_back(segments[i]);
      else ok = r.segments[i] == segments[i];
    }
    if (!ok) continue;
    path_matched = true;
    allowed += (allowed.empty() ? "" : ", ") + r.method;
    if (r.method == "GET") allowed += ", HEAD";
    if (r.method == method) {
      match = &r;
      params = std::move(p);
      break;
    }
  }
  if (match) {
    Ctx ctx{req, deps_, std::move(params),
            clientAddress(req.peer, req.header("x-forwarded-for"), deps_.trusted_proxies)};
    resp = match->handler(ctx);
  } else if (path_matched) {
    resp = problem(405, "METHOD_NOT_ALLOWED", "method " + req.method + " is not allowed here", req.path);
    resp.with("allow", allowed);
  } else {
    resp = problem(404, "ROUTE_NOT_FOUND", "no such endpoint", req.path);
  }
  markNoStore(resp);
  return resp;
}

}  // namespace keyward::http
