#include "core/audit_log.h"

#include "common/json_text.h"
#include "core/roles.h"
#include "crypto/random.h"

namespace keyward {

std::string changedDetail(const std::vector<std::string>& fields) {
  std::string detail = "{\"changed\":[";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) detail += ',';
    appendJsonString(detail, fields[i]);
  }
  return detail + "]}";
}

Result<AuditEvent> AuditLog::event(const Actor& actor, std::string_view tenant_id, std::string_view action,
                                   std::string_view target, std::string detail_json) const {
  auto id = crypto::newTimeOrderedId("evt");
  if (!id) return std::unexpected(id.error());
  AuditEvent ev;
  ev.id = std::move(*id);
  ev.tenant_id = tenant_id;
  ev.actor = actor.principal.actorId();
  ev.action = action;
  ev.target = target;
  ev.client_ip = actor.client_ip;
  ev.outcome = "success";
  ev.detail_json = std::move(detail_json);
  ev.at = clock_.now();
  return ev;
}

void AuditLog::denied(const Actor& actor, std::string_view tenant_id, std::string_view audit_action,
                      std::string_view target) const {
  if (auto ev = event(actor, actor.principal.tenant_id, audit_action, target,
                      "{\"requested_tenant\":" + jsonString(tenant_id) + "}")) {
    ev->outcome = "denied";
    // Best effort: the refusal stands even if it cannot be recorded.
    (void)store_.appendAudit(*ev);
  }
}

Result<const verify::Grant*> AuditLog::guard(const Actor& actor, std::string_view module, Action action,
                                             std::string_view tenant_id, std::string_view audit_action,
                                             std::string_view target) const {
  auto g = authorize(actor.principal, module, action, tenant_id);
  if (!g) denied(actor, tenant_id, audit_action, target);
  return g;
}

Status AuditLog::guardObject(const Actor& actor, const verify::Grant& grant, std::string_view module, Action action,
                             std::string_view tenant_id, const Ownership& object, std::string_view audit_action) const {
  if (grantCovers(actor.principal, grant, object)) return {};
  denied(actor, tenant_id, audit_action, object.id);
  return fail(ErrorKind::kForbidden, "FORBIDDEN",
              "this credential may " + std::string(verify::toString(action)) + " only its own or assigned " +
                  std::string(module) + ", and this one is not");
}

namespace {

// Level "mine" on audit: only the events the caller performed itself. A filter for another
// actor then matches nothing rather than failing (the caller may not know who else acts).
AuditFilter restrictToMine(const Actor& actor, const verify::Grant& g, AuditFilter f) {
  if (g.levelFor(std::nullopt) == Level::kAll && g.all_resources) return f;
  const std::string& me = actor.principal.actorId();
  f.actor = f.actor && *f.actor != me ? std::string("\n") : me;  // "\n" is no actor id
  return f;
}

}  // namespace

Result<Page<AuditEvent>> AuditLog::list(const Actor& actor, std::string_view tenant_id, const AuditFilter& f) const {
  auto g = guard(actor, kModuleAudit, Action::kInquire, tenant_id, "audit.list", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return store_.listAudit(tenant_id, restrictToMine(actor, **g, f));
}

Result<AuditChainReport> AuditLog::verifyChain(const Actor& actor, std::string_view tenant_id) const {
  auto g = guard(actor, kModuleAudit, Action::kInquire, tenant_id, "audit.verify", tenant_id);
  if (!g) return std::unexpected(g.error());
  if ((*g)->level != Level::kAll || !(*g)->all_resources) {
    // The chain is the whole tenant's: a caller limited to its own events cannot vouch for it.
    return fail(ErrorKind::kForbidden, "FORBIDDEN", "verifying the audit chain needs audit:inquire at level all");
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return store_.verifyAuditChain(tenant_id);
}

Result<AuditFilter> AuditLog::authorizeExport(const Actor& actor, std::string_view tenant_id,
                                              const AuditFilter& f) const {
  auto g = guard(actor, kModuleAudit, Action::kInquire, tenant_id, "audit.export", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return restrictToMine(actor, **g, f);
}

Result<std::int64_t> AuditLog::prune(UnixSeconds before) const {
  std::int64_t total = 0;
  // Every tenant with an audit trail, also deleted ones: retention applies to their events too.
  auto tenants = store_.listAuditTenants();
  if (!tenants) return std::unexpected(tenants.error());
  for (const auto& tenant_id : *tenants) {
    auto n = store_.pruneAudit(tenant_id, before);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) continue;
    total += *n;
    Actor system;
    system.principal.subject_id = "system";
    system.principal.tenant_id = kSystemTenantId;
    if (auto ev = event(system, tenant_id, "audit.prune", tenant_id,
                        "{\"removed\":" + std::to_string(*n) + ",\"before\":" + std::to_string(before) + "}")) {
      (void)store_.appendAudit(*ev);
    }
  }
  return total;
}

}  // namespace keyward
