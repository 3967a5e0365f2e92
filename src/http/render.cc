#include "http/render.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/time.h"
#include "crypto/digest.h"

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
  o["allow_never_expiring"] = t.settings.allow_never_expiring;
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
  o["kind"] = toString(k.kind);
  o["purpose"] = toString(k.purpose);
  if (k.credential_mode != CredentialMode::kNone) o["credential_mode"] = toString(k.credential_mode);
  if (k.credential_mode == CredentialMode::kSharedSecret) o["public_key"] = k.public_id;
  if (k.credential_mode == CredentialMode::kKeyPair) {
    // What a client puts in its signatures (keyid) and what it signs with (the algorithm);
    // the public key itself, so an administrator can compare it with the client's.
    o["keyid"] = k.public_id;
    o["algorithm"] = k.key_algorithm;
    o["public_key_pem"] = k.public_key_pem;
  }
  if (k.kind == KeyKind::kJwt) o["token_id"] = k.public_id;  // the current token's jti
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
  o["roles"] = renderAssignments(k.roles);
  o["owner"] = renderOwner(k.owner);
  o["not_before"] = timeOrNull(k.not_before);
  o["rotated_at"] = timeOrNull(k.rotated_at);
  // During a rotation's overlap: the replaced secret (recognisable by its start) and when
  // it stops verifying.
  const bool rotating = k.rotatingAt(now);
  o["rotating"] = rotating;
  if (rotating) {
    o["previous_start"] = k.previous_start;
    o["previous_expires_at"] = formatRfc3339(k.previous_expires_at);
  }
  return o;
}

boost::json::array renderAssignments(const std::vector<RoleAssignment>& roles) {
  boost::json::array out;
  for (const auto& a : roles) {
    boost::json::object o;
    o["role"] = a.role;
    if (a.all_resources) {
      o["all_resources"] = true;
    } else if (!a.resources.empty()) {
      boost::json::array res;
      for (const auto& r : a.resources) res.emplace_back(r);
      o["resources"] = std::move(res);
    }
    out.push_back(std::move(o));
  }
  return out;
}

boost::json::value renderOwner(const std::optional<OwnerRef>& owner) {
  if (!owner) return nullptr;
  return boost::json::object{{"type", toString(owner->kind)}, {"id", owner->id}};
}

namespace {

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

boost::json::object renderUser(const User& u) {
  // The password hash never leaves the server, not even hashed.
  boost::json::object o;
  o["id"] = u.id;
  o["tenant_id"] = u.tenant_id;
  o["email"] = u.email;
  o["display_name"] = u.display_name;
  o["roles"] = renderAssignments(u.roles);
  o["disabled"] = u.disabled;
  o["created_by"] = u.created_by;
  o["created_at"] = formatRfc3339(u.created_at);
  o["updated_at"] = formatRfc3339(u.updated_at);
  return o;
}

boost::json::object renderServiceUser(const ServiceUser& s) {
  boost::json::object o;
  o["id"] = s.id;
  o["tenant_id"] = s.tenant_id;
  o["name"] = s.name;
  o["description"] = s.description;
  o["roles"] = renderAssignments(s.roles);
  o["disabled"] = s.disabled;
  o["created_by"] = s.created_by;
  o["created_at"] = formatRfc3339(s.created_at);
  o["updated_at"] = formatRfc3339(s.updated_at);
  return o;
}

boost::json::object renderUserGroup(const UserGroup& g) {
  boost::json::object o;
  o["id"] = g.id;
  o["tenant_id"] = g.tenant_id;
  o["name"] = g.name;
  o["description"] = g.description;
  o["members"] = strings(g.members);
  o["subscriptions"] = strings(g.subscriptions);
  o["created_by"] = g.created_by;
  o["created_at"] = formatRfc3339(g.created_at);
  o["updated_at"] = formatRfc3339(g.updated_at);
  return o;
}

boost::json::object renderRole(const Role& r) {
  boost::json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["description"] = r.description;
  o["builtin"] = r.builtin;
  boost::json::array perms;
  for (const auto& p : r.permissions) {
    perms.push_back(boost::json::object{{"module", p.module},
                                        {"action", verify::toString(p.action)},
                                        {"level", verify::toString(p.level)}});
  }
  o["permissions"] = std::move(perms);
  if (r.scope_module) o["scope_module"] = *r.scope_module;
  else o["scope_module"] = nullptr;
  if (!r.builtin) {
    o["created_by"] = r.created_by;
    o["created_at"] = formatRfc3339(r.created_at);
    o["updated_at"] = formatRfc3339(r.updated_at);
  }
  return o;
}

boost::json::object renderModule(const Module& m) {
  boost::json::object o;
  o["name"] = m.name;
  o["description"] = m.description;
  o["builtin"] = m.builtin;
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
  o["seq"] = e.seq;
  o["prev_hash"] = crypto::toHex(e.prev_hash);
  o["hash"] = crypto::toHex(e.hash);
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
