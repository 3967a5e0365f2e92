// router.h — the HTTP API as a pure function from Request to Response.
// Thread safety: handle() is safe from any thread; the router is immutable after construction.
// Ownership: borrows the services in Deps, which the composition root keeps alive longer.
#pragma once

#include <optional>
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
#include "core/signed_requests.h"
#include "core/tenant_service.h"
#include "http/message.h"
#include "notify/alert_service.h"
#include "store/store.h"
#include "verify/verifier.h"

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
  verify::Verifier& verifier;
  Store& store;
  const Clock& clock;
  std::vector<Cidr> trusted_proxies;
  bool tls = false;  // session cookies are marked Secure when served over TLS
  // Notifications, webhooks and deliveries; null: those endpoints answer 503.
  notify::AlertService* alerts = nullptr;
  // Requests signed with key pairs (RFC 9421); null: they verify as NOT_FOUND.
  SignedRequestVerifier* signed_requests = nullptr;
  // JWT keys' signing keys, JWKS and token validation; null: JWTs do not verify and the
  // JWKS and signing-key endpoints answer 503.
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

using Handler = Response (*)(Ctx&);

class Router {
 public:
  explicit Router(Deps deps);
  Response handle(const Request& req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" matches one path segment
    Handler handler;
  };
  Deps deps_;
  std::vector<Route> routes_;
};

}  // namespace keyward::http
