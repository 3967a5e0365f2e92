#include "http/render.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/time.h"

namespace keyward::http {

boost::json::value timeOrNull(std::optional<UnixSeconds> t) {
  if (!t || *t == kNever) return nullptr;
  return boost::json::string(formatRfc3339(*t));
}

boost::json::object renderTenant(const Tenant& t) {
  boost::json::object o;
  o["id"] = t.id;
  o["name"] = t.name;
  o["key_prefix"] = t.settings.key_prefix;
  o["default_expiry_days"] = t.settings.default_expiry_days;
  if (t.settings.max_expiry_days) o["max_expiry_days"] = *t.settings.max_expiry_days;
  else o["max_expiry_days"] = nullptr;
  o["expiry_alert_days"] = t.settings.expiry_alert_days;
  o["max_keys_per_service_user"] = t.settings.max_keys_per_service_user;
  o["created_at"] = formatRfc3339(t.created_at);
  o["updated_at"] = formatRfc3339(t.updated_at);
  return o;
}

boost::json::object renderGroup(const KeyGroup& g) {
  boost::json::object o;
  o["id"] = g.id;
  o["tenant_id"] = g.tenant_id;
  o["name"] = g.name;
  o["description"] = g.description;
  o["created_at"] = formatRfc3339(g.created_at);
  o["updated_at"] = formatRfc3339(g.updated_at);
  return o;
}

boost::json::object renderKey(const ApiKey& k, UnixSeconds now) {
  boost::json::object o;
  o["id"] = k.id;
  o["tenant_id"] = k.tenant_id;
  o["name"] = k.name;
  o["description"] = k.description;
  if (k.group_id) o["group_id"] = *k.group_id;
  else o["group_id"] = nullptr;
  o["kind"] = k.kind;
  o["state"] = std::string(toString(k.stateAt(now)));
  o["enabled"] = k.enabled;
  o["start"] = k.start;
  o["created_at"] = formatRfc3339(k.created_at);
  o["created_by"] = k.created_by;
  o["updated_at"] = formatRfc3339(k.updated_at);
  o["expires_at"] = timeOrNull(k.expires_at);
  o["revoked_at"] = timeOrNull(k.revoked_at);
  o["last_used_at"] = timeOrNull(k.last_used_at && *k.last_used_at > 0 ? k.last_used_at : std::nullopt);
  boost::json::array allow;
  for (const auto& c : k.ip_allowlist) allow.emplace_back(formatCidr(c));
  o["ip_allowlist"] = std::move(allow);
  boost::system::error_code ec;
  auto meta = boost::json::parse(k.metadata_json, ec);
  o["metadata"] = ec ? boost::json::value(boost::json::object()) : std::move(meta);
  boost::json::array roles;
  for (const auto& r : k.roles) roles.emplace_back(r);
  o["roles"] = std::move(roles);
  return o;
}

boost::json::object renderAudit(const AuditEvent& e) {
  boost::json::object o;
  o["id"] = e.id;
  o["tenant_id"] = e.tenant_id;
  o["at"] = formatRfc3339(e.at);
  o["actor"] = e.actor;
  o["action"] = e.action;
  o["target"] = e.target;
  o["client_ip"] = e.client_ip;
  o["outcome"] = e.outcome;
  boost::system::error_code ec;
  auto detail = boost::json::parse(e.detail_json, ec);
  o["detail"] = ec ? boost::json::value(boost::json::object()) : std::move(detail);
  return o;
}

boost::json::object renderFailure(const VerifyFailureCount& f) {
  boost::json::object o;
  if (f.key_id.empty()) o["key_id"] = nullptr;
  else o["key_id"] = f.key_id;
  o["reason"] = f.reason;
  o["count"] = f.count;
  o["last_at"] = formatRfc3339(f.last_at);
  return o;
}

Response jsonResponse(int status, const boost::json::value& v) {
  return Response{status, "application/json", {}, boost::json::serialize(v)};
}

}  // namespace keyward::http
