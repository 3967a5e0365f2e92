// audit.h — audit events (who did what to which object, with what outcome, chained by hash) and counted verification failures.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see docs/architecture.md "Modules".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "crypto/digest.h"
#include "model/page.h"

namespace keyward {

struct AuditEvent {
  std::int64_t seq = 0;  // store-assigned, increasing
  std::string id;
  std::string tenant_id;
  std::string actor;   // key id of the credential used, or "bootstrap"/"system"
  std::string action;  // e.g. "key.create"
  std::string target;  // object id
  std::string client_ip;
  std::string outcome;             // "success" | "denied" | "failure"
  std::string detail_json = "{}";  // never holds a secret
  UnixSeconds at = 0;
  crypto::Digest prev_hash{};  // store-assigned: the tenant's previous event's hash
  crypto::Digest hash{};       // store-assigned: see store/audit_chain.h
};

// Failed verifications are counted, not logged per request.
struct VerifyFailureCount {
  std::string tenant_id;  // "" when the key was not found
  std::string key_id;     // "" when the key was not found
  std::string reason;     // e.g. "DISABLED"
  std::int64_t count = 0;
  UnixSeconds last_at = 0;
};

// Which audit events a list or an export returns.
struct AuditFilter {
  std::optional<std::string> action;
  std::optional<std::string> actor;
  std::optional<std::string> target;
  std::optional<UnixSeconds> since;  // inclusive
  std::optional<UnixSeconds> until;  // exclusive
  PageRequest page;
};

}  // namespace keyward
