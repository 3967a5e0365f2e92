// The SMTP mailer against a real SMTP server (aiosmtpd), and the alert e-mail as a
// recipient sees it: a subject naming the key, and no secret anywhere.
#include "notify/mailer.h"

#include <gtest/gtest.h>

#include "notify_fixture.h"
#include "test_servers.h"

namespace keyward::notify_testing {
namespace {

class MailerTest : public NotifyTest {};

TEST_F(MailerTest, AMessageReachesARealSmtpServer) {
  SmtpSink sink(dir_ / "mail");
  ASSERT_NE(sink.port(), 0) << "the SMTP sink did not start (is python3-aiosmtpd installed?)";
  notify::SmtpOptions o;
  o.url = sink.url();
  o.starttls = notify::StartTls::kNone;
  o.from = "keyward@example.com";
  auto mailer = notify::makeSmtpMailer(o);
  auto st = mailer->send({"ops@example.com", "Hello\r\nBcc: evil@example.com", "line one\nline two\n.\nend"});
  ASSERT_TRUE(st) << st.error().message;
  auto got = sink.waitFor(1);
  ASSERT_EQ(got.size(), 1u);
  const std::string& m = got[0];
  EXPECT_NE(m.find("X-Envelope-From: keyward@example.com"), std::string::npos) << m;
  EXPECT_NE(m.find("X-Envelope-To: ops@example.com"), std::string::npos);
  EXPECT_NE(m.find("Subject: Hello  Bcc: evil@example.com"), std::string::npos) << "no header injection: " << m;
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(m.find("line two\r\n.\r\nend"), std::string::npos) << m;  // the lone dot survives
}

TEST_F(MailerTest, AnUnreachableRelayIsAnErrorThatSaysWhy) {
  notify::SmtpOptions o;
  o.url = "smtp://127.0.0.1:1";
  o.starttls = notify::StartTls::kNone;
  o.from = "keyward@example.com";
  o.user = "relay-user";
  o.password = "hunter2-relay-password";
  auto st = notify::makeSmtpMailer(o)->send({"ops@example.com", "s", "b"});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "SMTP_FAILED");
  EXPECT_EQ(st.error().message.find("hunter2"), std::string::npos);
}

TEST_F(MailerTest, RequiredStartTlsIsNotSkippedOnAPlainServer) {
  SmtpSink sink(dir_ / "mail");
  ASSERT_NE(sink.port(), 0);
  notify::SmtpOptions o;
  o.url = sink.url();
  o.starttls = notify::StartTls::kRequired;
  o.from = "keyward@example.com";
  EXPECT_FALSE(notify::makeSmtpMailer(o)->send({"ops@example.com", "s", "b"}));
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(MailerTest, TheAlertEmailNamesTheKeyAndCarriesNoSecret) {
  SmtpSink sink(dir_ / "mail");
  ASSERT_NE(sink.port(), 0);
  notify::SmtpOptions o;
  o.url = sink.url();
  o.starttls = notify::StartTls::kTry;  // the sink offers no STARTTLS: plain is fine with "try"
  o.from = "keyward@example.com";
  auto mailer = notify::makeSmtpMailer(o);
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  ApiKey k = addKey("payments-prod", kT0 + 3 * kDay);
  notify::SchedulerOptions so;
  so.holder = "node-a";
  notify::AlertScheduler s(*store_, clock_, mailer.get(), poster_, secrets_, so);
  auto r = s.runOnce();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sent, 1);
  auto got = sink.waitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("Subject: [keyward] API key 'payments-prod' expires in 3 days"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("To: alice@example.com"), std::string::npos);
  EXPECT_NE(got[0].find(k.id), std::string::npos);
  EXPECT_EQ(got[0].find(crypto::toHex(k.digest)), std::string::npos);
  EXPECT_EQ(got[0].find("kw_"), std::string::npos) << "nothing that looks like a key secret";
}

}  // namespace
}  // namespace keyward::notify_testing
