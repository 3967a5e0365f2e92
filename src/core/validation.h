// validation.h — the semantic rules for names, settings, expiry, and IP allowlists.
// Thread safety: pure functions. Ownership: values only.
// The HTTP layer checks JSON shape and types; these check meaning, and name the field at
// fault so the client can fix it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/principal.h"

namespace keyward {

inline constexpr size_t kMaxNameBytes = 128;
inline constexpr size_t kMaxDescriptionBytes = 1024;
inline constexpr size_t kMaxMetadataBytes = 4096;
inline constexpr size_t kMaxAllowlistEntries = 100;
inline constexpr int kMaxLifetimeDays = 36500;

Status validateName(std::string_view field, std::string_view name);
Status validateDescription(std::string_view field, std::string_view text);
Status validateTenantSettings(const TenantSettings& s);

// How a caller asked for an expiry; at most one of the three may be given.
struct ExpiryInput {
  std::optional<int> in_days;
  std::optional<UnixSeconds> at;
  bool never = false;
  bool given() const { return in_days || at || never; }
};

// The absolute expiry for a new or edited key, applying the tenant's default and maximum.
Result<UnixSeconds> resolveExpiry(const ExpiryInput& in, const TenantSettings& s, UnixSeconds now);

inline constexpr std::string_view kKeyPurposes[] = {"builtin_plugin", "third_party"};
inline constexpr std::string_view kKeyKinds[] = {"simple", "advanced", "jwt"};
Status validatePurpose(std::string_view purpose);
// The kind and credential mode of a new key: "simple" without a mode, or "advanced" with
// "shared_secret" or "key_pair"; or "jwt" without a mode.
Status validateKind(std::string_view kind, std::string_view credential_mode);

// A start of validity must come before the expiry (a key valid for no instant is a mistake).
Status validateNotBefore(const std::optional<UnixSeconds>& not_before, UnixSeconds expires_at);

Result<std::vector<Cidr>> parseAllowlist(const std::vector<std::string>& entries);
Status validateMetadataSize(std::string_view json);

inline constexpr size_t kMinPasswordChars = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;
// Lower-cased, trimmed e-mail if it looks like one (local@domain, no spaces, <= 254 bytes).
Result<std::string> normalizeEmail(std::string_view email);
// At least 12 characters (NIST SP 800-63B allows 8; we ask more), at most 1024 bytes.
Status validatePassword(std::string_view password);
// Alert kinds a user group can subscribe to.
inline constexpr std::string_view kAlertKinds[] = {"account_alerts", "security_alerts"};
Status validateSubscriptions(const std::vector<std::string>& kinds);
// A module a tenant registers: 1-64 of [a-z0-9_], starting with a letter.
Status validateModuleName(std::string_view name);

}  // namespace keyward
