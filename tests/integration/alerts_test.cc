// Expiry alerts end to end: the real binary with SMTP pointed at a real SMTP server
// (aiosmtpd) and a webhook at a loopback receiver, the scheduler every second. A key that
// expires in two days produces one notification, one e-mail and one signed webhook per
// recipient, and a restart on the same database sends nothing twice.
#include <gtest/gtest.h>

#include <thread>

#include "integration/api.h"
#include "integration/server_process.h"
#include "notify/test_servers.h"
#include "notify/webhook.h"

namespace keyward::testing {
namespace {

namespace json = boost::json;
using notify_testing::SmtpSink;
using notify_testing::WebhookReceiver;
using namespace std::chrono_literals;

class AlertsEndToEnd : public testing_support::BackendTest {
 protected:
  std::vector<std::string> serveArgs() const {
    return {"--alert-interval", "1",    "--smtp-url",  sink_->url(),
            "--smtp-starttls",  "none", "--smtp-from", "keyward@example.com"};
  }
  void SetUp() override {
    sink_ = std::make_unique<SmtpSink>(server_.dir() / "mail");
    ASSERT_NE(sink_->port(), 0) << "the SMTP sink did not start (is python3-aiosmtpd installed?)";
    ASSERT_NE(receiver_.port(), 0);
    ASSERT_TRUE(server_.start(serveArgs()));
  }

  // Waits until `fn` holds (or 20 s passed).
  template <class Fn>
  bool eventually(Fn fn) {
    for (int i = 0; i < 200; ++i) {
      if (fn()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return fn();
  }

  ServerProcess server_{backend()};
  std::unique_ptr<SmtpSink> sink_;
  WebhookReceiver receiver_;
};
KEYWARD_ON_EVERY_BACKEND(AlertsEndToEnd);

TEST_P(AlertsEndToEnd, OneNotificationEmailAndWebhookPerRecipientAndNoneTwiceAfterARestart) {
  const std::string tenant = createTenant(server_, "acme");
  const std::string base = "/v1/tenants/" + tenant;
  Reply user = server_.admin("POST", base + "/users",
                             R"({"email":"ann@example.com","display_name":"Ann","password":"a long enough password",)"
                             R"("roles":["Global Viewer"]})");
  ASSERT_EQ(user.status, 201) << user.body;
  const std::string ann = user.str("id");
  ASSERT_EQ(server_
                .admin("POST", base + "/user-groups",
                       R"({"name":"ops","members":[")" + ann + R"("],"subscriptions":["account_alerts"]})")
                .status,
            201);
  Reply hook = server_.admin("PUT", base + "/webhook", R"({"url":")" + receiver_.url("/keyward") + R"("})");
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = hook.str("secret");
  ASSERT_FALSE(secret.empty());
  // ann's credential (never expires: no alerts of its own), then the key that will expire.
  Reply cred = server_.admin("POST", base + "/keys",
                             R"({"name":"ann-cli","never_expires":true,"roles":["Global Viewer"],)"
                             R"("owner":{"type":"user","id":")" +
                                 ann + R"("}})");
  ASSERT_EQ(cred.status, 201) << cred.body;
  const std::string ann_token = cred.str("secret");
  Reply expiring = server_.admin("POST", base + "/keys", R"({"name":"payments-prod","expires_in_days":2})");
  ASSERT_EQ(expiring.status, 201) << expiring.body;
  const std::string key_id = std::string(expiring.json.at("key").at("id").as_string());
  const std::string key_secret = expiring.str("secret");

  ASSERT_TRUE(eventually([&] { return sink_->messages().size() >= 1 && receiver_.requests().size() >= 1; }))
      << "mail: " << sink_->messages().size() << ", webhooks: " << receiver_.requests().size() << "\n"
      << server_.stderrText();
  Reply mine = server_.call("GET", "/v1/notifications", {}, ann_token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json.at("items").as_array().size(), 1u) << mine.body;
  EXPECT_EQ(mine.json.at("items").as_array()[0].at("key_id").as_string(), key_id);
  EXPECT_EQ(mine.json.at("unread_count").as_int64(), 1);

  const std::string mail = sink_->messages()[0];
  EXPECT_NE(mail.find("Subject: [keyward] API key 'payments-prod' expires in 2 days"), std::string::npos) << mail;
  EXPECT_NE(mail.find("X-Envelope-To: ann@example.com"), std::string::npos);
  EXPECT_EQ(mail.find(key_secret), std::string::npos) << "the key's secret is in the e-mail";
  const auto request = receiver_.requests()[0];
  const std::string signature = request.headers.at("keyward-signature");
  const std::string t = signature.substr(2, signature.find(',') - 2);
  EXPECT_EQ(signature, notify::signatureHeader(secret, std::stoll(t), request.body));
  EXPECT_NE(request.body.find(key_id), std::string::npos);
  EXPECT_EQ(request.body.find(key_secret), std::string::npos);

  // More runs of the scheduler, then a restart: nothing is sent twice.
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(server_.stop(), 0) << server_.stderrText();
  ASSERT_TRUE(server_.start(serveArgs()));
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(sink_->messages().size(), 1u);
  EXPECT_EQ(receiver_.requests().size(), 1u);
  mine = server_.call("GET", "/v1/notifications", {}, ann_token);
  EXPECT_EQ(mine.json.at("items").as_array().size(), 1u) << mine.body;
  Reply deliveries = server_.admin("GET", base + "/alert-deliveries");
  ASSERT_EQ(deliveries.status, 200) << deliveries.body;
  const auto& items = deliveries.json.at("items").as_array();
  ASSERT_EQ(items.size(), 2u) << deliveries.body;
  for (const auto& d : items) EXPECT_EQ(d.at("status").as_string(), "sent") << json::serialize(d);
  // Each delivery is in the audit log, as the system's doing.
  Reply audit = server_.admin("GET", base + "/audit?action=alert.deliver&limit=500");
  ASSERT_EQ(audit.status, 200);
  EXPECT_EQ(audit.json.at("items").as_array().size(), 2u) << audit.body;
  for (int run = 1; run <= 2; ++run) {
    EXPECT_EQ(server_.stderrText(run).find(secret), std::string::npos) << "the webhook secret leaked into the log";
    EXPECT_EQ(server_.stderrText(run).find(key_secret), std::string::npos) << "a key secret leaked into the log";
  }
}

}  // namespace
}  // namespace keyward::testing
