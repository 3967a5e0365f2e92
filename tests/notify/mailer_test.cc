// The SMTP mailer against a real SMTP server (aiosmtpd), and the alert e-mail as a
// recipient sees it: a subject naming the key, and no secret anywhere.
#include "notify/mailer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

// The sink refuses the first attempt with "451 4.3.0 try again later" at each step of the
// SMTP dialogue where a relay may refuse: the mailer reports the failure with the server's
// code (the scheduler's retry depends on it being a failure, the operator on the 451), and the
// next send goes through. Nothing is stored for the refused attempt.
class RefusingSmtpTest : public NotifyTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RefusingSmtpTest, ARefusalIsAnErrorNamingTheCodeAndTheNextSendGoesThrough) {
  SmtpSink sink(dir_ / "mail", {"--refuse-first", "1", "--refuse-at", GetParam()});
  ASSERT_NE(sink.port(), 0) << "the SMTP sink did not start (is python3-aiosmtpd installed?)";
  notify::SmtpOptions o;
  o.url = sink.url();
  o.starttls = notify::StartTls::kNone;
  o.from = "keyward@example.com";
  auto mailer = notify::makeSmtpMailer(o);
  auto first = mailer->send({"ops@example.com", "s", "b"});
  ASSERT_FALSE(first) << "a 451 is not a delivery";
  EXPECT_EQ(first.error().code, "SMTP_FAILED");
  // The server's reason reaches the delivery record at every step (after the content curl
  // has no text for it; the mailer adds the reply code).
  EXPECT_NE(first.error().message.find("451"), std::string::npos) << first.error().message;
  EXPECT_EQ(sink.refusals(), (std::vector<std::string>{std::string(GetParam()) + " ops@example.com"}));
  auto second = mailer->send({"ops@example.com", "s", "b"});
  ASSERT_TRUE(second) << second.error().message;
  auto got = sink.waitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("X-Envelope-To: ops@example.com"), std::string::npos) << got[0];
}

INSTANTIATE_TEST_SUITE_P(AtEachStep, RefusingSmtpTest, ::testing::Values("rcpt", "data", "eod"),
                         [](const auto& info) { return std::string(info.param); });

// curl writes no error text for a refusal after the content; the mailer adds the reply code.
TEST_F(MailerTest, ARefusalAfterTheContentNamesTheCode) {
  SmtpSink sink(dir_ / "mail", {"--refuse-first", "1", "--refuse-at", "eod"});
  ASSERT_NE(sink.port(), 0);
  notify::SmtpOptions o;
  o.url = sink.url();
  o.starttls = notify::StartTls::kNone;
  o.from = "keyward@example.com";
  auto st = notify::makeSmtpMailer(o)->send({"ops@example.com", "s", "b"});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("451"), std::string::npos) << st.error().message;
}

// The case end to end: the real scheduler, the real SQLite store and the real SMTP
// mailer against a real server that refuses the first attempt. The refusal is recorded
// (attempt 1: error, with the 451), the delivery stays pending until its backoff (30 s) has
// passed, and the next run delivers it: one message, to the right person, naming the key,
// with no secret. Nothing is lost and nothing is sent twice.
TEST_F(MailerTest, AnSmtpServerThatRefusesMailCausesARetryNotALostAlert) {
  SmtpSink sink(dir_ / "mail", {"--refuse-first", "1", "--refuse-at", "rcpt"});
  ASSERT_NE(sink.port(), 0) << "the SMTP sink did not start (is python3-aiosmtpd installed?)";
  notify::SmtpOptions o;
  o.url = sink.url();
  o.starttls = notify::StartTls::kNone;
  o.from = "keyward@example.com";
  o.timeout = std::chrono::seconds(10);
  auto mailer = notify::makeSmtpMailer(o);
  User alice = addUser("alice@example.com");
  addAlertGroup({alice.id});
  ApiKey k = addKey("payments-prod", kT0 + 3 * kDay + 7200);
  clock_.set(kT0 + 9 * 3600);
  notify::SchedulerOptions so;
  so.holder = "node-a";
  so.interval = std::chrono::seconds(60);
  notify::AlertScheduler s(*store_, clock_, mailer.get(), poster_, secrets_, so);

  // Run 1: planned (in-app + e-mail), the relay refuses the e-mail.
  const UnixSeconds t1 = clock_.now();
  auto r1 = s.runOnce();
  ASSERT_TRUE(r1) << r1.error().message;
  EXPECT_TRUE(r1->leader);
  EXPECT_EQ(r1->planned, 2);
  EXPECT_EQ(r1->sent, 0);
  EXPECT_EQ(r1->failed, 1);
  EXPECT_EQ(sink.refusals(), (std::vector<std::string>{"rcpt alice@example.com"}));
  EXPECT_TRUE(sink.messages().empty());
  {
    auto mails = deliveries("email");
    ASSERT_EQ(mails.size(), 1u);
    const auto& d = mails[0];
    EXPECT_EQ(d.status, "pending") << "a refused e-mail is retried, not given up";
    EXPECT_EQ(d.recipient, alice.id);
    EXPECT_EQ(d.attempts, 1);
    EXPECT_EQ(d.next_attempt_at, t1 + 30) << "first backoff";
    EXPECT_NE(d.last_error.find("451"), std::string::npos) << d.last_error;
    ASSERT_EQ(d.attempt_log.size(), 1u);
    EXPECT_EQ(d.attempt_log[0].number, 1);
    EXPECT_EQ(d.attempt_log[0].outcome, "error");
    EXPECT_NE(d.attempt_log[0].detail.find("451"), std::string::npos) << d.attempt_log[0].detail;
  }
  {
    // The failed attempt is in the audit log: system, failure, with the 451.
    AuditFilter f;
    f.action = "alert.deliver";
    f.page.limit = 50;
    auto events = store_->listAudit(tenant_.id, f).value().items;
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].actor, "system");
    EXPECT_EQ(events[0].target, k.id);
    EXPECT_EQ(events[0].outcome, "failure");
    EXPECT_NE(events[0].detail_json.find("451"), std::string::npos) << events[0].detail_json;
    EXPECT_NE(events[0].detail_json.find("\"status\":\"pending\""), std::string::npos) << events[0].detail_json;
  }

  // Before the backoff has passed nothing is attempted.
  clock_.set(t1 + 29);
  auto r2 = s.runOnce();
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(r2->planned, 0);
  EXPECT_EQ(r2->sent + r2->failed + r2->skipped, 0);
  EXPECT_EQ(sink.refusals().size(), 1u);
  EXPECT_TRUE(sink.messages().empty());

  // After it, the next run delivers.
  clock_.set(t1 + 30);
  auto r3 = s.runOnce();
  ASSERT_TRUE(r3) << r3.error().message;
  EXPECT_EQ(r3->planned, 0);
  EXPECT_EQ(r3->sent, 1);
  EXPECT_EQ(r3->failed, 0);
  auto got = sink.waitFor(1);
  ASSERT_EQ(got.size(), 1u);
  const std::string& m = got[0];
  EXPECT_NE(m.find("X-Envelope-To: alice@example.com\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nTo: alice@example.com\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nSubject: [keyward] API key 'payments-prod' expires in 3 days\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find(k.id), std::string::npos) << "the body names the key id";
  EXPECT_EQ(m.find(crypto::toHex(k.digest)), std::string::npos) << "not even the digest";
  EXPECT_EQ(m.find("kw_"), std::string::npos) << "nothing that looks like a key secret";
  {
    auto mails = deliveries("email");
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].status, "sent");
    EXPECT_EQ(mails[0].attempts, 2);
    ASSERT_EQ(mails[0].attempt_log.size(), 2u);
    EXPECT_EQ(mails[0].attempt_log[0].outcome, "error");
    EXPECT_EQ(mails[0].attempt_log[1].outcome, "sent");
    EXPECT_EQ(mails[0].attempt_log[1].at, t1 + 30);
  }

  // Later runs the same day neither plan nor send it again; the in-app alert exists once.
  clock_.set(t1 + 3600);
  auto r4 = s.runOnce();
  ASSERT_TRUE(r4) << r4.error().message;
  EXPECT_EQ(r4->planned, 0);
  EXPECT_EQ(r4->sent + r4->failed + r4->skipped, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a stray message would have landed
  EXPECT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.refusals().size(), 1u);
  EXPECT_EQ(notificationsOf(alice.id).size(), 1u);
}

}  // namespace
}  // namespace keyward::notify_testing
