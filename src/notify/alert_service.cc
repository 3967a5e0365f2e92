#include "notify/alert_service.h"

#include <algorithm>

#include "common/json_text.h"
#include "core/roles.h"
#include "crypto/random.h"

namespace keyward::notify {

const std::vector<std::string>& webhookEvents() {
  static const std::vector<std::string> kEvents = {"key.expiring", "key.expired"};
  return kEvents;
}

Status AlertService::guardTenant(const Actor& actor, std::string_view module, Action action, std::string_view tenant_id,
                                 std::string_view audit_action) const {
  if (auto g = audit_.guard(actor, module, action, tenant_id, audit_action, tenant_id); !g) {
    return std::unexpected(g.error());
  }
  // A tenant the caller may reach but that does not exist is not found, like its objects.
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return {};
}

Result<NotificationList> AlertService::listNotifications(const Actor& actor, bool unread_only,
                                                         const PageRequest& page) const {
  const auto& p = actor.principal;
  auto items = store_.listNotifications(p.tenant_id, p.subject_id, unread_only, page);
  if (!items) return std::unexpected(items.error());
  auto unread = store_.countUnreadNotifications(p.tenant_id, p.subject_id);
  if (!unread) return std::unexpected(unread.error());
  return NotificationList{std::move(*items), *unread};
}

Result<Notification> AlertService::markRead(const Actor& actor, std::string_view id) const {
  // Reading one's own message is not a management change: no audit event (it would only
  // grow the chain with noise). The alert that created it is audited.
  return store_.markNotificationRead(actor.principal.tenant_id, actor.principal.subject_id, id, clock_.now());
}

Result<WebhookWithSecret> AlertService::putWebhook(const Actor& actor, std::string_view tenant_id,
                                                   const WebhookInput& in) const {
  if (auto st = guardTenant(actor, kModuleSettings, Action::kEdit, tenant_id, "webhook.update"); !st)
    return std::unexpected(st.error());
  if (!isWebhookUrl(in.url)) {
    return invalidField("url", "url must be an absolute http:// or https:// URL with a host and no credentials");
  }
  std::vector<std::string> events = in.events.value_or(webhookEvents());
  if (events.empty()) return invalidField("events", "events must name at least one event");
  for (const auto& e : events) {
    if (std::find(webhookEvents().begin(), webhookEvents().end(), e) == webhookEvents().end())
      return invalidField("events", "unknown event '" + e + "'; known: key.expiring, key.expired");
  }
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  const UnixSeconds now = clock_.now();
  Webhook w;
  auto existing = store_.getWebhook(tenant_id);
  if (!existing && existing.error().kind != ErrorKind::kNotFound) return std::unexpected(existing.error());
  if (existing) {
    w = *existing;
  } else {
    auto id = crypto::newId("whk");
    if (!id) return std::unexpected(id.error());
    w.id = *id;
    w.tenant_id = tenant_id;
    w.created_at = now;
  }
  w.url = in.url;
  w.events = std::move(events);
  w.updated_at = now;
  auto ev = audit_.event(actor, tenant_id, existing ? "webhook.update" : "webhook.create", w.id,
                         "{\"url\":" + jsonString(w.url) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.putWebhook(w, *ev); !st) return std::unexpected(st.error());
  // The secret is shown when the webhook is created; an edit of the URL keeps it.
  std::optional<std::string> secret;
  if (!existing) secret = secrets_.secretFor(w.id, w.secret_version);
  return WebhookWithSecret{std::move(w), std::move(secret)};
}

Result<Webhook> AlertService::getWebhook(const Actor& actor, std::string_view tenant_id) const {
  if (auto st = guardTenant(actor, kModuleSettings, Action::kInquire, tenant_id, "webhook.read"); !st)
    return std::unexpected(st.error());
  return store_.getWebhook(tenant_id);
}

Status AlertService::deleteWebhook(const Actor& actor, std::string_view tenant_id) const {
  if (auto st = guardTenant(actor, kModuleSettings, Action::kEdit, tenant_id, "webhook.delete"); !st) return st;
  auto w = store_.getWebhook(tenant_id);
  if (!w) return std::unexpected(w.error());
  auto ev = audit_.event(actor, tenant_id, "webhook.delete", w->id);
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteWebhook(tenant_id, *ev);
}

Result<WebhookWithSecret> AlertService::rotateWebhookSecret(const Actor& actor, std::string_view tenant_id) const {
  if (auto st = guardTenant(actor, kModuleSettings, Action::kEdit, tenant_id, "webhook.rotate_secret"); !st)
    return std::unexpected(st.error());
  auto w = store_.getWebhook(tenant_id);
  if (!w) return std::unexpected(w.error());
  ++w->secret_version;
  w->updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "webhook.rotate_secret", w->id,
                         "{\"secret_version\":" + std::to_string(w->secret_version) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.putWebhook(*w, *ev); !st) return std::unexpected(st.error());
  std::string secret = secrets_.secretFor(w->id, w->secret_version);
  return WebhookWithSecret{std::move(*w), std::move(secret)};
}

Result<Page<AlertDelivery>> AlertService::listDeliveries(const Actor& actor, std::string_view tenant_id,
                                                         const DeliveryFilter& f) const {
  if (auto st = guardTenant(actor, kModuleNotifications, Action::kInquire, tenant_id, "alert.deliveries.list"); !st)
    return std::unexpected(st.error());
  return store_.listDeliveries(tenant_id, f);
}

}  // namespace keyward::notify
