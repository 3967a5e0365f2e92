#include "core/validation.h"

#include <cctype>

#include "core/access.h"
#include "crypto/key_codec.h"

namespace keyward {

Status validateName(std::string_view field, std::string_view name) {
  if (name.empty()) return invalidField(std::string(field), std::string(field) + " must not be empty");
  if (name.size() > kMaxNameBytes) {
    return invalidField(std::string(field),
                        std::string(field) + " must be at most " + std::to_string(kMaxNameBytes) + " bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return invalidField(std::string(field), std::string(field) + " must not contain control characters");
    }
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return invalidField(std::string(field), std::string(field) + " must not start or end with a space");
  }
  return {};
}

Status validateDescription(std::string_view field, std::string_view text) {
  if (text.size() > kMaxDescriptionBytes) {
    return invalidField(std::string(field),
                        std::string(field) + " must be at most " + std::to_string(kMaxDescriptionBytes) + " bytes");
  }
  return {};
}

Status validateTenantSettings(const TenantSettings& s) {
  if (!crypto::isValidKeyPrefix(s.key_prefix)) {
    return invalidField("key_prefix", "key_prefix must be 2-12 characters of [a-z0-9]");
  }
  auto inRange = [](std::string field, int v, int lo, int hi) -> Status {
    if (v < lo || v > hi) {
      return invalidField(field, field + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    return {};
  };
  if (auto st = inRange("default_expiry_days", s.default_expiry_days, 1, kMaxLifetimeDays); !st) return st;
  if (s.max_expiry_days) {
    if (auto st = inRange("max_expiry_days", *s.max_expiry_days, 1, kMaxLifetimeDays); !st) return st;
    if (s.default_expiry_days > *s.max_expiry_days) {
      return invalidField("default_expiry_days", "default_expiry_days must not exceed max_expiry_days");
    }
  }
  if (auto st = inRange("expiry_alert_days", s.expiry_alert_days, 1, 90); !st) return st;
  return inRange("max_keys_per_service_user", s.max_keys_per_service_user, 1, 1000);
}

Result<UnixSeconds> resolveExpiry(const ExpiryInput& in, const TenantSettings& s, UnixSeconds now) {
  if (int(bool(in.in_days)) + int(bool(in.at)) + int(in.never) > 1) {
    return invalidField("expires_in_days", "give only one of expires_in_days, expires_at, never_expires");
  }
  const std::optional<UnixSeconds> limit = s.max_expiry_days
                                               ? std::optional(now + UnixSeconds(*s.max_expiry_days) * 86400)
                                               : std::nullopt;
  const std::string policy = s.max_expiry_days ? "the tenant allows keys to live at most " +
                                                     std::to_string(*s.max_expiry_days) + " days"
                                               : std::string();
  if (in.never) {
    if (!s.allow_never_expiring) {
      return invalidField("never_expires",
                          "never-expiring keys are not allowed: the tenant's allow_never_expiring is false",
                          "EXPIRY_EXCEEDS_POLICY");
    }
    if (limit)
      return invalidField("never_expires", "never-expiring keys are not allowed: " + policy, "EXPIRY_EXCEEDS_POLICY");
    return kNever;
  }
  UnixSeconds at;
  std::string field;
  if (in.at) {
    at = *in.at;
    field = "expires_at";
    if (at <= now) return invalidField(field, "expires_at must be in the future");
  } else {
    const int days = in.in_days.value_or(s.default_expiry_days);
    field = "expires_in_days";
    if (days < 1 || days > kMaxLifetimeDays) {
      return invalidField(field, "expires_in_days must be between 1 and " + std::to_string(kMaxLifetimeDays));
    }
    at = now + UnixSeconds(days) * 86400;
  }
  if (limit && at > *limit)
    return invalidField(field, "expiry too far in the future: " + policy, "EXPIRY_EXCEEDS_POLICY");
  return at;
}

Result<std::vector<Cidr>> parseAllowlist(const std::vector<std::string>& entries) {
  if (entries.size() > kMaxAllowlistEntries) {
    return invalidField("ip_allowlist",
                        "ip_allowlist holds at most " + std::to_string(kMaxAllowlistEntries) + " entries");
  }
  std::vector<Cidr> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto c = parseCidr(entries[i]);
    if (!c) return invalidField("ip_allowlist[" + std::to_string(i) + "]", c.error().message, "INVALID_CIDR");
    out.push_back(*c);
  }
  return out;
}

Status validatePurpose(std::string_view purpose) {
  for (auto p : kKeyPurposes)
    if (p == purpose) return {};
  return invalidField("purpose", "purpose must be builtin_plugin or third_party");
}

Status validateKind(std::string_view kind, std::string_view credential_mode) {
  if (kind == "simple") {
    if (!credential_mode.empty()) {
      return invalidField("credential_mode", "a simple key has no credential_mode; use kind \"advanced\"");
    }
    return {};
  }
  if (kind == "jwt") {
    if (!credential_mode.empty()) {
      return invalidField("credential_mode", "a JWT key has no credential_mode: its token is signed by the tenant");
    }
    return {};
  }
  if (kind != "advanced") return invalidField("kind", "kind must be simple, advanced or jwt");
  if (credential_mode.empty()) {
    return invalidField("credential_mode", "an advanced key needs credential_mode \"shared_secret\" or \"key_pair\"");
  }
  if (credential_mode != "shared_secret" && credential_mode != "key_pair") {
    return invalidField("credential_mode", "credential_mode must be shared_secret or key_pair");
  }
  return {};
}

Status validateNotBefore(const std::optional<UnixSeconds>& not_before, UnixSeconds expires_at) {
  if (not_before && *not_before >= expires_at) {
    return invalidField("not_before", "not_before must be before the key's expiry");
  }
  return {};
}

Status validateMetadataSize(std::string_view json) {
  if (json.size() > kMaxMetadataBytes) {
    return invalidField("metadata", "metadata must be at most " + std::to_string(kMaxMetadataBytes) + " bytes as JSON");
  }
  return {};
}

Result<std::string> normalizeEmail(std::string_view email) {
  while (!email.empty() && email.front() == ' ') email.remove_prefix(1);
  while (!email.empty() && email.back() == ' ') email.remove_suffix(1);
  const size_t at = email.find('@');
  bool ok = !email.empty() && email.size() <= 254 && at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
            email.find('@', at + 1) == std::string_view::npos;
  std::string out;
  for (unsigned char c : email) {
    if (c <= 0x20 || c == 0x7f) ok = false;
    out += char(std::tolower(c));
  }
  if (!ok) return invalidField("email", "email must be an address like name@example.com");
  return out;
}

Status validatePassword(std::string_view password) {
  size_t chars = 0;
  for (unsigned char c : password) chars += (c & 0xC0) != 0x80;  // count UTF-8 code points
  if (chars < kMinPasswordChars) {
    return invalidField("password", "password must be at least " + std::to_string(kMinPasswordChars) + " characters",
                        "WEAK_PASSWORD");
  }
  if (password.size() > kMaxPasswordBytes) {
    return invalidField("password", "password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  return {};
}

Status validateSubscriptions(const std::vector<std::string>& kinds) {
  for (size_t i = 0; i < kinds.size(); ++i) {
    bool known = false;
    for (auto k : kAlertKinds) known = known || kinds[i] == k;
    if (!known) {
      return invalidField("subscriptions[" + std::to_string(i) + "]",
                          "unknown alert kind '" + kinds[i] + "'; known: account_alerts, security_alerts");
    }
  }
  return {};
}

Status validateModuleName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) return invalidField("name", "a module name is 1-64 characters of a-z, 0-9 and _, starting with a letter");
  return {};
}

}  // namespace keyward
