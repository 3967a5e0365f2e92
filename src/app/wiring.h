// wiring.h — the one place that builds keyward's services over a Store: the verify index and
// access index (loaded from the store), the verifier, audit log, every core service, JWT
// signing keys, sessions, alerts and the HTTP router. `keyward serve` and every test fixture
// call wire(), so a test runs exactly the graph the server runs.
// Thread safety: building is single-threaded; the built services are as safe as each says.
// Ownership: Services owns everything it builds; it borrows the store and the clock, which
// must outlive it. Members are declared in dependency order, so they are destroyed in reverse.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "common/result.h"
#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/authenticator.h"
#include "core/group_service.h"
#include "core/jwt_service.h"
#include "core/key_service.h"
#include "core/principal_service.h"
#include "core/role_service.h"
#include "core/session_service.h"
#include "core/tenant_service.h"
#include "http/router.h"
#include "notify/alert_service.h"
#include "notify/webhook.h"
#include "sign/http_signature.h"
#include "sign/signing_keys.h"
#include "store/store.h"
#include "verify/credential_verifier.h"
#include "verify/key_index.h"
#include "verify/signed_requests.h"
#include "verify/verifier.h"

namespace keyward::app {

// What the services are built with; the defaults are the server's defaults.
struct WiringOptions {
  int last_use_resolution = 600;  // seconds; see Config::last_use_resolution
  JwtSettings jwt;
  SessionOptions sessions;
  sign::SignaturePolicy signatures;
  std::vector<Cidr> trusted_proxies;
  bool tls = false;  // session cookies are marked Secure
};

// How long the start-up loads took and what they found (for the log).
struct LoadReport {
  std::int64_t keys = 0;
  std::int64_t signing_keys = 0;
  std::chrono::milliseconds key_load_time{0};
};

class Services {
 public:
  Services(Store& store, const Clock& clock, sign::MasterKey master_key, notify::WebhookSecrets webhook_secrets,
           const WiringOptions& options);
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // Loads every key into the verify index and every tenant's signing keys; call once, before
  // serving.
  Result<LoadReport> load();

  // The dependencies of a router (rebuilt by tests that change trusted proxies or TLS).
  http::Deps routerDeps(std::vector<Cidr> trusted_proxies, bool tls);

  Store& store;
  const Clock& clock;
  sign::MasterKey master_key;
  notify::WebhookSecrets webhook_secrets;
  verify::KeyIndex index;
  AccessIndex access;
  verify::Verifier verifier;
  AuditLog audit;
  TenantService tenants;
  GroupService groups;
  JwtService jwt;
  KeyService keys;
  PrincipalService principals;
  RoleService roles;
  SessionService sessions;
  verify::SignedRequestVerifier signed_requests;
  verify::CredentialVerifier credentials;
  Authenticator auth;
  notify::AlertService alerts;
  http::Router router;
};

// Builds the services over `store` and loads them (Services::load). The store and clock must
// outlive the result.
Result<std::unique_ptr<Services>> wire(Store& store, const Clock& clock, sign::MasterKey master_key,
                                       notify::WebhookSecrets webhook_secrets, const WiringOptions& options,
                                       LoadReport* report = nullptr);

}  // namespace keyward::app
