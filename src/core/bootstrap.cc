#include "core/bootstrap.h"

#include "crypto/key_codec.h"
#include "crypto/random.h"

namespace keyward {

Result<std::optional<std::string>> bootstrapIfEmpty(Store& store, const Clock& clock) {
  auto empty = store.isEmpty();
  if (!empty) return std::unexpected(empty.error());
  if (!*empty) return std::nullopt;
  const UnixSeconds now = clock.now();
  Tenant system;
  system.id = kSystemTenantId;
  system.name = "system";
  system.created_at = system.updated_at = now;

  auto secret = crypto::generateKey(system.settings.key_prefix);
  if (!secret) return std::unexpected(secret.error());
  auto key_id = crypto::newId("key");
  if (!key_id) return std::unexpected(key_id.error());
  ApiKey k;
  k.id = *key_id;
  k.tenant_id = system.id;
  k.name = "bootstrap-admin";
  k.description = "Created on first start. Create named administrator keys and revoke this one.";
  k.digest = crypto::sha256(*secret);
  k.start = crypto::keyStart(*secret);
  k.expires_at = kNever;  // an expiring bootstrap key would lock the operator out
  k.roles = {RoleAssignment{std::string(kRolePortalAdministrator), false, {}}};
  k.created_by = "bootstrap";
  k.created_at = k.updated_at = now;

  std::vector<AuditEvent> events;
  for (auto [action, target] : {std::pair{"tenant.create", system.id}, std::pair{"key.create", k.id}}) {
    auto id = crypto::newId("evt");
    if (!id) return std::unexpected(id.error());
    AuditEvent ev;
    ev.id = *id;
    ev.tenant_id = system.id;
    ev.actor = "bootstrap";
    ev.action = action;
    ev.target = target;
    ev.outcome = "success";
    ev.at = now;
    events.push_back(std::move(ev));
  }
  if (auto st = store.bootstrap(system, k, events); !st) {
    // Another node bootstrapped first: not an error, just not ours to print.
    if (st.error().code == "ALREADY_BOOTSTRAPPED") return std::nullopt;
    return std::unexpected(st.error());
  }
  return std::optional<std::string>(std::move(*secret));
}

}  // namespace keyward
