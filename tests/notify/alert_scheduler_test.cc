// The alert scheduler against a real SQLite store with a manual clock and fake transports:
// the alert window and UTC days, the expired notice, who is told, what stops alerts, and
// exactly-once across restarts and nodes.
#include "notify/alert_scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/time.h"
#include "notify_fixture.h"

namespace keyward::notify_testing {
namespace {

TEST(UtcDay, DaysChangeAtUtcMidnight) {
  EXPECT_EQ(notify::formatDay(notify::utcDay(kT0)), "2027-01-15");
  EXPECT_EQ(notify::formatDay(notify::utcDay(kT0 - 1)), "2027-01-14");
  EXPECT_EQ(notify::formatDay(notify::utcDay(kT0 + kDay - 1)), "2027-01-15");
  EXPECT_EQ(notify::utcDay(-1), -1);
}

class AlertSchedulerTest : public NotifyTest {};

TEST_F(AlertSchedulerTest, AlertsStartInsideTheWindowAndComeOncePerDay) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  ApiKey k = addKey("billing", kT0 + 20 * kDay + 3600);
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 0);  // 20 days left: outside the 14-day window
  clock_.set(kT0 + 6 * kDay + 10);            // 14 days left
  auto r = s.runOnce().value();
  EXPECT_TRUE(r.leader);
  EXPECT_EQ(r.planned, 2);  // in-app + e-mail
  EXPECT_EQ(r.sent, 1);
  for (int i = 0; i < 3; ++i) {
    clock_.advance(3600);
    EXPECT_EQ(s.runOnce().value().planned, 0) << "same UTC day";
  }
  clock_.set(kT0 + 7 * kDay);  // next midnight
  EXPECT_EQ(s.runOnce().value().planned, 2);
  auto ns = notificationsOf(alice.id);
  ASSERT_EQ(ns.size(), 2u);
  EXPECT_EQ(ns[0].alert_day, "2027-01-22");
  EXPECT_EQ(ns[0].days_left, 13);
  EXPECT_EQ(ns[1].alert_day, "2027-01-21");
  EXPECT_EQ(ns[1].days_left, 14);
  EXPECT_EQ(ns[0].key_id, k.id);
  EXPECT_NE(ns[0].message.find("billing"), std::string::npos);
  ASSERT_EQ(mailer_.sent.size(), 2u);
  EXPECT_EQ(mailer_.sent[0].to, "alice@example.com");
  EXPECT_EQ(mailer_.sent[0].subject, "[keyward] API key 'billing' expires in 14 days");
}

TEST_F(AlertSchedulerTest, TheTenantsAlertDaysSetTheWindow) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  tenant_.settings.expiry_alert_days = 3;
  ASSERT_TRUE(store_->updateTenant(tenant_, ev("tenant.update", tenant_.id)));
  addKey("k", kT0 + 5 * kDay);
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 0);
  clock_.set(kT0 + 2 * kDay);
  EXPECT_EQ(s.runOnce().value().planned, 2);
}

TEST_F(AlertSchedulerTest, RunsEitherSideOfMidnightAreTwoDays) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + 5 * kDay);
  auto s = scheduler(*store_);
  clock_.set(kT0 + kDay - 1);  // 23:59:59
  EXPECT_EQ(s.runOnce().value().planned, 2);
  clock_.set(kT0 + kDay);  // 00:00:00
  EXPECT_EQ(s.runOnce().value().planned, 2);
  EXPECT_EQ(notificationsOf(alice.id).size(), 2u);
}

TEST_F(AlertSchedulerTest, ExpiryDayGetsTheLastAlertThenOneExpiredNotice) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + 12 * 3600);  // noon of day 0
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 2);  // 00:00: "expires today"
  EXPECT_EQ(mailer_.sent.back().subject, "[keyward] API key 'k' expires today");
  clock_.set(kT0 + 12 * 3600);  // expired now
  EXPECT_EQ(s.runOnce().value().planned, 2);
  EXPECT_EQ(mailer_.sent.back().subject, "[keyward] API key 'k' has expired");
  clock_.advance(3600);
  EXPECT_EQ(s.runOnce().value().planned, 0);
  clock_.set(kT0 + 3 * kDay);
  EXPECT_EQ(s.runOnce().value().planned, 0);  // nothing after the expiry day
  auto ns = notificationsOf(alice.id);
  ASSERT_EQ(ns.size(), 2u);
  EXPECT_EQ(ns[0].kind, "expired");
  EXPECT_EQ(ns[0].alert_day, "2027-01-15");
  EXPECT_EQ(ns[1].kind, "expiring");
}

TEST_F(AlertSchedulerTest, AKeyExpiringJustBeforeMidnightStillGetsItsExpiredNotice) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + kDay - 60);  // 23:59 of day 0
  auto s = scheduler(*store_);
  clock_.set(kT0 + kDay + 240);  // the first run after expiry is on the next day
  EXPECT_EQ(s.runOnce().value().planned, 2);
  auto ns = notificationsOf(alice.id);
  ASSERT_EQ(ns.size(), 1u);
  EXPECT_EQ(ns[0].kind, "expired");
  EXPECT_EQ(ns[0].alert_day, "2027-01-15");  // filed under the expiry day
}

TEST_F(AlertSchedulerTest, RecipientsAreSubscribedMembersAndTheOwner) {
  User alice = addUser("alice@example.com");
  User bob = addUser("bob@example.com");
  User carol = addUser("carol@example.com");
  User dave = addUser("dave@example.com", /*disabled=*/true);
  User owner = addUser("owner@example.com");
  addAlertGroup({alice.id, dave.id});
  addAlertGroup({alice.id, bob.id});       // alice in two groups: told once
  addAlertGroup({carol.id}, {"billing"});  // not subscribed to account alerts
  addKey("k", kT0 + 2 * kDay, OwnerRef{PrincipalKind::kUser, owner.id});
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 6);  // alice, bob, owner: in-app + e-mail each
  EXPECT_EQ(notificationsOf(alice.id).size(), 1u);
  EXPECT_EQ(notificationsOf(bob.id).size(), 1u);
  EXPECT_EQ(notificationsOf(owner.id).size(), 1u);
  EXPECT_TRUE(notificationsOf(carol.id).empty());
  EXPECT_TRUE(notificationsOf(dave.id).empty());
  std::set<std::string> to;
  for (const auto& m : mailer_.sent) to.insert(m.to);
  EXPECT_EQ(to, (std::set<std::string>{"alice@example.com", "bob@example.com", "owner@example.com"}));
}

TEST_F(AlertSchedulerTest, AUserDisabledBeforeHerEmailWentOutGetsNone) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + 2 * kDay);
  mailer_.failing.insert("alice@example.com");
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().failed, 1);
  alice.disabled = true;
  ASSERT_TRUE(store_->updateUser(alice, ev("user.update", alice.id)));
  mailer_.failing.clear();
  clock_.advance(30);
  EXPECT_EQ(s.runOnce().value().skipped, 1);
  EXPECT_TRUE(mailer_.sent.empty());
  EXPECT_EQ(deliveries("email").at(0).status, "cancelled");
}

TEST_F(AlertSchedulerTest, AServiceUserOwnerIsToldInAppOnly) {
  ServiceUser svc = addServiceUser("ci");
  addKey("k", kT0 + 2 * kDay, OwnerRef{PrincipalKind::kServiceUser, svc.id});
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 1);
  auto ns = notificationsOf(svc.id);
  ASSERT_EQ(ns.size(), 1u);
  EXPECT_EQ(ns[0].recipient_kind, PrincipalKind::kServiceUser);
  EXPECT_TRUE(deliveries().empty());
  EXPECT_TRUE(mailer_.sent.empty());
}

TEST_F(AlertSchedulerTest, DisabledAndRevokedKeysStopAndTheirPendingDeliveriesAreCancelled) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  ApiKey disabled = addKey("disabled", kT0 + 3 * kDay);
  ApiKey revoked = addKey("revoked", kT0 + 3 * kDay);
  mailer_.failing.insert("alice@example.com");
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 4);
  disabled.enabled = false;
  updateKey(disabled);
  revoked.revoked_at = clock_.now();
  updateKey(revoked);
  mailer_.failing.clear();
  clock_.advance(60);  // the retries are due
  auto r = s.runOnce().value();
  EXPECT_EQ(r.sent, 0);
  EXPECT_EQ(r.skipped, 2);
  for (const auto& d : deliveries()) EXPECT_EQ(d.status, "cancelled") << d.last_error;
  clock_.set(kT0 + kDay);
  EXPECT_EQ(s.runOnce().value().planned, 0);
  EXPECT_TRUE(mailer_.sent.empty());
}

TEST_F(AlertSchedulerTest, RotatingToANewExpiryStartsAlertsAfresh) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  ApiKey k = addKey("k", kT0 + 3 * kDay);
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 2);
  // Rotated the same day to expire in 10 days: a new alert for the new expiry.
  k.expires_at = kT0 + 10 * kDay;
  updateKey(k);
  clock_.advance(600);
  EXPECT_EQ(s.runOnce().value().planned, 2);
  auto ns = notificationsOf(alice.id);
  ASSERT_EQ(ns.size(), 2u);
  EXPECT_EQ(ns[0].expires_at, kT0 + 10 * kDay);
  EXPECT_EQ(ns[0].days_left, 10);
  // Rotated out of the window: no alert until it comes back in.
  k.expires_at = kT0 + 60 * kDay;
  updateKey(k);
  clock_.set(kT0 + kDay);
  EXPECT_EQ(s.runOnce().value().planned, 0);
}

TEST_F(AlertSchedulerTest, ARestartMidRunNeitherDuplicatesNorSkips) {
  User alice = addUser("alice@example.com");
  User bob = addUser("bob@example.com");
  addAlertGroup({alice.id, bob.id});
  addKey("a", kT0 + 2 * kDay);
  addKey("b", kT0 + 3 * kDay);
  {
    // The first process planned (rows committed) and then died before sending anything.
    auto s = scheduler(*store_);
    ASSERT_TRUE(store_->acquireLease(notify::kAlertLease, "node-a", clock_.now(), 180).value());
    EXPECT_EQ(s.planAll(clock_.now()).value(), 8);
  }
  store_ = openStore();
  clock_.advance(200);  // the dead process's lease has run out
  auto restarted = scheduler(*store_, "node-a-restarted");
  auto r = restarted.runOnce().value();
  EXPECT_TRUE(r.leader);
  EXPECT_EQ(r.planned, 0);
  EXPECT_EQ(r.sent, 4);  // the pending e-mails, once each
  EXPECT_EQ(restarted.runOnce().value().sent, 0);
  EXPECT_EQ(mailer_.sent.size(), 4u);
  EXPECT_EQ(notificationsOf(alice.id).size(), 2u);
  // The audit log tells the story once: 4 notifications, 4 queued, 4 delivered.
  AuditFilter f;
  f.actor = "system";
  f.page.limit = 500;
  EXPECT_EQ(store_->listAudit(tenant_.id, f).value().items.size(), 12u);
}

// The whole life of a key, walked with the manual clock every 3 hours (8 runs per UTC day)
// from its creation to two days after it expired, with two recipients (a member of a group
// subscribed to account alerts, and the key's user owner) and the scheduler restarted along
// the way: crashes (lease left behind), a crash between planning and sending, a clean
// shutdown followed at once by another run the same day, and a new process trying while the
// dead one's lease still holds.
//
// The documented rule (docs/architecture.md "Expiry alerts"): an "expiring" alert on every UTC
// day with expiry day - today <= expiry_alert_days (14 by default), the expiry day included
// ("expires today"), so 14 + 1 = 15 consecutive days ending on the expiry day; then one
// "expired" notice, filed under the expiry day. Per recipient that is 15 + 1 in-app
// notifications and 15 + 1 e-mails, each exactly once, each on its own day.
TEST_F(AlertSchedulerTest, AKeyExpiringIn20DaysAlertsEachRecipientOncePerWindowDayAndOnceWhenExpired) {
  ASSERT_EQ(tenant_.settings.expiry_alert_days, 14);
  User alice = addUser("alice@example.com");
  User owner = addUser("owner@example.com");
  addAlertGroup({alice.id});
  const UnixSeconds expires_at = kT0 + 20 * kDay + 15 * 3600 + 30 * 60;  // 2027-02-04T15:30:00Z
  ApiKey k = addKey("ledger", expires_at, OwnerRef{PrincipalKind::kUser, owner.id});
  const std::int64_t created_day = notify::utcDay(kT0);
  const std::int64_t expiry_day = notify::utcDay(expires_at);
  ASSERT_EQ(expiry_day - created_day, 20);
  constexpr int kWindowDays = 14 + 1;  // expiry_alert_days before the expiry day, and the expiry day
  const std::int64_t first_alert_day = expiry_day - (kWindowDays - 1);

  int generation = 0;
  std::string holder;
  std::unique_ptr<notify::AlertScheduler> s;
  auto startProcess = [&] {
    notify::SchedulerOptions o;
    holder = "node-a-" + std::to_string(++generation);  // a restarted process is a new holder
    o.holder = holder;
    o.interval = std::chrono::seconds(60);  // lease ttl 180 s
    s = std::make_unique<notify::AlertScheduler>(*store_, clock_, &mailer_, poster_, secrets_, o);
  };
  // A crash: the process dies holding the lease; the next one opens the database afresh.
  auto crash = [&] {
    s.reset();
    store_ = openStore();
    ASSERT_NE(store_, nullptr);
    startProcess();
  };
  auto runLeader = [&](const char* where) -> notify::RunReport {
    auto r = s->runOnce();
    EXPECT_TRUE(r) << where << ": " << (r ? "" : r.error().message);
    if (!r) return {};
    EXPECT_TRUE(r->leader) << where << " at " << formatRfc3339(clock_.now());
    EXPECT_EQ(r->failed, 0) << where;
    EXPECT_EQ(r->skipped, 0) << where;
    return *r;
  };

  startProcess();
  std::map<std::int64_t, int> runs_per_day;
  int restarts = 0;
  for (UnixSeconds t = kT0 + 3600 + 17; t <= expires_at + 2 * kDay; t += 3 * 3600) {
    clock_.set(t);
    const std::int64_t day = notify::utcDay(t);
    const UnixSeconds hour = (t - day * kDay) / 3600;  // 1, 4, 7, ... 22
    ++runs_per_day[day];
    SCOPED_TRACE(formatRfc3339(t));

    if (day == first_alert_day + 4 && hour == 1) {
      // The first run of the day plans (rows committed) and dies before sending anything.
      ASSERT_TRUE(store_->acquireLease(notify::kAlertLease, holder, t, 180).value());
      EXPECT_EQ(s->planAll(t).value(), 4);  // 2 recipients x (in-app + e-mail)
      crash();
      ++restarts;
      continue;
    }
    const notify::RunReport r = runLeader("regular run");
    const bool first_run_of_day = hour == 1;
    const bool expiring_today = day >= first_alert_day && t < expires_at;
    const bool expired_first_run = t >= expires_at && t - 3 * 3600 < expires_at;
    if ((first_run_of_day && expiring_today) || expired_first_run) {
      EXPECT_EQ(r.planned, 4);
      EXPECT_EQ(r.sent, 2);
    } else if (day == first_alert_day + 4 && hour == 4) {
      EXPECT_EQ(r.planned, 0);  // planned by the process that crashed at 01:00 ...
      EXPECT_EQ(r.sent, 2);     // ... and sent now, the same day, once
    } else {
      EXPECT_EQ(r.planned, 0);
      EXPECT_EQ(r.sent, 0);
    }

    if (day == created_day + 3 && hour == 10) {
      crash();  // before the window
      ++restarts;
    } else if (day == first_alert_day && hour == 1) {
      crash();  // right after the day's alert, between two runs of the same day
      ++restarts;
    } else if (day == expiry_day - 7 && hour == 13) {
      // A clean shutdown gives the lease up; the new process runs at once, the same day.
      ASSERT_TRUE(store_->releaseLease(notify::kAlertLease, holder));
      s.reset();
      startProcess();
      ++restarts;
      clock_.set(t + 600);
      const notify::RunReport again = runLeader("run right after a clean restart");
      EXPECT_EQ(again.planned, 0);
      EXPECT_EQ(again.sent, 0);
    } else if (day == expiry_day - 3 && hour == 19) {
      // A crash, and the new process tries while the dead one's lease still holds: it does
      // nothing, and the next run (after the ttl) leads.
      crash();
      ++restarts;
      clock_.set(t + 60);
      auto r2 = s->runOnce();
      ASSERT_TRUE(r2) << r2.error().message;
      EXPECT_FALSE(r2->leader);
      EXPECT_EQ(r2->planned, 0);
      EXPECT_EQ(r2->sent, 0);
    } else if (day == expiry_day && hour == 13) {
      crash();  // after the last "expires today" run, before the expiry (15:30)
      ++restarts;
    } else if (day == expiry_day + 1 && hour == 4) {
      crash();  // after the expired notice
      ++restarts;
    }
  }
  EXPECT_EQ(restarts, 7);
  for (const auto& [day, n] : runs_per_day) {
    if (day < expiry_day + 2) {
      EXPECT_EQ(n, 8) << notify::formatDay(day);
    }
  }

  for (const User* u : {&alice, &owner}) {
    SCOPED_TRACE(u->email);
    // In-app: one "expiring" per window day, each on its own day, and one "expired".
    std::map<std::string, int> expiring_days;
    int expired = 0;
    for (const auto& n : notificationsOf(u->id)) {
      EXPECT_EQ(n.key_id, k.id);
      EXPECT_EQ(n.expires_at, expires_at);
      if (n.kind == "expired") {
        ++expired;
        EXPECT_EQ(n.alert_day, notify::formatDay(expiry_day));
        EXPECT_GE(n.created_at, expires_at);
        EXPECT_LT(n.created_at, expires_at + kDay);
        continue;
      }
      EXPECT_EQ(n.kind, "expiring");
      ++expiring_days[n.alert_day];
      EXPECT_EQ(notify::formatDay(notify::utcDay(n.created_at)), n.alert_day) << "no catching up: on its own day";
      const std::int64_t day = notify::utcDay(n.created_at);
      EXPECT_EQ(n.days_left, expiry_day - day) << n.alert_day;
    }
    std::map<std::string, int> want;
    for (std::int64_t d = first_alert_day; d <= expiry_day; ++d) want[notify::formatDay(d)] = 1;
    ASSERT_EQ(want.size(), size_t(kWindowDays));
    EXPECT_EQ(expiring_days, want) << "15 consecutive days ending on the expiry day, once each";
    EXPECT_EQ(expired, 1);

    // E-mail deliveries: the same days, each sent at its first attempt, on its own day.
    std::map<std::string, int> mailed_days;
    int expired_mails = 0;
    for (const auto& d : deliveries("email")) {
      if (d.recipient != u->id) continue;
      EXPECT_EQ(d.address, u->email);
      EXPECT_EQ(d.status, "sent") << d.alert_day << " " << d.last_error;
      EXPECT_EQ(d.attempts, 1) << d.alert_day;
      ASSERT_EQ(d.attempt_log.size(), 1u);
      if (d.kind == "expired") {
        ++expired_mails;
        EXPECT_EQ(d.alert_day, notify::formatDay(expiry_day));
        continue;
      }
      ++mailed_days[d.alert_day];
      EXPECT_EQ(notify::formatDay(notify::utcDay(d.attempt_log[0].at)), d.alert_day) << "sent the same day";
    }
    EXPECT_EQ(mailed_days, want);
    EXPECT_EQ(expired_mails, 1);

    // What reached the mailer: one message per day, counting down, then "has expired".
    std::multiset<std::string> subjects, want_subjects;
    for (const auto& m : mailer_.sent)
      if (m.to == u->email) subjects.insert(m.subject);
    for (int left = 14; left >= 1; --left)
      want_subjects.insert("[keyward] API key 'ledger' expires in " + std::to_string(left) +
                           (left == 1 ? " day" : " days"));
    want_subjects.insert("[keyward] API key 'ledger' expires today");
    want_subjects.insert("[keyward] API key 'ledger' has expired");
    EXPECT_EQ(subjects, want_subjects);
  }
  EXPECT_EQ(mailer_.sent.size(), 2u * (kWindowDays + 1));

  // The audit log tells it once: one alert.notify, alert.queue and alert.deliver per message.
  for (const char* action : {"alert.notify", "alert.queue", "alert.deliver"}) {
    AuditFilter f;
    f.action = action;
    f.page.limit = 500;
    EXPECT_EQ(store_->listAudit(tenant_.id, f).value().items.size(), 2u * (kWindowDays + 1)) << action;
  }
}

TEST_F(AlertSchedulerTest, TwoNodesOnOneDatabaseHaveOneLeader) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + 2 * kDay);
  auto other_store = openStore();
  FakeMailer other_mailer;
  auto a = scheduler(*store_, "node-a");
  auto b = scheduler(*other_store, "node-b", &other_mailer);
  auto ra = a.runOnce().value();
  auto rb = b.runOnce().value();
  EXPECT_TRUE(ra.leader);
  EXPECT_FALSE(rb.leader);
  // Even without the lease (two planners at once), the store keeps the alerts unique.
  EXPECT_EQ(b.planAll(clock_.now()).value(), 0);
  EXPECT_EQ(b.deliverDue(clock_.now()).value().sent, 0);
  EXPECT_EQ(mailer_.sent.size() + other_mailer.sent.size(), 1u);
  EXPECT_EQ(notificationsOf(alice.id).size(), 1u);
  // When the leader stops renewing (here: it never runs again), its lease runs out and the
  // other node takes over.
  clock_.set(kT0 + kDay);
  EXPECT_TRUE(b.runOnce().value().leader);
  EXPECT_EQ(other_mailer.sent.size(), 1u);
}

TEST_F(AlertSchedulerTest, AStoppedSchedulerHandsTheLeaseOverAtOnce) {
  auto other_store = openStore();
  auto a = scheduler(*store_, "node-a");
  auto b = scheduler(*other_store, "node-b");
  ASSERT_TRUE(a.runOnce().value().leader);
  EXPECT_FALSE(b.runOnce().value().leader);
  a.start();
  a.stop();  // a clean shutdown releases the lease
  EXPECT_TRUE(b.runOnce().value().leader);
}

TEST_F(AlertSchedulerTest, AFailedEmailIsRetriedWithBackoffAndDoesNotBlockOthers) {
  User alice = addUser("alice@example.com");
  User bob = addUser("bob@example.com");
  addAlertGroup({alice.id, bob.id});
  addKey("k", kT0 + 2 * kDay);
  mailer_.failing.insert("alice@example.com");
  auto s = scheduler(*store_);
  auto r = s.runOnce().value();
  EXPECT_EQ(r.sent, 1);
  EXPECT_EQ(r.failed, 1);
  ASSERT_EQ(mailer_.sent.size(), 1u);
  EXPECT_EQ(mailer_.sent[0].to, "bob@example.com");
  clock_.advance(29);
  EXPECT_EQ(s.runOnce().value().failed, 0);  // not due before 30 s
  clock_.advance(1);
  EXPECT_EQ(s.runOnce().value().failed, 1);  // second attempt; the next one after 60 s
  clock_.advance(59);
  EXPECT_EQ(s.runOnce().value().failed, 0);
  mailer_.failing.clear();
  clock_.advance(1);
  EXPECT_EQ(s.runOnce().value().sent, 1);
  auto mails = deliveries("email");
  ASSERT_EQ(mails.size(), 2u);
  for (const auto& d : mails) {
    EXPECT_EQ(d.status, "sent");
    if (d.recipient == alice.id) {
      EXPECT_EQ(d.attempts, 3);
      ASSERT_EQ(d.attempt_log.size(), 3u);
      EXPECT_EQ(d.attempt_log[0].outcome, "error");
      EXPECT_NE(d.attempt_log[0].detail.find("451"), std::string::npos);
      EXPECT_EQ(d.attempt_log[2].outcome, "sent");
    }
  }
}

TEST_F(AlertSchedulerTest, AnEmailThatKeepsFailingIsGivenUpAfterTheLastAttempt) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + 5 * kDay);
  mailer_.failing.insert("alice@example.com");
  auto s = scheduler(*store_);
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(s.runOnce());
    clock_.advance(3600);  // past every backoff (capped at one hour)
  }
  auto mails = deliveries("email");
  ASSERT_FALSE(mails.empty());
  const auto& first = mails.back();  // the oldest: day 0's
  EXPECT_EQ(first.status, "failed");
  EXPECT_EQ(first.attempts, 8);
}

TEST_F(AlertSchedulerTest, WithoutSmtpEmailsAreSkippedAndInAppStillWorks) {
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  addKey("k", kT0 + 2 * kDay);
  notify::SchedulerOptions o;
  o.holder = "node-a";
  notify::AlertScheduler s(*store_, clock_, nullptr, poster_, secrets_, o);
  auto r = s.runOnce().value();
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(notificationsOf(alice.id).size(), 1u);
  auto mails = deliveries("email");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].status, "skipped");
  EXPECT_NE(mails[0].attempt_log.at(0).detail.find("smtp_url"), std::string::npos);
}

TEST_F(AlertSchedulerTest, WebhooksAreSignedAndRetriedAfterAServerError) {
  ApiKey k = addKey("k", kT0 + 2 * kDay);
  Webhook w{"whk_1", tenant_.id, "https://hooks.example.com/keyward", {"key.expiring", "key.expired"}, 1, kT0, kT0};
  ASSERT_TRUE(store_->putWebhook(w, ev("webhook.create", w.id)));
  poster_.status = 500;
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().failed, 1);
  poster_.status = 204;
  clock_.advance(30);
  EXPECT_EQ(s.runOnce().value().sent, 1);
  ASSERT_EQ(poster_.posts.size(), 2u);
  const auto& p = poster_.posts[1];
  EXPECT_EQ(p.url, w.url);
  EXPECT_EQ(p.header("Keyward-Event-Id"), poster_.posts[0].header("Keyward-Event-Id"));  // same event on retry
  EXPECT_EQ(p.header("Keyward-Event-Type"), "key.expiring");
  const std::string secret = secrets_.secretFor(w.id, 1);
  EXPECT_EQ(p.header("Keyward-Signature"), notify::signatureHeader(secret, clock_.now(), p.body));
  EXPECT_NE(p.body.find(k.id), std::string::npos);
  EXPECT_NE(p.body.find("\"type\":\"key.expiring\""), std::string::npos);
  auto hooks = deliveries("webhook");
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].attempt_log.at(0).detail, "HTTP 500");
}

TEST_F(AlertSchedulerTest, AWebhookGetsOnlyTheEventsItSubscribedTo) {
  addKey("k", kT0 + 3600);
  Webhook w{"whk_1", tenant_.id, "https://hooks.example.com/keyward", {"key.expired"}, 1, kT0, kT0};
  ASSERT_TRUE(store_->putWebhook(w, ev("webhook.create", w.id)));
  auto s = scheduler(*store_);
  EXPECT_EQ(s.runOnce().value().planned, 0);
  clock_.set(kT0 + 3600);
  EXPECT_EQ(s.runOnce().value().sent, 1);
  EXPECT_EQ(poster_.posts.at(0).header("Keyward-Event-Type"), "key.expired");
}

}  // namespace
}  // namespace keyward::notify_testing
