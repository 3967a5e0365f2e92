// alerts.h — the records of expiry alerts as the store keeps them: in-app
// notifications, planned deliveries (e-mail, webhook) with their attempts, tenant webhook
// configurations and the scheduler's lease. See docs/architecture.md "Expiry alerts".
// Thread safety: plain values. Ownership: every record owns its strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "model/audit.h"
#include "model/page.h"
#include "model/principal.h"

namespace keyward {

// The alert kinds: "expiring" (daily, inside the tenant's alert window) and "expired"
// (once, when the key has expired).
inline constexpr std::string_view kAlertExpiring = "expiring";
inline constexpr std::string_view kAlertExpired = "expired";
// The user-group subscription that receives expiry alerts.
inline constexpr std::string_view kAccountAlerts = "account_alerts";

// An in-app message to one user or service user about one key.
// Unique per (key_id, expires_at, alert_day, kind, recipient_id): the store is the arbiter
// of "once per key, day and recipient".
struct Notification {
  std::int64_t seq = 0;  // store-assigned, the pagination cursor
  std::string id;
  std::string tenant_id;
  std::string recipient_id;  // a user or service user id
  PrincipalKind recipient_kind = PrincipalKind::kUser;
  std::string key_id;
  std::string key_name;
  std::string kind;       // kAlertExpiring | kAlertExpired
  std::string alert_day;  // UTC calendar day, YYYY-MM-DD
  UnixSeconds expires_at = 0;
  int days_left = 0;  // whole UTC days from alert_day to the expiry day
  std::string message;
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> read_at;
};

// One message to send on one channel to one recipient; retried until sent or out of attempts.
// Unique per (key_id, expires_at, alert_day, kind, channel, recipient).
struct AlertDelivery {
  std::int64_t seq = 0;
  std::string id;  // also the webhook's Keyward-Event-Id
  std::string tenant_id;
  std::string key_id;
  UnixSeconds expires_at = 0;
  std::string alert_day;
  std::string kind;
  std::string channel;             // "email" | "webhook"
  std::string recipient;           // user id, or "webhook"
  std::string address;             // e-mail address or webhook URL at planning time
  std::string payload_json;        // the event (webhook body; the e-mail is written from it)
  std::string status = "pending";  // pending | sent | failed | skipped | cancelled
  int attempts = 0;
  UnixSeconds next_attempt_at = 0;
  std::string last_error;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  struct Attempt {
    int number = 0;
    UnixSeconds at = 0;
    std::string outcome;  // "sent" | "error" | "skipped" | "cancelled"
    std::string detail;   // e.g. the SMTP or HTTP error; never a secret
  };
  std::vector<Attempt> attempt_log;  // filled by listDeliveries
};

// What one alert run plans for one (key, day, kind): written in one transaction with
// INSERT OR IGNORE. An audit event is written only with the row it describes, i.e. only
// when that row is new.
struct AlertPlan {
  struct PlannedNotification {
    Notification notification;
    AuditEvent event;
  };
  struct PlannedDelivery {
    AlertDelivery delivery;
    AuditEvent event;
  };
  std::vector<PlannedNotification> notifications;
  std::vector<PlannedDelivery> deliveries;
};

// The outcome of one delivery attempt, recorded with its audit event.
struct DeliveryOutcome {
  std::string delivery_id;
  std::string status;  // the delivery's new status
  int attempts = 0;    // attempts made so far, this one included
  UnixSeconds next_attempt_at = 0;
  UnixSeconds at = 0;
  std::string outcome;  // as AlertDelivery::Attempt::outcome
  std::string detail;
};

struct DeliveryFilter {
  std::optional<std::string> key_id;
  std::optional<std::string> channel;
  std::optional<std::string> status;
  PageRequest page;
};

// A tenant's webhook endpoint. The signing secret is not stored: it is derived from the
// server's webhook key, the webhook id and secret_version (notify/webhook.h).
struct Webhook {
  std::string id;
  std::string tenant_id;
  std::string url;
  std::vector<std::string> events;  // "key.expiring", "key.expired"
  int secret_version = 1;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

}  // namespace keyward
