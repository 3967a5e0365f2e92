// The expiry-alert part of the SQLite backend (store.h "Expiry alerts"): leases,
// notifications, deliveries and webhooks. It reaches the store's connections through
// sqlite_internal.h, like every aggregate's file.
#include <sqlite3.h>

#include "store/codecs.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite_detail::clampLimit;
using sqlite_detail::finishPage;
using sqlite_detail::Stmt;
using store_codec::decodeRecipientKind;
using store_codec::joinLines;
using store_codec::splitLines;

constexpr std::string_view kNotificationCols =
    "seq, id, tenant_id, recipient_id, recipient_kind, key_id, key_name, kind, alert_day, expires_at, "
    "days_left, message, created_at, read_at";
constexpr std::string_view kDeliveryCols =
    "seq, id, tenant_id, key_id, expires_at, alert_day, kind, channel, recipient, address, payload, status, "
    "attempts, next_attempt_at, last_error, created_at, updated_at";

Notification readNotification(const Stmt& s) {
  Notification n;
  n.seq = s.i64(0);
  n.id = s.text(1);
  n.tenant_id = s.text(2);
  n.recipient_id = s.text(3);
  n.recipient_kind = decodeRecipientKind(s.text(4));
  n.key_id = s.text(5);
  n.key_name = s.text(6);
  n.kind = s.text(7);
  n.alert_day = s.text(8);
  n.expires_at = s.i64(9);
  n.days_left = int(s.i64(10));
  n.message = s.text(11);
  n.created_at = s.i64(12);
  n.read_at = s.optI64(13);
  return n;
}

AlertDelivery readDelivery(const Stmt& s) {
  AlertDelivery d;
  d.seq = s.i64(0);
  d.id = s.text(1);
  d.tenant_id = s.text(2);
  d.key_id = s.text(3);
  d.expires_at = s.i64(4);
  d.alert_day = s.text(5);
  d.kind = s.text(6);
  d.channel = s.text(7);
  d.recipient = s.text(8);
  d.address = s.text(9);
  d.payload_json = s.text(10);
  d.status = s.text(11);
  d.attempts = int(s.i64(12));
  d.next_attempt_at = s.i64(13);
  d.last_error = s.text(14);
  d.created_at = s.i64(15);
  d.updated_at = s.i64(16);
  return d;
}

// Webhook events are stored one per line (names hold no newline: the service validates them).
Webhook readWebhook(const Stmt& s) {
  Webhook w;
  w.tenant_id = s.text(0);
  w.id = s.text(1);
  w.url = s.text(2);
  w.events = splitLines(s.text(3));
  w.secret_version = int(s.i64(4));
  w.created_at = s.i64(5);
  w.updated_at = s.i64(6);
  return w;
}

// Runs a statement that returns rows; `read` converts each.
template <class T, class Read>
Result<std::vector<T>> rows(SqliteStore::Impl& impl, Stmt& s, Read read) {
  if (!s.ok()) return sqlite_detail::dbError(impl, "prepare query", sqlite3_errcode(s.db()));
  std::vector<T> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read(s));
  if (rc != SQLITE_DONE) return sqlite_detail::dbError(impl, "query", rc);
  return out;
}

// Runs a write statement; returns how many rows it changed.
Result<int> write(SqliteStore::Impl& impl, Stmt& s, std::string_view what) {
  if (!s.ok()) return sqlite_detail::dbError(impl, what, sqlite3_errcode(s.db()));
  const int rc = s.step();
  if (rc != SQLITE_DONE) return sqlite_detail::dbError(impl, what, rc);
  return sqlite3_changes(s.db());
}

Result<int> insertNotification(SqliteStore::Impl& impl, sqlite3* db, const Notification& n) {
  Stmt s(db,
         "INSERT OR IGNORE INTO notifications (id, tenant_id, recipient_id, recipient_kind, key_id, key_name, kind, "
         "alert_day, expires_at, days_left, message, created_at, read_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(n.id)
      .bind(n.tenant_id)
      .bind(n.recipient_id)
      .bind(toString(n.recipient_kind))
      .bind(n.key_id)
      .bind(n.key_name)
      .bind(n.kind)
      .bind(n.alert_day)
      .bind(n.expires_at)
      .bind(n.days_left)
      .bind(n.message)
      .bind(n.created_at)
      .bind(n.read_at);
  return write(impl, s, "insert notification");
}

Result<int> insertDelivery(SqliteStore::Impl& impl, sqlite3* db, const AlertDelivery& d) {
  Stmt s(db,
         "INSERT OR IGNORE INTO alert_deliveries (id, tenant_id, key_id, expires_at, alert_day, kind, channel, "
         "recipient, address, payload, status, attempts, next_attempt_at, last_error, created_at, updated_at) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(d.id)
      .bind(d.tenant_id)
      .bind(d.key_id)
      .bind(d.expires_at)
      .bind(d.alert_day)
      .bind(d.kind)
      .bind(d.channel)
      .bind(d.recipient)
      .bind(d.address)
      .bind(d.payload_json)
      .bind(d.status)
      .bind(d.attempts)
      .bind(d.next_attempt_at)
      .bind(d.last_error)
      .bind(d.created_at)
      .bind(d.updated_at);
  return write(impl, s, "insert alert delivery");
}

Status attachAttempts(SqliteStore::Impl& impl, sqlite3* db, std::vector<AlertDelivery>& items) {
  for (auto& d : items) {
    Stmt s(db, "SELECT number, at, outcome, detail FROM alert_attempts WHERE delivery_id = ? ORDER BY number");
    s.bind(d.id);
    auto log = rows<AlertDelivery::Attempt>(impl, s, [](const Stmt& r) {
      return AlertDelivery::Attempt{int(r.i64(0)), r.i64(1), r.text(2), r.text(3)};
    });
    if (!log) return std::unexpected(log.error());
    d.attempt_log = std::move(*log);
  }
  return {};
}

}  // namespace

Result<bool> SqliteStore::acquireLease(std::string_view name, std::string_view holder, UnixSeconds now,
                                       UnixSeconds ttl) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  bool held = false;
  auto st = sqlite_detail::transaction(*impl_, [&]() -> Status {
    // BEGIN IMMEDIATE serialises this read-modify-write against every other connection,
    // including another node's store on the same file.
    Stmt ins(c.db, "INSERT OR IGNORE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)");
    ins.bind(name).bind(holder).bind(now + ttl);
    auto inserted = write(*impl_, ins, "insert lease");
    if (!inserted) return std::unexpected(inserted.error());
    Stmt up(c.db, "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at <= ?)");
    up.bind(holder).bind(now + ttl).bind(name).bind(holder).bind(now);
    auto updated = write(*impl_, up, "renew lease");
    if (!updated) return std::unexpected(updated.error());
    held = *inserted + *updated > 0;
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return held;
}

Status SqliteStore::releaseLease(std::string_view name, std::string_view holder) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db, "DELETE FROM leases WHERE name = ? AND holder = ?");
  s.bind(name).bind(holder);
  auto n = write(*impl_, s, "release lease");
  if (!n) return std::unexpected(n.error());
  return {};
}

Result<std::vector<ApiKey>> SqliteStore::keysExpiringBetween(UnixSeconds from, UnixSeconds to) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT " + std::string(sqlite_detail::kKeyCols) +
                    " FROM api_keys WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at > ? "
                    "AND expires_at <= ? ORDER BY expires_at, seq");
  s.bind(from).bind(to);
  return rows<ApiKey>(*impl_, s, sqlite_detail::readKey);
}

Result<int> SqliteStore::recordAlertPlan(const AlertPlan& plan) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  int added = 0;
  auto st = sqlite_detail::transaction(*impl_, [&]() -> Status {
    added = 0;
    for (const auto& p : plan.notifications) {
      auto n = insertNotification(*impl_, c.db, p.notification);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) continue;  // planned before: its audit event was written then
      ++added;
      if (auto a = sqlite_detail::insertAudit(*impl_, p.event); !a) return a;
    }
    for (const auto& p : plan.deliveries) {
      auto n = insertDelivery(*impl_, c.db, p.delivery);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) continue;
      ++added;
      if (auto a = sqlite_detail::insertAudit(*impl_, p.event); !a) return a;
    }
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return added;
}

Result<std::vector<AlertDelivery>> SqliteStore::dueDeliveries(UnixSeconds now, int limit) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT " + std::string(kDeliveryCols) +
                    " FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
                    "ORDER BY next_attempt_at, seq LIMIT ?");
  s.bind(now).bind(clampLimit(limit));
  return rows<AlertDelivery>(*impl_, s, readDelivery);
}

Result<bool> SqliteStore::claimDelivery(std::string_view id, UnixSeconds now, UnixSeconds until) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt s(c.db,
         "UPDATE alert_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND "
         "next_attempt_at <= ?");
  s.bind(until).bind(id).bind(now);
  auto n = write(*impl_, s, "claim alert delivery");
  if (!n) return std::unexpected(n.error());
  return *n == 1;
}

Status SqliteStore::recordDeliveryOutcome(const DeliveryOutcome& o, const AuditEvent& ev) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  return sqlite_detail::transaction(*impl_, [&]() -> Status {
    Stmt up(c.db,
            "UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
            "updated_at = ? WHERE id = ?");
    const std::string last_error = o.outcome == "sent" ? std::string() : o.detail;
    up.bind(o.status).bind(o.attempts).bind(o.next_attempt_at).bind(last_error).bind(o.at).bind(o.delivery_id);
    auto n = write(*impl_, up, "update alert delivery");
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("alert delivery");
    // OR REPLACE: an attempt number is recorded once even if a claim expired and another
    // sender repeated it; the later outcome is the one that counts.
    Stmt log(c.db,
             "INSERT OR REPLACE INTO alert_attempts (delivery_id, number, at, outcome, detail) VALUES (?,?,?,?,?)");
    log.bind(o.delivery_id).bind(o.attempts).bind(o.at).bind(o.outcome).bind(o.detail);
    auto logged = write(*impl_, log, "insert alert attempt");
    if (!logged) return std::unexpected(logged.error());
    return sqlite_detail::insertAudit(*impl_, ev);
  });
}

Result<Page<AlertDelivery>> SqliteStore::listDeliveries(std::string_view tenant_id, const DeliveryFilter& f) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  const int limit = clampLimit(f.page.limit);
  // NULL parameters switch a filter off; ?2 = 0 means "from the newest".
  Stmt s(c.rdb, "SELECT " + std::string(kDeliveryCols) +
                    " FROM alert_deliveries WHERE tenant_id = ?1 AND (?2 = 0 OR seq < ?2) "
                    "AND (?3 IS NULL OR key_id = ?3) AND (?4 IS NULL OR channel = ?4) "
                    "AND (?5 IS NULL OR status = ?5) ORDER BY seq DESC LIMIT ?6");
  s.bind(tenant_id).bind(f.page.after).bind(f.key_id).bind(f.channel).bind(f.status).bind(limit + 1);
  auto items = rows<AlertDelivery>(*impl_, s, readDelivery);
  if (!items) return std::unexpected(items.error());
  auto page = finishPage(std::move(*items), limit);
  if (auto st = attachAttempts(*impl_, c.rdb, page.items); !st) return std::unexpected(st.error());
  return page;
}

Result<Page<Notification>> SqliteStore::listNotifications(std::string_view tenant_id, std::string_view recipient_id,
                                                          bool unread_only, const PageRequest& page) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  const int limit = clampLimit(page.limit);
  Stmt s(c.rdb, "SELECT " + std::string(kNotificationCols) +
                    " FROM notifications WHERE tenant_id = ?1 AND recipient_id = ?2 AND (?3 = 0 OR seq < ?3) "
                    "AND (?4 = 0 OR read_at IS NULL) ORDER BY seq DESC LIMIT ?5");
  s.bind(tenant_id).bind(recipient_id).bind(page.after).bind(unread_only).bind(limit + 1);
  auto items = rows<Notification>(*impl_, s, readNotification);
  if (!items) return std::unexpected(items.error());
  return finishPage(std::move(*items), limit);
}

Result<std::int64_t> SqliteStore::countUnreadNotifications(std::string_view tenant_id, std::string_view recipient_id) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb, "SELECT COUNT(*) FROM notifications WHERE tenant_id = ? AND recipient_id = ? AND read_at IS NULL");
  s.bind(tenant_id).bind(recipient_id);
  auto n = rows<std::int64_t>(*impl_, s, [](const Stmt& r) { return r.i64(0); });
  if (!n) return std::unexpected(n.error());
  return n->empty() ? 0 : n->front();
}

Result<Notification> SqliteStore::markNotificationRead(std::string_view tenant_id, std::string_view recipient_id,
                                                       std::string_view id, UnixSeconds at) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  Stmt
      up(c.db,
         "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE tenant_id = ? AND recipient_id = ? AND id = ?");
  up.bind(at).bind(tenant_id).bind(recipient_id).bind(id);
  auto n = write(*impl_, up, "mark notification read");
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return notFound("notification");
  Stmt s(c.db, "SELECT " + std::string(kNotificationCols) + " FROM notifications WHERE id = ?");
  s.bind(id);
  auto items = rows<Notification>(*impl_, s, readNotification);
  if (!items) return std::unexpected(items.error());
  if (items->empty()) return notFound("notification");
  return std::move(items->front());
}

Status SqliteStore::putWebhook(const Webhook& w, const AuditEvent& ev) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  return sqlite_detail::transaction(*impl_, [&]() -> Status {
    Stmt s(c.db,
           "INSERT INTO webhooks (tenant_id, id, url, events, secret_version, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?) ON CONFLICT (tenant_id) DO UPDATE SET id = excluded.id, url = excluded.url, "
           "events = excluded.events, secret_version = excluded.secret_version, updated_at = excluded.updated_at");
    s.bind(w.tenant_id)
        .bind(w.id)
        .bind(w.url)
        .bind(joinLines(w.events))
        .bind(w.secret_version)
        .bind(w.created_at)
        .bind(w.updated_at);
    auto n = write(*impl_, s, "put webhook");
    if (!n) return std::unexpected(n.error());
    return sqlite_detail::insertAudit(*impl_, ev);
  });
}

Result<Webhook> SqliteStore::getWebhook(std::string_view tenant_id) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.rmu);
  Stmt s(c.rdb,
         "SELECT tenant_id, id, url, events, secret_version, created_at, updated_at FROM webhooks WHERE tenant_id = ?");
  s.bind(tenant_id);
  auto items = rows<Webhook>(*impl_, s, readWebhook);
  if (!items) return std::unexpected(items.error());
  if (items->empty()) return notFound("webhook");
  return std::move(items->front());
}

Status SqliteStore::deleteWebhook(std::string_view tenant_id, const AuditEvent& ev) {
  auto c = sqlite_detail::connections(*impl_);
  std::lock_guard lock(c.mu);
  return sqlite_detail::transaction(*impl_, [&]() -> Status {
    Stmt s(c.db, "DELETE FROM webhooks WHERE tenant_id = ?");
    s.bind(tenant_id);
    auto n = write(*impl_, s, "delete webhook");
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return notFound("webhook");
    return sqlite_detail::insertAudit(*impl_, ev);
  });
}

}  // namespace keyward
