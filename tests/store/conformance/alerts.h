// alerts.h — store conformance, part expiry alerts: the scheduler's lease, keys about to expire,
// the alert plan (notifications and deliveries), delivery claims and attempts, and webhooks.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_ALERTS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include <atomic>
#include <thread>

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class AlertConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(AlertConformance);

// ---- expiry alerts -----------------------------------------------------------------------

inline Notification notification(const ApiKey& k, std::string recipient, std::string day, UnixSeconds at = kT0) {
  Notification n;
  n.id = freshId("ntf");
  n.tenant_id = k.tenant_id;
  n.recipient_id = std::move(recipient);
  n.key_id = k.id;
  n.key_name = k.name;
  n.kind = "expiring";
  n.alert_day = std::move(day);
  n.expires_at = k.expires_at;
  n.days_left = 3;
  n.message = "expires soon";
  n.created_at = at;
  return n;
}

inline AlertDelivery delivery(const ApiKey& k, std::string channel, std::string recipient, std::string day,
                              UnixSeconds at = kT0) {
  AlertDelivery d;
  d.id = freshId("dlv");
  d.tenant_id = k.tenant_id;
  d.key_id = k.id;
  d.expires_at = k.expires_at;
  d.alert_day = std::move(day);
  d.kind = "expiring";
  d.channel = std::move(channel);
  d.recipient = std::move(recipient);
  d.address = "ops@example.com";
  d.payload_json = "{}";
  d.next_attempt_at = at;
  d.created_at = d.updated_at = at;
  return d;
}

TYPED_TEST_P(AlertConformance, LeaseHasOneHolderAtATime) {
  Store& s = this->store();
  EXPECT_TRUE(s.acquireLease("alerts", "node-a", kT0, 60).value());
  EXPECT_FALSE(s.acquireLease("alerts", "node-b", kT0 + 30, 60).value());
  EXPECT_TRUE(s.acquireLease("alerts", "node-a", kT0 + 50, 60).value());  // renewed until kT0 + 110
  EXPECT_FALSE(s.acquireLease("alerts", "node-b", kT0 + 100, 60).value());
  EXPECT_TRUE(s.acquireLease("alerts", "node-b", kT0 + 110, 60).value());  // expired: taken over
  EXPECT_FALSE(s.acquireLease("alerts", "node-a", kT0 + 120, 60).value());
  EXPECT_TRUE(s.acquireLease("other", "node-a", kT0 + 120, 60).value());  // leases are independent
  ASSERT_TRUE(s.releaseLease("alerts", "node-a"));                        // not the holder: no effect
  EXPECT_FALSE(s.acquireLease("alerts", "node-a", kT0 + 121, 60).value());
  ASSERT_TRUE(s.releaseLease("alerts", "node-b"));
  EXPECT_TRUE(s.acquireLease("alerts", "node-a", kT0 + 122, 60).value());
}

TYPED_TEST_P(AlertConformance, LeaseIsSharedByStoresOnOneDatabase) {
  auto other = this->backend_->open();
  ASSERT_TRUE(other) << other.error().message;
  Store& a = this->store();
  Store& b = **other;
  std::atomic<int> both{0};
  // Two nodes competing for the lease at the same instants: never both hold it.
  std::vector<std::thread> nodes;
  std::vector<std::vector<bool>> held(2, std::vector<bool>(40));
  for (int n = 0; n < 2; ++n) {
    nodes.emplace_back([&, n] {
      Store& s = n == 0 ? a : b;
      for (int i = 0; i < 40; ++i)
        held[size_t(n)][size_t(i)] =
            s.acquireLease("alerts", "node-" + std::to_string(n), kT0 + i * 100, 150).value_or(false);
    });
  }
  for (auto& t : nodes) t.join();
  int leaders = 0;
  for (int i = 0; i < 40; ++i) {
    if (held[0][size_t(i)] && held[1][size_t(i)]) both.fetch_add(1);
    leaders += held[0][size_t(i)] || held[1][size_t(i)];
  }
  EXPECT_EQ(both.load(), 0);
  EXPECT_GT(leaders, 0);
}

TYPED_TEST_P(AlertConformance, KeysExpiringBetweenSkipsRevokedAndNeverExpiringKeys) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant u = this->addTenant("globex");
  ApiKey soon = key(t, "soon");
  soon.expires_at = kT0 + 2 * kDay;
  ApiKey later = key(u, "later");
  later.expires_at = kT0 + 5 * kDay;
  ApiKey never = key(t, "never");
  never.expires_at = kNever;
  ApiKey far = key(t, "far");
  far.expires_at = kT0 + 100 * kDay;
  ApiKey revoked = key(t, "revoked");
  revoked.expires_at = kT0 + kDay;
  for (auto* k : {&soon, &later, &never, &far, &revoked}) this->addKey(*k);
  this->revoke(revoked);
  auto got = s.keysExpiringBetween(kT0, kT0 + 10 * kDay);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(ids(*got), (std::vector<std::string>{soon.id, later.id}));
}

TYPED_TEST_P(AlertConformance, AlertPlanIsRecordedOnceWithItsAuditEvents) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  auto makePlan = [&] {
    AlertPlan p;
    p.notifications.push_back({notification(k, "usr_a", "2027-01-01"),
                               event(t.id, "alert.notify", k.id, kT0, "system")});
    p.deliveries.push_back({delivery(k, "email", "usr_a", "2027-01-01"),
                            event(t.id, "alert.queue", k.id, kT0, "system")});
    return p;
  };
  EXPECT_EQ(s.recordAlertPlan(makePlan()).value(), 2);
  // The same (key, expiry, day, kind, recipient) planned again, with fresh ids: nothing new.
  EXPECT_EQ(s.recordAlertPlan(makePlan()).value(), 0);
  this->reopen();
  EXPECT_EQ(this->store().recordAlertPlan(makePlan()).value(), 0);
  EXPECT_EQ(this->audit(t.id, Q().action("alert.notify")).size(), 1u);
  EXPECT_EQ(this->audit(t.id, Q().action("alert.queue")).size(), 1u);
  // Another day, or a new expiry (rotation), is a new alert.
  AlertPlan next = makePlan();
  next.notifications[0].notification.alert_day = "2027-01-02";
  next.deliveries.clear();
  EXPECT_EQ(this->store().recordAlertPlan(next).value(), 1);
  AlertPlan rotated = makePlan();
  rotated.notifications[0].notification.expires_at += kDay;
  rotated.deliveries[0].delivery.expires_at += kDay;
  EXPECT_EQ(this->store().recordAlertPlan(rotated).value(), 2);
  EXPECT_FALSE(this->store().verifyAuditChain(t.id).value().first_break);
}

TYPED_TEST_P(AlertConformance, DeliveriesAreClaimedOnceAndKeepEveryAttempt) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  AlertPlan p;
  AlertDelivery d = delivery(k, "webhook", "webhook", "2027-01-01");
  p.deliveries.push_back({d, event(t.id, "alert.queue", k.id)});
  ASSERT_EQ(s.recordAlertPlan(p).value(), 1);
  EXPECT_TRUE(s.dueDeliveries(kT0 - 1, 10).value().empty());
  ASSERT_EQ(s.dueDeliveries(kT0, 10).value().size(), 1u);
  EXPECT_TRUE(s.claimDelivery(d.id, kT0, kT0 + 300).value());
  EXPECT_FALSE(s.claimDelivery(d.id, kT0, kT0 + 300).value());  // a second sender gets nothing
  EXPECT_TRUE(s.dueDeliveries(kT0 + 10, 10).value().empty());
  DeliveryOutcome failed{d.id, "pending", 1, kT0 + 30, kT0, "error", "HTTP 500"};
  ASSERT_TRUE(s.recordDeliveryOutcome(failed, event(t.id, "alert.deliver", k.id)));
  EXPECT_TRUE(s.dueDeliveries(kT0 + 29, 10).value().empty());
  auto due = s.dueDeliveries(kT0 + 30, 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_error, "HTTP 500");
  ASSERT_TRUE(s.claimDelivery(d.id, kT0 + 30, kT0 + 330).value());
  DeliveryOutcome sent{d.id, "sent", 2, kT0 + 30, kT0 + 30, "sent", "HTTP 204"};
  ASSERT_TRUE(s.recordDeliveryOutcome(sent, event(t.id, "alert.deliver", k.id)));
  EXPECT_TRUE(s.dueDeliveries(kT0 + 10 * kDay, 10).value().empty());
  auto listed = s.listDeliveries(t.id, {});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->items.size(), 1u);
  const auto& got = listed->items[0];
  EXPECT_EQ(got.status, "sent");
  EXPECT_EQ(got.attempts, 2);
  EXPECT_EQ(got.last_error, "");
  ASSERT_EQ(got.attempt_log.size(), 2u);
  EXPECT_EQ(got.attempt_log[0].outcome, "error");
  EXPECT_EQ(got.attempt_log[0].detail, "HTTP 500");
  EXPECT_EQ(got.attempt_log[1].outcome, "sent");
  EXPECT_EQ(this->audit(t.id, Q().action("alert.deliver")).size(), 2u);
  // Filters and tenant scope.
  DeliveryFilter by_channel;
  by_channel.channel = "email";
  EXPECT_TRUE(s.listDeliveries(t.id, by_channel).value().items.empty());
  DeliveryFilter by_status;
  by_status.status = "sent";
  by_status.key_id = k.id;
  EXPECT_EQ(s.listDeliveries(t.id, by_status).value().items.size(), 1u);
  Tenant other = this->addTenant("globex");
  EXPECT_TRUE(s.listDeliveries(other.id, {}).value().items.empty());
}

TYPED_TEST_P(AlertConformance, NotificationsBelongToTheirRecipient) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  AlertPlan p;
  for (const char* day : {"2027-01-01", "2027-01-02", "2027-01-03"})
    p.notifications.push_back({notification(k, "usr_a", day), event(t.id, "alert.notify", k.id)});
  Notification bobs = notification(k, "usr_b", "2027-01-01");
  p.notifications.push_back({bobs, event(t.id, "alert.notify", k.id)});
  ASSERT_EQ(s.recordAlertPlan(p).value(), 4);
  PageRequest two;
  two.limit = 2;
  auto first = s.listNotifications(t.id, "usr_a", false, two).value();
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].alert_day, "2027-01-03");  // newest first
  ASSERT_TRUE(first.next);
  two.after = *first.next;
  auto second = s.listNotifications(t.id, "usr_a", false, two).value();
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_FALSE(second.next);
  EXPECT_EQ(s.countUnreadNotifications(t.id, "usr_a").value(), 3);
  // Another recipient's notification cannot be read or marked.
  auto theirs = s.markNotificationRead(t.id, "usr_a", bobs.id, kT0 + 5);
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().kind, ErrorKind::kNotFound);
  auto read = s.markNotificationRead(t.id, "usr_a", first.items[0].id, kT0 + 5);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->read_at, kT0 + 5);
  EXPECT_EQ(s.markNotificationRead(t.id, "usr_a", first.items[0].id, kT0 + 9).value().read_at, kT0 + 5);
  EXPECT_EQ(s.countUnreadNotifications(t.id, "usr_a").value(), 2);
  EXPECT_EQ(s.listNotifications(t.id, "usr_a", true, {}).value().items.size(), 2u);
  Tenant other = this->addTenant("globex");
  EXPECT_TRUE(s.listNotifications(other.id, "usr_a", false, {}).value().items.empty());
}

TYPED_TEST_P(AlertConformance, WebhookIsPutReadAndDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  EXPECT_EQ(s.getWebhook(t.id).error().kind, ErrorKind::kNotFound);
  Webhook w{"whk_1", t.id, "https://hooks.example.com/in", {"key.expired", "key.expiring"}, 1, kT0, kT0};
  ASSERT_TRUE(s.putWebhook(w, event(t.id, "webhook.create", w.id)));
  auto got = s.getWebhook(t.id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->url, w.url);
  EXPECT_EQ(got->events, w.events);
  w.url = "http://127.0.0.1:9/x";
  w.secret_version = 2;
  w.updated_at = kT0 + 1;
  ASSERT_TRUE(s.putWebhook(w, event(t.id, "webhook.update", w.id)));
  EXPECT_EQ(s.getWebhook(t.id).value().secret_version, 2);
  EXPECT_EQ(s.getWebhook(t.id).value().created_at, kT0);
  ASSERT_TRUE(s.deleteWebhook(t.id, event(t.id, "webhook.delete", w.id)));
  EXPECT_EQ(s.deleteWebhook(t.id, event(t.id, "webhook.delete", w.id)).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->auditActions(t.id).back(), "webhook.delete");
}

TYPED_TEST_P(AlertConformance, DeletingATenantRemovesItsAlertsAndWebhook) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  AlertPlan p;
  p.notifications.push_back({notification(k, "usr_a", "2027-01-01"), event(t.id, "alert.notify", k.id)});
  AlertDelivery d = delivery(k, "webhook", "webhook", "2027-01-01");
  p.deliveries.push_back({d, event(t.id, "alert.queue", k.id)});
  ASSERT_EQ(s.recordAlertPlan(p).value(), 2);
  ASSERT_TRUE(s.claimDelivery(d.id, kT0, kT0 + 60).value());
  ASSERT_TRUE(s.recordDeliveryOutcome({d.id, "sent", 1, kT0, kT0, "sent", "HTTP 200"},
                                      event(t.id, "alert.deliver", k.id)));
  ASSERT_TRUE(s.putWebhook({"whk_1", t.id, "https://example.com/", {"key.expiring"}, 1, kT0, kT0},
                           event(t.id, "webhook.create", "whk_1")));
  this->revoke(k);
  auto deleted = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(s.getWebhook(t.id).error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(s.listDeliveries(t.id, {}).value().items.empty());
  EXPECT_TRUE(s.listNotifications(t.id, "usr_a", false, {}).value().items.empty());
}

REGISTER_TYPED_TEST_SUITE_P(AlertConformance, LeaseHasOneHolderAtATime, LeaseIsSharedByStoresOnOneDatabase,
                            KeysExpiringBetweenSkipsRevokedAndNeverExpiringKeys,
                            AlertPlanIsRecordedOnceWithItsAuditEvents, DeliveriesAreClaimedOnceAndKeepEveryAttempt,
                            NotificationsBelongToTheirRecipient, WebhookIsPutReadAndDeleted,
                            DeletingATenantRemovesItsAlertsAndWebhook);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_ALERTS(Prefix, Backend)                              \
  namespace keyward::store_testing {                                                   \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, AlertConformance, ::testing::Types<Backend>); \
  }                                                                                    \
  static_assert(true)
