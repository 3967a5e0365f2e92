// tenant.h — the tenant, the isolation boundary every other record belongs to, and its settings.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see docs/architecture.md "Modules".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace keyward {

inline constexpr std::string_view kSystemTenantId = "system";

struct TenantSettings {
  std::string key_prefix = "kw";
  int default_expiry_days = 182;       // about six months (SecureCloud's default)
  std::optional<int> max_expiry_days;  // policy: no key may live longer; none = unlimited
  int expiry_alert_days = 14;          // BloxOne: daily alerts from 14 days before expiry
  int max_keys_per_service_user = 10;  // BloxOne: up to 10 keys per service user
  bool allow_never_expiring = true;    // Ivanti keys may never expire; a tenant may forbid it
};

struct Tenant {
  std::string id;
  std::string name;
  TenantSettings settings;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;  // store-assigned creation order, the pagination cursor
};

}  // namespace keyward
