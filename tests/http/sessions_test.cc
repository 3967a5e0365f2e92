// Router-level tests of console sign-in (issue 3): the session cookie and its attributes, the
// CSRF token on unsafe methods, sign-out, idle and absolute timeouts, throttling of repeated
// failed sign-ins, and what the audit log records of them.
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

constexpr const char* kPassword = "correct horse battery staple";
constexpr UnixSeconds kMinute = 60;

class Sessions : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    t_ = createTenant("Acme");
    ann_ = createUser(t_, "ann@example.com", kPassword, R"(["Portal Administrator"])");
  }
  std::string base() const { return "/v1/tenants/" + t_; }

  Response login(const std::string& email, const std::string& password, const std::string& tenant = {}) {
    return post("/v1/auth/login",
                "{\"tenant\":" + json::serialize(json::value(tenant.empty() ? t_ : tenant)) +
                    ",\"email\":" + json::serialize(json::value(email)) +
                    ",\"password\":" + json::serialize(json::value(password)) + "}",
                kNoCredential);
  }

  struct Session {
    std::string cookie;  // the kw_session value
    std::string csrf;
  };
  Session signIn(const std::string& email = "ann@example.com", const std::string& password = kPassword) {
    Response r = login(email, password);
    EXPECT_EQ(r.status, 200) << r.body;
    Session s;
    const std::string set = headerOf(r, "set-cookie");
    const size_t eq = set.find('=');
    s.cookie = set.substr(eq + 1, set.find(';') - eq - 1);
    s.csrf = str(obj(r), "csrf_token");
    return s;
  }

  // A request carrying the session cookie, and the CSRF token when `csrf` is given.
  Response as(const Session& s, std::string method, std::string_view target, std::string body = {},
              std::optional<std::string> csrf = std::nullopt) {
    std::vector<Header> headers{{"cookie", "theme=dark; kw_session=" + s.cookie}};
    if (csrf) headers.push_back({"x-csrf-token", *csrf});
    if (!body.empty()) headers.push_back({"content-type", "application/json"});
    return send(request(std::move(method), target, std::move(body), std::move(headers)));
  }

  std::vector<std::string> loginAudit(const std::string& tenant) {
    std::vector<std::string> out;
    for (const auto& e : auditOf(tenant)) {
      const auto& o = e.as_object();
      const std::string action = str(o, "action");
      if (action.starts_with("user.login")) out.push_back(action + "/" + str(o, "outcome"));
    }
    return out;
  }

  std::string t_, ann_;
};
KEYWARD_ON_EVERY_BACKEND(Sessions);

TEST_P(Sessions, SignInSetsAStrictHttpOnlySessionCookieAndReturnsACsrfToken) {
  Response r = login("Ann@Example.com", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string cookie = headerOf(r, "set-cookie");
  EXPECT_TRUE(cookie.starts_with("kw_session=")) << cookie;
  EXPECT_NE(cookie.find("; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "no Secure attribute without TLS: " << cookie;
  json::object o = obj(r);
  EXPECT_GE(str(o, "csrf_token").size(), 32u);
  EXPECT_EQ(str(o, "expires_at"), "2027-01-15T20:00:00Z");  // 12 hours after kT0
  EXPECT_EQ(str(o.at("user").as_object(), "id"), ann_);
  EXPECT_EQ(r.body.find("password"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("argon2"), std::string::npos) << r.body;
  EXPECT_EQ(loginAudit(t_), std::vector<std::string>{"user.login/success"});
}

TEST_P(Sessions, CookieIsSecureUnderTls) {
  tls_ = true;
  useTrustedProxies({});
  Response r = login("ann@example.com", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(headerOf(r, "set-cookie").find("; Secure"), std::string::npos) << headerOf(r, "set-cookie");
}

TEST_P(Sessions, MeDescribesTheSignedInUser) {
  Session s = signIn();
  Response r = as(s, "GET", "/v1/auth/me");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = obj(r);
  EXPECT_EQ(str(o, "tenant_id"), t_);
  EXPECT_EQ(json::serialize(o.at("principal")), R"({"type":"user","id":")" + ann_ + "\"}");
  EXPECT_EQ(str(o.at("user").as_object(), "email"), "ann@example.com");
  EXPECT_EQ(str(o, "csrf_token"), s.csrf);
  EXPECT_EQ(str(o, "idle_expires_at"), "2027-01-15T08:30:00Z");
  EXPECT_FALSE(o.at("permissions").as_array().empty());
  expectProblem(get("/v1/auth/me", kNoCredential), 401, "UNAUTHENTICATED");
}

TEST_P(Sessions, SessionActsWithTheUsersRoles) {
  Session s = signIn();
  EXPECT_EQ(as(s, "GET", base() + "/keys").status, 200);
  Response r = as(s, "POST", base() + "/keys", R"({"name":"from-console"})", s.csrf);
  ASSERT_EQ(r.status, 201) << r.body;
  CreatedKey k = keep(r);
  EXPECT_EQ(str(k.key, "created_by"), ann_);
  bool audited = false;
  for (const auto& e : auditOf(t_, "action=key.create")) audited = audited || str(e.as_object(), "actor") == ann_;
  EXPECT_TRUE(audited);
  // Another tenant stays out of reach.
  const std::string other = createTenant("Other");
  expectProblem(as(s, "GET", "/v1/tenants/" + other + "/keys"), 404, "NOT_FOUND");

  createUser(t_, "viv@example.com", "viewer's long password", R"(["Global Viewer"])");
  Session viewer = signIn("viv@example.com", "viewer's long password");
  EXPECT_EQ(as(viewer, "GET", base() + "/keys").status, 200);
  expectProblem(as(viewer, "POST", base() + "/keys", R"({"name":"nope"})", viewer.csrf), 403, "FORBIDDEN");
}

TEST_P(Sessions, UnsafeRequestsNeedTheSessionsCsrfToken) {
  Session s = signIn();
  Session other = signIn();
  const std::string before = accessSnapshot(t_);
  for (const std::optional<std::string>& token :
       {std::optional<std::string>(), std::optional<std::string>(""), std::optional<std::string>("x" + s.csrf),
        std::optional<std::string>(other.csrf)}) {
    expectProblem(as(s, "POST", base() + "/keys", R"({"name":"forged"})", token), 403, "CSRF_TOKEN_INVALID");
    expectProblem(as(s, "PATCH", base() + "/users/" + ann_, R"({"display_name":"forged"})", token), 403,
                  "CSRF_TOKEN_INVALID");
    expectProblem(as(s, "DELETE", base() + "/users/" + ann_, {}, token), 403, "CSRF_TOKEN_INVALID");
  }
  EXPECT_EQ(accessSnapshot(t_), before);
  // Safe methods need none, and a bearer credential is not a cookie: no CSRF token needed.
  EXPECT_EQ(as(s, "GET", base() + "/users/" + ann_).status, 200);
  std::vector<Header> both{{"cookie", "kw_session=" + s.cookie}, {"authorization", "Bearer " + admin_}};
  EXPECT_EQ(send(request("POST", base() + "/key-groups", R"({"name":"g"})", both)).status, 201);
}

TEST_P(Sessions, SignOutEndsTheSession) {
  Session s = signIn();
  Response r = as(s, "POST", "/v1/auth/logout");
  EXPECT_EQ(r.status, 204);
  const std::string cleared = headerOf(r, "set-cookie");
  EXPECT_TRUE(cleared.starts_with("kw_session=;")) << cleared;
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;
  expectProblem(as(s, "GET", "/v1/auth/me"), 401, "UNAUTHENTICATED");
  expectProblem(as(s, "GET", base() + "/keys"), 401, "UNAUTHENTICATED");
}

TEST_P(Sessions, IdleSessionEndsAfterThirtyMinutesWithoutARequest) {
  Session s = signIn();
  clock_.advance(29 * kMinute);
  EXPECT_EQ(as(s, "GET", "/v1/auth/me").status, 200);
  clock_.advance(29 * kMinute);  // each request restarts the idle clock
  EXPECT_EQ(as(s, "GET", base() + "/keys").status, 200);
  clock_.advance(30 * kMinute);
  expectProblem(as(s, "GET", "/v1/auth/me"), 401, "UNAUTHENTICATED");
  // Gone for good, even if the clock were to say otherwise.
  clock_.set(kT0 + 60 * kMinute);
  expectProblem(as(s, "GET", "/v1/auth/me"), 401, "UNAUTHENTICATED");
}

TEST_P(Sessions, SessionEndsTwelveHoursAfterSignInWhateverTheActivity) {
  Session s = signIn();
  for (int i = 1; i < 36; ++i) {  // a request every 20 minutes for 11 h 40 min
    clock_.advance(20 * kMinute);
    ASSERT_EQ(as(s, "GET", "/v1/auth/me").status, 200) << "after " << i * 20 << " minutes";
  }
  clock_.advance(20 * kMinute);
  expectProblem(as(s, "GET", "/v1/auth/me"), 401, "UNAUTHENTICATED");
  // Signing in again starts a new session.
  Session again = signIn();
  EXPECT_EQ(as(again, "GET", "/v1/auth/me").status, 200);
}

TEST_P(Sessions, EveryFailedSignInLooksTheSame) {
  const std::string bob = createUser(t_, "bob@example.com", "bob's long password");
  ASSERT_EQ(patch(base() + "/users/" + bob, R"({"disabled":true})").status, 200);
  std::string detail;
  for (Response r :
       {login("ann@example.com", "wrong password!"), login("nobody@example.com", kPassword),
        login("ann@example.com", kPassword, "ten_nosuchtenant"), login("bob@example.com", "bob's long password")}) {
    expectProblem(r, 401, "SIGN_IN_FAILED");
    EXPECT_EQ(headerOf(r, "set-cookie"), "");
    if (detail.empty()) detail = str(obj(r), "detail");
    EXPECT_EQ(str(obj(r), "detail"), detail);
  }
}

TEST_P(Sessions, RepeatedFailedSignInsAreThrottledAndAudited) {
  for (int i = 0; i < 5; ++i) expectProblem(login("ann@example.com", "wrong password!"), 401, "SIGN_IN_FAILED");
  // The sixth attempt is refused even with the right password, and says when to come back.
  Response r = login("ann@example.com", kPassword);
  expectProblem(r, 429, "TOO_MANY_SIGN_IN_ATTEMPTS");
  const int retry = std::stoi(headerOf(r, "retry-after"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 15 * 60);
  EXPECT_EQ(headerOf(r, "set-cookie"), "");
  clock_.advance(5 * kMinute);
  expectProblem(login("ann@example.com", kPassword), 429, "TOO_MANY_SIGN_IN_ATTEMPTS");
  clock_.advance(10 * kMinute);  // the 15-minute window has passed
  EXPECT_EQ(login("ann@example.com", kPassword).status, 200);

  const std::vector<std::string> expected{"user.login_failed/failure",   "user.login_failed/failure",
                                          "user.login_failed/failure",   "user.login_failed/failure",
                                          "user.login_failed/failure",   "user.login_failed/throttled",
                                          "user.login_failed/throttled", "user.login/success"};
  EXPECT_EQ(loginAudit(t_), expected);
  for (const auto& e : auditOf(t_)) {
    EXPECT_EQ(json::serialize(e).find("wrong password"), std::string::npos) << "a tried password is never recorded";
  }
}

TEST_P(Sessions, FailuresFromOneAddressThrottleEveryAccountItTries) {
  for (int i = 0; i < 5; ++i) {
    expectProblem(login("guess" + std::to_string(i) + "@example.com", "a guessed password"), 401, "SIGN_IN_FAILED");
  }
  Response r = login("ann@example.com", kPassword);
  expectProblem(r, 429, "TOO_MANY_SIGN_IN_ATTEMPTS");
  EXPECT_FALSE(headerOf(r, "retry-after").empty());
}

TEST_P(Sessions, DisablingAUserEndsItsSessionAtItsNextRequest) {
  Session s = signIn();
  ASSERT_EQ(as(s, "GET", "/v1/auth/me").status, 200);
  ASSERT_EQ(patch(base() + "/users/" + ann_, R"({"disabled":true})").status, 200);
  expectProblem(as(s, "GET", "/v1/auth/me"), 401, "UNAUTHENTICATED");
  ASSERT_EQ(patch(base() + "/users/" + ann_, R"({"disabled":false})").status, 200);
  // The ended session does not come back.
  expectProblem(as(s, "GET", "/v1/auth/me"), 401, "UNAUTHENTICATED");
}

TEST_P(Sessions, ChangingTheUsersRolesAppliesToItsSessionAtOnce) {
  Session s = signIn();
  ASSERT_EQ(as(s, "POST", base() + "/key-groups", R"({"name":"a"})", s.csrf).status, 201);
  ASSERT_EQ(patch(base() + "/users/" + ann_, R"({"roles":["Global Viewer"]})").status, 200);
  expectProblem(as(s, "POST", base() + "/key-groups", R"({"name":"b"})", s.csrf), 403, "FORBIDDEN");
  EXPECT_EQ(as(s, "GET", base() + "/key-groups").status, 200);
}

}  // namespace
}  // namespace keyward::http_testing
