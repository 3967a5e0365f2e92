#include "core/audit_log.h"

#include "common/json_text.h"
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
  auto id = crypto::newId("evt");
  if (!id) return std::unexpected(id.error());
  AuditEvent ev;
  ev.id = std::move(*id);
  ev.tenant_id = tenant_id;
  ev.actor = actor.principal.key_id;
  ev.action = action;
  ev.target = target;
  ev.client_ip = actor.client_ip;
  ev.outcome = "success";
  ev.detail_json = std::move(detail_json);
  ev.at = clock_.now();
  return ev;
}

Status AuditLog::guard(const Actor& actor, Operation op, std::string_view tenant_id, std::string_view action,
                       std::string_view target) const {
  auto st = authorize(actor.principal, op, tenant_id);
  if (st) return st;
  if (auto ev = event(actor, actor.principal.tenant_id, action, target,
                      "{\"requested_tenant\":" + jsonString(tenant_id) + "}")) {
    ev->outcome = "denied";
    // Best effort: the refusal stands even if it cannot be recorded.
    (void)store_.appendAudit(*ev);
  }
  return st;
}

Result<Page<AuditEvent>> AuditLog::list(const Actor& actor, std::string_view tenant_id, const AuditFilter& f) const {
  if (auto st = guard(actor, Operation::kAuditRead, tenant_id, "audit.list", tenant_id); !st) {
    return std::unexpected(st.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return store_.listAudit(tenant_id, f);
}

}  // namespace keyward
