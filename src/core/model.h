// model.h — the domain records: tenants, key groups, API keys, audit events, principals.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see ../shared/DESIGN.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "crypto/digest.h"

namespace keyward {

inline constexpr std::string_view kSystemTenantId = "system";
inline constexpr std::string_view kRolePortalAdministrator = "Portal Administrator";
inline constexpr std::string_view kRoleVerifier = "Verifier";

struct TenantSettings {
  std::string key_prefix = "kw";
  int default_expiry_days = 182;  // about six months (SecureCloud's default)
  std::optional<int> max_expiry_days;  // policy: no key may live longer; none = unlimited
  int expiry_alert_days = 14;          // BloxOne: daily alerts from 14 days before expiry
  int max_keys_per_service_user = 10;  // BloxOne: up to 10 keys per service user
};

struct Tenant {
  std::string id;
  std::string name;
  TenantSettings settings;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;  // store-assigned creation order, the pagination cursor
};

struct KeyGroup {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string description;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;
};

enum class KeyState { kActive, kDisabled, kExpired, kRevoked };
std::string_view toString(KeyState s);
std::optional<KeyState> parseKeyState(std::string_view s);

struct ApiKey {
  std::string id;
  std::string tenant_id;
  std::string name;  // unique per tenant, immutable
  std::string description;
  std::optional<std::string> group_id;
  std::string kind = "simple";
  crypto::Digest digest{};  // SHA-256 of the secret; the secret itself is never stored
  std::string start;        // recognisable, non-secret first characters
  bool enabled = true;
  std::optional<UnixSeconds> revoked_at;
  UnixSeconds expires_at = kNever;
  std::vector<Cidr> ip_allowlist;  // empty: any address
  std::string metadata_json = "{}";
  std::vector<std::string> roles;
  std::string created_by;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::optional<UnixSeconds> last_used_at;
  std::int64_t seq = 0;

  // Revoked is final; expiry wins over the enabled flag (an expired key stays expired).
  KeyState stateAt(UnixSeconds now) const {
    if (revoked_at) return KeyState::kRevoked;
    if (expires_at <= now) return KeyState::kExpired;
    return enabled ? KeyState::kActive : KeyState::kDisabled;
  }
};

struct AuditEvent {
  std::int64_t seq = 0;  // store-assigned, increasing
  std::string id;
  std::string tenant_id;
  std::string actor;      // key id of the credential used, or "bootstrap"/"system"
  std::string action;     // e.g. "key.create"
  std::string target;     // object id
  std::string client_ip;
  std::string outcome;    // "success" | "denied" | "failure"
  std::string detail_json = "{}";  // never holds a secret
  UnixSeconds at = 0;
};

// Failed verifications are counted, not logged per request.
struct VerifyFailureCount {
  std::string tenant_id;  // "" when the key was not found
  std::string key_id;     // "" when the key was not found
  std::string reason;     // e.g. "DISABLED"
  std::int64_t count = 0;
  UnixSeconds last_at = 0;
};

// Who is calling: derived from a verified credential, never from what the client claims.
struct Principal {
  std::string key_id;
  std::string tenant_id;
  std::vector<std::string> roles;
  bool hasRole(std::string_view role) const {
    for (const auto& r : roles)
      if (r == role) return true;
    return false;
  }
};

// The principal plus where the request came from: what every service call needs to
// authorize and to write its audit event.
struct Actor {
  Principal principal;
  std::string client_ip;
};

struct PageRequest {
  int limit = 50;            // 1..500
  std::int64_t after = 0;    // seq of the last item of the previous page
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next;  // cursor for the next page, if any
};

}  // namespace keyward
