// GET /v1/notifications, POST /v1/notifications/{id}/read,
// PUT/GET/DELETE /v1/tenants/{tenant_id}/webhook, POST .../webhook/rotate-secret,
// GET /v1/tenants/{tenant_id}/alert-deliveries
#include "common/time.h"
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {
namespace {

std::string keyPath(std::string_view tenant_id, std::string_view key_id) {
  return "/v1/tenants/" + std::string(tenant_id) + "/keys/" + std::string(key_id);
}

boost::json::object renderNotification(const Notification& n) {
  boost::json::object o;
  o["id"] = n.id;
  o["tenant_id"] = n.tenant_id;
  o["kind"] = n.kind;
  o["message"] = n.message;
  o["key_id"] = n.key_id;
  o["key_name"] = n.key_name;
  o["key_path"] = keyPath(n.tenant_id, n.key_id);
  o["expires_at"] = formatRfc3339(n.expires_at);
  o["days_left"] = n.days_left;
  o["alert_day"] = n.alert_day;
  o["created_at"] = formatRfc3339(n.created_at);
  o["read"] = n.read_at.has_value();
  o["read_at"] = timeOrNull(n.read_at);
  return o;
}

boost::json::object renderWebhook(const Webhook& w) {
  boost::json::object o;
  o["id"] = w.id;
  o["tenant_id"] = w.tenant_id;
  o["url"] = w.url;
  boost::json::array events;
  for (const auto& e : w.events) events.push_back(boost::json::value(e));
  o["events"] = std::move(events);
  o["secret_version"] = w.secret_version;
  o["signature_header"] = "Keyward-Signature";
  o["created_at"] = formatRfc3339(w.created_at);
  o["updated_at"] = formatRfc3339(w.updated_at);
  return o;
}

boost::json::object renderDelivery(const AlertDelivery& d) {
  boost::json::object o;
  o["id"] = d.id;
  o["tenant_id"] = d.tenant_id;
  o["key_id"] = d.key_id;
  o["key_path"] = keyPath(d.tenant_id, d.key_id);
  o["kind"] = d.kind;
  o["alert_day"] = d.alert_day;
  o["expires_at"] = formatRfc3339(d.expires_at);
  o["channel"] = d.channel;
  o["recipient"] = d.recipient;
  o["address"] = d.address;
  o["status"] = d.status;
  o["attempts"] = d.attempts;
  o["next_attempt_at"] = d.status == "pending" ? boost::json::value(formatRfc3339(d.next_attempt_at)) : nullptr;
  o["last_error"] = d.last_error.empty() ? boost::json::value(nullptr) : boost::json::value(d.last_error);
  o["created_at"] = formatRfc3339(d.created_at);
  o["updated_at"] = formatRfc3339(d.updated_at);
  boost::json::array log;
  for (const auto& a : d.attempt_log) {
    boost::json::object e;
    e["attempt"] = a.number;
    e["at"] = formatRfc3339(a.at);
    e["outcome"] = a.outcome;
    e["detail"] = a.detail;
    log.push_back(std::move(e));
  }
  o["attempt_log"] = std::move(log);
  return o;
}

Response webhookReply(int status, const notify::WebhookWithSecret& w) {
  auto o = renderWebhook(w.webhook);
  // Shown once: the server keeps no copy (it derives it again when it signs).
  if (w.secret) o["secret"] = *w.secret;
  return jsonResponse(status, o);
}

notify::AlertService* alertsOf(const Ctx& c) { return c.deps.alerts; }

Response alertsUnavailable(const Ctx& c) {
  return errorResponse(c, Error{ErrorKind::kUnavailable, "ALERTS_UNAVAILABLE", "expiry alerts are not configured", ""});
}

}  // namespace

Response listNotifications(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  Query q(c.req.query);
  if (auto st = q.onlyAllow({"limit", "cursor", "unread"}); !st) return errorResponse(c, st.error());
  auto page = pageFrom(q);
  if (!page) return errorResponse(c, page.error());
  bool unread = false;
  if (auto v = q.get("unread")) {
    if (*v != "true" && *v != "false")
      return errorResponse(c, invalidField("unread", "unread must be true or false").error());
    unread = *v == "true";
  }
  auto list = alertsOf(c)->listNotifications(*actor, unread, *page);
  if (!list) return errorResponse(c, list.error());
  auto o = renderPage(list->page, renderNotification);
  o["unread_count"] = list->unread_count;
  return jsonResponse(200, o);
}

Response readNotification(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  if (!c.req.body.empty()) {
    JsonReader r(c.req.body, true);
    if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  }
  auto n = alertsOf(c)->markRead(*actor, c.params[0]);
  if (!n) return errorResponse(c, n.error());
  return jsonResponse(200, renderNotification(*n));
}

Response putWebhook(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  JsonReader r(c.req.body);
  notify::WebhookInput in;
  in.url = r.reqString("url");
  in.events = r.optStringArray("events");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto w = alertsOf(c)->putWebhook(*actor, c.params[0], in);
  if (!w) return errorResponse(c, w.error());
  return webhookReply(w->secret ? 201 : 200, *w);
}

Response getWebhook(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  auto w = alertsOf(c)->getWebhook(*actor, c.params[0]);
  if (!w) return errorResponse(c, w.error());
  return jsonResponse(200, renderWebhook(*w));
}

Response deleteWebhook(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  if (auto st = alertsOf(c)->deleteWebhook(*actor, c.params[0]); !st) return errorResponse(c, st.error());
  return noContent();
}

Response rotateWebhookSecret(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  auto w = alertsOf(c)->rotateWebhookSecret(*actor, c.params[0]);
  if (!w) return errorResponse(c, w.error());
  return webhookReply(200, *w);
}

Response listAlertDeliveries(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!alertsOf(c)) return alertsUnavailable(c);
  Query q(c.req.query);
  if (auto st = q.onlyAllow({"limit", "cursor", "key_id", "channel", "status"}); !st)
    return errorResponse(c, st.error());
  auto page = pageFrom(q);
  if (!page) return errorResponse(c, page.error());
  DeliveryFilter f;
  f.page = *page;
  f.key_id = q.get("key_id");
  auto channel = q.oneOf("channel", {"email", "webhook"});
  if (!channel) return errorResponse(c, channel.error());
  f.channel = *channel;
  auto status = q.oneOf("status", {"pending", "sent", "failed", "skipped", "cancelled"});
  if (!status) return errorResponse(c, status.error());
  f.status = *status;
  auto list = alertsOf(c)->listDeliveries(*actor, c.params[0], f);
  if (!list) return errorResponse(c, list.error());
  return jsonResponse(200, renderPage(*list, renderDelivery));
}

}  // namespace keyward::http
