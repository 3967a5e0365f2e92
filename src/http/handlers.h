// handlers.h — one function per endpoint; each parses its input, calls a service and renders.
// Thread safety: stateless functions. Ownership: values only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/render.h"
#include "http/router.h"

namespace keyward::http {

// system
Response getHealthz(Ctx& c);
Response getReadyz(Ctx& c);
Response getVersion(Ctx& c);
// tenants
Response createTenant(Ctx& c);
Response listTenants(Ctx& c);
Response getTenant(Ctx& c);
Response updateTenant(Ctx& c);
Response deleteTenant(Ctx& c);
// key groups
Response createGroup(Ctx& c);
Response listGroups(Ctx& c);
Response getGroup(Ctx& c);
Response updateGroup(Ctx& c);
Response deleteGroup(Ctx& c);
// keys
Response createKey(Ctx& c);
Response listKeys(Ctx& c);
Response getKey(Ctx& c);
Response updateKey(Ctx& c);
Response deleteKey(Ctx& c);
Response rotateKey(Ctx& c);
Response listVerifyFailures(Ctx& c);
// verification
Response verifyKey(Ctx& c);
Response authz(Ctx& c);
// audit
Response listAudit(Ctx& c);
Response exportAudit(Ctx& c);
Response verifyAudit(Ctx& c);
// users, service users, user groups
Response createUser(Ctx& c);
Response listUsers(Ctx& c);
Response getUser(Ctx& c);
Response updateUser(Ctx& c);
Response deleteUser(Ctx& c);
Response createServiceUser(Ctx& c);
Response listServiceUsers(Ctx& c);
Response getServiceUser(Ctx& c);
Response updateServiceUser(Ctx& c);
Response deleteServiceUser(Ctx& c);
Response createUserGroup(Ctx& c);
Response listUserGroups(Ctx& c);
Response getUserGroup(Ctx& c);
Response updateUserGroup(Ctx& c);
Response deleteUserGroup(Ctx& c);
// roles and modules
Response createRole(Ctx& c);
Response listRoles(Ctx& c);
Response getRole(Ctx& c);
Response updateRole(Ctx& c);
Response deleteRole(Ctx& c);
Response listModules(Ctx& c);
Response createModule(Ctx& c);
Response deleteModule(Ctx& c);
// expiry alerts: notifications, webhook, deliveries
Response listNotifications(Ctx& c);
Response readNotification(Ctx& c);
Response putWebhook(Ctx& c);
Response getWebhook(Ctx& c);
Response deleteWebhook(Ctx& c);
Response rotateWebhookSecret(Ctx& c);
Response listAlertDeliveries(Ctx& c);
// JWT keys: the tenant's public JWKS, its signing keys
Response getJwks(Ctx& c);
Response listSigningKeys(Ctx& c);
Response rotateSigningKeys(Ctx& c);
// console sign-in
Response login(Ctx& c);
Response logout(Ctx& c);
Response me(Ctx& c);

// Shared helpers for handlers.
Response errorResponse(const Ctx& c, const Error& e);
Response noContent();

// Query string access with percent-decoding; unknown parameters are refused so a typo
// (?stat=active) is an error rather than a silently unfiltered list.
class Query {
 public:
  explicit Query(std::string_view raw);
  std::optional<std::string> get(std::string_view name) const;
  Status onlyAllow(std::initializer_list<std::string_view> names) const;
  // A filter that takes one of `allowed`: its value, nullopt when absent, or INVALID_FIELD
  // naming the parameter and the values it takes.
  Result<std::optional<std::string>> oneOf(std::string_view name,
                                           std::initializer_list<std::string_view> allowed) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
  std::optional<Error> error_;
};

Result<PageRequest> pageFrom(const Query& q);

// A GET list endpoint: authenticate, read `limit`/`cursor` (nothing else), call
// `list(actor, page)` and render each item with `render` (see renderPage in render.h).
template <class T, class List, class Render>
Response listWith(Ctx& c, List list, Render render) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  Query q(c.req.query);
  if (auto st = q.onlyAllow({"limit", "cursor"}); !st) return errorResponse(c, st.error());
  auto page = pageFrom(q);
  if (!page) return errorResponse(c, page.error());
  Result<Page<T>> items = list(*actor, *page);
  if (!items) return errorResponse(c, items.error());
  return jsonResponse(200, renderPage(*items, render));
}

}  // namespace keyward::http
