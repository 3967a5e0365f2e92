// tenant_service.h — creating, reading, updating and deleting tenants.
// Thread safety: safe from any thread (state lives in the store). Ownership: borrows the
// store, clock and audit log, which outlive it.
#pragma once

#include <optional>
#include <string>

#include "core/audit_log.h"
#include "core/principal.h"
#include "store/store.h"

namespace keyward {

struct CreateTenantInput {
  std::string name;
  TenantSettings settings;  // defaults unless the caller gave values
};

struct UpdateTenantInput {
  std::optional<std::string> name;
  std::optional<std::string> key_prefix;
  std::optional<int> default_expiry_days;
  std::optional<std::optional<int>> max_expiry_days;  // set to nullopt to remove the limit
  std::optional<int> expiry_alert_days;
  std::optional<int> max_keys_per_service_user;
  std::optional<bool> allow_never_expiring;
};

class TenantService {
 public:
  TenantService(Store& store, const Clock& clock, const AuditLog& audit)
      : store_(store), clock_(clock), audit_(audit) {}

  Result<Tenant> create(const Actor& actor, const CreateTenantInput& in);
  Result<Tenant> get(const Actor& actor, std::string_view id);
  Result<Page<Tenant>> list(const Actor& actor, const PageRequest& page);
  Result<Tenant> update(const Actor& actor, std::string_view id, const UpdateTenantInput& in);
  Status remove(const Actor& actor, std::string_view id);

 private:
  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
};

}  // namespace keyward
