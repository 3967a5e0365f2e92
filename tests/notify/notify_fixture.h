// notify_fixture.h — a SQLite store in a temporary directory with a manual clock, fake
// mail and HTTP transports, and builders for the objects alerts are about.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/temp_dir.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "notify/alert_scheduler.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward::notify_testing {

// 2027-01-15T00:00:00Z: a UTC midnight, so day arithmetic in tests reads plainly.
inline constexpr UnixSeconds kT0 = 1'799'971'200;
inline constexpr UnixSeconds kDay = 86400;

class FakeMailer final : public notify::Mailer {
 public:
  Status send(const notify::Email& m) override {
    std::lock_guard lock(mu);
    if (failing.count(m.to)) return fail(ErrorKind::kUnavailable, "SMTP_FAILED", "SMTP: 451 try later");
    sent.push_back(m);
    return {};
  }
  std::mutex mu;
  std::set<std::string> failing;
  std::vector<notify::Email> sent;
};

class FakePoster final : public notify::HttpPoster {
 public:
  struct Post {
    std::string url;
    std::vector<notify::HttpHeader> headers;
    std::string body;
    std::string header(std::string_view name) const {
      for (const auto& h : headers)
        if (h.name == name) return h.value;
      return {};
    }
  };
  notify::PostResult post(const std::string& url, const std::vector<notify::HttpHeader>& headers,
                          const std::string& body) override {
    std::lock_guard lock(mu);
    posts.push_back({url, headers, body});
    return notify::PostResult{status, ""};
  }
  std::mutex mu;
  int status = 204;
  std::vector<Post> posts;
};

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = openStore();
    tenant_.id = "ten_acme";
    tenant_.name = "acme";
    tenant_.created_at = tenant_.updated_at = kT0;
    ASSERT_TRUE(store_->createTenant(tenant_, ev("tenant.create", tenant_.id)));
  }
  void TearDown() override { store_.reset(); }

  std::unique_ptr<SqliteStore> openStore() {
    auto s = SqliteStore::open((dir_ / "keyward.db").string());
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  AuditEvent ev(std::string action, std::string target) {
    AuditEvent e;
    e.id = crypto::newId("evt").value();
    e.tenant_id = tenant_.id;
    e.actor = "key_test";
    e.action = std::move(action);
    e.target = std::move(target);
    e.outcome = "success";
    e.at = clock_.now();
    return e;
  }

  User addUser(std::string email, bool disabled = false) {
    User u;
    u.id = crypto::newId("usr").value();
    u.tenant_id = tenant_.id;
    u.email = std::move(email);
    u.display_name = u.email;
    u.password_hash = "x";
    u.disabled = disabled;
    u.created_at = u.updated_at = kT0;
    EXPECT_TRUE(store_->createUser(u, ev("user.create", u.id)));
    return u;
  }

  ServiceUser addServiceUser(std::string name) {
    ServiceUser s;
    s.id = crypto::newId("svc").value();
    s.tenant_id = tenant_.id;
    s.name = std::move(name);
    s.created_at = s.updated_at = kT0;
    EXPECT_TRUE(store_->createServiceUser(s, ev("service_user.create", s.id)));
    return s;
  }

  UserGroup addAlertGroup(std::vector<std::string> members,
                          std::vector<std::string> subscriptions = {"account_alerts"}) {
    UserGroup g;
    g.id = crypto::newId("ugr").value();
    g.tenant_id = tenant_.id;
    g.name = "group-" + g.id;
    g.members = std::move(members);
    g.subscriptions = std::move(subscriptions);
    g.created_at = g.updated_at = kT0;
    EXPECT_TRUE(store_->createUserGroup(g, ev("user_group.create", g.id)));
    return g;
  }

  ApiKey addKey(std::string name, UnixSeconds expires_at, std::optional<OwnerRef> owner = std::nullopt) {
    ApiKey k;
    k.id = crypto::newId("key").value();
    k.tenant_id = tenant_.id;
    k.name = std::move(name);
    k.digest = crypto::sha256(k.id);
    k.start = "kw_test";
    k.expires_at = expires_at;
    k.owner = std::move(owner);
    k.created_by = "key_test";
    k.created_at = k.updated_at = kT0;
    EXPECT_TRUE(store_->createKey(k, ev("key.create", k.id), std::nullopt));
    return k;
  }

  void updateKey(const ApiKey& k) { ASSERT_TRUE(store_->updateKey(k, ev("key.update", k.id))); }

  notify::AlertScheduler scheduler(Store& store, std::string holder = "node-a", notify::Mailer* mailer = nullptr) {
    notify::SchedulerOptions o;
    o.holder = std::move(holder);
    o.interval = std::chrono::seconds(60);
    return notify::AlertScheduler(store, clock_, mailer ? mailer : &mailer_, poster_, secrets_, o);
  }

  std::vector<Notification> notificationsOf(const std::string& recipient) {
    PageRequest p;
    p.limit = 500;
    return store_->listNotifications(tenant_.id, recipient, false, p).value().items;
  }

  std::vector<AlertDelivery> deliveries(std::optional<std::string> channel = std::nullopt) {
    DeliveryFilter f;
    f.channel = std::move(channel);
    f.page.limit = 500;
    return store_->listDeliveries(tenant_.id, f).value().items;
  }

  // Removed with everything in it when the test ends, after the members declared below.
  const testing_support::TempDir tmp_{"keyward-notify"};
  const std::filesystem::path dir_ = tmp_.path();
  ManualClock clock_{kT0};
  std::unique_ptr<SqliteStore> store_;
  Tenant tenant_;
  FakeMailer mailer_;
  FakePoster poster_;
  notify::WebhookSecrets secrets_{std::vector<std::uint8_t>(32, 7)};
};

}  // namespace keyward::notify_testing
