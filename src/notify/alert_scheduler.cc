#include "notify/alert_scheduler.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <set>

#include "common/background.h"
#include "common/json_text.h"
#include "common/time.h"
#include "crypto/random.h"

namespace keyward::notify {
namespace {

constexpr UnixSeconds kDay = 86400;
constexpr std::string_view kSystemActor = "system";

std::int64_t floorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string eventType(std::string_view kind) { return "key." + std::string(kind); }

std::string keyPath(const ApiKey& k) { return "/v1/tenants/" + k.tenant_id + "/keys/" + k.id; }

std::string alertMessage(const ApiKey& k, std::string_view kind, int days_left) {
  const std::string name = "API key '" + k.name + "'";
  if (kind == kAlertExpired) return name + " expired at " + formatRfc3339(k.expires_at) + ".";
  if (days_left == 0) return name + " expires today, at " + formatRfc3339(k.expires_at) + ".";
  return name + " expires in " + std::to_string(days_left) + (days_left == 1 ? " day" : " days") + ", at " +
         formatRfc3339(k.expires_at) + ".";
}

// The event every channel carries: the webhook body as is, the e-mail written from it.
std::string payloadJson(const std::string& event_id, const ApiKey& k, std::string_view kind, const std::string& day,
                        int days_left, UnixSeconds now) {
  std::string j = "{\"id\":" + jsonString(event_id) + ",\"type\":" + jsonString(eventType(kind)) +
                  ",\"created_at\":" + jsonString(formatRfc3339(now)) + ",\"data\":{";
  j += "\"tenant_id\":" + jsonString(k.tenant_id);
  j += ",\"key_id\":" + jsonString(k.id);
  j += ",\"key_name\":" + jsonString(k.name);
  j += ",\"expires_at\":" + jsonString(formatRfc3339(k.expires_at));
  j += ",\"days_left\":" + std::to_string(days_left);
  j += ",\"alert_day\":" + jsonString(day);
  j += ",\"path\":" + jsonString(keyPath(k));
  j += ",\"message\":" + jsonString(alertMessage(k, kind, days_left));
  return j + "}}";
}

AuditEvent systemEvent(std::string id, const std::string& tenant_id, std::string action, const std::string& target,
                       std::string outcome, std::string detail, UnixSeconds at) {
  AuditEvent ev;
  ev.id = std::move(id);
  ev.tenant_id = tenant_id;
  ev.actor = std::string(kSystemActor);
  ev.action = std::move(action);
  ev.target = target;
  ev.client_ip = "";  // a server job: there is no client
  ev.outcome = std::move(outcome);
  ev.detail_json = std::move(detail);
  ev.at = at;
  return ev;
}

// Who hears about a key: members of the tenant's user groups subscribed to account alerts,
// and the key's owner. Disabled principals hear nothing.
struct Recipients {
  std::vector<User> users;
  std::optional<ServiceUser> service_user;
};

Result<Recipients> recipientsOf(Store& store, const ApiKey& k) {
  std::set<std::string> user_ids;
  PageRequest page;
  page.limit = 500;
  for (;;) {
    auto groups = store.listUserGroups(k.tenant_id, page);
    if (!groups) return std::unexpected(groups.error());
    for (const auto& g : groups->items) {
      if (std::find(g.subscriptions.begin(), g.subscriptions.end(), kAccountAlerts) == g.subscriptions.end()) continue;
      user_ids.insert(g.members.begin(), g.members.end());
    }
    if (!groups->next) break;
    page.after = *groups->next;
  }
  Recipients r;
  if (k.owner && k.owner->kind == PrincipalKind::kUser) user_ids.insert(k.owner->id);
  if (k.owner && k.owner->kind == PrincipalKind::kServiceUser) {
    auto s = store.getServiceUser(k.tenant_id, k.owner->id);
    if (!s && s.error().kind != ErrorKind::kNotFound) return std::unexpected(s.error());
    if (s && !s->disabled) r.service_user = std::move(*s);
  }
  for (const auto& id : user_ids) {
    auto u = store.getUser(k.tenant_id, id);
    if (!u && u.error().kind != ErrorKind::kNotFound) return std::unexpected(u.error());
    if (u && !u->disabled) r.users.push_back(std::move(*u));
  }
  return r;
}

std::string deliveryDetail(const AlertDelivery& d, int attempt, const std::string& status, const std::string& error) {
  std::string j = "{\"delivery\":" + jsonString(d.id) + ",\"channel\":" + jsonString(d.channel) +
                  ",\"recipient\":" + jsonString(d.recipient) + ",\"kind\":" + jsonString(d.kind) +
                  ",\"alert_day\":" + jsonString(d.alert_day) + ",\"attempt\":" + std::to_string(attempt) +
                  ",\"status\":" + jsonString(status);
  if (!error.empty()) j += ",\"error\":" + jsonString(error);
  return j + "}";
}

// The e-mail written from the delivery's event.
Result<Email> emailFrom(const AlertDelivery& d) {
  boost::system::error_code ec;
  auto v = boost::json::parse(d.payload_json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("data")) return internalError("unreadable alert payload");
  const auto& data = v.as_object().at("data").as_object();
  auto str = [&](const char* name) -> std::string {
    const auto* f = data.if_contains(name);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  const std::int64_t days_left = data.contains("days_left") && data.at("days_left").is_int64()
                                     ? data.at("days_left").as_int64()
                                     : 0;
  Email m;
  m.to = d.address;
  const std::string name = "'" + str("key_name") + "'";
  if (d.kind == kAlertExpired) m.subject = "[keyward] API key " + name + " has expired";
  else if (days_left == 0) m.subject = "[keyward] API key " + name + " expires today";
  else
    m.subject = "[keyward] API key " + name + " expires in " + std::to_string(days_left) +
                (days_left == 1 ? " day" : " days");
  m.body = str("message") + "\n\n" + "Tenant:  " + str("tenant_id") + "\n" + "Key:     " + str("key_name") + " (" +
           str("key_id") + ")\n" + "Expires: " + str("expires_at") + "\n" + "Details: " + str("path") + "\n\n" +
           (d.kind == kAlertExpired ? std::string("The key no longer verifies. Rotate it or create a new one.\n")
                                    : std::string("Rotate the key before it expires to avoid an outage.\n")) +
           "\nYou receive this because you own the key or your user group subscribes to account alerts.\n";
  return m;
}

}  // namespace

std::int64_t utcDay(UnixSeconds t) { return floorDiv(t, kDay); }

std::string formatDay(std::int64_t day) { return formatRfc3339(day * kDay).substr(0, 10); }

AlertScheduler::AlertScheduler(Store& store, const Clock& clock, Mailer* mailer, HttpPoster& poster,
                               const WebhookSecrets& secrets, SchedulerOptions options, Report report)
    : store_(store),
      clock_(clock),
      mailer_(mailer),
      poster_(poster),
      secrets_(secrets),
      opt_(std::move(options)),
      report_(std::move(report)) {
  if (opt_.lease_ttl <= 0) opt_.lease_ttl = std::max<UnixSeconds>(30, 3 * opt_.interval.count());
}

UnixSeconds AlertScheduler::backoff(int attempts) const {
  UnixSeconds b = opt_.first_backoff;
  for (int i = 1; i < attempts && b < opt_.max_backoff; ++i) b *= 2;
  return std::min(b, opt_.max_backoff);
}

Result<RunReport> AlertScheduler::runOnce() {
  const UnixSeconds now = clock_.now();
  auto held = store_.acquireLease(kAlertLease, opt_.holder, now, opt_.lease_ttl);
  if (!held) return std::unexpected(held.error());
  RunReport report;
  if (!*held) return report;
  report.leader = true;
  auto planned = planAll(now);
  if (!planned) return std::unexpected(planned.error());
  report.planned = *planned;
  auto delivered = deliverDue(now);
  if (!delivered) return std::unexpected(delivered.error());
  report.sent = delivered->sent;
  report.failed = delivered->failed;
  report.skipped = delivered->skipped;
  return report;
}

Result<int> AlertScheduler::planAll(UnixSeconds now) {
  // Keys that expired within the last day (the "expired" notice) up to the longest window.
  auto keys = store_.keysExpiringBetween(now - kDay, now + 91 * kDay);
  if (!keys) return std::unexpected(keys.error());
  std::map<std::string, Tenant> tenants;
  int planned = 0;
  std::optional<Error> first_error;
  for (const auto& k : *keys) {
    auto it = tenants.find(k.tenant_id);
    if (it == tenants.end()) {
      auto t = store_.getTenant(k.tenant_id);
      if (!t) {
        if (!first_error) first_error = t.error();
        continue;
      }
      it = tenants.emplace(k.tenant_id, std::move(*t)).first;
    }
    // One key's failure (e.g. a busy database) must not hold up the others' alerts; it is
    // planned again on the next run, still for the same day.
    auto n = planKey(k, it->second, now);
    if (!n) {
      if (!first_error) first_error = n.error();
      continue;
    }
    planned += *n;
  }
  if (first_error && planned == 0) return std::unexpected(*first_error);
  return planned;
}

namespace {

// Which alert a key is due at `now`, if any: "expired" once, on the day it expired; "expiring"
// each day of the tenant's alert window before that.
struct AlertMoment {
  std::string_view kind;
  std::int64_t day = 0;  // the UTC day the alert is filed under
  int days_left = 0;
};

std::optional<AlertMoment> alertMoment(const ApiKey& k, const Tenant& tenant, UnixSeconds now) {
  // Disabled keys (and keys that were disabled when they expired) get no alerts.
  if (k.revoked_at || !k.enabled) return std::nullopt;
  if (k.expires_at <= now) {
    if (now - k.expires_at >= kDay) return std::nullopt;
    // One notice, filed under the expiry day even if sent just after midnight.
    return AlertMoment{kAlertExpired, utcDay(k.expires_at), 0};
  }
  const std::int64_t day = utcDay(now);
  const int days_left = int(utcDay(k.expires_at) - day);
  if (days_left > tenant.settings.expiry_alert_days) return std::nullopt;
  return AlertMoment{kAlertExpiring, day, days_left};
}

}  // namespace

Result<int> AlertScheduler::planKey(const ApiKey& k, const Tenant& tenant, UnixSeconds now) {
  const auto moment = alertMoment(k, tenant, now);
  if (!moment) return 0;
  const std::string_view kind = moment->kind;
  const int days_left = moment->days_left;
  const std::string day_text = formatDay(moment->day);
  auto who = recipientsOf(store_, k);
  if (!who) return std::unexpected(who.error());

  AlertPlan plan;
  auto addNotification = [&](const std::string& recipient, PrincipalKind rkind) -> Status {
    auto id = crypto::newId("ntf");
    auto ev_id = crypto::newId("evt");
    if (!id || !ev_id) return internalError("no randomness for an id");
    Notification n;
    n.id = *id;
    n.tenant_id = k.tenant_id;
    n.recipient_id = recipient;
    n.recipient_kind = rkind;
    n.key_id = k.id;
    n.key_name = k.name;
    n.kind = kind;
    n.alert_day = day_text;
    n.expires_at = k.expires_at;
    n.days_left = days_left;
    n.message = alertMessage(k, kind, days_left);
    n.created_at = now;
    std::string detail = "{\"notification\":" + jsonString(n.id) + ",\"recipient\":" + jsonString(recipient) +
                         ",\"kind\":" + jsonString(kind) + ",\"alert_day\":" + jsonString(day_text) + "}";
    plan.notifications.push_back({n, systemEvent(*ev_id, k.tenant_id, "alert.notify", k.id, "success", detail, now)});
    return {};
  };
  auto addDelivery = [&](std::string channel, std::string recipient, std::string address) -> Status {
    auto id = crypto::newId("dlv");
    auto ev_id = crypto::newId("evt");
    if (!id || !ev_id) return internalError("no randomness for an id");
    AlertDelivery d;
    d.id = *id;
    d.tenant_id = k.tenant_id;
    d.key_id = k.id;
    d.expires_at = k.expires_at;
    d.alert_day = day_text;
    d.kind = kind;
    d.channel = std::move(channel);
    d.recipient = std::move(recipient);
    d.address = std::move(address);
    d.payload_json = payloadJson(d.id, k, kind, day_text, days_left, now);
    d.next_attempt_at = now;
    d.created_at = now;
    d.updated_at = now;
    auto ev = systemEvent(*ev_id, k.tenant_id, "alert.queue", k.id, "success", deliveryDetail(d, 0, "pending", ""),
                          now);
    plan.deliveries.push_back({std::move(d), std::move(ev)});
    return {};
  };
  for (const auto& u : who->users) {
    if (auto st = addNotification(u.id, PrincipalKind::kUser); !st) return std::unexpected(st.error());
    if (!u.email.empty())
      if (auto st = addDelivery("email", u.id, u.email); !st) return std::unexpected(st.error());
  }
  if (who->service_user) {
    // A service user has no mailbox: in-app only.
    if (auto st = addNotification(who->service_user->id, PrincipalKind::kServiceUser); !st)
      return std::unexpected(st.error());
  }
  auto hook = store_.getWebhook(k.tenant_id);
  if (!hook && hook.error().kind != ErrorKind::kNotFound) return std::unexpected(hook.error());
  if (hook && std::find(hook->events.begin(), hook->events.end(), eventType(kind)) != hook->events.end()) {
    if (auto st = addDelivery("webhook", "webhook", hook->url); !st) return std::unexpected(st.error());
  }
  if (plan.notifications.empty() && plan.deliveries.empty()) return 0;
  return store_.recordAlertPlan(plan);
}

Result<RunReport> AlertScheduler::deliverDue(UnixSeconds now) {
  auto due = store_.dueDeliveries(now, opt_.batch);
  if (!due) return std::unexpected(due.error());
  RunReport total;
  for (const auto& d : *due) {
    // Each delivery stands alone: a failing relay or endpoint delays only its own rows.
    RunReport r = deliverOne(d, now);
    total.sent += r.sent;
    total.failed += r.failed;
    total.skipped += r.skipped;
  }
  return total;
}

bool AlertScheduler::recipientActive(const AlertDelivery& d) {
  auto u = store_.getUser(d.tenant_id, d.recipient);
  // A read error is not a verdict: try to send, the user was active when it was planned.
  if (!u) return u.error().kind != ErrorKind::kNotFound;
  return !u->disabled;
}

RunReport AlertScheduler::deliverOne(const AlertDelivery& d, UnixSeconds now) {
  RunReport r;
  auto claimed = store_.claimDelivery(d.id, now, now + opt_.claim_ttl);
  if (!claimed || !*claimed) return r;  // another sender has it, or the store is busy: next run

  const int attempt = d.attempts + 1;
  std::string status, outcome, detail;
  auto finish = [&](std::string s, std::string o, std::string why) {
    status = std::move(s);
    outcome = std::move(o);
    detail = std::move(why);
  };
  auto key = store_.getKey(d.tenant_id, d.key_id);
  if (!key) {
    finish("cancelled", "cancelled", "the key no longer exists");
  } else if (key->revoked_at) {
    finish("cancelled", "cancelled", "the key was revoked");
  } else if (!key->enabled) {
    finish("cancelled", "cancelled", "the key was disabled");
  } else if (key->expires_at != d.expires_at) {
    finish("cancelled", "cancelled", "the key's expiry changed (rotated or extended)");
  } else if (d.channel == "email" && !recipientActive(d)) {
    finish("cancelled", "cancelled", "the recipient was disabled or removed");
  } else if (d.channel == "email") {
    if (!mailer_) {
      finish("skipped", "skipped", "SMTP is not configured (smtp_url)");
    } else if (auto mail = emailFrom(d); !mail) {
      finish("failed", "error", mail.error().message);
    } else if (auto sent = mailer_->send(*mail); !sent) {
      finish("pending", "error", sent.error().message);
    } else {
      finish("sent", "sent", "");
    }
  } else if (d.channel == "webhook") {
    auto hook = store_.getWebhook(d.tenant_id);
    if (!hook) {
      finish("skipped", "skipped", "the tenant's webhook was removed");
    } else {
      const std::string secret = secrets_.secretFor(hook->id, hook->secret_version);
      const std::vector<HttpHeader> headers = {
          {"Content-Type", "application/json"},
          {"User-Agent", "keyward-webhook/1"},
          {"Keyward-Event-Id", d.id},
          {"Keyward-Event-Type", eventType(d.kind)},
          {"Keyward-Signature", signatureHeader(secret, clock_.now(), d.payload_json)},
      };
      auto res = poster_.post(hook->url, headers, d.payload_json);
      if (res.status >= 200 && res.status < 300) finish("sent", "sent", "HTTP " + std::to_string(res.status));
      else if (res.status != 0) finish("pending", "error", "HTTP " + std::to_string(res.status));
      else finish("pending", "error", res.error);
    }
  } else {
    finish("failed", "error", "unknown channel '" + d.channel + "'");
  }

  DeliveryOutcome o;
  o.delivery_id = d.id;
  o.attempts = attempt;
  o.at = now;
  o.outcome = outcome;
  o.detail = detail;
  o.status = status;
  o.next_attempt_at = now;
  if (status == "pending") {
    if (attempt >= opt_.max_attempts) o.status = "failed";
    else o.next_attempt_at = now + backoff(attempt);
  }
  if (outcome == "sent") ++r.sent;
  else if (outcome == "error") ++r.failed;
  else ++r.skipped;
  auto ev_id = crypto::newId("evt");
  if (!ev_id) return r;
  auto ev = systemEvent(*ev_id, d.tenant_id, "alert.deliver", d.key_id, outcome == "sent" ? "success" : "failure",
                        deliveryDetail(d, attempt, o.status, outcome == "sent" ? "" : detail), now);
  // If this write fails the claim runs out and the attempt is repeated: at least once.
  (void)store_.recordDeliveryOutcome(o, ev);
  return r;
}

void AlertScheduler::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] {
    runAsBackgroundThread();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      auto result = runOnce();
      if (report_) report_(result);
      lock.lock();
      cv_.wait_for(lock, opt_.interval, [this] { return stopping_; });
    }
  });
}

void AlertScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (started_) (void)store_.releaseLease(kAlertLease, opt_.holder);
}

}  // namespace keyward::notify
