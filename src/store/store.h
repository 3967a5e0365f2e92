// store.h — the persistence interface every backend implements (SQLite now, PostgreSQL next).
// Thread safety: implementations must be safe to call from any thread.
// Ownership: the composition root (src/app/) constructs the backend; core/ borrows it.
//
// Contract, checked by tests/store/store_conformance.h for every backend:
// - Every write that changes a domain object takes the AuditEvent that describes it and
//   commits both in one transaction: no audit, no change.
// - A write returns only after it is durably committed.
// - Every query is scoped by tenant id; an object of another tenant is NOT_FOUND.
// - Unique names collide with kConflict/NAME_TAKEN; nothing is changed on any error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/model.h"

namespace keyward {

struct KeyFilter {
  std::optional<std::string> group_id;
  std::optional<KeyState> state;  // none: every state except revoked
  PageRequest page;
};

struct AuditFilter {
  std::optional<std::string> action;
  std::optional<std::string> actor;
  std::optional<std::string> target;
  std::optional<UnixSeconds> since;  // inclusive
  std::optional<UnixSeconds> until;  // exclusive
  PageRequest page;
};

class Store {
 public:
  virtual ~Store() = default;

  // Reachable and migrated (readiness).
  virtual Status ping() = 0;

  // First start: creates the system tenant and the bootstrap key in one transaction.
  // kConflict/ALREADY_BOOTSTRAPPED when any tenant exists.
  virtual Status bootstrap(const Tenant& system, const ApiKey& admin_key,
                           const std::vector<AuditEvent>& events) = 0;
  virtual Result<bool> isEmpty() = 0;

  // Tenants
  virtual Status createTenant(const Tenant& t, const AuditEvent& ev) = 0;
  virtual Result<Tenant> getTenant(std::string_view id) = 0;
  virtual Result<Page<Tenant>> listTenants(const PageRequest& page) = 0;
  virtual Status updateTenant(const Tenant& t, const AuditEvent& ev) = 0;
  // kConflict/TENANT_NOT_EMPTY while it holds key groups or non-revoked keys.
  virtual Status deleteTenant(std::string_view id, const AuditEvent& ev) = 0;

  // Key groups
  virtual Status createGroup(const KeyGroup& g, const AuditEvent& ev) = 0;
  virtual Result<KeyGroup> getGroup(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Page<KeyGroup>> listGroups(std::string_view tenant_id, const PageRequest& page) = 0;
  virtual Status updateGroup(const KeyGroup& g, const AuditEvent& ev) = 0;
  // kConflict/GROUP_NOT_EMPTY while it holds non-revoked keys.
  virtual Status deleteGroup(std::string_view tenant_id, std::string_view id,
                             const AuditEvent& ev) = 0;

  // Keys
  virtual Status createKey(const ApiKey& k, const AuditEvent& ev) = 0;
  virtual Result<ApiKey> getKey(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Page<ApiKey>> listKeys(std::string_view tenant_id, const KeyFilter& filter,
                                        UnixSeconds now) = 0;
  // Replaces every mutable field (name, digest and creation fields are kept).
  virtual Status updateKey(const ApiKey& k, const AuditEvent& ev) = 0;
  // Streams every key of every tenant (revoked ones too) to build the verify index.
  virtual Status forEachKey(const std::function<void(ApiKey&&)>& fn) = 0;

  // Counters buffered in memory by the verifier and flushed in batches.
  virtual Status recordLastUsed(const std::vector<std::pair<std::string, UnixSeconds>>& uses) = 0;
  virtual Status addVerifyFailures(const std::vector<VerifyFailureCount>& counts) = 0;
  virtual Result<std::vector<VerifyFailureCount>> listVerifyFailures(std::string_view tenant_id) = 0;

  // Audit events that stand alone (denied attempts); changes bring theirs along.
  virtual Status appendAudit(const AuditEvent& ev) = 0;
  virtual Result<Page<AuditEvent>> listAudit(std::string_view tenant_id,
                                             const AuditFilter& filter) = 0;
};

}  // namespace keyward
