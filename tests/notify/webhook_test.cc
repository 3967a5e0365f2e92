// Webhooks over real HTTP to a loopback receiver: the signature verifies with the secret
// the API hands out, a 500 is retried with the same event id, and the secret key file.
#include "notify/webhook.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "notify_fixture.h"
#include "test_servers.h"

namespace keyward::notify_testing {
namespace {

class WebhookTest : public NotifyTest {};

// What a receiver does (docs/operations.md): split the header, recompute, compare.
bool receiverAccepts(const std::string& header, const std::string& body, const std::string& secret) {
  const size_t comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const std::string t = header.substr(2, comma - 2);
  return notify::signatureHeader(secret, std::stoll(t), body) == header;
}

TEST(WebhookSignature, IsHmacSha256OfTimestampDotBody) {
  // Known answer: printf '1800000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
  EXPECT_EQ(notify::signatureHeader("whsec_test", 1'800'000'000, R"({"a":1})"),
            "t=1800000000,v1=7de5e6bbc99c65ef0ddccacd4308ba03a5a12eb8859a0db070c5ca731c4fdc19");
  EXPECT_NE(notify::signatureHeader("whsec_test", 1, "x"), notify::signatureHeader("whsec_other", 1, "x"));
  EXPECT_NE(notify::signatureHeader("whsec_test", 1, "x"), notify::signatureHeader("whsec_test", 2, "x"));
}

TEST(WebhookUrl, OnlyHttpAndHttpsWithAHost) {
  EXPECT_TRUE(notify::isWebhookUrl("https://hooks.example.com/in"));
  EXPECT_TRUE(notify::isWebhookUrl("http://127.0.0.1:8080/x?y=1"));
  EXPECT_TRUE(notify::isWebhookUrl("https://[::1]:8443/"));
  EXPECT_FALSE(notify::isWebhookUrl("ftp://example.com/"));
  EXPECT_FALSE(notify::isWebhookUrl("file:///etc/passwd"));
  EXPECT_FALSE(notify::isWebhookUrl("https://"));
  EXPECT_FALSE(notify::isWebhookUrl("https:///path"));
  EXPECT_FALSE(notify::isWebhookUrl("https://user:pw@example.com/"));
  EXPECT_FALSE(notify::isWebhookUrl("https://exa mple.com/"));
  EXPECT_FALSE(notify::isWebhookUrl("example.com"));
}

TEST_F(WebhookTest, SecretsDependOnWebhookAndVersionAndTheServerKey) {
  notify::WebhookSecrets other(std::vector<std::uint8_t>(32, 8));
  const std::string s1 = secrets_.secretFor("whk_1", 1);
  EXPECT_EQ(s1.rfind("whsec_", 0), 0u);
  EXPECT_EQ(s1.size(), 6u + 64u);
  EXPECT_EQ(s1, secrets_.secretFor("whk_1", 1));
  EXPECT_NE(s1, secrets_.secretFor("whk_1", 2));
  EXPECT_NE(s1, secrets_.secretFor("whk_2", 1));
  EXPECT_NE(s1, other.secretFor("whk_1", 1));
}

TEST_F(WebhookTest, TheKeyFileIsCreatedOwnerOnlyAndReadBack) {
  const auto path = (dir_ / "webhook.key").string();
  auto created = notify::loadOrCreateWebhookKey(path);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(notify::loadOrCreateWebhookKey(path).value(), *created);
  ::chmod(path.c_str(), 0644);
  auto refused = notify::loadOrCreateWebhookKey(path);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);
}

TEST_F(WebhookTest, ARealPostIsSignedAndRetriedAfterA500) {
  WebhookReceiver receiver;
  ASSERT_NE(receiver.port(), 0);
  auto poster = notify::makeCurlPoster();
  ApiKey k = addKey("payments-prod", kT0 + 2 * kDay);
  Webhook w{"whk_live", tenant_.id, receiver.url("/keyward"), {"key.expiring", "key.expired"}, 3, kT0, kT0};
  ASSERT_TRUE(store_->putWebhook(w, ev("webhook.create", w.id)));
  notify::SchedulerOptions o;
  o.holder = "node-a";
  notify::AlertScheduler s(*store_, clock_, &mailer_, *poster, secrets_, o);
  receiver.respondWith(500);
  auto first = s.runOnce();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->failed, 1);
  receiver.respondWith(200);
  clock_.advance(30);
  EXPECT_EQ(s.runOnce().value().sent, 1);
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 2u);
  const std::string secret = secrets_.secretFor(w.id, 3);
  for (const auto& r : got) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/keyward");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_TRUE(receiverAccepts(r.headers.at("keyward-signature"), r.body, secret))
        << r.headers.at("keyward-signature");
    EXPECT_FALSE(receiverAccepts(r.headers.at("keyward-signature"), r.body + " ", secret));
    EXPECT_NE(r.body.find("\"key_name\":\"payments-prod\""), std::string::npos) << r.body;
  }
  EXPECT_EQ(got[0].headers.at("keyward-event-id"), got[1].headers.at("keyward-event-id"));
  EXPECT_EQ(got[0].body, got[1].body);
  auto hooks = store_->listDeliveries(tenant_.id, {}).value().items;
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].status, "sent");
  ASSERT_EQ(hooks[0].attempt_log.size(), 2u);
  EXPECT_EQ(hooks[0].attempt_log[0].detail, "HTTP 500");
  EXPECT_EQ(hooks[0].attempt_log[1].detail, "HTTP 200");
  EXPECT_EQ(hooks[0].id, got[0].headers.at("keyward-event-id"));
  (void)k;
}

TEST_F(WebhookTest, AnEndpointThatIsDownIsATransportErrorAndRetried) {
  auto poster = notify::makeCurlPoster(std::chrono::seconds(5));
  auto r = poster->post("http://127.0.0.1:1/x", {}, "{}");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace keyward::notify_testing
