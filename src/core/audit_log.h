// audit_log.h — building audit events, recording denied attempts, and querying the log.
// Thread safety: safe from any thread (state lives in the store). Ownership: borrows the
// store and clock, which outlive it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "core/access.h"
#include "core/principal.h"
#include "store/store.h"

namespace keyward {

// {"changed":["a","b"]}: which fields an edit touched (never their values: some are secret-adjacent).
std::string changedDetail(const std::vector<std::string>& fields);

class AuditLog {
 public:
  AuditLog(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // A success event for a change; the caller commits it with the change itself.
  Result<AuditEvent> event(const Actor& actor, std::string_view tenant_id, std::string_view action,
                           std::string_view target, std::string detail_json = "{}") const;

  // authorize(), and when it refuses, a "denied" event in the actor's own tenant
  // (the target tenant may be one the actor must not learn about). Returns the grant so a
  // list can filter by its level and scope.
  Result<const verify::Grant*> guard(const Actor& actor, std::string_view module, Action action,
                                     std::string_view tenant_id, std::string_view audit_action,
                                     std::string_view target) const;
  // After guard() granted `grant`, and the object was read from the caller's tenant: level
  // "mine" and resource scopes apply to it (403 and a "denied" event otherwise).
  Status guardObject(const Actor& actor, const verify::Grant& grant, std::string_view module, Action action,
                     std::string_view tenant_id, const Ownership& object, std::string_view audit_action) const;

  Result<Page<AuditEvent>> list(const Actor& actor, std::string_view tenant_id, const AuditFilter& f) const;

  // The tenant's hash chain recomputed: how many events, and the first break if any.
  Result<AuditChainReport> verifyChain(const Actor& actor, std::string_view tenant_id) const;

  // May `actor` export the tenant's log (audit:inquire, tenant exists)? Returns the filter
  // to export with (level "mine" narrows it to the caller's own events). The export itself
  // pages through the store so it never holds the whole log.
  Result<AuditFilter> authorizeExport(const Actor& actor, std::string_view tenant_id, const AuditFilter& f) const;
  // One page of an export that authorizeExport allowed, with the filter it returned (the
  // caller must have asked it first: this checks nothing).
  Result<Page<AuditEvent>> exportPage(std::string_view tenant_id, const AuditFilter& allowed) const {
    return store_.listAudit(tenant_id, allowed);
  }

  // Retention (a server job, not a caller's request): removes every tenant's events older
  // than `before`, each tenant's removal recorded as an "audit.prune" event. Returns the
  // number removed.
  Result<std::int64_t> prune(UnixSeconds before) const;

 private:
  void denied(const Actor& actor, std::string_view tenant_id, std::string_view audit_action,
              std::string_view target) const;

  Store& store_;
  const Clock& clock_;
};

}  // namespace keyward
