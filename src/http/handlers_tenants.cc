// POST/GET /v1/tenants, GET/PATCH/DELETE /v1/tenants/{tenant_id}
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {
namespace {

constexpr std::int64_t kDaysMax = 36500;

}  // namespace

Response createTenant(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  CreateTenantInput in;
  in.name = r.reqString("name");
  if (auto v = r.optString("key_prefix")) in.settings.key_prefix = *v;
  if (auto v = r.optInt("default_expiry_days", 1, kDaysMax)) in.settings.default_expiry_days = int(*v);
  if (auto v = r.optNullableInt("max_expiry_days", 1, kDaysMax)) {
    if (*v) in.settings.max_expiry_days = int(**v);
  }
  if (auto v = r.optInt("expiry_alert_days", 1, 90)) in.settings.expiry_alert_days = int(*v);
  if (auto v = r.optInt("max_keys_per_service_user", 1, 1000)) in.settings.max_keys_per_service_user = int(*v);
  if (auto v = r.optBool("allow_never_expiring")) in.settings.allow_never_expiring = *v;
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto t = c.deps.tenants.create(*actor, in);
  if (!t) return errorResponse(c, t.error());
  return jsonResponse(201, renderTenant(*t)).with("location", "/v1/tenants/" + t->id);
}

Response listTenants(Ctx& c) {
  return listWith<Tenant>(
      c, [&](const Actor& a, const PageRequest& p) { return c.deps.tenants.list(a, p); }, renderTenant);
}

Response getTenant(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto t = c.deps.tenants.get(*actor, c.params[0]);
  if (!t) return errorResponse(c, t.error());
  return jsonResponse(200, renderTenant(*t));
}

Response updateTenant(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  UpdateTenantInput in;
  in.name = r.optString("name");
  in.key_prefix = r.optString("key_prefix");
  if (auto v = r.optInt("default_expiry_days", 1, kDaysMax)) in.default_expiry_days = int(*v);
  if (auto v = r.optNullableInt("max_expiry_days", 1, kDaysMax)) {
    in.max_expiry_days = *v ? std::optional<int>(int(**v)) : std::optional<int>();
  }
  if (auto v = r.optInt("expiry_alert_days", 1, 90)) in.expiry_alert_days = int(*v);
  if (auto v = r.optInt("max_keys_per_service_user", 1, 1000)) in.max_keys_per_service_user = int(*v);
  in.allow_never_expiring = r.optBool("allow_never_expiring");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!in.name && !in.key_prefix && !in.default_expiry_days && !in.max_expiry_days && !in.expiry_alert_days &&
      !in.max_keys_per_service_user && !in.allow_never_expiring) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "EMPTY_UPDATE", "the request changes nothing", ""});
  }
  auto t = c.deps.tenants.update(*actor, c.params[0], in);
  if (!t) return errorResponse(c, t.error());
  return jsonResponse(200, renderTenant(*t));
}

Response deleteTenant(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.tenants.remove(*actor, c.params[0]); !st) return errorResponse(c, st.error());
  return noContent();
}

}  // namespace keyward::http
