// Expiry alerts over the API: a principal's notifications (list, unread count, read), the
// tenant webhook (URL validation, the secret shown once, rotation), the delivery log, and
// the tenant's expiry_alert_days range.
#include <gtest/gtest.h>

#include "notify/alert_scheduler.h"
#include "router_fixture.h"

namespace keyward::http_testing {
namespace {

class NullPoster final : public notify::HttpPoster {
 public:
  notify::PostResult post(const std::string&, const std::vector<notify::HttpHeader>&, const std::string&) override {
    return {204, ""};
  }
};

class Notifications : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    t_ = createTenant("acme");
    // Only credentials that grant something may call the API: everyone here is a viewer.
    ann_ = createUser(t_, "ann@example.com", "a long enough password", kViewer);
    bob_ = createUser(t_, "bob@example.com", "another long password", kViewer);
    ASSERT_EQ(post(base() + "/user-groups",
                   R"({"name":"ops","members":[")" + ann_ + R"("],"subscriptions":["account_alerts"]})")
                  .status,
              201);
    svc_ = createServiceUser(t_, "ci", kViewer);
    // ann's credential: a key on her behalf; the service user's: a key it owns.
    ann_key_ = createKey(t_, "ann-cli",
                         R"("never_expires":true,"roles":["Global Viewer"],"owner":{"type":"user","id":")" + ann_ +
                             "\"}");
    bob_key_ = createKey(t_, "bob-cli",
                         R"("never_expires":true,"roles":["Global Viewer"],"owner":{"type":"user","id":")" + bob_ +
                             "\"}");
    svc_key_ = createKey(t_, "ci-cli",
                         R"("never_expires":true,"roles":["Global Viewer"],"owner":{"type":"service_user","id":")" +
                             svc_ + "\"}");
    expiring_ = createKey(t_, "payments",
                          R"("expires_in_days":2,"owner":{"type":"service_user","id":")" + svc_ + "\"}");
  }

  std::string base() const { return "/v1/tenants/" + t_; }

  void runAlerts() {
    notify::SchedulerOptions o;
    o.holder = "test";
    notify::AlertScheduler s(*store_, clock_, nullptr, poster_, webhook_secrets_, o);
    auto r = s.runOnce();
    ASSERT_TRUE(r) << r.error().message;
  }

  Response put(std::string_view target, std::string body, const std::string& token = kUseAdmin) {
    return call("PUT", target, std::move(body), token);
  }

  static inline const std::string kViewer = R"(["Global Viewer"])";
  NullPoster poster_;
  std::string t_, ann_, bob_, svc_;
  CreatedKey ann_key_, bob_key_, svc_key_, expiring_;
};
KEYWARD_ON_EVERY_BACKEND(Notifications);

TEST_P(Notifications, EachPrincipalSeesItsOwnAndCanMarkThemRead) {
  runAlerts();
  json::object mine = obj(get("/v1/notifications", ann_key_.secret));
  ASSERT_EQ(items(mine).size(), 1u) << json::serialize(mine);
  EXPECT_EQ(mine.at("unread_count").as_int64(), 1);
  json::object n = items(mine)[0].as_object();
  EXPECT_EQ(str(n, "key_id"), expiring_.id);
  EXPECT_EQ(str(n, "key_name"), "payments");
  EXPECT_EQ(str(n, "tenant_id"), t_);
  EXPECT_EQ(str(n, "key_path"), base() + "/keys/" + expiring_.id);
  EXPECT_EQ(str(n, "kind"), "expiring");
  EXPECT_EQ(n.at("days_left").as_int64(), 2);
  EXPECT_TRUE(isRfc3339(n.at("expires_at")));
  EXPECT_FALSE(n.at("read").as_bool());
  // The owning service user sees it through its key; bob (not subscribed) sees nothing.
  EXPECT_EQ(items(obj(get("/v1/notifications", svc_key_.secret))).size(), 1u);
  EXPECT_TRUE(items(obj(get("/v1/notifications", bob_key_.secret))).empty());
  // Another principal's notification is not found, and stays unread.
  const std::string id = str(n, "id");
  expectProblem(post("/v1/notifications/" + id + "/read", "", bob_key_.secret), 404, "NOT_FOUND");
  Response read = post("/v1/notifications/" + id + "/read", "", ann_key_.secret);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(obj(read).at("read").as_bool());
  EXPECT_EQ(obj(get("/v1/notifications", ann_key_.secret)).at("unread_count").as_int64(), 0);
  EXPECT_TRUE(items(obj(get("/v1/notifications?unread=true", ann_key_.secret))).empty());
  EXPECT_EQ(items(obj(get("/v1/notifications?unread=false", ann_key_.secret))).size(), 1u);
  expectProblem(post("/v1/notifications/ntf_nothing/read", "", ann_key_.secret), 404, "NOT_FOUND");
}

TEST_P(Notifications, ASignedInUserSeesHerNotificationsAndMarksThemReadWithTheCsrfToken) {
  runAlerts();
  Response r = post("/v1/auth/login",
                    R"({"tenant":")" + t_ + R"(","email":"ann@example.com","password":"a long enough password"})",
                    kNoCredential);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string set = headerOf(r, "set-cookie");
  const std::string cookie = set.substr(set.find('=') + 1, set.find(';') - set.find('=') - 1);
  const std::string csrf = str(obj(r), "csrf_token");
  auto as = [&](std::string method, std::string_view target, bool with_csrf) {
    std::vector<Header> headers{{"cookie", "kw_session=" + cookie}};
    if (with_csrf) headers.push_back({"x-csrf-token", csrf});
    return send(request(std::move(method), target, {}, std::move(headers)));
  };
  json::object mine = obj(as("GET", "/v1/notifications", false));
  ASSERT_EQ(items(mine).size(), 1u) << json::serialize(mine);
  const std::string id = str(items(mine)[0].as_object(), "id");
  EXPECT_EQ(as("POST", "/v1/notifications/" + id + "/read", false).status, 403);  // no CSRF token
  EXPECT_EQ(as("POST", "/v1/notifications/" + id + "/read", true).status, 200);
  EXPECT_EQ(obj(as("GET", "/v1/notifications", false)).at("unread_count").as_int64(), 0);
}

TEST_P(Notifications, BadQueriesAndBodiesAreRefused) {
  expectProblem(get("/v1/notifications?unread=yes", ann_key_.secret), 400, "INVALID_FIELD", "unread");
  expectProblem(get("/v1/notifications?unred=true", ann_key_.secret), 400, "UNKNOWN_PARAMETER");
  expectProblem(get("/v1/notifications", kNoCredential), 401, "UNAUTHENTICATED");
  runAlerts();
  const std::string id = str(items(obj(get("/v1/notifications", ann_key_.secret)))[0].as_object(), "id");
  expectProblem(post("/v1/notifications/" + id + "/read", R"({"x":1})", ann_key_.secret), 400, "UNKNOWN_FIELD");
}

TEST_P(Notifications, WebhookSecretIsShownOnceAndRotates) {
  Response created = put(base() + "/webhook", R"({"url":"https://hooks.example.com/keyward"})");
  ASSERT_EQ(created.status, 201) << created.body;
  json::object w = obj(created);
  const std::string secret = str(w, "secret");
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(json::serialize(w.at("events")), R"(["key.expired","key.expiring"])");
  EXPECT_EQ(str(w, "signature_header"), "Keyward-Signature");
  // The secret is derived, not stored: reads never show it.
  json::object got = obj(get(base() + "/webhook"));
  EXPECT_FALSE(got.contains("secret"));
  EXPECT_EQ(str(got, "url"), "https://hooks.example.com/keyward");
  Response edited = put(base() + "/webhook", R"({"url":"http://127.0.0.1:9000/in","events":["key.expired"]})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_FALSE(obj(edited).contains("secret"));
  EXPECT_EQ(str(obj(edited), "id"), str(w, "id"));
  Response rotated = post(base() + "/webhook/rotate-secret", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_NE(str(obj(rotated), "secret"), secret);
  EXPECT_EQ(obj(rotated).at("secret_version").as_int64(), 2);
  EXPECT_EQ(str(obj(rotated), "secret"), webhook_secrets_.secretFor(str(w, "id"), 2));
  ASSERT_EQ(del(base() + "/webhook").status, 204);
  expectProblem(get(base() + "/webhook"), 404, "NOT_FOUND");
  expectProblem(del(base() + "/webhook"), 404, "NOT_FOUND");
  expectProblem(post(base() + "/webhook/rotate-secret", ""), 404, "NOT_FOUND");
  std::vector<std::string> actions;
  for (const auto& e : auditOf(t_))
    if (str(e.as_object(), "action").starts_with("webhook.")) actions.push_back(str(e.as_object(), "action"));
  EXPECT_EQ(actions,
            (std::vector<std::string>{"webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.delete"}));
  for (const auto& e : auditOf(t_)) EXPECT_EQ(json::serialize(e).find(secret), std::string::npos);
}

TEST_P(Notifications, WebhookInputIsValidated) {
  const std::string before = accessSnapshot(t_);
  for (const char* url : {"ftp://example.com/x", "file:///etc/passwd", "example.com", "https://",
                          "https://u:p@example.com/", "javascript:alert(1)"}) {
    expectProblem(put(base() + "/webhook", R"({"url":")" + std::string(url) + "\"}"), 400, "INVALID_FIELD", "url");
  }
  expectProblem(put(base() + "/webhook", R"({"url":"https://example.com","events":["key.created"]})"), 400,
                "INVALID_FIELD", "events");
  expectProblem(put(base() + "/webhook", R"({"url":"https://example.com","events":[]})"), 400, "INVALID_FIELD",
                "events");
  expectProblem(put(base() + "/webhook", R"({"url":"https://example.com","secret":"x"})"), 400, "UNKNOWN_FIELD");
  expectProblem(put(base() + "/webhook", R"({"url":)"), 400, "MALFORMED_JSON");
  expectProblem(put(base() + "/webhook", R"({})"), 400, "MISSING_FIELD", "url");
  EXPECT_EQ(accessSnapshot(t_), before);
  expectProblem(put("/v1/tenants/ten_nobody/webhook", R"({"url":"https://example.com"})"), 404, "NOT_FOUND");
  // Another tenant's administrator cannot see that this tenant exists.
  const std::string other = createTenant("globex");
  const std::string outsider = makeCredential(other);
  expectProblem(put(base() + "/webhook", R"({"url":"https://example.com"})", outsider), 404, "NOT_FOUND");
  expectProblem(get(base() + "/alert-deliveries", outsider), 404, "NOT_FOUND");
}

TEST_P(Notifications, DeliveriesShowEveryAttemptAndFilter) {
  ASSERT_EQ(put(base() + "/webhook", R"({"url":"https://hooks.example.com/keyward"})").status, 201);
  runAlerts();
  json::object all = obj(get(base() + "/alert-deliveries"));
  // ann's e-mail (skipped: no SMTP in this test) and the webhook (sent).
  ASSERT_EQ(items(all).size(), 2u) << json::serialize(all);
  json::object hook = obj(get(base() + "/alert-deliveries?channel=webhook"));
  ASSERT_EQ(items(hook).size(), 1u);
  json::object d = items(hook)[0].as_object();
  EXPECT_EQ(str(d, "status"), "sent");
  EXPECT_EQ(str(d, "key_id"), expiring_.id);
  EXPECT_EQ(d.at("attempts").as_int64(), 1);
  ASSERT_EQ(d.at("attempt_log").as_array().size(), 1u);
  EXPECT_EQ(str(d.at("attempt_log").as_array()[0].as_object(), "outcome"), "sent");
  json::object mail = obj(get(base() + "/alert-deliveries?channel=email&status=skipped&key_id=" + expiring_.id));
  ASSERT_EQ(items(mail).size(), 1u);
  EXPECT_EQ(str(items(mail)[0].as_object(), "address"), "ann@example.com");
  EXPECT_TRUE(items(obj(get(base() + "/alert-deliveries?status=failed"))).empty());
  expectProblem(get(base() + "/alert-deliveries?channel=sms"), 400, "INVALID_FIELD", "channel");
  expectProblem(get(base() + "/alert-deliveries?status=lost"), 400, "INVALID_FIELD", "status");
  json::object page = obj(get(base() + "/alert-deliveries?limit=1"));
  ASSERT_EQ(items(page).size(), 1u);
  ASSERT_TRUE(page.at("next_cursor").is_string());
  json::object rest = obj(get(base() + "/alert-deliveries?limit=1&cursor=" + str(page, "next_cursor")));
  ASSERT_EQ(items(rest).size(), 1u);
  EXPECT_NE(str(items(rest)[0].as_object(), "id"), str(items(page)[0].as_object(), "id"));
  // Every delivery is an audit event of actor "system".
  int delivered = 0;
  for (const auto& e : auditOf(t_)) {
    const auto& o = e.as_object();
    if (str(o, "action") != "alert.deliver") continue;
    ++delivered;
    EXPECT_EQ(str(o, "actor"), "system");
    EXPECT_EQ(str(o, "target"), expiring_.id);
  }
  EXPECT_EQ(delivered, 2);
}

TEST_P(Notifications, ExpiryAlertDaysMustBeOneToNinety) {
  expectProblem(patch(base(), R"({"expiry_alert_days":0})"), 400, "INVALID_FIELD", "expiry_alert_days");
  expectProblem(patch(base(), R"({"expiry_alert_days":91})"), 400, "INVALID_FIELD", "expiry_alert_days");
  expectProblem(post("/v1/tenants", R"({"name":"zero","expiry_alert_days":0})"), 400, "INVALID_FIELD",
                "expiry_alert_days");
  EXPECT_EQ(patch(base(), R"({"expiry_alert_days":90})").status, 200);
  EXPECT_EQ(patch(base(), R"({"expiry_alert_days":1})").status, 200);
}

}  // namespace
}  // namespace keyward::http_testing
