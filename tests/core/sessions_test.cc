// Service-level tests of console sign-in (src/core/session_service.h) on a real SQLite store
// with a manual clock: throttling of failed sign-ins per account and per address, idle and
// absolute timeouts, CSRF tokens, sessions ending when their user is disabled or deleted,
// and the audit trail of sign-ins.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/session_service.h"
#include "core_fixture.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::expectError;

constexpr const char* kPassword = "correct horse battery staple";
constexpr const char* kWrong = "incorrect horse battery staple";
constexpr const char* kHome = "203.0.113.10";
constexpr const char* kAway = "198.51.100.99";

class SessionsTest : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    if (HasFatalFailure()) return;
    tenant_ = makeTenant("acme").id;
    admin_ = makeAdmin(tenant_);
    sessions_ = std::make_unique<SessionService>(*store_, clock_, *audit_, *access_);
    alice_ = makeUser("alice@example.com", {RoleAssignment{std::string(kRoleGlobalViewer), false, {}}});
  }

  void TearDown() override {
    sessions_.reset();
    CoreTest::TearDown();
  }

  User makeUser(const std::string& email, std::vector<RoleAssignment> roles) {
    auto u = principals_->createUser(admin_, tenant_, {email, "User " + email, kPassword, std::move(roles)});
    EXPECT_TRUE(u) << u.error().message;
    return u.value_or(User{});
  }

  Result<SignedIn> login(std::string_view email, std::string_view password, std::string_view ip = kHome) {
    return sessions_->login(tenant_, email, password, ip);
  }

  SignedIn mustLogin(std::string_view email = "alice@example.com", std::string_view ip = kHome) {
    auto s = login(email, kPassword, ip);
    EXPECT_TRUE(s) << s.error().code << ": " << s.error().message;
    return s.value_or(SignedIn{});
  }

  // A GET (no CSRF token needed) with the session.
  Result<Principal> get(const SignedIn& s) { return sessions_->authenticate(s.token, std::nullopt, false); }

  std::string tenant_;
  Actor admin_;
  std::unique_ptr<SessionService> sessions_;
  User alice_;
};
KEYWARD_ON_EVERY_BACKEND(SessionsTest);

TEST_P(SessionsTest, SignedInSessionActsAsTheUserWithItsRoles) {
  const SignedIn s = mustLogin("Alice@Example.com");  // e-mail is matched case-insensitively
  EXPECT_EQ(s.user.id, alice_.id);
  EXPECT_FALSE(s.token.empty());
  EXPECT_FALSE(s.csrf.empty());
  EXPECT_NE(s.token, s.csrf);
  EXPECT_EQ(s.expires_at, core_testing::kT0 + 12 * 3600);
  auto p = get(s);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->kind, PrincipalKind::kUser);
  EXPECT_EQ(p->subject_id, alice_.id);
  EXPECT_EQ(p->tenant_id, tenant_);
  EXPECT_TRUE(p->key_id.empty());
  EXPECT_EQ(p->actorId(), alice_.id);
  ASSERT_TRUE(p->permissions);
  EXPECT_EQ(p->permissions->level("keys", Action::kInquire), Level::kAll);
  EXPECT_EQ(p->permissions->level("keys", Action::kAdd), Level::kNone);
  // Two sign-ins are two sessions.
  EXPECT_NE(mustLogin().token, s.token);
}

TEST_P(SessionsTest, ChangingThePasswordEndsSessionsOpenedWithTheOldOne) {
  const SignedIn before = mustLogin();
  ASSERT_TRUE(get(before));
  UpdateUserInput change;
  change.password = "a brand new horse battery";
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, change));
  auto after = get(before);
  expectError(after, ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  auto fresh = login("alice@example.com", "a brand new horse battery");
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_TRUE(get(*fresh));
  // Editing anything else keeps the session.
  UpdateUserInput rename;
  rename.display_name = "Alice A.";
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, rename));
  EXPECT_TRUE(get(*fresh));
}

TEST_P(SessionsTest, UnknownEmailWrongPasswordUnknownTenantAndDisabledUserGetTheSameAnswer) {
  auto wrong = login("alice@example.com", kWrong);
  expectError(wrong, ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  auto unknown = login("nobody@example.com", kPassword);
  expectError(unknown, ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  EXPECT_EQ(unknown.error().message, wrong.error().message);
  EXPECT_EQ(unknown.error().field, wrong.error().field);
  auto no_tenant = sessions_->login("ten_nope", "alice@example.com", kPassword, kAway);
  expectError(no_tenant, ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  EXPECT_EQ(no_tenant.error().message, wrong.error().message);

  UpdateUserInput off;
  off.disabled = true;
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, off));
  auto disabled = login("alice@example.com", kPassword, kAway);
  expectError(disabled, ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  EXPECT_EQ(disabled.error().message, wrong.error().message);
}

TEST_P(SessionsTest, FiveFailuresForAnAccountThrottleItFromAnyAddressUntilTheWindowEnds) {
  for (int i = 0; i < 5; ++i) {
    clock_.advance(10);
    expectError(login("alice@example.com", kWrong, "192.0.2." + std::to_string(i + 1)), ErrorKind::kUnauthenticated,
                "SIGN_IN_FAILED");
  }
  // Even the right password, from an address that never failed, is refused now.
  auto throttled = login("alice@example.com", kPassword, kAway);
  expectError(throttled, ErrorKind::kTooManyRequests, "TOO_MANY_SIGN_IN_ATTEMPTS");
  expectError(login("ALICE@example.com", kPassword, kAway), ErrorKind::kTooManyRequests, "TOO_MANY_SIGN_IN_ATTEMPTS");
  const UnixSeconds wait = sessions_->retryAfter(tenant_, "alice@example.com", kAway);
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 15 * 60);
  EXPECT_NE(throttled.error().message.find(std::to_string(wait)), std::string::npos) << throttled.error().message;
  // Other accounts are not affected.
  makeUser("bob@example.com", {});
  mustLogin("bob@example.com", kAway);

  clock_.advance(wait - 1);
  expectError(login("alice@example.com", kPassword, kAway), ErrorKind::kTooManyRequests, "TOO_MANY_SIGN_IN_ATTEMPTS");
  clock_.advance(1);
  EXPECT_EQ(sessions_->retryAfter(tenant_, "alice@example.com", kAway), 0);
  mustLogin("alice@example.com", kAway);
}

TEST_P(SessionsTest, FiveFailuresFromAnAddressThrottleItForEveryAccount) {
  for (int i = 0; i < 5; ++i)
    expectError(login("guess" + std::to_string(i) + "@example.com", kWrong, kHome), ErrorKind::kUnauthenticated,
                "SIGN_IN_FAILED");
  expectError(login("alice@example.com", kPassword, kHome), ErrorKind::kTooManyRequests, "TOO_MANY_SIGN_IN_ATTEMPTS");
  EXPECT_GT(sessions_->retryAfter(tenant_, "alice@example.com", kHome), 0);
  mustLogin("alice@example.com", kAway);  // the account itself is fine elsewhere
  clock_.advance(15 * 60);
  mustLogin("alice@example.com", kHome);
}

TEST_P(SessionsTest, FailuresSpreadOverMoreThanTheWindowDoNotThrottle) {
  for (int i = 0; i < 4; ++i)
    expectError(login("alice@example.com", kWrong), ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  clock_.advance(15 * 60);
  for (int i = 0; i < 4; ++i)
    expectError(login("alice@example.com", kWrong), ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  mustLogin();
}

TEST_P(SessionsTest, SessionEndsAfterThirtyIdleMinutes) {
  const SignedIn s = mustLogin();
  clock_.advance(30 * 60 - 1);
  ASSERT_TRUE(get(s));  // activity restarts the idle clock
  clock_.advance(30 * 60 - 1);
  ASSERT_TRUE(get(s));
  clock_.advance(30 * 60);
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  expectError(sessions_->describe(s.token), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  // It stays ended.
  clock_.advance(-(30 * 60));
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
}

TEST_P(SessionsTest, SessionEndsTwelveHoursAfterSignInHoweverBusy) {
  const SignedIn s = mustLogin();
  auto view = sessions_->describe(s.token);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->expires_at, core_testing::kT0 + 12 * 3600);
  EXPECT_EQ(view->idle_expires_at, core_testing::kT0 + 30 * 60);
  EXPECT_EQ(view->csrf, s.csrf);
  for (int i = 0; i < 12 * 3 - 1; ++i) {
    clock_.advance(20 * 60);
    ASSERT_TRUE(get(s)) << "after " << (i + 1) * 20 << " minutes";
  }
  clock_.advance(20 * 60);  // exactly 12 hours
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
}

TEST_P(SessionsTest, ChangesNeedTheSessionsCsrfToken) {
  const SignedIn s = mustLogin();
  const SignedIn other = mustLogin();
  expectError(sessions_->authenticate(s.token, std::nullopt, true), ErrorKind::kForbidden, "CSRF_TOKEN_INVALID");
  expectError(sessions_->authenticate(s.token, "", true), ErrorKind::kForbidden, "CSRF_TOKEN_INVALID");
  expectError(sessions_->authenticate(s.token, other.csrf, true), ErrorKind::kForbidden, "CSRF_TOKEN_INVALID");
  expectError(sessions_->authenticate(s.token, s.csrf.substr(1), true), ErrorKind::kForbidden, "CSRF_TOKEN_INVALID");
  expectError(sessions_->authenticate(s.token, s.csrf + "x", true), ErrorKind::kForbidden, "CSRF_TOKEN_INVALID");
  EXPECT_TRUE(sessions_->authenticate(s.token, s.csrf, true));
  EXPECT_TRUE(sessions_->authenticate(s.token, std::nullopt, false));  // reads need none
  // The CSRF token is not a session token.
  expectError(sessions_->authenticate(s.csrf, s.csrf, true), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
}

TEST_P(SessionsTest, DisabledUsersSessionEndsAtItsNextRequest) {
  const SignedIn s = mustLogin();
  ASSERT_TRUE(get(s));
  UpdateUserInput off;
  off.disabled = true;
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, off));
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  // Enabling the user again does not bring the ended session back.
  UpdateUserInput on;
  on.disabled = false;
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, on));
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  mustLogin();
}

TEST_P(SessionsTest, DeletedUsersSessionEndsAtItsNextRequest) {
  const SignedIn s = mustLogin();
  ASSERT_TRUE(principals_->removeUser(admin_, tenant_, alice_.id));
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  expectError(sessions_->authenticate(s.token, s.csrf, true), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
}

TEST_P(SessionsTest, RoleChangesApplyToTheNextRequestOfALiveSession) {
  const SignedIn s = mustLogin();
  UpdateUserInput promote;
  promote.roles = std::vector<RoleAssignment>{RoleAssignment{std::string(kRolePortalAdministrator), false, {}}};
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, promote));
  auto p = get(s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->permissions->level("keys", Action::kAdd), Level::kAll);
  UpdateUserInput demote;
  demote.roles = std::vector<RoleAssignment>{};
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice_.id, demote));
  p = get(s);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->permissions->empty());
}

TEST_P(SessionsTest, LogoutEndsTheSession) {
  const SignedIn s = mustLogin();
  const SignedIn kept = mustLogin();
  sessions_->logout(s.token);
  expectError(get(s), ErrorKind::kUnauthenticated, "UNAUTHENTICATED");
  EXPECT_TRUE(get(kept));
  sessions_->logout("not-a-session");  // harmless
}

TEST_P(SessionsTest, SignInsAndFailuresAreAuditedWithoutThePassword) {
  mustLogin();
  expectError(login("alice@example.com", kWrong, kAway), ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  expectError(login("nobody@example.com", kWrong, kAway), ErrorKind::kUnauthenticated, "SIGN_IN_FAILED");
  for (int i = 0; i < 3; ++i) (void)login("nobody@example.com", kWrong, kAway);
  expectError(login("alice@example.com", kPassword, kAway), ErrorKind::kTooManyRequests, "TOO_MANY_SIGN_IN_ATTEMPTS");
  (void)sessions_->login("ten_nope", "x@example.com", kWrong, kAway);

  const auto ok = auditOf(tenant_, "user.login");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].outcome, "success");
  EXPECT_EQ(ok[0].actor, alice_.id);
  EXPECT_EQ(ok[0].client_ip, kHome);

  const auto failed = auditOf(tenant_, "user.login_failed");
  ASSERT_EQ(failed.size(), 6u);  // 5 failures + 1 throttled
  const auto count = [&](auto pred) { return std::count_if(failed.begin(), failed.end(), pred); };
  EXPECT_EQ(count([&](const AuditEvent& e) { return e.outcome == "failure" && e.actor == alice_.id; }), 1);
  EXPECT_EQ(count([&](const AuditEvent& e) { return e.outcome == "failure" && e.actor == "anonymous"; }), 4);
  EXPECT_EQ(count([&](const AuditEvent& e) { return e.outcome == "throttled"; }), 1);
  for (const auto& e : failed) {
    EXPECT_EQ(e.client_ip, kAway);
    EXPECT_NE(e.detail_json.find("@example.com"), std::string::npos) << e.detail_json;
  }
  // A sign-in to a tenant that does not exist is on the platform operator's record.
  const auto system = auditOf(kSystemTenantId, "user.login_failed");
  ASSERT_EQ(system.size(), 1u);
  EXPECT_NE(system[0].detail_json.find("x@example.com"), std::string::npos);
  // No password anywhere in the log.
  for (const auto& t : {std::string(tenant_), std::string(kSystemTenantId)})
    for (const auto& e : auditOf(t)) {
      EXPECT_EQ(e.detail_json.find("horse"), std::string::npos) << e.action << " " << e.detail_json;
      EXPECT_EQ(e.target.find("horse"), std::string::npos) << e.action;
    }
}

}  // namespace
}  // namespace keyward
