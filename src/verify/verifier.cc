#include "verify/verifier.h"

#include "crypto/digest.h"
#include "crypto/key_codec.h"

namespace keyward::verify {

std::string_view toString(Code c) {
  switch (c) {
    case Code::kValid: return "VALID";
    case Code::kMalformed: return "MALFORMED";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kDisabled: return "DISABLED";
    case Code::kExpired: return "EXPIRED";
    case Code::kRevoked: return "REVOKED";
    case Code::kIpNotAllowed: return "IP_NOT_ALLOWED";
    case Code::kTenantMismatch: return "TENANT_MISMATCH";
    case Code::kOwnerDisabled: return "OWNER_DISABLED";
    case Code::kInsufficientPermissions: return "INSUFFICIENT_PERMISSIONS";
    case Code::kNotYetValid: return "NOT_YET_VALID";
    case Code::kRotated: return "ROTATED";
    case Code::kSignatureInvalid: return "SIGNATURE_INVALID";
    case Code::kInvalidToken: return "INVALID_TOKEN";
  }
  return "UNKNOWN";
}

namespace {

bool ipAllowed(const CompiledKey& key, const std::optional<IpAddress>& ip) {
  if (key.ip_allowlist.empty()) return true;
  if (!ip) return false;
  for (const auto& c : key.ip_allowlist)
    if (c.contains(*ip)) return true;
  return false;
}

}  // namespace

crypto::Digest handleFor(std::string_view tag, std::string_view name) {
  std::string text;
  text.reserve(tag.size() + 1 + name.size());
  text.append(tag).append(":").append(name);
  return crypto::sha256(text);
}

bool granted(const CompiledKey& key, std::span<const PermissionCheck> checks) {
  if (checks.empty()) return true;
  if (!key.access || !key.access->permissions) return false;
  const PermissionSet& perms = *key.access->permissions;
  for (const auto& c : checks) {
    const Grant* g = perms.find(c.module, c.action);
    const Level level = g ? g->levelFor(c.resource) : Level::kNone;
    if (level == Level::kNone) return false;
    if (level == Level::kMine && c.resource_owner) {
      const std::string_view principal = key.access->owner_id.empty() ? std::string_view(key.id)
                                                                      : std::string_view(key.access->owner_id);
      if (*c.resource_owner != principal) return false;
    }
  }
  return true;
}

Outcome Verifier::verify(const Request& req) {
  const UnixSeconds now = clock_.now();
  Outcome out;
  if (req.handle) {
    out.key = index_.find(*req.handle);
  }
  if (req.handle ? !out.key : !crypto::isWellFormedKey(req.key)) {
    out.code = req.handle ? Code::kNotFound : Code::kMalformed;
  } else if (!req.handle && !(out.key = index_.find(crypto::sha256(req.key)))) {
    out.code = Code::kNotFound;
  } else if (!req.handle && (out.key->credential ? std::string_view(out.key->credential->public_id)
                                                 : std::string_view()) != req.public_id.value_or(std::string_view())) {
    // An advanced key's private part alone, or with another public key, is no credential;
    // nor is a simple key dressed as a Basic credential. Nothing about the key is revealed.
    out.key = nullptr;
    out.code = Code::kNotFound;
  } else if (req.tenant_id && *req.tenant_id != out.key->tenant_id) {
    out.code = Code::kTenantMismatch;
  } else if (out.key->revoked) {
    out.code = Code::kRevoked;
  } else if (out.key->expires_at <= now) {
    out.code = Code::kExpired;
  } else if (out.key->secret_expires_at <= now) {
    out.code = Code::kRotated;
  } else if (out.key->not_before > now) {
    out.code = Code::kNotYetValid;
  } else if (!out.key->enabled) {
    out.code = Code::kDisabled;
  } else if (out.key->access && out.key->access->owner_disabled) {
    out.code = Code::kOwnerDisabled;
  } else if (!ipAllowed(*out.key, req.client_ip)) {
    out.code = Code::kIpNotAllowed;
  } else if (!req.permissions.empty() && !granted(*out.key, req.permissions)) {
    out.code = Code::kInsufficientPermissions;
  } else {
    out.code = Code::kValid;
  }
  if (out.valid()) {
    index_.touch(out.key, now);
  } else {
    countFailure(out, now);
  }
  return out;
}

void Verifier::countFailure(const Outcome& out, UnixSeconds now) {
  // Tallied under the key's own tenant: a TENANT_MISMATCH there means someone presented
  // that tenant's key to another tenant's API, which its owner wants to know.
  const bool own = out.key != nullptr;
  if (const size_t c = size_t(out.code); !own && c < kCodes) {
    keyless_count_[c].fetch_add(1, std::memory_order_relaxed);
    if (keyless_last_[c].load(std::memory_order_relaxed) < now) keyless_last_[c].store(now, std::memory_order_relaxed);
    return;
  }
  std::string tenant = own ? out.key->tenant_id.str() : std::string();
  std::string key_id = own ? std::string(out.key->id.view()) : std::string();
  std::string slot = tenant + '\n' + key_id + '\n' + std::string(toString(out.code));
  std::lock_guard lock(failures_mu_);
  auto [it, inserted] = failures_.try_emplace(std::move(slot));
  if (inserted) it->second = FailureTally{std::move(tenant), std::move(key_id), out.code, 0, now};
  it->second.count++;
  it->second.last_at = now;
}

std::vector<FailureTally> Verifier::drainFailures() {
  std::unordered_map<std::string, FailureTally> taken;
  {
    std::lock_guard lock(failures_mu_);
    taken.swap(failures_);
  }
  std::vector<FailureTally> out;
  out.reserve(taken.size() + 2);
  for (auto& [_, v] : taken) out.push_back(std::move(v));
  for (size_t c = 0; c < kCodes; ++c) {
    if (const auto n = keyless_count_[c].exchange(0, std::memory_order_relaxed); n > 0) {
      out.push_back(FailureTally{std::string(), std::string(), Code(c), n,
                                 keyless_last_[c].load(std::memory_order_relaxed)});
    }
  }
  return out;
}

}  // namespace keyward::verify
