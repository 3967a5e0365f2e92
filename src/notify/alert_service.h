// alert_service.h — what the API offers about expiry alerts: a principal's in-app
// notifications, a tenant's webhook (with its once-shown signing secret) and the log of
// alert deliveries. The alerts themselves are made by AlertScheduler.
// Thread safety: safe from any thread (state lives in the store). Ownership: borrows the
// store, clock, audit log and secrets, which outlive it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/audit_log.h"
#include "notify/webhook.h"
#include "store/store.h"

namespace keyward::notify {

struct NotificationList {
  Page<Notification> page;
  std::int64_t unread_count = 0;
};

struct WebhookInput {
  std::string url;
  std::optional<std::vector<std::string>> events;  // default: every event
};

// A webhook as written: `secret` is set only by put() and rotateSecret(), once.
struct WebhookWithSecret {
  Webhook webhook;
  std::optional<std::string> secret;
};

// The event names a webhook may subscribe to.
const std::vector<std::string>& webhookEvents();

class AlertService {
 public:
  AlertService(Store& store, const Clock& clock, const AuditLog& audit, const WebhookSecrets& secrets)
      : store_(store), clock_(clock), audit_(audit), secrets_(secrets) {}

  // The caller's own notifications: those addressed to its subject (the signed-in user, the
  // calling key's owner, or a standalone key itself), in its own tenant.
  Result<NotificationList> listNotifications(const Actor& actor, bool unread_only, const PageRequest& page) const;
  // Another principal's notification is NOT_FOUND.
  Result<Notification> markRead(const Actor& actor, std::string_view id) const;

  Result<WebhookWithSecret> putWebhook(const Actor& actor, std::string_view tenant_id, const WebhookInput& in) const;
  Result<Webhook> getWebhook(const Actor& actor, std::string_view tenant_id) const;
  Status deleteWebhook(const Actor& actor, std::string_view tenant_id) const;
  Result<WebhookWithSecret> rotateWebhookSecret(const Actor& actor, std::string_view tenant_id) const;

  Result<Page<AlertDelivery>> listDeliveries(const Actor& actor, std::string_view tenant_id,
                                             const DeliveryFilter& f) const;

 private:
  Status guardTenant(const Actor& actor, std::string_view module, Action action, std::string_view tenant_id,
                     std::string_view audit_action) const;

  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  const WebhookSecrets& secrets_;
};

}  // namespace keyward::notify
