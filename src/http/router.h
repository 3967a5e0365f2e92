// router.h — the HTTP API as a pure function from Request to Response, over the route table
// of http/routes.h (method, pattern, handler and the attributes it acts on).
// Thread safety: handle() is safe from any thread; the router is immutable after construction.
// Ownership: borrows the services in Deps, which the composition root keeps alive longer.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "core/audit_log.h"
#include "core/authenticator.h"
#include "core/group_service.h"
#include "core/jwt_service.h"
#include "core/key_service.h"
#include "core/principal_service.h"
#include "core/role_service.h"
#include "core/session_service.h"
#include "core/tenant_service.h"
#include "http/message.h"
#include "http/routes.h"
#include "notify/alert_service.h"
#include "verify/credential_verifier.h"

namespace keyward::http {

struct Deps {
  TenantService& tenants;
  GroupService& groups;
  KeyService& keys;
  PrincipalService& principals;
  RoleService& roles;
  SessionService& sessions;
  AuditLog& audit;
  Authenticator& auth;
  // Every API verification (POST /v1/keys/verify, /v1/authz) goes through it.
  verify::CredentialVerifier& credentials;
  // Readiness (GET /readyz): whether the store is reachable and migrated.
  std::function<Status()> readiness;
  const Clock& clock;
  std::vector<Cidr> trusted_proxies;
  bool tls = false;  // session cookies are marked Secure when served over TLS
  // Notifications, webhooks and deliveries; null: those endpoints answer 503.
  notify::AlertService* alerts = nullptr;
  // JWT keys' signing keys and JWKS; null: those endpoints answer 503. (Token validation
  // is the credential verifier's.)
  JwtService* jwt = nullptr;
};

// What a handler sees: the request, the services, the path parameters and the client address.
struct Ctx {
  const Request& req;
  const Deps& deps;
  std::vector<std::string> params;
  std::optional<IpAddress> client_ip;

  // The caller's verified identity from "Authorization: Bearer <key>" or, without that
  // header, from the console session cookie (with the CSRF check on unsafe methods); or 401.
  Result<Actor> actor() const;
  // A cookie's value from the Cookie header, or "" when absent.
  std::string_view cookie(std::string_view name) const;
  // The credential from "Authorization: Bearer ...", or "" when there is none.
  std::string_view bearer() const;
};

class Router {
 public:
  // `routes` must outlive the router (apiRoutes() is static); tests may pass their own.
  explicit Router(Deps deps, std::span<const RouteSpec> routes = apiRoutes());
  Response handle(const Request& req) const;
  // Whether the request's path is one that is answered on the I/O thread (RunOn::kIoThread),
  // whatever its method: a wrong method there gets its 405 inline too.
  bool runsInline(const Request& req) const;
  // Whether the request is verification traffic (RouteSpec::hot): the access log's level.
  bool isHot(const Request& req) const;

 private:
  struct Route {
    const RouteSpec* spec;
    std::vector<std::string> segments;  // kExact: the pattern's segments ("{}" matches one)
  };
  // The route for (method, path) with its parameters; null when none matches, with `allowed`
  // listing the methods of the routes whose pattern matched the path (for 405).
  const Route* find(std::string_view method, std::string_view path, std::vector<std::string>& params,
                    std::string& allowed) const;

  Deps deps_;
  std::vector<Route> routes_;
  std::vector<const RouteSpec*> hot_;
  std::vector<std::string> inline_paths_;
};

}  // namespace keyward::http
