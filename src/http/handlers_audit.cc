// GET /v1/tenants/{tenant_id}/audit
#include "common/time.h"
#include "http/handlers.h"
#include "http/render.h"

namespace keyward::http {

Response listAudit(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  Query q(c.req.query);
  if (auto st = q.onlyAllow({"limit", "cursor", "action", "actor", "target", "since", "until"}); !st) {
    return errorResponse(c, st.error());
  }
  auto page = pageFrom(q);
  if (!page) return errorResponse(c, page.error());
  AuditFilter f;
  f.page = *page;
  f.action = q.get("action");
  f.actor = q.get("actor");
  f.target = q.get("target");
  for (auto [name, slot] : {std::pair{"since", &f.since}, std::pair{"until", &f.until}}) {
    if (auto v = q.get(name)) {
      auto t = parseRfc3339(*v);
      if (!t) return errorResponse(c, Error{ErrorKind::kInvalid, "INVALID_FIELD", std::string(name) + ": " + t.error().message, name});
      *slot = *t;
    }
  }
  auto list = c.deps.audit.list(*actor, c.params[0], f);
  if (!list) return errorResponse(c, list.error());
  return jsonResponse(200, renderPage(*list, renderAudit));
}

}  // namespace keyward::http
