// GET /v1/tenants/{tenant_id}/audit
#include <boost/json/serialize.hpp>

#include "common/time.h"
#include "http/handlers.h"
#include "http/render.h"

namespace keyward::http {

namespace {

// The search filters shared by the list and the export.
Result<AuditFilter> filterFrom(const Query& q) {
  if (auto st = q.onlyAllow({"limit", "cursor", "action", "actor", "target", "since", "until"}); !st) {
    return std::unexpected(st.error());
  }
  auto page = pageFrom(q);
  if (!page) return std::unexpected(page.error());
  AuditFilter f;
  f.page = *page;
  f.action = q.get("action");
  f.actor = q.get("actor");
  f.target = q.get("target");
  for (auto [name, slot] : {std::pair{"since", &f.since}, std::pair{"until", &f.until}}) {
    if (auto v = q.get(name)) {
      auto t = parseRfc3339(*v);
      if (!t) return invalidField(name, std::string(name) + ": " + t.error().message);
      *slot = *t;
    }
  }
  return f;
}

}  // namespace

Response listAudit(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto f = filterFrom(Query(c.req.query));
  if (!f) return errorResponse(c, f.error());
  auto list = c.deps.audit.list(*actor, c.params[0], *f);
  if (!list) return errorResponse(c, list.error());
  return jsonResponse(200, renderPage(*list, renderAudit));
}

Response exportAudit(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  // Every matching event; `cursor` resumes after an event's seq. There is no page size.
  if (auto st = Query(c.req.query).onlyAllow({"cursor", "action", "actor", "target", "since", "until"}); !st) {
    return errorResponse(c, st.error());
  }
  auto f = filterFrom(Query(c.req.query));
  if (!f) return errorResponse(c, f.error());
  auto allowed = c.deps.audit.authorizeExport(*actor, c.params[0], *f);
  if (!allowed) return errorResponse(c, allowed.error());
  // JSON Lines, oldest first, one store page per chunk.
  struct Cursor {
    AuditFilter filter;
    bool done = false;
  };
  auto cursor = std::make_shared<Cursor>(Cursor{std::move(*allowed), false});
  cursor->filter.page.limit = 500;
  const AuditLog& audit = c.deps.audit;
  const std::string tenant = c.params[0];
  Response resp{200, "application/x-ndjson", {}, ""};
  resp.stream = [cursor, &audit, tenant]() -> Result<std::optional<std::string>> {
    if (cursor->done) return std::optional<std::string>();
    auto page = audit.exportPage(tenant, cursor->filter);
    if (!page) return std::unexpected(page.error());
    std::string out;
    for (const auto& e : page->items) {
      out += boost::json::serialize(renderAudit(e));
      out += '\n';
    }
    if (page->next) cursor->filter.page.after = *page->next;
    else cursor->done = true;
    return std::optional<std::string>(std::move(out));
  };
  return resp.with("content-disposition", "attachment; filename=\"audit-" + tenant + ".jsonl\"");
}

Response verifyAudit(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto report = c.deps.audit.verifyChain(*actor, c.params[0]);
  if (!report) return errorResponse(c, report.error());
  boost::json::object o;
  o["tenant_id"] = c.params[0];
  o["events"] = report->events;
  o["intact"] = !report->first_break.has_value();
  if (report->first_break) {
    o["first_break"] = boost::json::object{{"seq", report->first_break->seq},
                                           {"event_id", report->first_break->event_id},
                                           {"reason", report->first_break->reason}};
  } else {
    o["first_break"] = nullptr;
  }
  return jsonResponse(200, o);
}

}  // namespace keyward::http
