#include "http/routes.h"

#include "http/handlers.h"

namespace keyward::http {

std::string_view cacheControl(CachePolicy p) {
  switch (p) {
    case CachePolicy::kNoStore: return "no-store";
    case CachePolicy::kImmutable: return "public, max-age=31536000, immutable";
    case CachePolicy::kNoCache: return "no-cache";
  }
  return "no-store";
}

namespace {

// The four kinds of API route.
constexpr RouteSpec manage(std::string_view method, std::string_view pattern, Handler h) {
  return {method, pattern, h, RunOn::kBlockingPool, CachePolicy::kNoStore, Credential::kManagement};
}
constexpr RouteSpec anyone(std::string_view method, std::string_view pattern, Handler h) {
  return {method, pattern, h, RunOn::kBlockingPool, CachePolicy::kNoStore, Credential::kNone};
}
// Trivial answers that never wait for the database.
constexpr RouteSpec probe(std::string_view method, std::string_view pattern, Handler h) {
  return {method, pattern, h, RunOn::kIoThread, CachePolicy::kNoStore, Credential::kNone};
}
// The verify hot path: from the in-memory index, on the I/O thread.
constexpr RouteSpec verification(std::string_view method, std::string_view pattern, Handler h) {
  return {method, pattern, h, RunOn::kIoThread, CachePolicy::kNoStore, Credential::kVerified, Match::kExact, true};
}

}  // namespace

std::span<const RouteSpec> apiRoutes() {
  // clang-format off
  static constexpr RouteSpec kRoutes[] = {
      probe("GET", "/healthz", getHealthz),
      anyone("GET", "/readyz", getReadyz),
      probe("GET", "/v1/version", getVersion),
      verification("POST", "/v1/keys/verify", verifyKey),
      verification("GET", "/v1/authz", authz),
      manage("POST", "/v1/tenants", createTenant),
      manage("GET", "/v1/tenants", listTenants),
      manage("GET", "/v1/tenants/{}", getTenant),
      manage("PATCH", "/v1/tenants/{}", updateTenant),
      manage("DELETE", "/v1/tenants/{}", deleteTenant),
      manage("POST", "/v1/tenants/{}/key-groups", createGroup),
      manage("GET", "/v1/tenants/{}/key-groups", listGroups),
      manage("GET", "/v1/tenants/{}/key-groups/{}", getGroup),
      manage("PATCH", "/v1/tenants/{}/key-groups/{}", updateGroup),
      manage("DELETE", "/v1/tenants/{}/key-groups/{}", deleteGroup),
      manage("POST", "/v1/tenants/{}/keys", createKey),
      manage("GET", "/v1/tenants/{}/keys", listKeys),
      manage("GET", "/v1/tenants/{}/keys/{}", getKey),
      manage("PATCH", "/v1/tenants/{}/keys/{}", updateKey),
      manage("DELETE", "/v1/tenants/{}/keys/{}", deleteKey),
      manage("POST", "/v1/tenants/{}/keys/{}/rotate", rotateKey),
      manage("GET", "/v1/tenants/{}/verify-failures", listVerifyFailures),
      manage("GET", "/v1/tenants/{}/audit", listAudit),
      manage("GET", "/v1/tenants/{}/audit/export", exportAudit),
      manage("GET", "/v1/tenants/{}/audit/verify", verifyAudit),
      manage("POST", "/v1/tenants/{}/users", createUser),
      manage("GET", "/v1/tenants/{}/users", listUsers),
      manage("GET", "/v1/tenants/{}/users/{}", getUser),
      manage("PATCH", "/v1/tenants/{}/users/{}", updateUser),
      manage("DELETE", "/v1/tenants/{}/users/{}", deleteUser),
      manage("POST", "/v1/tenants/{}/service-users", createServiceUser),
      manage("GET", "/v1/tenants/{}/service-users", listServiceUsers),
      manage("GET", "/v1/tenants/{}/service-users/{}", getServiceUser),
      manage("PATCH", "/v1/tenants/{}/service-users/{}", updateServiceUser),
      manage("DELETE", "/v1/tenants/{}/service-users/{}", deleteServiceUser),
      manage("POST", "/v1/tenants/{}/user-groups", createUserGroup),
      manage("GET", "/v1/tenants/{}/user-groups", listUserGroups),
      manage("GET", "/v1/tenants/{}/user-groups/{}", getUserGroup),
      manage("PATCH", "/v1/tenants/{}/user-groups/{}", updateUserGroup),
      manage("DELETE", "/v1/tenants/{}/user-groups/{}", deleteUserGroup),
      manage("POST", "/v1/tenants/{}/roles", createRole),
      manage("GET", "/v1/tenants/{}/roles", listRoles),
      manage("GET", "/v1/tenants/{}/roles/{}", getRole),
      manage("PATCH", "/v1/tenants/{}/roles/{}", updateRole),
      manage("DELETE", "/v1/tenants/{}/roles/{}", deleteRole),
      manage("GET", "/v1/tenants/{}/modules", listModules),
      manage("POST", "/v1/tenants/{}/modules", createModule),
      manage("DELETE", "/v1/tenants/{}/modules/{}", deleteModule),
      manage("GET", "/v1/notifications", listNotifications),
      manage("POST", "/v1/notifications/{}/read", readNotification),
      manage("PUT", "/v1/tenants/{}/webhook", putWebhook),
      manage("GET", "/v1/tenants/{}/webhook", getWebhook),
      manage("DELETE", "/v1/tenants/{}/webhook", deleteWebhook),
      manage("POST", "/v1/tenants/{}/webhook/rotate-secret", rotateWebhookSecret),
      manage("GET", "/v1/tenants/{}/alert-deliveries", listAlertDeliveries),
      anyone("GET", "/v1/tenants/{}/jwks.json", getJwks),
      manage("GET", "/v1/tenants/{}/signing-keys", listSigningKeys),
      manage("POST", "/v1/tenants/{}/signing-keys/rotate", rotateSigningKeys),
      anyone("POST", "/v1/auth/login", login),
      anyone("POST", "/v1/auth/logout", logout),  // idempotent: clears the cookie
      manage("GET", "/v1/auth/me", me),
  };
  // clang-format on
  return kRoutes;
}

}  // namespace keyward::http
